-- Accounts of the web application: people who sign in, their roles, their sessions and the
-- devices they have signed in from; and the place of each audit row, so that a place's audit
-- page is one indexed query. Times are text RFC 3339 in UTC (they sort as text).

-- A person who signs in. The e-mail is stored lower-cased; the password as an argon2id PHC
-- string (never shown). A disabled account cannot sign in and its sessions are deleted.
CREATE TABLE account (
    id {{id}},
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

-- What an account may do: `admin` (everything; no place), `lead` (edit one place). Issue 15
-- adds member, editor and events with their own scopes; place_id is the scope when a role has one.
CREATE TABLE account_role (
    account_id BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    place_id BIGINT REFERENCES place (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX account_role_key ON account_role (account_id, role, COALESCE(place_id, 0));
CREATE INDEX account_role_by_place ON account_role (place_id);

-- A signed-in session: the SHA-256 (hex) of its cookie's token, never the token itself; the
-- CSRF token of its forms.
CREATE TABLE session (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX session_by_account ON session (account_id);
CREATE INDEX session_by_expiry ON session (expires_at);

-- A device an account has signed in from (the SHA-256 of its device cookie's token): its
-- sign-ins are not slowed by the failures of others (OWASP's device cookies).
CREATE TABLE trusted_device (
    token_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
CREATE INDEX trusted_device_by_account ON trusted_device (account_id);

-- The place an audit row belongs to (NULL for releases, organisations, accounts).
ALTER TABLE audit ADD COLUMN place_id BIGINT;
UPDATE audit SET place_id = CAST(entity_id AS BIGINT) WHERE entity = 'place';
UPDATE audit SET place_id = (SELECT r.place_id FROM recommendation r WHERE CAST(r.id AS TEXT) = audit.entity_id)
    WHERE entity = 'recommendation';
UPDATE audit SET place_id = (SELECT t.place_id FROM target t WHERE CAST(t.id AS TEXT) = audit.entity_id)
    WHERE entity = 'target';
UPDATE audit SET place_id = (SELECT s.place_id FROM strategy s WHERE CAST(s.id AS TEXT) = audit.entity_id)
    WHERE entity = 'strategy';
UPDATE audit SET place_id = (SELECT p.place_id FROM progress_update p WHERE CAST(p.id AS TEXT) = audit.entity_id)
    WHERE entity = 'progress';
UPDATE audit SET place_id = (SELECT e.place_id FROM evaluation e WHERE CAST(e.id AS TEXT) = audit.entity_id)
    WHERE entity = 'evaluation';
CREATE INDEX audit_by_place ON audit (place_id, id);

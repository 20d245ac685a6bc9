-- The network's events (a conference and its sessions, registrations with a waiting list),
-- publications (with full-text search) and contact queries; and the outbox of the e-mails
-- they cause. People are accounts (account.id). Times are text RFC 3339 in UTC, dates
-- YYYY-MM-DD (both sort as text).
--
-- Lines beginning `--sqlite: ` or `--postgres: ` are statements of that backend only (the
-- full-text index: SQLite FTS5 against PostgreSQL's tsvector and GIN); the migration runner
-- uncomments them for their backend and leaves them comments for the other.

-- An event: the annual conference, a webinar, a workshop. Accessibility and dietary needs
-- given at registration are kept until `needs_kept_days` after `ends_on`, then cleared by the
-- retention job (which sets `needs_cleared_at`). The conference report is attached afterwards.
CREATE TABLE event (
    id {{id}},
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    venue TEXT,
    description TEXT NOT NULL DEFAULT '',
    needs_kept_days BIGINT NOT NULL,
    needs_cleared_at TEXT,
    report_title TEXT,
    report_url TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX event_by_start ON event (starts_on);

-- A session of an event: `plenary` (everyone registered; may be livestreamed by `link`) or
-- `breakout` (chosen at registration, `capacity` places, then a waiting list). NULL capacity:
-- no limit. A recording is attached afterwards.
CREATE TABLE event_session (
    id {{id}},
    event_id BIGINT NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    theme TEXT,
    starts_at TEXT,
    capacity BIGINT,
    room TEXT,
    link TEXT,
    description TEXT NOT NULL DEFAULT '',
    recording_url TEXT
);
CREATE INDEX event_session_by_event ON event_session (event_id, id);

-- The facilitator team of a session: members (accounts).
CREATE TABLE session_facilitator (
    session_id BIGINT NOT NULL REFERENCES event_session (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, account_id)
);
CREATE INDEX session_facilitator_by_account ON session_facilitator (account_id);

-- A member's registration for an event, with the breakout chosen (NULL: plenaries only).
-- status: `place` (a place in the breakout, or at the plenaries), `waiting` (on the breakout's
-- waiting list, in `queue_seq` order), `cancelled`. One registration per member and event.
CREATE TABLE registration (
    id {{id}},
    event_id BIGINT NOT NULL REFERENCES event (id) ON DELETE CASCADE,
    account_id BIGINT NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    session_id BIGINT REFERENCES event_session (id) ON DELETE SET NULL,
    status TEXT NOT NULL,
    queue_seq BIGINT NOT NULL,
    accessibility_needs TEXT,
    dietary_needs TEXT,
    registered_at TEXT NOT NULL,
    promoted_at TEXT,
    cancelled_at TEXT,
    checked_in_at TEXT,
    UNIQUE (event_id, account_id)
);
CREATE INDEX registration_by_session ON registration (session_id, status, queue_seq);
CREATE INDEX registration_by_account ON registration (account_id);

-- A publication: a report, review or briefing, with its authors, date, places (area codes)
-- and themes (the Marmot principles' ids), as a PDF or a link. `authors_text` is the authors'
-- names joined, for the search.
CREATE TABLE publication (
    id {{id}},
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    published_on TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL,
    is_pdf BIGINT NOT NULL DEFAULT 0,
    authors_text TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX publication_by_date ON publication (published_on, id);
CREATE INDEX publication_by_kind ON publication (kind, published_on);

CREATE TABLE publication_author (
    publication_id BIGINT NOT NULL REFERENCES publication (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    name TEXT NOT NULL,
    account_id BIGINT REFERENCES account (id) ON DELETE SET NULL,
    PRIMARY KEY (publication_id, position)
);

CREATE TABLE publication_place (
    publication_id BIGINT NOT NULL REFERENCES publication (id) ON DELETE CASCADE,
    area_code TEXT NOT NULL,
    PRIMARY KEY (publication_id, area_code)
);
CREATE INDEX publication_place_by_area ON publication_place (area_code, publication_id);

CREATE TABLE publication_theme (
    publication_id BIGINT NOT NULL REFERENCES publication (id) ON DELETE CASCADE,
    theme TEXT NOT NULL,
    PRIMARY KEY (publication_id, theme)
);
CREATE INDEX publication_theme_by_theme ON publication_theme (theme, publication_id);

-- Full-text search. SQLite: an FTS5 index over the publication table (external content, kept
-- by triggers; Porter stemming). PostgreSQL: a generated tsvector of every field (English
-- stemming) with a GIN index, kept in the row (storage MAIN: so that the planner sees what a
-- scan of it costs and takes the index), and a smaller one of the title, authors and summary
-- (weighted A, B, C) that ranks the matches.
--sqlite: CREATE VIRTUAL TABLE publication_fts USING fts5 (title, authors_text, summary, body, content = 'publication', content_rowid = 'id', tokenize = 'porter unicode61');
--sqlite: CREATE TRIGGER publication_fts_insert AFTER INSERT ON publication BEGIN INSERT INTO publication_fts (rowid, title, authors_text, summary, body) VALUES (new.id, new.title, new.authors_text, new.summary, new.body); END;
--sqlite: CREATE TRIGGER publication_fts_delete AFTER DELETE ON publication BEGIN INSERT INTO publication_fts (publication_fts, rowid, title, authors_text, summary, body) VALUES ('delete', old.id, old.title, old.authors_text, old.summary, old.body); END;
--sqlite: CREATE TRIGGER publication_fts_update AFTER UPDATE ON publication BEGIN INSERT INTO publication_fts (publication_fts, rowid, title, authors_text, summary, body) VALUES ('delete', old.id, old.title, old.authors_text, old.summary, old.body); INSERT INTO publication_fts (rowid, title, authors_text, summary, body) VALUES (new.id, new.title, new.authors_text, new.summary, new.body); END;
--postgres: ALTER TABLE publication ADD COLUMN search tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', authors_text), 'B') || setweight(to_tsvector('english', summary), 'C') || setweight(to_tsvector('english', body), 'D')) STORED;
--postgres: ALTER TABLE publication ALTER COLUMN search SET STORAGE MAIN;
--postgres: ALTER TABLE publication ADD COLUMN search_head tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', authors_text), 'B') || setweight(to_tsvector('english', summary), 'C')) STORED;
--postgres: CREATE INDEX publication_search ON publication USING GIN (search);

-- A query sent through the contact form (by a member signed in, or anyone with an address),
-- its topic and status (`open`, `assigned`, `answered`, `closed`), the staff member it is
-- assigned to; its thread in contact_message. Closed queries are deleted by the retention
-- job a stated period after closing.
CREATE TABLE contact_query (
    id {{id}},
    account_id BIGINT REFERENCES account (id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    topic TEXT NOT NULL,
    status TEXT NOT NULL,
    assigned_to BIGINT REFERENCES account (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX contact_query_by_status ON contact_query (status, id);
CREATE INDEX contact_query_by_account ON contact_query (account_id);

-- The thread of a query: the sender's message and staff answers (author_id: the staff
-- member; NULL for the sender).
CREATE TABLE contact_message (
    id {{id}},
    query_id BIGINT NOT NULL REFERENCES contact_query (id) ON DELETE CASCADE,
    from_staff BIGINT NOT NULL,
    author_id BIGINT REFERENCES account (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX contact_message_by_query ON contact_message (query_id, id);

-- E-mails owed: written in the transaction of what causes them (a waiting-list promotion, a
-- query acknowledged or answered), claimed by one sender (`claimed_at`), marked sent. `kind`
-- and `subject_id` say what to write (the registration, the query, the message).
CREATE TABLE notice (
    id {{id}},
    kind TEXT NOT NULL,
    subject_id BIGINT NOT NULL,
    recipient TEXT NOT NULL,
    created_at TEXT NOT NULL,
    claimed_at TEXT,
    sent_at TEXT
);
CREATE INDEX notice_pending ON notice (sent_at, id);

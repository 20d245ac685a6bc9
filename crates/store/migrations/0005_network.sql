-- The network (issue 15): members (accounts with a profile, in the organisations of
-- migration 0002, whose recommendations are those they own), one-use e-mail links, the newsletter (subscribers, issues, the per-recipient send ledger, bounces and
-- complaints) and the consent ledger. Times are text RFC 3339 in UTC (they sort as text).
-- Nothing here repeats a person's e-mail or name except `subscriber.email` (a subscriber
-- need not have an account) and the pending link's `email`: erasing a member
-- (store::network::consent) removes or anonymises every row that holds them.

-- A member of the network: an account with a profile (keyed by the account's id). `job_role`
-- is what they do ("public health officer"); `in_directory` whether other members see them.
CREATE TABLE member (
    account_id BIGINT PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    organisation_id BIGINT REFERENCES organisation (id) ON DELETE SET NULL,
    sector TEXT NOT NULL,
    job_role TEXT NOT NULL,
    in_directory BIGINT NOT NULL DEFAULT 0,
    joined_at TEXT NOT NULL
);
CREATE INDEX member_by_organisation ON member (organisation_id);

-- The places (area codes) a member works in, and the themes they work on.
CREATE TABLE member_place (
    account_id BIGINT NOT NULL REFERENCES member (account_id) ON DELETE CASCADE,
    area_code TEXT NOT NULL,
    PRIMARY KEY (account_id, area_code)
);
CREATE INDEX member_place_by_area ON member_place (area_code);
CREATE TABLE member_theme (
    account_id BIGINT NOT NULL REFERENCES member (account_id) ON DELETE CASCADE,
    theme TEXT NOT NULL,
    PRIMARY KEY (account_id, theme)
);

-- A link sent by e-mail that works once before it expires: joining (the form's answers,
-- with the password's hash, wait here until the address is confirmed) and subscribing. Only
-- the SHA-256 (hex) of the link's token is kept. A used link's row is deleted.
CREATE TABLE email_link (
    token_hash TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    email TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX email_link_by_email ON email_link (email);
CREATE INDEX email_link_by_expiry ON email_link (expires_at);

-- A newsletter subscriber (with or without an account). `status`: active, unsubscribed,
-- bounced, complained; only active ones are sent issues. The unsubscribe token is in every
-- message's links (it can only unsubscribe).
CREATE TABLE subscriber (
    id {{id}},
    email TEXT NOT NULL UNIQUE,
    account_id BIGINT REFERENCES account (id) ON DELETE SET NULL,
    status TEXT NOT NULL,
    unsubscribe_token TEXT NOT NULL UNIQUE,
    subscribed_at TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
CREATE INDEX subscriber_by_account ON subscriber (account_id);

-- An issue of the newsletter: Markdown, with or without each recipient's place section.
-- `status`: draft, sending, sent. `release_id`: the release its place sections were drawn from
-- (the next issue's sections report what changed since it).
CREATE TABLE newsletter_issue (
    id {{id}},
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    personalised BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    release_id BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT
);

-- The send ledger: one row per issue and recipient, written before the message is handed to
-- the SMTP server (`sending`) and updated after (`sent`, `failed`: refused for now, tried
-- again on resume; `bounced`: refused for good). A resumed send skips every row it finds, so
-- no one is sent an issue twice; a `sending` row left by a crash is "in doubt" (the message
-- may have gone) and is not sent again.
CREATE TABLE newsletter_delivery (
    issue_id BIGINT NOT NULL REFERENCES newsletter_issue (id) ON DELETE CASCADE,
    subscriber_id BIGINT NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    attempted_at TEXT NOT NULL,
    detail TEXT,
    PRIMARY KEY (issue_id, subscriber_id)
);
CREATE INDEX newsletter_delivery_by_subscriber ON newsletter_delivery (subscriber_id);

-- Bounces and complaints reported for a subscriber (by the send, or recorded by hand or by a
-- feedback loop: `fairer newsletter bounce`).
CREATE TABLE mail_event (
    id {{id}},
    subscriber_id BIGINT NOT NULL REFERENCES subscriber (id) ON DELETE CASCADE,
    issue_id BIGINT REFERENCES newsletter_issue (id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX mail_event_by_subscriber ON mail_event (subscriber_id);

-- The consent ledger: what a person agreed to or withdrew (`purpose`: membership, directory,
-- newsletter), the words they were shown, when and how (the form or link). `subject` is
-- `account:ID` or `subscriber:ID`: no address or name, so the ledger outlives an erasure.
CREATE TABLE consent (
    id {{id}},
    subject TEXT NOT NULL,
    purpose TEXT NOT NULL,
    granted BIGINT NOT NULL,
    wording TEXT NOT NULL,
    method TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX consent_by_subject ON consent (subject, id);

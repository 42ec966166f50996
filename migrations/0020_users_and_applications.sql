-- Clerk and admin accounts, their sessions and API tokens, residents'
-- applications, and the audit chain. Portable between SQLite and PostgreSQL:
-- TEXT, BIGINT (unix seconds). No foreign key to `documents` (created by a
-- later migration); applications.document_id is kept unique instead.

CREATE TABLE users (
    username            TEXT PRIMARY KEY,
    role                TEXT NOT NULL,          -- clerk | admin
    password_hash       TEXT NOT NULL,          -- argon2id, PHC string
    status              TEXT NOT NULL,          -- active | disabled
    failed_logins       BIGINT NOT NULL,
    locked_until        BIGINT NOT NULL,        -- unix seconds; 0 = not locked
    created_at          BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);

-- The seals a clerk works for.
CREATE TABLE user_seals (
    username TEXT NOT NULL REFERENCES users (username),
    seal_id  TEXT NOT NULL REFERENCES seals (seal_id),
    PRIMARY KEY (username, seal_id)
);

-- Browser sessions. Only the SHA-256 of the cookie value is stored.
CREATE TABLE sessions (
    session_sha256 TEXT PRIMARY KEY,
    username       TEXT NOT NULL REFERENCES users (username),
    csrf_token     TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (username);

-- Bearer tokens for API clients. Only the SHA-256 of the token is stored.
CREATE TABLE api_tokens (
    token_id      TEXT PRIMARY KEY,
    username      TEXT NOT NULL REFERENCES users (username),
    name          TEXT NOT NULL,
    token_sha256  TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (username);

-- A resident's application for a document.
CREATE TABLE applications (
    application_id     TEXT PRIMARY KEY,         -- random, 128 bits
    number             TEXT NOT NULL UNIQUE,     -- shown to the resident
    tracking_sha256    TEXT NOT NULL UNIQUE,     -- SHA-256 of the private link token
    access_code_sha256 TEXT NOT NULL,            -- SHA-256 of number:code
    kind               TEXT NOT NULL,
    seal_id            TEXT NOT NULL REFERENCES seals (seal_id),
    applicant_name     TEXT NOT NULL,
    fields_json        TEXT NOT NULL,
    status             TEXT NOT NULL,            -- submitted | under_review | issued | rejected
    reject_reason      TEXT,
    reviewed_by        TEXT,
    document_id        TEXT UNIQUE,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
CREATE INDEX applications_seal ON applications (seal_id, status, created_at);

-- The audit chain. `audit_head` has one row; every append updates it first,
-- which serialises appends across processes (a row lock on PostgreSQL, the
-- write lock on SQLite).
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY,
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_log (
    seq            BIGINT PRIMARY KEY,
    at             BIGINT NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    seal_id        TEXT,
    document_id    TEXT,
    application_id TEXT,
    detail         TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL
);

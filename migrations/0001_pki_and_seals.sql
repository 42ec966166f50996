-- Portable between SQLite and PostgreSQL: TEXT, BIGINT (unix seconds), BYTEA
-- (SQLite stores blobs as given whatever the declared type).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The CA-side keys: root, seal CA, TSA. key_wrapped is AES-256-GCM ciphertext.
CREATE TABLE ca_keys (
    kind        TEXT PRIMARY KEY,
    cert_der    BYTEA NOT NULL,
    key_label   TEXT NOT NULL,
    key_wrapped BYTEA NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE seals (
    seal_id       TEXT PRIMARY KEY,
    level         TEXT NOT NULL,
    area_code     TEXT NOT NULL,
    town          TEXT NOT NULL,
    village       TEXT,
    holder        TEXT NOT NULL,
    inscription   TEXT,
    status        TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    revoke_reason TEXT
);
CREATE INDEX seals_town ON seals (town);

-- Every cert a seal has had. The current one has status 'current'; rotation
-- keeps the old cert as 'superseded' (its key destroyed) so that documents
-- signed with it still verify.
CREATE TABLE seal_certs (
    seal_id       TEXT NOT NULL REFERENCES seals (seal_id),
    generation    BIGINT NOT NULL,
    serial_hex    TEXT NOT NULL UNIQUE,
    cert_der      BYTEA NOT NULL,
    key_label     TEXT NOT NULL,
    key_wrapped   BYTEA,
    status        TEXT NOT NULL,
    not_before    BIGINT NOT NULL,
    not_after     BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    revoke_reason TEXT,
    PRIMARY KEY (seal_id, generation)
);

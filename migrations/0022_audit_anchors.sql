-- RFC 3161 timestamps of the audit chain head: each dates every entry up
-- to `seq` (the token's message imprint is that entry's hash).
CREATE TABLE audit_anchors (
    seq    BIGINT PRIMARY KEY,
    hash   TEXT NOT NULL,
    token  BYTEA NOT NULL,
    at     BIGINT NOT NULL
);

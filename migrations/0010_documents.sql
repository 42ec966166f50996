-- Issued documents and their per-seal, per-year numbering.

CREATE TABLE document_counters (
    seal_id TEXT NOT NULL REFERENCES seals (seal_id),
    year    BIGINT NOT NULL,
    last    BIGINT NOT NULL,
    PRIMARY KEY (seal_id, year)
);

CREATE TABLE documents (
    -- 128-bit random identifier, URL-safe base64: unguessable document links.
    document_id      TEXT PRIMARY KEY,
    number           TEXT NOT NULL UNIQUE,
    seal_id          TEXT NOT NULL REFERENCES seals (seal_id),
    year             BIGINT NOT NULL,
    seq              BIGINT NOT NULL,
    kind             TEXT NOT NULL,
    holder           TEXT NOT NULL,
    fields_json      TEXT NOT NULL,
    -- SHA-256 (hex) of the verification code printed on the document.
    code_sha256      TEXT NOT NULL,
    pdf              BYTEA NOT NULL,
    pdf_sha256       TEXT NOT NULL UNIQUE,
    pades_level      TEXT NOT NULL,
    cert_serial_hex  TEXT NOT NULL,
    issued_at        BIGINT NOT NULL,
    issued_by        TEXT NOT NULL,
    status           TEXT NOT NULL,
    voided_at        BIGINT,
    void_reason      TEXT,
    application_id   TEXT UNIQUE,
    UNIQUE (seal_id, year, seq)
);
CREATE INDEX documents_seal ON documents (seal_id, issued_at);

-- Issue 16: the root CA keys offline. Their ca_keys rows keep the cert and
-- an empty key_wrapped; the keys exist only in the custodians' share files.
-- The root's CRLs are signed ahead, a run at a time, in the ceremony (and
-- at init); the service publishes the one in force (root_crls). A revoked
-- intermediate (seal CA, TSA) is listed on every root CRL signed after it
-- (revoked_intermediates); a replaced one's cert is kept (ca_history) so
-- documents signed under it still find their chain.
CREATE TABLE root_crls (
    issuer      TEXT NOT NULL,
    crl_number  BIGINT NOT NULL,
    this_update BIGINT NOT NULL,
    next_update BIGINT NOT NULL,
    crl_der     BYTEA NOT NULL,
    signed_at   BIGINT NOT NULL,
    PRIMARY KEY (issuer, crl_number)
);
CREATE INDEX root_crls_this_update ON root_crls (issuer, this_update);

CREATE TABLE revoked_intermediates (
    serial_hex TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    cert_der   BYTEA NOT NULL,
    revoked_at BIGINT NOT NULL,
    reason     TEXT NOT NULL
);

CREATE TABLE ca_history (
    kind        TEXT NOT NULL,
    serial_hex  TEXT NOT NULL,
    cert_der    BYTEA NOT NULL,
    replaced_at BIGINT NOT NULL,
    PRIMARY KEY (kind, serial_hex)
);

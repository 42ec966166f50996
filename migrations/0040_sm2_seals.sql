-- The seals' national-standard identity (issue 13): per seal generation an
-- SM2 key and cert under the SM2 seal CA, and its GB/T 38540 SES_Seal
-- (esl_der) made and signed by the seal maker. The SM2 CA-side keys live in
-- ca_keys beside the ECDSA ones (kinds sm2_root, sm2_seal_ca, sm2_maker,
-- sm2_tsa). Rotation keeps the old row as 'superseded' (key destroyed, its
-- SES_Seal still known); revocation marks it 'revoked' for the SM2 CRL.
CREATE TABLE seal_sm2 (
    seal_id       TEXT NOT NULL REFERENCES seals (seal_id),
    generation    BIGINT NOT NULL,
    serial_hex    TEXT NOT NULL UNIQUE,
    cert_der      BYTEA NOT NULL,
    key_label     TEXT NOT NULL,
    key_wrapped   BYTEA,
    esl_der       BYTEA NOT NULL,
    status        TEXT NOT NULL,
    not_before    BIGINT NOT NULL,
    not_after     BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    revoked_at    BIGINT,
    revoke_reason TEXT,
    PRIMARY KEY (seal_id, generation)
);

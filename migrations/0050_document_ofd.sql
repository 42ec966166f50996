-- The OFD form of a document (issue 14): issued beside its PDF under the
-- same id and number, or alone for an outside OFD stamped by `eseal sign`
-- (whose documents row then has an empty pdf and the OFD's hash as its
-- pdf_sha256). data_hash is the first electronic signature's dataHash (SM3
-- of its Signature.xml): the registry finds the document by it even after
-- a later seal has changed the package's own hash.
CREATE TABLE document_ofd (
    document_id         TEXT PRIMARY KEY REFERENCES documents (document_id),
    ofd                 BYTEA NOT NULL,
    ofd_sha256          TEXT NOT NULL UNIQUE,
    data_hash           TEXT NOT NULL,
    sm2_cert_serial_hex TEXT NOT NULL
);
CREATE INDEX document_ofd_data_hash ON document_ofd (data_hash);

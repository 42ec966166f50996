-- The digest the first signature covers (its CMS message-digest): the
-- registry finds a document by it even after later updates (a second seal,
-- a DSS refresh) have changed the file's own hash.
ALTER TABLE documents ADD COLUMN signed_digest TEXT;
CREATE INDEX documents_signed_digest ON documents (signed_digest);

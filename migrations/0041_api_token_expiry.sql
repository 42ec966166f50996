-- API tokens expire (setting api_token_days, default 90) and record their
-- last use. Tokens created before this migration expire 90 days after they
-- were created.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN last_used_at BIGINT;
UPDATE api_tokens SET expires_at = created_at + 7776000 WHERE expires_at = 0;

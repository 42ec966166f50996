-- Login attempts per username, counted before the password is checked, for
-- usernames that exist and usernames that do not alike (so a lock-out says
-- nothing about whether an account exists). The key is the SHA-256 of the
-- username as typed: whatever was typed into the field is not stored.
-- Replaces users.failed_logins and users.locked_until (no longer read).
CREATE TABLE login_attempts (
    username_sha256 TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,       -- attempts since the last success
    locked_until    BIGINT NOT NULL,       -- unix seconds; 0 = not locked
    updated_at      BIGINT NOT NULL
);
CREATE INDEX login_attempts_updated ON login_attempts (updated_at);

-- Rate limits of the public edge: fixed-window counters per bucket
-- (`apply:CLIENT`, `apply_id:HASH`, `login:CLIENT`, `code:CLIENT`), hit
-- with one atomic upsert, so every process on the database shares them.
CREATE TABLE rate_limits (
    bucket       TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,   -- unix seconds
    hits         BIGINT NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);

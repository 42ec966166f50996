-- Uses of the TSA key by the public `POST /tsa`, counted per minute before
-- each token is signed (one upsert per request), and folded into one audit
-- entry per minute by the service (`tsa.use`): every signing is accounted
-- for without an anonymous request adding an entry of its own.
CREATE TABLE tsa_usage (
    period_start BIGINT PRIMARY KEY,   -- unix seconds, a multiple of 60
    requests     BIGINT NOT NULL
);

-- The audit log as an append-only Merkle tree (RFC 6962 hashing).
--
-- Appenders no longer take a head row: each entry gets its `seq` from the
-- database (a PostgreSQL sequence, created by the store at connect because
-- SQLite has none; on SQLite the next number inside the write lock), so
-- writes in different processes do not queue behind one another. One
-- integrator at a time (it holds the `audit_tree` row) appends committed
-- entries to the tree in `seq` order.
DROP TABLE audit_head;

-- Leaf `leaf_index` of the tree is entry `seq` (its record hash is
-- SHA-256(0x00 || the entry's hash)).
CREATE TABLE audit_leaves (
    leaf_index BIGINT PRIMARY KEY,
    seq        BIGINT NOT NULL UNIQUE
);

-- The tree's stored hashes in the layout of c2sp.org/tlog-tiles (level 0 is
-- the leaves' record hashes; every complete subtree's hash above them).
CREATE TABLE audit_tree_hashes (
    idx  BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);

-- What the integrator has reached: the tree size, its root and the last
-- `seq` taken in order.
CREATE TABLE audit_tree (
    id       BIGINT PRIMARY KEY,
    size     BIGINT NOT NULL,
    root     TEXT NOT NULL,
    last_seq BIGINT NOT NULL
);
INSERT INTO audit_tree (id, size, root, last_seq)
VALUES (1, 0, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 0);

-- Numbers passed over because no entry had them after a grace period (a
-- rolled-back transaction on PostgreSQL); an entry that still arrives is
-- integrated later, out of order.
CREATE TABLE audit_gaps (
    seq BIGINT PRIMARY KEY
);

-- RFC 3161 timestamps of the tree: each dates the first `size` entries
-- (the token's message imprint is the tree's root at that size).
CREATE TABLE audit_checkpoints (
    size  BIGINT PRIMARY KEY,
    root  TEXT NOT NULL,
    token BYTEA NOT NULL,
    at    BIGINT NOT NULL
);

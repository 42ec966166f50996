//! The Merkle tree's hashing (RFC 6962, through `tlog_tiles`): an entry's
//! record hash, the stored hashes an integrator reads and writes, and a
//! streaming root for verifiers.

use std::collections::HashMap;

use tlog_tiles::tlog::{self, Hash, HashReader};

use crate::store::audit::AuditRow;

/// An entry's leaf: SHA-256(0x00 || the entry's hash). `None` when the
/// stored hash is not a SHA-256 value (an edited row).
pub fn record_hash(e: &AuditRow) -> Option<Hash> {
    let bytes: [u8; 32] = hex::decode(&e.hash).ok()?.try_into().ok()?;
    Some(tlog::record_hash(&bytes))
}

/// Stored hashes held in memory: the frontier an integrator loaded, plus
/// what it has computed since.
#[derive(Default)]
pub struct MemoryHashes(pub HashMap<u64, Hash>);

impl HashReader for MemoryHashes {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog::Error> {
        indexes
            .iter()
            .map(|i| self.0.get(i).copied().ok_or(tlog::Error::IndexesNotInTree))
            .collect()
    }
}

/// The stored-hash indexes a tree of `size` leaves is extended from (its
/// complete right-edge subtrees).
pub fn frontier_indexes(size: u64) -> Vec<u64> {
    tlog::sub_tree_index(0, size, Vec::new())
}

/// The root of a growing tree, from its leaves in order, in O(log n) memory:
/// the hashes of the complete subtrees along the right edge.
#[derive(Debug, Default, Clone)]
pub struct Frontier {
    /// (height, hash), left to right; heights strictly decrease.
    stack: Vec<(u32, Hash)>,
    size: u64,
}

impl Frontier {
    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn push(&mut self, leaf: Hash) {
        let mut cur = (0u32, leaf);
        while let Some(&(h, left)) = self.stack.last() {
            if h != cur.0 {
                break;
            }
            self.stack.pop();
            cur = (h + 1, tlog::node_hash(left, cur.1));
        }
        self.stack.push(cur);
        self.size += 1;
    }

    /// RFC 6962 Merkle Tree Hash of the leaves pushed so far.
    pub fn root(&self) -> Hash {
        let mut it = self.stack.iter().rev();
        let Some(&(_, mut acc)) = it.next() else {
            return tlog::EMPTY_HASH;
        };
        for &(_, left) in it {
            acc = tlog::node_hash(left, acc);
        }
        acc
    }
}

pub fn hex_of(h: &Hash) -> String {
    hex::encode(h.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leaves of RFC 6962's reference tests (certificate-transparency's
    /// merkle tree tests), with the roots of trees of 1..=8 of them.
    const LEAVES: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];
    const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    #[test]
    fn roots_match_the_rfc6962_reference_vectors() {
        let mut f = Frontier::default();
        assert_eq!(f.root(), tlog::EMPTY_HASH);
        let mut stored = MemoryHashes::default();
        for (n, (leaf, root)) in LEAVES.iter().zip(ROOTS).enumerate() {
            let h = tlog::record_hash(&hex::decode(leaf).unwrap());
            f.push(h);
            assert_eq!(hex_of(&f.root()), root, "size {}", n + 1);
            // The same through the stored-hash layout an integrator writes.
            let n = n as u64;
            let new = tlog::stored_hashes_for_record_hash(n, h, &stored).unwrap();
            let base = tlog::stored_hash_index(0, n);
            for (i, h) in new.into_iter().enumerate() {
                stored.0.insert(base + i as u64, h);
            }
            assert_eq!(hex_of(&tlog::tree_hash(n + 1, &stored).unwrap()), root);
            // And only the frontier is needed to go on.
            let frontier: HashMap<u64, Hash> = frontier_indexes(n + 1)
                .into_iter()
                .map(|i| (i, stored.0[&i]))
                .collect();
            assert_eq!(
                hex_of(&tlog::tree_hash(n + 1, &MemoryHashes(frontier)).unwrap()),
                root
            );
        }
    }
}

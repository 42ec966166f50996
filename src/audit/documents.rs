//! Every signed output accounted for: each document on record (issued by a
//! clerk's approval, by `eseal issue`, or stamped by `eseal sign`) has the
//! `seal.use` entry that names it, and each `seal.use` entry names a
//! document on record. A signing that bypassed the log, or a row slipped
//! into the registry without one, shows here.

use std::collections::HashSet;

use crate::store::{Store, StoreError, audit as rows, documents};

/// How many of each are listed at most.
const LISTED: usize = 20;

/// The registry against the log's `seal.use` entries.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DocumentsReport {
    /// Documents on record.
    pub documents: usize,
    /// `seal.use` entries.
    pub seal_uses: usize,
    /// Numbers of documents on record without a `seal.use` entry (the first
    /// 20) and how many there are.
    pub unaudited: Vec<String>,
    pub unaudited_count: usize,
    /// `seal.use` entries (their seq) naming no document on record (the
    /// first 20) and how many there are.
    pub unrecorded: Vec<i64>,
    pub unrecorded_count: usize,
}

impl DocumentsReport {
    /// Every document audited and every seal use on record.
    pub fn accounted(&self) -> bool {
        self.unaudited_count == 0 && self.unrecorded_count == 0
    }
}

/// Compare the registry with the log.
pub async fn verify_documents(store: &Store) -> Result<DocumentsReport, StoreError> {
    let docs = documents::ids_and_numbers(&store.pool).await?;
    let uses = rows::seal_uses(&store.pool).await?;
    let used: HashSet<&str> = uses.iter().filter_map(|(_, d)| d.as_deref()).collect();
    let on_record: HashSet<&str> = docs.iter().map(|(id, _)| id.as_str()).collect();
    let mut r = DocumentsReport {
        documents: docs.len(),
        seal_uses: uses.len(),
        ..Default::default()
    };
    for (id, number) in &docs {
        if !used.contains(id.as_str()) {
            r.unaudited_count += 1;
            if r.unaudited.len() < LISTED {
                r.unaudited.push(number.clone());
            }
        }
    }
    for (seq, doc) in &uses {
        if !doc.as_deref().is_some_and(|d| on_record.contains(d)) {
            r.unrecorded_count += 1;
            if r.unrecorded.len() < LISTED {
                r.unrecorded.push(*seq);
            }
        }
    }
    Ok(r)
}

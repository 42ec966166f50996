//! Read everything a file holds: the cross-reference chain, every object of
//! every revision, references resolved, streams decoded. What the
//! `pdf_reader` fuzz target runs on arbitrary bytes, and what
//! tests/verify_fuzz_corpus.rs replays its saved corpus through.

use super::{Object, PdfDocument, ReadLimits};

/// Read all of `data`, ignoring every error (only panics and time matter).
#[doc(hidden)]
pub fn read_everything(data: &[u8]) {
    let limits = ReadLimits {
        max_objects_parsed: 5_000,
        max_total_decoded: 4 * 1024 * 1024,
        ..ReadLimits::default()
    };
    let Ok(doc) = PdfDocument::parse(data, limits) else {
        return;
    };
    for rev in 0..doc.revisions.len() {
        let mut nums: Vec<u32> = doc.revisions[rev].entries.keys().copied().collect();
        nums.sort_unstable();
        for n in nums.into_iter().take(2_000) {
            let Ok(Some(obj)) = doc.get(n, rev) else {
                continue;
            };
            match &*obj {
                Object::Stream(st) => {
                    let _ = doc.stream_data(st);
                }
                Object::Dict(d) => {
                    for (_, v) in d.0.iter().take(64) {
                        let _ = doc.resolve(v, rev);
                    }
                }
                _ => {}
            }
        }
    }
}

//! `cargo fuzz run pdf_reader`: the bounded PDF reader (src/pdf) alone on
//! arbitrary bytes: the cross-reference chain, every object of every
//! revision, references resolved, streams decoded. Replayed on stable by
//! tests/verify_fuzz_corpus.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| eseal::pdf::read_everything(data));

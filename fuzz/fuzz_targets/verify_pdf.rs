//! `cargo fuzz run verify_pdf`: the whole verifier on arbitrary bytes.
//! The saved corpus in fuzz/corpus/verify_pdf is replayed by
//! tests/verify_fuzz_corpus.rs on stable.
#![no_main]

use eseal::verify::{verify, Code, TrustStore, VerifyOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let report = verify(data, &TrustStore::new(), &VerifyOptions::default());
    // verify() catches panics as a last line of defence; a caught panic is still a bug.
    assert!(!report.has(Code::INTERNAL_ERROR));
});

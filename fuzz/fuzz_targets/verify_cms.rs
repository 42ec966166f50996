//! `cargo fuzz run verify_cms`: CMS SignedData parsing and signer checks on
//! arbitrary bytes. Replayed on stable by tests/verify_fuzz_corpus.rs.
#![no_main]

use eseal::verify::cms::{self, oids};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sd) = cms::parse_signed_data(data) {
        let _ = cms::verify_signer(&sd, &[0u8; 32], &oids::DATA, &[]);
        let _ = cms::verify_signer(&sd, &[0u8; 32], &oids::TST_INFO, &sd.certs);
    }
});

//! `cargo fuzz run verify_cms`: BER normalisation, CMS SignedData parsing,
//! signer checks (every algorithm) and RFC 3161 token checks on arbitrary bytes. Replayed on stable by tests/verify_fuzz_corpus.rs.
#![no_main]

use eseal::verify::cms::{self, oids};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(der) = cms::normalise(data) else {
        return;
    };
    if let Ok(sd) = cms::parse_signed_data(&der) {
        let content = cms::Content {
            parts: &[b"content"],
            sha256: None,
        };
        let _ = cms::verify_signer(&sd, &content, &oids::DATA, &[]);
        let _ = cms::verify_signer(&sd, &content, &oids::TST_INFO, &sd.certs);
    }
    let _ = eseal::verify::check_token(data, &[0u8; 32], &[], &[]);
});

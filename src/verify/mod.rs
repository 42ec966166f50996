//! Verification of sealed PDF documents: a [`Report`] with a bottom line,
//! per-signature findings and reasons in Chinese and English.
//!
//! ```no_run
//! use eseal::verify::{verify, TrustStore, VerifyOptions};
//! let mut trust = TrustStore::new();
//! trust.add_anchor(&std::fs::read("root.pem").unwrap()).unwrap();
//! let report = verify(&std::fs::read("document.pdf").unwrap(), &trust, &VerifyOptions::default());
//! println!("{}", report.verdict.as_str());
//! ```
//!
//! The verifier reads only the bytes it is given, the trust anchors and CRLs
//! of the [`TrustStore`], and (inside the service) a [`Registry`]. It never
//! touches the keystore, and does not depend on the signer (`pades`, `tsa`).
//!
//! Layers: [`crate::pdf`] reads the file structure (bounded, own parser);
//! `signature_field` finds signatures; `integrity` checks byte ranges;
//! `modification` judges incremental updates after each signature; [`cms`]
//! checks the CMS; `chain`, `timestamp` and `revocation` judge the signer,
//! the time and the revocation status; `report` holds the result.

pub mod cms;

mod chain;
mod dss;
mod integrity;
mod limits;
mod modification;
mod permissions;
mod report;
mod revocation;
mod signature_check;
mod signature_field;
mod timestamp;
mod trust;

pub use chain::rfc3339;
pub use limits::Limits;
pub use report::{
    CertInfo, ChainStatus, Code, Coverage, LaterChange, Reason, Report, RevocationStatus, Severity,
    SignatureKind, SignatureReport, SigningTime, TimeSource, TimestampInfo, Verdict,
};
pub use timestamp::{TimestampOutcome, check_token};
pub use trust::{Registry, RegistryQuery, RegistryStatus, TrustError, TrustStore, VerifyOptions};

use crate::pdf::{PdfDocument, PdfError};
use report::verdict_of;
use signature_check::Context;

/// Verify `pdf` against `trust`. Never panics on any input (a panic inside is
/// caught as a last line of defence and reported as INTERNAL_ERROR); time
/// and memory are bounded by `opts.limits`.
pub fn verify(pdf: &[u8], trust: &TrustStore, opts: &VerifyOptions<'_>) -> Report {
    let run = std::panic::AssertUnwindSafe(|| verify_inner(pdf, trust, opts));
    match std::panic::catch_unwind(run) {
        Ok(r) => r,
        Err(_) => {
            let mut r = empty_report(pdf);
            r.reasons.push(Reason::new(Code::INTERNAL_ERROR));
            r.verdict = verdict_of(&r.reasons);
            r
        }
    }
}

fn empty_report(pdf: &[u8]) -> Report {
    Report {
        verdict: Verdict::Indeterminate,
        file_sha256: hex::encode(crate::crypto::sha256(pdf)),
        file_size: pdf.len(),
        revisions: 0,
        signatures: Vec::new(),
        reasons: Vec::new(),
        registry: None,
    }
}

/// The reason code for a structural error.
pub(crate) fn pdf_error_code(e: &PdfError) -> Code {
    match e {
        PdfError::NotPdf => Code::NOT_PDF,
        PdfError::TooLarge { .. } => Code::FILE_TOO_LARGE,
        PdfError::NoStartXref => Code::TRUNCATED,
        PdfError::XrefLoop { .. } => Code::XREF_LOOP,
        PdfError::Limit { .. } => Code::LIMIT_EXCEEDED,
        PdfError::Encrypted => Code::ENCRYPTED,
        PdfError::UnsupportedFilter(_) => Code::UNSUPPORTED_FEATURE,
        PdfError::Syntax { .. } | PdfError::BadStream => Code::MALFORMED_PDF,
        #[allow(unreachable_patterns)]
        _ => Code::MALFORMED_PDF,
    }
}

fn fail(mut r: Report, e: &PdfError) -> Report {
    r.reasons
        .push(Reason::with(pdf_error_code(e), e.to_string()));
    r.verdict = verdict_of(&r.reasons);
    r
}

/// Does `data` hold an object definition header (`N G obj`, §7.3.10)?
fn defines_object(data: &[u8]) -> bool {
    let mut from = 0;
    while let Some(p) = data[from..].windows(3).position(|w| w == b"obj") {
        let at = from + p;
        from = at + 3;
        // Backwards: whitespace, digits (generation), whitespace, digits (number).
        let mut i = at;
        let mut groups = 0;
        while groups < 2 {
            let ws = i;
            while i > 0 && data[i - 1].is_ascii_whitespace() {
                i -= 1;
            }
            let digits = i;
            while i > 0 && data[i - 1].is_ascii_digit() {
                i -= 1;
            }
            if ws == digits || digits == i {
                break;
            }
            groups += 1;
        }
        if groups == 2 {
            return true;
        }
    }
    false
}

/// The bottom-line rules (SECURITY.md, "What VALID means"): VALID needs at
/// least one approval signature (a document timestamp proves a time, not a
/// seal) that is intact, chains to a trust anchor and was not revoked before
/// its signing time. These are checked here again, on the finished
/// per-signature reports, so that no path through the checks above can
/// produce VALID without them.
fn bottom_line(sigs: &[SignatureReport], trust: &TrustStore) -> Vec<Reason> {
    let mut out = Vec::new();
    if trust.anchors().is_empty() {
        out.push(Reason::new(Code::NO_TRUST_ANCHOR));
    }
    let approvals: Vec<&SignatureReport> = sigs
        .iter()
        .filter(|s| s.kind == SignatureKind::Signature)
        .collect();
    if approvals.is_empty() {
        out.push(Reason::new(Code::NO_APPROVAL_SIGNATURE));
        return out;
    }
    let good = approvals.iter().any(|s| {
        s.intact
            && s.chain == ChainStatus::Trusted
            && s.revocation != RevocationStatus::RevokedBeforeSigning
            && s.verdict <= Verdict::ValidWithWarnings
    });
    if !good {
        out.push(Reason::new(Code::NO_TRUSTED_SIGNATURE));
    }
    out
}

fn verify_inner(pdf: &[u8], trust: &TrustStore, opts: &VerifyOptions<'_>) -> Report {
    let mut report = empty_report(pdf);
    let doc = match PdfDocument::parse(pdf, opts.limits.read()) {
        Ok(d) => d,
        Err(e) => return fail(report, &e),
    };
    report.revisions = doc.revisions.len();
    if let Some(last) = doc.revisions.last() {
        let tail = &pdf[last.end.min(pdf.len())..];
        if tail.iter().any(|b| !b.is_ascii_whitespace() && *b != 0) {
            // An object appended without a cross-reference section is what a
            // reader that repairs the file by scanning would show instead of
            // the signed one (the incremental saving attack, CCS 2019).
            let code = if defines_object(tail) {
                Code::APPENDED_OBJECTS
            } else {
                Code::TRAILING_DATA
            };
            report
                .reasons
                .push(Reason::with(code, format!("{} bytes", tail.len())));
        }
    }
    let sigs = match signature_field::find(&doc, opts.limits.max_signatures) {
        Ok(s) => s,
        Err(e) => return fail(report, &e),
    };
    if sigs.is_empty() {
        report.reasons.push(Reason::new(Code::NO_SIGNATURE));
        report.verdict = verdict_of(&report.reasons);
        return report;
    }
    if sigs.len() > opts.limits.max_signatures {
        report.reasons.push(Reason::with(
            Code::TOO_MANY_SIGNATURES,
            format!("more than {}", opts.limits.max_signatures),
        ));
        report.verdict = verdict_of(&report.reasons);
        return report;
    }
    let dss = match dss::read(&doc) {
        Ok(d) => d,
        Err(e) => return fail(report, &e),
    };
    let now = opts
        .now
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp());
    let mut ctx = Context {
        doc: &doc,
        trust,
        opts,
        dss: &dss,
        now,
        doc_timestamps: Vec::new(),
    };

    // Document timestamps first: they give proof of existence to earlier signatures.
    let mut results: Vec<Option<signature_check::Checked>> =
        (0..sigs.len()).map(|_| None).collect();
    for (i, s) in sigs
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_document_timestamp())
    {
        let c = signature_check::check(&ctx, i, s);
        if let (Some(t), Some(r)) = (c.doc_timestamp_time, c.signed_revision) {
            ctx.doc_timestamps.push((t, r));
        }
        results[i] = Some(c);
    }
    for (i, s) in sigs.iter().enumerate() {
        if results[i].is_none() {
            results[i] = Some(signature_check::check(&ctx, i, s));
        }
    }
    let checked: Vec<signature_check::Checked> = results.into_iter().flatten().collect();

    // A later signature that does not validate taints the earlier ones.
    let verdicts: Vec<Verdict> = checked.iter().map(|c| c.report.verdict).collect();
    let mut sig_reports: Vec<SignatureReport> = Vec::with_capacity(checked.len());
    for (i, c) in checked.iter().enumerate() {
        let mut r = c.report.clone();
        let later_bad = verdicts[i + 1..]
            .iter()
            .any(|v| *v > Verdict::ValidWithWarnings);
        if later_bad && r.coverage.as_ref().is_some_and(|cv| !cv.covers_whole_file) {
            r.reasons.push(Reason::new(Code::LATER_SIGNATURE_NOT_VALID));
            r.verdict = verdict_of(&r.reasons);
        }
        sig_reports.push(r);
    }

    if let Some(reg) = opts.registry {
        let query = RegistryQuery {
            file_sha256: crate::crypto::sha256(pdf),
            first_signed_revision_sha256: checked.first().and_then(|c| c.signed_range_sha256),
            seal_ids: sig_reports
                .iter()
                .filter_map(|s| s.signer.as_ref()?.seal_id.clone())
                .collect(),
        };
        let status = reg.lookup(&query);
        report.reasons.push(match &status {
            RegistryStatus::OnRecord {
                document_number, ..
            } => Reason::with(Code::REGISTRY_ON_RECORD, document_number.clone()),
            RegistryStatus::Voided { at, reason, .. } => {
                Reason::with(Code::REGISTRY_VOIDED, format!("{at}: {reason}"))
            }
            RegistryStatus::Superseded { by, at, .. } => {
                Reason::with(Code::REGISTRY_SUPERSEDED, format!("{at}: {by}"))
            }
            RegistryStatus::NotFound => Reason::new(Code::REGISTRY_NOT_FOUND),
            RegistryStatus::Unavailable => Reason::new(Code::REGISTRY_UNAVAILABLE),
        });
        report.registry = Some(status);
    }

    report.reasons.extend(bottom_line(&sig_reports, trust));
    let doc_verdict = verdict_of(&report.reasons);
    report.verdict = sig_reports
        .iter()
        .map(|s| s.verdict)
        .chain(std::iter::once(doc_verdict))
        .max()
        .unwrap_or(Verdict::Indeterminate);
    report.signatures = sig_reports;
    report
}

#[cfg(test)]
mod tests {
    use super::defines_object;

    #[test]
    fn finds_appended_object_headers() {
        assert!(defines_object(b"4 0 obj\n<< >>\nendobj\n"));
        assert!(defines_object(b"\n\n  12 3 obj<<>>"));
        assert!(!defines_object(b"endobj\n"));
        assert!(!defines_object(b"% a comment about obj\n"));
        assert!(!defines_object(b"0 obj"));
        assert!(!defines_object(b""));
    }
}

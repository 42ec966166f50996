//! Verifying an OFD document and its GB/T 38540 electronic signatures
//! (电子签章), into the same [`Report`] as a PDF's.
//!
//! The package is read through the bounded OFD layer ([`crate::ofd`]:
//! entry count and sizes, expansion ratio, entry names, duplicates; XML
//! without DTDs or entities, bounded in size, depth and elements), each
//! failure a reason of its own. Then `OFD.xml` -> `Signatures.xml` -> each
//! `Signature.xml` and `SignedValue.dat`, checked in [`signature`] as the
//! standard lists it; finally the files no signature protects are named,
//! the registry asked and the bottom line drawn as for PDF.

mod signature;

use std::collections::HashSet;

use super::report::{Code, Reason, Report};
use super::{Limits, RegistryQuery, TrustStore, VerifyOptions};
use crate::ofd::signatures::read_list;
use crate::ofd::{OfdError, Package, PackageLimits, XmlLimits, structure};

/// Names of unprotected files listed at most.
const LISTED: usize = 20;

/// The reason for a package or XML problem.
pub(super) fn ofd_reason(e: &OfdError) -> Reason {
    let code = match e {
        OfdError::NotZip(_) => Code::OFD_PACKAGE_INVALID,
        OfdError::NotOfd => Code::NOT_OFD,
        OfdError::TooManyEntries { .. }
        | OfdError::EntryTooLarge { .. }
        | OfdError::TotalTooLarge { .. }
        | OfdError::XmlLimit { .. } => Code::LIMIT_EXCEEDED,
        OfdError::Bomb { .. } => Code::OFD_ZIP_BOMB,
        OfdError::BadName { .. } => Code::OFD_ENTRY_NAME_INVALID,
        OfdError::Duplicate => Code::OFD_DUPLICATE_ENTRY,
        OfdError::Encrypted { .. } => Code::ENCRYPTED,
        OfdError::Compression { .. } => Code::UNSUPPORTED_FEATURE,
        OfdError::Xml { .. } => Code::OFD_XML_INVALID,
        OfdError::Doctype { .. } => Code::OFD_XML_ENTITY,
        OfdError::Missing { .. } | OfdError::Structure(_) => Code::OFD_STRUCTURE_INVALID,
        #[allow(unreachable_patterns)]
        _ => Code::OFD_STRUCTURE_INVALID,
    };
    Reason::with(code, e.to_string())
}

/// The package limits for a verification under `limits`.
fn package_limits(limits: &Limits) -> PackageLimits {
    PackageLimits {
        max_entry_size: limits.max_stream_decoded as u64,
        max_total: limits.max_total_decoded as u64,
        ..PackageLimits::default()
    }
}

/// Verify the OFD `bytes` (the caller has seen a ZIP signature).
pub(super) fn verify_ofd(bytes: &[u8], trust: &TrustStore, opts: &VerifyOptions<'_>) -> Report {
    let mut report = super::empty_report(bytes);
    report.format = "OFD";
    let fail = |mut r: Report, reason: Reason| {
        r.reasons.push(reason);
        r.verdict = super::report::verdict_of(&r.reasons);
        r
    };
    if bytes.len() > opts.limits.max_file_size {
        return fail(
            report,
            Reason::with(
                Code::FILE_TOO_LARGE,
                format!("{} bytes", opts.limits.max_file_size),
            ),
        );
    }
    let pkg = match Package::read(bytes, &package_limits(&opts.limits)) {
        Ok(p) => p,
        Err(e) => return fail(report, ofd_reason(&e)),
    };
    let xml = XmlLimits::default();
    let doc = match structure::open(&pkg, &xml) {
        Ok(d) => d,
        Err(e) => return fail(report, ofd_reason(&e)),
    };
    let Some(list_path) = doc.signatures.clone() else {
        return fail(report, Reason::new(Code::NO_SIGNATURE));
    };
    let list = match read_list(&pkg, &list_path, &xml) {
        Ok(l) => l,
        Err(e) => return fail(report, ofd_reason(&e)),
    };
    if list.entries.is_empty() {
        return fail(report, Reason::new(Code::NO_SIGNATURE));
    }
    if list.entries.len() > opts.limits.max_signatures {
        return fail(
            report,
            Reason::with(
                Code::TOO_MANY_SIGNATURES,
                format!("more than {}", opts.limits.max_signatures),
            ),
        );
    }
    report.revisions = list.entries.len();
    let now = opts
        .now
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp());
    let ctx = signature::Context {
        pkg: &pkg,
        trust,
        xml: &xml,
        now,
    };
    let checked: Vec<signature::Checked> = list
        .entries
        .iter()
        .enumerate()
        .map(|(i, s)| signature::check(&ctx, i, s))
        .collect();

    // Full protection: every file is covered by some signature, except the
    // list itself and the signatures' own parts.
    let mut covered: HashSet<&str> = HashSet::new();
    covered.insert(list_path.as_str());
    for c in &checked {
        covered.extend(c.covered.iter().map(String::as_str));
        covered.extend(c.own_parts.iter().map(String::as_str));
    }
    let unprotected: Vec<&str> = pkg.names().filter(|n| !covered.contains(n)).collect();
    if unprotected.is_empty() {
        if checked.iter().any(|c| c.report.intact) {
            report.reasons.push(Reason::new(Code::OFD_FULL_PROTECTION));
        }
    } else {
        let mut names: Vec<&str> = unprotected.iter().take(LISTED).copied().collect();
        let more = unprotected.len().saturating_sub(LISTED);
        let tail = if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        };
        names.sort_unstable();
        report.reasons.push(Reason::with(
            Code::OFD_UNPROTECTED_FILE,
            format!("{}{tail}", names.join(", ")),
        ));
    }

    let sig_reports: Vec<_> = checked.iter().map(|c| c.report.clone()).collect();
    if let Some(reg) = opts.registry {
        let query = RegistryQuery {
            file_sha256: crate::crypto::sha256(bytes),
            first_signed_revision_sha256: None,
            seal_ids: sig_reports
                .iter()
                .filter_map(|s| s.signer.as_ref()?.seal_id.clone())
                .collect(),
            ofd_data_hash: checked
                .iter()
                .find(|c| c.report.intact)
                .and_then(|c| c.data_hash),
        };
        super::registry_status(reg, &query, &mut report);
    }
    report
        .reasons
        .extend(super::bottom_line(&sig_reports, trust));
    super::finish_report(report, sig_reports)
}

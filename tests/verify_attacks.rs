//! The attack corpus (support/corpus_attacks.py): one file per attack class
//! of the literature, each built from a genuine pyHanko-signed document, each
//! with the exact finding of our report.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

mod support;

use eseal::verify::{Code, Report, TrustStore, Verdict, VerifyOptions, verify};
use support::read;

fn run(file: &str) -> Report {
    let mut t = TrustStore::new();
    t.add_anchor(&read("root.pem")).unwrap();
    verify(&read(file), &t, &VerifyOptions::default())
}

/// The file is INVALID, and a reason `code` says `detail` (if given).
fn finding(file: &str, code: Code, detail: Option<&str>) -> Report {
    let r = run(file);
    assert_eq!(r.verdict, Verdict::Invalid, "{file}\n{}", r.to_text());
    let hits: Vec<&str> = r
        .reasons
        .iter()
        .chain(r.signatures.iter().flat_map(|s| s.reasons.iter()))
        .filter(|x| x.code == code)
        .map(|x| x.detail.as_deref().unwrap_or(""))
        .collect();
    assert!(!hits.is_empty(), "{file}: no {code:?}\n{}", r.to_text());
    if let Some(d) = detail {
        assert!(
            hits.iter().any(|h| h.contains(d)),
            "{file}: {code:?} details {hits:?} lack {d:?}"
        );
    }
    r
}

/// The signature itself is intact: what is rejected is what came after it.
fn signature_intact(r: &Report) {
    assert!(r.signatures[0].intact, "{}", r.to_text());
}

#[test]
fn the_shadow_document_itself_is_genuine() {
    let r = run("attack_shadow_signed.pdf");
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.to_text());
}

/// Mainka, Mladenov, Rohlmann, Schwenk, "Shadow Attacks", NDSS 2021.
#[test]
fn shadow_attacks() {
    // Hide: the overlay that covered the evil text is dropped from the page.
    let r = finding(
        "attack_shadow_hide.pdf",
        Code::PAGE_CONTENT_CHANGED,
        Some("object 3 (/Contents)"),
    );
    signature_intact(&r);
    // Replace: the page's font swapped for another object.
    finding(
        "attack_shadow_replace.pdf",
        Code::PAGE_CONTENT_CHANGED,
        Some("object 3 (/Resources)"),
    );
    // Hide-and-replace: the catalog pointed at a page tree signed unused.
    let r = finding(
        "attack_shadow_hide_and_replace.pdf",
        Code::PAGE_TREE_CHANGED,
        Some("object 1 (/Pages)"),
    );
    signature_intact(&r);
}

/// Mladenov et al., "1 Trillion Dollar Refund", CCS 2019: incremental saving.
#[test]
fn incremental_saving_attacks() {
    // A new catalog without the form: the signature is still reported, with
    // the replaced catalog and the hidden field as findings.
    let r = finding(
        "attack_incremental_saving.pdf",
        Code::ROOT_CHANGED,
        Some("the trailer's /Root was object 1"),
    );
    assert_eq!(r.signatures.len(), 1, "{}", r.to_text());
    signature_intact(&r);
    finding(
        "attack_incremental_saving.pdf",
        Code::SIGNATURE_FIELD_REMOVED,
        Some("field Seal held it in revision 1"),
    );
    finding(
        "attack_incremental_saving.pdf",
        Code::PAGE_TREE_CHANGED,
        Some("/Pages"),
    );
    // Objects appended without a cross-reference section.
    let r = finding(
        "attack_incremental_saving_no_xref.pdf",
        Code::APPENDED_OBJECTS,
        None,
    );
    signature_intact(&r);
}

/// CCS 2019: signature wrapping and universal signature forgery.
#[test]
fn signature_wrapping_and_universal_forgery() {
    finding(
        "attack_signature_wrapping.pdf",
        Code::BYTE_RANGE_GAP_MISMATCH,
        Some("but /Contents is at"),
    );
    finding(
        "attack_usf_contents_zero.pdf",
        Code::SIGNATURE_VALUE_MISSING,
        Some("all zero"),
    );
    finding(
        "attack_usf_contents_empty.pdf",
        Code::SIGNATURE_VALUE_MISSING,
        Some("0 bytes"),
    );
    finding(
        "attack_usf_byterange_missing.pdf",
        Code::BYTE_RANGE_INVALID,
        Some("no /ByteRange"),
    );
    finding(
        "attack_usf_byterange_zero.pdf",
        Code::BYTE_RANGE_INVALID,
        Some("[0, 0, 0, 0]"),
    );
}

#[test]
fn xref_and_trailer_redirection() {
    // An object number pointed at another object's bytes.
    finding(
        "attack_xref_redirect.pdf",
        Code::MALFORMED_PDF,
        Some("cross-reference entry points to another object"),
    );
    // ... or at a second body of the same object signed with the document,
    // with no new object at all: compared, it is other content.
    let r = finding(
        "attack_xref_redirect_dead_body.pdf",
        Code::PAGE_CONTENT_CHANGED,
        Some("object 4"),
    );
    signature_intact(&r);
    // /Root pointed at a copy of the catalog: named, and compared key by key.
    finding(
        "attack_trailer_redirect.pdf",
        Code::ROOT_CHANGED,
        Some("the trailer's /Root was object 1"),
    );
    finding(
        "attack_trailer_redirect.pdf",
        Code::CATALOG_CHANGED,
        Some("/OpenAction"),
    );
}

#[test]
fn object_streams_and_prev_loops() {
    let r = finding(
        "attack_objstm_override.pdf",
        Code::PAGE_CONTENT_CHANGED,
        Some("object 5"),
    );
    signature_intact(&r);
    finding("attack_prev_loop.pdf", Code::XREF_LOOP, None);
}

#[test]
fn perms_and_acroform_changes() {
    finding(
        "attack_perms_changed.pdf",
        Code::CATALOG_CHANGED,
        Some("object 1 (/Perms)"),
    );
    finding(
        "attack_acroform_changed.pdf",
        Code::FORM_CHANGED,
        Some("/NeedAppearances"),
    );
}

#[test]
fn page_tree_and_resource_swaps() {
    finding(
        "attack_page_tree_swap.pdf",
        Code::PAGE_TREE_CHANGED,
        Some("object 2 (/Kids)"),
    );
    finding(
        "attack_resource_swap.pdf",
        Code::PAGE_CONTENT_CHANGED,
        Some("object 3 (/Resources)"),
    );
}

/// The report never drops a signature field.
#[test]
fn a_hidden_later_signature_is_a_finding_on_its_field() {
    for (file, why) in [
        (
            "attack_hidden_signature.pdf",
            "its /V refers to an object that does not exist",
        ),
        (
            "attack_hidden_signature_not_sig.pdf",
            "its /V is not a signature dictionary (a /Page)",
        ),
    ] {
        let r = finding(
            file,
            Code::FORM_CHANGED,
            Some("a signature field was changed"),
        );
        // Both fields are still in the report, and the hidden signature is
        // checked as it was signed.
        assert_eq!(r.signatures.len(), 2, "{file}\n{}", r.to_text());
        let hidden = r
            .signatures
            .iter()
            .find(|s| s.field_name.as_deref() == Some("Seal2"))
            .unwrap();
        let broken = hidden
            .reasons
            .iter()
            .find(|x| x.code == Code::SIGNATURE_FIELD_BROKEN)
            .unwrap_or_else(|| panic!("{file}\n{}", r.to_text()));
        assert!(
            broken.detail.as_deref().unwrap().contains(why),
            "{file}\n{}",
            r.to_text()
        );
        assert!(hidden.intact, "{file}\n{}", r.to_text());
        assert_eq!(hidden.verdict, Verdict::Invalid);
    }
}

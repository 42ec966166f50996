//! Hostile and broken inputs: each gets a specific verdict and reason,
//! quickly, and never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod support;

use std::time::{Duration, Instant};

use eseal::verify::{Code, Limits, TrustStore, Verdict, VerifyOptions, verify};
use support::{pdf_from_objects, pdf_with_signatures};

fn check(pdf: &[u8], opts: &VerifyOptions<'_>, verdict: Verdict, code: Code) {
    let start = Instant::now();
    let r = verify(pdf, &TrustStore::new(), opts);
    let took = start.elapsed();
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(
        r.has(code),
        "expected {code:?}, got {:?}\n{}",
        r.codes(),
        r.to_text()
    );
    assert_eq!(r.verdict, verdict, "{}", r.to_text());
    assert!(!r.has(Code::INTERNAL_ERROR));
}

fn catalog_pages() -> Vec<Vec<u8>> {
    vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
    ]
}

#[test]
fn not_a_pdf() {
    let o = VerifyOptions::default();
    check(b"", &o, Verdict::Invalid, Code::NOT_PDF);
    check(
        b"hello world, this is not a PDF",
        &o,
        Verdict::Invalid,
        Code::NOT_PDF,
    );
    check(&[0u8; 5000], &o, Verdict::Invalid, Code::NOT_PDF);
}

#[test]
fn unsigned_document() {
    check(
        &pdf_from_objects(&catalog_pages(), ""),
        &VerifyOptions::default(),
        Verdict::Invalid,
        Code::NO_SIGNATURE,
    );
}

#[test]
fn truncated_document() {
    let pdf = pdf_from_objects(&catalog_pages(), "");
    check(
        &pdf[..pdf.len() - 30],
        &VerifyOptions::default(),
        Verdict::Invalid,
        Code::TRUNCATED,
    );
    check(
        &pdf[..40],
        &VerifyOptions::default(),
        Verdict::Invalid,
        Code::TRUNCATED,
    );
}

#[test]
fn encrypted_document() {
    let mut objs = catalog_pages();
    objs.push(b"<< /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >>".to_vec());
    let pdf = pdf_from_objects(&objs, "/Encrypt 3 0 R /ID [<01> <01>]");
    check(
        &pdf,
        &VerifyOptions::default(),
        Verdict::Indeterminate,
        Code::ENCRYPTED,
    );
}

#[test]
fn xref_loop() {
    let mut pdf = pdf_from_objects(&catalog_pages(), "");
    // Point the trailer's /Prev at the same table.
    let xref = support::find(&pdf, b"xref\n0").unwrap();
    let t = support::find(&pdf, b"/Root 1 0 R").unwrap();
    let patch = format!("/Root 1 0 R /Prev {xref}");
    pdf.splice(t..t + b"/Root 1 0 R".len(), patch.bytes());
    // Fix startxref (unchanged: the table did not move).
    check(
        &pdf,
        &VerifyOptions::default(),
        Verdict::Invalid,
        Code::XREF_LOOP,
    );
}

#[test]
fn deeply_nested_objects() {
    let deep = format!(
        "<< /Type /Catalog /Pages 2 0 R /X {}1{} >>",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let objs = vec![
        deep.into_bytes(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
    ];
    check(
        &pdf_from_objects(&objs, ""),
        &VerifyOptions::default(),
        Verdict::Indeterminate,
        Code::LIMIT_EXCEEDED,
    );
}

#[test]
fn huge_declared_lengths_and_counts() {
    // A stream claiming 10^15 bytes and an xref subsection claiming 4 billion entries.
    let mut objs = catalog_pages();
    objs.push(b"<< /Length 999999999999999 >>\nstream\nabc\nendstream".to_vec());
    let pdf = pdf_from_objects(&objs, "");
    check(
        &pdf,
        &VerifyOptions::default(),
        Verdict::Invalid,
        Code::NO_SIGNATURE,
    );
    let at = support::find(&pdf, b"xref\n0 4\n").unwrap();
    let mut huge = pdf.clone();
    huge.splice(at..at + 9, b"xref\n0 4000000000\n".iter().copied());
    check(
        &huge,
        &VerifyOptions::default(),
        Verdict::Indeterminate,
        Code::LIMIT_EXCEEDED,
    );
}

#[test]
fn file_too_large() {
    let pdf = pdf_from_objects(&catalog_pages(), "");
    let opts = VerifyOptions {
        limits: Limits {
            max_file_size: 100,
            ..Limits::default()
        },
        ..Default::default()
    };
    check(&pdf, &opts, Verdict::Indeterminate, Code::FILE_TOO_LARGE);
}

fn sig_dict(contents_hex: &str) -> String {
    format!(
        "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached \
         /ByteRange [0 AAAAAAAAAA BBBBBBBBBB CCCCCCCCCC] /Contents <{contents_hex}> /M (D:20260101120000Z) >>"
    )
}

#[test]
fn a_hundred_signatures() {
    let sigs: Vec<String> = (0..100).map(|_| sig_dict("3000")).collect();
    check(
        &pdf_with_signatures(&sigs),
        &VerifyOptions::default(),
        Verdict::Indeterminate,
        Code::TOO_MANY_SIGNATURES,
    );
}

#[test]
fn malformed_cms() {
    // An empty or zero-filled value is no signature at all (universal
    // signature forgery, CCS 2019), named as such.
    let missing = ["", "00", "0000000000"].map(|h| (h, Code::SIGNATURE_VALUE_MISSING));
    let malformed = [
        "3080",
        "30820fff",
        "3003020101",
        "300d06092a864886f70d010702",
        "ffffffffffffffff",
    ]
    .map(|h| (h, Code::CMS_MALFORMED));
    for (hex, code) in missing.into_iter().chain(malformed) {
        let pdf = pdf_with_signatures(&[sig_dict(hex)]);
        check(&pdf, &VerifyOptions::default(), Verdict::Invalid, code);
    }
}

#[test]
fn byte_range_not_matching_contents() {
    let pdf = pdf_with_signatures(&[sig_dict("3000")]);
    // Shift the gap by one byte: it no longer is exactly the /Contents string.
    let at = support::find(&pdf, b"/ByteRange [0 ").unwrap() + "/ByteRange [0 ".len();
    let a: u64 = std::str::from_utf8(&pdf[at..at + 10])
        .unwrap()
        .parse()
        .unwrap();
    let mut bad = pdf.clone();
    bad[at..at + 10].copy_from_slice(format!("{:010}", a + 1).as_bytes());
    check(
        &bad,
        &VerifyOptions::default(),
        Verdict::Invalid,
        Code::BYTE_RANGE_GAP_MISMATCH,
    );
    // A byte range past the end of the file.
    let c_at = at + 22;
    let mut past = pdf.clone();
    past[c_at..c_at + 10].copy_from_slice(b"9999999999");
    check(
        &past,
        &VerifyOptions::default(),
        Verdict::Invalid,
        Code::BYTE_RANGE_INVALID,
    );
}

#[test]
fn unknown_subfilter() {
    let d = sig_dict("3000").replace("ETSI.CAdES.detached", "adbe.x509.rsa_sha1");
    check(
        &pdf_with_signatures(&[d]),
        &VerifyOptions::default(),
        Verdict::Indeterminate,
        Code::UNKNOWN_SUBFILTER,
    );
}

#[test]
fn field_tree_loop_terminates() {
    // An AcroForm field whose /Kids contains itself.
    let objs = vec![
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [3 0 R] >> >>".to_vec(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
        b"<< /FT /Sig /T (loop) /Kids [3 0 R 3 0 R] >>".to_vec(),
    ];
    check(
        &pdf_from_objects(&objs, ""),
        &VerifyOptions::default(),
        Verdict::Invalid,
        Code::NO_SIGNATURE,
    );
}

#[test]
fn reference_chain_loop_terminates() {
    // /AcroForm is a reference to an object that is a reference to itself.
    let objs = vec![
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
        b"3 0 R".to_vec(),
    ];
    check(
        &pdf_from_objects(&objs, ""),
        &VerifyOptions::default(),
        Verdict::Indeterminate,
        Code::LIMIT_EXCEEDED,
    );
}

#[test]
fn many_revisions_of_a_big_form_are_bounded() {
    // A 3,000-field form and 200 revisions redefining the catalog: the
    // earlier revisions' forms are walked (a signature taken out of the form
    // later must still be found) within one shared budget, not 200 times.
    let fields: Vec<String> = (0..3000)
        .map(|i| format!("<< /FT /Tx /T (f{i}) >>"))
        .collect();
    let catalog = b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>".to_vec();
    let mut pdf = pdf_from_objects(
        &[
            catalog.clone(),
            b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
            format!("<< /Fields [{}] >>", fields.join(" ")).into_bytes(),
        ],
        "",
    );
    for _ in 0..200 {
        let prev = std::str::from_utf8(&pdf[pdf.len() - 30..])
            .unwrap()
            .split_whitespace()
            .rev()
            .nth(1)
            .unwrap()
            .to_string();
        let at = pdf.len();
        pdf.extend_from_slice(b"1 0 obj\n");
        pdf.extend_from_slice(&catalog);
        pdf.extend_from_slice(b"\nendobj\n");
        let xref = pdf.len();
        pdf.extend_from_slice(
            format!(
                "xref\n0 1\n0000000000 65535 f \n1 1\n{at:010} 00000 n \ntrailer\n<< /Size 4 /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n"
            )
            .as_bytes(),
        );
    }
    check(
        &pdf,
        &VerifyOptions::default(),
        Verdict::Indeterminate,
        Code::LIMIT_EXCEEDED,
    );
}

#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue 14: documents issued as PDF and OFD, the OFD sealed with a GB/T
//! 38540 electronic signature (电子签章), checked on files of a real
//! installation (`eseal init`, `seals provision`, `eseal issue --ofd-out`,
//! `eseal sign`) by implementations that are not ours: openssl 3 verifies
//! the signer's SM2 signature over TBS_Sign, the maker's over the seal, the
//! SM2 TSA's over its token and every cert link; an independent checker
//! written from the standards (tests/support/ofd_check.py: zipfile,
//! ElementTree, asn1crypto, gmssl) recomputes every SM3 digest, checks the
//! structures and verifies both SM2 signatures with its own arithmetic;
//! easyofd draws the page beside pdftoppm's drawing of the PDF. Tampered
//! copies and hostile packages are refused, each for its reason.

mod common;

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::sm2_tools::{openssl_verify, pem_blocks, pkeyutl_verify};
use common::{Backend, TestEnv, audit_rows, eseal, run, tool};
use eseal::configuration::installation::Installation;
use eseal::verify::{Code, TrustStore, Verdict, VerifyOptions, verify};

/// A village seal that issues the document, another to swap in.
const SEAL: &str = "320707100002-01";
const OTHER: &str = "320707100004-01";

fn ok(cmd: &mut Command) -> String {
    let (success, out, err) = run(cmd);
    assert!(success, "{cmd:?} failed:\n{out}\n{err}");
    out
}

/// An installation with the two seals and one document issued in both
/// forms: (pdf, ofd, the command's output).
fn issue_both(env: &TestEnv) -> (PathBuf, PathBuf, String) {
    let dir = env.dir.path();
    ok(eseal(env).arg("init"));
    ok(eseal(env)
        .args(["seals", "provision", "--roster"])
        .arg(common::roster_with(dir, &[SEAL, OTHER])));
    let (pdf, ofd) = (dir.join("doc.pdf"), dir.join("doc.ofd"));
    let out = ok(eseal(env)
        .args([
            "issue",
            "--template",
            "business_premises",
            "--seal",
            SEAL,
            "--sample",
            "--out",
        ])
        .arg(&pdf)
        .arg("--ofd-out")
        .arg(&ofd));
    (pdf, ofd, out)
}

/// The entries of a ZIP package, in order.
fn entries(zip_bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut a = zip::ZipArchive::new(Cursor::new(zip_bytes)).unwrap();
    (0..a.len())
        .map(|i| {
            let mut f = a.by_index(i).unwrap();
            let mut d = Vec::new();
            f.read_to_end(&mut d).unwrap();
            (f.name().unwrap().to_string(), d)
        })
        .collect()
}

/// A ZIP package of `entries`.
fn package(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (n, d) in entries {
        w.start_file(n.as_str(), opts).unwrap();
        w.write_all(d).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// `entries` with `name` changed by `f`.
fn edit(
    entries: &[(String, Vec<u8>)],
    name: &str,
    f: impl FnOnce(&mut Vec<u8>),
) -> Vec<(String, Vec<u8>)> {
    let mut e = entries.to_vec();
    let (_, d) = e.iter_mut().find(|(n, _)| n == name).expect(name);
    f(d);
    e
}

/// `entries` with a bit of the first signature's dataHash (the SM3 of its
/// `Signature.xml`, inside `SignedValue.dat`) flipped.
fn data_hash_flipped(entries: &[(String, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
    let sig_xml = &entries
        .iter()
        .find(|(n, _)| n == "Doc_0/Signs/Sign_0/Signature.xml")
        .unwrap()
        .1;
    let hash = eseal::crypto::sm3(sig_xml);
    edit(entries, "Doc_0/Signs/Sign_0/SignedValue.dat", |d| {
        let i = d.windows(32).position(|w| w == hash).expect("dataHash");
        d[i] ^= 0x80;
    })
}

/// What the installation vouches for: the SM2 root, its intermediates and
/// the SM2 seal CA's CRL.
async fn trust_of(env: &TestEnv) -> TrustStore {
    let inst = eseal::configuration::installation::Installation::open(&env.settings)
        .await
        .unwrap();
    let sm2 = inst.sm2().unwrap();
    let mut t = TrustStore::new();
    t.add_anchor(&sm2.root.cert_der).unwrap();
    for c in sm2.chain_ders() {
        t.add_intermediate(&c).unwrap();
    }
    for c in eseal::seal::crl_publication::published(&inst.store)
        .await
        .unwrap()
    {
        t.add_crl(&c).unwrap();
    }
    inst.store.close().await;
    t
}

fn codes(r: &eseal::verify::Report) -> Vec<&'static str> {
    r.codes().iter().map(|c| c.as_str()).collect()
}

#[tokio::test]
async fn an_issued_ofd_verifies_here_in_openssl_and_in_an_independent_checker() {
    let (Some(openssl), Some(python)) = (tool("openssl"), tool("python3")) else {
        return;
    };
    let env = TestEnv::new(Backend::Sqlite).await;
    let dir = env.dir.path().to_path_buf();
    let (pdf, ofd, out) = issue_both(&env);
    assert!(out.contains("OFD"), "{out}");

    // Our verifier, through the command line with the installation's trust.
    let json = ok(eseal(&env).args(["verify", "--json"]).arg(&ofd));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["verdict"], "VALID", "{json}");
    assert_eq!(v["format"], "OFD");
    let sig = &v["signatures"][0];
    assert_eq!(sig["signer"]["seal_id"], SEAL);
    assert_eq!(sig["chain"], "TRUSTED");
    assert_eq!(sig["revocation"], "GOOD", "{json}");
    assert_eq!(sig["signing_time"]["source"], "TIMESTAMP");
    let all: Vec<&str> = v["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .chain(sig["reasons"].as_array().unwrap())
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    for c in ["OFD_FULL_PROTECTION", "TIMESTAMP_VALID", "CHAIN_TRUSTED"] {
        assert!(all.contains(&c), "{c} in {all:?}");
    }
    // The PDF twin verifies as before.
    let (good, text, _) = run(eseal(&env).arg("verify").arg(&pdf));
    assert!(good && text.starts_with("VALID"), "{text}");

    // The independent checker.
    let work = dir.join("check");
    std::fs::create_dir_all(&work).unwrap();
    let json = ok(Command::new(&python)
        .arg(common::repo().join("tests/support/ofd_check.py"))
        .arg(&work)
        .arg(&ofd));
    let c: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(c["doc_root"], "Doc_0/Document.xml");
    assert_eq!(c["unprotected"], serde_json::json!([]), "{json}");
    let s = &c["signatures"][0];
    let refs = s["references"].as_array().unwrap();
    let names: Vec<&str> = refs.iter().map(|r| r["file"].as_str().unwrap()).collect();
    for n in [
        "OFD.xml",
        "Doc_0/Document.xml",
        "Doc_0/PublicRes.xml",
        "Doc_0/Pages/Page_0/Content.xml",
        "Doc_0/Signs/Sign_0/Seal.esl",
    ] {
        assert!(names.contains(&n), "{n} protected: {names:?}");
    }
    assert!(
        names.iter().any(|n| n.starts_with("Doc_0/Res/font_")),
        "{names:?}"
    );
    assert!(refs.iter().all(|r| r["matches"] == true), "{json}");
    assert_eq!(s["check_method"], "1.2.156.10197.1.401");
    assert_eq!(s["signature_method"], "1.2.156.10197.1.501");
    assert_eq!(s["type"], "Seal");
    assert_eq!(s["version"], 4);
    assert_eq!(s["seal_version"], 4);
    assert_eq!(s["seal_es_id"], SEAL);
    assert_eq!(s["signature_alg"], "1.2.156.10197.1.501");
    assert_eq!(s["data_hash_matches"], true);
    assert_eq!(s["property_info"], "/Doc_0/Signs/Sign_0/Signature.xml");
    assert_eq!(s["signer_in_cert_list"], true);
    assert_eq!(s["seal_file_matches"], true);
    assert_eq!(s["gmssl_tbs_signature"], true, "gmssl verifies TBS_Sign");
    assert_eq!(s["gmssl_maker_signature"], true, "gmssl verifies the seal");
    let ts = &s["timestamp"];
    assert_eq!(ts["imprint_alg"], "1.2.156.10197.1.401", "SM3 imprint");
    assert_eq!(ts["imprint_matches_signature"], true);
    assert_eq!(ts["message_digest_matches_tst"], true);
    assert_eq!(ts["signature_alg"], "1.2.156.10197.1.501");

    // openssl: the three SM2 signatures and every cert link.
    let p = |n: &str| work.join(n);
    let f = |k: &str| PathBuf::from(s["files"][k].as_str().unwrap());
    let pubkey = |der: &Path, out: &Path| {
        ok(Command::new(&openssl)
            .args(["x509", "-inform", "DER", "-pubkey", "-noout", "-in"])
            .arg(der)
            .arg("-out")
            .arg(out));
    };
    pubkey(&f("signer"), &p("signer.pub"));
    pubkey(&f("maker"), &p("maker.pub"));
    assert!(
        pkeyutl_verify(&openssl, &p("signer.pub"), &f("tbs"), &f("sig")),
        "TBS_Sign"
    );
    assert!(
        pkeyutl_verify(&openssl, &p("maker.pub"), &f("seal_info"), &f("maker_sig")),
        "SES_SealInfo"
    );
    // Control: the maker's key does not verify the signer's signature.
    assert!(!pkeyutl_verify(
        &openssl,
        &p("maker.pub"),
        &f("tbs"),
        &f("sig")
    ));
    let ts_attrs = PathBuf::from(ts["files"]["ts_attrs"].as_str().unwrap());
    let ts_sig = PathBuf::from(ts["files"]["ts_sig"].as_str().unwrap());
    let ts_ok = ts["certs"].as_array().unwrap().iter().any(|c| {
        let der = PathBuf::from(c.as_str().unwrap());
        let out = der.with_extension("pub");
        pubkey(&der, &out);
        pkeyutl_verify(&openssl, &out, &ts_attrs, &ts_sig)
    });
    assert!(ts_ok, "the SM2 TSA's signature over its token");
    // dataHash: openssl's SM3 of Signature.xml is what the checker found.
    let sig_xml = entries(&std::fs::read(&ofd).unwrap())
        .into_iter()
        .find(|(n, _)| n == "Doc_0/Signs/Sign_0/Signature.xml")
        .unwrap()
        .1;
    std::fs::write(p("Signature.xml"), &sig_xml).unwrap();
    let dgst = ok(Command::new(&openssl)
        .args(["dgst", "-sm3", "-r"])
        .arg(p("Signature.xml")));
    let tbs = std::fs::read(f("tbs")).unwrap();
    let want = hex::decode(dgst.split_whitespace().next().unwrap()).unwrap();
    assert!(
        tbs.windows(32).any(|w| w == want.as_slice()),
        "TBS_Sign carries openssl's SM3 of Signature.xml"
    );
    // Chains: signer -> SM2 seal CA -> SM2 root; maker and TSA -> root.
    std::fs::write(
        p("root.pem"),
        ok(eseal(&env).args(["pki", "root", "--sm2"])),
    )
    .unwrap();
    let chain = pem_blocks(&ok(eseal(&env).args(["pki", "chain", "--sm2"])));
    assert_eq!(chain.len(), 3, "seal CA, maker, TSA");
    for (i, b) in chain.iter().enumerate() {
        std::fs::write(p(&format!("chain{i}.pem")), b).unwrap();
        let (good, msg) = openssl_verify(
            &openssl,
            &p("root.pem"),
            &[&p(&format!("chain{i}.pem"))],
            true,
        );
        assert!(good, "chain{i} under the SM2 root: {msg}");
    }
    let pem = |der: &Path, out: &Path| {
        ok(Command::new(&openssl)
            .args(["x509", "-inform", "DER", "-in"])
            .arg(der)
            .arg("-out")
            .arg(out));
    };
    pem(&f("signer"), &p("signer.pem"));
    pem(&f("maker"), &p("maker.pem"));
    let (good, msg) = openssl_verify(&openssl, &p("chain0.pem"), &[&p("signer.pem")], true);
    assert!(good, "signer under the SM2 seal CA: {msg}");
    let (good, msg) = openssl_verify(&openssl, &p("root.pem"), &[&p("maker.pem")], true);
    assert!(good, "maker under the SM2 root: {msg}");

    // The issuance is audited once per key: ECDSA for the PDF, SM2 for the OFD.
    let uses: Vec<_> = audit_rows(&env)
        .await
        .into_iter()
        .filter(|r| r.action == "seal.use")
        .collect();
    assert_eq!(uses.len(), 2, "{uses:?}");
    assert!(
        uses.iter().any(|u| u.detail.contains("form=ofd")),
        "{uses:?}"
    );
    let (good, text, _) = run(eseal(&env).args(["audit", "verify"]));
    assert!(good, "{text}");
    env.cleanup().await;
}

#[tokio::test]
async fn tampered_and_hostile_ofd_packages_are_refused_each_for_its_reason() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let dir = env.dir.path().to_path_buf();
    let (_, ofd, _) = issue_both(&env);
    let trust = trust_of(&env).await;
    let opts = VerifyOptions::default();
    let good = std::fs::read(&ofd).unwrap();
    assert_eq!(verify(&good, &trust, &opts).verdict, Verdict::Valid);
    let e = entries(&good);
    let check = |what: &str, bytes: &[u8], code: Code, detail: Option<&str>| {
        let r = verify(bytes, &trust, &opts);
        assert_eq!(r.verdict, Verdict::Invalid, "{what}: {}", r.to_text());
        let found = r
            .reasons
            .iter()
            .chain(r.signatures.iter().flat_map(|s| s.reasons.iter()))
            .find(|x| x.code == code);
        let Some(found) = found else {
            panic!("{what}: no {} in {:?}", code.as_str(), codes(&r));
        };
        if let Some(d) = detail {
            assert!(
                found.detail.as_deref().is_some_and(|x| x.contains(d)),
                "{what}: {found:?}"
            );
        }
    };

    // A byte of Content.xml.
    let t = edit(&e, "Doc_0/Pages/Page_0/Content.xml", |d| {
        let i = d
            .windows(4)
            .position(|w| w == b"\xe8\xaf\x81")
            .unwrap_or(200);
        d[i + 1] ^= 0x01;
    });
    check(
        "Content.xml",
        &package(&t),
        Code::OFD_REFERENCE_MISMATCH,
        Some("Content.xml"),
    );
    // A file added.
    let mut t = e.clone();
    t.push(("Doc_0/Res/extra.png".into(), b"\x89PNG not really".to_vec()));
    check(
        "file added",
        &package(&t),
        Code::OFD_UNPROTECTED_FILE,
        Some("Doc_0/Res/extra.png"),
    );
    // Signature.xml edited: the stamp moved.
    let t = edit(&e, "Doc_0/Signs/Sign_0/Signature.xml", |d| {
        let s = String::from_utf8(d.clone()).unwrap();
        *d = s.replacen("Boundary=\"1", "Boundary=\"2", 1).into_bytes();
    });
    check(
        "Signature.xml",
        &package(&t),
        Code::OFD_DATA_HASH_MISMATCH,
        None,
    );
    // The seal swapped for another seal's.
    let other = dir.join("other.esl");
    ok(eseal(&env)
        .args(["seals", "show", OTHER, "--esl"])
        .arg(&other));
    let other = std::fs::read(&other).unwrap();
    let t = edit(&e, "Doc_0/Signs/Sign_0/Seal.esl", |d| *d = other.clone());
    check(
        "seal swapped",
        &package(&t),
        Code::OFD_SEAL_FILE_MISMATCH,
        None,
    );
    // The dataHash changed inside SignedValue.dat.
    let bytes = package(&data_hash_flipped(&e));
    check("dataHash", &bytes, Code::OFD_DATA_HASH_MISMATCH, None);
    check("dataHash", &bytes, Code::SES_SIGNATURE_INVALID, None);
    // A protected file removed.
    let t: Vec<_> = e
        .iter()
        .filter(|(n, _)| n != "Doc_0/PublicRes.xml")
        .cloned()
        .collect();
    check(
        "removed",
        &package(&t),
        Code::OFD_REFERENCE_MISSING,
        Some("PublicRes.xml"),
    );

    // Hostile packages.
    let mut t = e.clone();
    t.push(("../../etc/passwd".into(), b"x".to_vec()));
    check(
        "traversal",
        &package(&t),
        Code::OFD_ENTRY_NAME_INVALID,
        None,
    );
    let mut t = e.clone();
    t.push(("Doc_0/Res/bomb.bin".into(), vec![0u8; 8 << 20]));
    check("bomb", &package(&t), Code::OFD_ZIP_BOMB, None);
    // Two entries named OFD.xml: the second's name patched in place.
    let mut t = e.clone();
    t.push(("OFD.xmX".into(), b"<evil/>".to_vec()));
    let mut dup = package(&t);
    let mut at = 0;
    while let Some(i) = dup[at..].windows(7).position(|w| w == b"OFD.xmX") {
        dup[at + i + 6] = b'l';
        at += i + 7;
    }
    check("duplicate", &dup, Code::OFD_DUPLICATE_ENTRY, None);
    let entity = r#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxxxx"><!ENTITY y "&x;&x;&x;&x;&x;">]><ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016">&y;</ofd:OFD>"#;
    let t = edit(&e, "OFD.xml", |d| *d = entity.as_bytes().to_vec());
    check("entities", &package(&t), Code::OFD_XML_ENTITY, None);
    let deep = "<a>".repeat(5000) + &"</a>".repeat(5000);
    let t = edit(&e, "Doc_0/Signs/Signatures.xml", |d| *d = deep.into_bytes());
    let r = verify(&package(&t), &trust, &opts);
    assert!(r.has(Code::LIMIT_EXCEEDED), "deep XML: {:?}", codes(&r));
    assert_ne!(r.verdict, Verdict::Valid);
    // Not an OFD at all: a ZIP without OFD.xml; and a truncated package.
    check(
        "no OFD.xml",
        &package(&[("a.txt".into(), b"a".to_vec())]),
        Code::NOT_OFD,
        None,
    );
    check(
        "truncated",
        &good[..good.len() / 2],
        Code::OFD_PACKAGE_INVALID,
        None,
    );
    env.cleanup().await;
}

#[tokio::test]
async fn eseal_sign_seals_an_outside_ofd_and_a_second_seal_keeps_the_first() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let dir = env.dir.path().to_path_buf();
    let (_, ofd, _) = issue_both(&env);
    let trust = trust_of(&env).await;
    let opts = VerifyOptions::default();
    // An unsigned OFD: the issued one without its signatures.
    let e: Vec<_> = entries(&std::fs::read(&ofd).unwrap())
        .into_iter()
        .filter(|(n, _)| !n.starts_with("Doc_0/Signs/"))
        .map(|(n, d)| {
            if n == "OFD.xml" {
                let s = String::from_utf8(d).unwrap();
                let a = s.find("<ofd:Signatures>").unwrap();
                let b = s.find("</ofd:Signatures>").unwrap() + "</ofd:Signatures>".len();
                (n, format!("{}{}", &s[..a], &s[b..]).into_bytes())
            } else {
                (n, d)
            }
        })
        .collect();
    let plain = dir.join("plain.ofd");
    std::fs::write(&plain, package(&e)).unwrap();
    let r = verify(&std::fs::read(&plain).unwrap(), &trust, &opts);
    assert!(r.has(Code::NO_SIGNATURE), "{:?}", codes(&r));

    let sealed = dir.join("sealed.ofd");
    let out = ok(eseal(&env)
        .args(["sign", "--seal", OTHER, "--in"])
        .arg(&plain)
        .arg("--out")
        .arg(&sealed));
    assert!(out.contains("recorded as"), "{out}");
    let r = verify(&std::fs::read(&sealed).unwrap(), &trust, &opts);
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.to_text());
    // On record as an OFD alone: its OFD is served, and no (empty) PDF.
    let id = out
        .split("document id ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .unwrap()
        .to_string();
    let inst = Installation::open(&env.settings).await.unwrap();
    let d = eseal::store::documents::get(&inst.store.pool, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.kind, eseal::issuance::SIGNED_OFD_KIND);
    let pdf = eseal::issuance::records::pdf(&inst.store, &d)
        .await
        .unwrap();
    assert!(pdf.is_none(), "an OFD alone has no PDF to serve");
    let stored = eseal::store::document_ofd::ofd(&inst.store.pool, &id)
        .await
        .unwrap();
    assert_eq!(
        stored.as_deref(),
        Some(std::fs::read(&sealed).unwrap().as_slice())
    );
    inst.store.close().await;
    assert_eq!(
        r.signatures[0].signer.as_ref().unwrap().seal_id.as_deref(),
        Some(OTHER)
    );

    // A second seal on the issued OFD: both signatures stay valid.
    let twice = dir.join("twice.ofd");
    ok(eseal(&env)
        .args(["sign", "--seal", OTHER, "--in"])
        .arg(&ofd)
        .arg("--out")
        .arg(&twice));
    let r = verify(&std::fs::read(&twice).unwrap(), &trust, &opts);
    assert_eq!(r.verdict, Verdict::Valid, "{}", r.to_text());
    assert_eq!(r.signatures.len(), 2);
    assert!(r.signatures.iter().all(|s| s.verdict == Verdict::Valid));

    // Audited with the SM2 key and on record: audit verify accounts for both.
    let rows = audit_rows(&env).await;
    let ofd_uses = rows
        .iter()
        .filter(|r| r.action == "seal.use" && r.detail.contains("form=ofd"))
        .count();
    assert_eq!(ofd_uses, 3, "issue, sign, sign");
    let (good, text, _) = run(eseal(&env).args(["audit", "verify"]));
    assert!(good, "{text}");
    env.cleanup().await;
}

/// easyofd (PyPI) draws the OFD; pdftoppm draws the PDF; both pages and
/// the two side by side land in artifacts/ to be looked at, and the ink of
/// the two drawings must fall in the same places.
#[tokio::test]
async fn an_independent_renderer_draws_the_ofd_page_like_the_pdf() {
    let (Some(python), Some(pdftoppm)) = (tool("python3"), tool("pdftoppm")) else {
        return;
    };
    let (good, _, err) = run(Command::new(&python).args(["-c", "import easyofd"]));
    if !good {
        assert!(!common::is_ci(), "CI=true and easyofd is missing: {err}");
        eprintln!("note: easyofd not installed: rendering check skipped");
        return;
    }
    let env = TestEnv::new(Backend::Sqlite).await;
    let (pdf, ofd, _) = issue_both(&env);
    let art = common::repo().join("artifacts");
    std::fs::create_dir_all(&art).unwrap();
    ok(Command::new(&pdftoppm)
        .args(["-r", "100", "-png", "-singlefile"])
        .arg(&pdf)
        .arg(art.join("ofd-twin-pdf")));
    let out = ok(Command::new(&python)
        .arg(common::repo().join("tests/support/ofd_render.py"))
        .arg(&ofd)
        .arg(art.join("ofd-twin-pdf.png"))
        .arg(art.join("ofd-twin")));
    let v: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    // Cells of a 4 mm grid inked in one drawing and blank in the other: a
    // few where the fonts differ (measured 0.029), while the PDF's own
    // drawing moved 3 mm gives about 0.15.
    let differ = v["differing_cells"].as_f64().unwrap();
    assert!(v["inked_cells"].as_u64().unwrap() > 300, "{v}");
    assert!(
        differ < 0.06,
        "the drawings differ in {differ} of their inked cells: {v}"
    );
    assert!(v["control_moved_3mm"].as_f64().unwrap() > 0.1, "{v}");
    env.cleanup().await;
}

/// A real OFD sealed by another implementation: ofdrw (Java, the OFD
/// library most Chinese systems build on), with its own test root, seal
/// maker and seal (tests/fixtures/ofdrw/README.md). The seal's window and
/// the certs ended in 2022 and the file carries no timestamp, so today it
/// cannot be valid; checked as of a day inside the window (`--at`), with
/// ofdrw's root trusted, it is. Tampered copies are refused, each for its
/// reason; the five-page riding seal (骑缝章) verifies too.
#[tokio::test]
async fn a_real_ofd_sealed_by_another_implementation_verifies_with_its_root_trusted() {
    let env = TestEnv::new(Backend::Sqlite).await;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ofdrw");
    let root_pem = fixtures.join("ofdrw-root.pem");
    let root = std::fs::read(&root_pem).unwrap();
    let mut trust = TrustStore::new();
    trust.add_anchor(&root).unwrap();
    // 2021-06-01, inside the seal's window (2020-04-22 to 2022-04-22).
    let then = VerifyOptions {
        now: Some(1_622_505_600),
        ..VerifyOptions::default()
    };
    for name in ["allprotected.ofd", "V4RideRight.ofd"] {
        let good = std::fs::read(fixtures.join(name)).unwrap();
        let r = verify(&good, &trust, &then);
        assert_ne!(r.verdict, Verdict::Invalid, "{name}: {}", r.to_text());
        assert!(
            matches!(r.verdict, Verdict::Valid | Verdict::ValidWithWarnings),
            "{name}: {}",
            r.to_text()
        );
        assert!(
            r.has(Code::SIGNING_TIME_UNVERIFIED),
            "{name}: {:?}",
            codes(&r)
        );
        let s = &r.signatures[0];
        assert!(s.intact, "{name}");
        assert_eq!(
            s.trust_anchor.as_deref(),
            Some("OFD Reader and WriterROOT Certificate"),
            "{name}"
        );
        // Today, with nothing to prove the signing time, the certs and
        // the seal have expired: not valid.
        let now = verify(&good, &trust, &VerifyOptions::default());
        assert!(
            !matches!(now.verdict, Verdict::Valid | Verdict::ValidWithWarnings),
            "{name} today: {}",
            now.to_text()
        );
        // And with no root trusted it is never valid.
        let r = verify(&good, &TrustStore::new(), &then);
        assert!(
            !matches!(r.verdict, Verdict::Valid | Verdict::ValidWithWarnings),
            "{name} untrusted: {}",
            r.to_text()
        );
    }
    // The command line says the same: exit 0 with --trust and --at.
    let (good, text, _) = run(eseal(&env)
        .arg("verify")
        .arg(fixtures.join("allprotected.ofd"))
        .arg("--trust")
        .arg(&root_pem)
        .args(["--at", "2021-06-01T08:00:00+08:00"]));
    assert!(good, "{text}");
    let (good, text, _) = run(eseal(&env)
        .arg("verify")
        .arg(fixtures.join("allprotected.ofd"))
        .arg("--trust")
        .arg(&root_pem));
    assert!(!good, "expired today: {text}");

    // Tampered copies of ofdrw's file (its directory entries left out:
    // they hold nothing to protect).
    let e: Vec<_> = entries(&std::fs::read(fixtures.join("allprotected.ofd")).unwrap())
        .into_iter()
        .filter(|(n, _)| !n.ends_with('/'))
        .collect();
    assert!(
        matches!(
            verify(&package(&e), &trust, &then).verdict,
            Verdict::Valid | Verdict::ValidWithWarnings
        ),
        "repacked without directory entries"
    );
    let check = |what: &str, bytes: &[u8], code: Code| {
        let r = verify(bytes, &trust, &then);
        assert_eq!(r.verdict, Verdict::Invalid, "{what}: {}", r.to_text());
        assert!(
            r.has(code),
            "{what}: no {} in {:?}",
            code.as_str(),
            codes(&r)
        );
    };
    let t = edit(&e, "Doc_0/Pages/Page_0/Content.xml", |d| {
        let i = d.len() / 2;
        d[i] ^= 0x01;
    });
    check("Content.xml", &package(&t), Code::OFD_REFERENCE_MISMATCH);
    let mut t = e.clone();
    t.push(("Doc_0/Res/extra.xml".into(), b"<x/>".to_vec()));
    check("file added", &package(&t), Code::OFD_UNPROTECTED_FILE);
    let t = edit(&e, "Doc_0/Signs/Sign_0/Signature.xml", |d| {
        let s = String::from_utf8(d.clone()).unwrap();
        *d = s.replacen("Boundary=\"5", "Boundary=\"6", 1).into_bytes();
    });
    check("Signature.xml", &package(&t), Code::OFD_DATA_HASH_MISMATCH);
    // The seal swapped for one of ours.
    let (_, ours, _) = issue_both(&env);
    let our_seal = entries(&std::fs::read(&ours).unwrap())
        .into_iter()
        .find(|(n, _)| n.ends_with("Sign_0/Seal.esl"))
        .unwrap()
        .1;
    let t = edit(&e, "Doc_0/Signs/Sign_0/Seal.esl", |d| *d = our_seal.clone());
    check("seal swapped", &package(&t), Code::OFD_SEAL_FILE_MISMATCH);
    let bytes = package(&data_hash_flipped(&e));
    check("dataHash", &bytes, Code::OFD_DATA_HASH_MISMATCH);
    check("dataHash", &bytes, Code::SES_SIGNATURE_INVALID);
    env.cleanup().await;
}

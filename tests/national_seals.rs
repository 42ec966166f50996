#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Issue 13: the SM2 hierarchy and every seal's GB/T 38540 SES_Seal,
//! checked by implementations that are not ours: Debian's openssl 3 (every
//! SM2 cert link, every maker signature over DER(SES_SealInfo)) and an
//! asn1crypto reader typed from the standard (tests/support/ses_asn1.py);
//! a real seal made by ofdrw read by our parser; bad seals refused.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use common::sm2_tools::{openssl_verify, pem_blocks, pkeyutl_verify};
use common::{Backend, TestEnv, audit_rows, backends, eseal, run, tool};
use der::{Decode, Encode};
use eseal::configuration::installation::Installation;
use eseal::crypto::{FileKeystore, MasterKey, SM2_DEFAULT_ID};
use eseal::pki::{CertInfo, RevocationReason, Sm2Pki};
use eseal::seal::national::{National, SealDetails};
use eseal::seal::{Roster, registry};
use eseal::ses::{SealProblem, SesSeal, TrustedMaker, check_seal, parse_seal};
use time::OffsetDateTime;

const ROSTER: &[u8] = include_bytes!("../keys-example/roster.csv");

fn ok(cmd: &mut Command) -> String {
    let (success, out, err) = run(cmd);
    assert!(success, "{cmd:?} failed:\n{out}\n{err}");
    out
}

/// The asn1crypto reader's JSON line per file.
fn asn1crypto_read(out: &Path, files: &[std::path::PathBuf]) -> Vec<serde_json::Value> {
    let python = tool("python3").expect("python3");
    let script = common::repo().join("tests/support/ses_asn1.py");
    let mut all = Vec::new();
    // Bounded argument lists.
    for part in files.chunks(200) {
        let text = ok(Command::new(&python).arg(&script).arg(out).args(part));
        all.extend(
            text.lines()
                .map(|l| serde_json::from_str(l).expect("json line")),
        );
    }
    all
}

#[tokio::test]
async fn every_sm2_cert_and_seal_checked_by_openssl_and_asn1crypto() {
    let Some(openssl) = tool("openssl") else {
        return;
    };
    for b in backends() {
        let env = TestEnv::new(b).await;
        ok(eseal(&env).arg("init"));
        let roster = common::repo().join("keys-example/roster.csv");
        let out = ok(eseal(&env)
            .args(["seals", "provision", "--roster"])
            .arg(&roster));
        assert!(
            out.contains("563 seal(s) given their SM2 identity"),
            "{out}"
        );

        let work = env.dir.path().join("sm2");
        std::fs::create_dir_all(&work).unwrap();
        let root_pem = ok(eseal(&env).args(["pki", "root", "--sm2"]));
        let chain = pem_blocks(&ok(eseal(&env).args(["pki", "chain", "--sm2"])));
        assert_eq!(chain.len(), 3, "SM2 seal CA, maker, TSA");
        let ecdsa_root = ok(eseal(&env).args(["pki", "root"]));
        assert_ne!(root_pem, ecdsa_root);
        let p = |n: &str| work.join(n);
        std::fs::write(p("root.pem"), &root_pem).unwrap();
        for (name, pem) in ["seal_ca.pem", "maker.pem", "tsa.pem"].iter().zip(&chain) {
            std::fs::write(p(name), pem).unwrap();
        }
        let text = ok(Command::new(&openssl)
            .args(["x509", "-noout", "-text", "-in"])
            .arg(p("root.pem")));
        assert!(
            text.contains("SM2-with-SM3") && text.contains("ASN1 OID: SM2"),
            "{text}"
        );
        assert!(
            text.contains("连云港市赣榆区电子印章根证书") || text.contains("\\E8"),
            "{text}"
        );

        // Each link on its own (openssl applies the ID to the target only).
        let (good, msg) = openssl_verify(&openssl, &p("root.pem"), &[&p("root.pem")], true);
        assert!(good, "{msg}");
        let links = [p("seal_ca.pem"), p("maker.pem"), p("tsa.pem")];
        let links: Vec<&Path> = links.iter().map(|x| x.as_path()).collect();
        let (good, msg) = openssl_verify(&openssl, &p("root.pem"), &links, true);
        assert!(good, "{msg}");
        assert_eq!(msg.matches(": OK").count(), 3, "{msg}");
        // Controls: the checks can fail.
        let (good, _) = openssl_verify(&openssl, &p("root.pem"), &links, false);
        assert!(
            !good,
            "without the SM2 user ID the signatures must not verify"
        );
        let (good, _) = openssl_verify(&openssl, &p("maker.pem"), &[&p("tsa.pem")], true);
        assert!(!good, "the TSA cert is not issued by the maker");

        let inst = Installation::open(&env.settings).await.unwrap();
        let sm2 = inst.sm2().unwrap().clone();
        assert_eq!(eseal::pki::cert_pem(&sm2.root.cert_der), root_pem);
        let seals = registry::list(&inst.store, None).await.unwrap();
        assert_eq!(seals.len(), 563);
        let mut cert_files = Vec::new();
        let mut esl_files = Vec::new();
        let mut expect = HashMap::new();
        for s in &seals {
            let id = s.seal_id.as_str();
            let rows = registry::sm2_generations(&inst.store, id).await.unwrap();
            assert_eq!(rows.len(), 1, "{id}");
            let r = &rows[0];
            assert_eq!(r.status, "current");
            let cert = p(&format!("{id}.pem"));
            std::fs::write(&cert, eseal::pki::cert_pem(&r.cert_der)).unwrap();
            let esl = p(&format!("{id}.esl"));
            std::fs::write(&esl, &r.esl_der).unwrap();
            let info = CertInfo::parse(&r.cert_der).unwrap();
            assert_eq!(info.subject_cn, s.holder);
            assert_eq!(info.subject_serial_number.as_deref(), Some(id));
            expect.insert(
                id.to_string(),
                (
                    s.holder.clone(),
                    hex::encode(eseal::crypto::sha256(&r.cert_der)),
                    info.not_after,
                ),
            );
            cert_files.push(cert);
            esl_files.push(esl);
        }
        // Every seal cert against the SM2 seal CA, in a few openssl runs.
        for part in cert_files.chunks(200) {
            let refs: Vec<&Path> = part.iter().map(|x| x.as_path()).collect();
            let (good, msg) = openssl_verify(&openssl, &p("seal_ca.pem"), &refs, true);
            assert!(good, "{msg}");
            assert_eq!(msg.matches(": OK").count(), part.len());
        }
        let (good, _) = openssl_verify(&openssl, &p("root.pem"), &[&cert_files[0]], true);
        assert!(!good, "a seal cert is issued by the seal CA, not the root");
        let text = ok(Command::new(&openssl)
            .args(["x509", "-noout", "-text", "-in"])
            .arg(&cert_files[0]));
        assert!(
            text.contains("Digital Signature, Non Repudiation"),
            "{text}"
        );
        assert!(text.contains("SM2-with-SM3"), "{text}");

        // The second parser: asn1crypto with the module typed from GB/T 38540.
        let parsed = asn1crypto_read(&work, &esl_files);
        assert_eq!(parsed.len(), 563);
        let maker_pub = p("maker.pub");
        ok(Command::new(&openssl)
            .args(["x509", "-pubkey", "-noout", "-in"])
            .arg(p("maker.pem"))
            .arg("-out")
            .arg(&maker_pub));
        for v in &parsed {
            let id = v["es_id"].as_str().unwrap();
            let (holder, cert_sha, not_after) = &expect[id];
            assert_eq!(v["header_id"], "ES");
            assert_eq!(v["version"], 4);
            assert_eq!(v["vid"], "GANYU-ESEAL");
            assert_eq!(v["type"], 1);
            assert_eq!(v["name"].as_str(), Some(holder.as_str()));
            assert_eq!(v["cert_list_type"], 1);
            assert_eq!(v["cert_sha256"], serde_json::json!([cert_sha]));
            assert_eq!(v["picture_type"], "png");
            assert_eq!(v["picture_png"], true);
            assert_eq!(
                (v["width"].as_u64(), v["height"].as_u64()),
                (Some(42), Some(42))
            );
            assert_eq!(v["sign_alg"], "1.2.156.10197.1.501");
            let end = OffsetDateTime::parse(
                v["valid_end"].as_str().unwrap(),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap();
            assert_eq!(end, *not_after, "{id}: validEnd is the SM2 cert's notAfter");
            assert!(v["valid_start"].as_str() <= v["valid_end"].as_str());
            let maker = std::fs::read(v["maker"].as_str().unwrap()).unwrap();
            assert_eq!(maker, sm2.maker.cert_der, "{id}: made by our maker");
            // openssl checks the maker's signature over DER(SES_SealInfo).
            let tbs = Path::new(v["tbs"].as_str().unwrap());
            let sig = Path::new(v["sig"].as_str().unwrap());
            assert!(pkeyutl_verify(&openssl, &maker_pub, tbs, sig), "{id}");
        }
        // Control: a changed SES_SealInfo does not verify.
        let tbs = Path::new(parsed[0]["tbs"].as_str().unwrap());
        let mut bytes = std::fs::read(tbs).unwrap();
        let n = bytes.len();
        bytes[n - 1] ^= 1;
        let bad = p("bad.tbs");
        std::fs::write(&bad, bytes).unwrap();
        assert!(!pkeyutl_verify(
            &openssl,
            &maker_pub,
            &bad,
            Path::new(parsed[0]["sig"].as_str().unwrap())
        ));

        // The CLI's --esl and --json.
        let id = seals[0].seal_id.as_str();
        let esl = p("cli.esl");
        let json = ok(eseal(&env)
            .args(["seals", "show", id, "--json", "--esl"])
            .arg(&esl));
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        let written = std::fs::read(&esl).unwrap();
        assert_eq!(
            json["esl_sha256"].as_str(),
            Some(hex::encode(eseal::crypto::sha256(&written)).as_str())
        );
        assert_eq!(written, std::fs::read(&esl_files[0]).unwrap());
        let sm2_pem = json["sm2_cert_pem"].as_str().unwrap();
        assert_eq!(sm2_pem, std::fs::read_to_string(&cert_files[0]).unwrap());
        // And our own checker accepts every seal under the SM2 root.
        let trusted = TrustedMaker {
            issuer_cert: &sm2.root.cert_der,
        };
        let now = OffsetDateTime::now_utc();
        let c = check_seal(&written, Some(&trusted), now, Some(&pem_der(sm2_pem))).unwrap();
        assert_eq!(c.fields.es_id, id);

        // The SM2 seal CA's CRL, written by the CLI, signed by the seal CA.
        let crl = p("sm2.crl");
        ok(eseal(&env).args(["pki", "crl", "--sm2", "--out"]).arg(&crl));
        let text = ok(Command::new(&openssl)
            .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
            .arg(&crl));
        assert!(
            text.contains("SM2-with-SM3") && text.contains("No Revoked Certificates"),
            "{text}"
        );
        assert!(crl_signed_by(
            &std::fs::read(&crl).unwrap(),
            &sm2.seal_ca.cert_der
        ));
        inst.store.close().await;
        env.cleanup().await;
    }
}

fn pem_der(pem: &str) -> Vec<u8> {
    eseal::pki::certs_from_pem_or_der(pem.as_bytes())
        .unwrap()
        .remove(0)
}

/// The CRL's signature verifies with the issuer cert's SM2 key.
fn crl_signed_by(crl: &[u8], issuer: &[u8]) -> bool {
    let list = x509_cert::crl::CertificateList::from_der(crl).unwrap();
    let tbs = list.tbs_cert_list.to_der().unwrap();
    let key = CertInfo::parse(issuer).unwrap().public_key;
    eseal::crypto::verify_sm2(&key, &tbs, list.signature.raw_bytes())
}

#[test]
fn a_real_seal_from_ofdrw_is_read_into_the_same_fields_by_both_parsers() {
    let dir = common::repo().join("tests/fixtures/ses");
    let v4 = std::fs::read(dir.join("UserV4.esl")).unwrap();
    let c = parse_seal(&v4).unwrap();
    let f = &c.fields;
    assert_eq!(f.header_id, "ES");
    assert_eq!(f.version, 4);
    assert_eq!(f.vendor_id, "OFDR&WTest");
    assert_eq!(f.es_id, "51f044b76510434e9bc67a1185c2fba5");
    assert_eq!(f.seal_type, 3);
    assert_eq!(f.name, "OFD R&W 测试用印章");
    assert_eq!(f.cert_list_type, 1);
    assert_eq!(f.certs.len(), 1);
    assert_eq!(
        CertInfo::parse(&f.certs[0]).unwrap().subject_cn,
        "Test Certificate"
    );
    assert_eq!(f.create_date.unix_timestamp(), 1_587_521_340); // 2020-04-22T02:09:00Z
    assert_eq!(f.valid_end.year(), 2022);
    assert_eq!(
        (
            f.picture_type.as_str(),
            f.picture_width_mm,
            f.picture_height_mm
        ),
        ("PNG", 40, 40)
    );
    assert!(f.picture.starts_with(b"\x89PNG"));
    assert_eq!(f.sign_alg, "1.2.156.10197.1.501");
    // ofdrw's maker signature verifies with our SM2 code, inside its window...
    let inside = OffsetDateTime::from_unix_timestamp(1_600_000_000).unwrap();
    check_seal(&v4, None, inside, Some(&f.certs[0])).unwrap();
    // ...and the seal is refused today because it has expired.
    let now = OffsetDateTime::now_utc();
    assert!(matches!(
        check_seal(&v4, None, now, None),
        Err(SealProblem::Expired(_))
    ));
    // Our encoding of what we parsed is byte-identical (DER round trip).
    assert_eq!(c.seal.to_der().unwrap(), v4);

    // asn1crypto finds the same fields.
    if tool("python3").is_some() {
        let out = tempfile::tempdir().unwrap();
        let v = &asn1crypto_read(out.path(), &[dir.join("UserV4.esl")])[0];
        assert_eq!(v["es_id"].as_str(), Some(f.es_id.as_str()));
        assert_eq!(v["name"].as_str(), Some(f.name.as_str()));
        assert_eq!(v["type"].as_u64(), Some(f.seal_type as u64));
        assert_eq!(
            v["cert_sha256"],
            serde_json::json!([hex::encode(eseal::crypto::sha256(&f.certs[0]))])
        );
        assert_eq!(
            v["picture_sha256"].as_str(),
            Some(hex::encode(eseal::crypto::sha256(&f.picture)).as_str())
        );
        assert_eq!(v["width"].as_u64(), Some(40));
    }

    // The GM/T 0031-2014 layout is recognised and named.
    let v1 = std::fs::read(dir.join("UserV1.esl")).unwrap();
    let e = parse_seal(&v1).unwrap_err();
    assert_eq!(e, SealProblem::UnsupportedVersion(1));
    assert!(e.to_string().contains("GM/T 0031-2014"), "{e}");
    assert!(matches!(
        parse_seal(b"\x30\x03\x02\x01\x04"),
        Err(SealProblem::Malformed(_))
    ));
}

/// An SM2 hierarchy in memory, and one made seal.
fn made_seal(
    ks: &FileKeystore,
    sm2: &Sm2Pki,
    now: OffsetDateTime,
) -> eseal::seal::national::Sm2Prepared {
    let national = National {
        sm2,
        font: eseal::font::shared().unwrap(),
    };
    let issuers = national.issuers(ks).unwrap();
    let details = SealDetails {
        seal_id: "320707100002-01",
        holder: "连云港市赣榆区青口镇青口村民委员会",
        town: "青口镇",
        inscription: None,
    };
    national.prepare(ks, &issuers, details, 1, now).unwrap()
}

#[test]
fn bad_seals_are_refused_with_a_reason() {
    let ks = FileKeystore::new(&MasterKey::generate().unwrap()).unwrap();
    let now = OffsetDateTime::now_utc();
    let ours = Sm2Pki::create(&ks, "https://eseal.test", now).unwrap();
    let theirs = Sm2Pki::create(&ks, "https://elsewhere.test", now).unwrap();
    let trusted = TrustedMaker {
        issuer_cert: &ours.root.cert_der,
    };
    let good = made_seal(&ks, &ours, now);
    let cert = &good.row.cert_der;
    let c = check_seal(&good.row.esl_der, Some(&trusted), now, Some(cert)).unwrap();
    assert_eq!(c.fields.name, "连云港市赣榆区青口镇青口村民委员会");
    assert_eq!(c.fields.certs, vec![cert.clone()]);
    assert_eq!(SM2_DEFAULT_ID, "1234567812345678");
    // The picture: a 42 mm PNG at 300 dpi (496 px), kept to look at.
    let png = &c.fields.picture;
    assert_eq!(&png[12..16], b"IHDR");
    assert_eq!(
        (
            u32::from_be_bytes(png[16..20].try_into().unwrap()),
            u32::from_be_bytes(png[20..24].try_into().unwrap())
        ),
        (496, 496)
    );
    // Indexed colour (type 3, 8 bits): one ink, its coverage in tRNS.
    assert_eq!((png[24], png[25]), (8, 3), "8-bit indexed PNG");
    let decoded = tiny_skia::Pixmap::decode_png(png).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (496, 496));
    assert_eq!(
        decoded.pixel(0, 0).unwrap().alpha(),
        0,
        "transparent outside"
    );
    let ink = (0..496)
        .filter_map(|x| decoded.pixel(x, 248))
        .find(|p| p.alpha() == 255)
        .expect("the ring crosses the middle row");
    assert!(
        ink.red() > 150 && ink.green() < 80 && ink.blue() < 80,
        "{ink:?}"
    );
    let artifacts = common::repo().join("artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::write(artifacts.join("sm2-seal-picture.png"), png).unwrap();

    // Wrong maker: made and signed by another hierarchy's maker.
    let foreign = made_seal(&ks, &theirs, now);
    let e = check_seal(&foreign.row.esl_der, Some(&trusted), now, None).unwrap_err();
    assert!(
        matches!(e, SealProblem::UntrustedMaker(ref m) if m.contains("制作中心")),
        "{e}"
    );
    assert_eq!(e.code(), "ses_untrusted_maker");
    // Expired (and not yet valid).
    let later = c.fields.valid_end + time::Duration::days(1);
    let e = check_seal(&good.row.esl_der, None, later, None).unwrap_err();
    assert!(matches!(e, SealProblem::Expired(_)), "{e}");
    assert!(e.message_zh().contains("过期"));
    let before = c.fields.valid_start - time::Duration::days(1);
    assert!(matches!(
        check_seal(&good.row.esl_der, None, before, None),
        Err(SealProblem::NotYetValid(_))
    ));
    // A certList without the signer cert.
    let e = check_seal(
        &good.row.esl_der,
        Some(&trusted),
        now,
        Some(&foreign.row.cert_der),
    )
    .unwrap_err();
    assert_eq!(e, SealProblem::SignerNotListed);
    // The picture swapped after signing.
    let mut seal = SesSeal::from_der(&good.row.esl_der).unwrap();
    // Another seal's real picture, and bytes that are no picture at all.
    let font = eseal::font::shared().unwrap();
    let another = eseal::seal::SealAppearance::new(&font, "连云港市赣榆区青口镇人民政府", None)
        .unwrap()
        .to_png(42.0, 300.0)
        .unwrap();
    assert_ne!(seal.e_seal_info.picture.data.as_bytes(), another.as_slice());
    for data in [another, b"\x89PNG\r\n\x1a\nnot the seal".to_vec()] {
        seal.e_seal_info.picture.data = der::asn1::OctetString::new(data).unwrap();
        let e = check_seal(&seal.to_der().unwrap(), Some(&trusted), now, Some(cert)).unwrap_err();
        assert_eq!(e, SealProblem::BadMakerSignature, "{e}");
    }
}

#[tokio::test]
async fn rotate_and_revoke_cover_both_key_types() {
    let Some(openssl) = tool("openssl") else {
        return;
    };
    for b in backends() {
        let env = TestEnv::new(b).await;
        Installation::init(&env.settings).await.unwrap();
        let inst = Installation::open(&env.settings).await.unwrap();
        let national = inst.national().unwrap().unwrap();
        let roster = Roster::parse(
            &ROSTER[..ROSTER
                .iter()
                .enumerate()
                .filter(|(_, c)| **c == b'\n')
                .nth(6)
                .unwrap()
                .0
                + 1],
        )
        .unwrap();
        let r = registry::provision(
            &inst.store,
            inst.signer.as_ref(),
            &inst.pki,
            Some(&national),
            &roster,
            "test",
            &|| {},
        )
        .await
        .unwrap();
        assert_eq!((r.added.len(), r.sm2_added.len()), (6, 6));
        let id = r.added[1].as_str();
        let before = registry::sm2_generations(&inst.store, id).await.unwrap();
        registry::rotate(
            &inst.store,
            inst.signer.as_ref(),
            &inst.pki,
            Some(&national),
            id,
            "test",
        )
        .await
        .unwrap();
        let after = registry::sm2_generations(&inst.store, id).await.unwrap();
        assert_eq!(after.len(), 2);
        assert_eq!(
            (after[0].status.as_str(), after[1].status.as_str()),
            ("superseded", "current")
        );
        assert_eq!(
            after[0].esl_der, before[0].esl_der,
            "the old SES_Seal stays known"
        );
        assert_ne!(after[1].esl_der, after[0].esl_der);
        let sm2 = inst.sm2().unwrap();
        let trusted = TrustedMaker {
            issuer_cert: &sm2.root.cert_der,
        };
        let now = OffsetDateTime::now_utc();
        check_seal(
            &after[1].esl_der,
            Some(&trusted),
            now,
            Some(&after[1].cert_der),
        )
        .unwrap();
        assert_eq!(
            check_seal(
                &after[1].esl_der,
                Some(&trusted),
                now,
                Some(&after[0].cert_der)
            )
            .unwrap_err(),
            SealProblem::SignerNotListed,
            "the new seal lists only the new SM2 cert"
        );
        let ecdsa = registry::show(&inst.store, id).await.unwrap().1;
        assert_eq!(ecdsa.len(), 2);

        // Revoke: both certs land on their CRLs, both keys are destroyed.
        registry::revoke(
            &inst.store,
            inst.signer.as_ref(),
            &inst.pki,
            inst.sm2.as_ref(),
            id,
            RevocationReason::KeyCompromise,
            "test",
        )
        .await
        .unwrap();
        let rows = registry::sm2_generations(&inst.store, id).await.unwrap();
        assert_eq!(rows[1].status, "revoked");
        assert!(
            eseal::store::seal_sm2::current_key(&inst.store.pool, id)
                .await
                .unwrap()
                .is_none()
        );
        let crl = eseal::seal::crl_publication::stored_sm2(&inst.store)
            .await
            .unwrap()
            .expect("the revocation published the SM2 CRL");
        assert!(crl_signed_by(&crl, &sm2.seal_ca.cert_der));
        let path = env.dir.path().join("sm2.crl");
        std::fs::write(&path, &crl).unwrap();
        let text = ok(Command::new(&openssl)
            .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
            .arg(&path));
        assert!(
            text.to_uppercase()
                .contains(&rows[1].serial_hex.to_uppercase()),
            "{text}"
        );
        assert!(text.contains("Key Compromise"), "{text}");
        assert!(
            !text
                .to_uppercase()
                .contains(&rows[0].serial_hex.to_uppercase()),
            "superseded is not revoked"
        );
        inst.store.close().await;
        env.cleanup().await;
    }
}

#[tokio::test]
async fn an_existing_installation_gains_the_sm2_hierarchy() {
    let env = TestEnv::new(Backend::Sqlite).await;
    Installation::init(&env.settings).await.unwrap();
    {
        // An installation from before the SM2 hierarchy existed.
        let inst = Installation::open(&env.settings).await.unwrap();
        sqlx::query("DELETE FROM ca_keys WHERE kind LIKE 'sm2_%'")
            .execute(&inst.store.pool)
            .await
            .unwrap();
        inst.store.close().await;
    }
    let roster = common::repo().join("keys-example/roster.csv");
    let out = ok(eseal(&env)
        .args(["seals", "provision", "--roster"])
        .arg(&roster));
    assert!(out.contains("no SM2 hierarchy"), "{out}");
    let (good, _, err) = run(eseal(&env).args(["pki", "root", "--sm2"]));
    assert!(!good && err.contains("eseal pki add-sm2"), "{err}");
    let root = ok(eseal(&env).args(["pki", "root"]));
    let chain = ok(eseal(&env).args(["pki", "chain"]));
    let id = "320707100002-01";
    let ecdsa_before = ok(eseal(&env).args(["seals", "show", id, "--json"]));

    let out = ok(eseal(&env).args(["pki", "add-sm2"]));
    assert!(out.contains("SM2 hierarchy added"), "{out}");
    let (good, _, err) = run(eseal(&env).args(["pki", "add-sm2"]));
    assert!(!good && err.contains("already"), "{err}");
    let out = ok(eseal(&env)
        .args(["seals", "provision", "--roster"])
        .arg(&roster));
    assert!(
        out.contains("provisioned 0 new seal(s); 563 unchanged"),
        "{out}"
    );
    assert!(
        out.contains("563 seal(s) given their SM2 identity"),
        "{out}"
    );
    let out = ok(eseal(&env)
        .args(["seals", "provision", "--roster"])
        .arg(&roster));
    assert!(out.contains("0 seal(s) given their SM2 identity"), "{out}");
    // The ECDSA hierarchy and seal certs are untouched.
    assert_eq!(ok(eseal(&env).args(["pki", "root"])), root);
    assert_eq!(ok(eseal(&env).args(["pki", "chain"])), chain);
    let after: serde_json::Value =
        serde_json::from_str(&ok(eseal(&env).args(["seals", "show", id, "--json"]))).unwrap();
    let before: serde_json::Value = serde_json::from_str(&ecdsa_before).unwrap();
    assert_eq!(after["cert_pem"], before["cert_pem"]);
    assert!(before["sm2_cert_pem"].is_null());
    assert!(
        after["sm2_cert_pem"]
            .as_str()
            .unwrap()
            .contains("BEGIN CERTIFICATE")
    );
    env.cleanup().await;
}

/// The first `n` seals of the district roster, as a roster file.
fn small_roster(dir: &Path, n: usize) -> std::path::PathBuf {
    let text = String::from_utf8(ROSTER.to_vec()).unwrap();
    let rows: Vec<&str> = text.lines().take(n + 1).collect();
    let path = dir.join("roster-small.csv");
    std::fs::write(&path, rows.join("\n") + "\n").unwrap();
    path
}

/// The CRL's signature checked by openssl with the issuer's SM2 public key
/// (SM3 over DER(tbsCertList), default user ID).
fn openssl_crl_signed_by(openssl: &Path, dir: &Path, crl: &[u8], issuer_pem: &Path) -> bool {
    let list = x509_cert::crl::CertificateList::from_der(crl).unwrap();
    let (tbs, sig, public) = (dir.join("crl.tbs"), dir.join("crl.sig"), dir.join("ca.pub"));
    std::fs::write(&tbs, list.tbs_cert_list.to_der().unwrap()).unwrap();
    std::fs::write(&sig, list.signature.raw_bytes()).unwrap();
    ok(Command::new(openssl)
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(issuer_pem)
        .arg("-out")
        .arg(&public));
    pkeyutl_verify(openssl, &public, &tbs, &sig)
}

fn crl_text(openssl: &Path, dir: &Path, crl: &[u8]) -> String {
    let path = dir.join("served.crl");
    std::fs::write(&path, crl).unwrap();
    ok(Command::new(openssl)
        .args(["crl", "-inform", "DER", "-noout", "-text", "-in"])
        .arg(&path))
}

/// On a fresh installation `eseal serve` publishes the SM2 seal CA's CRL at
/// start-up with the other CRLs, so `/pki/sm2/seal-ca.crl` answers (it was
/// a 404 until someone ran `eseal pki crl --sm2`); a revocation from the CLI
/// re-publishes it with the seal's SM2 serial on it; every signing is an
/// audited `crl.sign` naming the SM2 seal CA.
#[tokio::test]
async fn a_fresh_installation_serves_the_sm2_crl_published_on_the_schedule() {
    let Some(openssl) = tool("openssl") else {
        return;
    };
    for b in backends() {
        let env = TestEnv::new(b).await;
        ok(eseal(&env).arg("init"));
        let roster = small_roster(env.dir.path(), 4);
        ok(eseal(&env)
            .args(["seals", "provision", "--roster"])
            .arg(&roster));
        let work = env.dir.path();
        let ca_pem = work.join("sm2-chain-seal-ca.pem");
        let chain = pem_blocks(&ok(eseal(&env).args(["pki", "chain", "--sm2"])));
        std::fs::write(&ca_pem, &chain[0]).unwrap();

        let server = common::server::Server::start(&env);
        let url = format!("{}/pki/sm2/seal-ca.crl", server.base);
        let r = reqwest::get(&url).await.unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK, "{url}");
        let first = r.bytes().await.unwrap().to_vec();
        assert!(openssl_crl_signed_by(&openssl, work, &first, &ca_pem));
        let text = crl_text(&openssl, work, &first);
        assert!(text.contains("No Revoked Certificates"), "{text}");
        assert!(text.contains("SM2-with-SM3"), "{text}");
        let signed = |rows: &[eseal::store::audit::AuditRow]| {
            rows.iter()
                .filter(|r| r.action == "crl.sign" && r.detail.contains("issuer=sm2_seal_ca"))
                .map(|r| (r.actor.clone(), r.detail.clone()))
                .collect::<Vec<_>>()
        };
        let at_start = signed(&audit_rows(&env).await);
        assert_eq!(at_start.len(), 1, "{at_start:?}");
        assert_eq!(at_start[0].0, "system");
        assert!(at_start[0].1.contains("reason=first"), "{at_start:?}");
        // A second start-up finds it fresh and signs nothing.
        drop(server);
        let server = common::server::Server::start(&env);
        let url = format!("{}/pki/sm2/seal-ca.crl", server.base);
        assert_eq!(signed(&audit_rows(&env).await).len(), 1);

        // Revoked from the CLI while the service runs: the served CRL lists
        // the seal's SM2 serial without any request signing it.
        let id = "320707000000-02";
        ok(eseal(&env).args(["seals", "revoke", id, "--reason", "key-compromise"]));
        let inst = Installation::open(&env.settings).await.unwrap();
        let rows = registry::sm2_generations(&inst.store, id).await.unwrap();
        inst.store.close().await;
        assert_eq!(rows[0].status, "revoked");
        let after = reqwest::get(&url)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec();
        assert!(openssl_crl_signed_by(&openssl, work, &after, &ca_pem));
        let text = crl_text(&openssl, work, &after);
        assert!(
            text.to_uppercase()
                .contains(&rows[0].serial_hex.to_uppercase()),
            "{text}"
        );
        assert!(text.contains("Key Compromise"), "{text}");
        let all = signed(&audit_rows(&env).await);
        assert_eq!(all.len(), 2, "{all:?}");
        assert_eq!(all[1].0, "cli");
        assert!(all[1].1.contains("reason=revocation"), "{all:?}");
        // `pki crl --sm2` writes the published one and signs nothing new.
        let out = work.join("cli-sm2.crl");
        ok(eseal(&env).args(["pki", "crl", "--sm2", "--out"]).arg(&out));
        assert_eq!(std::fs::read(&out).unwrap(), after);
        assert_eq!(signed(&audit_rows(&env).await).len(), 2);
        drop(server);
        env.cleanup().await;
    }
}

/// The SM2 timestamp authority (GB/T 20520) answers RFC 3161 requests with
/// tokens signed with SM2 over SM3. openssl 3.0 makes the request and reads
/// the reply (`ts -reply -text`) but cannot verify it (its PKCS#7 code has
/// no SM2), so asn1crypto takes the token apart and openssl checks the SM3
/// digest of the TSTInfo and the SM2 signature over the signed attributes
/// on their own, and the TSA cert against the SM2 root.
#[tokio::test]
async fn the_sm2_tsa_issues_rfc3161_tokens_signed_with_sm2_over_sm3() {
    let (Some(openssl), Some(python)) = (tool("openssl"), tool("python3")) else {
        return;
    };
    let env = TestEnv::new(Backend::Sqlite).await;
    Installation::init(&env.settings).await.unwrap();
    let inst = Installation::open(&env.settings).await.unwrap();
    let tsa = inst.sm2_timestamp_authority().unwrap();
    let sm2 = inst.sm2().unwrap();
    let dir = env.dir.path();
    let p = |n: &str| dir.join(n);
    std::fs::write(p("data.txt"), "赣榆区 电子印章 时间戳").unwrap();
    ok(Command::new(&openssl)
        .args(["ts", "-query", "-sm3", "-cert", "-data"])
        .arg(p("data.txt"))
        .arg("-out")
        .arg(p("q.tsq")));
    let resp = tsa.respond(&std::fs::read(p("q.tsq")).unwrap());
    std::fs::write(p("r.tsr"), &resp).unwrap();
    let text = ok(Command::new(&openssl)
        .args(["ts", "-reply", "-text", "-in"])
        .arg(p("r.tsr")));
    assert!(text.contains("Status: Granted."), "{text}");
    assert!(text.contains("Hash Algorithm: sm3"), "{text}");
    assert!(
        text.contains("Policy OID: 1.3.6.1.4.1.99999.3161.1"),
        "{text}"
    );

    let json = ok(Command::new(&python)
        .arg(common::repo().join("tests/support/tsp_asn1.py"))
        .arg(dir)
        .arg(p("r.tsr")));
    let v: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(v["status"], "granted");
    assert_eq!(v["econtent_type"], "1.2.840.113549.1.9.16.1.4");
    assert_eq!(v["imprint_alg"], "1.2.156.10197.1.401", "SM3");
    assert_eq!(v["digest_alg"], "1.2.156.10197.1.401", "{v}");
    assert_eq!(
        v["signed_data_digest_algs"],
        serde_json::json!(["1.2.156.10197.1.401"])
    );
    assert_eq!(v["signature_alg"], "1.2.156.10197.1.501", "sm2-with-sm3");
    // The imprint is openssl's SM3 of the data.
    let dgst = ok(Command::new(&openssl)
        .args(["dgst", "-sm3", "-r"])
        .arg(p("data.txt")));
    assert_eq!(v["imprint"].as_str(), dgst.split_whitespace().next());
    // messageDigest is the SM3 of the TSTInfo, computed by openssl.
    let tst = v["files"]["tst"].as_str().unwrap();
    let dgst = ok(Command::new(&openssl).args(["dgst", "-sm3", "-r", tst]));
    assert_eq!(v["message_digest"].as_str(), dgst.split_whitespace().next());
    // The token carries the SM2 TSA cert; its key signed the attributes.
    let mut certs: Vec<Vec<u8>> = v["certs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| std::fs::read(c.as_str().unwrap()).unwrap())
        .collect();
    let mut expected = vec![sm2.tsa.cert_der.clone(), sm2.root.cert_der.clone()];
    // A SET OF: in DER order, not ours.
    certs.sort();
    expected.sort();
    assert_eq!(certs, expected);
    std::fs::write(p("tsa.pem"), eseal::pki::cert_pem(&sm2.tsa.cert_der)).unwrap();
    std::fs::write(p("root.pem"), eseal::pki::cert_pem(&sm2.root.cert_der)).unwrap();
    ok(Command::new(&openssl)
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(p("tsa.pem"))
        .arg("-out")
        .arg(p("tsa.pub")));
    let (attrs, sig) = (
        Path::new(v["files"]["attrs"].as_str().unwrap()),
        Path::new(v["files"]["sig"].as_str().unwrap()),
    );
    assert!(pkeyutl_verify(&openssl, &p("tsa.pub"), attrs, sig));
    let (good, msg) = openssl_verify(&openssl, &p("root.pem"), &[&p("tsa.pem")], true);
    assert!(good, "{msg}");
    let text = ok(Command::new(&openssl)
        .args(["x509", "-noout", "-text", "-in"])
        .arg(p("tsa.pem")));
    assert!(
        text.contains("critical") && text.contains("Time Stamping"),
        "{text}"
    );
    // Control: another key does not verify that signature.
    ok(Command::new(&openssl)
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(p("root.pem"))
        .arg("-out")
        .arg(p("root.pub")));
    assert!(!pkeyutl_verify(&openssl, &p("root.pub"), attrs, sig));
    // Our own reader parses the response as well.
    let token = eseal::tsa::status::TimeStampResp::from_der(&resp).unwrap();
    assert!(token.time_stamp_token.is_some());
    inst.store.close().await;
}

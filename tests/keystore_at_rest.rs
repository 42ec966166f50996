//! Issue 2: no plaintext private key anywhere at rest or in any output.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod common;

use common::{Backend, TestEnv, backends, eseal, run};
use eseal::configuration::installation::Installation;
use eseal::seal::registry;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};

/// Decrypt a key blob independently of the crate, following the documented
/// format (version byte, 96-bit nonce, AES-256-GCM, label as AAD), to learn
/// the plaintext this test must not find anywhere.
fn plaintext_key(master_text: &str, label: &str, blob: &[u8]) -> (Vec<u8>, Vec<u8>) {
    use base64::Engine;
    let mk = base64::engine::general_purpose::STANDARD
        .decode(master_text.trim())
        .unwrap();
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &mk).unwrap());
    assert_eq!(blob[0], 1);
    let nonce = Nonce::try_assume_unique_for_key(&blob[1..13]).unwrap();
    let mut buf = blob[13..].to_vec();
    let aad = format!("eseal-key-v1:{label}");
    let pkcs8 = key
        .open_in_place(nonce, Aad::from(aad.as_bytes()), &mut buf)
        .unwrap()
        .to_vec();
    // ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING (32) ...}
    let at = pkcs8
        .windows(5)
        .position(|w| w == [0x02, 0x01, 0x01, 0x04, 0x20])
        .expect("scalar")
        + 5;
    let scalar = pkcs8[at..at + 32].to_vec();
    (pkcs8, scalar)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn no_plaintext_seal_key_on_disk_in_the_database_or_in_output() {
    for b in backends() {
        let env = TestEnv::new(b).await;
        let (ok, _, err) = run(eseal(&env).arg("init"));
        assert!(ok, "{err}");
        let (ok, _, err) = run(eseal(&env)
            .args(["seals", "provision", "--roster"])
            .arg(common::repo().join("keys-example/roster.csv")));
        assert!(ok, "{err}");
        let inst = Installation::open(&env.settings).await.unwrap();
        let master = std::fs::read_to_string(env.data_dir().join("master.key")).unwrap();

        let mut secrets = Vec::new();
        for id in ["320707000000-01", "320707100002-01"] {
            let m = registry::signing_material(&inst.store, id).await.unwrap();
            let (pkcs8, scalar) = plaintext_key(&master, &m.key.label, &m.key.wrapped);
            secrets.push(pkcs8);
            secrets.push(scalar);
        }
        // The seals' SM2 keys and the SM2 CA-side keys, the maker's too.
        for id in ["320707000000-01", "320707100002-01"] {
            let (_, key) = eseal::store::seal_sm2::current_key(&inst.store.pool, id)
                .await
                .unwrap()
                .unwrap();
            let (pkcs8, scalar) = plaintext_key(&master, &key.label, &key.wrapped);
            secrets.push(pkcs8);
            secrets.push(scalar);
        }
        for kind in [
            eseal::pki::CaKind::Root,
            eseal::pki::CaKind::SealCa,
            eseal::pki::CaKind::Tsa,
            eseal::pki::CaKind::Sm2Root,
            eseal::pki::CaKind::Sm2SealCa,
            eseal::pki::CaKind::Sm2Maker,
            eseal::pki::CaKind::Sm2Tsa,
        ] {
            let ca = eseal::store::ca::get(&inst.store.pool, kind)
                .await
                .unwrap()
                .unwrap();
            let (pkcs8, scalar) = plaintext_key(&master, &ca.key.label, &ca.key.wrapped);
            secrets.push(pkcs8);
            secrets.push(scalar);
        }

        // Every file in the data dir (SQLite database, WAL, master key).
        let mut haystacks: Vec<(String, Vec<u8>)> = Vec::new();
        for e in std::fs::read_dir(env.data_dir()).unwrap() {
            let e = e.unwrap();
            haystacks.push((
                e.path().display().to_string(),
                std::fs::read(e.path()).unwrap(),
            ));
        }
        // Every row of every table, as the database returns it.
        if b == Backend::Postgres {
            for t in ["meta", "ca_keys", "seals", "seal_certs", "seal_sm2"] {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT CAST(x AS TEXT) FROM {t} x"
                )))
                .fetch_all(&inst.store.pool)
                .await
                .unwrap();
                let mut all = Vec::new();
                for r in rows {
                    let s: String = sqlx::Row::try_get(&r, 0).unwrap();
                    all.extend_from_slice(s.as_bytes());
                }
                haystacks.push((format!("table {t}"), all));
            }
        }
        // Every command's output.
        for args in [
            vec!["seals", "show", "320707000000-01"],
            vec!["seals", "show", "320707000000-01", "--json"],
            vec!["seals", "list", "--json"],
            vec!["pki", "root"],
            vec!["pki", "chain"],
            vec!["pki", "root", "--sm2"],
            vec!["pki", "chain", "--sm2"],
        ] {
            let (ok, out, err) = run(eseal(&env).args(&args));
            assert!(ok, "{args:?}: {err}");
            haystacks.push((format!("{args:?}"), format!("{out}{err}").into_bytes()));
        }
        for (name, hay) in &haystacks {
            for s in &secrets {
                assert!(!contains(hay, s), "plaintext key bytes found in {name}");
                let hex = hex::encode(s);
                assert!(
                    !contains(hay, hex.as_bytes()),
                    "hex of a plaintext key found in {name}"
                );
            }
        }
        assert!(haystacks.len() >= 9);
        inst.store.close().await;
        env.cleanup().await;
    }
}

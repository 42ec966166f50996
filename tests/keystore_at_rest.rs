//! Issue 2: no plaintext private key anywhere at rest or in any output.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod common;

use common::{Backend, TestEnv, backends, eseal, run};
use eseal::configuration::installation::Installation;
use eseal::seal::registry;

/// Decrypt a key blob independently of the crate, following the documented
/// format (version byte, 96-bit nonce, AES-256-GCM, label as AAD), to learn
/// the plaintext this test must not find anywhere.
fn plaintext_key(master_text: &str, label: &str, blob: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let pkcs8 =
        common::custody::open_blob(&common::custody::master_bytes(master_text), label, blob)
            .expect("the master key opens the blob");
    let scalar = common::custody::scalar_of(&pkcs8);
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
            eseal::pki::CaKind::SealCa,
            eseal::pki::CaKind::Tsa,
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
        // The root keys are offline (issue 16): recovered from the
        // custodians' shares, they must not be anywhere below either.
        let shares =
            common::custody::share_files(&common::custody::default_shares_dir(env.data_dir()));
        let roots = common::custody::recover_root_keys(&shares);
        assert_eq!(roots.len(), 2);
        for r in roots {
            secrets.push(r.pkcs8);
            secrets.push(r.scalar);
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
        // The custodians' share files hold the root keys encrypted only.
        for p in &shares {
            haystacks.push((p.display().to_string(), std::fs::read(p).unwrap()));
        }
        // Every row of every table, as the database returns it.
        if b == Backend::Postgres {
            haystacks.extend(
                common::pg_table_texts(
                    &inst.store.pool,
                    &["meta", "ca_keys", "seals", "seal_certs", "seal_sm2"],
                )
                .await,
            );
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

//! Configuration by file: flags over environment over file over defaults.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod common;

use std::process::Command;

#[test]
fn a_config_file_sets_defaults_and_an_unknown_key_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("from-file");
    let cfg = dir.path().join("eseal.toml");
    std::fs::write(
        &cfg,
        format!(
            "data_dir = {:?}\npublic_url = \"https://eseal.example.cn\"\n",
            data.display().to_string()
        ),
    )
    .expect("write");
    let eseal = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_eseal"));
        for v in [
            "ESEAL_DATA_DIR",
            "ESEAL_PUBLIC_URL",
            "ESEAL_DATABASE_URL",
            "ESEAL_MASTER_KEY_FILE",
            "ESEAL_CONFIG",
        ] {
            c.env_remove(v);
        }
        c
    };
    let out = eseal()
        .arg("--config")
        .arg(&cfg)
        .arg("init")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        data.join("eseal.db").exists(),
        "data_dir came from the file"
    );
    // Later commands find the installation through the file.
    let out = eseal()
        .env("ESEAL_CONFIG", &cfg)
        .args(["pki", "chain"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let chain = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(chain.contains("BEGIN CERTIFICATE"), "{chain}");
    // The environment wins over the file.
    let other = dir.path().join("from-env");
    let out = eseal()
        .arg("--config")
        .arg(&cfg)
        .env("ESEAL_DATA_DIR", &other)
        .arg("init")
        .output()
        .expect("run");
    assert!(out.status.success());
    assert!(
        other.join("eseal.db").exists(),
        "ESEAL_DATA_DIR overrides the file"
    );

    std::fs::write(&cfg, "pubilc_url = \"typo\"\n").expect("write");
    let out = eseal()
        .arg("--config")
        .arg(&cfg)
        .args(["pki", "chain"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown key \"pubilc_url\""), "{err}");
}

#[test]
fn the_built_in_templates_are_every_file_of_templates_dir() {
    let mut on_disk: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/templates"))
            .expect("templates/")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".toml"))
            .collect();
    on_disk.sort();
    let mut built_in: Vec<String> = eseal::document::template::BUILTIN
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    built_in.sort();
    assert_eq!(built_in, on_disk, "add new templates to BUILTIN");
}

#[test]
fn a_copied_binary_works_from_any_directory_and_bad_settings_name_their_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = dir.path().join("bin/eseal");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_eseal"), &bin).expect("copy the binary");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let eseal = || {
        let mut c = Command::new(&bin);
        c.current_dir(&elsewhere);
        for (k, _) in std::env::vars() {
            if k.starts_with("ESEAL_") {
                c.env_remove(k);
            }
        }
        c
    };
    let ok = |c: &mut Command| {
        let out = c.output().expect("run");
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let list = ok(eseal().args(["templates", "list"]));
    assert!(list.contains("business_premises"), "{list}");
    ok(eseal().args(["demo", "--no-serve"]));
    let pdf = elsewhere.join("doc.pdf");
    let out = ok(eseal()
        .args([
            "--data-dir",
            "eseal-demo",
            "issue",
            "--template",
            "business_premises",
            "--seal",
            "320707100002-01",
            "--sample",
            "--out",
        ])
        .arg(&pdf));
    assert!(out.contains("issued"), "{out}");
    let out = ok(eseal()
        .args(["--data-dir", "eseal-demo", "verify"])
        .arg(&pdf));
    assert!(out.contains("VALID"), "{out}");

    let out = eseal()
        .env("ESEAL_AUDIT_ANCHOR_SECS", "hourly")
        .args(["templates", "list"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ESEAL_AUDIT_ANCHOR_SECS"), "{err}");
}

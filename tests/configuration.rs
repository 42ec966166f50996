//! Configuration by file: flags over environment over file over defaults.

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

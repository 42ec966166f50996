//! `eseal backup` and `eseal restore` (see `crate::backup`).

use std::path::PathBuf;

use clap::Args;

use crate::configuration::Settings;
use crate::configuration::installation::Installation;
use crate::crypto::MasterKey;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (encrypted under the master key).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file.
    pub file: PathBuf,
    /// Number from this epoch's block at least (default: the backup's
    /// epoch + 1). Give a higher one when an installation restored from an
    /// earlier backup already issued documents.
    #[arg(long)]
    pub numbering_epoch: Option<i64>,
}

/// Write a consistent backup while the service may be running.
pub async fn backup(settings: &Settings, a: BackupArgs) -> anyhow::Result<i32> {
    let inst = Installation::open(settings).await?;
    let master = MasterKey::from_file(&settings.master_key_path())?;
    let r = crate::backup::create(
        &inst.store,
        &master,
        &a.out,
        settings.master_key_file.is_none(),
    )
    .await;
    inst.store.close().await;
    let r = r?;
    println!(
        "wrote {} ({} bytes, {} rows in {} tables, SHA-256 {})",
        r.path.display(),
        r.bytes,
        r.rows,
        r.tables,
        r.sha256
    );
    if r.keystore == "pkcs11" {
        println!(
            "the ECDSA keys are on the PKCS#11 token, not in this backup: back the token up by its own means"
        );
    }
    println!("the master key is not in the backup: keep it apart; restore needs it");
    Ok(0)
}

/// Bring a backup back into a new data dir (and database).
pub async fn restore(settings: &Settings, a: RestoreArgs) -> anyhow::Result<i32> {
    let master = MasterKey::from_file(&settings.master_key_path())?;
    let r = crate::backup::restore(&a.file, settings, &master, a.numbering_epoch).await?;
    println!(
        "restored {} rows in {} tables into {}",
        r.rows,
        r.tables,
        settings.data_dir.display()
    );
    println!(
        "numbering epoch {}: every seal's next number this year is {:06}",
        r.epoch, r.next_number
    );
    match &r.master_key_written {
        Some(p) => println!("master key written to {}", p.display()),
        None => println!(
            "the master key stays where it is: pass --master-key-file {}",
            settings.master_key_path().display()
        ),
    }
    if r.keystore == "pkcs11" {
        println!(
            "the ECDSA keys are on the PKCS#11 token the installation records; it must be reachable"
        );
    }
    Ok(0)
}

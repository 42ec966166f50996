//! `eseal master-key rotate`: every key blob re-wrapped under a new master
//! key (see `Installation::rotate_master_key`).

use clap::Subcommand;

use crate::configuration::Settings;
use crate::configuration::installation::Installation;
use crate::custody::master_key_rotation::InjectedFailure;

#[derive(Debug, Subcommand)]
pub enum MasterKeyCommand {
    /// A new master key; every key blob re-wrapped under it in one
    /// transaction. Stop the service first. Afterwards the old key opens
    /// nothing in this installation.
    Rotate {
        /// Tests only: abort the process (a crash) after N blobs are
        /// re-wrapped inside the transaction.
        #[arg(long, hide = true, value_name = "N")]
        danger_abort_after_blobs: Option<usize>,
    },
}

pub async fn run(settings: &Settings, cmd: MasterKeyCommand) -> anyhow::Result<i32> {
    let MasterKeyCommand::Rotate {
        danger_abort_after_blobs,
    } = cmd;
    let inst = Installation::open(settings).await?;
    let fail = danger_abort_after_blobs.map_or(InjectedFailure::None, InjectedFailure::Abort);
    let r = inst.rotate_master_key(fail).await;
    inst.store.close().await;
    let r = r?;
    println!(
        "master key rotated: {} key blobs re-wrapped; new key {} in {}",
        r.blobs,
        r.new_fingerprint,
        r.key_path.display()
    );
    println!(
        "the old key ({}) opens nothing here any more: destroy its copies once no backup made with it is needed",
        r.old_fingerprint
    );
    Ok(0)
}

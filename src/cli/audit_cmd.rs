//! `eseal audit verify`: walk the audit chain.

use clap::Subcommand;

use crate::configuration::Settings;
use crate::installation::Installation;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every entry's hash and link; report the first broken one.
    /// Exit 0 when intact, 1 when broken.
    Verify {
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(settings: &Settings, cmd: AuditCommand) -> anyhow::Result<i32> {
    let inst = Installation::open(settings).await?;
    let AuditCommand::Verify { json } = cmd;
    let report = crate::audit::verify(&inst.store).await;
    inst.store.close().await;
    let report = report?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        match &report.problem {
            None => println!(
                "audit chain intact: {} entries, head {}",
                report.entries, report.head_hash
            ),
            Some(p) => println!("audit chain BROKEN: {p}"),
        }
    }
    Ok(if report.problem.is_none() { 0 } else { 1 })
}

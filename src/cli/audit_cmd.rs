//! `eseal audit verify` (check the log against its tree and timestamps) and
//! `eseal audit anchor` (timestamp the tree now).

use clap::Subcommand;

use crate::configuration::Settings;
use crate::configuration::installation::Installation;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Integrate pending entries, then check every entry against the tree and
    /// every timestamp of it, and every document on record against its
    /// `seal.use` entry; report the first broken one. Exit 0 when intact
    /// and accounted for, 1 otherwise.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Timestamp the tree now (the service also does this at start-up and
    /// every `audit_anchor_secs`).
    Anchor,
}

pub async fn run(settings: &Settings, cmd: AuditCommand) -> anyhow::Result<i32> {
    let inst = Installation::open(settings).await?;
    let code = match cmd {
        AuditCommand::Verify { json } => verify(&inst, json).await,
        AuditCommand::Anchor => {
            let tsa = crate::issuance::tsa_client(&inst)?;
            match crate::audit::anchor_head(&inst.store, tsa.clone()).await? {
                Some(size) => println!("audit log timestamped at {size} entries"),
                None => {
                    println!("nothing to timestamp (empty log, or already timestamped at its size)")
                }
            }
            Ok(0)
        }
    };
    inst.store.close().await;
    code
}

async fn verify(inst: &Installation, json: bool) -> anyhow::Result<i32> {
    let report = crate::audit::verify(&inst.store).await?;
    let anchors =
        crate::audit::verify_anchors(&inst.store, std::slice::from_ref(&inst.pki.root.cert_der))
            .await?;
    let documents = crate::audit::verify_documents(&inst.store).await?;
    let ok = report.problem.is_none() && anchors.problem.is_none() && documents.accounted();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"chain": report, "timestamps": anchors, "documents": documents})
            )?
        );
    } else {
        match &report.problem {
            None => println!(
                "audit chain intact: {} entries ({} awaiting the tree), root {}",
                report.entries, report.pending, report.head_hash
            ),
            Some(p) => println!("audit chain BROKEN: {p}"),
        }
        match (&anchors.problem, anchors.latest) {
            (Some(p), _) => println!("audit timestamps BROKEN: {p}"),
            (None, Some((seq, t))) => println!(
                "audit timestamps intact: {} anchors; the first {seq} entries existed by {}",
                anchors.anchors,
                time::OffsetDateTime::from_unix_timestamp(t)
                    .ok()
                    .and_then(|d| d
                        .format(&time::format_description::well_known::Rfc3339)
                        .ok())
                    .unwrap_or_default()
            ),
            (None, None) => println!("audit timestamps: none yet"),
        }
        print_documents(&documents);
    }
    Ok(if ok { 0 } else { 1 })
}

fn print_documents(d: &crate::audit::DocumentsReport) {
    if d.accounted() {
        println!(
            "signed documents accounted for: {} on record, each with its seal.use entry",
            d.documents
        );
        return;
    }
    if d.unaudited_count > 0 {
        println!(
            "signed documents NOT ACCOUNTED FOR: {} of {} on record have no seal.use entry: {}",
            d.unaudited_count,
            d.documents,
            d.unaudited.join(", ")
        );
    }
    if d.unrecorded_count > 0 {
        println!(
            "seal uses NOT ON RECORD: {} seal.use entries name no document on record (entries {})",
            d.unrecorded_count,
            d.unrecorded
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

//! `eseal pki ceremony SUBCOMMAND --share FILE...`: the root keys'
//! operations. M custodians bring their share files; the root keys are
//! reassembled in memory for this one command, used, and dropped (the
//! bundle key is zeroized as soon as its AES key is built; each signature
//! decrypts its key into a zeroizing buffer for that call).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::configuration::Settings;
use crate::configuration::installation::Installation;
use crate::custody::offline_root::OfflineRoot;
use crate::custody::root_crl_run;
use crate::custody::share_file::ShareSet;
use crate::pki::{CaKind, CertInfo, RevocationReason};
use crate::seal::crl_publication::{self, Authorities, CrlIssuer};
use crate::store;

#[derive(Debug, Args)]
pub struct CeremonyArgs {
    /// A custodian's share file (`root-share-I-of-N.json`); give M of them.
    #[arg(long = "share", value_name = "FILE", global = true)]
    pub shares: Vec<PathBuf>,
    #[command(subcommand)]
    pub op: CeremonyOp,
}

#[derive(Debug, Subcommand)]
pub enum CeremonyOp {
    /// Sign a new run of root CRLs from now (`root_crl_days`, default two
    /// years), replacing the CRLs of the old run not yet in force.
    Crls,
    /// A new seal CA under the root (key in the online keystore); the old
    /// seal CA's cert is kept for the documents signed under it.
    SealCa,
    /// Revoke an intermediate (the seal CA or the TSA): it is listed on a
    /// new run of root CRLs, the first published at once.
    RevokeIntermediate {
        /// `seal-ca` or `tsa`.
        which: String,
        /// RFC 5280 reason (key-compromise, superseded, ...).
        #[arg(long, default_value = "unspecified")]
        reason: String,
    },
}

/// The root keys of `inst` reassembled from `shares`.
async fn reassemble(inst: &Installation, shares: &[PathBuf]) -> anyhow::Result<OfflineRoot> {
    if !inst.pki.root_offline() {
        anyhow::bail!(
            "this installation's root keys are in the online keystore (a demo installation): no ceremony is needed"
        );
    }
    let set = ShareSet::read(shares, &inst.installation_id().await?)?;
    let mut certs = vec![&inst.pki.root];
    // The SM2 root is in the bundle unless `eseal pki add-sm2` made it
    // after the split (then it is online and no ceremony uses it).
    if let Some(sm2) = inst.sm2.as_ref().filter(|s| s.root.key.wrapped.is_empty()) {
        certs.push(&sm2.root);
    }
    Ok(OfflineRoot::assemble(&set, &certs)?)
}

/// Run one ceremony on the opened installation.
pub async fn run_with(
    inst: &Installation,
    settings: &Settings,
    args: CeremonyArgs,
) -> anyhow::Result<i32> {
    let offline = reassemble(inst, &args.shares).await?;
    let mut pki = inst.pki.clone();
    pki.root = offline.material(&inst.pki.root)?;
    let numbers: Vec<String> = offline.numbers.iter().map(u8::to_string).collect();
    let numbers = numbers.join(",");
    let now = time::OffsetDateTime::now_utc();
    match args.op {
        CeremonyOp::Crls => {
            let run = new_run(
                inst,
                &pki,
                &offline,
                settings,
                &format!("ceremony=crls shares={numbers}"),
                None,
            )
            .await?;
            println!("signed root CRLs {}", root_crl_run::describe(&run));
        }
        CeremonyOp::RevokeIntermediate { which, reason } => {
            let kind = match which.as_str() {
                "seal-ca" | "seal_ca" => CaKind::SealCa,
                "tsa" => CaKind::Tsa,
                other => anyhow::bail!("cannot revoke {other:?}: give seal-ca or tsa"),
            };
            let reason = RevocationReason::parse(&reason).map_err(anyhow::Error::msg)?;
            let cert = match kind {
                CaKind::SealCa => &inst.pki.seal_ca.cert_der,
                _ => &inst.pki.tsa.cert_der,
            };
            let revoked = crate::store::root_crls::RevokedIntermediate {
                serial_hex: CertInfo::parse(cert)?.serial_hex,
                kind: kind.as_str().into(),
                revoked_at: now.unix_timestamp(),
                reason: reason.as_str().into(),
            };
            let what = format!(
                "ceremony=revoke_intermediate shares={numbers} revoked={} serial={} reason={}",
                kind.as_str(),
                revoked.serial_hex,
                reason.as_str()
            );
            let run = new_run(
                inst,
                &pki,
                &offline,
                settings,
                &what,
                Some((&revoked, cert)),
            )
            .await?;
            println!(
                "revoked the {} cert (serial {}); root CRLs {} list it",
                kind.as_str(),
                revoked.serial_hex,
                root_crl_run::describe(&run)
            );
            if kind == CaKind::SealCa {
                println!(
                    "next: `eseal pki ceremony seal-ca`, then `eseal seals rotate ID` for every seal"
                );
            }
        }
        CeremonyOp::SealCa => {
            let new = pki.new_seal_ca(
                offline.signer(),
                inst.signer.as_ref(),
                &inst.public_url,
                now,
            )?;
            let old_serial = CertInfo::parse(&inst.pki.seal_ca.cert_der)?.serial_hex;
            let new_info = CertInfo::parse(&new.cert_der)?;
            let at = store::now_unix();
            let mut tx = inst.store.begin_write().await?;
            store::ca::replace(&mut tx, &inst.pki.seal_ca, &old_serial, &new, at).await?;
            let detail = format!(
                "ceremony=seal_ca shares={numbers} keys=root,seal_ca old_serial={old_serial} serial={}",
                new_info.serial_hex
            );
            audit_ceremony(&mut tx, &detail, at).await?;
            tx.commit().await?;
            // The new seal CA signs its first CRL at once.
            let mut online = inst.pki.clone();
            online.seal_ca = new;
            crl_publication::publish_now(
                &inst.store,
                inst.signer.as_ref(),
                Authorities {
                    pki: &online,
                    sm2: inst.sm2.as_ref(),
                },
                CrlIssuer::SealCa,
                "cli",
                "new_seal_ca",
            )
            .await?;
            println!(
                "new seal CA: serial {} fingerprint {}",
                new_info.serial_hex, new_info.fingerprint_sha256
            );
            println!(
                "seal certs are issued by it from now on: run `eseal seals rotate ID` for every seal"
            );
        }
    }
    drop(offline);
    Ok(0)
}

/// Sign and store a new run of root CRLs (after recording `revoke`, if
/// any) in one transaction, audited as `pki.ceremony`; then publish its
/// first CRL.
async fn new_run(
    inst: &Installation,
    pki: &crate::pki::Pki,
    offline: &OfflineRoot,
    settings: &Settings,
    what: &str,
    revoke: Option<(&crate::store::root_crls::RevokedIntermediate, &Vec<u8>)>,
) -> anyhow::Result<Vec<crate::store::root_crls::PresignedCrl>> {
    let now = store::now_unix();
    let mut tx = inst.store.begin_write().await?;
    if let Some((r, cert)) = revoke {
        crate::store::root_crls::revoke_intermediate(&mut **tx, r, cert).await?;
    }
    let run = root_crl_run::sign_and_store_in(
        &mut tx,
        pki,
        offline.signer(),
        now,
        settings.root_crl_days,
    )
    .await?;
    let detail = format!("{what} keys=root {}", root_crl_run::describe(&run));
    audit_ceremony(&mut tx, &detail, now).await?;
    tx.commit().await?;
    crl_publication::publish_presigned_root(&inst.store, "cli").await?;
    Ok(run)
}

async fn audit_ceremony(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    detail: &str,
    at: i64,
) -> anyhow::Result<()> {
    let event = crate::audit::Event {
        actor: "cli",
        action: "pki.ceremony",
        detail,
        ..Default::default()
    };
    crate::audit::append(tx, &event, at).await?;
    Ok(())
}

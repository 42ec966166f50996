//! `eseal verify FILE.pdf [--json] [--trust root.pem]... [--crl crl.der]...`:
//! offline verification. Exit 0 valid (with or without warnings), 1 invalid
//! or indeterminate, 2 usage or read error.

use std::path::PathBuf;

use anyhow::Context;

use crate::configuration::Settings;
use crate::verify::{TrustStore, Verdict, VerifyOptions, verify};

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The signed PDF to verify.
    pub file: PathBuf,
    /// Print the full report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// A trusted root certificate (PEM or DER); may be repeated.
    #[arg(long = "trust", value_name = "ROOT.pem")]
    pub trust: Vec<PathBuf>,
    /// A current CRL (PEM or DER) to check revocation against; may be repeated.
    #[arg(long = "crl", value_name = "CRL")]
    pub crl: Vec<PathBuf>,
}

/// The installation's own root and its last published CRLs, when the
/// configured data dir or database holds an installation. Only public
/// material is read: verification never opens the keystore.
async fn installation_trust(settings: &Settings) -> (Option<Vec<u8>>, Vec<Vec<u8>>) {
    if settings.database_url.is_none() && !settings.data_dir.join("eseal.db").exists() {
        return (None, Vec::new());
    }
    let Ok(store) = crate::store::Store::connect(&settings.database_url()).await else {
        return (None, Vec::new());
    };
    let root = crate::configuration::installation::Installation::root_cert(&store)
        .await
        .ok()
        .flatten();
    let crls = crate::seal::crl_publication::published(&store)
        .await
        .unwrap_or_default();
    store.close().await;
    (root, crls)
}

/// Exit code for a verdict.
pub fn exit_code(v: Verdict) -> i32 {
    match v {
        Verdict::Valid | Verdict::ValidWithWarnings => 0,
        Verdict::Invalid | Verdict::Indeterminate => 1,
    }
}

/// Run the command; `Err` (read or usage problems) maps to exit code 2 in `main`.
pub async fn run(settings: &Settings, args: VerifyArgs) -> anyhow::Result<i32> {
    let mut trust = TrustStore::new();
    let (root, crls) = installation_trust(settings).await;
    if let Some(root) = root {
        trust
            .add_anchor(&root)
            .context("installation root certificate")?;
    }
    for c in crls {
        trust.add_crl(&c).context("installation CRL")?;
    }
    for p in &args.trust {
        let data = std::fs::read(p)
            .with_context(|| format!("cannot read trust anchor {}", p.display()))?;
        trust
            .add_anchor(&data)
            .with_context(|| format!("{}", p.display()))?;
    }
    for p in &args.crl {
        let data = std::fs::read(p).with_context(|| format!("cannot read CRL {}", p.display()))?;
        trust
            .add_crl(&data)
            .with_context(|| format!("{}", p.display()))?;
    }
    if trust.anchors().is_empty() {
        eprintln!(
            "note: no trust anchor given (--trust ROOT.pem): the verdict cannot be VALID and the exit code is 1"
        );
    }
    let limit = crate::verify::Limits::default().max_file_size;
    let meta = std::fs::metadata(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    if meta.len() > limit as u64 {
        anyhow::bail!(
            "{} is larger than the {} byte limit",
            args.file.display(),
            limit
        );
    }
    let pdf = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let report = verify(&pdf, &trust, &VerifyOptions::default());
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    // Without a trust anchor nothing can be confirmed: never exit 0 (the
    // report says NO_TRUST_ANCHOR too; this holds even if it did not).
    if trust.anchors().is_empty() {
        return Ok(exit_code(report.verdict).max(1));
    }
    Ok(exit_code(report.verdict))
}

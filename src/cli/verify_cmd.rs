//! `eseal verify FILE.pdf [--json] [--trust root.pem]... [--crl crl.der]...`:
//! offline verification. Exit 0 valid (with or without warnings), 1 invalid
//! or indeterminate, 2 usage or read error.

use std::path::PathBuf;

use anyhow::Context;

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

/// The installation's own root, when a data directory is configured.
///
/// HOOK for the lead: once the configuration module exists, return the DER or
/// PEM of `<data dir>/pki/root.pem` here (and the current seal CA CRL via
/// `installation_crls`). Until then only `--trust` anchors are used.
fn installation_root() -> Option<Vec<u8>> {
    None
}

/// The installation's current CRLs (see [`installation_root`]).
fn installation_crls() -> Vec<Vec<u8>> {
    Vec::new()
}

/// Exit code for a verdict.
pub fn exit_code(v: Verdict) -> i32 {
    match v {
        Verdict::Valid | Verdict::ValidWithWarnings => 0,
        Verdict::Invalid | Verdict::Indeterminate => 1,
    }
}

/// Run the command; `Err` (read or usage problems) maps to exit code 2 in `main`.
pub fn run(args: VerifyArgs) -> anyhow::Result<i32> {
    let mut trust = TrustStore::new();
    if let Some(root) = installation_root() {
        trust
            .add_anchor(&root)
            .context("installation root certificate")?;
    }
    for c in installation_crls() {
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
            "note: no trust anchor given (--trust ROOT.pem): every signature will be INDETERMINATE"
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
    Ok(exit_code(report.verdict))
}

//! `eseal verify FILE [--json] [--trust root.pem]... [--chain c.pem]... [--crl crl.der]... [--at TIME]`:
//! offline verification. Exit 0 valid (with or without warnings), 1 invalid
//! or indeterminate, 2 usage or read error.

use std::path::PathBuf;

use anyhow::Context;

use crate::configuration::Settings;
use crate::verify::{TrustStore, Verdict, VerifyOptions, verify};

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The signed PDF or OFD to verify (told apart by content).
    pub file: PathBuf,
    /// Print the full report as JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// A trusted root certificate (PEM or DER); may be repeated.
    #[arg(long = "trust", value_name = "ROOT.pem")]
    pub trust: Vec<PathBuf>,
    /// Intermediate certificates (PEM bundle or DER) that may complete a
    /// chain, not trusted themselves (e.g. `eseal pki chain --sm2` for an
    /// OFD); may be repeated.
    #[arg(long = "chain", value_name = "CHAIN.pem")]
    pub chain: Vec<PathBuf>,
    /// A current CRL (PEM or DER) to check revocation against; may be repeated.
    #[arg(long = "crl", value_name = "CRL")]
    pub crl: Vec<PathBuf>,
    /// Check as of this time (RFC 3339, e.g. 2021-01-01T00:00:00+08:00)
    /// instead of now, where no timestamp proves when a signature was
    /// made: a file whose certs have since expired, checked at a time the
    /// reader vouches for (pyHanko's --validation-time, openssl's -attime).
    #[arg(long = "at", value_name = "TIME", value_parser = parse_time)]
    pub at: Option<i64>,
}

fn parse_time(s: &str) -> Result<i64, String> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| format!("not an RFC 3339 time ({e}), e.g. 2021-01-01T00:00:00+08:00"))
}

/// What the local installation vouches for.
#[derive(Default)]
struct InstallationTrust {
    /// The root and, when the installation has one, the SM2 root.
    roots: Vec<Vec<u8>>,
    /// The SM2 seal CA, seal maker and SM2 TSA (an OFD's electronic
    /// signature carries only the signer's cert and the maker's).
    intermediates: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
}

/// The installation's own roots, SM2 intermediates and last published
/// CRLs, when the configured data dir or database holds an installation.
/// Only public material is read: verification never opens the keystore.
async fn installation_trust(settings: &Settings) -> InstallationTrust {
    use crate::pki::CaKind;
    let mut t = InstallationTrust::default();
    if settings.database_url.is_none() && !settings.data_dir.join("eseal.db").exists() {
        return t;
    }
    let Ok(store) = crate::store::Store::connect(&settings.database_url()).await else {
        return t;
    };
    for kind in [CaKind::Root, CaKind::Sm2Root] {
        if let Ok(Some(m)) = crate::store::ca::get(&store.pool, kind).await {
            t.roots.push(m.cert_der);
        }
    }
    for kind in [CaKind::Sm2SealCa, CaKind::Sm2Maker, CaKind::Sm2Tsa] {
        if let Ok(Some(m)) = crate::store::ca::get(&store.pool, kind).await {
            t.intermediates.push(m.cert_der);
        }
    }
    t.crls = crate::seal::crl_publication::published(&store)
        .await
        .unwrap_or_default();
    store.close().await;
    t
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
    let local = installation_trust(settings).await;
    for root in &local.roots {
        trust
            .add_anchor(root)
            .context("installation root certificate")?;
    }
    for c in &local.intermediates {
        trust
            .add_intermediate(c)
            .context("installation SM2 certificate")?;
    }
    for c in local.crls {
        trust.add_crl(&c).context("installation CRL")?;
    }
    for p in &args.trust {
        let data = std::fs::read(p)
            .with_context(|| format!("cannot read trust anchor {}", p.display()))?;
        trust
            .add_anchor(&data)
            .with_context(|| format!("{}", p.display()))?;
    }
    for p in &args.chain {
        let data = std::fs::read(p)
            .with_context(|| format!("cannot read certificates {}", p.display()))?;
        trust
            .add_intermediate(&data)
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
    if let Some(at) = args.at {
        eprintln!(
            "note: checked as of {} (--at), not now, where no timestamp proves the signing time",
            crate::verify::rfc3339(at)
        );
    }
    let opts = VerifyOptions {
        now: args.at,
        ..VerifyOptions::default()
    };
    let report = verify(&pdf, &trust, &opts);
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

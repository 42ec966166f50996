//! `eseal seals ...` and `eseal demo`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::configuration::Settings;
use crate::configuration::installation::Installation;
use crate::pki::{CertInfo, RevocationReason, cert_pem};
use crate::seal::{Roster, registry};

#[derive(Debug, Subcommand)]
pub enum SealCommand {
    /// Provision one seal per roster row (idempotent).
    Provision {
        #[arg(long)]
        roster: PathBuf,
    },
    /// List seals.
    List {
        #[arg(long)]
        json: bool,
        #[arg(long)]
        town: Option<String>,
    },
    /// Show a seal: cert PEM, fingerprint, status, validity.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
        /// Also write the seal's appearance as SVG to this file.
        #[arg(long)]
        image: Option<PathBuf>,
        /// Also write the seal's GB/T 38540 SES_Seal (电子印章数据, DER) to
        /// this file.
        #[arg(long)]
        esl: Option<PathBuf>,
    },
    /// Revoke a seal's current cert (it lands on the CRL).
    Revoke {
        id: String,
        #[arg(long)]
        reason: String,
    },
    /// Give a seal a new key and cert; the old cert stays known.
    Rotate { id: String },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Start from a fresh demo data dir even if one exists.
    #[arg(long)]
    pub fresh: bool,
    /// Prepare the demo data only; do not start the service.
    #[arg(long)]
    pub no_serve: bool,
    /// Address the demo service listens on [env ESEAL_LISTEN; default 127.0.0.1:8080].
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
}

/// The demo's material, built into the binary so `eseal demo` runs from any
/// directory: the district's roster and the public example master key.
const DEMO_ROSTER: &[u8] = include_bytes!("../../keys-example/roster.csv");
const DEMO_MASTER_KEY: &[u8] = include_bytes!("../../keys-example/master.key");

/// The demo accounts: (username, role, seals). Their password is
/// [`DEMO_PASSWORD`]; demo installations mark every document 样本.
const DEMO_ACCOUNTS: &[(&str, &str, &[&str])] = &[
    ("fanrong", "clerk", &["320707100002-01"]),
    ("qingkou", "clerk", &["320707100000-01"]),
    ("district-admin", "admin", &[]),
];
const DEMO_PASSWORD: &str = "eseal-demo-2026";

fn progress(len: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} seals {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

pub async fn provision(inst: &Installation, roster_path: &std::path::Path) -> anyhow::Result<()> {
    let data = std::fs::read(roster_path)
        .map_err(|e| anyhow::anyhow!("{}: {e}", roster_path.display()))?;
    provision_roster(inst, &roster_path.display().to_string(), &data).await
}

async fn provision_roster(inst: &Installation, name: &str, data: &[u8]) -> anyhow::Result<()> {
    let roster = Roster::parse(data).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let bar = progress(roster.rows.len());
    let tick = || bar.inc(1);
    let national = inst.national()?;
    let report = registry::provision(
        &inst.store,
        inst.signer.as_ref(),
        &inst.pki,
        national.as_ref(),
        &roster,
        "cli",
        &tick,
    )
    .await?;
    bar.finish_and_clear();
    println!(
        "provisioned {} new seal(s); {} unchanged; {} differing from the roster (not changed); {} registered but not in the roster",
        report.added.len(),
        report.unchanged,
        report.differing.len(),
        report.missing.len()
    );
    match national {
        Some(_) => println!(
            "{} seal(s) given their SM2 identity (SM2 cert and GB/T 38540 seal)",
            report.sm2_added.len()
        ),
        None => {
            println!("no SM2 hierarchy: run `eseal pki add-sm2` to give the seals SM2 identities")
        }
    }
    for id in &report.differing {
        println!("  differs: {id}");
    }
    for id in &report.missing {
        println!("  not in roster (kept): {id}");
    }
    Ok(())
}

pub async fn run(settings: &Settings, cmd: SealCommand) -> anyhow::Result<i32> {
    let inst = Installation::open(settings).await?;
    let code = run_with(&inst, cmd).await;
    inst.store.close().await;
    code
}

async fn run_with(inst: &Installation, cmd: SealCommand) -> anyhow::Result<i32> {
    let signer = inst.signer.as_ref();
    match cmd {
        SealCommand::Provision { roster } => provision(inst, &roster).await?,
        SealCommand::List { json, town } => {
            let seals = registry::list(&inst.store, town.as_deref()).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&seals)?);
            } else {
                for s in &seals {
                    println!(
                        "{}  {:<8} {:<8} {}",
                        s.seal_id,
                        s.level.as_str(),
                        format!("{:?}", s.status).to_lowercase(),
                        s.holder
                    );
                }
                println!("{} seal(s)", seals.len());
            }
        }
        SealCommand::Show {
            id,
            json,
            image,
            esl,
        } => {
            let (seal, certs) = registry::show(&inst.store, &id).await?;
            let sm2_rows = registry::sm2_generations(&inst.store, &id).await?;
            let sm2_current = sm2_rows
                .iter()
                .rev()
                .find(|c| c.status == "current")
                .or(sm2_rows.last());
            if let Some(path) = esl {
                let row = sm2_current.ok_or_else(|| {
                    anyhow::anyhow!("seal {id} has no GB/T 38540 seal yet: run `eseal pki add-sm2` and `eseal seals provision`")
                })?;
                std::fs::write(&path, &row.esl_der)?;
                eprintln!(
                    "SES_Seal (generation {}) written to {}",
                    row.generation,
                    path.display()
                );
            }
            if let Some(path) = image {
                let font = crate::font::load(&inst.settings.font)?;
                let look = crate::seal::SealAppearance::new(
                    &font,
                    &seal.holder,
                    seal.inscription.as_deref(),
                )?;
                std::fs::write(&path, look.to_svg(420.0))?;
                eprintln!("seal image written to {}", path.display());
            }
            let current = certs
                .iter()
                .rev()
                .find(|c| c.status == "current")
                .or(certs.last());
            let info = current.map(|c| CertInfo::parse(&c.cert_der)).transpose()?;
            if json {
                let sm2_info = sm2_current
                    .map(|c| CertInfo::parse(&c.cert_der))
                    .transpose()?;
                let v = serde_json::json!({ "seal": seal, "cert": info, "certs": certs,
                    "cert_pem": current.map(|c| cert_pem(&c.cert_der)),
                    "sm2_cert": sm2_info,
                    "sm2_cert_pem": sm2_current.map(|c| cert_pem(&c.cert_der)),
                    "esl_sha256": sm2_current.map(|c| hex::encode(crate::crypto::sha256(&c.esl_der))),
                    "sm2_generations": sm2_rows.iter().map(|c| serde_json::json!({
                        "row": c,
                        "esl_sha256": hex::encode(crate::crypto::sha256(&c.esl_der)),
                    })).collect::<Vec<_>>() });
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("seal:        {}", seal.seal_id);
                println!("holder:      {}", seal.holder);
                println!("level:       {}", seal.level);
                println!("town:        {}", seal.town);
                if let Some(v) = &seal.village {
                    println!("village:     {v}");
                }
                println!("status:      {:?}", seal.status);
                if let (Some(c), Some(i)) = (current, &info) {
                    println!(
                        "cert:        generation {} ({}), serial {}",
                        c.generation, c.status, i.serial_hex
                    );
                    println!("valid:       {} .. {}", i.not_before, i.not_after);
                    println!("SHA-256:     {}", i.fingerprint_sha256);
                    print!("{}", cert_pem(&c.cert_der));
                }
                if let Some(c) = sm2_current {
                    let i = CertInfo::parse(&c.cert_der)?;
                    println!(
                        "SM2 cert:    generation {} ({}), serial {}",
                        c.generation, c.status, i.serial_hex
                    );
                    println!("SM2 SHA-256: {}", i.fingerprint_sha256);
                    println!(
                        "SES_Seal:    {} bytes, SHA-256 {}",
                        c.esl_der.len(),
                        hex::encode(crate::crypto::sha256(&c.esl_der))
                    );
                    print!("{}", cert_pem(&c.cert_der));
                }
                for c in certs
                    .iter()
                    .filter(|c| Some(c.generation) != current.map(|x| x.generation))
                {
                    println!(
                        "earlier cert: generation {} serial {} ({})",
                        c.generation, c.serial_hex, c.status
                    );
                }
            }
        }
        SealCommand::Revoke { id, reason } => {
            let reason = RevocationReason::parse(&reason).map_err(anyhow::Error::msg)?;
            registry::revoke(
                &inst.store,
                signer,
                &inst.pki,
                inst.sm2.as_ref(),
                &id,
                reason,
                "cli",
            )
            .await?;
            println!("revoked {id} ({}); the CRL now lists it", reason.as_str());
        }
        SealCommand::Rotate { id } => {
            let national = inst.national()?;
            let c = registry::rotate(
                &inst.store,
                signer,
                &inst.pki,
                national.as_ref(),
                &id,
                "cli",
            )
            .await?;
            println!(
                "rotated {id}: generation {} serial {}",
                c.generation, c.serial_hex
            );
        }
    }
    Ok(0)
}

/// `eseal demo`: a demo data dir from keys-example, every seal provisioned.
pub async fn demo(mut settings: Settings, args: DemoArgs) -> anyhow::Result<i32> {
    if settings.data_dir.as_path() == std::path::Path::new(crate::configuration::DEFAULT_DATA_DIR) {
        settings.data_dir = PathBuf::from("./eseal-demo");
    }
    if args.fresh && settings.data_dir.exists() {
        std::fs::remove_dir_all(&settings.data_dir)?;
    }
    if settings.master_key_file.is_none() {
        // The public example key, where later commands look by default.
        let key = settings.data_dir.join("master.key");
        if !key.exists() {
            crate::configuration::data_dir::create_dir(&settings.data_dir)?;
            crate::configuration::data_dir::write_file(&key, DEMO_MASTER_KEY)?;
        }
        settings.master_key_file = Some(key);
    }
    if !settings.data_dir.join("eseal.db").exists() {
        // The demo keeps its root online (its master key is public anyway);
        // `eseal serve` runs so only for a demo (specimen) installation.
        let mut settings = settings.clone();
        settings.root_shares = None;
        Installation::init(&settings).await?;
        println!(
            "demo installation created in {}",
            settings.data_dir.display()
        );
    }
    let mut inst = Installation::open(&settings).await?;
    inst.mark_specimen().await?;
    provision_roster(&inst, "(built-in) keys-example/roster.csv", DEMO_ROSTER).await?;
    let seals = registry::list(&inst.store, None).await?;
    println!("{} seals ready; for example:", seals.len());
    for s in seals.iter().take(5) {
        println!("  {}  {}", s.seal_id, s.holder);
    }
    for (name, role, seal_ids) in DEMO_ACCOUNTS {
        if crate::accounts::active_account(&inst.store, name)
            .await?
            .is_some()
        {
            continue;
        }
        let role = crate::accounts::Role::parse(role).map_err(anyhow::Error::msg)?;
        let seal_ids = seal_ids
            .iter()
            .map(|s| crate::domain::SealId::parse(s).map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<Vec<_>>>()?;
        crate::accounts::add_user(&inst.store, name, role, &seal_ids, DEMO_PASSWORD, "demo")
            .await?;
    }
    println!("demo accounts (password {DEMO_PASSWORD}):");
    for (name, role, seal_ids) in DEMO_ACCOUNTS {
        println!("  {name:<15} {role:<6} {}", seal_ids.join(" "));
    }
    let base = inst.public_url.trim_end_matches('/').to_string();
    if crate::application::none_yet(&inst.store).await? {
        println!("sample applications (private tracking links):");
        let templates = std::sync::Arc::new(crate::document::Templates::configured(
            settings.templates.as_deref(),
        )?);
        let catalog = crate::application::Catalog::new(templates.clone());
        for (kind, seal_id) in [
            ("business_premises", "320707100002-01"),
            ("exit_entry", "320707100002-01"),
            ("exit_entry", "320707100000-01"),
        ] {
            let t = templates
                .get(kind)
                .ok_or_else(|| anyhow::anyhow!("template {kind}"))?;
            let sub = crate::application::Submission {
                kind: kind.into(),
                seal_id: seal_id.into(),
                fields: crate::document::sample(t),
            };
            let r = crate::application::submit(&inst.store, &catalog, &sub)
                .await
                .map_err(|e| anyhow::anyhow!("sample application: {e}"))?;
            println!(
                "  {} {} -> {base}/a/{} (access code {})",
                r.number, t.title, r.tracking_token, r.access_code
            );
        }
    }
    println!(
        "residents: {base}/   clerks: {base}/clerk/login   verify: {base}/verify   API: {base}/api/v1/openapi.json"
    );
    inst.store.close().await;
    if args.no_serve {
        return Ok(0);
    }
    crate::cli::serve_cmd::serve(
        &settings,
        crate::cli::serve_cmd::ServeArgs {
            listen: args.listen,
            log_json: false,
        },
    )
    .await
}

//! `eseal init` and `eseal pki ...`.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use crate::configuration::Settings;
use crate::configuration::installation::{Installation, InstallationError};
use crate::pki::{cert_pem, pem_block};

#[derive(Debug, Subcommand)]
pub enum PkiCommand {
    /// Print the district root cert (PEM): the trust anchor to install.
    Root {
        /// The SM2 root instead (GB/T 20518).
        #[arg(long)]
        sm2: bool,
    },
    /// Print the intermediate certs (seal CA, TSA; with --sm2: SM2 seal CA,
    /// seal maker, SM2 TSA) as PEM.
    Chain {
        #[arg(long)]
        sm2: bool,
    },
    /// Write the seal CA's current CRL (DER, or PEM with --pem).
    Crl {
        /// The SM2 seal CA's CRL instead.
        #[arg(long)]
        sm2: bool,
        #[arg(long)]
        pem: bool,
        /// Output file (default: standard output).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Give an existing installation the SM2 hierarchy (root, seal CA,
    /// seal maker, TSA), leaving the ECDSA one untouched.
    AddSm2,
    /// The root keys' operations, with M custodians' share files.
    Ceremony(super::ceremony_cmds::CeremonyArgs),
    /// Take the root keys of an installation made with them online (before
    /// root custody existed) offline, as `init` does.
    RootOffline(InitArgs),
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Split the offline root bundle's key among N custodians, any M of
    /// whom can reassemble it [env ESEAL_ROOT_SHARES; default 3-of-5].
    #[arg(long, value_name = "M-of-N")]
    pub root_shares: Option<String>,
    /// Where to write the custodians' share files [env ESEAL_ROOT_SHARES_DIR;
    /// default: DATA_DIR-root-shares beside the data dir].
    #[arg(long, value_name = "DIR")]
    pub root_shares_dir: Option<PathBuf>,
}

pub async fn init(settings: &Settings, args: InitArgs) -> anyhow::Result<i32> {
    let mut settings = settings.clone();
    if let Some(v) = &args.root_shares {
        settings
            .set("root_shares", v)
            .map_err(|m| anyhow::anyhow!("--root-shares: {m}"))?;
    }
    if let Some(d) = args.root_shares_dir {
        settings.root_shares_dir = Some(d);
    }
    let settings = &settings;
    let r = Installation::init(settings).await?;
    println!("initialised {}", settings.data_dir.display());
    if r.master_key_created {
        println!(
            "master key written to {} (back it up; keep it secret)",
            r.master_key_path.display()
        );
    } else {
        println!("master key taken from {}", r.master_key_path.display());
    }
    if let (Some(crate::configuration::KeystoreKind::Pkcs11), Some(token)) =
        (settings.keystore, &settings.pkcs11_token)
    {
        println!(
            "ECDSA keys (seal CA, TSA, seals) on PKCS#11 token {token:?}; the root and the SM2 keys wrapped under the master key"
        );
    }
    println!("root cert SHA-256 fingerprint: {}", r.root_fingerprint);
    println!(
        "SM2 root cert SHA-256 fingerprint: {}",
        r.sm2_root_fingerprint
    );
    if let Some((threshold, until)) = r.root_custody {
        print_offline(threshold, until, &r.root_shares);
    }
    Ok(0)
}

/// What the operator must do with the share files just written.
fn print_offline(threshold: crate::custody::Threshold, until: i64, files: &[PathBuf]) {
    let until = time::OffsetDateTime::from_unix_timestamp(until)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    println!(
        "root keys offline: {threshold} custodians' shares are needed to use them; root CRLs signed ahead until {until}"
    );
    for p in files {
        println!("  root share: {}", p.display());
    }
    println!(
        "give each custodian one share file and delete the others from this machine; \
         `eseal pki ceremony SUBCOMMAND --share FILE...` uses the root keys"
    );
}

pub async fn run(settings: &Settings, cmd: PkiCommand) -> anyhow::Result<i32> {
    let mut inst = Installation::open(settings).await?;
    let r = run_with(&mut inst, settings, cmd).await;
    inst.store.close().await;
    r
}

async fn run_with(
    inst: &mut Installation,
    settings: &Settings,
    cmd: PkiCommand,
) -> anyhow::Result<i32> {
    match cmd {
        PkiCommand::Root { sm2: false } => print!("{}", cert_pem(&inst.pki.root.cert_der)),
        PkiCommand::Root { sm2: true } => print!("{}", cert_pem(&inst.sm2()?.root.cert_der)),
        PkiCommand::Chain { sm2: false } => {
            print!(
                "{}{}",
                cert_pem(&inst.pki.seal_ca.cert_der),
                cert_pem(&inst.pki.tsa.cert_der)
            )
        }
        PkiCommand::Chain { sm2: true } => {
            for der in inst.sm2()?.chain_ders() {
                print!("{}", cert_pem(&der));
            }
        }
        PkiCommand::Crl { sm2, pem, out } => {
            use crate::seal::crl_publication::{Authorities, publish_due};
            if sm2 {
                inst.sm2()?;
            }
            // Signed now (audited) only if missing or past half its life.
            let crls = publish_due(
                &inst.store,
                inst.signer.as_ref(),
                Authorities::of(inst),
                "cli",
            )
            .await?;
            let der = match (sm2, crls.sm2_seal_ca) {
                (true, Some(der)) => der,
                (true, None) => return Err(InstallationError::NoSm2.into()),
                (false, _) => crls.seal_ca,
            };
            let bytes = if pem {
                pem_block("X509 CRL", &der).into_bytes()
            } else {
                der
            };
            match out {
                Some(p) => std::fs::write(&p, bytes)?,
                None => std::io::stdout().write_all(&bytes)?,
            }
        }
        PkiCommand::Ceremony(args) => {
            return super::ceremony_cmds::run_with(inst, settings, args).await;
        }
        PkiCommand::RootOffline(args) => {
            let threshold = match &args.root_shares {
                Some(v) => crate::custody::Threshold::parse(v)
                    .map_err(|m| anyhow::anyhow!("--root-shares: {m}"))?,
                None => settings
                    .root_shares
                    .unwrap_or(crate::custody::Threshold::DEFAULT),
            };
            let mut s = settings.clone();
            if args.root_shares_dir.is_some() {
                s.root_shares_dir = args.root_shares_dir;
            }
            let (files, until) = inst
                .take_root_offline(threshold, &s.root_shares_path())
                .await?;
            print_offline(threshold, until, &files);
        }
        PkiCommand::AddSm2 => {
            let sm2 = inst.add_sm2().await?;
            println!(
                "SM2 hierarchy added; SM2 root cert SHA-256 fingerprint: {}",
                crate::pki::fingerprint_sha256(&sm2.root.cert_der)
            );
            println!(
                "run `eseal seals provision --roster FILE` to give the seals their SM2 identity"
            );
        }
    }
    Ok(0)
}

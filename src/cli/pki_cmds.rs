//! `eseal init` and `eseal pki ...`.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use crate::configuration::Settings;
use crate::configuration::installation::Installation;
use crate::pki::{cert_pem, pem_block};

#[derive(Debug, Subcommand)]
pub enum PkiCommand {
    /// Print the district root cert (PEM): the trust anchor to install.
    Root,
    /// Print the intermediate certs (seal CA, TSA) as PEM.
    Chain,
    /// Write the seal CA's current CRL (DER, or PEM with --pem).
    Crl {
        #[arg(long)]
        pem: bool,
        /// Output file (default: standard output).
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
}

pub async fn init(settings: &Settings) -> anyhow::Result<i32> {
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
    println!("root cert SHA-256 fingerprint: {}", r.root_fingerprint);
    Ok(0)
}

pub async fn run(settings: &Settings, cmd: PkiCommand) -> anyhow::Result<i32> {
    let inst = Installation::open(settings).await?;
    match cmd {
        PkiCommand::Root => print!("{}", cert_pem(&inst.pki.root.cert_der)),
        PkiCommand::Chain => {
            print!(
                "{}{}",
                cert_pem(&inst.pki.seal_ca.cert_der),
                cert_pem(&inst.pki.tsa.cert_der)
            )
        }
        PkiCommand::Crl { pem, out } => {
            // Signed now (audited) only if missing or past half its life.
            let der = crate::seal::crl_publication::publish_due(
                &inst.store,
                inst.signer.as_ref(),
                &inst.pki,
                "cli",
            )
            .await?
            .seal_ca;
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
    }
    inst.store.close().await;
    Ok(0)
}

//! The `eseal` command line. Each subcommand family lives in its own file;
//! this file only lists them and dispatches.

mod audit_cmd;
mod backup_cmds;
mod ceremony_cmds;
mod document_cmds;
mod issue_cmds;
mod master_key_cmd;
mod pki_cmds;
mod seal_cmds;
pub(crate) mod serve_cmd;
pub mod sign_cmds;
mod sign_ofd;
mod users_cmds;
pub mod verify_cmd;

use clap::{Parser, Subcommand};

use crate::configuration::{Flags, Settings};

#[derive(Debug, Parser)]
#[command(
    name = "eseal",
    version,
    about = "Ganyu District electronic seal service"
)]
pub struct Cli {
    #[command(flatten)]
    pub flags: Flags,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an installation: master key, root CA, seal CA, TSA, and the
    /// SM2 root, seal CA, seal maker and TSA; then the root keys go offline
    /// into custodians' share files.
    Init(pki_cmds::InitArgs),
    /// Print the trust anchor, the intermediate certs, or the CRL.
    #[command(subcommand)]
    Pki(pki_cmds::PkiCommand),
    /// Provision, list, show, revoke and rotate seals.
    #[command(subcommand)]
    Seals(seal_cmds::SealCommand),
    /// List and show document kinds.
    #[command(subcommand)]
    Templates(document_cmds::TemplatesCommand),
    /// Render a document to PDF (unsigned preview).
    Render(document_cmds::RenderArgs),
    /// Render, stamp, sign and record a document.
    Issue(issue_cmds::IssueArgs),
    /// Stamp and sign an existing PDF (PAdES) or OFD (GB/T 38540) with a seal.
    Sign(sign_cmds::SignArgs),
    /// Demo: a fresh data dir from keys-example, all seals provisioned.
    Demo(seal_cmds::DemoArgs),
    /// Verify the seals of a signed PDF or OFD, offline.
    Verify(verify_cmd::VerifyArgs),
    /// Serve the online service (resident and clerk pages, JSON API).
    Serve(serve_cmd::ServeArgs),
    /// Manage clerk and admin accounts.
    #[command(subcommand)]
    Users(users_cmds::UsersCommand),
    /// Check the audit chain.
    #[command(subcommand)]
    Audit(audit_cmd::AuditCommand),
    /// Write a consistent, encrypted backup (database and keystore).
    Backup(backup_cmds::BackupArgs),
    /// Restore a backup into a new data dir (--data-dir, --master-key-file).
    Restore(backup_cmds::RestoreArgs),
    /// Rotate the master key that wraps every online key.
    #[command(subcommand)]
    MasterKey(master_key_cmd::MasterKeyCommand),
}

/// Run the parsed command line with the settings resolved from it; returns
/// the process exit code.
pub fn run(cli: Cli, settings: Settings) -> anyhow::Result<i32> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match cli.command {
            Command::Init(a) => pki_cmds::init(&settings, a).await,
            Command::Pki(c) => pki_cmds::run(&settings, c).await,
            Command::Seals(c) => seal_cmds::run(&settings, c).await,
            Command::Templates(c) => document_cmds::run_templates(&settings, c),
            Command::Render(a) => document_cmds::render(&settings, a).await,
            Command::Issue(a) => issue_cmds::run_issue(&settings, a).await,
            Command::Sign(a) => issue_cmds::run_sign_cmd(&settings, a).await,
            Command::Demo(a) => seal_cmds::demo(settings.clone(), a).await,
            Command::Verify(args) => verify_cmd::run(&settings, args).await,
            Command::Serve(a) => serve_cmd::serve(&settings, a).await,
            Command::Users(c) => users_cmds::run(&settings, c).await,
            Command::Audit(c) => audit_cmd::run(&settings, c).await,
            Command::Backup(a) => backup_cmds::backup(&settings, a).await,
            Command::Restore(a) => backup_cmds::restore(&settings, a).await,
            Command::MasterKey(c) => master_key_cmd::run(&settings, c).await,
        }
    })
}

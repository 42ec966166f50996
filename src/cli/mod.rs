//! The `eseal` command line. Each subcommand family lives in its own file;
//! this file only lists them and dispatches.

mod audit_cmd;
mod document_cmds;
mod issue_cmds;
mod pki_cmds;
mod seal_cmds;
pub(crate) mod serve_cmd;
pub mod sign_cmds;
mod users_cmds;
pub mod verify_cmd;

use clap::{Parser, Subcommand};

use crate::configuration::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "eseal",
    version,
    about = "Ganyu District electronic seal service"
)]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an installation: master key, root CA, seal CA, TSA.
    Init,
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
    /// Stamp and sign an existing PDF with a seal.
    Sign(sign_cmds::SignArgs),
    /// Demo: a fresh data dir from keys-example, all seals provisioned.
    Demo(seal_cmds::DemoArgs),
    /// Verify the seals of a signed PDF, offline.
    Verify(verify_cmd::VerifyArgs),
    /// Serve the online service (resident and clerk pages, JSON API).
    Serve(serve_cmd::ServeArgs),
    /// Manage clerk and admin accounts.
    #[command(subcommand)]
    Users(users_cmds::UsersCommand),
    /// Check the audit chain.
    #[command(subcommand)]
    Audit(audit_cmd::AuditCommand),
}

/// The command line with the configuration file's values as defaults:
/// flags and environment variables still win over the file.
pub fn with_file_defaults(
    mut cmd: clap::Command,
    file: &std::collections::BTreeMap<String, String>,
) -> clap::Command {
    fn set(cmd: clap::Command, id: &str, value: &str) -> clap::Command {
        if cmd.get_arguments().any(|a| a.get_id() == id) {
            // Read once at start-up; clap keeps defaults as &'static str.
            let value: &'static str = Box::leak(value.to_string().into_boxed_str());
            cmd.mut_arg(id, move |a| a.default_value(value))
        } else {
            cmd
        }
    }
    for (k, v) in file {
        cmd = set(cmd, k, v);
        for sub in ["serve", "demo"] {
            let (k, v) = (k.clone(), v.clone());
            cmd = cmd.mut_subcommand(sub, move |s| set(s, &k, &v));
        }
    }
    cmd
}

/// Run the parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match cli.command {
            Command::Init => pki_cmds::init(&cli.settings).await,
            Command::Pki(c) => pki_cmds::run(&cli.settings, c).await,
            Command::Seals(c) => seal_cmds::run(&cli.settings, c).await,
            Command::Templates(c) => document_cmds::run_templates(c),
            Command::Render(a) => document_cmds::render(&cli.settings, a).await,
            Command::Issue(a) => issue_cmds::run_issue(&cli.settings, a).await,
            Command::Sign(a) => issue_cmds::run_sign_cmd(&cli.settings, a).await,
            Command::Demo(a) => seal_cmds::demo(cli.settings, a).await,
            Command::Verify(args) => verify_cmd::run(&cli.settings, args).await,
            Command::Serve(a) => serve_cmd::serve(&cli.settings, a).await,
            Command::Users(c) => users_cmds::run(&cli.settings, c).await,
            Command::Audit(c) => audit_cmd::run(&cli.settings, c).await,
        }
    })
}

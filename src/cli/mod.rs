//! The `eseal` command line. Each subcommand family lives in its own file;
//! this file only lists them and dispatches.

use clap::{Parser, Subcommand};

pub mod verify_cmd;

#[derive(Debug, Parser)]
#[command(name = "eseal", version, about = "Ganyu District electronic seal service")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Verify the seals of a signed PDF, offline.
    Verify(verify_cmd::VerifyArgs),
}

/// Run the parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Verify(args) => verify_cmd::run(args),
    }
}

//! The `eseal` command line. Each subcommand family lives in its own file;
//! this file only lists them and dispatches.

pub mod sign_cmds;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "eseal", version, about = "Ganyu District electronic seal service")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {}

/// Run the parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {}
}

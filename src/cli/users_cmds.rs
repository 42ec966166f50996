//! `eseal users ...`: clerk and admin accounts (run by the district admin
//! on the server).

use std::io::BufRead;

use clap::Subcommand;
use zeroize::Zeroizing;

use crate::accounts::{self, Role, password};
use crate::configuration::Settings;
use crate::domain::SealId;
use crate::configuration::installation::Installation;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create an account; prints a generated password unless --password-stdin.
    Add {
        #[arg(long)]
        username: String,
        /// clerk or admin.
        #[arg(long, value_parser = Role::parse)]
        role: Role,
        /// A seal the clerk works for (repeat for several).
        #[arg(long = "seal", value_parser = SealId::parse)]
        seals: Vec<SealId>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account: its sessions end and its API tokens stop working.
    Disable { username: String },
    /// Give an account a new password (printed, or read with --password-stdin).
    ResetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

fn password_from(stdin: bool) -> anyhow::Result<(Zeroizing<String>, bool)> {
    if stdin {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin().lock().read_line(&mut line)?;
        let p = Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_string());
        Ok((p, false))
    } else {
        Ok((Zeroizing::new(password::generate()?), true))
    }
}

pub async fn run(settings: &Settings, cmd: UsersCommand) -> anyhow::Result<i32> {
    let inst = Installation::open(settings).await?;
    let store = &inst.store;
    let actor = "cli";
    let result = async {
        match cmd {
            UsersCommand::Add {
                username,
                role,
                seals,
                password_stdin,
            } => {
                let (pw, generated) = password_from(password_stdin)?;
                accounts::add_user(store, &username, role, &seals, &pw, actor).await?;
                println!(
                    "created {} {username} for seal(s): {}",
                    role.as_str(),
                    seals
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if generated {
                    println!("password: {}", pw.as_str());
                }
            }
            UsersCommand::Disable { username } => {
                accounts::disable_user(store, &username, actor).await?;
                println!("disabled {username}");
            }
            UsersCommand::ResetPassword {
                username,
                password_stdin,
            } => {
                let (pw, generated) = password_from(password_stdin)?;
                accounts::reset_password(store, &username, &pw, actor).await?;
                println!("password of {username} reset");
                if generated {
                    println!("password: {}", pw.as_str());
                }
            }
        }
        Ok::<_, anyhow::Error>(0)
    }
    .await;
    inst.store.close().await;
    result
}

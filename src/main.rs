use clap::Parser;

/// Wiring only: the command line and the environment become one typed
/// [`Settings`](eseal::configuration::Settings), read here once and passed
/// down; library code never reads the environment.
fn main() {
    let cli = eseal::cli::Cli::parse();
    let env: std::collections::BTreeMap<String, String> = std::env::vars()
        .filter(|(k, _)| k.starts_with("ESEAL_"))
        .collect();
    let settings = match eseal::configuration::Settings::resolve(&env, &cli.flags) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    match eseal::cli::run(cli, settings) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}

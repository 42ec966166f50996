use clap::{CommandFactory, FromArgMatches};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let file = match eseal::configuration::load_file(&args) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let matches = eseal::cli::with_file_defaults(eseal::cli::Cli::command(), file).get_matches();
    let cli = match eseal::cli::Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    match eseal::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}

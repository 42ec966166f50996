use clap::Parser;

fn main() {
    let cli = eseal::cli::Cli::parse();
    match eseal::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    }
}

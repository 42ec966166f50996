//! `eseal serve --listen ADDR`: the online service.

use std::net::SocketAddr;

use clap::Args;

use crate::configuration::Settings;
use crate::web::{Application, shutdown_signal};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ESEAL_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Log as JSON lines (for log collectors) instead of text.
    #[arg(long, env = "ESEAL_LOG_JSON")]
    pub log_json: bool,
}

fn init_tracing(json: bool) {
    let filter = crate::configuration::var("log")
        .and_then(|f| tracing_subscriber::EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // A second initialisation (tests calling in-process) is harmless.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

pub async fn serve(settings: &Settings, args: ServeArgs) -> anyhow::Result<i32> {
    init_tracing(args.log_json);
    let app = Application::build(settings, args.listen).await?;
    let addr = SocketAddr::new(args.listen.ip(), app.port());
    tracing::info!(%addr, "serving");
    println!("eseal listening on http://{addr}");
    app.run_until_stopped(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(0)
}

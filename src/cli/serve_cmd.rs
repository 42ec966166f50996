//! `eseal serve --listen ADDR`: the online service.

use std::net::SocketAddr;

use clap::Args;

use crate::configuration::Settings;
use crate::web::{Application, shutdown_signal};

/// Integrate audit entries into the tree every second, and timestamp the
/// tree at start-up and then every `audit_anchor_secs` (default one hour).
/// A failure is logged and retried at the next tick; it never stops the
/// service.
fn spawn_audit_anchoring(services: &crate::web::Services) -> anyhow::Result<()> {
    let secs: u64 = match crate::configuration::var("audit_anchor_secs") {
        Some(s) => s
            .parse()
            .map_err(|_| anyhow::anyhow!("audit_anchor_secs {s:?} is not a number of seconds"))?,
        None => 3600,
    };
    let store = services.store.clone();
    let tsa = services.issuer.tsa.clone();
    let integrating = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = crate::audit::integrate(&integrating).await {
                tracing::warn!(error = %e, "audit entries not integrated");
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(secs.max(1)));
        loop {
            tick.tick().await;
            match crate::audit::anchor_head(&store, tsa.as_ref()).await {
                Ok(Some(size)) => tracing::info!(size, "audit tree timestamped"),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "audit head not timestamped"),
            }
        }
    });
    Ok(())
}

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
    let services = crate::web::Services::open(settings).await?;
    spawn_audit_anchoring(&services)?;
    let app = Application::from_services(services, args.listen).await?;
    let addr = SocketAddr::new(args.listen.ip(), app.port());
    tracing::info!(%addr, "serving");
    println!("eseal listening on http://{addr}");
    app.run_until_stopped(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(0)
}

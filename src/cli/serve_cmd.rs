//! `eseal serve --listen ADDR`: the online service.

use std::net::SocketAddr;

use clap::Args;

use crate::configuration::Settings;
use crate::web::{Application, shutdown_signal};

/// Integrate audit entries into the tree every second, and timestamp the
/// tree at start-up and then every `audit_anchor_secs` (default one hour).
/// A failure is logged and retried at the next tick; it never stops the
/// service.
fn spawn_audit_anchoring(services: &crate::web::Services, secs: u64) {
    let store = services.store.clone();
    let tsa = services.issuer.tsa.clone();
    let integrating = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // Finished minutes of public timestamp requests become entries
            // first, so this integration takes them in.
            if let Err(e) = crate::audit::tsa_use::record(&integrating).await {
                tracing::warn!(error = %e, "timestamp authority use not recorded");
            }
            if let Err(e) = crate::audit::integrate(&integrating).await {
                tracing::warn!(error = %e, "audit entries not integrated");
            }
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(secs.max(1)));
        loop {
            tick.tick().await;
            match crate::audit::anchor_head(&store, tsa.clone()).await {
                Ok(Some(size)) => tracing::info!(size, "audit tree timestamped"),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "audit head not timestamped"),
            }
        }
    });
}

/// Forget rate-limit windows and login counts untouched for a day (bounds
/// the tables under floods of made-up clients and usernames), hourly.
fn spawn_purging(services: &crate::web::Services) {
    let store = services.store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = crate::web::purge_counters(&store, 86_400).await {
                tracing::warn!(error = %e, "rate limits not purged");
            }
        }
    });
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [env ESEAL_LISTEN; default 127.0.0.1:8080].
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Log as JSON lines (for log collectors) instead of text [env ESEAL_LOG_JSON].
    #[arg(long)]
    pub log_json: bool,
}

fn init_tracing(filter: &str, json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // A second initialisation (tests calling in-process) is harmless.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The public service never runs beside a root key (issue 16): the root
/// signs only in a ceremony. A demo installation (specimen documents, a
/// public master key) is the one exception. Warns when the root CRLs signed
/// ahead run out within 60 days.
fn refuse_an_online_root(
    inst: &crate::configuration::installation::Installation,
) -> anyhow::Result<()> {
    if inst.root_online() && !inst.specimen {
        anyhow::bail!(
            "a root CA key is in the online keystore: the service does not run beside it. \
             Take the root keys offline into custodians' shares first (`eseal pki root-offline \
             --root-shares M-of-N --root-shares-dir DIR`); only a demo installation (`eseal demo`) \
             serves with its root online"
        );
    }
    Ok(())
}

/// 60 days ahead, at every start: the last root CRL signed ahead expires.
async fn warn_when_root_crls_run_out(inst: &crate::configuration::installation::Installation) {
    if !inst.pki.root_offline() {
        return;
    }
    let end =
        crate::store::root_crls::run_end(&inst.store.pool, crate::custody::root_crl_run::ROOT)
            .await
            .ok()
            .and_then(|(_, end)| end);
    let now = crate::store::now_unix();
    if end.is_none_or(|end| end - now < 60 * 86_400) {
        tracing::warn!(
            until = end.unwrap_or(0),
            "the root CRLs signed ahead run out within 60 days: hold `eseal pki ceremony crls --share FILE...`"
        );
    }
}

pub async fn serve(settings: &Settings, args: ServeArgs) -> anyhow::Result<i32> {
    let mut settings = settings.clone();
    if let Some(listen) = args.listen {
        settings.listen = listen;
    }
    settings.log_json |= args.log_json;
    init_tracing(&settings.log, settings.log_json);
    let services = crate::web::Services::open(&settings).await?;
    refuse_an_online_root(&services.issuer.inst)?;
    warn_when_root_crls_run_out(&services.issuer.inst).await;
    spawn_audit_anchoring(&services, settings.audit_anchor_secs);
    tokio::spawn(crate::seal::crl_publication::run_schedule(
        services.issuer.inst.clone(),
    ));
    spawn_purging(&services);
    let app = Application::from_services(services, &settings).await?;
    let addr = SocketAddr::new(settings.listen.ip(), app.port());
    tracing::info!(%addr, "serving");
    println!("eseal listening on http://{addr}");
    app.run_until_stopped(shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(0)
}

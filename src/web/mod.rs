//! The online service over HTTP: resident pages, clerk pages, the JSON API
//! under `/api/v1/`, health checks.
//!
//! [`Application::build`] binds the listener first (port 0 in tests) so the
//! caller learns the port before serving; [`Application::run_until_stopped`]
//! serves until the shutdown future completes, then drains in-flight
//! requests (graceful shutdown).

pub(crate) mod api;
mod auth;
mod client;
mod code_lookup;
mod download;
mod edge_headers;
mod error;
mod health;
mod limits;
mod login;
mod pages;
pub(crate) mod pki;
mod query_text;
mod serve;
mod state;
mod text_input;
pub mod verification;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::configuration::Settings;

pub use api::ApiDoc;
pub use error::{ApiError, ErrorBody};
pub use limits::purge_counters;
pub use state::{AppState, Inner, Services};

/// Largest request body accepted anywhere (forms and JSON are small).
pub const BODY_LIMIT: usize = 64 * 1024;

/// The whole router with its layers; `body_timeout` is the longest pause
/// allowed while a request body arrives (408 after it).
pub fn router(state: AppState, body_timeout: std::time::Duration) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    // The built-in RFC 3161 authority answers `POST /tsa` for anyone.
    let tsa = match state.services.issuer.inst.timestamp_authority() {
        // Every request is limited per client and counted for the audit
        // log before the TSA key signs (`limits::timestamp`).
        Ok(t) => crate::tsa::http::router(Arc::new(t)).layer(axum::middleware::from_fn_with_state(
            state.clone(),
            timestamp_gate,
        )),
        Err(e) => {
            tracing::error!(error = %e, "the built-in timestamp authority is not served");
            Router::new()
        }
    };
    Router::new()
        .merge(health::router())
        .merge(api::router())
        .merge(pages::router())
        .merge(pki::router())
        .fallback(pages::not_found)
        .with_state(state.clone())
        .merge(tsa)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            query_text::checked_query,
        ))
        .layer(axum::middleware::from_fn(record_request))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(
            move |req: Request, next: axum::middleware::Next| {
                // Every body read fails once the client pauses longer than
                // `body_timeout` (a slow drip holds nothing for long).
                let req = req.map(|b| {
                    axum::body::Body::new(tower_http::timeout::TimeoutBody::new(body_timeout, b))
                });
                next.run(req)
            },
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request| {
                // The matched route, never the URI: paths and queries carry
                // tracking tokens and codes.
                let route = req
                    .extensions()
                    .get::<MatchedPath>()
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_else(|| "<unmatched>".into());
                let id = req
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-")
                    .to_string();
                tracing::info_span!("request", method = %req.method(), route, request_id = id)
            }),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(axum::middleware::from_fn(edge_headers::checked_request_id))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            edge_headers::secure_cookies,
        ))
        // Pages and JSON carry personal data: nothing is cached unless a
        // route says otherwise (certificates and CRLs are public).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
            ),
        ))
}

/// The public timestamp authority's gate: see [`limits::timestamp`].
async fn timestamp_gate(
    axum::extract::State(state): axum::extract::State<AppState>,
    client::ClientAddr(client): client::ClientAddr,
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match limits::timestamp(&state, &client).await {
        Ok(()) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// Count the request and its latency under its route template.
async fn record_request(req: Request, next: axum::middleware::Next) -> axum::response::Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "<unmatched>".to_string(), |m| m.as_str().to_string());
    let method = req.method().to_string();
    let started = std::time::Instant::now();
    let resp = next.run(req).await;
    crate::metrics::metrics().request(&method, &route, resp.status().as_u16(), started.elapsed());
    resp
}

/// A bound, ready-to-serve application.
pub struct Application {
    listener: tokio::net::TcpListener,
    port: u16,
    router: Router,
    limits: serve::ConnectionLimits,
}

impl Application {
    /// Open the installation in `settings`, load the templates and bind
    /// `settings.listen`.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        Self::from_services(Services::open(settings).await?, settings).await
    }

    /// Bind `settings.listen` and prepare to serve `services` with the
    /// limits in `settings`.
    pub async fn from_services(services: Services, settings: &Settings) -> anyhow::Result<Self> {
        // Start-up: the CRLs are published (signed, audited) if missing or
        // past half their life, before any request can ask for them.
        let inst = &services.issuer.inst;
        crate::seal::crl_publication::publish_due(
            &inst.store,
            inst.signer.as_ref(),
            crate::seal::crl_publication::Authorities::of(inst),
            "system",
        )
        .await?;
        // No approval pays for copying the WAL back (see `store::checkpoint`).
        inst.store.checkpoint_in_background();
        let listener = serve::bind(settings.listen)?;
        let port = listener.local_addr()?.port();
        let secs = std::time::Duration::from_secs;
        Ok(Self {
            listener,
            port,
            router: router(
                AppState::new(services, settings),
                secs(settings.body_timeout_secs),
            ),
            limits: serve::ConnectionLimits {
                max_connections: serve::clamp_to_file_limit(settings.max_connections),
                header_read_timeout: secs(settings.header_read_timeout_secs),
                idle_timeout: secs(settings.idle_timeout_secs),
            },
        })
    }

    /// The bound port (useful when binding port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serve until `shutdown` completes, then finish in-flight requests.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        serve::serve(self.listener, self.router, self.limits, shutdown).await
    }
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

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
mod error;
mod health;
mod limits;
mod pages;
pub(crate) mod pki;
mod serve;
pub mod verification;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::application::Catalog;
use crate::configuration::Settings;
use crate::configuration::installation::Installation;
use crate::document::Templates;
use crate::issuance::Issuer;
use crate::store::Store;

pub use api::ApiDoc;
pub use error::{ApiError, ErrorBody};

/// Largest request body accepted anywhere (forms and JSON are small).
pub const BODY_LIMIT: usize = 64 * 1024;

/// What the web layer needs from the rest of the service.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub catalog: Catalog,
    pub issuer: Arc<Issuer>,
    /// Public base URL, e.g. `https://eseal.ganyu.gov.cn`; cookies are
    /// `Secure` when it is https.
    pub public_url: String,
}

impl Services {
    /// The services of the installation in `settings`.
    pub async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let inst = Arc::new(Installation::open(settings).await?);
        let templates = Arc::new(Templates::configured(settings.templates.as_deref())?);
        let issuer = Arc::new(Issuer::new(inst.clone(), templates.clone())?);
        Ok(Self {
            store: inst.store.clone(),
            catalog: Catalog::new(templates).with_font(issuer.font.clone()),
            public_url: inst.public_url.clone(),
            issuer,
        })
    }
}

/// The state shared by every handler.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The contents of [`AppState`].
pub struct Inner {
    pub services: Services,
    pub(crate) secure_cookies: bool,
    /// Rate limits, counted in the database.
    pub(crate) limits: limits::Limits,
    /// Peers whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub(crate) trusted_proxies: Vec<crate::domain::Cidr>,
    /// Verification: a slot is taken before the upload is read.
    pub(crate) verify_slots: crate::admission::Admission,
    pub(crate) upload_timeout: std::time::Duration,
    /// Password hashing: one slot per core (or `login_concurrency`), a
    /// short queue, the rest refused (each hash takes 19 MiB and a core).
    pub(crate) hashing: crate::admission::Admission,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(services: Services, settings: &Settings) -> Self {
        let hashing_slots = match settings.login_concurrency {
            0 => crate::admission::cores(),
            n => n,
        };
        let secure_cookies = services.public_url.starts_with("https://");
        Self(Arc::new(Inner {
            services,
            secure_cookies,
            limits: limits::Limits::from_settings(settings),
            trusted_proxies: settings.trusted_proxies.clone(),
            verify_slots: verification::slots(settings.verify_concurrency),
            upload_timeout: std::time::Duration::from_secs(settings.upload_timeout_secs),
            // Four waiting per slot, for at most two seconds: a login takes
            // ~50 ms of one core, so a waiter is served or refused quickly.
            hashing: crate::admission::Admission::new(
                hashing_slots,
                4 * hashing_slots,
                std::time::Duration::from_secs(2),
            ),
        }))
    }
    pub fn store(&self) -> &Store {
        &self.services.store
    }
    pub fn catalog(&self) -> &Catalog {
        &self.services.catalog
    }
}

/// The whole router with its layers; `body_timeout` is the longest pause
/// allowed while a request body arrives (408 after it).
pub fn router(state: AppState, body_timeout: std::time::Duration) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    // The built-in RFC 3161 authority answers `POST /tsa` for anyone.
    let tsa = match state.services.issuer.inst.timestamp_authority() {
        Ok(t) => crate::tsa::http::router(Arc::new(t)),
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
        let listener = tokio::net::TcpListener::bind(settings.listen).await?;
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

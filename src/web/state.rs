//! The state every handler shares: the services (store, catalog, issuer)
//! and the edge's bounds (rate limits, admission slots for verification and
//! password hashing), built once from the settings at start-up.

use std::sync::Arc;

use crate::application::Catalog;
use crate::configuration::Settings;
use crate::configuration::installation::Installation;
use crate::document::Templates;
use crate::issuance::Issuer;
use crate::store::Store;

use super::{limits, verification};

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
    /// Served at an https URL (`public_url` at serve time, not the one
    /// fixed at `init`): every cookie is `Secure`.
    pub(crate) served_over_https: bool,
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
    /// The trust store verification uses, refreshed every second.
    pub(crate) verify_trust: verification::TrustCache,
    /// Lifetime of a new API token, in days.
    pub(crate) api_token_days: i64,
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
        Self(Arc::new(Inner {
            services,
            served_over_https: settings.public_url.starts_with("https://"),
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
            verify_trust: verification::TrustCache::default(),
            api_token_days: settings.api_token_days,
        }))
    }
    pub fn store(&self) -> &Store {
        &self.services.store
    }
    pub fn catalog(&self) -> &Catalog {
        &self.services.catalog
    }
}

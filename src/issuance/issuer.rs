//! The issuer the online service holds: everything [`issue`](super::issue)
//! needs, owned, so that handlers can borrow an [`IssueContext`] per call.

use std::sync::Arc;

use super::IssueContext;
use crate::document::Templates;
use crate::font::FontBook;
use crate::installation::Installation;
use crate::pades::PadesLevel;
use crate::tsa::{HttpTsaClient, TimestampClient};

/// An installation's issuing pipeline: templates, font, timestamp client,
/// PAdES level, and whether documents are specimens (demo).
pub struct Issuer {
    pub inst: Arc<Installation>,
    pub templates: Arc<Templates>,
    pub font: Arc<FontBook>,
    pub tsa: Arc<dyn TimestampClient>,
    pub public_url: String,
    pub specimen: bool,
    pub level: PadesLevel,
    pub crls: super::issue::CrlCache,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("public_url", &self.public_url)
            .field("specimen", &self.specimen)
            .field("level", &self.level)
            .finish_non_exhaustive()
    }
}

/// The timestamp client: an external RFC 3161 TSA when `ESEAL_TSA_URL` is
/// set (its failure fails the issuance), else the built-in authority.
pub fn tsa_client(inst: &Installation) -> anyhow::Result<Arc<dyn TimestampClient>> {
    match crate::configuration::var("tsa_url") {
        Some(url) if !url.is_empty() => Ok(Arc::new(HttpTsaClient::new(
            &url,
            std::time::Duration::from_secs(15),
        )?)),
        _ => Ok(Arc::new(inst.timestamp_authority()?)),
    }
}

/// `ESEAL_PADES_LEVEL` sets the installation's default level (B-LT if unset).
pub fn default_level() -> anyhow::Result<PadesLevel> {
    match crate::configuration::var("pades_level") {
        Some(s) if !s.is_empty() => {
            PadesLevel::parse(&s).map_err(|e| anyhow::anyhow!("ESEAL_PADES_LEVEL: {e}"))
        }
        _ => Ok(PadesLevel::default()),
    }
}

impl Issuer {
    /// The pipeline of an opened installation, configured from the
    /// environment (`ESEAL_TSA_URL`, `ESEAL_PADES_LEVEL`).
    pub fn new(inst: Arc<Installation>, templates: Arc<Templates>) -> anyhow::Result<Self> {
        let tsa = tsa_client(&inst)?;
        Ok(Self {
            public_url: inst.public_url.clone(),
            specimen: inst.specimen,
            templates,
            font: crate::font::shared()?,
            tsa,
            level: default_level()?,
            crls: super::issue::CrlCache::default(),
            inst,
        })
    }

    /// The borrowed context one issuance uses.
    pub fn context(&self) -> IssueContext<'_> {
        IssueContext {
            inst: &self.inst,
            templates: &self.templates,
            font: self.font.clone(),
            tsa: self.tsa.as_ref(),
            public_url: self.public_url.clone(),
            specimen: self.specimen,
            crls: Some(&self.crls),
        }
    }
}

//! The issuer the online service holds: everything [`issue`](super::issue)
//! needs, owned, so that handlers can borrow an [`IssueContext`] per call.

use std::sync::Arc;

use super::IssueContext;
use crate::configuration::installation::Installation;
use crate::document::Templates;
use crate::font::FontBook;
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
    pub turns: super::SealTurns,
    /// The SM2 TSA, when the installation has the SM2 hierarchy: every
    /// document is then issued as PDF and as its sealed OFD twin.
    pub ofd_tsa: Option<Arc<crate::tsa::TimestampAuthority>>,
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

/// The timestamp client: an external RFC 3161 TSA when the `tsa_url`
/// setting names one (its failure fails the issuance), else the built-in
/// authority.
pub fn tsa_client(inst: &Installation) -> anyhow::Result<Arc<dyn TimestampClient>> {
    let s = &inst.settings;
    match &s.tsa_url {
        Some(url) => {
            let roots = match &s.tsa_ca_file {
                Some(p) => std::fs::read(p)
                    .map_err(|e| anyhow::anyhow!("tsa_ca_file {}: {e}", p.display()))?,
                None => Vec::new(),
            };
            Ok(Arc::new(HttpTsaClient::with_roots(
                url,
                std::time::Duration::from_secs(s.tsa_timeout_secs),
                &roots,
            )?))
        }
        None => Ok(Arc::new(inst.timestamp_authority()?)),
    }
}

impl Issuer {
    /// The pipeline of an opened installation, configured from its
    /// settings (`tsa_url`, `pades_level`, `font`).
    pub fn new(inst: Arc<Installation>, templates: Arc<Templates>) -> anyhow::Result<Self> {
        let tsa = tsa_client(&inst)?;
        let ofd_tsa = match &inst.sm2 {
            Some(_) => Some(Arc::new(inst.sm2_timestamp_authority()?)),
            None => None,
        };
        Ok(Self {
            ofd_tsa,
            public_url: inst.public_url.clone(),
            specimen: inst.specimen,
            templates,
            font: crate::font::load(&inst.settings.font)?,
            tsa,
            level: inst.settings.pades_level,
            crls: super::issue::CrlCache::default(),
            turns: super::SealTurns::default(),
            inst,
        })
    }

    /// The borrowed context one issuance uses.
    pub fn context(&self) -> IssueContext<'_> {
        IssueContext {
            inst: &self.inst,
            templates: &self.templates,
            font: self.font.clone(),
            tsa: self.tsa.clone(),
            public_url: self.public_url.clone(),
            specimen: self.specimen,
            crls: Some(&self.crls),
            turns: Some(&self.turns),
            ofd_tsa: self.ofd_tsa.clone(),
        }
    }
}

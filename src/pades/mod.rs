//! PAdES baseline signatures (ETSI EN 319 142-1): B-B, B-T, B-LT, B-LTA.
//!
//! [`sign`] runs explicit steps, each a module of its own:
//!
//! 1. [`prepare`]: an incremental update adding the signature field (with the
//!    visible seal as its appearance) and the signature dictionary with
//!    `/ByteRange` and `/Contents` placeholders;
//! 2. [`byte_range`]: the SHA-256 digest of everything but `/Contents`;
//! 3. [`cades`]: the detached CMS SignedData, signed through
//!    [`crypto::Signer`](crate::crypto::Signer); for B-T and up with a
//!    signature timestamp from a [`TimestampClient`];
//! 4. [`embed`]: the DER into `/Contents`;
//! 5. [`dss`] (B-LT): a revision with the Document Security Store;
//! 6. [`doc_timestamp`] (B-LTA): a document timestamp over all of it.
//!
//! The input is never modified, only appended to, so signing an already
//! signed PDF leaves its signatures valid. This module knows nothing of how
//! documents are rendered or verified.

pub mod byte_range;
pub mod cades;
pub mod doc_timestamp;
pub mod dss;
pub mod embed;
mod error;
pub mod field;
pub mod prepare;

pub use error::PadesError;

use crate::crypto::{KeyRef, Signer};
use crate::pdf::{IncrementalFile, ReadLimits};
use crate::signing::signed_data;
use crate::tsa::TimestampClient;

/// How much a signature carries for long-term validation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PadesLevel {
    /// The signature alone.
    BB,
    /// Plus a signature timestamp.
    BT,
    /// Plus the DSS with every certificate and CRL needed offline (default).
    #[default]
    BLT,
    /// Plus a document timestamp over the DSS.
    BLTA,
}

impl PadesLevel {
    /// Parse `B-B`, `B-T`, `B-LT` or `B-LTA` (case-insensitive).
    pub fn parse(s: &str) -> Result<Self, PadesError> {
        match s.to_ascii_uppercase().as_str() {
            "B-B" => Ok(Self::BB),
            "B-T" => Ok(Self::BT),
            "B-LT" => Ok(Self::BLT),
            "B-LTA" => Ok(Self::BLTA),
            _ => Err(PadesError::BadLevel(s.into())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::BB => "B-B",
            Self::BT => "B-T",
            Self::BLT => "B-LT",
            Self::BLTA => "B-LTA",
        }
    }
}

impl std::fmt::Display for PadesLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PadesLevel {
    type Err = PadesError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Who signs: the key (used only through [`Signer::sign`]) and its certs.
pub struct SigningIdentity<'a> {
    pub signer: &'a dyn Signer,
    pub key: &'a KeyRef,
    /// The seal certificate (DER).
    pub cert_der: Vec<u8>,
    /// Issuing CA certificates, nearest first (DER), e.g. the seal CA. The
    /// root may be included; validators take it from their trust store.
    pub chain_der: Vec<Vec<u8>>,
}

/// A visible seal: the widget's rectangle on a page and the content stream
/// that draws it, in a box `[0 0 width height]` of the rectangle's size. The
/// stream may use only operators needing no resources (paths, colours).
#[derive(Clone, Debug, PartialEq)]
pub struct VisibleSeal {
    /// 0-based page index.
    pub page_index: usize,
    /// `[x0 y0 x1 y1]` in default user space.
    pub rect: [f32; 4],
    /// PDF content-stream operators.
    pub appearance: Vec<u8>,
}

/// What goes into the DSS (B-LT, B-LTA): certificates and CRLs, DER.
/// The signer's cert and chain and the TSA's certs are added automatically.
#[derive(Clone, Debug, Default)]
pub struct LtvMaterial {
    pub certs: Vec<Vec<u8>>,
    pub crls: Vec<Vec<u8>>,
}

/// Per-call options.
pub struct SignOptions<'a> {
    pub level: PadesLevel,
    /// `/Reason`, e.g. `村级证明电子签章`.
    pub reason: String,
    pub location: String,
    pub name: String,
    pub visible: Option<VisibleSeal>,
    /// `/M`, the claimed signing time (the trusted one is the timestamp).
    pub signing_time: time::OffsetDateTime,
    /// Used for B-T and up.
    pub tsa: &'a dyn TimestampClient,
    pub validation: LtvMaterial,
}

/// Room for the CMS beyond its certificates: attributes, signature and the
/// signature timestamp token with the TSA's certificates.
const CMS_OVERHEAD: usize = 2 * 1024;
const TOKEN_RESERVE: usize = 12 * 1024;

/// A signed PDF and what its new signature covers.
#[derive(Clone, Debug)]
pub struct SignedPdf {
    /// The input followed by the appended revisions.
    pub bytes: Vec<u8>,
    /// SHA-256 over the byte range of the signature this call added (the
    /// digest its CMS signs), which the registry finds the document by.
    pub signed_digest: [u8; 32],
}

/// Sign `pdf` (any unencrypted PDF, signed or not) at `opts.level`.
pub fn sign(
    pdf: &[u8],
    identity: &SigningIdentity<'_>,
    opts: &SignOptions<'_>,
) -> Result<SignedPdf, PadesError> {
    let mut file = IncrementalFile::open(pdf, ReadLimits::default())?;
    let certs_len: usize =
        identity.cert_der.len() + identity.chain_der.iter().map(Vec::len).sum::<usize>();
    let timestamped = opts.level >= PadesLevel::BT;
    let reserve = certs_len + CMS_OVERHEAD + if timestamped { TOKEN_RESERVE } else { 0 };

    let kind = prepare::SigDict::Signature {
        reason: &opts.reason,
        location: &opts.location,
        name: &opts.name,
        time: opts.signing_time,
    };
    let ph = prepare::prepare(&mut file, &kind, opts.visible.as_ref(), reserve)?;
    let digest = byte_range::digest(&file.bytes, &ph);
    let cades = cades::build(identity, &digest, timestamped.then_some(opts.tsa))?;
    embed::embed(&mut file.bytes, &ph, &cades.cms_der)?;

    if opts.level >= PadesLevel::BLT {
        let mut certs = vec![identity.cert_der.clone()];
        certs.extend(identity.chain_der.iter().cloned());
        if let Some(token) = &cades.timestamp_token {
            certs.extend(signed_data::embedded_certs(token)?);
        }
        certs.extend(opts.validation.certs.iter().cloned());
        dss::add_dss(&mut file, &certs, &opts.validation.crls)?;
    }
    if opts.level >= PadesLevel::BLTA {
        doc_timestamp::add_document_timestamp(&mut file, opts.tsa)?;
    }
    Ok(SignedPdf {
        bytes: file.bytes,
        signed_digest: digest,
    })
}

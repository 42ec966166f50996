//! The one OFD layer (GB/T 33190-2016), as [`crate::pdf`] is for PDF: an
//! OFD document is a ZIP package of XML parts and resources.
//!
//! - [`package`]: reading a package with every resource bounded before it
//!   is consumed (entry count, sizes, expansion ratio, entry names,
//!   duplicates) and writing one deterministically;
//! - [`xml`]: a bounded XML reader (no DTD, no entities beyond the five
//!   predefined ones, limited depth, size and element count) into a small
//!   tree, and its writer;
//! - [`structure`]: finding the document root, its pages and its
//!   signatures list through `OFD.xml`;
//! - [`signatures`]: `Signatures.xml` and `Signature.xml` (§18), written
//!   and read;
//! - [`sign`]: sealing a package with a GB/T 38540 electronic signature
//!   (电子签章) through the signing core.
//!
//! Writing a document's page as OFD lives in `document::ofd`; verifying
//! an OFD in `verify::ofd`, which uses the reading half of this layer and
//! never [`sign`].

pub mod package;
pub mod sign;
pub mod signatures;
pub mod structure;
pub mod xml;

pub use package::{Package, PackageLimits, looks_like_zip};
pub use xml::{Element, XmlLimits};

/// The OFD namespace of GB/T 33190-2016.
pub const NS: &str = "http://www.ofdspec.org/2016";

/// What is wrong with an OFD package. Each names the part concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OfdError {
    #[error("not a ZIP archive: {0}")]
    NotZip(String),
    #[error("the package has no OFD.xml: not an OFD document")]
    NotOfd,
    #[error("the package has {count} entries (at most {max} are read)")]
    TooManyEntries { count: usize, max: usize },
    #[error("entry {name} is larger than {max} bytes uncompressed")]
    EntryTooLarge { name: String, max: u64 },
    #[error("the entries together are larger than {max} bytes uncompressed")]
    TotalTooLarge { max: u64 },
    #[error("entry {name} expands more than {ratio}-fold (a zip bomb)")]
    Bomb { name: String, ratio: u64 },
    #[error("entry name {name:?} is not a plain relative path inside the package")]
    BadName { name: String },
    #[error("two entries of the package have the same name")]
    Duplicate,
    #[error("entry {name} is encrypted")]
    Encrypted { name: String },
    #[error("entry {name} uses a compression method other than stored or deflate")]
    Compression { name: String },
    #[error("{part}: {reason}")]
    Xml { part: String, reason: String },
    #[error("{part}: XML document type declarations (DTD, entities) are refused")]
    Doctype { part: String },
    #[error("{part}: the XML is larger, deeper or has more elements than allowed ({what})")]
    XmlLimit { part: String, what: String },
    #[error("{part} is missing from the package")]
    Missing { part: String },
    #[error("{0}")]
    Structure(String),
}

impl OfdError {
    pub(crate) fn xml(part: &str, reason: impl std::fmt::Display) -> Self {
        Self::Xml {
            part: part.to_string(),
            reason: reason.to_string(),
        }
    }
}

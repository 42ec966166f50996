use crate::crypto::CryptoError;
use crate::pdf::PdfError;
use crate::signing::signed_data::SignedDataError;
use crate::tsa::TsaError;

/// Why a PDF could not be signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PadesError {
    /// The input is not a PDF this signer can extend.
    #[error("cannot sign this PDF: {0}")]
    BadPdf(String),
    /// The visible seal names a page the document does not have.
    #[error("the seal is placed on page {} but the document has {pages} page(s)", index + 1)]
    NoSuchPage { index: usize, pages: usize },
    /// Unknown level name.
    #[error("unknown PAdES level {0:?}: expected B-B, B-T, B-LT or B-LTA")]
    BadLevel(String),
    /// The CMS outgrew the space reserved for it (a bug in the estimate, or
    /// an unusually long certificate chain).
    #[error("signature needs {needed} bytes but only {reserved} were reserved in /Contents")]
    ContentsTooSmall { needed: usize, reserved: usize },
    /// The file is beyond 10-digit offsets (over 9.3 GB).
    #[error("the PDF is too large to sign")]
    TooLarge,
    /// Building the CMS failed (e.g. the seal cert is not DER).
    #[error(transparent)]
    Cms(#[from] SignedDataError),
    /// The signing core refused.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The timestamp authority failed: the document is not issued untimestamped.
    #[error("timestamping failed, the document was not signed: {0}")]
    Timestamp(#[from] TsaError),
}

impl From<PdfError> for PadesError {
    fn from(e: PdfError) -> Self {
        match e {
            PdfError::Encrypted => {
                PadesError::BadPdf("the PDF is encrypted; remove its password first".into())
            }
            other => PadesError::BadPdf(other.to_string()),
        }
    }
}

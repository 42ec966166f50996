/// Why a PDF could not be read. The verifier maps each variant to a stable
/// reason code in its report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    #[error("not a PDF file (no %PDF- header)")]
    NotPdf,
    #[error("file is larger than the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("no startxref / cross-reference table found: the file is truncated or not a PDF")]
    NoStartXref,
    #[error("malformed PDF at byte {offset}: {what}")]
    Syntax { offset: usize, what: &'static str },
    #[error("cross-reference chain loops back to byte {offset}")]
    XrefLoop { offset: usize },
    #[error("limit exceeded: {what}")]
    Limit { what: &'static str },
    #[error("the document is encrypted; encrypted documents cannot be verified")]
    Encrypted,
    #[error("unsupported stream filter {0}")]
    UnsupportedFilter(String),
    #[error("corrupt compressed stream")]
    BadStream,
    #[error("object {num} is referenced but not defined")]
    Missing { num: u32 },
    #[error("object {num} is not a {expected}")]
    WrongType { num: u32, expected: &'static str },
}

impl PdfError {
    pub(crate) fn syntax(offset: usize, what: &'static str) -> Self {
        PdfError::Syntax { offset, what }
    }
}

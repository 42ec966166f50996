//! The sealed PDF (or its OFD twin) as a download, the same for the API
//! and the pages: the document number (Chinese) as the file name, never
//! cached.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A PDF download response.
pub(crate) fn pdf_response(number: &str, pdf: Vec<u8>) -> Response {
    file_response(number, "pdf", "application/pdf", pdf)
}

/// An OFD download response (GB/T 33190 names no media type; `application/ofd`
/// is what OFD readers register).
pub(crate) fn ofd_response(number: &str, ofd: Vec<u8>) -> Response {
    file_response(number, "ofd", "application/ofd", ofd)
}

fn file_response(number: &str, ext: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    // The document number is Chinese; RFC 5987 encoding for the filename.
    let encoded: String = format!("{number}.{ext}")
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"document.{ext}\"; filename*=UTF-8''{encoded}"),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}

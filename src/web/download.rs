//! The sealed PDF as a download, the same for the API and the pages:
//! the document number (Chinese) as the file name, never cached.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A PDF download response.
pub(crate) fn pdf_response(number: &str, pdf: Vec<u8>) -> Response {
    // The document number is Chinese; RFC 5987 encoding for the filename.
    let encoded: String = format!("{number}.pdf")
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
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"document.pdf\"; filename*=UTF-8''{encoded}"),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        pdf,
    )
        .into_response()
}

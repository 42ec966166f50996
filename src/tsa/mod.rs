//! RFC 3161 timestamps: the district's built-in authority
//! ([`TimestampAuthority`]), the client side of the protocol
//! ([`exchange`]), a client for an external authority over HTTP
//! ([`HttpTsaClient`]) and the `POST /tsa` endpoint ([`http::router`]).
//!
//! Signing code asks a [`TimestampClient`] for a token and gets either a
//! token that matches its request or an error — never silence.

mod authority;
mod error;
pub mod exchange;
pub mod http;
mod http_client;
pub mod status;

pub use authority::{DEFAULT_POLICY, TimestampAuthority};
pub use error::TsaError;
pub use http_client::HttpTsaClient;

use der::asn1::ObjectIdentifier;

/// id-ct-TSTInfo (RFC 3161).
pub const ID_CT_TST_INFO: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// Something that timestamps a SHA-256 digest.
///
/// A call may wait for an external authority: make it from a blocking
/// thread (`spawn_blocking`), as issuance and the audit anchoring do, never
/// from an async task.
pub trait TimestampClient: Send + Sync {
    /// An RFC 3161 `TimeStampToken` (DER `ContentInfo`) over `digest`, checked
    /// to answer this request (status granted, same imprint, same nonce).
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, TsaError>;
}

/// The built-in authority answers in-process, through the same request and
/// response encoding as over HTTP.
impl TimestampClient for TimestampAuthority {
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, TsaError> {
        let req = exchange::Request::new(digest)?;
        let resp = self.respond(&req.der);
        req.token_from_response(&resp)
    }
}

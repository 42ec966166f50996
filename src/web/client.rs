//! Who the client is: the peer address, or — only when the peer is one of
//! the configured trusted proxies — the address the proxy reports in
//! `X-Forwarded-For` (the rightmost entry that is not itself a trusted
//! proxy: entries further left are whatever the client chose to send), and
//! whether the proxy was reached over https (`X-Forwarded-Proto`).
//! Headers from anyone else are ignored.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::{ApiError, AppState};
use crate::domain::{Cidr, canonical, client_block};

/// The client of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    pub ip: IpAddr,
    /// A trusted proxy says the client reached it over https.
    pub forwarded_https: bool,
}

impl Client {
    /// The rate-limit key of the client: its IPv4 address or IPv6 /64.
    pub fn block(&self) -> String {
        client_block(self.ip)
    }
}

/// The client behind `peer`, given the request headers.
pub fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> Client {
    let peer = canonical(peer);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return Client {
            ip: peer,
            forwarded_https: false,
        };
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut ip = peer;
    for hop in hops.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(a) => {
                ip = canonical(a);
                if !is_trusted(ip) {
                    break;
                }
            }
            // An entry we cannot read: stop at the last one we could.
            Err(_) => break,
        }
    }
    let forwarded_https = headers
        .get_all("x-forwarded-proto")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()
        .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"));
    Client {
        ip,
        forwarded_https,
    }
}

/// Extracts the [`Client`] of a request.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Client);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no peer address")))?;
        Ok(Self(client_of(peer, &parts.headers, &state.trusted_proxies)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(xff).unwrap());
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        h
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let trusted = [Cidr::parse("10.0.0.0/8").unwrap()];
        let h = headers("6.6.6.6, 203.0.113.7, 10.0.0.2");
        let c = client_of("10.0.0.1".parse().unwrap(), &h, &trusted);
        assert_eq!(c.ip, "203.0.113.7".parse::<IpAddr>().unwrap());
        assert!(c.forwarded_https);
        let c = client_of("198.51.100.1".parse().unwrap(), &h, &trusted);
        assert_eq!(c.ip, "198.51.100.1".parse::<IpAddr>().unwrap());
        assert!(!c.forwarded_https);
        let c = client_of("10.0.0.1".parse().unwrap(), &HeaderMap::new(), &trusted);
        assert_eq!(c.ip, "10.0.0.1".parse::<IpAddr>().unwrap());
    }
}

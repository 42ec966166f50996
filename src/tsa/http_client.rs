//! A client for an external RFC 3161 authority over HTTP or HTTPS
//! (RFC 3161 §3.4: `application/timestamp-query` in, `-reply` out).
//!
//! The request is made by reqwest's async client (hyper, rustls with the
//! system's roots plus any configured CA) on a small runtime of the
//! client's own, so [`TimestampClient::timestamp`] can be called from the
//! blocking threads that sign documents without tying up the service's
//! async threads, and without a deadlock whatever runtime (if any) the
//! caller is on. Connecting, the whole exchange and the reply's size are
//! bounded; any failure is an error for that issuance.

use std::sync::Arc;
use std::time::Duration;

use super::exchange::Request;
use super::http::{QUERY_TYPE, REPLY_TYPE};
use super::{TimestampClient, TsaError};

/// Largest reply accepted: tokens with their certs are a few KB.
const MAX_REPLY: usize = 256 * 1024;

/// The runtime the requests run on, shut down without blocking when the
/// last client clone goes (dropping a runtime may happen on an async thread).
struct ClientRuntime(Option<tokio::runtime::Runtime>);

impl Drop for ClientRuntime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// Posts `application/timestamp-query` to `url`.
#[derive(Clone)]
pub struct HttpTsaClient {
    url: reqwest::Url,
    http: reqwest::Client,
    timeout: Duration,
    runtime: Arc<ClientRuntime>,
}

impl std::fmt::Debug for HttpTsaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpTsaClient")
            .field("url", &self.url.as_str())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl HttpTsaClient {
    /// A client for `url` (`http://` or `https://`); `timeout` bounds each
    /// exchange, connection included.
    pub fn new(url: &str, timeout: Duration) -> Result<Self, TsaError> {
        Self::with_roots(url, timeout, &[])
    }

    /// Also trust `extra_roots_pem` (PEM certs) for `https://`, e.g. the CA
    /// of a TSA inside the government network.
    pub fn with_roots(
        url: &str,
        timeout: Duration,
        extra_roots_pem: &[u8],
    ) -> Result<Self, TsaError> {
        let cfg = |m: String| TsaError::Config(format!("TSA URL {url:?}: {m}"));
        let parsed = reqwest::Url::parse(url).map_err(|e| cfg(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(cfg("only http:// and https:// URLs are supported".into()));
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(cfg("no host".into()));
        }
        let mut builder = reqwest::Client::builder()
            .connect_timeout(timeout)
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("eseal/", env!("CARGO_PKG_VERSION")));
        if !extra_roots_pem.is_empty() {
            for cert in reqwest::Certificate::from_pem_bundle(extra_roots_pem)
                .map_err(|e| cfg(format!("extra CA certs: {e}")))?
            {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(|e| cfg(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("eseal-tsa-client")
            .enable_all()
            .build()
            .map_err(|e| cfg(format!("runtime: {e}")))?;
        Ok(Self {
            url: parsed,
            http,
            timeout,
            runtime: Arc::new(ClientRuntime(Some(runtime))),
        })
    }

    fn err(&self, reason: impl Into<String>) -> TsaError {
        TsaError::Transport {
            url: self.url.to_string(),
            reason: reason.into(),
        }
    }

    async fn post(
        http: reqwest::Client,
        url: reqwest::Url,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, String> {
        let mut resp = http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, QUERY_TYPE)
            .header(reqwest::header::ACCEPT, REPLY_TYPE)
            .body(body)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(format!("HTTP status {}", resp.status().as_u16()));
        }
        let ct = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.to_ascii_lowercase().starts_with(REPLY_TYPE) {
            return Err(format!("reply is not {REPLY_TYPE}"));
        }
        if resp.content_length().is_some_and(|n| n > MAX_REPLY as u64) {
            return Err(format!("reply larger than {MAX_REPLY} bytes"));
        }
        let mut out = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| describe(&e))? {
            if out.len() + chunk.len() > MAX_REPLY {
                return Err(format!("reply larger than {MAX_REPLY} bytes"));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// One exchange, waited for on the calling thread.
    fn exchange(&self, body: Vec<u8>) -> Result<Vec<u8>, TsaError> {
        let rt = self
            .runtime
            .0
            .as_ref()
            .ok_or_else(|| self.err("client shut down"))?;
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let fut = Self::post(self.http.clone(), self.url.clone(), body);
        rt.spawn(async move {
            let _ = tx.send(fut.await);
        });
        // reqwest's own timeout ends the exchange; this is the backstop.
        match rx.recv_timeout(self.timeout + Duration::from_secs(1)) {
            Ok(r) => r.map_err(|e| self.err(e)),
            Err(_) => Err(self.err(format!("no answer within {:?}", self.timeout))),
        }
    }
}

/// reqwest's error with its causes (connection refused, certificate ...).
fn describe(e: &reqwest::Error) -> String {
    let mut s = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "cannot connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut src = std::error::Error::source(e);
    while let Some(cause) = src {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        src = cause.source();
    }
    s
}

impl TimestampClient for HttpTsaClient {
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, TsaError> {
        let req = Request::new(digest)?;
        let resp = self.exchange(req.der.clone())?;
        req.token_from_response(&resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_http_and_https_urls_and_refuses_others() {
        for ok in ["http://tsa.example:8080/ts", "https://tsa.example/"] {
            assert!(
                HttpTsaClient::new(ok, Duration::from_secs(1)).is_ok(),
                "{ok}"
            );
        }
        for bad in ["ftp://x/", "tsa.example", "http://"] {
            assert!(
                matches!(
                    HttpTsaClient::new(bad, Duration::from_secs(1)),
                    Err(TsaError::Config(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn unreachable_tsa_is_an_error_from_any_thread() {
        let c = HttpTsaClient::new("http://127.0.0.1:9/tsa", Duration::from_millis(500)).unwrap();
        assert!(matches!(
            c.timestamp(&[0; 32]),
            Err(TsaError::Transport { .. })
        ));
        // Also from inside another runtime's blocking thread, and dropped there.
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let r = rt.block_on(async move {
            tokio::task::spawn_blocking(move || c.timestamp(&[1; 32]))
                .await
                .unwrap()
        });
        assert!(matches!(r, Err(TsaError::Transport { .. })));
    }
}

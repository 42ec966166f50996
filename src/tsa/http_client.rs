//! A client for an external RFC 3161 authority reached over plain HTTP
//! (`http://host[:port]/path`, what public TSAs commonly serve; the token is
//! itself signed, so transport encryption adds no integrity). Any failure is
//! an error for that issuance.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::exchange::Request;
use super::http::{QUERY_TYPE, REPLY_TYPE};
use super::{TimestampClient, TsaError};

const MAX_REPLY: usize = 256 * 1024;

/// Posts `application/timestamp-query` to `url`.
#[derive(Clone, Debug)]
pub struct HttpTsaClient {
    url: String,
    host: String,
    port: u16,
    path: String,
    timeout: Duration,
}

impl HttpTsaClient {
    pub fn new(url: &str, timeout: Duration) -> Result<Self, TsaError> {
        let cfg = |m: &str| TsaError::Config(format!("TSA URL {url:?}: {m}"));
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| cfg("only http:// URLs are supported"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| cfg("bad port"))?),
            None => (authority, 80),
        };
        if host.is_empty() {
            return Err(cfg("no host"));
        }
        Ok(Self {
            url: url.into(),
            host: host.into(),
            port,
            path: path.into(),
            timeout,
        })
    }

    fn post(&self, body: &[u8]) -> Result<Vec<u8>, TsaError> {
        let err = |reason: String| TsaError::Transport {
            url: self.url.clone(),
            reason,
        };
        let addr = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| err(format!("cannot resolve: {e}")))?
            .next()
            .ok_or_else(|| err("no address".into()))?;
        let mut s = TcpStream::connect_timeout(&addr, self.timeout)
            .map_err(|e| err(format!("connect: {e}")))?;
        s.set_read_timeout(Some(self.timeout))
            .map_err(|e| err(e.to_string()))?;
        s.set_write_timeout(Some(self.timeout))
            .map_err(|e| err(e.to_string()))?;
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: {QUERY_TYPE}\r\nAccept: {REPLY_TYPE}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.path,
            self.host,
            body.len()
        );
        s.write_all(head.as_bytes())
            .and_then(|_| s.write_all(body))
            .map_err(|e| err(format!("send: {e}")))?;
        let mut raw = Vec::new();
        s.take(MAX_REPLY as u64 + 4096)
            .read_to_end(&mut raw)
            .map_err(|e| err(format!("receive: {e}")))?;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or_else(|| err("no HTTP header".into()))?;
        let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
        let status = head.split_whitespace().nth(1).unwrap_or("");
        if status != "200" {
            return Err(err(format!("HTTP status {status}")));
        }
        if !head.contains(REPLY_TYPE) {
            return Err(err(format!("reply is not {REPLY_TYPE}")));
        }
        let body = raw[split + 4..].to_vec();
        if head.contains("transfer-encoding: chunked") {
            return dechunk(&body).ok_or_else(|| err("bad chunked encoding".into()));
        }
        Ok(body)
    }
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

impl TimestampClient for HttpTsaClient {
    fn timestamp(&self, digest: &[u8; 32]) -> Result<Vec<u8>, TsaError> {
        let req = Request::new(digest)?;
        let resp = self.post(&req.der)?;
        req.token_from_response(&resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls_and_refuses_https() {
        let c = HttpTsaClient::new("http://tsa.example:8080/ts", Duration::from_secs(1)).unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.path.as_str()),
            ("tsa.example", 8080, "/ts")
        );
        assert!(matches!(
            HttpTsaClient::new("https://x/", Duration::from_secs(1)),
            Err(TsaError::Config(_))
        ));
    }

    #[test]
    fn dechunks() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n").unwrap(),
            b"abcde"
        );
        assert!(dechunk(b"9\r\nabc").is_none());
    }

    #[test]
    fn unreachable_tsa_is_an_error() {
        let c = HttpTsaClient::new("http://127.0.0.1:9/tsa", Duration::from_millis(500)).unwrap();
        assert!(matches!(
            c.timestamp(&[0; 32]),
            Err(TsaError::Transport { .. })
        ));
    }
}

//! The built-in RFC 3161 authority, checked by openssl and by the protocol's
//! rejection rules; and the `POST /tsa` endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod pades_common;
use pades_common as common;

use std::process::Command;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::*;
use der::{Decode, Encode};
use eseal::tsa::status::{self as st, TimeStampResp};
use eseal::tsa::{self, TimestampClient, TsaError, exchange};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn status_of(resp: &[u8]) -> (u8, Option<u8>) {
    let r = TimeStampResp::from_der(resp).unwrap();
    (r.status.status, r.status.failure_bit())
}

#[test]
fn openssl_accepts_a_reply_to_its_own_query() {
    let Some(openssl) = tool("openssl") else {
        return;
    };
    let pki = Pki::new();
    let dir = scratch("tsa-openssl");
    pki.write_pems(&dir);
    let data = dir.join("data.txt");
    std::fs::write(&data, "赣榆区 村级证明").unwrap();
    for cert_flag in [true, false] {
        let q = dir.join("q.tsq");
        let mut cmd = Command::new(&openssl);
        cmd.args(["ts", "-query", "-sha256", "-data"])
            .arg(&data)
            .arg("-out")
            .arg(&q);
        if cert_flag {
            cmd.arg("-cert");
        }
        let o = run(&mut cmd);
        assert!(o.ok, "{}", o.text);
        let reply = pki.tsa.respond(&std::fs::read(&q).unwrap());
        assert_eq!(status_of(&reply).0, st::GRANTED);
        let r = dir.join("r.tsr");
        std::fs::write(&r, &reply).unwrap();
        let o = run(Command::new(&openssl)
            .args(["ts", "-verify", "-in"])
            .arg(&r)
            .arg("-data")
            .arg(&data)
            .arg("-CAfile")
            .arg(dir.join("root.pem"))
            .arg("-untrusted")
            .arg(dir.join("tsa.pem")));
        assert!(
            o.ok && o.text.contains("Verification: OK"),
            "certReq={cert_flag}: {}",
            o.text
        );
        // And against the query itself (nonce, imprint, policy).
        let o = run(Command::new(&openssl)
            .args(["ts", "-verify", "-in"])
            .arg(&r)
            .arg("-queryfile")
            .arg(&q)
            .arg("-CAfile")
            .arg(dir.join("root.pem"))
            .arg("-untrusted")
            .arg(dir.join("tsa.pem")));
        assert!(o.ok && o.text.contains("Verification: OK"), "{}", o.text);
        let o = run(Command::new(&openssl)
            .args(["ts", "-reply", "-text", "-in"])
            .arg(&r));
        assert!(
            o.text.contains("Granted") && o.text.contains("Accuracy: 0x01 seconds"),
            "{}",
            o.text
        );
        assert!(
            o.text.contains(&tsa::DEFAULT_POLICY.to_string()),
            "{}",
            o.text
        );
        // A different file does not verify.
        std::fs::write(&data, "tampered").unwrap();
        let o = run(Command::new(&openssl)
            .args(["ts", "-verify", "-in"])
            .arg(&r)
            .arg("-data")
            .arg(&data)
            .arg("-CAfile")
            .arg(dir.join("root.pem"))
            .arg("-untrusted")
            .arg(dir.join("tsa.pem")));
        assert!(!o.text.contains("Verification: OK"), "{}", o.text);
        std::fs::write(&data, "赣榆区 村级证明").unwrap();
    }
}

#[test]
fn malformed_and_unsupported_requests_are_rejected_not_crashes() {
    let pki = Pki::new();
    // bit numbers of PKIFailureInfo (RFC 4210 §5.2.3)
    let bad_alg = 0;
    let bad_data_format = 5;
    let unaccepted_policy = 15;
    for garbage in [
        &b""[..],
        b"\x30",
        b"\x30\x03\x02\x01\x01",
        b"not der at all",
        &[0xff; 300],
    ] {
        let (status, fail) = status_of(&pki.tsa.respond(garbage));
        assert_eq!(status, st::REJECTION);
        assert_eq!(fail, Some(bad_data_format));
    }
    // A valid request with SHA-1 is refused with badAlg.
    let req = exchange::Request::new(&[7; 32]).unwrap();
    let mut parsed = x509_tsp::TimeStampReq::from_der(&req.der).unwrap();
    parsed.message_imprint.hash_algorithm.oid = const_oid::db::rfc5912::ID_SHA_1;
    parsed.message_imprint.hashed_message = der::asn1::OctetString::new(vec![1u8; 20]).unwrap();
    let (status, fail) = status_of(&pki.tsa.respond(&parsed.to_der().unwrap()));
    assert_eq!((status, fail), (st::REJECTION, Some(bad_alg)));
    // A policy we do not offer: unacceptedPolicy.
    let mut parsed = x509_tsp::TimeStampReq::from_der(&req.der).unwrap();
    parsed.req_policy = Some(der::asn1::ObjectIdentifier::new_unwrap("1.2.3.4"));
    let (status, fail) = status_of(&pki.tsa.respond(&parsed.to_der().unwrap()));
    assert_eq!((status, fail), (st::REJECTION, Some(unaccepted_policy)));
    // Wrong digest length for SHA-256.
    let mut parsed = x509_tsp::TimeStampReq::from_der(&req.der).unwrap();
    parsed.message_imprint.hashed_message = der::asn1::OctetString::new(vec![1u8; 31]).unwrap();
    let (status, _) = status_of(&pki.tsa.respond(&parsed.to_der().unwrap()));
    assert_eq!(status, st::REJECTION);
    // The client side turns a rejection into an error.
    let err = req
        .token_from_response(&pki.tsa.respond(b"junk"))
        .unwrap_err();
    assert!(
        matches!(
            err,
            TsaError::Rejected {
                status: 2,
                fail_bit: Some(5),
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn tokens_echo_the_nonce_and_have_unique_serials() {
    let pki = Pki::new();
    let mut serials = std::collections::HashSet::new();
    for i in 0..50u8 {
        let req = exchange::Request::new(&[i; 32]).unwrap();
        let token = req.token_from_response(&pki.tsa.respond(&req.der)).unwrap();
        let ci = cms::content_info::ContentInfo::from_der(&token).unwrap();
        let tst = exchange::tst_info(&ci).unwrap();
        assert!(serials.insert(tst.serial_number.as_bytes().to_vec()));
        assert_eq!(tst.policy, tsa::DEFAULT_POLICY);
        assert_eq!(tst.accuracy.unwrap().seconds, Some(1));
        let age = time::OffsetDateTime::now_utc().unix_timestamp() as u64
            - tst.gen_time.to_unix_duration().as_secs();
        assert!(age < 5);
    }
    // A response to another request is refused by the client.
    let a = exchange::Request::new(&[1; 32]).unwrap();
    let b = exchange::Request::new(&[1; 32]).unwrap();
    let err = a.token_from_response(&pki.tsa.respond(&b.der)).unwrap_err();
    assert!(matches!(err, TsaError::Mismatch(_)), "{err}");
    // The in-process client path works end to end.
    assert!(pki.tsa.timestamp(&[9; 32]).is_ok());
}

#[tokio::test]
async fn http_endpoint_speaks_rfc3161() {
    let pki = Pki::new();
    let app = tsa::http::router(pki.tsa.clone());
    let req = exchange::Request::new(&[3; 32]).unwrap();
    let resp = app
        .clone()
        .oneshot(
            Request::post("/tsa")
                .header("content-type", "application/timestamp-query")
                .body(Body::from(req.der.clone()))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.headers()["content-type"],
        "application/timestamp-reply"
    );
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    req.token_from_response(&body).unwrap();

    // Garbage gets a well-formed rejection, not a 500.
    let resp = app
        .clone()
        .oneshot(
            Request::post("/tsa")
                .header("content-type", "application/timestamp-query")
                .body(Body::from("hello"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(status_of(&body).0, st::REJECTION);

    // Wrong media type.
    let resp = app
        .oneshot(
            Request::post("/tsa")
                .header("content-type", "text/plain")
                .body(Body::from("x"))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn external_http_client_against_a_real_socket() {
    let pki = Pki::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = tsa::http::router(pki.tsa.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = tsa::HttpTsaClient::new(
        &format!("http://127.0.0.1:{port}/tsa"),
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    let token = tokio::task::spawn_blocking(move || client.timestamp(&[5; 32]))
        .await
        .unwrap()
        .unwrap();
    let ci = cms::content_info::ContentInfo::from_der(&token).unwrap();
    assert_eq!(
        exchange::tst_info(&ci)
            .unwrap()
            .message_imprint
            .hashed_message
            .as_bytes(),
        &[5; 32]
    );
    // A wrong path is an HTTP error, i.e. an error for the issuance.
    let bad = tsa::HttpTsaClient::new(
        &format!("http://127.0.0.1:{port}/nope"),
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    let err = tokio::task::spawn_blocking(move || bad.timestamp(&[5; 32]))
        .await
        .unwrap()
        .unwrap_err();
    assert!(matches!(err, TsaError::Transport { .. }), "{err}");
}

/// An HTTPS authority (a TLS proxy in Python in front of the built-in one):
/// the client speaks TLS, trusts a configured CA, and refuses an unknown one.
#[tokio::test]
async fn external_https_client_with_a_configured_ca() {
    let pki = Pki::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = tsa::http::router(pki.tsa.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let (cert_pem, key_pem) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_pem, cert.pem()).unwrap();
    std::fs::write(&key_pem, key.serialize_pem()).unwrap();
    let script = r#"
import http.server, ssl, sys, urllib.request
upstream, cert, key = sys.argv[1], sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        req = urllib.request.Request(upstream, data=body, headers={"Content-Type": self.headers["Content-Type"]})
        with urllib.request.urlopen(req) as r:
            data, ct = r.read(), r.headers["Content-Type"]
        self.send_response(200)
        self.send_header("Content-Type", ct)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], flush=True)
srv.serve_forever()
"#;
    let mut proxy = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(format!("http://127.0.0.1:{port}/tsa"))
        .arg(&cert_pem)
        .arg(&key_pem)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(proxy.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let url = format!("https://localhost:{}/tsa", line.trim());

    let trusting = tsa::HttpTsaClient::with_roots(
        &url,
        std::time::Duration::from_secs(5),
        cert.pem().as_bytes(),
    )
    .unwrap();
    let token = tokio::task::spawn_blocking(move || trusting.timestamp(&[7; 32]))
        .await
        .unwrap();
    let stranger = tsa::HttpTsaClient::new(&url, std::time::Duration::from_secs(5)).unwrap();
    let refused = tokio::task::spawn_blocking(move || stranger.timestamp(&[7; 32]))
        .await
        .unwrap();
    let _ = proxy.kill();
    let _ = proxy.wait();
    let token = token.expect("a token over https");
    let ci = cms::content_info::ContentInfo::from_der(&token).unwrap();
    assert_eq!(
        exchange::tst_info(&ci)
            .unwrap()
            .message_imprint
            .hashed_message
            .as_bytes(),
        &[7; 32]
    );
    let err = refused.unwrap_err();
    assert!(
        matches!(&err, TsaError::Transport { reason, .. } if reason.contains("certificate")),
        "{err}"
    );
}

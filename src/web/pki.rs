//! The district PKI's public material over HTTP: the trust anchor for
//! third parties, the chain, and the CRLs at the distribution points named
//! in the certs (`/pki/seal-ca.crl`, `/pki/root.crl`); the SM2 hierarchy's
//! under `/pki/sm2/` (`root.pem`, `chain.pem`, `seal-ca.crl`), 404 in an
//! installation without one.

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::{ApiError, AppState};
use crate::seal::crl_publication;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pki/root.pem", get(root_pem))
        .route("/pki/root.crt", get(root_der))
        .route("/pki/chain.pem", get(chain_pem))
        .route("/pki/seal-ca.crl", get(seal_ca_crl))
        .route("/pki/root.crl", get(root_crl))
        .route("/pki/sm2/root.pem", get(sm2_root_pem))
        .route("/pki/sm2/chain.pem", get(sm2_chain_pem))
        .route("/pki/sm2/seal-ca.crl", get(sm2_seal_ca_crl))
}

fn sm2(state: &AppState) -> Result<&crate::pki::Sm2Pki, ApiError> {
    state
        .services
        .issuer
        .inst
        .sm2
        .as_ref()
        .ok_or(ApiError::NotFound)
}

async fn sm2_root_pem(State(state): State<AppState>) -> Result<Response, ApiError> {
    let pem = crate::pki::cert_pem(&sm2(&state)?.root.cert_der);
    Ok(body("application/x-pem-file", pem.into_bytes()))
}

async fn sm2_chain_pem(State(state): State<AppState>) -> Result<Response, ApiError> {
    let s = sm2(&state)?;
    let pem: String = s
        .chain_ders()
        .iter()
        .chain(std::iter::once(&s.root.cert_der))
        .map(|d| crate::pki::cert_pem(d))
        .collect();
    Ok(body("application/x-pem-file", pem.into_bytes()))
}

async fn sm2_seal_ca_crl(State(state): State<AppState>) -> Result<Response, ApiError> {
    // Stored only: a public request never signs (see seal::crl_publication).
    sm2(&state)?;
    let der = crl_publication::stored_sm2(state.store())
        .await
        .map_err(ApiError::internal)?
        .ok_or(ApiError::Unavailable {
            code: "crl_unpublished",
            message: "吊销列表尚未发布，请稍后再试".into(),
        })?;
    Ok(body("application/pkix-crl", der))
}

fn body(content_type: &'static str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        bytes,
    )
        .into_response()
}

async fn root_pem(State(state): State<AppState>) -> Response {
    let der = &state.services.issuer.inst.pki.root.cert_der;
    body(
        "application/x-pem-file",
        crate::pki::cert_pem(der).into_bytes(),
    )
}

async fn root_der(State(state): State<AppState>) -> Response {
    body(
        "application/pkix-cert",
        state.services.issuer.inst.pki.root.cert_der.clone(),
    )
}

async fn chain_pem(State(state): State<AppState>) -> Response {
    let pki = &state.services.issuer.inst.pki;
    let pem: String = [&pki.seal_ca.cert_der, &pki.tsa.cert_der, &pki.root.cert_der]
        .iter()
        .map(|d| crate::pki::cert_pem(d))
        .collect();
    body("application/x-pem-file", pem.into_bytes())
}

/// The CRLs as published by the service's schedule: read from storage,
/// never signed here (a public request never opens the keystore).
pub(crate) async fn published(state: &AppState) -> Result<crl_publication::Crls, ApiError> {
    crl_publication::stored(state.store())
        .await?
        .ok_or(ApiError::Unavailable {
            code: "crl_unpublished",
            message: "吊销列表尚未发布，请稍后再试".into(),
        })
}

async fn seal_ca_crl(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(body(
        "application/pkix-crl",
        published(&state).await?.seal_ca,
    ))
}

async fn root_crl(State(state): State<AppState>) -> Result<Response, ApiError> {
    Ok(body("application/pkix-crl", published(&state).await?.root))
}

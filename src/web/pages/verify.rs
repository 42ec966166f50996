//! The public verification pages: `/verify` (pick or drop a PDF, see the
//! verdict) and the QR landing `/v/{id}?c=CODE` (the document's record with
//! personal data masked, its status, and the original PDF).

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;

use super::{PageError, render};
use crate::domain::{DocumentState, IdNumber, PersonName};
use crate::verify::{Report, SignatureKind, TimeSource, Verdict};
use crate::web::client::ClientAddr;
use crate::web::code_lookup::{self, CodeQuery};
use crate::web::verification::{UPLOAD_LIMIT, receive, verify_upload};
use crate::web::{ApiError, AppState};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/verify",
            get(verify_form)
                .post(verify)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
        .route("/v/{id}", get(landing))
        .route("/v/{id}/document.pdf", get(landing_pdf))
        .route("/v/{id}/document.ofd", get(landing_ofd))
}

async fn verify_form() -> Result<Response, PageError> {
    Ok(render("verify.html", context! {})?.into_response())
}

/// One signature as the page shows it.
#[derive(Debug, serde::Serialize)]
struct SealView {
    holder: String,
    seal_id: String,
    kind: &'static str,
    time: String,
    time_proven: bool,
    level: String,
    verdict: &'static str,
    verdict_label: &'static str,
    /// A data: URI of the seal's appearance (only for seals of this
    /// installation's PKI, whose holder names are ours).
    image: Option<String>,
    reasons: Vec<String>,
}

fn verdict_label(v: Verdict) -> (&'static str, &'static str) {
    match v {
        Verdict::Valid => ("valid", "有效"),
        Verdict::ValidWithWarnings => ("warning", "有效（有提示）"),
        Verdict::Invalid => ("invalid", "无效"),
        Verdict::Indeterminate => ("indeterminate", "无法确认"),
    }
}

fn beijing(rfc3339: &str) -> String {
    let fmt =
        time::macros::format_description!("[year]年[month]月[day]日 [hour]:[minute]:[second]");
    time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.to_offset(time::macros::offset!(+8)))
        .and_then(|t| t.format(&fmt).ok())
        .map_or_else(|| rfc3339.to_string(), |s| format!("{s}（北京时间）"))
}

fn seal_image(font: &crate::font::FontBook, holder: &str) -> Option<String> {
    use base64::Engine;
    let svg = crate::seal::SealAppearance::new(font, holder, None)
        .ok()?
        .to_svg(160.0);
    Some(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ))
}

fn seals_of(font: &crate::font::FontBook, report: &Report, trusted_root: bool) -> Vec<SealView> {
    report
        .signatures
        .iter()
        .map(|s| {
            let (verdict, verdict_label) = verdict_label(s.verdict);
            let holder = s
                .signer
                .as_ref()
                .and_then(|c| c.subject_cn.clone())
                .unwrap_or_default();
            let chained =
                trusted_root && s.trust_anchor.is_some() && s.kind == SignatureKind::Signature;
            SealView {
                image: if chained && !holder.is_empty() {
                    seal_image(font, &holder)
                } else {
                    None
                },
                seal_id: s
                    .signer
                    .as_ref()
                    .and_then(|c| c.seal_id.clone())
                    .unwrap_or_default(),
                kind: match s.kind {
                    SignatureKind::Signature => "电子印章",
                    SignatureKind::DocumentTimestamp => "文档时间戳",
                },
                time: s
                    .signing_time
                    .as_ref()
                    .map(|t| beijing(&t.time))
                    .unwrap_or_default(),
                time_proven: s
                    .signing_time
                    .as_ref()
                    .is_some_and(|t| t.source == TimeSource::Timestamp),
                // PAdES's level for a PDF; what the signature is for an OFD.
                level: match (s.pades_level, s.sub_filter.as_deref()) {
                    (Some(l), _) => format!("PAdES {l}"),
                    (None, Some(f)) if f.starts_with("GB/T 38540") => "GB/T 38540 电子签章".into(),
                    _ => String::new(),
                },
                verdict,
                verdict_label,
                reasons: s.reasons.iter().map(|r| r.zh()).collect(),
                holder,
            }
        })
        .collect()
}

async fn verify(State(state): State<AppState>, req: Request) -> Result<Response, PageError> {
    let upload = match receive(&state, req).await {
        Ok(p) => p,
        Err(e) => {
            let status = e.status();
            let html = render("verify.html", context! { error => e.body().message })?;
            return Ok((status, html).into_response());
        }
    };
    let v = verify_upload(&state, upload).await?;
    let (verdict, verdict_label) = verdict_label(v.report.verdict);
    let seals = seals_of(&state.services.issuer.font, &v.report, true);
    let document = v.record.as_ref().map(|d| {
        context! {
            number => d.number,
            kind => state.catalog().title_of(&d.kind),
            holder => d.holder,
            status => if d.status == DocumentState::Voided { "已作废" } else { "有效" },
            voided => d.status == DocumentState::Voided,
            void_reason => d.void_reason,
        }
    });
    let reasons: Vec<String> = v.report.reasons.iter().map(|r| r.zh()).collect();
    let html = render(
        "verify.html",
        context! { result => true, verdict, verdict_label, seals, document, reasons, file_sha256 => v.report.file_sha256 },
    )?;
    Ok(html.into_response())
}

/// Masked applicant details of a stored document.
fn masked_applicant(fields_json: &str) -> (String, String) {
    let v: serde_json::Value = serde_json::from_str(fields_json).unwrap_or_default();
    let name = v["applicant_name"]
        .as_str()
        .and_then(|s| PersonName::parse(s).ok())
        .map(|n| n.masked())
        .unwrap_or_default();
    let id = v["applicant_id"]
        .as_str()
        .and_then(|s| IdNumber::parse(s).ok())
        .map(|n| n.masked())
        .unwrap_or_default();
    (name, id)
}

fn no_store(mut r: Response) -> Response {
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    r
}

async fn landing(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(id): Path<String>,
    Query(q): Query<CodeQuery>,
) -> Result<Response, PageError> {
    let d = code_lookup::document(&state, &client, &id, &q.c).await?;
    let (name, id_number) = masked_applicant(&d.fields_json);
    let kind = state.catalog().title_of(&d.kind);
    let has_ofd = crate::store::document_ofd::exists(&state.store().pool, &d.document_id).await?;
    let code = q.c.trim().to_ascii_uppercase();
    let html = render(
        "landing.html",
        context! {
            number => d.number, kind, holder => d.holder, issued_at => d.issued_at,
            voided => d.status == DocumentState::Voided, voided_at => d.voided_at, void_reason => d.void_reason,
            name, id_number, level => d.pades_level,
            image => seal_image(&state.services.issuer.font, &d.holder),
            download => (d.kind != crate::issuance::SIGNED_OFD_KIND)
                .then(|| format!("/v/{}/document.pdf?c={code}", d.document_id)),
            download_ofd => has_ofd.then(|| format!("/v/{}/document.ofd?c={code}", d.document_id)),
            ses => d.pades_level == crate::issuance::SES_LEVEL,
        },
    )?;
    Ok(no_store(html.into_response()))
}

async fn landing_pdf(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(id): Path<String>,
    Query(q): Query<CodeQuery>,
) -> Result<Response, PageError> {
    let d = code_lookup::document(&state, &client, &id, &q.c).await?;
    let pdf = crate::issuance::records::pdf(state.store(), &d)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(crate::web::download::pdf_response(&d.number, pdf))
}

async fn landing_ofd(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Path(id): Path<String>,
    Query(q): Query<CodeQuery>,
) -> Result<Response, PageError> {
    let d = code_lookup::document(&state, &client, &id, &q.c).await?;
    let ofd = crate::store::document_ofd::ofd(&state.store().pool, &d.document_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(crate::web::download::ofd_response(&d.number, ofd))
}

#[cfg(test)]
mod tests {
    #[test]
    fn applicant_details_are_masked() {
        let (n, id) = super::masked_applicant(
            r#"{"applicant_name":"张三明","applicant_id":"320707199003071233"}"#,
        );
        assert_eq!(n, "张*明");
        assert_eq!(id, "3207**********1233");
    }
}

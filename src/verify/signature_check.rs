//! Checking one signature or document timestamp end to end.

use super::chain::{self, cert_info, rfc3339};
use super::cms::{self, CmsError, Content, EssStatus, oids};
use super::dss::Dss;
use super::integrity;
use super::modification;
use super::report::{
    ChainStatus, Code, Coverage, LaterChange, Reason, RevocationStatus, SignatureKind,
    SignatureReport, SigningTime, TimeSource, TimestampInfo, Verdict,
};
use super::revocation;
use super::signature_field::FoundSignature;
use super::timestamp;
use super::{TrustStore, VerifyOptions};
use crate::pdf::PdfDocument;

/// What the document offers every signature check.
pub struct Context<'a, 'd> {
    pub doc: &'a PdfDocument<'d>,
    pub trust: &'a TrustStore,
    pub opts: &'a VerifyOptions<'a>,
    pub dss: &'a Dss,
    pub now: i64,
    /// genTime and revision of each trusted document timestamp.
    pub doc_timestamps: Vec<(i64, usize)>,
}

/// Internal results the document-level pass needs besides the report.
pub struct Checked {
    pub report: SignatureReport,
    pub signed_revision: Option<usize>,
    pub signed_range_sha256: Option<[u8; 32]>,
    /// For document timestamps: trusted genTime.
    pub doc_timestamp_time: Option<i64>,
}

fn empty_report(index: usize, sig: &FoundSignature) -> SignatureReport {
    SignatureReport {
        index,
        field_name: sig.field_name.clone(),
        kind: if sig.is_document_timestamp() {
            SignatureKind::DocumentTimestamp
        } else {
            SignatureKind::Signature
        },
        sub_filter: sig.sub_filter(),
        verdict: Verdict::Indeterminate,
        intact: false,
        signer: None,
        chain: ChainStatus::NotChecked,
        trust_anchor: None,
        key_usage_ok: false,
        signing_time: None,
        timestamp: None,
        revocation: RevocationStatus::Unknown,
        coverage: None,
        pades_level: None,
        reasons: Vec::new(),
    }
}

fn cms_reason(e: CmsError) -> Reason {
    let code = match &e {
        CmsError::Malformed(_) => Code::CMS_MALFORMED,
        CmsError::Unsupported(_) => Code::UNSUPPORTED_ALGORITHM,
        CmsError::Weak(_) => Code::WEAK_ALGORITHM,
        CmsError::SignerCertMissing => Code::SIGNER_CERT_MISSING,
        CmsError::NoSignedAttributes => Code::CMS_NO_SIGNED_ATTRIBUTES,
        CmsError::ContentType => Code::CMS_CONTENT_TYPE,
        CmsError::DigestMismatch => Code::DIGEST_MISMATCH,
        CmsError::EssMismatch => Code::ESS_MISMATCH,
        CmsError::BadSignature => Code::CMS_SIGNATURE_INVALID,
    };
    match e {
        CmsError::Malformed(w) | CmsError::Weak(w) => Reason::with(code, w),
        CmsError::Unsupported(w) => Reason::with(code, w),
        _ => Reason::new(code),
    }
}

pub fn check(ctx: &Context<'_, '_>, index: usize, sig: &FoundSignature) -> Checked {
    let mut rep = empty_report(index, sig);
    let mut checked = Checked {
        report: rep.clone(),
        signed_revision: None,
        signed_range_sha256: None,
        doc_timestamp_time: None,
    };
    if let Some((code, why)) = &sig.finding {
        rep.reasons.push(Reason::with(*code, why.clone()));
    }
    if sig.dict.0.is_empty() {
        return finish(checked, rep);
    }
    let known = matches!(
        rep.sub_filter.as_deref(),
        Some("ETSI.CAdES.detached" | "adbe.pkcs7.detached" | "ETSI.RFC3161")
    );
    if !known {
        rep.reasons.push(Reason::with(
            Code::UNKNOWN_SUBFILTER,
            rep.sub_filter.clone().unwrap_or_else(|| "(none)".into()),
        ));
        return finish(checked, rep);
    }
    let integ = match integrity::check(ctx.doc, sig, ctx.opts.limits.max_signature_size) {
        Ok(i) => i,
        Err(r) => {
            rep.reasons.push(r);
            return finish(checked, rep);
        }
    };
    checked.signed_revision = integ.signed_revision;
    checked.signed_range_sha256 = Some(integ.digest);
    let mut coverage = Coverage {
        byte_range: integ.byte_range,
        signed_revision: integ.signed_revision,
        covers_whole_file: integ.covers_whole_file,
        bytes_after: integ.bytes_after,
        later_changes: Vec::new(),
    };
    let contents = sig.contents().map(|c| c.0).unwrap_or(&[]);
    let dss_certs: Vec<&[u8]> = ctx.dss.certs.iter().map(Vec::as_slice).collect();

    if rep.kind == SignatureKind::DocumentTimestamp {
        let parts = integ.parts(ctx.doc.bytes());
        let stamped = Content {
            parts: &parts,
            sha256: Some(integ.digest),
        };
        let ts =
            timestamp::check_token_over(contents, &stamped, false, &dss_certs, ctx.trust.anchors());
        rep.reasons.extend(ts.reasons.iter().cloned());
        rep.intact = ts.gen_time.is_some();
        rep.signer = ts.tsa_cert.as_deref().and_then(cert_info);
        if let Some(t) = ts.gen_time {
            rep.signing_time = Some(SigningTime {
                time: rfc3339(t),
                unix: t,
                source: if ts.trusted {
                    TimeSource::Timestamp
                } else {
                    TimeSource::UntrustedTimestamp
                },
            });
            rep.chain = if ts.trusted {
                ChainStatus::Trusted
            } else {
                ChainStatus::UntrustedRoot
            };
            if ts.trusted {
                checked.doc_timestamp_time = Some(t);
            }
        }
    } else {
        check_cms_signature(
            ctx,
            contents,
            &integ,
            &dss_certs,
            sig.claimed_time(),
            &mut rep,
        );
    }

    // What came after the signed revision.
    match integ.signed_revision {
        None => rep
            .reasons
            .push(Reason::new(Code::SIGNED_RANGE_NOT_A_REVISION)),
        Some(_) if coverage.covers_whole_file => {
            rep.reasons.push(Reason::new(Code::COVERS_WHOLE_FILE))
        }
        Some(r) => match modification::analyse(ctx.doc, r) {
            Ok(changes) => {
                for c in &changes {
                    coverage.later_changes.push(LaterChange {
                        revision: c.revision,
                        code: c.code.as_str(),
                        object: c.object,
                        harmless: c.harmless(),
                    });
                    let detail = match (c.object, &c.detail) {
                        (Some(o), Some(d)) => {
                            Some(format!("revision {}, object {o} ({d})", c.revision))
                        }
                        (Some(o), None) => Some(format!("revision {}, object {o}", c.revision)),
                        (None, Some(d)) => Some(format!("revision {}: {d}", c.revision)),
                        (None, None) => None,
                    };
                    let reason = if c.harmless() {
                        Reason::new(c.code)
                    } else {
                        Reason {
                            code: c.code,
                            detail,
                        }
                    };
                    if !rep.reasons.contains(&reason) {
                        rep.reasons.push(reason);
                    }
                }
            }
            Err(e) => rep
                .reasons
                .push(Reason::with(super::pdf_error_code(&e), e.to_string())),
        },
    }
    rep.coverage = Some(coverage);
    finish(checked, rep)
}

fn finish(mut checked: Checked, mut rep: SignatureReport) -> Checked {
    rep.verdict = super::report::verdict_of(&rep.reasons);
    checked.report = rep;
    checked
}

fn check_cms_signature(
    ctx: &Context<'_, '_>,
    contents: &[u8],
    integ: &integrity::Integrity,
    dss_certs: &[&[u8]],
    claimed_m: Option<String>,
    rep: &mut SignatureReport,
) {
    let der = match cms::normalise(contents) {
        Ok(d) => d,
        Err(e) => {
            rep.reasons.push(cms_reason(e));
            return;
        }
    };
    if matches!(der, std::borrow::Cow::Owned(_)) {
        rep.reasons.push(Reason::new(Code::CMS_BER_NORMALISED));
    }
    let sd = match cms::parse_signed_data(&der) {
        Ok(sd) => sd,
        Err(e) => {
            rep.reasons.push(cms_reason(e));
            return;
        }
    };
    if sd.econtent.is_some() || sd.econtent_type != oids::DATA.as_bytes() {
        rep.reasons.push(Reason::with(
            Code::CMS_MALFORMED,
            "not a detached signature over id-data",
        ));
        return;
    }
    let parts = integ.parts(ctx.doc.bytes());
    let signed = Content {
        parts: &parts,
        sha256: Some(integ.digest),
    };
    let signer = match cms::verify_signer(&sd, &signed, &oids::DATA, dss_certs) {
        Ok(s) => s,
        Err(e) => {
            rep.reasons.push(cms_reason(e));
            return;
        }
    };
    rep.intact = true;
    rep.signer = cert_info(&signer.cert_der);
    // ISO 32000-1 §12.8.3.3 allows adbe.pkcs7.detached with or without
    // signed attributes; PAdES (ETSI.CAdES.detached) needs them and ESS.
    let pades = rep.sub_filter.as_deref() == Some("ETSI.CAdES.detached");
    if !signer.signed_attributes {
        rep.reasons.push(Reason::with(
            Code::NOT_PADES_BASELINE,
            "no signed attributes: the signer signed the document bytes directly",
        ));
    } else if !pades {
        rep.reasons.push(Reason::with(
            Code::NOT_PADES_BASELINE,
            rep.sub_filter.clone().unwrap_or_default(),
        ));
    } else {
        match signer.ess {
            EssStatus::V2Matches => {}
            EssStatus::V1Only => rep.reasons.push(Reason::with(
                Code::ESS_MISSING,
                "only the SHA-1 signing-certificate attribute",
            )),
            EssStatus::Missing => rep.reasons.push(Reason::new(Code::ESS_MISSING)),
        }
    }
    let mut pool: Vec<&[u8]> = sd.certs.clone();
    pool.extend_from_slice(dss_certs);

    // Time: the signature timestamp, else the claim.
    let mut ts_time: Option<i64> = None;
    if let Some(attr) = sd.signer.unsigned_attr(&oids::ATTR_SIGNATURE_TIMESTAMP) {
        let token = attr.values.first().map(|t| t.raw).unwrap_or(&[]);
        let stamped = Content {
            parts: &[sd.signer.signature],
            sha256: None,
        };
        let ts = timestamp::check_token_over(token, &stamped, false, &pool, ctx.trust.anchors());
        rep.reasons.extend(ts.reasons.iter().cloned());
        if let Some(t) = ts.gen_time {
            rep.timestamp = Some(TimestampInfo {
                gen_time: rfc3339(t),
                tsa: ts.tsa_cert.as_deref().and_then(cert_info),
                trusted: ts.trusted,
            });
            if ts.trusted {
                ts_time = Some(t);
            }
        }
    }
    match ts_time {
        Some(t) => {
            rep.signing_time = Some(SigningTime {
                time: rfc3339(t),
                unix: t,
                source: TimeSource::Timestamp,
            });
            rep.reasons.push(Reason::new(Code::TIMESTAMP_VALID));
        }
        None => {
            let claimed = claimed_m
                .as_deref()
                .and_then(pdf_date)
                .or(signer.claimed_signing_time);
            if let Some(t) = claimed {
                rep.signing_time = Some(SigningTime {
                    time: rfc3339(t),
                    unix: t,
                    source: TimeSource::ClaimedUnverified,
                });
            }
            rep.reasons.push(Reason::new(Code::SIGNING_TIME_UNVERIFIED));
        }
    }
    // Proof of existence: the signature timestamp, else the earliest trusted
    // document timestamp over this signature, else only "now".
    let signed_rev = integ.signed_revision.unwrap_or(usize::MAX);
    let later_doc_ts = ctx
        .doc_timestamps
        .iter()
        .filter(|(_, r)| *r > signed_rev)
        .map(|(t, _)| *t)
        .min();
    let (at, proven) = match ts_time.or(later_doc_ts) {
        Some(t) => (t, true),
        None => (ctx.now, false),
    };

    let ch = chain::build(&signer.cert_der, &pool, ctx.trust.anchors(), at, proven);
    rep.chain = ch.status;
    rep.trust_anchor = ch.anchor_cn.clone();
    rep.reasons.extend(ch.reasons.iter().cloned());
    rep.key_usage_ok = chain::check_seal_key_usage(&signer.cert_der, &mut rep.reasons);
    if rep.signer.as_ref().is_some_and(|c| c.seal_id.is_none()) {
        rep.reasons.push(Reason::new(Code::SEAL_ID_MISSING));
    }

    let mut crls: Vec<(&[u8], bool)> = ctx.dss.crls.iter().map(|c| (c.as_slice(), true)).collect();
    crls.extend(ctx.trust.crls.iter().map(|c| (c.as_slice(), false)));
    let rv = if ch.path.len() >= 2 {
        Some(revocation::check(&ch.path, &crls, at))
    } else {
        None
    };
    if let Some(rv) = &rv {
        rep.revocation = rv.status;
        rep.reasons.extend(rv.reasons.iter().cloned());
    }

    // PAdES baseline level reached.
    if signer.ess == EssStatus::V2Matches && ch.status == ChainStatus::Trusted {
        let mut level = "B-B";
        let b_t = ts_time.is_some() || later_doc_ts.is_some();
        let b_lt = b_t && rv.as_ref().is_some_and(|r| r.leaf_covered_by_dss);
        if b_t {
            level = "B-T";
        }
        if b_lt {
            level = "B-LT";
            let dss_rev = ctx.dss.first_revision.unwrap_or(usize::MAX);
            // The archive timestamp covers the DSS (it may sit in the same revision).
            if ctx.doc_timestamps.iter().any(|(_, r)| *r >= dss_rev) {
                level = "B-LTA";
            }
        }
        rep.pades_level = Some(level);
    }
}

/// A PDF date `D:YYYYMMDDHHmmSS+HH'mm'` (§7.9.4) as Unix seconds.
pub fn pdf_date(s: &str) -> Option<i64> {
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    if digits.len() < 14 {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits.get(r)?.parse::<u8>().ok();
    let year: i32 = digits.get(0..4)?.parse().ok()?;
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(n(4..6)?).ok()?, n(6..8)?)
            .ok()?;
    let tod = time::Time::from_hms(n(8..10)?, n(10..12)?, n(12..14)?).ok()?;
    let local = time::PrimitiveDateTime::new(date, tod)
        .assume_utc()
        .unix_timestamp();
    let rest = &s[14..];
    let offset = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let d: String = rest[1..].chars().filter(char::is_ascii_digit).collect();
            let hh: i64 = d.get(0..2)?.parse().ok()?;
            let mm: i64 = d.get(2..4).and_then(|m| m.parse().ok()).unwrap_or(0);
            let off = hh * 3600 + mm * 60;
            if sign == '+' { off } else { -off }
        }
        _ => 0,
    };
    Some(local - offset)
}

#[cfg(test)]
mod tests {
    use super::pdf_date;

    #[test]
    fn parses_pdf_dates() {
        assert_eq!(pdf_date("D:20260101200000+08'00'"), Some(1_767_268_800));
        assert_eq!(pdf_date("D:20260101120000Z"), Some(1_767_268_800));
        assert_eq!(pdf_date("D:2026"), None);
        assert_eq!(pdf_date("D:20261399000000"), None);
    }
}

//! One electronic signature of an OFD, checked as GB/T 38540 lists it:
//!
//! 1. the signer's signature over DER(`TBS_Sign`) with the signer cert;
//! 2. the signer cert in the seal's certList;
//! 3. the maker's signature over the seal ([`crate::ses::check`]);
//! 4. the maker cert chaining to a trusted root;
//! 5. the seal's validity window at the signing time;
//! 6. the signer cert chaining to a trusted root, valid and unrevoked at
//!    the signing time (a timestamp over the signature value proves it);
//! 7. `dataHash` = SM3 of `Signature.xml`, `propertyInfo` its path;
//!
//! and, for the OFD (GB/T 33190 §18), every `Reference`'s `CheckValue`
//! against the file it names and `Seal.esl` against the seal signed.
//!
//! The structures are read with the verifier's own DER reader, so the
//! bytes checked are the bytes in the file.

use super::super::chain::{self, cert_info, rfc3339};
use super::super::cms::asn1::{self, Reader, Tlv};
use super::super::cms::{self, CmsError, oids};
use super::super::report::{
    ChainStatus, Code, Reason, SignatureKind, SignatureReport, SigningTime, TimeSource,
};
use super::super::{TrustStore, revocation, timestamp};
use super::ofd_reason;
use crate::crypto::HashAlg;
use crate::ofd::signatures::{ListedSignature, SignatureXml, read_signature};
use crate::ofd::{Package, XmlLimits};
use crate::ses::check::{SealProblem, check_seal, parse_seal};

/// What every signature check may use.
pub(super) struct Context<'a> {
    pub(super) pkg: &'a Package,
    pub(super) trust: &'a TrustStore,
    pub(super) xml: &'a XmlLimits,
    pub(super) now: i64,
}

/// A checked signature: its report, the entries it protects, its own parts
/// and its dataHash when `Signature.xml` matches it.
pub(super) struct Checked {
    pub(super) report: SignatureReport,
    pub(super) covered: Vec<String>,
    pub(super) own_parts: Vec<String>,
    pub(super) data_hash: Option<[u8; 32]>,
}

/// `SES_Signature` version 4, as its raw parts.
struct Parsed<'a> {
    tbs_raw: &'a [u8],
    seal_raw: &'a [u8],
    time_info: i64,
    data_hash: &'a [u8],
    property_info: &'a [u8],
    cert: &'a [u8],
    alg: &'a [u8],
    signature: &'a [u8],
    timestamp: Option<&'a [u8]>,
}

const IA5_STRING: u8 = 0x16;

fn bits(t: Tlv<'_>) -> Result<&[u8], CmsError> {
    match t.content.split_first() {
        Some((0, rest)) => Ok(rest),
        _ => Err(CmsError::Malformed("BIT STRING with unused bits")),
    }
}

/// The version of a `TBS_Sign` of either layout, if readable.
fn tbs_version(der: &[u8]) -> Option<u64> {
    let outer = asn1::single(der).ok()?;
    let tbs = Reader::new(outer.content)
        .expect(asn1::SEQUENCE, "TBS_Sign")
        .ok()?;
    let v = Reader::new(tbs.content)
        .expect(asn1::INTEGER, "version")
        .ok()?;
    (v.content.len() <= 4).then(|| v.content.iter().fold(0u64, |a, b| a << 8 | u64::from(*b)))
}

fn parse(der: &[u8]) -> Result<Parsed<'_>, CmsError> {
    let outer = asn1::single(der)?;
    let mut r = Reader::new(outer.content);
    let tbs = r.expect(asn1::SEQUENCE, "TBS_Sign")?;
    let cert = r.expect(asn1::OCTET_STRING, "signer cert")?.content;
    let alg = r.expect(asn1::OID, "signatureAlgID")?.content;
    let signature = bits(r.expect(asn1::BIT_STRING, "signature")?)?;
    let timestamp = match r.optional(0xa0)? {
        Some(t) => Some(bits(
            Reader::new(t.content).expect(asn1::BIT_STRING, "timeStamp")?,
        )?),
        None => None,
    };
    if !r.is_empty() {
        return Err(CmsError::Malformed("data after SES_Signature's fields"));
    }
    let mut t = Reader::new(tbs.content);
    t.expect(asn1::INTEGER, "TBS_Sign version")?;
    let seal = t.expect(asn1::SEQUENCE, "eseal")?;
    let time = t.expect(asn1::GENERALIZED_TIME, "timeInfo")?;
    let data_hash = bits(t.expect(asn1::BIT_STRING, "dataHash")?)?;
    let property_info = t.expect(IA5_STRING, "propertyInfo")?.content;
    Ok(Parsed {
        tbs_raw: tbs.raw,
        seal_raw: seal.raw,
        time_info: asn1::parse_time(&time)?,
        data_hash,
        property_info,
        cert,
        alg,
        signature,
        timestamp,
    })
}

fn empty_report(index: usize, listed: &ListedSignature) -> SignatureReport {
    SignatureReport::unchecked(
        index,
        Some(format!("/{}", listed.signature_xml)),
        SignatureKind::Signature,
        Some("GB/T 38540 SES_Signature".into()),
    )
}

/// Check signature `index` of the list.
pub(super) fn check(ctx: &Context<'_>, index: usize, listed: &ListedSignature) -> Checked {
    let mut out = Checked {
        report: empty_report(index, listed),
        covered: Vec::new(),
        own_parts: vec![listed.signature_xml.clone()],
        data_hash: None,
    };
    check_into(ctx, listed, &mut out);
    out.report.verdict = super::super::report::verdict_of(&out.report.reasons);
    out
}

fn check_into(ctx: &Context<'_>, listed: &ListedSignature, out: &mut Checked) {
    let rep = &mut out.report;
    let sx = match read_signature(ctx.pkg, &listed.signature_xml, ctx.xml) {
        Ok(s) => s,
        Err(e) => return rep.reasons.push(ofd_reason(&e)),
    };
    out.own_parts.push(sx.signed_value.clone());
    if let Some(s) = &sx.seal {
        out.own_parts.push(s.clone());
    }
    let Some(value) = ctx.pkg.get(&sx.signed_value) else {
        return rep.reasons.push(Reason::with(
            Code::OFD_STRUCTURE_INVALID,
            format!("{} is missing", sx.signed_value),
        ));
    };
    if tbs_version(value).is_some_and(|v| v != u64::from(crate::ses::VERSION)) {
        return rep.reasons.push(Reason::with(
            Code::SES_VERSION_UNSUPPORTED,
            format!("TBS_Sign version {}", tbs_version(value).unwrap_or(0)),
        ));
    }
    let p = match parse(value) {
        Ok(p) => p,
        Err(e) => {
            return rep
                .reasons
                .push(Reason::with(Code::SES_SIGNATURE_MALFORMED, e.to_string()));
        }
    };
    rep.signer = cert_info(p.cert);

    // 1. The signer's signature over TBS_Sign.
    let sm2 = p.alg == oids::SM2_WITH_SM3.as_bytes() || p.alg == oids::SM2_SIGN.as_bytes();
    if !sm2 {
        return rep.reasons.push(Reason::with(
            Code::UNSUPPORTED_ALGORITHM,
            "signatureAlgID is not sm2-with-sm3",
        ));
    }
    let spki = match x509_parser::parse_x509_certificate(p.cert) {
        Ok((_, c)) => c.public_key().raw.to_vec(),
        Err(_) => {
            return rep
                .reasons
                .push(Reason::with(Code::SES_SIGNATURE_MALFORMED, "signer cert"));
        }
    };
    match cms::verify_by_key(
        &spki,
        oids::SM2_WITH_SM3.as_bytes(),
        None,
        Some(HashAlg::Sm3),
        p.tbs_raw,
        p.signature,
    ) {
        Ok(_) => rep.intact = true,
        Err(CmsError::BadSignature) => rep.reasons.push(Reason::new(Code::SES_SIGNATURE_INVALID)),
        Err(e) => rep
            .reasons
            .push(Reason::with(Code::UNSUPPORTED_ALGORITHM, e.to_string())),
    }

    // The time: a trusted timestamp over the signature value, else the claim.
    let pool: Vec<&[u8]> = ctx.trust.intermediates.iter().map(Vec::as_slice).collect();
    let mut ts_time = None;
    if let Some(token) = p.timestamp {
        let (info, trusted) = timestamp::signature_timestamp(
            token,
            p.signature,
            &pool,
            ctx.trust.anchors(),
            &mut rep.reasons,
        );
        rep.timestamp = info;
        ts_time = trusted;
    }
    let (at, proven) = match ts_time {
        Some(t) => {
            rep.reasons.push(Reason::new(Code::TIMESTAMP_VALID));
            (t, true)
        }
        None => {
            rep.reasons.push(Reason::new(Code::SIGNING_TIME_UNVERIFIED));
            (ctx.now, false)
        }
    };
    rep.signing_time = Some(SigningTime {
        time: rfc3339(ts_time.unwrap_or(p.time_info)),
        unix: ts_time.unwrap_or(p.time_info),
        source: if proven {
            TimeSource::Timestamp
        } else {
            TimeSource::ClaimedUnverified
        },
    });
    let seal_time = ts_time.unwrap_or(p.time_info);

    // 2-5. The seal.
    check_the_seal(
        ctx,
        &p,
        seal_time,
        at,
        proven,
        &pool,
        sx.seal.as_deref(),
        rep,
    );

    // 6. The signer cert.
    let ch = chain::build(p.cert, &pool, ctx.trust.anchors(), at, proven);
    rep.chain = ch.status;
    rep.trust_anchor = ch.anchor_cn.clone();
    rep.reasons.extend(ch.reasons.iter().cloned());
    rep.key_usage_ok = chain::check_ses_key_usage(p.cert, &mut rep.reasons);
    if rep.signer.as_ref().is_some_and(|c| c.seal_id.is_none()) {
        rep.reasons.push(Reason::new(Code::SEAL_ID_MISSING));
    }
    if ch.path.len() >= 2 {
        let crls: Vec<(&[u8], bool)> = ctx
            .trust
            .crls
            .iter()
            .map(|c| (c.as_slice(), false))
            .collect();
        let rv = revocation::check(&ch.path, &crls, at);
        rep.revocation = rv.status;
        rep.reasons.extend(rv.reasons);
    }

    // 7. dataHash and propertyInfo.
    let sig_xml = ctx.pkg.get(&listed.signature_xml).unwrap_or_default();
    let hash = crate::crypto::sm3(sig_xml);
    if p.data_hash == hash {
        out.data_hash = Some(hash);
    } else {
        rep.reasons.push(Reason::with(
            Code::OFD_DATA_HASH_MISMATCH,
            format!("/{}", listed.signature_xml),
        ));
    }
    let named = String::from_utf8_lossy(p.property_info);
    if named.trim_start_matches('/') != listed.signature_xml {
        rep.reasons.push(Reason::with(
            Code::OFD_PROPERTY_INFO_MISMATCH,
            named.chars().take(200).collect::<String>(),
        ));
    }

    // The files the signature protects.
    check_references(ctx, &sx, rep, &mut out.covered);
}

/// Steps 2-5: the signer in the certList, the maker's signature, the maker
/// trusted, the seal's window; and `Seal.esl`, if given, is that seal.
#[allow(clippy::too_many_arguments)]
fn check_the_seal(
    ctx: &Context<'_>,
    p: &Parsed<'_>,
    seal_time: i64,
    at: i64,
    proven: bool,
    pool: &[&[u8]],
    seal_file: Option<&str>,
    rep: &mut SignatureReport,
) {
    let seal = match parse_seal(p.seal_raw) {
        Ok(s) => s,
        Err(SealProblem::UnsupportedVersion(v)) => {
            return rep.reasons.push(Reason::with(
                Code::SES_VERSION_UNSUPPORTED,
                format!("seal version {v}"),
            ));
        }
        Err(e) => {
            return rep
                .reasons
                .push(Reason::with(Code::SES_SEAL_MALFORMED, e.to_string()));
        }
    };
    let f = &seal.fields;
    if !f.certs.iter().any(|c| c.as_slice() == p.cert) {
        let detail = if f.cert_list_type == crate::ses::make::CERT_LIST_CERTS {
            "not among the listed certs".to_string()
        } else {
            format!(
                "certListType {} (cert digests) is not checked",
                f.cert_list_type
            )
        };
        rep.reasons
            .push(Reason::with(Code::SES_SIGNER_NOT_IN_SEAL, detail));
    }
    // The maker's signature alone: checked at a time inside the window.
    match check_seal(p.seal_raw, None, f.valid_start, None) {
        Ok(_) => {}
        Err(SealProblem::BadMakerSignature) => rep
            .reasons
            .push(Reason::new(Code::SES_MAKER_SIGNATURE_INVALID)),
        Err(e @ SealProblem::UnsupportedAlgorithm(_)) => rep
            .reasons
            .push(Reason::with(Code::UNSUPPORTED_ALGORITHM, e.to_string())),
        Err(e) => rep
            .reasons
            .push(Reason::with(Code::SES_SEAL_MALFORMED, e.to_string())),
    }
    let maker = chain::build(&f.maker_cert, pool, ctx.trust.anchors(), at, proven);
    if maker.status != ChainStatus::Trusted {
        let why: Vec<String> = maker
            .reasons
            .iter()
            .filter(|r| r.code.severity() > super::super::report::Severity::Warning)
            .map(Reason::en)
            .collect();
        rep.reasons
            .push(Reason::with(Code::SES_MAKER_UNTRUSTED, why.join("; ")));
    }
    let t = seal_time;
    if t < f.valid_start.unix_timestamp() {
        rep.reasons.push(Reason::with(
            Code::SES_SEAL_NOT_YET_VALID,
            rfc3339(f.valid_start.unix_timestamp()),
        ));
    }
    if t > f.valid_end.unix_timestamp() {
        rep.reasons.push(Reason::with(
            Code::SES_SEAL_EXPIRED,
            rfc3339(f.valid_end.unix_timestamp()),
        ));
    }
    if let Some(path) = seal_file {
        match ctx.pkg.get(path) {
            Some(b) if b == p.seal_raw => {}
            Some(_) => rep.reasons.push(Reason::with(
                Code::OFD_SEAL_FILE_MISMATCH,
                format!("/{path}"),
            )),
            None => rep.reasons.push(Reason::with(
                Code::OFD_STRUCTURE_INVALID,
                format!("{path} is missing"),
            )),
        }
    }
}

/// Every `Reference`'s `CheckValue` against the file it names.
fn check_references(
    ctx: &Context<'_>,
    sx: &SignatureXml,
    rep: &mut SignatureReport,
    covered: &mut Vec<String>,
) {
    let m = sx.check_method.trim();
    let digest: fn(&[u8]) -> Vec<u8> =
        if m.eq_ignore_ascii_case("SM3") || m == oids::SM3.to_string() {
            |d| crate::crypto::sm3(d).to_vec()
        } else if m.eq_ignore_ascii_case("SHA256") || m == oids::SHA256.to_string() {
            |d| crate::crypto::sha256(d).to_vec()
        } else {
            rep.reasons.push(Reason::with(
                Code::OFD_CHECK_METHOD_UNSUPPORTED,
                m.to_string(),
            ));
            return;
        };
    if sx.references.is_empty() {
        rep.reasons.push(Reason::with(
            Code::OFD_STRUCTURE_INVALID,
            "the signature protects no file",
        ));
    }
    for r in &sx.references {
        let Some(entry) = &r.entry else {
            rep.reasons.push(Reason::with(
                Code::OFD_STRUCTURE_INVALID,
                format!("FileRef {:?} leaves the package", r.file_ref),
            ));
            continue;
        };
        covered.push(entry.clone());
        match ctx.pkg.get(entry) {
            None => rep.reasons.push(Reason::with(
                Code::OFD_REFERENCE_MISSING,
                format!("/{entry}"),
            )),
            Some(bytes) => {
                if r.check_value.as_deref() != Some(digest(bytes).as_slice()) {
                    rep.reasons.push(Reason::with(
                        Code::OFD_REFERENCE_MISMATCH,
                        format!("/{entry}"),
                    ));
                }
            }
        }
    }
}

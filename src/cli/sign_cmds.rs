//! `eseal sign --seal SEAL_ID --in any.pdf --out signed.pdf [--level B-LT]`:
//! stamp an existing PDF. Resolving the seal (keystore, certs, CRLs, TSA)
//! is the seal store's job; [`sign_file`] takes the resolved parts.

use std::path::{Path, PathBuf};

use crate::pades::{self, LtvMaterial, PadesLevel, SignOptions, SigningIdentity, VisibleSeal};
use crate::tsa::TimestampClient;

/// Arguments of `eseal sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The seal to sign with, e.g. 320707000000-01.
    #[arg(long = "seal")]
    pub seal: String,
    /// The PDF to stamp (signed or not; it is only appended to).
    #[arg(long = "in")]
    pub input: PathBuf,
    /// Where to write the signed PDF.
    #[arg(long = "out")]
    pub output: PathBuf,
    /// PAdES level: B-B, B-T, B-LT or B-LTA.
    #[arg(long, default_value = "B-LT", value_parser = parse_level)]
    pub level: PadesLevel,
    /// `/Reason` of the signature.
    #[arg(long, default_value = "村级证明电子签章")]
    pub reason: String,
    /// `/Location` of the signature.
    #[arg(long, default_value = "江苏省连云港市赣榆区")]
    pub location: String,
}

fn parse_level(s: &str) -> Result<PadesLevel, String> {
    PadesLevel::parse(s).map_err(|e| e.to_string())
}

/// What the seal store resolved for `--seal`.
pub struct ResolvedSeal<'a> {
    pub identity: SigningIdentity<'a>,
    /// The holder's name, for `/Name`.
    pub holder: String,
    /// The seal's drawing, placed on page 1 at `rect`; `None` for an
    /// invisible signature.
    pub visible: Option<VisibleSeal>,
    pub validation: LtvMaterial,
    pub tsa: &'a dyn TimestampClient,
}

/// Errors of `eseal sign`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignCmdError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Pades(#[from] pades::PadesError),
}

/// Sign `args.input`: the input as read and the signed PDF (not yet
/// written: it is recorded first, see [`write_beside`]).
pub fn sign_file(
    args: &SignArgs,
    seal: &ResolvedSeal<'_>,
) -> Result<(Vec<u8>, pades::SignedPdf), SignCmdError> {
    let pdf = std::fs::read(&args.input).map_err(|source| SignCmdError::Read {
        path: args.input.clone(),
        source,
    })?;
    let opts = SignOptions {
        level: args.level,
        reason: args.reason.clone(),
        location: args.location.clone(),
        name: seal.holder.clone(),
        visible: seal.visible.clone(),
        signing_time: time::OffsetDateTime::now_utc(),
        tsa: seal.tsa,
        validation: seal.validation.clone(),
    };
    let signed = pades::sign(&pdf, &seal.identity, &opts)?;
    Ok((pdf, signed))
}

/// Write `bytes` beside `target`, `record` the signed file, and only then
/// rename it into place: every signed output is on record, and a failed
/// record (or a crash) leaves no signed file behind.
pub async fn record_then_place<T, E>(
    target: &Path,
    bytes: &[u8],
    record: impl std::future::Future<Output = Result<T, E>>,
) -> anyhow::Result<T>
where
    anyhow::Error: From<E>,
{
    let tmp = write_beside(target, bytes)?;
    match record.await {
        Ok(r) => {
            std::fs::rename(&tmp, target)?;
            Ok(r)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e.into())
        }
    }
}

/// The line `eseal sign` prints once the file is on record (the code is
/// shown only here).
pub fn print_recorded(r: &crate::issuance::RecordedFile) {
    println!(
        "recorded as {}, document id {}, verification code {}",
        r.number, r.document_id, r.verification_code
    );
}

/// Write `bytes` beside `target` (renamed into place by the caller once
/// the document is on record), so a crash never leaves half a file.
pub fn write_beside(target: &Path, bytes: &[u8]) -> Result<PathBuf, SignCmdError> {
    let mut name = target.as_os_str().to_owned();
    name.push(".partial");
    let tmp = PathBuf::from(name);
    std::fs::write(&tmp, bytes).map_err(|source| SignCmdError::Write {
        path: tmp.clone(),
        source,
    })?;
    Ok(tmp)
}

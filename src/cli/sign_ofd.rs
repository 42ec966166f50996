//! `eseal sign --seal ID --in any.ofd --out signed.ofd`: seal an existing
//! OFD with the seal's GB/T 38540 electronic signature (its SM2 key, its
//! `SES_Seal`, a timestamp of the SM2 TSA), the stamp at the lower right of
//! page 1 as on a stamped PDF, and record it like an issued document.

use crate::configuration::installation::Installation;
use crate::issuance::record_signed_ofd;
use crate::ofd::signatures::StampAnnot;
use crate::ofd::{Package, PackageLimits, XmlLimits, structure};
use crate::seal::registry::{self, SigningMaterial};

use super::sign_cmds::{SignArgs, print_recorded, record_then_place};

/// The stamp's size and its distances from the right and bottom edges of
/// the page (mm): those of `eseal sign` on a PDF (42 mm, 28 mm, 120 pt).
const STAMP_MM: f32 = 42.0;
const RIGHT_MM: f32 = 28.0;
const BOTTOM_MM: f32 = 120.0 * 25.4 / 72.0;

pub async fn run(inst: &Installation, m: &SigningMaterial, a: &SignArgs) -> anyhow::Result<i32> {
    let sm2 = registry::sm2_signing_material(&inst.store, &a.seal).await?;
    let tsa = inst.sm2_timestamp_authority()?;
    let limit = crate::verify::Limits::default().max_file_size;
    let size = std::fs::metadata(&a.input)?.len();
    anyhow::ensure!(
        size <= limit as u64,
        "{} is larger than the {limit} byte limit",
        a.input.display()
    );
    let input = std::fs::read(&a.input)?;
    let pkg = Package::read(&input, &PackageLimits::default())?;
    let doc = structure::open(&pkg, &XmlLimits::default())?;
    let pages = structure::pages(&pkg, &doc, &XmlLimits::default())?;
    let first = pages
        .first()
        .ok_or_else(|| anyhow::anyhow!("{} has no page", a.input.display()))?;
    let (w, h) = first.size_mm;
    let stamp = StampAnnot {
        page_ref: first.id.clone(),
        boundary: [
            w - RIGHT_MM - STAMP_MM,
            h - BOTTOM_MM - STAMP_MM,
            STAMP_MM,
            STAMP_MM,
        ],
    };
    let who = crate::ses::SealSigner {
        signer: inst.signer.as_ref(),
        key: &sm2.key,
        cert_der: &sm2.cert_der,
        seal_der: &sm2.esl_der,
    };
    let timestamp = tsa.sm3_timestamper();
    let opts = crate::ofd::sign::SealOptions {
        time: time::OffsetDateTime::now_utc(),
        stamp,
        timestamp: &timestamp,
    };
    // CPU work: off the async threads (the command line's runtime is
    // multi-threaded).
    let sealed = tokio::task::block_in_place(|| crate::ofd::sign::seal(pkg, &who, &opts))?;
    // On record (numbered, audited) before the file is in place.
    let recorded = record_then_place(
        &a.output,
        &sealed.bytes,
        record_signed_ofd(&inst.store, m, &sm2, &input, &sealed, "cli"),
    )
    .await?;
    inst.store.close().await;
    println!(
        "sealed {} with {} (GB/T 38540 electronic signature, {} bytes)",
        a.output.display(),
        a.seal,
        sealed.bytes.len()
    );
    print_recorded(&recorded);
    Ok(0)
}

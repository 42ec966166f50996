//! Sealing an OFD package (GB/T 33190 §18, GM/T 0099, GB/T 38540), in
//! steps:
//!
//! 1. `OFD.xml` names the signatures list (`Doc_N/Signs/Signatures.xml`),
//!    added if the document has none yet (then no earlier signature covers
//!    `OFD.xml`, so changing it breaks none);
//! 2. the seal goes into `Sign_K/Seal.esl`;
//! 3. `Signature.xml` lists every file of the package with its SM3 digest
//!    (full protection: all but `Signatures.xml`, which changes with each
//!    new signature, and this signature's own `Signature.xml` and
//!    `SignedValue.dat`), the stamp's place and the seal;
//! 4. `SignedValue.dat` is the `SES_Signature` whose `TBS_Sign` holds the
//!    SM3 of that `Signature.xml` and its path, signed with the seal's SM2
//!    key and timestamped over the signature value;
//! 5. the list gains the new signature.

use time::OffsetDateTime;

use super::signatures::{self, NewSignature, StampAnnot};
use super::structure::{self, OFD_XML};
use super::xml::{self, XmlLimits, el};
use super::{OfdError, Package};
use crate::ses::{SealSigner, SesError};

/// Errors sealing a package.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignOfdError {
    #[error("the OFD package: {0}")]
    Package(#[from] OfdError),
    #[error("the electronic signature: {0}")]
    Ses(#[from] SesError),
}

/// Where the stamp goes and when.
pub struct SealOptions<'a> {
    pub time: OffsetDateTime,
    pub stamp: StampAnnot,
    /// A timestamp token over the signature value (or `None`).
    pub timestamp: &'a crate::ses::sign::Timestamper<'a>,
}

/// A sealed package.
#[derive(Debug, Clone)]
pub struct SealedOfd {
    pub bytes: Vec<u8>,
    /// The entry of the new `Signature.xml`.
    pub signature_xml: String,
    /// SM3 of that `Signature.xml`: the signature's `dataHash`, by which
    /// the registry knows the document whatever is added later.
    pub data_hash: [u8; 32],
}

/// Seal `pkg` as `who`.
pub fn seal(
    mut pkg: Package,
    who: &SealSigner<'_>,
    opts: &SealOptions<'_>,
) -> Result<SealedOfd, SignOfdError> {
    let limits = XmlLimits::default();
    let doc = structure::open(&pkg, &limits)?;
    let list_path = match &doc.signatures {
        Some(p) => p.clone(),
        None => {
            let p = format!("{}/Signs/Signatures.xml", doc.doc_dir());
            let mut ofd = doc.ofd.clone();
            let name = ofd.sibling_name("Signatures");
            let body = ofd
                .child_mut("DocBody")
                .ok_or_else(|| OfdError::Structure("OFD.xml has no DocBody".into()))?;
            body.children.push(el(&name).with_text(p.clone()));
            pkg.put(OFD_XML, xml::write(&ofd))?;
            p
        }
    };
    let mut list = match pkg.get(&list_path) {
        Some(_) => signatures::read_list(&pkg, &list_path, &limits)?,
        None => signatures::new_list(),
    };
    let signs_dir = structure::dir_of(&list_path).to_string();
    let k = (0..)
        .find(|k| {
            let prefix = format!("{signs_dir}/Sign_{k}/");
            !pkg.names().any(|n| n.starts_with(&prefix))
        })
        .unwrap_or(0);
    let dir = format!("{signs_dir}/Sign_{k}");
    let seal_path = format!("{dir}/Seal.esl");
    let signature_xml = format!("{dir}/Signature.xml");
    let signed_value = format!("{dir}/SignedValue.dat");
    pkg.put(&seal_path, who.seal_der.to_vec())?;

    let references = pkg
        .entries()
        .filter(|(n, _)| *n != list_path)
        .map(|(n, d)| (n.to_string(), crate::crypto::sm3(d)))
        .collect();
    let stamp_id = (list.max_id + 1).to_string();
    let sig_xml = signatures::write_signature(&NewSignature {
        provider: "eseal",
        version: env!("CARGO_PKG_VERSION"),
        company: "连云港市赣榆区",
        date_time: date_time(opts.time),
        references,
        stamp: opts.stamp.clone(),
        stamp_id,
        seal: seal_path,
        signed_value: signed_value.clone(),
    });
    let data_hash = crate::crypto::sm3(&sig_xml);
    let ses = crate::ses::sign::sign(
        who,
        opts.time,
        &data_hash,
        &format!("/{signature_xml}"),
        opts.timestamp,
    )?;
    pkg.put(&signature_xml, sig_xml)?;
    pkg.put(&signed_value, ses)?;
    list.add(&signature_xml);
    pkg.put(&list_path, list.to_xml())?;
    Ok(SealedOfd {
        bytes: pkg.to_zip()?,
        signature_xml,
        data_hash,
    })
}

/// `SignatureDateTime`: `yyyyMMddHHmmssZ` in UTC.
fn date_time(t: OffsetDateTime) -> String {
    format!("{}Z", crate::domain::utc_digits(t))
}

//! `eseal issue` (render + stamp + sign + record) and `eseal sign` (stamp an
//! existing PDF).

use std::path::PathBuf;

use clap::Args;

use super::document_cmds::{FieldArgs, field_values, templates};
use super::sign_cmds::{ResolvedSeal, SignArgs, print_recorded, record_then_place, sign_file};
use crate::configuration::Settings;
use crate::configuration::installation::Installation;
use crate::issuance::{IssueContext, IssueRequest, issue, record_signed_file, tsa_client};
use crate::pades::{LtvMaterial, PadesLevel, SigningIdentity, VisibleSeal};
use crate::seal::{SealAppearance, registry};

#[derive(Debug, Args)]
pub struct IssueArgs {
    #[command(flatten)]
    pub input: FieldArgs,
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the document's OFD form (GB/T 33190), sealed with the
    /// seal's GB/T 38540 electronic signature (电子签章).
    #[arg(long = "ofd-out")]
    pub ofd_out: Option<PathBuf>,
    /// PAdES level: B-B, B-T, B-LT (default) or B-LTA.
    #[arg(long, default_value = "B-LT", value_parser = |s: &str| PadesLevel::parse(s).map_err(|e| e.to_string()))]
    pub level: PadesLevel,
    /// Mark the document as a specimen (样本), as demo installations do.
    #[arg(long)]
    pub specimen: bool,
}

pub async fn run_issue(settings: &Settings, a: IssueArgs) -> anyhow::Result<i32> {
    let all = templates(settings)?;
    let t = all
        .get(&a.input.template)
        .ok_or_else(|| anyhow::anyhow!("unknown document kind {:?}", a.input.template))?;
    let fields = field_values(t, &a.input)?;
    let inst = Installation::open(settings).await?;
    let tsa = tsa_client(&inst)?;
    let ofd_tsa = match &a.ofd_out {
        Some(_) => {
            // Refused before anything is signed when the seal cannot seal an OFD.
            registry::sm2_signing_material(&inst.store, &a.input.seal).await?;
            Some(std::sync::Arc::new(inst.sm2_timestamp_authority()?))
        }
        None => None,
    };
    let ctx = IssueContext {
        inst: &inst,
        templates: &all,
        font: crate::font::load(&settings.font)?,
        tsa: tsa.clone(),
        public_url: settings.public_url.clone(),
        specimen: a.specimen,
        crls: None,
        turns: None,
        ofd_tsa,
    };
    let req = IssueRequest {
        seal_id: a.input.seal.clone(),
        kind: a.input.template.clone(),
        fields,
        level: a.level,
        issued_by: "cli".into(),
        application_id: None,
        document_id: None,
    };
    let issued = issue(&ctx, &req).await?;
    inst.store.close().await;
    let tmp = a.out.with_extension("pdf.partial");
    std::fs::write(&tmp, &issued.pdf)?;
    std::fs::rename(&tmp, &a.out)?;
    if let (Some(path), Some(ofd)) = (&a.ofd_out, &issued.ofd) {
        let tmp = path.with_extension("ofd.partial");
        std::fs::write(&tmp, &ofd.bytes)?;
        std::fs::rename(&tmp, path)?;
        println!("wrote {} ({} bytes, OFD)", path.display(), ofd.bytes.len());
    }
    println!(
        "issued {} ({}), document id {}",
        issued.number, a.level, issued.document_id
    );
    println!(
        "verification code {}; wrote {} ({} bytes)",
        issued.verification_code,
        a.out.display(),
        issued.pdf.len()
    );
    Ok(0)
}

pub async fn run_sign_cmd(settings: &Settings, a: SignArgs) -> anyhow::Result<i32> {
    let inst = Installation::open(settings).await?;
    let m = registry::signing_material(&inst.store, &a.seal).await?;
    // An OFD is a ZIP package; anything else is taken for a PDF (and
    // refused by the PDF reader if it is not one).
    let mut head = [0u8; 4];
    let is_ofd = std::fs::File::open(&a.input)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && crate::ofd::looks_like_zip(&head);
    if is_ofd {
        return super::sign_ofd::run(&inst, &m, &a).await;
    }
    let crate::seal::crl_publication::Crls {
        seal_ca: crl,
        root: root_crl,
        ..
    } = crate::seal::crl_publication::publish_due(
        &inst.store,
        inst.signer.as_ref(),
        crate::seal::crl_publication::Authorities::of(&inst),
        "cli",
    )
    .await?;
    let tsa = tsa_client(&inst)?;
    let font = crate::font::load(&settings.font)?;
    // The visible seal goes at the lower right of page 1, 42 mm across.
    let d = 42.0 * 72.0 / 25.4;
    let rect = [
        595.28 - 28.0 * 72.0 / 25.4 - d,
        120.0,
        595.28 - 28.0 * 72.0 / 25.4,
        120.0 + d,
    ];
    let look = SealAppearance::new(&font, &m.seal.holder, m.seal.inscription.as_deref())?;
    let resolved = ResolvedSeal {
        identity: SigningIdentity {
            signer: inst.signer.as_ref(),
            key: &m.key,
            cert_der: m.cert_der.clone(),
            chain_der: vec![inst.pki.seal_ca.cert_der.clone()],
        },
        holder: m.seal.holder.clone(),
        visible: Some(VisibleSeal {
            page_index: 0,
            rect,
            appearance: look.pdf_content(d),
        }),
        validation: LtvMaterial {
            certs: vec![inst.pki.root.cert_der.clone()],
            crls: vec![crl, root_crl],
        },
        tsa: tsa.as_ref(),
    };
    // Signing is CPU work and may wait for an external TSA: off the async
    // threads (the command line's runtime is multi-threaded).
    let (input, signed) = tokio::task::block_in_place(|| sign_file(&a, &resolved))?;
    // On record (numbered, audited) before the file is in place: every
    // signed output is in the registry.
    let recorded = record_then_place(
        &a.output,
        &signed.bytes,
        record_signed_file(&inst.store, &m, &input, &signed, a.level, "cli"),
    )
    .await?;
    inst.store.close().await;
    println!(
        "signed {} with {} at {} ({} bytes)",
        a.output.display(),
        a.seal,
        a.level,
        signed.bytes.len()
    );
    print_recorded(&recorded);
    Ok(0)
}

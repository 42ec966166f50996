//! Writing a laid-out page ([`super::page`]) as an OFD package (GB/T
//! 33190-2016), the twin of the PDF written from the same layout:
//!
//! ```text
//! OFD.xml                        DocInfo, DocRoot
//! Doc_0/Document.xml             page area (A4), pages, PublicRes
//! Doc_0/PublicRes.xml            the font
//! Doc_0/Res/font_N.otf           the same CFF subset the PDF embeds
//! Doc_0/Pages/Page_K/Content.xml text, footer rule, QR code
//! ```
//!
//! The seal is not drawn into the page: signing adds it as the stamp
//! annotation of the electronic signature (its picture is the seal's own,
//! inside the `SES_Seal`), at [`RenderedOfd::stamp`], where the PDF's
//! signature widget is. Deterministic: the same inputs give the same bytes.

mod content;

use time::OffsetDateTime;

use super::page::{PAGE_H, PAGE_W, Page, SEAL_D};
use super::pdf::font_embed::{SPECIMEN_TEXT, page_font};
use super::{DocumentMeta, RenderError, SealView, Template};
use crate::font::FontBook;
use crate::ofd::signatures::{StampAnnot, fmt_box};
use crate::ofd::xml::{self, el};
use crate::ofd::{NS, OfdError, Package};
use content::{Ids, mm};

/// A document written as OFD, not yet signed.
#[derive(Debug, Clone)]
pub struct RenderedOfd {
    pub package: Package,
    /// Where the seal goes: the last page's ID and the seal's rectangle (mm).
    pub stamp: StampAnnot,
}

const DOC: &str = "Doc_0";

fn package_err(e: OfdError) -> RenderError {
    RenderError::Ofd(e.to_string())
}

/// Write the laid-out `page` as OFD.
pub(super) fn write(
    font: &FontBook,
    template: &Template,
    seal: &SealView,
    issue_time: OffsetDateTime,
    meta: &DocumentMeta,
    page: &Page,
) -> Result<RenderedOfd, RenderError> {
    let specimen_text = SPECIMEN_TEXT;
    let embedded = page_font(font, page, meta.specimen)?;
    let pages = page.last_page + 1;
    // IDs: the pages first, then the font, then every object.
    let mut ids = Ids(0);
    let page_ids: Vec<String> = (0..pages).map(|_| ids.next()).collect();
    let font_id = ids.next();
    let qr = &page.qr;

    let mut pkg = Package::new();
    let mut contents = Vec::with_capacity(pages);
    for p in 0..pages {
        let mut objects = Vec::new();
        if meta.specimen {
            objects.extend(content::specimen_mark(
                font,
                &embedded,
                &mut ids,
                &font_id,
                specimen_text,
            )?);
        }
        if p == page.last_page {
            objects.push(content::footer_rule(&mut ids));
            if let Some(qr) = qr {
                objects.push(content::qr_object(&mut ids, qr));
            }
        }
        for r in page.runs.iter().filter(|r| r.page == p) {
            objects.push(content::run_object(font, &embedded, &mut ids, &font_id, r)?);
        }
        let layer = el("ofd:Layer")
            .with_attr("ID", ids.next())
            .with_attr("Type", "Body")
            .with_children(objects);
        let tree = el("ofd:Page")
            .with_attr("xmlns:ofd", NS)
            .with_child(el("ofd:Content").with_child(layer));
        contents.push(xml::write(&tree));
    }

    let date = issue_time.date();
    let doc_id = hex::encode(
        &crate::crypto::sha256(format!("{}\n{}", meta.number, meta.verification_code).as_bytes())
            [..16],
    );
    let ofd = el("ofd:OFD")
        .with_attr("xmlns:ofd", NS)
        .with_attr("Version", "1.0")
        .with_attr("DocType", "OFD")
        .with_child(
            el("ofd:DocBody")
                .with_child(
                    el("ofd:DocInfo")
                        .with_child(el("ofd:DocID").with_text(doc_id))
                        .with_child(el("ofd:Title").with_text(template.title.clone()))
                        .with_child(el("ofd:Author").with_text(seal.holder.clone()))
                        .with_child(el("ofd:CreationDate").with_text(format!(
                            "{:04}-{:02}-{:02}",
                            date.year(),
                            u8::from(date.month()),
                            date.day()
                        )))
                        .with_child(el("ofd:Creator").with_text("eseal"))
                        .with_child(el("ofd:CreatorVersion").with_text(env!("CARGO_PKG_VERSION")))
                        .with_child(
                            el("ofd:CustomDatas").with_child(
                                el("ofd:CustomData")
                                    .with_attr("Name", "文号")
                                    .with_text(meta.number.clone()),
                            ),
                        ),
                )
                .with_child(el("ofd:DocRoot").with_text(format!("{DOC}/Document.xml"))),
        );
    pkg.put("OFD.xml", xml::write(&ofd)).map_err(package_err)?;
    let page_box = fmt_box([0.0, 0.0, mm(PAGE_W), mm(PAGE_H)]);
    let document = el("ofd:Document")
        .with_attr("xmlns:ofd", NS)
        .with_child(
            el("ofd:CommonData")
                .with_child(el("ofd:MaxUnitID").with_text(ids.0.to_string()))
                .with_child(
                    el("ofd:PageArea").with_child(el("ofd:PhysicalBox").with_text(page_box)),
                )
                .with_child(el("ofd:PublicRes").with_text("PublicRes.xml")),
        )
        .with_child(
            el("ofd:Pages").with_children(page_ids.iter().enumerate().map(|(i, id)| {
                el("ofd:Page")
                    .with_attr("ID", id.clone())
                    .with_attr("BaseLoc", format!("Pages/Page_{i}/Content.xml"))
            })),
        );
    pkg.put(&format!("{DOC}/Document.xml"), xml::write(&document))
        .map_err(package_err)?;
    let font_file = format!("font_{font_id}.otf");
    let res = el("ofd:Res")
        .with_attr("xmlns:ofd", NS)
        .with_attr("BaseLoc", "Res")
        .with_child(
            el("ofd:Fonts").with_child(
                el("ofd:Font")
                    .with_attr("ID", font_id.clone())
                    .with_attr("FontName", font.postscript_name.clone())
                    .with_attr("FamilyName", font.postscript_name.clone())
                    .with_child(el("ofd:FontFile").with_text(font_file.clone())),
            ),
        );
    pkg.put(&format!("{DOC}/PublicRes.xml"), xml::write(&res))
        .map_err(package_err)?;
    pkg.put(&format!("{DOC}/Res/{font_file}"), embedded.subset.clone())
        .map_err(package_err)?;
    for (i, c) in contents.into_iter().enumerate() {
        pkg.put(&format!("{DOC}/Pages/Page_{i}/Content.xml"), c)
            .map_err(package_err)?;
    }
    let (cx, cy) = page.seal_center;
    let d = mm(SEAL_D);
    let stamp = StampAnnot {
        page_ref: page_ids[page.last_page].clone(),
        boundary: [mm(cx) - d / 2.0, mm(PAGE_H - cy) - d / 2.0, d, d],
    };
    Ok(RenderedOfd {
        package: pkg,
        stamp,
    })
}

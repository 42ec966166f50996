//! Issue 3: templates, field validation, Chinese typesetting, the PDF.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests and benches fail loudly

mod common;

use common::{run, tool};
use eseal::document::{
    self, DocumentMeta, SealPlacement, SealView, Template, TemplateError, Templates,
};
use eseal::domain::SealLevel;
use serde_json::json;

fn templates() -> Templates {
    Templates::builtin().expect("templates load")
}

fn seal() -> SealView {
    SealView {
        seal_id: "320707100002-01".into(),
        holder: "连云港市赣榆区青口镇繁荣社区居民委员会".into(),
        level: SealLevel::Village,
        inscription: None,
    }
}

fn meta(specimen: bool) -> DocumentMeta {
    DocumentMeta {
        number: "赣榆青口繁荣〔2026〕第000123号".into(),
        verification_code: "7KQ3M9XA".into(),
        qr_url: "https://eseal.test/v/AAAAAAAAAAAAAAAAAAAAAA?c=7KQ3M9XA".into(),
        verify_url: "https://eseal.test/verify".into(),
        specimen,
        placement: SealPlacement::InPage,
    }
}

fn issue_time() -> time::OffsetDateTime {
    time::macros::datetime!(2026-11-25 09:30:00 UTC)
}

fn render(
    kind: &str,
    values: serde_json::Value,
    specimen: bool,
) -> Result<document::Rendered, String> {
    let all = templates();
    let t = all.get(kind).expect("kind");
    let filled = document::validate(t, &values).map_err(|e| format!("{e:?}"))?;
    let font = eseal::font::shared().map_err(|e| e.to_string())?;
    document::render_pdf(&font, t, &filled, &seal(), issue_time(), &meta(specimen))
        .map_err(|e| e.to_string())
}

#[test]
fn three_kinds_load_from_data_alone() {
    let all = templates();
    let ids: Vec<&str> = all.by_id.keys().map(String::as_str).collect();
    assert_eq!(ids, ["business_premises", "exit_entry", "residence"]);
    for t in all.by_id.values() {
        // Every template's own example values pass its validation.
        document::validate(t, &document::sample(t)).unwrap_or_else(|e| panic!("{}: {e:?}", t.id));
    }
}

#[test]
fn an_unknown_placeholder_is_refused_with_file_and_line() {
    let text = "id = \"x\"\ntitle = \"测试\"\nlevels = [\"village\"]\nbody = \"\"\"\n第一行\n兹证明{nobody}。\n\"\"\"\nfields = []\n";
    match Template::parse("templates/x.toml", text) {
        Err(TemplateError::UnknownPlaceholder { file, line, name }) => {
            assert_eq!(
                (file.as_str(), line, name.as_str()),
                ("templates/x.toml", 6, "nobody")
            );
        }
        other => panic!("expected UnknownPlaceholder, got {other:?}"),
    }
    let e = Template::parse("t.toml", "id = \"x\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("t.toml: "), "{e}");
}

#[test]
fn bad_field_values_get_chinese_messages_naming_the_field() {
    let all = templates();
    let t = all.get("business_premises").unwrap();
    let mut v = document::sample(t);
    v["applicant_id"] = json!("320707199003071234");
    v["area"] = json!("-5");
    v["usage"] = json!("抢占");
    v["period"] = json!("2029-01-01至2026-01-01");
    v["phone"] = json!("12345");
    v.as_object_mut().unwrap().remove("applicant_name");
    let errs = document::validate(t, &v).unwrap_err();
    let msgs: Vec<String> = errs.iter().map(ToString::to_string).collect();
    let has = |needle: &str| msgs.iter().any(|m| m.contains(needle));
    assert!(has("申请人公民身份号码：校验码不正确"), "{msgs:?}");
    assert!(has("建筑面积（平方米）：面积应大于0"), "{msgs:?}");
    assert!(
        has("使用方式：应为以下之一：自有、租赁、无偿借用"),
        "{msgs:?}"
    );
    assert!(has("使用期限：截止日期早于起始日期"), "{msgs:?}");
    assert!(has("联系电话："), "{msgs:?}");
    assert!(has("申请人姓名：必填"), "{msgs:?}");
    assert_eq!(errs.len(), 6);
    // Relatives are a list of checked records.
    let ee = all.get("exit_entry").unwrap();
    let mut v = document::sample(ee);
    v["relatives"] =
        json!([{"name": "张", "relationship": "丈夫", "id_number": "320707198310200010"}]);
    let errs = document::validate(ee, &v).unwrap_err();
    assert!(errs[0].to_string().contains("第1项的姓名"), "{errs:?}");
}

#[test]
fn a_character_the_font_cannot_draw_is_refused_by_name() {
    let all = templates();
    let t = all.get("business_premises").unwrap();
    let mut v = document::sample(t);
    v["premises_address"] = json!("青口镇繁荣社区\u{E000}组18号");
    let e = render("business_premises", v, false).unwrap_err();
    assert!(e.contains("U+E000"), "{e}");
}

#[test]
fn rendering_is_deterministic_small_and_marks_specimens() {
    for kind in ["business_premises", "exit_entry"] {
        let all = templates();
        let s = document::sample(all.get(kind).unwrap());
        let a = render(kind, s.clone(), false).unwrap();
        let b = render(kind, s.clone(), false).unwrap();
        assert_eq!(a.pdf, b.pdf, "same inputs, same bytes");
        assert!(a.pdf.len() < 100 * 1024, "{kind}: {} bytes", a.pdf.len());
        let spec = render(kind, s, true).unwrap();
        assert_ne!(spec.pdf, a.pdf);
        let [x1, y1, x2, y2] = a.seal_rect;
        assert!(
            (x2 - x1 - 119.06).abs() < 0.1 && (y2 - y1 - 119.06).abs() < 0.1,
            "42 mm seal"
        );
    }
}

#[test]
fn pdfs_are_valid_with_real_text_and_a_page_image() {
    let (Some(qpdf), Some(pdftotext), Some(pdftoppm)) =
        (tool("qpdf"), tool("pdftotext"), tool("pdftoppm"))
    else {
        return;
    };
    let out = common::repo().join("artifacts");
    std::fs::create_dir_all(&out).unwrap();
    for (kind, needles) in [
        (
            "business_premises",
            vec![
                "经 营 场 所 证 明",
                "张三明",
                "320707199003071233",
                "赣榆区青口镇明记小吃店",
                "85.5",
                "特此证明",
                "二〇二六年十一月二十五日",
            ],
        ),
        (
            "exit_entry",
            vec![
                "出 入 境 证 明",
                "王秀英",
                "320707198506150828",
                "张建军",
                "普通护照",
                "2027年2月28日",
            ],
        ),
    ] {
        let all = templates();
        let r = render(kind, document::sample(all.get(kind).unwrap()), true).unwrap();
        let pdf = out.join(format!("{kind}.pdf"));
        std::fs::write(&pdf, &r.pdf).unwrap();
        let (ok, o, e) = run(std::process::Command::new(&qpdf).arg("--check").arg(&pdf));
        assert!(
            ok && o.contains("No syntax or stream encoding errors"),
            "{o}{e}"
        );
        let (ok, text, e) = run(std::process::Command::new(&pdftotext).arg(&pdf).arg("-"));
        assert!(ok, "{e}");
        let flat: String = text.split_whitespace().collect::<Vec<_>>().join("");
        for n in needles {
            let n: String = n.split_whitespace().collect();
            assert!(
                flat.contains(&n),
                "{kind}: {n} not in extracted text:\n{text}"
            );
        }
        assert!(flat.contains("赣榆青口繁荣〔2026〕第000123号") && flat.contains("7KQ3M9XA"));
        assert!(flat.contains("样本"), "specimen mark is text on the page");
        let (ok, _, e) = run(std::process::Command::new(&pdftoppm)
            .args(["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"])
            .arg(&pdf)
            .arg(out.join(kind)));
        assert!(ok, "{e}");
        assert!(out.join(format!("{kind}.png")).exists());
    }
}

//! `eseal render` and `eseal templates ...`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::configuration::Settings;
use crate::configuration::installation::Installation;
use crate::document::{self, DocumentMeta, SealPlacement, SealView, Templates};
use crate::seal::registry;

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// List document kinds.
    List,
    /// Show a kind and its fields.
    Show {
        kind: String,
        #[arg(long)]
        json: bool,
    },
}

/// The fields of a document, from any one source.
#[derive(Debug, Args)]
pub struct FieldArgs {
    /// Document kind (template id), e.g. business_premises.
    #[arg(long)]
    pub template: String,
    /// Seal that issues it.
    #[arg(long)]
    pub seal: String,
    /// A field value, KEY=VALUE (repeatable).
    #[arg(long = "field", value_name = "KEY=VALUE", conflicts_with_all = ["fields", "sample"])]
    pub field: Vec<String>,
    /// A JSON file with the field values.
    #[arg(long, conflicts_with = "sample")]
    pub fields: Option<PathBuf>,
    /// Fill every field with its template's example value.
    #[arg(long)]
    pub sample: bool,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub input: FieldArgs,
    #[arg(long)]
    pub out: PathBuf,
    /// Mark the document as a specimen (样本).
    #[arg(long)]
    pub specimen: bool,
}

/// The installation's templates (the `templates` setting, else built in).
pub fn templates(settings: &Settings) -> anyhow::Result<Templates> {
    Ok(Templates::configured(settings.templates.as_deref())?)
}

/// Collect field values from `--field`, `--fields` or `--sample`.
pub fn field_values(t: &document::Template, a: &FieldArgs) -> anyhow::Result<serde_json::Value> {
    if a.sample {
        return Ok(document::sample(t));
    }
    if let Some(p) = &a.fields {
        let text =
            std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
        return serde_json::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: not JSON: {e}", p.display()));
    }
    let mut m = serde_json::Map::new();
    for kv in &a.field {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--field {kv:?}: expected KEY=VALUE"))?;
        let value = match t.field(k) {
            Some(f) if f.kind == document::FieldKind::List => serde_json::from_str(v)?,
            _ => serde_json::Value::String(v.to_string()),
        };
        m.insert(k.to_string(), value);
    }
    Ok(serde_json::Value::Object(m))
}

pub fn run_templates(settings: &Settings, cmd: TemplatesCommand) -> anyhow::Result<i32> {
    let all = templates(settings)?;
    match cmd {
        TemplatesCommand::List => {
            for t in all.by_id.values() {
                let levels: Vec<&str> = t.levels.iter().map(|l| l.as_str()).collect();
                println!("{:<20} {}  (levels: {})", t.id, t.title, levels.join(", "));
            }
        }
        TemplatesCommand::Show { kind, json } => {
            let t = all
                .get(&kind)
                .ok_or_else(|| anyhow::anyhow!("unknown document kind {kind:?}"))?;
            if json {
                println!("{}", serde_json::to_string_pretty(t)?);
            } else {
                println!("{} {}", t.id, t.title);
                for f in &t.fields {
                    println!(
                        "  {:<20} {:?}{} {}  e.g. {}",
                        f.name,
                        f.kind,
                        if f.required { "" } else { " (optional)" },
                        f.label,
                        f.example
                    );
                }
            }
        }
    }
    Ok(0)
}

pub async fn render(settings: &Settings, a: RenderArgs) -> anyhow::Result<i32> {
    let all = templates(settings)?;
    let t = all
        .get(&a.input.template)
        .ok_or_else(|| anyhow::anyhow!("unknown document kind {:?}", a.input.template))?;
    let values = field_values(t, &a.input)?;
    let filled = document::validate(t, &values)
        .map_err(|e| anyhow::Error::new(document::RenderError::Fields(e)))?;
    let inst = Installation::open(settings).await?;
    let (seal, _) = registry::show(&inst.store, &a.input.seal).await?;
    inst.store.close().await;
    let view = SealView {
        seal_id: seal.seal_id.to_string(),
        holder: seal.holder.clone(),
        level: seal.level,
        inscription: seal.inscription.clone(),
    };
    let base = settings.public_url.trim_end_matches('/');
    let meta = DocumentMeta {
        number: "（预览，未编号）".into(),
        verification_code: "PREVIEW0".into(),
        qr_url: format!("{base}/verify"),
        verify_url: format!("{base}/verify"),
        specimen: a.specimen,
        placement: SealPlacement::InPage,
    };
    let font = crate::font::load(&settings.font)?;
    let r = document::render_pdf(
        &font,
        t,
        &filled,
        &view,
        time::OffsetDateTime::now_utc(),
        &meta,
    )?;
    std::fs::write(&a.out, &r.pdf)?;
    println!("wrote {} ({} bytes)", a.out.display(), r.pdf.len());
    Ok(0)
}

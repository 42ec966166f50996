//! Helpers shared by the verifier's integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// A minimal PDF with a classic xref table from object bodies (object i+1 = bodies[i]).
pub fn pdf_from_objects(bodies: &[Vec<u8>], extra_trailer: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, b) in bodies.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(b);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", bodies.len() + 1).as_bytes(),
    );
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {extra_trailer} >>\nstartxref\n{xref}\n%%EOF\n",
            bodies.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A one-page document whose AcroForm holds the given signature dictionaries
/// (object numbers 5, 6, ...). Each `/ByteRange` placeholder `[0 A B C]` is
/// patched to exclude that signature's `/Contents` string.
pub fn pdf_with_signatures(sig_dicts: &[String]) -> Vec<u8> {
    let n = sig_dicts.len();
    let fields: Vec<String> = (0..n).map(|i| format!("{} 0 R", 5 + n + i)).collect();
    let mut bodies: Vec<Vec<u8>> = vec![
        format!(
            "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [{}] /SigFlags 3 >> >>",
            fields.join(" ")
        )
        .into_bytes(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        b"<< /Length 10 >>\nstream\nBT ET 0 0\nendstream".to_vec(),
    ];
    for d in sig_dicts {
        bodies.push(d.clone().into_bytes());
    }
    for i in 0..n {
        bodies.push(
            format!(
                "<< /FT /Sig /T (Sig{i}) /V {} 0 R /Subtype /Widget /Rect [0 0 0 0] /P 3 0 R >>",
                5 + i
            )
            .into_bytes(),
        );
    }
    let mut pdf = pdf_from_objects(&bodies, "");
    // Patch every byte range in place (fixed width keeps offsets stable).
    let mut search = 0;
    while let Some(p) = find(
        &pdf[search..],
        b"/ByteRange [0 AAAAAAAAAA BBBBBBBBBB CCCCCCCCCC]",
    ) {
        let at = search + p;
        let c = at
            + find(&pdf[at..], b"/Contents <").expect("contents follows byte range")
            + b"/Contents ".len();
        let c_end = c + find(&pdf[c..], b">").expect("hex string end") + 1;
        let rest = pdf.len() - c_end;
        let patch = format!("/ByteRange [0 {c:010} {c_end:010} {rest:010}]");
        pdf[at..at + patch.len()].copy_from_slice(patch.as_bytes());
        search = c_end;
    }
    pdf
}

pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The pyHanko-built corpus (see make_corpus.py), built once per test binary.
/// `ESEAL_VERIFY_CORPUS=/dir` reuses an existing corpus.
pub fn corpus() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Ok(d) = std::env::var("ESEAL_VERIFY_CORPUS") {
            return PathBuf::from(d);
        }
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let python = std::env::var("ESEAL_PYTHON").map(PathBuf::from).unwrap_or_else(|_| root.join(".venv/bin/python"));
        assert!(
            python.exists(),
            "pyHanko is needed to build the verifier corpus: run the install part of scripts/test.sh ({} missing)",
            python.display()
        );
        let dir = std::env::temp_dir().join(format!("eseal-verify-corpus-{}", std::process::id()));
        let status = Command::new(&python)
            .arg(root.join("tests/support/make_corpus.py"))
            .arg(&dir)
            .status()
            .expect("run make_corpus.py");
        assert!(status.success(), "make_corpus.py failed");
        dir
    })
}

pub fn read(name: &str) -> Vec<u8> {
    std::fs::read(corpus().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

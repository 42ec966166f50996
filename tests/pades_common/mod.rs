//! Shared test fixtures: a small district PKI (root CA, seal CA, seal cert,
//! TSA cert, CRLs) whose keys live in a FileKeystore, minimal PDFs, and
//! runners for the independent validators (pyHanko, pdfsig, openssl).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use eseal::crypto::{FileKeystore, KeyRef, MasterKey, Signer};
use eseal::pades::{LtvMaterial, PadesLevel, SignOptions, SigningIdentity, VisibleSeal};
use eseal::tsa::{DEFAULT_POLICY, TimestampAuthority};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    CustomExtension, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod,
    KeyUsagePurpose, PublicKeyData, SerialNumber, SignatureAlgorithm, SigningKey,
};
use time::{Duration, OffsetDateTime};

/// A key of the signing core, as rcgen sees it.
pub struct CoreKey {
    signer: Arc<FileKeystore>,
    key: KeyRef,
    public: Vec<u8>,
}

impl PublicKeyData for CoreKey {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl SigningKey for CoreKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.signer
            .sign(&self.key, msg)
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

pub struct Pki {
    pub ks: Arc<FileKeystore>,
    pub root_der: Vec<u8>,
    pub seal_ca_der: Vec<u8>,
    pub seal_der: Vec<u8>,
    pub seal_key: KeyRef,
    pub tsa_der: Vec<u8>,
    pub tsa_key: KeyRef,
    /// CRL of the root (covers seal CA and TSA) and of the seal CA.
    pub crls: Vec<Vec<u8>>,
    pub tsa: Arc<TimestampAuthority>,
}

fn dn(cn: &str) -> DistinguishedName {
    let mut d = DistinguishedName::new();
    d.push(DnType::CountryName, "CN");
    d.push(DnType::OrganizationName, "连云港市赣榆区 Test PKI");
    d.push(DnType::CommonName, cn);
    d
}

fn params(cn: &str, serial: u64, ca: bool) -> CertificateParams {
    let mut p = CertificateParams::default();
    p.distinguished_name = dn(cn);
    p.serial_number = Some(SerialNumber::from(serial));
    p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(3650);
    p.key_identifier_method = KeyIdMethod::Sha256;
    if ca {
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
    }
    p
}

impl Pki {
    pub fn new() -> Self {
        let ks = Arc::new(FileKeystore::new(&MasterKey::generate().unwrap()).unwrap());
        let key = |label: &str| {
            let g = ks.generate(label).unwrap();
            CoreKey {
                signer: ks.clone(),
                key: g.key,
                public: g.public_key,
            }
        };
        let root_key = key("ca:root");
        let root_params = params("赣榆区电子印章根CA (test)", 1, true);
        let root_cert = root_params.self_signed(&root_key).unwrap();
        let root = Issuer::new(root_params, root_key);

        let cdp = |u: &str| {
            vec![CrlDistributionPoint {
                uris: vec![u.into()],
            }]
        };
        let ca_key = key("ca:seal");
        let mut ca_params = params("赣榆区印章CA (test)", 2, true);
        ca_params.crl_distribution_points = cdp("http://pki.ganyu.invalid/root.crl");
        let ca_cert = ca_params.signed_by(&ca_key, &root).unwrap();
        let seal_ca = Issuer::new(ca_params, ca_key);

        let seal_key = key("seal:320707000000-01#1");
        let mut sp = params("某某村民委员会 (test)", 100, false);
        sp.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        sp.extended_key_usages = vec![ExtendedKeyUsagePurpose::Other(vec![
            1, 3, 6, 1, 5, 5, 7, 3, 36,
        ])];
        sp.crl_distribution_points = cdp("http://pki.ganyu.invalid/seal-ca.crl");
        let seal_cert = sp.signed_by(&seal_key, &seal_ca).unwrap();

        let tsa_key = key("tsa:1");
        let mut tp = params("赣榆区时间戳服务 (test)", 3, false);
        tp.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        tp.crl_distribution_points = cdp("http://pki.ganyu.invalid/root.crl");
        // extKeyUsage { id-kp-timeStamping }, critical (RFC 3161 §2.3).
        let mut eku = CustomExtension::from_oid_content(
            &[2, 5, 29, 37],
            vec![
                0x30, 0x0a, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08,
            ],
        );
        eku.set_criticality(true);
        tp.custom_extensions = vec![eku];
        let tsa_cert = tp.signed_by(&tsa_key, &root).unwrap();

        let crl = |issuer: &Issuer<'_, CoreKey>, n: u64| {
            CertificateRevocationListParams {
                this_update: OffsetDateTime::now_utc() - Duration::hours(1),
                next_update: OffsetDateTime::now_utc() + Duration::days(7),
                crl_number: SerialNumber::from(n),
                issuing_distribution_point: None,
                revoked_certs: vec![],
                key_identifier_method: KeyIdMethod::Sha256,
            }
            .signed_by(issuer)
            .unwrap()
            .der()
            .to_vec()
        };
        let crls = vec![crl(&root, 1), crl(&seal_ca, 1)];

        let tsa = Arc::new(
            TimestampAuthority::new(
                ks.clone(),
                tsa_key.key.clone(),
                tsa_cert.der().to_vec(),
                vec![root_cert.der().to_vec()],
                DEFAULT_POLICY,
            )
            .unwrap(),
        );
        Pki {
            root_der: root_cert.der().to_vec(),
            seal_ca_der: ca_cert.der().to_vec(),
            seal_der: seal_cert.der().to_vec(),
            seal_key: seal_key.key,
            tsa_der: tsa_cert.der().to_vec(),
            tsa_key: tsa_key.key,
            crls,
            tsa,
            ks,
        }
    }

    pub fn identity(&self) -> SigningIdentity<'_> {
        SigningIdentity {
            signer: self.ks.as_ref(),
            key: &self.seal_key,
            cert_der: self.seal_der.clone(),
            chain_der: vec![self.seal_ca_der.clone()],
        }
    }

    pub fn options(&self, level: PadesLevel, visible: Option<VisibleSeal>) -> SignOptions<'_> {
        SignOptions {
            level,
            reason: "村级证明电子签章".into(),
            location: "江苏省连云港市赣榆区".into(),
            name: "某某村民委员会".into(),
            visible,
            signing_time: OffsetDateTime::now_utc(),
            tsa: self.tsa.as_ref(),
            validation: LtvMaterial {
                certs: vec![self.root_der.clone()],
                crls: self.crls.clone(),
            },
        }
    }

    /// Write root.pem, tsa.pem and seal-ca.pem into `dir`.
    pub fn write_pems(&self, dir: &Path) {
        std::fs::write(dir.join("root.pem"), pem("CERTIFICATE", &self.root_der)).unwrap();
        std::fs::write(dir.join("tsa.pem"), pem("CERTIFICATE", &self.tsa_der)).unwrap();
        std::fs::write(
            dir.join("seal-ca.pem"),
            pem("CERTIFICATE", &self.seal_ca_der),
        )
        .unwrap();
    }
}

pub fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(chunk).unwrap());
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

/// A visible seal: a red circle with a star-ish cross, paths only.
pub fn seal_appearance(size: f32) -> Vec<u8> {
    let r = size / 2.0 - 2.0;
    let c = size / 2.0;
    let k = 0.5523 * r;
    format!(
        "q 0.8 0 0 RG 3 w {x0} {c} m {x0} {a} {b} {y1} {c} {y1} c {d} {y1} {x1} {a} {x1} {c} c {x1} {e} {d} {y0} {c} {y0} c {b} {y0} {x0} {e} {x0} {c} c S \
         0.8 0 0 rg {s1} {c} m {c} {s2} l {s3} {c} l {c} {s4} l f Q",
        x0 = c - r, x1 = c + r, y0 = c - r, y1 = c + r, a = c + k, b = c - k, d = c + k, e = c - k,
        s1 = c - r / 3.0, s2 = c + r / 3.0, s3 = c + r / 3.0, s4 = c - r / 3.0,
    )
    .into_bytes()
}

/// A minimal one- or more-page PDF (classic xref table), padded with a
/// content stream comment block to about `pad` bytes.
pub fn minimal_pdf(pages: usize, pad: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    let n_objs = 3 + 2 * pages; // catalog, pages, font, (page, content) per page
    let obj = |out: &mut Vec<u8>, offsets: &mut Vec<usize>, body: &[u8]| {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", offsets.len()).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };
    obj(&mut out, &mut offsets, b"<< /Type /Catalog /Pages 2 0 R >>");
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    obj(
        &mut out,
        &mut offsets,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            kids.join(" ")
        )
        .as_bytes(),
    );
    obj(
        &mut out,
        &mut offsets,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    );
    for i in 0..pages {
        obj(
            &mut out,
            &mut offsets,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                5 + 2 * i
            )
            .as_bytes(),
        );
        let mut content = format!(
            "BT /F1 18 Tf 72 770 Td (Village certificate, page {}) Tj ET\n",
            i + 1
        )
        .into_bytes();
        while content.len() < pad / pages {
            content.extend_from_slice(
                b"% padding padding padding padding padding padding padding padding\n",
            );
        }
        let mut body = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        body.extend_from_slice(&content);
        body.extend_from_slice(b"\nendstream");
        obj(&mut out, &mut offsets, &body);
    }
    assert_eq!(offsets.len(), n_objs);
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f\r\n", n_objs + 1).as_bytes());
    for o in &offsets {
        out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            n_objs + 1
        )
        .as_bytes(),
    );
    out
}

/// A fresh scratch directory under the target dir.
pub fn scratch(name: &str) -> PathBuf {
    let base = std::env::var("CARGO_TARGET_TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir());
    let d = base.join(format!(
        "{name}-{}-{}",
        std::process::id(),
        eseal::crypto::random_token(6).unwrap()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `Some(path)` of an outside tool; `None` (after saying so) when it is
/// missing and we are not in CI; a panic when missing under `CI=true`.
pub fn tool(name: &str) -> Option<PathBuf> {
    let path = if name == "pyhanko" {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/pyhanko")
    } else {
        match Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {name}"))
            .output()
        {
            Ok(o) if o.status.success() => PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()),
            _ => PathBuf::new(),
        }
    };
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{name} is required with CI=true (run scripts/test.sh)");
    }
    eprintln!("skipped: {name} is not installed (run scripts/test.sh)");
    None
}

pub struct Output {
    pub ok: bool,
    pub text: String,
}

pub fn run(cmd: &mut Command) -> Output {
    let o = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    Output {
        ok: o.status.success(),
        text,
    }
}

/// One signature found in a file: its byte range and the DER in /Contents.
pub struct FoundSignature {
    pub range: [usize; 4],
    pub der: Vec<u8>,
}

impl FoundSignature {
    pub fn signed_bytes(&self, pdf: &[u8]) -> Vec<u8> {
        let [a, b, c, d] = self.range;
        let mut v = pdf[a..a + b].to_vec();
        v.extend_from_slice(&pdf[c..c + d]);
        v
    }
}

/// Every `/ByteRange` in the file, in file order, with its `/Contents`.
pub fn signatures(pdf: &[u8]) -> Vec<FoundSignature> {
    let needle = b"/ByteRange [";
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(p) = pdf[i..].windows(needle.len()).position(|w| w == needle) {
        let start = i + p + needle.len();
        let end = start + pdf[start..].iter().position(|&b| b == b']').unwrap();
        let nums: Vec<usize> = std::str::from_utf8(&pdf[start..end])
            .unwrap()
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        let range = [nums[0], nums[1], nums[2], nums[3]];
        let hex_text = &pdf[range[1] + 1..range[2] - 1];
        let mut der = hex::decode(hex_text).unwrap();
        // DER length of the outer SEQUENCE (always long form here).
        assert_eq!(der[0], 0x30);
        let total = if der[1] & 0x80 == 0 {
            2 + der[1] as usize
        } else {
            let n = (der[1] & 0x7f) as usize;
            2 + n
                + der[2..2 + n]
                    .iter()
                    .fold(0usize, |acc, &b| acc * 256 + b as usize)
        };
        der.truncate(total);
        out.push(FoundSignature { range, der });
        i = end;
    }
    out
}

/// A throwaway NSS database trusting only `root.pem` in `dir`.
pub fn nss_db(dir: &Path) -> Option<String> {
    let certutil = tool("certutil")?;
    let db = dir.join("nssdb");
    std::fs::create_dir_all(&db).unwrap();
    let spec = format!("sql:{}", db.display());
    let o = run(Command::new(&certutil).args(["-N", "-d", &spec, "--empty-password"]));
    assert!(o.ok, "certutil -N: {}", o.text);
    let root = dir.join("root.pem");
    let o = run(Command::new(&certutil)
        .args(["-A", "-d", &spec, "-n", "ganyu-root", "-t", "CT,C,C", "-i"])
        .arg(&root));
    assert!(o.ok, "certutil -A: {}", o.text);
    Some(spec)
}

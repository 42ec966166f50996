//! The verification report: a bottom line, per-signature details, and
//! reasons with stable codes and Chinese and English text.

use serde::Serialize;

/// The bottom line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Valid,
    ValidWithWarnings,
    Indeterminate,
    Invalid,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "VALID",
            Verdict::ValidWithWarnings => "VALID_WITH_WARNINGS",
            Verdict::Indeterminate => "INDETERMINATE",
            Verdict::Invalid => "INVALID",
        }
    }
}

/// How much a reason weighs on the bottom line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    Info,
    Warning,
    Indeterminate,
    Invalid,
}

macro_rules! codes {
    ($($code:ident => $sev:ident, $zh:literal, $en:literal;)*) => {
        /// A stable reason code (serialized as SCREAMING_SNAKE_CASE).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        #[allow(non_camel_case_types)]
        #[non_exhaustive]
        pub enum Code { $($code),* }

        impl Code {
            pub fn severity(self) -> Severity {
                match self { $(Code::$code => Severity::$sev),* }
            }
            pub fn zh(self) -> &'static str {
                match self { $(Code::$code => $zh),* }
            }
            pub fn en(self) -> &'static str {
                match self { $(Code::$code => $en),* }
            }
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code)),* }
            }
        }
    };
}

codes! {
    // --- the file ---
    NOT_PDF => Invalid, "文件不是 PDF 文档", "the file is not a PDF document";
    FILE_TOO_LARGE => Indeterminate, "文件超过允许的大小", "the file exceeds the size limit";
    TRUNCATED => Invalid, "文件不完整（被截断）或缺少交叉引用表", "the file is truncated or has no cross-reference table";
    MALFORMED_PDF => Invalid, "PDF 结构损坏", "the PDF structure is malformed";
    XREF_LOOP => Invalid, "交叉引用表形成循环", "the cross-reference chain loops";
    LIMIT_EXCEEDED => Indeterminate, "文件结构超出验证限制", "the file's structure exceeds a verification limit";
    ENCRYPTED => Indeterminate, "文件已加密，无法验证", "the file is encrypted and cannot be verified";
    UNSUPPORTED_FEATURE => Indeterminate, "文件使用了不支持的功能", "the file uses an unsupported feature";
    NO_SIGNATURE => Invalid, "文件中没有电子印章签名", "the file carries no electronic seal signature";
    NO_APPROVAL_SIGNATURE => Invalid, "文件中只有文档时间戳，没有电子印章签名（时间戳只证明时间，不证明盖章）", "the file has only document timestamps and no approval signature (a timestamp proves a time, not a seal)";
    NO_TRUSTED_SIGNATURE => Indeterminate, "没有一个完好、链接到受信任根证书且未被吊销的电子印章签名", "no approval signature is intact, chains to a trusted root and is unrevoked at its signing time";
    NO_TRUST_ANCHOR => Indeterminate, "未配置任何受信任的根证书，无法确认签名者", "no trust anchor is configured: no signer can be confirmed";
    TOO_MANY_SIGNATURES => Indeterminate, "签名数量超过验证限制", "the file has more signatures than the verifier accepts";
    TRAILING_DATA => Warning, "文件末尾有不属于任何修订版本的数据", "the file ends with data that belongs to no revision";
    APPENDED_OBJECTS => Invalid, "文件末尾追加了不在交叉引用表中的对象（增量保存攻击）", "objects were appended after the last revision without a cross-reference section (incremental saving attack)";
    INTERNAL_ERROR => Indeterminate, "验证程序内部错误", "internal verifier error";
    // --- integrity ---
    BYTE_RANGE_INVALID => Invalid, "签名的字节范围无效", "the signature's byte range is invalid";
    BYTE_RANGE_GAP_MISMATCH => Invalid, "字节范围的空隙与签名值位置不符", "the byte range gap is not exactly the signature value";
    SIGNATURE_VALUE_MISSING => Invalid, "签名值为空或全为零（伪造的签名）", "the signature value is empty or all zeros (universal signature forgery)";
    SIGNED_RANGE_NOT_A_REVISION => Invalid, "签名覆盖的范围不是一个完整的修订版本", "the signed bytes do not end at a revision boundary";
    DIGEST_MISMATCH => Invalid, "签名后文档内容已被修改（摘要不符）", "the document was altered after signing (digest mismatch)";
    COVERS_WHOLE_FILE => Info, "签名覆盖整个文件", "the signature covers the whole file";
    // --- CMS ---
    CMS_MALFORMED => Invalid, "签名数据（CMS）格式错误", "the signature data (CMS) is malformed";
    CMS_SIGNATURE_INVALID => Invalid, "签名值验证失败", "the signature value does not verify";
    CMS_CONTENT_TYPE => Invalid, "签名属性 content-type 缺失或错误", "the content-type signed attribute is missing or wrong";
    CMS_NO_SIGNED_ATTRIBUTES => Invalid, "签名缺少签名属性", "the signature has no signed attributes";
    ESS_MISMATCH => Invalid, "签名证书属性与签名者证书不符", "the signing-certificate-v2 attribute does not match the signer's certificate";
    ESS_MISSING => Warning, "缺少 signing-certificate-v2 属性（非 PAdES 基线签名）", "no signing-certificate-v2 attribute (not a PAdES baseline signature)";
    SIGNER_CERT_MISSING => Indeterminate, "签名中缺少签名者证书", "the signer's certificate is not included";
    WEAK_ALGORITHM => Invalid, "签名使用了已不安全的算法（SHA-1 或 MD5），不予接受", "the signature uses a weak algorithm (SHA-1 or MD5), refused";
    NOT_PADES_BASELINE => Info, "签名符合 ISO 32000 但不是 PAdES 基线签名", "the signature is valid under ISO 32000 but is not a PAdES baseline signature";
    CMS_BER_NORMALISED => Info, "签名数据为 BER 编码，已规范化为 DER 后验证", "the signature data was BER-encoded and was checked in its DER form";
    UNSUPPORTED_ALGORITHM => Indeterminate, "签名使用了不支持的算法", "the signature uses an unsupported algorithm";
    SIGNATURE_FIELD_BROKEN => Invalid, "签名域的值无法解析或不是签名（签名可能被隐藏）", "the signature field's value cannot be resolved or is not a signature (a signature may have been hidden)";
    SIGNATURE_FIELD_REMOVED => Invalid, "签名域在后来的修订版本中被移出表单或被替换（签名被隐藏）", "a later revision removed or replaced the signature field's signature (the signature was hidden)";
    UNKNOWN_SUBFILTER => Indeterminate, "不支持的签名格式（SubFilter）", "unsupported signature format (SubFilter)";
    // --- signer and chain ---
    CHAIN_TRUSTED => Info, "印章证书链接到受信任的根证书", "the seal certificate chains to a trusted root";
    CHAIN_UNTRUSTED_ROOT => Indeterminate, "印章证书链接到未知的根证书", "the seal certificate chains to an unknown root";
    CHAIN_INCOMPLETE => Indeterminate, "无法构建到受信任根证书的证书链", "no certificate chain to a trusted root could be built";
    CHAIN_SIGNATURE_INVALID => Invalid, "证书链中的证书签名无效", "a certificate in the chain has an invalid signature";
    CA_CERT_INVALID => Invalid, "颁发者证书不是有效的 CA 证书", "an issuing certificate is not a valid CA certificate";
    CERT_NOT_YET_VALID => Invalid, "签名时证书尚未生效", "a certificate was not yet valid at the signing time";
    CERT_EXPIRED => Invalid, "签名时证书已过期", "a certificate had expired at the signing time";
    CERT_EXPIRED_NO_POE => Indeterminate, "证书已过期，且没有可信时间戳证明签名时间", "a certificate has expired and no trusted timestamp proves when the signature was made";
    KEY_USAGE_INVALID => Invalid, "印章证书的密钥用途不允许签署文档", "the seal certificate's key usage does not allow signing documents";
    EKU_MISSING => Warning, "印章证书没有“文档签名”扩展密钥用途", "the seal certificate has no documentSigning extended key usage";
    SEAL_ID_MISSING => Warning, "印章证书主题中没有印章编号", "the seal certificate's subject has no seal_id (serialNumber)";
    // --- time ---
    TIMESTAMP_VALID => Info, "签名时间由可信时间戳证明", "the signing time is proven by a trusted timestamp";
    SIGNING_TIME_UNVERIFIED => Info, "没有时间戳：签名时间为签名者声明的时间，未经验证", "no timestamp: the signing time is the signer's claim, unverified";
    TIMESTAMP_IMPRINT_MISMATCH => Invalid, "时间戳的摘要与签名值不符", "the timestamp's message imprint does not match the signature";
    TIMESTAMP_INVALID => Invalid, "时间戳无效", "the timestamp token is invalid";
    TIMESTAMP_UNTRUSTED => Indeterminate, "时间戳机构证书不受信任，时间戳不能证明时间", "the timestamp authority's certificate is not trusted: the timestamp proves nothing";
    TSA_EKU_INVALID => Invalid, "时间戳机构证书没有关键的 timeStamping 扩展密钥用途", "the timestamp authority's certificate lacks a critical timeStamping extended key usage";
    // --- revocation ---
    REVOCATION_GOOD => Info, "吊销列表显示证书未被吊销", "the revocation list shows the certificate not revoked";
    REVOCATION_UNKNOWN => Info, "没有可用的吊销信息", "no revocation information is available";
    REVOKED_BEFORE_SIGNING => Invalid, "印章证书在签名之前已被吊销", "the seal certificate was revoked before the signing time";
    REVOKED_AFTER_SIGNING => Warning, "印章证书在签名之后被吊销（签名仍然有效）", "the seal certificate was revoked after the signing time (the signature stays valid)";
    CRL_INVALID => Warning, "忽略了一个无法验证的吊销列表", "a revocation list that could not be verified was ignored";
    // --- updates after signing ---
    LATER_DSS => Info, "签名后添加了长期验证数据（DSS）", "long-term validation data (DSS) was added after signing";
    LATER_DOCUMENT_TIMESTAMP => Info, "签名后添加了文档时间戳", "a document timestamp was added after signing";
    LATER_FORM_FILL => Info, "签名后按许可填写了表单字段", "a form field was filled in after signing, as the signatures permit";
    LATER_ANNOTATION => Info, "签名后按证书签名的许可（DocMDP P=3）添加或修改了注释", "an annotation was added or changed after signing, as the certification (DocMDP P=3) permits";
    LATER_SIGNATURE => Info, "签名后添加了另一个签名", "another signature was added after signing";
    LATER_SIGNATURE_NOT_VALID => Warning, "签名后添加的另一个签名未通过验证", "a signature added after signing does not validate";
    METADATA_UPDATED => Info, "签名后更新了文档元数据", "document metadata was updated after signing";
    OBJECT_REDEFINED => Invalid, "签名后有对象被重新定义（可能的“影子”攻击）", "an object was redefined after signing (possible shadow attack)";
    PAGE_CONTENT_CHANGED => Invalid, "签名后页面内容或资源被替换", "page content or resources were changed after signing";
    PAGE_TREE_CHANGED => Invalid, "签名后页面树被修改（页面被替换、增加或删除）", "the page tree was changed after signing (pages replaced, added or removed)";
    ANNOTATION_ADDED => Invalid, "签名后添加了注释", "an annotation was added after signing";
    FORM_CHANGED => Invalid, "签名后表单字段被修改", "a form field was changed after signing";
    OBJECT_DELETED => Invalid, "签名后有对象被删除", "an object was deleted after signing";
    UNDEFINED_OBJECT_DEFINED => Invalid, "签名后定义了签名时未定义的对象", "an object undefined at signing time was defined afterwards";
    ROOT_CHANGED => Invalid, "签名后文档目录被替换", "the document catalog was replaced after signing";
    CATALOG_CHANGED => Invalid, "签名后文档目录被修改", "the document catalog was changed after signing";
    // --- registry ---
    REGISTRY_ON_RECORD => Info, "文档在登记系统中有记录且有效", "the document is on record and in force";
    REGISTRY_VOIDED => Invalid, "文档已被作废", "the document has been voided";
    REGISTRY_SUPERSEDED => Warning, "文档已被新文档取代", "the document has been superseded";
    REGISTRY_NOT_FOUND => Invalid, "登记系统中没有该文档的记录", "the document is not on record";
    REGISTRY_UNAVAILABLE => Warning, "无法查询登记系统", "the registry could not be queried";
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Reason", 5)?;
        st.serialize_field("code", self.code.as_str())?;
        st.serialize_field("severity", &self.code.severity())?;
        st.serialize_field("zh", &self.zh())?;
        st.serialize_field("en", &self.en())?;
        st.serialize_field("detail", &self.detail)?;
        st.end()
    }
}

/// One reason: a code and an optional detail (an object number, a date...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub code: Code,
    pub detail: Option<String>,
}

impl Reason {
    pub fn new(code: Code) -> Self {
        Self { code, detail: None }
    }
    pub fn with(code: Code, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: Some(detail.into()),
        }
    }
    pub fn zh(&self) -> String {
        match &self.detail {
            Some(d) => format!("{}：{}", self.code.zh(), d),
            None => self.code.zh().to_string(),
        }
    }
    pub fn en(&self) -> String {
        match &self.detail {
            Some(d) => format!("{}: {}", self.code.en(), d),
            None => self.code.en().to_string(),
        }
    }
}

/// The bottom line implied by a list of reasons.
pub fn verdict_of(reasons: &[Reason]) -> Verdict {
    match reasons.iter().map(|r| r.code.severity()).max() {
        Some(Severity::Invalid) => Verdict::Invalid,
        Some(Severity::Indeterminate) => Verdict::Indeterminate,
        Some(Severity::Warning) => Verdict::ValidWithWarnings,
        _ => Verdict::Valid,
    }
}

/// Signature or document timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SignatureKind {
    Signature,
    DocumentTimestamp,
}

/// Where the signing time comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TimeSource {
    /// A valid RFC 3161 timestamp's genTime.
    Timestamp,
    /// The /M entry (or signing-time attribute) claimed by the signer: unverified.
    ClaimedUnverified,
    /// The genTime of an intact timestamp whose authority is not trusted:
    /// no better than a claim.
    UntrustedTimestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct SigningTime {
    /// RFC 3339, UTC.
    pub time: String,
    pub unix: i64,
    pub source: TimeSource,
}

/// A certificate, as shown to the user.
#[derive(Debug, Clone, Serialize)]
pub struct CertInfo {
    /// Subject CN: the seal holder for a seal cert.
    pub subject_cn: Option<String>,
    /// Subject serialNumber: the seal_id for a seal cert.
    pub seal_id: Option<String>,
    pub issuer_cn: Option<String>,
    pub serial_hex: String,
    pub sha256_hex: String,
    pub not_before: String,
    pub not_after: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChainStatus {
    Trusted,
    UntrustedRoot,
    Incomplete,
    Invalid,
    NotChecked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RevocationStatus {
    Good,
    RevokedBeforeSigning,
    RevokedAfterSigning,
    Unknown,
}

/// What a later revision did, and whether that is allowed after signing.
#[derive(Debug, Clone, Serialize)]
pub struct LaterChange {
    pub revision: usize,
    pub code: &'static str,
    pub object: Option<u32>,
    pub harmless: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub byte_range: [u64; 4],
    /// The revision (0 = original) whose end the signature covers.
    pub signed_revision: Option<usize>,
    pub covers_whole_file: bool,
    /// Bytes of the file after the signed range.
    pub bytes_after: u64,
    pub later_changes: Vec<LaterChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimestampInfo {
    pub gen_time: String,
    pub tsa: Option<CertInfo>,
    pub trusted: bool,
}

/// One signature's findings.
#[derive(Debug, Clone, Serialize)]
pub struct SignatureReport {
    pub index: usize,
    pub field_name: Option<String>,
    pub kind: SignatureKind,
    pub sub_filter: Option<String>,
    pub verdict: Verdict,
    /// Byte-range digest equals the CMS message digest and the signature verifies.
    pub intact: bool,
    pub signer: Option<CertInfo>,
    pub chain: ChainStatus,
    pub trust_anchor: Option<String>,
    pub key_usage_ok: bool,
    pub signing_time: Option<SigningTime>,
    pub timestamp: Option<TimestampInfo>,
    pub revocation: RevocationStatus,
    pub coverage: Option<Coverage>,
    /// "B-B", "B-T", "B-LT", "B-LTA", or None when not a PAdES baseline signature.
    pub pades_level: Option<&'static str>,
    pub reasons: Vec<Reason>,
}

/// The report for the whole document.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub verdict: Verdict,
    pub file_sha256: String,
    pub file_size: usize,
    pub revisions: usize,
    pub signatures: Vec<SignatureReport>,
    /// Document-level reasons (the file itself, the registry).
    pub reasons: Vec<Reason>,
    pub registry: Option<super::RegistryStatus>,
}

impl Report {
    /// Every reason code in the report (document and signatures).
    pub fn codes(&self) -> Vec<Code> {
        self.reasons
            .iter()
            .chain(self.signatures.iter().flat_map(|s| s.reasons.iter()))
            .map(|r| r.code)
            .collect()
    }

    pub fn has(&self, code: Code) -> bool {
        self.codes().contains(&code)
    }

    /// Plain-text rendering for the CLI.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}  ({} bytes, {} revision(s), sha256 {})",
            self.verdict.as_str(),
            self.file_size,
            self.revisions,
            self.file_sha256
        );
        for r in &self.reasons {
            let _ = writeln!(s, "  [{}] {} / {}", r.code.as_str(), r.zh(), r.en());
        }
        for sig in &self.signatures {
            let _ = writeln!(
                s,
                "\nSignature #{} {:?} {}: {}",
                sig.index + 1,
                sig.kind,
                sig.field_name.as_deref().unwrap_or(""),
                sig.verdict.as_str()
            );
            if let Some(c) = &sig.signer {
                let _ = writeln!(
                    s,
                    "  signer: {} (seal_id {}), cert sha256 {}",
                    c.subject_cn.as_deref().unwrap_or("?"),
                    c.seal_id.as_deref().unwrap_or("-"),
                    c.sha256_hex
                );
            }
            if let Some(t) = &sig.signing_time {
                let _ = writeln!(s, "  signing time: {} ({:?})", t.time, t.source);
            }
            let _ = writeln!(
                s,
                "  chain: {:?}{}; revocation: {:?}; level: {}",
                sig.chain,
                sig.trust_anchor
                    .as_ref()
                    .map(|a| format!(" ({a})"))
                    .unwrap_or_default(),
                sig.revocation,
                sig.pades_level.unwrap_or("-")
            );
            for r in &sig.reasons {
                let _ = writeln!(s, "  [{}] {} / {}", r.code.as_str(), r.zh(), r.en());
            }
        }
        s
    }
}

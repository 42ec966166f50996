/// Hard limits that keep verification of hostile input bounded in time and
/// memory. Every loop and every recursion in the verifier's PDF and ASN.1
/// parsing is bounded by one of these.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest file accepted (bytes).
    pub max_file_size: usize,
    /// Deepest nesting of arrays/dictionaries in one PDF object.
    pub max_depth: usize,
    /// Most cross-reference sections (= incremental revisions) followed.
    pub max_revisions: usize,
    /// Most cross-reference entries across all sections.
    pub max_xref_entries: usize,
    /// Most objects parsed during one verification.
    pub max_objects_parsed: usize,
    /// Most signatures examined in one document.
    pub max_signatures: usize,
    /// Largest decoded stream (bytes).
    pub max_stream_decoded: usize,
    /// Total decoded stream bytes during one verification.
    pub max_total_decoded: usize,
    /// Largest signature value (/Contents, decoded bytes).
    pub max_signature_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_size: 64 * 1024 * 1024,
            max_depth: 48,
            max_revisions: 256,
            max_xref_entries: 1_000_000,
            max_objects_parsed: 200_000,
            max_signatures: 64,
            max_stream_decoded: 16 * 1024 * 1024,
            max_total_decoded: 64 * 1024 * 1024,
            max_signature_size: 512 * 1024,
        }
    }
}

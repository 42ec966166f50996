use crate::pdf::ReadLimits;

/// Hard limits that keep verification of hostile input bounded in time and
/// memory. Every loop and every recursion in the verifier's PDF and ASN.1
/// parsing is bounded by one of these; the reading ones are handed to the
/// PDF reader as [`ReadLimits`].
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

impl Limits {
    /// The limits the PDF reader enforces.
    pub fn read(&self) -> ReadLimits {
        ReadLimits {
            max_file_size: self.max_file_size,
            max_depth: self.max_depth,
            max_revisions: self.max_revisions,
            max_xref_entries: self.max_xref_entries,
            max_objects_parsed: self.max_objects_parsed,
            max_stream_decoded: self.max_stream_decoded,
            max_total_decoded: self.max_total_decoded,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        let r = ReadLimits::default();
        Self {
            max_file_size: r.max_file_size,
            max_depth: r.max_depth,
            max_revisions: r.max_revisions,
            max_xref_entries: r.max_xref_entries,
            max_objects_parsed: r.max_objects_parsed,
            max_signatures: 64,
            max_stream_decoded: r.max_stream_decoded,
            max_total_decoded: r.max_total_decoded,
            max_signature_size: 512 * 1024,
        }
    }
}

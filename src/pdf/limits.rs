/// Hard limits on reading one PDF. Every loop and every recursion in the
/// reader is bounded by one of these, so hostile input costs bounded time
/// and memory.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    /// Largest file accepted (bytes).
    pub max_file_size: usize,
    /// Deepest nesting of arrays/dictionaries in one object.
    pub max_depth: usize,
    /// Most cross-reference sections (= incremental revisions) followed.
    pub max_revisions: usize,
    /// Most cross-reference entries across all sections.
    pub max_xref_entries: usize,
    /// Most objects parsed from one file.
    pub max_objects_parsed: usize,
    /// Largest decoded stream (bytes).
    pub max_stream_decoded: usize,
    /// Total decoded stream bytes from one file.
    pub max_total_decoded: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        Self {
            max_file_size: 64 * 1024 * 1024,
            max_depth: 48,
            max_revisions: 256,
            max_xref_entries: 1_000_000,
            max_objects_parsed: 200_000,
            max_stream_decoded: 16 * 1024 * 1024,
            max_total_decoded: 64 * 1024 * 1024,
        }
    }
}

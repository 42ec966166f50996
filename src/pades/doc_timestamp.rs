//! Step 7 (B-LTA): a document timestamp (ETSI EN 319 142-1 §5.4.3) over the
//! whole file including the DSS: a `/DocTimeStamp` signature dictionary whose
//! `/Contents` is an RFC 3161 token over the byte-range digest.

use super::PadesError;
use super::byte_range::{Placeholder, digest};
use super::embed::embed;
use super::prepare::{SigDict, prepare};
use crate::pdf::IncrementalFile;
use crate::tsa::TimestampClient;

/// Room reserved for the token.
pub const TOKEN_RESERVE: usize = 12 * 1024;

/// Append the document timestamp; returns its placeholder and the token.
pub fn add_document_timestamp(
    file: &mut IncrementalFile<'_>,
    tsa: &dyn TimestampClient,
) -> Result<(Placeholder, Vec<u8>), PadesError> {
    let ph = prepare(file, &SigDict::DocTimeStamp, None, TOKEN_RESERVE)?;
    let token = tsa.timestamp(&digest(&file.bytes, &ph))?;
    embed(&mut file.bytes, &ph, &token)?;
    Ok((ph, token))
}

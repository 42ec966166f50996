//! Step 1: append a revision holding the signature dictionary with
//! placeholders for `/ByteRange` and `/Contents`, and the field showing it.

use super::byte_range::Placeholder;
use super::field::add_signature_field;
use super::{PadesError, VisibleSeal};
use crate::pdf::write::{self, date_string, text_string};
use crate::pdf::{Dict, IncrementalFile, Object};

/// Width reserved inside `/ByteRange [ ... ]`: four offsets of up to ten digits.
pub(crate) const BYTE_RANGE_WIDTH: usize = 4 * 11;

/// What kind of signature dictionary to write.
pub enum SigDict<'a> {
    /// A PAdES signature (`/Type /Sig`, `/SubFilter /ETSI.CAdES.detached`).
    Signature {
        reason: &'a str,
        location: &'a str,
        name: &'a str,
        time: time::OffsetDateTime,
    },
    /// A document timestamp (`/Type /DocTimeStamp`, `/SubFilter /ETSI.RFC3161`).
    DocTimeStamp,
}

/// Append the revision; `contents_len` bytes are reserved for the DER that
/// `/Contents` will hold.
pub fn prepare(
    file: &mut IncrementalFile<'_>,
    kind: &SigDict<'_>,
    visible: Option<&VisibleSeal>,
    contents_len: usize,
) -> Result<Placeholder, PadesError> {
    let mut update = file.update();
    let sig_id = update.allocate();
    add_signature_field(&mut update, sig_id, visible)?;

    let mut head = Dict::new();
    let mut tail = Dict::new();
    let name = Object::name;
    match kind {
        SigDict::Signature {
            reason,
            location,
            name: signer_name,
            time,
        } => {
            head.set("Type", name("Sig"));
            head.set("Filter", name("Adobe.PPKLite"));
            head.set("SubFilter", name("ETSI.CAdES.detached"));
            tail.set("M", date_string(*time));
            if !reason.is_empty() {
                tail.set("Reason", text_string(reason));
            }
            if !location.is_empty() {
                tail.set("Location", text_string(location));
            }
            if !signer_name.is_empty() {
                tail.set("Name", text_string(signer_name));
            }
        }
        SigDict::DocTimeStamp => {
            head.set("Type", name("DocTimeStamp"));
            head.set("Filter", name("Adobe.PPKLite"));
            head.set("SubFilter", name("ETSI.RFC3161"));
        }
    }

    // << head /ByteRange [...] /Contents <00...> tail >>
    let mut body = b"<<".to_vec();
    write::write_entries(&mut body, &head);
    body.extend_from_slice(b"/ByteRange [");
    let byte_range_rel = body.len();
    body.extend(std::iter::repeat_n(b' ', BYTE_RANGE_WIDTH));
    body.extend_from_slice(b"] /Contents ");
    let contents_rel = body.len();
    body.push(b'<');
    body.extend(std::iter::repeat_n(b'0', contents_len * 2));
    body.push(b'>');
    body.push(b' ');
    write::write_entries(&mut body, &tail);
    body.extend_from_slice(b">>");
    let index = update.put_raw(sig_id, body);
    let written = update.finish();
    let at = written.offsets[index];
    let ph = Placeholder {
        byte_range_at: at + byte_range_rel,
        contents_start: at + contents_rel,
        contents_end: at + contents_rel + contents_len * 2 + 2,
    };
    super::byte_range::write_byte_range(&mut file.bytes, &ph)?;
    Ok(ph)
}

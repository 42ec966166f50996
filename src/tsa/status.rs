//! `TimeStampResp` and `PKIStatusInfo` (RFC 3161 §2.4.2), declared here
//! because the `cmpv2` crate's `PKIFailureInfo` flag values are bit
//! positions written as masks, which mis-encodes every failure reason.
//!
//! ```text
//! TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
//! PKIStatusInfo ::= SEQUENCE { status PKIStatus, statusString PKIFreeText OPTIONAL,
//!                              failInfo PKIFailureInfo OPTIONAL }
//! ```

use cms::content_info::ContentInfo;
use der::asn1::{BitString, Utf8StringRef};
use der::{Encode, Sequence};

/// PKIStatus values.
pub const GRANTED: u8 = 0;
pub const GRANTED_WITH_MODS: u8 = 1;
pub const REJECTION: u8 = 2;

/// PKIFailureInfo bit numbers used by a TSA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FailureInfo {
    BadAlg = 0,
    BadRequest = 2,
    BadDataFormat = 5,
    TimeNotAvailable = 14,
    UnacceptedPolicy = 15,
    UnacceptedExtension = 16,
    AddInfoNotAvailable = 17,
    SystemFailure = 25,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct PkiStatusInfo<'a> {
    pub status: u8,
    #[asn1(optional = "true")]
    pub status_string: Option<Vec<Utf8StringRef<'a>>>,
    #[asn1(optional = "true")]
    pub fail_info: Option<BitString>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub struct TimeStampResp<'a> {
    pub status: PkiStatusInfo<'a>,
    #[asn1(optional = "true")]
    pub time_stamp_token: Option<ContentInfo>,
}

impl PkiStatusInfo<'_> {
    /// The lowest failure bit set, if any.
    pub fn failure_bit(&self) -> Option<u8> {
        let bits = self.fail_info.as_ref()?;
        bits.bits().position(|b| b).map(|p| p as u8)
    }
}

/// DER named-bit BIT STRING with only bit `n` set (trailing zeros removed).
pub fn failure_bits(fail: FailureInfo) -> Result<BitString, der::Error> {
    let n = fail as usize;
    let mut bytes = vec![0u8; n / 8 + 1];
    bytes[n / 8] = 0x80 >> (n % 8);
    BitString::new((7 - n % 8) as u8, bytes)
}

/// A rejection response.
pub fn rejection(fail: FailureInfo, text: &str) -> Result<Vec<u8>, der::Error> {
    TimeStampResp {
        status: PkiStatusInfo {
            status: REJECTION,
            status_string: Some(vec![Utf8StringRef::new(text)?]),
            fail_info: Some(failure_bits(fail)?),
        },
        time_stamp_token: None,
    }
    .to_der()
}

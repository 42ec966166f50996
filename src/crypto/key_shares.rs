//! Shamir's secret sharing of a 256-bit wrapping key, M of N, over GF(256)
//! (the `blahaj` crate: one polynomial per byte, shares 1..=255). The root
//! CA keys' offline bundle is wrapped under such a key; no custodian's share
//! alone, nor any M-1 of them, says anything about it.
//!
//! A share is `x || y` (1 + 32 bytes) in a [`Zeroizing`] buffer; the key
//! recombined from M shares is a [`MasterKey`], zeroized on drop.

use zeroize::Zeroizing;

use super::{CryptoError, MasterKey};

/// One custodian's share of a key.
pub struct KeyShare {
    bytes: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for KeyShare {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyShare(index {}, <redacted>)", self.index())
    }
}

impl KeyShare {
    /// The share's x coordinate (1..=N), its custodian's number.
    pub fn index(&self) -> u8 {
        self.bytes.first().copied().unwrap_or(0)
    }

    /// The share's bytes (`x || y`), for writing the custodian's file.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        self.bytes.clone()
    }

    /// A share read back from a custodian's file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != 33 || bytes[0] == 0 {
            return Err(CryptoError::Shares(
                "a share is 33 bytes with a non-zero index".into(),
            ));
        }
        Ok(Self {
            bytes: Zeroizing::new(bytes.to_vec()),
        })
    }
}

impl MasterKey {
    /// Split this key into `count` shares, any `threshold` of which give it
    /// back.
    pub fn split(&self, threshold: u8, count: u8) -> Result<Vec<KeyShare>, CryptoError> {
        if threshold < 2 || threshold > count {
            return Err(CryptoError::Shares(format!(
                "{threshold}-of-{count}: need 2 <= M <= N <= 255"
            )));
        }
        let dealer = blahaj::Sharks(threshold).dealer(self.bytes());
        Ok(dealer
            .take(usize::from(count))
            .map(|s| KeyShare {
                bytes: Zeroizing::new(Vec::from(&s)),
            })
            .collect())
    }

    /// The key given back by at least `threshold` distinct shares.
    pub fn combine(threshold: u8, shares: &[KeyShare]) -> Result<Self, CryptoError> {
        let mut distinct: Vec<u8> = shares.iter().map(KeyShare::index).collect();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < usize::from(threshold) {
            return Err(CryptoError::Shares(format!(
                "{threshold} different shares are needed, {} given",
                distinct.len()
            )));
        }
        let parsed = shares
            .iter()
            .map(|s| blahaj::Share::try_from(s.bytes.as_slice()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| CryptoError::Shares(e.into()))?;
        let secret = Zeroizing::new(
            blahaj::Sharks(threshold)
                .recover(&parsed)
                .map_err(|e| CryptoError::Shares(e.into()))?,
        );
        MasterKey::from_bytes(&secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_m_shares_give_the_key_back_and_m_minus_one_do_not() {
        let key = MasterKey::generate().unwrap();
        let shares = key.split(3, 5).unwrap();
        assert_eq!(
            shares.iter().map(KeyShare::index).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5]
        );
        let pick = |ix: &[usize]| {
            ix.iter()
                .map(|&i| KeyShare::from_bytes(&shares[i].to_bytes()).unwrap())
                .collect::<Vec<_>>()
        };
        for ix in [[0, 1, 2], [0, 2, 4], [4, 3, 1]] {
            let back = MasterKey::combine(3, &pick(&ix)).unwrap();
            assert_eq!(back.fingerprint(), key.fingerprint());
        }
        let err = MasterKey::combine(3, &pick(&[0, 4])).unwrap_err();
        assert!(err.to_string().contains("3 different shares"), "{err}");
        // The same share twice counts once.
        assert!(MasterKey::combine(3, &pick(&[0, 4, 4])).is_err());
        assert!(key.split(1, 5).is_err());
        assert!(key.split(4, 3).is_err());
        assert!(!format!("{:?}", shares[0]).contains(&hex::encode(&shares[0].to_bytes()[1..])));
    }
}

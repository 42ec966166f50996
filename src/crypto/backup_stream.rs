//! The encryption of a backup file: AES-256-GCM in chunks under a key
//! derived from the master key, so a backup is no more readable than the
//! keystore it holds, and any change, reordering, truncation or extension
//! of the file is caught.
//!
//! Layout: `ESEALBK1`, a 32-byte random salt, then chunks, each a 4-byte
//! big-endian length and the sealed chunk (at most [`CHUNK`] bytes of
//! plaintext and its 16-byte tag). The key is HKDF-SHA256 of the master key
//! with the salt (a fresh key per backup, so chunk counters never repeat a
//! nonce under one key); chunk `i` has nonce `i` and the associated data
//! binds the file's header and whether it is the last chunk (the STREAM
//! construction of Hoang, Reyhanitabar, Rogaway and Vizár, 2015). A file
//! that ends before its last chunk is refused, as is one with bytes after it.

use std::io::{self, Read, Write};

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf;
use zeroize::Zeroizing;

use super::{CryptoError, MasterKey};

const MAGIC: &[u8; 8] = b"ESEALBK1";
const SALT_LEN: usize = 32;
const TAG_LEN: usize = 16;
const INFO: &[u8] = b"eseal backup v1";
/// Plaintext bytes per chunk.
pub const CHUNK: usize = 1 << 20;

fn derive(master: &MasterKey, salt: &[u8]) -> Result<LessSafeKey, CryptoError> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(master.bytes());
    let info = [INFO];
    let okm = prk
        .expand(&info, &AES_256_GCM)
        .map_err(|_| CryptoError::MasterKey("cannot derive the backup key".into()))?;
    Ok(LessSafeKey::new(UnboundKey::from(okm)))
}

fn nonce(counter: u64) -> Nonce {
    let mut n = [0u8; NONCE_LEN];
    n[NONCE_LEN - 8..].copy_from_slice(&counter.to_be_bytes());
    Nonce::assume_unique_for_key(n)
}

fn aad(header: &[u8], last: bool) -> Vec<u8> {
    let mut a = header.to_vec();
    a.push(u8::from(last));
    a
}

fn bad(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("backup file: {what}"))
}

/// Encrypts what is written to it; [`SealingWriter::finish`] seals the last
/// chunk and must be called.
pub struct SealingWriter<W: Write> {
    inner: W,
    key: LessSafeKey,
    header: Vec<u8>,
    counter: u64,
    buf: Zeroizing<Vec<u8>>,
}

impl<W: Write> SealingWriter<W> {
    pub fn new(mut inner: W, master: &MasterKey) -> Result<Self, CryptoError> {
        let salt = super::random_bytes(SALT_LEN)?;
        let mut header = MAGIC.to_vec();
        header.extend_from_slice(&salt);
        let key = derive(master, &salt)?;
        inner
            .write_all(&header)
            .map_err(|e| CryptoError::MasterKey(format!("writing the backup: {e}")))?;
        Ok(Self {
            inner,
            key,
            header,
            counter: 0,
            buf: Zeroizing::new(Vec::with_capacity(CHUNK)),
        })
    }

    fn seal_chunk(&mut self, last: bool) -> io::Result<()> {
        let take = self.buf.len().min(CHUNK);
        let mut chunk = self.buf[..take].to_vec();
        self.buf.drain(..take);
        self.key
            .seal_in_place_append_tag(
                nonce(self.counter),
                Aad::from(aad(&self.header, last)),
                &mut chunk,
            )
            .map_err(|_| bad("sealing failed"))?;
        self.counter += 1;
        let len = u32::try_from(chunk.len()).map_err(|_| bad("chunk too long"))?;
        self.inner.write_all(&len.to_be_bytes())?;
        self.inner.write_all(&chunk)
    }

    /// Seal the last chunk and flush; returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        while self.buf.len() > CHUNK {
            self.seal_chunk(false)?;
        }
        self.seal_chunk(true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for SealingWriter<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        // Keep at least one byte back: the last chunk is sealed by finish.
        while self.buf.len() > CHUNK {
            self.seal_chunk(false)?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Decrypts a backup file as it is read; an error on any tampering.
pub struct OpeningReader<R: Read> {
    inner: R,
    key: LessSafeKey,
    header: Vec<u8>,
    counter: u64,
    plain: Zeroizing<Vec<u8>>,
    pos: usize,
    done: bool,
}

impl<R: Read> OpeningReader<R> {
    /// Read the header; the wrong master key shows at the first chunk.
    pub fn new(mut inner: R, master: &MasterKey) -> io::Result<Self> {
        let mut header = vec![0u8; MAGIC.len() + SALT_LEN];
        inner
            .read_exact(&mut header)
            .map_err(|_| bad("too short to be an eseal backup"))?;
        if &header[..MAGIC.len()] != MAGIC {
            return Err(bad("not an eseal backup (no ESEALBK1 header)"));
        }
        let key = derive(master, &header[MAGIC.len()..]).map_err(|e| bad(&e.to_string()))?;
        Ok(Self {
            inner,
            key,
            header,
            counter: 0,
            plain: Zeroizing::new(Vec::new()),
            pos: 0,
            done: false,
        })
    }

    fn next_chunk(&mut self) -> io::Result<()> {
        let mut len = [0u8; 4];
        self.inner
            .read_exact(&mut len)
            .map_err(|_| bad("truncated (its last part is missing)"))?;
        let len = u32::from_be_bytes(len) as usize;
        if !(TAG_LEN..=CHUNK + TAG_LEN).contains(&len) {
            return Err(bad("damaged (a part of impossible length)"));
        }
        let mut chunk = Zeroizing::new(vec![0u8; len]);
        self.inner
            .read_exact(&mut chunk)
            .map_err(|_| bad("truncated (a part is cut short)"))?;
        // Try as a middle chunk, then as the last one.
        for last in [false, true] {
            let mut attempt = Zeroizing::new(chunk.to_vec());
            if let Ok(p) = self.key.open_in_place(
                nonce(self.counter),
                Aad::from(aad(&self.header, last)),
                &mut attempt,
            ) {
                let n = p.len();
                attempt.truncate(n);
                self.plain = attempt;
                self.pos = 0;
                self.counter += 1;
                if last {
                    self.done = true;
                    let mut extra = [0u8; 1];
                    if self.inner.read(&mut extra)? != 0 {
                        return Err(bad("damaged (bytes after its end)"));
                    }
                }
                return Ok(());
            }
        }
        Err(bad(
            "cannot be decrypted: another installation's master key, or the file was changed",
        ))
    }
}

impl<R: Read> Read for OpeningReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.plain.len() {
            if self.done {
                return Ok(0);
            }
            self.next_chunk()?;
        }
        let n = out.len().min(self.plain.len() - self.pos);
        out[..n].copy_from_slice(&self.plain[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(master: &MasterKey, data: &[u8]) -> Vec<u8> {
        let mut w = SealingWriter::new(Vec::new(), master).unwrap();
        w.write_all(data).unwrap();
        w.finish().unwrap()
    }

    fn open(master: &MasterKey, file: &[u8]) -> io::Result<Vec<u8>> {
        let mut r = OpeningReader::new(file, master)?;
        let mut out = Vec::new();
        r.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_trip_over_several_chunks_and_empty() {
        let m = MasterKey::generate().unwrap();
        let data: Vec<u8> = (0..(2 * CHUNK + 17)).map(|i| (i % 251) as u8).collect();
        assert_eq!(open(&m, &sealed(&m, &data)).unwrap(), data);
        assert_eq!(open(&m, &sealed(&m, b"")).unwrap(), b"");
        // Exactly one chunk's worth: still one last chunk.
        let one = vec![7u8; CHUNK];
        assert_eq!(open(&m, &sealed(&m, &one)).unwrap(), one);
    }

    #[test]
    fn tampering_truncation_extension_and_other_keys_are_refused() {
        let m = MasterKey::generate().unwrap();
        let data = vec![3u8; CHUNK + 100];
        let file = sealed(&m, &data);
        let other = MasterKey::generate().unwrap();
        assert!(open(&other, &file).is_err());
        let mut flipped = file.clone();
        let n = flipped.len();
        flipped[n / 2] ^= 1;
        assert!(open(&m, &flipped).is_err());
        // Cut after the first chunk: it is not the last one.
        let first_len = u32::from_be_bytes(file[40..44].try_into().unwrap()) as usize;
        assert!(open(&m, &file[..44 + first_len]).is_err());
        let mut longer = file.clone();
        longer.push(0);
        assert!(open(&m, &longer).is_err());
        assert!(open(&m, b"not a backup at all, no").is_err());
    }
}

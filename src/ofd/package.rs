//! The ZIP package of an OFD document: its entries read with every size
//! checked before the bytes are taken (the sizes a ZIP header claims are
//! not trusted: each entry is read through a limit), and written
//! deterministically (fixed timestamps, the entries in their order).

use std::io::{Cursor, Read, Write};

use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

use super::OfdError;

/// Bounds on reading a package.
#[derive(Debug, Clone)]
pub struct PackageLimits {
    /// Entries in the archive (our documents have about ten).
    pub max_entries: usize,
    /// Uncompressed bytes of one entry.
    pub max_entry_size: u64,
    /// Uncompressed bytes of all entries.
    pub max_total: u64,
    /// Largest expansion of an entry over its compressed size, counted
    /// once an entry passes [`Self::ratio_floor`] bytes: deflate reaches
    /// about 1000x on runs of one byte, real XML and fonts 3-20x.
    pub max_ratio: u64,
    pub ratio_floor: u64,
}

impl Default for PackageLimits {
    fn default() -> Self {
        Self {
            max_entries: 2048,
            max_entry_size: 32 << 20,
            max_total: 96 << 20,
            max_ratio: 200,
            ratio_floor: 1 << 20,
        }
    }
}

/// A package: entry names (relative, `/`-separated, no leading slash) and
/// their bytes, in archive order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Package {
    entries: Vec<(String, Vec<u8>)>,
}

/// Does `bytes` start like a ZIP archive (a local file header)?
pub fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
}

/// Is `name` a plain relative path that stays inside the package?
fn check_name(name: &str) -> Result<(), OfdError> {
    let bad = || OfdError::BadName {
        name: name.chars().take(200).collect(),
    };
    if name.is_empty()
        || name.len() > 1024
        || name.starts_with('/')
        || name.contains('\\')
        || name.contains(':')
        || name.chars().any(char::is_control)
    {
        return Err(bad());
    }
    let trimmed = name.strip_suffix('/').unwrap_or(name);
    if trimmed
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(bad());
    }
    Ok(())
}

fn zip_err(e: zip::result::ZipError) -> OfdError {
    OfdError::NotZip(e.to_string())
}

impl Package {
    pub fn new() -> Self {
        Self::default()
    }

    /// Read a package from `bytes` within `limits`.
    pub fn read(bytes: &[u8], limits: &PackageLimits) -> Result<Self, OfdError> {
        if !looks_like_zip(bytes) {
            return Err(OfdError::NotZip(
                "no ZIP local file header at the start".into(),
            ));
        }
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(zip_err)?;
        if archive.has_duplicate_names() {
            return Err(OfdError::Duplicate);
        }
        if archive.len() > limits.max_entries {
            return Err(OfdError::TooManyEntries {
                count: archive.len(),
                max: limits.max_entries,
            });
        }
        let mut entries = Vec::with_capacity(archive.len());
        let mut total = 0u64;
        for i in 0..archive.len() {
            let mut f = archive.by_index(i).map_err(zip_err)?;
            let name = f
                .name()
                .map_err(|e| OfdError::NotZip(e.to_string()))?
                .to_string();
            check_name(&name)?;
            if f.encrypted() {
                return Err(OfdError::Encrypted { name });
            }
            if !matches!(
                f.compression(),
                CompressionMethod::Stored | CompressionMethod::Deflated
            ) {
                return Err(OfdError::Compression { name });
            }
            if f.is_dir() {
                continue;
            }
            let room = limits
                .max_entry_size
                .min(limits.max_total.saturating_sub(total));
            if f.size() > room {
                return Err(too_large(name, f.size(), limits, total));
            }
            let compressed = f.compressed_size();
            let mut data = Vec::with_capacity(f.size().min(room) as usize);
            (&mut f)
                .take(room + 1)
                .read_to_end(&mut data)
                .map_err(|e| OfdError::NotZip(format!("{name}: {e}")))?;
            let n = data.len() as u64;
            if n > room {
                return Err(too_large(name, n, limits, total));
            }
            if n > limits.ratio_floor && n > limits.max_ratio.saturating_mul(compressed.max(1)) {
                return Err(OfdError::Bomb {
                    name,
                    ratio: limits.max_ratio,
                });
            }
            total += n;
            entries.push((name, data));
        }
        Ok(Self { entries })
    }

    /// The bytes of entry `path` (with or without a leading `/`).
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        let path = path.strip_prefix('/').unwrap_or(path);
        self.entries
            .iter()
            .find(|(n, _)| n == path)
            .map(|(_, d)| d.as_slice())
    }

    /// The bytes of `path`, or [`OfdError::Missing`].
    pub fn need(&self, path: &str) -> Result<&[u8], OfdError> {
        self.get(path).ok_or_else(|| OfdError::Missing {
            part: path.to_string(),
        })
    }

    /// Entry names, in archive order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    /// Entries, in archive order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.entries.iter().map(|(n, d)| (n.as_str(), d.as_slice()))
    }

    /// Set entry `path` (replacing it in place, or appending it).
    pub fn put(&mut self, path: &str, data: Vec<u8>) -> Result<(), OfdError> {
        let path = path.strip_prefix('/').unwrap_or(path);
        check_name(path)?;
        match self.entries.iter_mut().find(|(n, _)| n == path) {
            Some(e) => e.1 = data,
            None => self.entries.push((path.to_string(), data)),
        }
        Ok(())
    }

    /// The package as a ZIP archive: deflated entries with a fixed
    /// timestamp, so that the same package gives the same bytes.
    pub fn to_zip(&self) -> Result<Vec<u8>, OfdError> {
        let total: usize = self.entries.iter().map(|(_, d)| d.len()).sum();
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(total / 2 + 4096)));
        for (name, data) in &self.entries {
            let opts = SimpleFileOptions::default().last_modified_time(zip::DateTime::default());
            let opts = if holds_compressed_data(name) || data.len() < SMALL_ENTRY {
                // Deflate would spend more time than any other step of
                // writing the package to save a sixth of these entries
                // (measured with callgrind: a third of sealing an OFD).
                opts.compression_method(CompressionMethod::Stored)
            } else {
                // Level 1 for the large entries (a page's Content.xml,
                // about 28 KB); level 6 for the middling ones.
                let level = if data.len() > 16 << 10 { 1 } else { 6 };
                opts.compression_method(CompressionMethod::Deflated)
                    .compression_level(Some(level))
            };
            w.start_file(name.as_str(), opts).map_err(zip_err)?;
            w.write_all(data)
                .map_err(|e| OfdError::NotZip(e.to_string()))?;
        }
        Ok(w.finish().map_err(zip_err)?.into_inner())
    }
}

/// Entries below this size are stored: setting up a deflate stream costs
/// more than the few hundred bytes it would save (`OFD.xml`,
/// `Document.xml`, the signature lists).
const SMALL_ENTRY: usize = 4096;

/// Entries whose bytes hardly compress: pictures, the seal (`.esl`) and
/// signature values (`.dat`), which carry the seal's PNG picture, and font
/// subsets (dense CFF: level 1 saves 15% of them).
fn holds_compressed_data(name: &str) -> bool {
    let lower = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "esl" | "dat" | "png" | "jpg" | "jpeg" | "otf" | "ttf"
    )
}

fn too_large(name: String, size: u64, limits: &PackageLimits, total: u64) -> OfdError {
    if size > limits.max_entry_size {
        OfdError::EntryTooLarge {
            name,
            max: limits.max_entry_size,
        }
    } else {
        let _ = total;
        OfdError::TotalTooLarge {
            max: limits.max_total,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (n, d) in entries {
            w.start_file(*n, SimpleFileOptions::default()).unwrap();
            w.write_all(d).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn round_trip_is_deterministic() {
        let mut p = Package::new();
        p.put("OFD.xml", b"<a/>".to_vec()).unwrap();
        p.put("/Doc_0/Document.xml", b"<b/>".to_vec()).unwrap();
        let z = p.to_zip().unwrap();
        assert_eq!(z, p.to_zip().unwrap());
        let back = Package::read(&z, &PackageLimits::default()).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.get("/Doc_0/Document.xml"), Some(&b"<b/>"[..]));
    }

    #[test]
    fn traversal_names_bombs_and_limits_are_refused() {
        for bad in [
            "../x",
            "/etc/passwd",
            "a/../../b",
            "C:/x",
            "a\\b",
            "a//b",
            "./a",
        ] {
            let z = zip_of(&[(bad, b"x")]);
            let e = Package::read(&z, &PackageLimits::default());
            assert!(matches!(e, Err(OfdError::BadName { .. })), "{bad}: {e:?}");
        }
        // 4 MiB of zeros deflates to a few KB.
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        w.start_file("OFD.xml", opts).unwrap();
        w.write_all(&vec![0u8; 4 << 20]).unwrap();
        let z = w.finish().unwrap().into_inner();
        let e = Package::read(&z, &PackageLimits::default());
        assert!(matches!(e, Err(OfdError::Bomb { .. })), "{e:?}");
        let small = PackageLimits {
            max_entry_size: 1000,
            ..PackageLimits::default()
        };
        let z = zip_of(&[("a", &[1u8; 2000])]);
        assert!(matches!(
            Package::read(&z, &small),
            Err(OfdError::EntryTooLarge { .. })
        ));
        let few = PackageLimits {
            max_entries: 1,
            ..PackageLimits::default()
        };
        let z = zip_of(&[("a", b"1"), ("b", b"2")]);
        assert!(matches!(
            Package::read(&z, &few),
            Err(OfdError::TooManyEntries { .. })
        ));
        assert!(matches!(
            Package::read(b"%PDF-1.7", &PackageLimits::default()),
            Err(OfdError::NotZip(_))
        ));
    }
}

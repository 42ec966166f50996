//! The data directory is the service's alone: directories 0700, files 0600
//! (the master key, `eseal.db` and the `-wal` / `-shm` files SQLite makes
//! beside it with the database file's own mode). A new installation is
//! created that way; opening an older one tightens what it finds (never
//! loosens), with a warning naming each path changed.

use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Mode of the service's directories.
pub const DIR_MODE: u32 = 0o700;
/// Mode of the service's files.
pub const FILE_MODE: u32 = 0o600;

/// Create `dir` (and missing parents) as 0700.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    b.mode(DIR_MODE);
    b.create(dir)?;
    tighten(dir, DIR_MODE)
}

/// Open `path` for writing as a new 0600 file (an error if it exists).
pub fn create_file(path: &Path) -> io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    opts.mode(FILE_MODE);
    opts.open(path)
}

/// Write a new 0600 file, synced to disk.
pub fn write_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let mut f = create_file(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

/// Tighten `dir` and everything in it (directories to 0700, files to 0600;
/// symbolic links are left alone). Returns the paths changed.
pub fn make_private(dir: &Path) -> io::Result<Vec<std::path::PathBuf>> {
    let mut changed = Vec::new();
    walk(dir, &mut changed)?;
    Ok(changed)
}

fn walk(path: &Path, changed: &mut Vec<std::path::PathBuf>) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    let wanted = if meta.is_dir() { DIR_MODE } else { FILE_MODE };
    if loose(&meta, wanted) {
        tighten(path, wanted)?;
        changed.push(path.to_path_buf());
    }
    if meta.is_dir() {
        for entry in std::fs::read_dir(path)? {
            walk(&entry?.path(), changed)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn loose(meta: &std::fs::Metadata, wanted: u32) -> bool {
    meta.permissions().mode() & 0o777 & !wanted != 0
}

#[cfg(not(unix))]
fn loose(_: &std::fs::Metadata, _: u32) -> bool {
    false
}

/// Take from `path` every permission bit `wanted` does not have.
#[cfg(unix)]
fn tighten(path: &Path, wanted: u32) -> io::Result<()> {
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if mode & !wanted != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & wanted))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn tighten(_: &Path, _: u32) -> io::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn loose_files_and_directories_are_tightened_never_loosened() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("data");
        create_dir(&d.join("sub")).unwrap();
        assert_eq!(mode(&d), 0o700);
        std::fs::write(d.join("eseal.db"), b"x").unwrap();
        std::fs::set_permissions(d.join("eseal.db"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        std::fs::set_permissions(d.join("sub"), std::fs::Permissions::from_mode(0o755)).unwrap();
        write_file(&d.join("narrow"), b"k").unwrap();
        std::fs::set_permissions(d.join("narrow"), std::fs::Permissions::from_mode(0o400)).unwrap();
        let changed = make_private(&d).unwrap();
        assert_eq!(changed.len(), 2, "{changed:?}");
        assert_eq!(mode(&d.join("eseal.db")), 0o600);
        assert_eq!(mode(&d.join("sub")), 0o700);
        assert_eq!(mode(&d.join("narrow")), 0o400);
    }
}

//! The one way tamizdat writes a small file whole: under a temporary name in the same folder,
//! synced, then given its real name in one step, with the folder synced after. A crash leaves
//! either the old state or the new, never a half-written file at the real name.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

/// What to do when the real name already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Replace it (a rename over it).
    Replace,
    /// Never touch it: fail with `ErrorKind::AlreadyExists` (a hard link, which unlike a rename
    /// refuses an existing name). Key files are written this way: a key whose fingerprint was
    /// published must never be overwritten.
    Keep,
}

/// Writes `bytes` to `path` as a whole, with permission bits `mode` (Unix; ignored elsewhere).
pub fn write_atomically(
    path: &Path,
    bytes: &[u8],
    mode: u32,
    existing: Existing,
) -> io::Result<()> {
    if existing == Existing::Keep && fs::symlink_metadata(path).is_ok() {
        return Err(io::Error::from(io::ErrorKind::AlreadyExists));
    }
    let folder = super::parent_folder(path);
    let staged = folder.join(format!(
        "{}write-{}.tmp",
        super::WORK_PREFIX,
        super::random_suffix()
    ));
    let result = write_synced(&staged, bytes, mode).and_then(|()| match existing {
        Existing::Replace => fs::rename(&staged, path),
        Existing::Keep => match fs::hard_link(&staged, path) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => Err(error),
            // File systems without hard links (FAT32, exFAT): create the name directly; a
            // crash there can leave a partial file, which the next read reports as damaged.
            Err(_) => write_synced(path, bytes, mode).inspect_err(|error| {
                if error.kind() != io::ErrorKind::AlreadyExists {
                    let _ = fs::remove_file(path);
                }
            }),
        },
    });
    let _ = fs::remove_file(&staged);
    result?;
    super::sync_folder(folder)
}

/// Creates `path` (which must not exist) with `bytes`, synced to disk.
fn write_synced(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path)?;
    file.write_all(bytes).and_then(|()| file.sync_all())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_swaps_the_whole_file_and_keep_never_overwrites() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("record.json");
        write_atomically(&path, b"one", 0o644, Existing::Replace).unwrap();
        write_atomically(&path, b"two", 0o644, Existing::Replace).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let refused = write_atomically(&path, b"three", 0o600, Existing::Keep).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(folder.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn the_mode_is_set_from_the_first_byte_written() {
        use std::os::unix::fs::PermissionsExt;
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("secret.key");
        write_atomically(&path, b"secret", 0o600, Existing::Keep).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

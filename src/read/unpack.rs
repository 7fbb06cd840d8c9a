//! Staged, all-or-nothing unpacking of a bundle into a folder.
//!
//! Files are written into a staging folder beside the destination while the bundle streams;
//! only when every frame, path, size and hash has checked out is the staging folder synced and
//! renamed into place. On any failure the staging folder is removed and the destination is
//! exactly as it was.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::format::{FileEntry, Manifest};
use crate::fs::{DestinationLock, LockError, Progress, StagingFolder, free_space, sweep_leftovers};
use crate::read::VerifiedBundle;
use crate::read::verify::{BundleError, DestinationError, FileSink, VerifiedHeader};

/// Writes the files of a verified stream under a staging folder.
pub(crate) struct StagingSink<'a> {
    root: &'a Path,
    current: Option<(PathBuf, fs::File)>,
    /// The folder of the previous file: files come sorted, so most share it and need no mkdir.
    last_folder: PathBuf,
}

impl StagingSink<'_> {
    pub(crate) fn new(root: &Path) -> StagingSink<'_> {
        StagingSink {
            root,
            current: None,
            last_folder: PathBuf::new(),
        }
    }

    /// Removes the file being written, if any: its bytes did not verify (salvage goes on
    /// without it; unpack removes the whole staging folder anyway).
    pub(crate) fn discard_current(&mut self) -> Result<(), BundleError> {
        match self.current.take() {
            Some((path, file)) => {
                drop(file);
                fs::remove_file(&path).map_err(|e| BundleError::write(&path, e))
            }
            None => Ok(()),
        }
    }
}

impl FileSink for StagingSink<'_> {
    fn start_file(&mut self, entry: &FileEntry) -> Result<(), BundleError> {
        // The path was validated when the manifest was parsed (EditionPath), so joining it
        // cannot leave the staging folder.
        let path = self.root.join(entry.path.to_relative_path());
        if let Some(parent) = path.parent()
            && parent != self.last_folder
        {
            fs::create_dir_all(parent).map_err(|e| BundleError::write(parent, e))?;
            self.last_folder = parent.to_path_buf();
        }
        // create_new: a name that resolves to an existing file (a collision the manifest
        // check missed) is an error, never an overwrite.
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    // Only names that this file system treats as equal can meet here.
                    BundleError::NameCollision {
                        path: entry.path.as_str().to_string(),
                    }
                } else {
                    BundleError::write(&path, e)
                }
            })?;
        self.current = Some((path, file));
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> Result<(), BundleError> {
        match &mut self.current {
            Some((path, file)) => file
                .write_all(data)
                .map_err(|e| BundleError::write(path, e)),
            None => Ok(()),
        }
    }

    fn finish_file(&mut self, _: &FileEntry) -> Result<(), BundleError> {
        // Durability comes once for the whole tree, before the rename (StagingFolder::commit).
        self.current = None;
        Ok(())
    }

    fn discard_file(&mut self, _: &FileEntry) -> Result<(), BundleError> {
        self.discard_current()
    }
}

/// Where an unpack goes: the destination as an absolute path in a real folder, so that `.`,
/// `out/.` or `../x` all stage beside the destination, never inside it.
pub(crate) struct Destination {
    path: PathBuf,
    pub(crate) parent: PathBuf,
    /// Permissions of an existing empty folder, kept when the staged folder replaces it.
    existing_permissions: Option<fs::Permissions>,
}

/// Checks that the destination is absent or an empty folder, and where its parent really is.
pub(crate) fn check_destination(destination: &Path) -> Result<Destination, BundleError> {
    let write_error = |source| BundleError::Write {
        path: destination.to_path_buf(),
        source,
    };
    let (path, existing_permissions) = match fs::symlink_metadata(destination) {
        Ok(metadata) if metadata.is_dir() => {
            if fs::read_dir(destination)
                .map_err(write_error)?
                .next()
                .is_some()
            {
                return Err(DestinationError::NotEmpty {
                    folder: destination.to_path_buf(),
                }
                .into());
            }
            let path = fs::canonicalize(destination).map_err(write_error)?;
            (path, Some(metadata.permissions()))
        }
        Ok(metadata) if metadata.is_symlink() => {
            return Err(DestinationError::SymbolicLink {
                path: destination.to_path_buf(),
            }
            .into());
        }
        Ok(_) => {
            return Err(DestinationError::NotAFolder {
                path: destination.to_path_buf(),
            }
            .into());
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let name = destination
                .file_name()
                .ok_or_else(|| DestinationError::NoFolderName {
                    path: destination.to_path_buf(),
                })?;
            let parent = crate::fs::parent_folder(destination);
            let parent = fs::canonicalize(parent).map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    DestinationError::ParentMissing {
                        parent: parent.to_path_buf(),
                    }
                    .into()
                } else {
                    BundleError::Write {
                        path: parent.to_path_buf(),
                        source: e,
                    }
                }
            })?;
            (parent.join(name), None)
        }
        Err(e) => return Err(write_error(e)),
    };
    let parent = path
        .parent()
        .ok_or_else(|| DestinationError::Unusable {
            path: destination.to_path_buf(),
        })?
        .to_path_buf();
    Ok(Destination {
        path,
        parent,
        existing_permissions,
    })
}

/// A destination, locked for this process, with its leftovers from killed runs swept away and
/// checked again under the lock (another run may have filled it meanwhile).
pub(crate) struct LockedDestination {
    pub(crate) target: Destination,
    pub(crate) lock: DestinationLock,
}

pub(crate) fn lock_destination(destination: &Path) -> Result<LockedDestination, BundleError> {
    let target = check_destination(destination)?;
    let name = target
        .path
        .file_name()
        .ok_or_else(|| DestinationError::Unusable {
            path: destination.to_path_buf(),
        })?;
    let lock = match DestinationLock::acquire(&target.parent, name) {
        Ok(lock) => lock,
        Err(LockError::Busy) => {
            return Err(BundleError::Busy {
                destination: destination.to_path_buf(),
            });
        }
        Err(LockError::Io(error)) => return Err(BundleError::write(&target.parent, error)),
    };
    // Best effort: a folder we cannot list or clean is no reason to refuse this unpack.
    let _ = sweep_leftovers(&target.parent, &lock);
    let target = check_destination(destination)?;
    Ok(LockedDestination { target, lock })
}

/// Bytes of disk the files of `manifest` need: each file in whole blocks of 4,096 bytes, as
/// most file systems store it, plus one block for its folder entry and metadata.
pub fn space_needed(manifest: &Manifest) -> u64 {
    const BLOCK: u64 = 4096;
    manifest
        .files
        .iter()
        .map(|file| {
            file.size
                .div_ceil(BLOCK)
                .saturating_add(1)
                .saturating_mul(BLOCK)
        })
        .fold(0u64, u64::saturating_add)
}

/// Refuses, before anything is written, a bundle whose files cannot fit on the destination's
/// disk.
pub(crate) fn check_free_space(folder: &Path, manifest: &Manifest) -> Result<(), BundleError> {
    enough_space(folder, space_needed(manifest), free_space(folder))
}

/// The decision of `check_free_space`, given what the disk reports (None: unknown).
pub fn enough_space(folder: &Path, needed: u64, available: Option<u64>) -> Result<(), BundleError> {
    match available {
        Some(available) if available < needed => Err(BundleError::NotEnoughSpace {
            folder: folder.to_path_buf(),
            needed,
            available,
        }),
        _ => Ok(()),
    }
}

/// Unpacks a verified bundle into `destination`, which must not exist or be empty.
///
/// Nothing is visible at `destination` until every byte has verified: files are written to a
/// staging folder beside it, made durable, and renamed into place in one step. Two unpacks into
/// the same destination at once are refused with [`BundleError::Busy`]; leftovers of a killed
/// run beside the destination are removed first.
pub fn unpack_into<R: Read + Send>(
    bundle: VerifiedBundle<R>,
    destination: &Path,
    progress: &dyn Progress,
) -> Result<VerifiedHeader, BundleError> {
    let (locked, staging) = prepare_destination(destination, bundle.manifest())?;
    let mut sink = StagingSink::new(staging.path());
    let header = bundle.stream_into(&mut sink, progress)?;
    drop(sink);
    commit(staging, &locked, destination)?;
    Ok(header)
}

/// Locks `destination`, checks that the files of `manifest` fit on its disk, and creates the
/// staging folder beside it that unpack and salvage write into.
pub(crate) fn prepare_destination(
    destination: &Path,
    manifest: &Manifest,
) -> Result<(LockedDestination, StagingFolder), BundleError> {
    let locked = lock_destination(destination)?;
    check_free_space(&locked.target.parent, manifest)?;
    let staging = StagingFolder::create_in(&locked.target.parent, &locked.lock)
        .map_err(|e| BundleError::write(destination, e))?;
    Ok((locked, staging))
}

/// Renames a fully written staging folder into place.
pub(crate) fn commit(
    staging: StagingFolder,
    locked: &LockedDestination,
    destination: &Path,
) -> Result<(), BundleError> {
    let write_error = |source| BundleError::write(destination, source);
    // Re-check right before the rename: only another program could have filled it.
    check_destination(destination)?;
    if let Some(permissions) = &locked.target.existing_permissions {
        // The staged folder replaces the empty one: keep the reader's choice of who may read it.
        fs::set_permissions(staging.path(), permissions.clone()).map_err(write_error)?;
    }
    staging.commit(&locked.target.path).map_err(write_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_counted_in_whole_blocks_plus_one_each() {
        let mut manifest: Manifest = serde_json::from_value(serde_json::json!({
            "publisher": {"key_id": "0000000000000000", "name": "x"},
            "channel": "c", "sequence": 1, "created": "2026-11-25T00:00:00Z",
            "title": "t", "language": "en",
            "payload": {"length": 0, "sha256": "00".repeat(32), "tar_length": 0},
            "frames": [], "files": [], "articles": [],
        }))
        .unwrap();
        assert_eq!(space_needed(&manifest), 0);
        for size in [0u64, 1, 4096, 4097] {
            manifest.files.push(
                serde_json::from_value(serde_json::json!({
                    "path": format!("f{size}"), "size": size, "sha256": "00".repeat(32),
                    "media_type": "text/plain", "frame": 0,
                }))
                .unwrap(),
            );
        }
        // 0 -> 1 block, 1 -> 2, 4096 -> 2, 4097 -> 3.
        assert_eq!(space_needed(&manifest), 8 * 4096);
        manifest.files[0].size = u64::MAX;
        assert_eq!(
            space_needed(&manifest),
            u64::MAX,
            "saturates instead of wrapping"
        );
    }

    #[test]
    fn too_little_space_is_refused_and_unknown_space_is_not() {
        let folder = Path::new("/media/stick");
        let refused = enough_space(folder, 10_000, Some(9_999)).unwrap_err();
        assert!(
            refused.to_string().starts_with("not enough space"),
            "{refused}"
        );
        assert!(refused.to_string().contains("/media/stick"), "{refused}");
        assert!(enough_space(folder, 10_000, Some(10_000)).is_ok());
        assert!(enough_space(folder, u64::MAX, None).is_ok());
    }
}

//! Staged, all-or-nothing unpacking of a bundle into a folder.
//!
//! Files are written into a staging folder beside the destination while the bundle streams;
//! only when every frame, path, size and hash has checked out is the staging folder synced and
//! renamed into place. On any failure the staging folder is removed and the destination is
//! exactly as it was.

use std::fs;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use crate::format::FileEntry;
use crate::io::{Progress, StagingFolder};
use crate::verify::{
    BundleError, FileSink, TrustedKeys, VerifiedHeader, open_bundle, stream_files,
};

/// Writes the files of a verified stream under a staging folder.
struct StagingSink<'a> {
    root: &'a Path,
    current: Option<(PathBuf, fs::File)>,
    /// The folder of the previous file: files come sorted, so most share it and need no mkdir.
    last_folder: PathBuf,
}

impl StagingSink<'_> {
    fn write_error(path: &Path, source: std::io::Error) -> BundleError {
        BundleError::Write {
            path: path.to_path_buf(),
            source,
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
            fs::create_dir_all(parent).map_err(|e| Self::write_error(parent, e))?;
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
                    BundleError::ArchiveMismatch(format!(
                        "{:?} has the same name as another file of the bundle on this disk",
                        entry.path.as_str()
                    ))
                } else {
                    Self::write_error(&path, e)
                }
            })?;
        self.current = Some((path, file));
        Ok(())
    }

    fn write(&mut self, data: &[u8]) -> Result<(), BundleError> {
        match &mut self.current {
            Some((path, file)) => file.write_all(data).map_err(|e| Self::write_error(path, e)),
            None => Ok(()),
        }
    }

    fn finish_file(&mut self, _: &FileEntry) -> Result<(), BundleError> {
        // Durability comes once for the whole tree, before the rename (StagingFolder::commit).
        self.current = None;
        Ok(())
    }
}

/// Where an unpack goes: the destination as an absolute path in a real folder, so that `.`,
/// `out/.` or `../x` all stage beside the destination, never inside it.
struct Destination {
    path: PathBuf,
    parent: PathBuf,
    /// Permissions of an existing empty folder, kept when the staged folder replaces it.
    existing_permissions: Option<fs::Permissions>,
}

fn destination_error(message: String) -> BundleError {
    BundleError::Destination(message)
}

/// Checks that the destination is absent or an empty folder, and where its parent really is.
fn check_destination(destination: &Path) -> Result<Destination, BundleError> {
    let shown = destination.display();
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
                return Err(destination_error(format!(
                    "the folder {shown} is not empty; unpack into a new or empty folder"
                )));
            }
            let path = fs::canonicalize(destination).map_err(write_error)?;
            (path, Some(metadata.permissions()))
        }
        Ok(metadata) if metadata.is_symlink() => {
            return Err(destination_error(format!(
                "{shown} is a symbolic link; unpack into a new or empty folder"
            )));
        }
        Ok(_) => {
            return Err(destination_error(format!(
                "{shown} exists and is not a folder; unpack into a new or empty folder"
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let name = destination
                .file_name()
                .ok_or_else(|| destination_error(format!("{shown} does not name a new folder")))?;
            let parent = crate::io::parent_folder(destination);
            let parent = fs::canonicalize(parent).map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    destination_error(format!(
                        "the folder {} does not exist; create it first",
                        parent.display()
                    ))
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
        .ok_or_else(|| destination_error(format!("cannot unpack into {shown}")))?
        .to_path_buf();
    Ok(Destination {
        path,
        parent,
        existing_permissions,
    })
}

/// Verifies `bundle` and unpacks it into `destination`, which must not exist or be empty.
pub fn unpack_into(
    bundle: &Path,
    destination: &Path,
    keys: &TrustedKeys,
    progress: &dyn Progress,
) -> Result<VerifiedHeader, BundleError> {
    let target = check_destination(destination)?;
    let file = fs::File::open(bundle).map_err(BundleError::Read)?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    // The header is verified before anything is created on disk.
    let header = open_bundle(&mut reader, keys)?;
    let write_error = |source| BundleError::Write {
        path: destination.to_path_buf(),
        source,
    };
    let staging = StagingFolder::create_in(&target.parent).map_err(write_error)?;
    let mut sink = StagingSink {
        root: staging.path(),
        current: None,
        last_folder: PathBuf::new(),
    };
    stream_files(&header, &mut reader, &mut sink, progress)?;
    drop(sink);
    // Re-check right before the rename: something may have appeared meanwhile.
    check_destination(destination)?;
    if let Some(permissions) = target.existing_permissions {
        // The staged folder replaces the empty one: keep the reader's choice of who may read it.
        fs::set_permissions(staging.path(), permissions).map_err(write_error)?;
    }
    staging.commit(&target.path).map_err(write_error)?;
    Ok(header)
}

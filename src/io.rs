//! Small I/O pieces shared by pack and unpack: staged folders that appear whole or not at
//! all, and syncing what must survive a power cut.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Reports progress of long work; the library never draws anything itself.
pub trait Progress: Sync {
    /// The amount of work, in bytes, once it is known.
    fn set_total(&self, _bytes: u64) {}
    /// Some bytes of work were done.
    fn advance(&self, _bytes: u64) {}
}

/// Progress that goes nowhere, for callers that do not show any.
pub struct NoProgress;
impl Progress for NoProgress {}

/// Fills `buffer` from `reader`, returning how many bytes were read before the stream ended
/// (less than the buffer's length only at the end of the stream).
pub fn read_fully<R: io::Read>(reader: &mut R, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The folder holding `path`: `.` for a bare file name, where `Path::parent` gives "".
pub fn parent_folder(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Syncs a folder so that a rename or a new entry in it survives a crash.
pub fn sync_folder(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(path)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// A random suffix for temporary names, so concurrent runs never pick the same one.
pub fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    // If the random source fails, fall back to the process id and time: names only need to
    // differ, not be secret, and creation uses create_new/create_dir which never reuse.
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default();
        bytes = (nanos ^ u64::from(std::process::id())).to_le_bytes();
    }
    data_encoding::HEXLOWER.encode(&bytes)
}

/// A folder being filled beside its final place. Dropped without [`StagingFolder::commit`], it
/// is removed with everything in it, so a failure leaves nothing behind.
pub struct StagingFolder {
    path: PathBuf,
    committed: bool,
}

/// Staging folders start with this, so a person (or a later sweep) can recognise leftovers.
pub const STAGING_PREFIX: &str = ".tamizdat-staging-";

impl StagingFolder {
    /// Creates an empty staging folder in `parent` (which must be on the same file system as
    /// the destination, so the final rename is atomic). It gets the user's ordinary folder
    /// permissions, as the destination will.
    pub fn create_in(parent: &Path) -> io::Result<StagingFolder> {
        let path = parent.join(format!("{STAGING_PREFIX}{}", random_suffix()));
        fs::create_dir(&path)?;
        Ok(StagingFolder {
            path,
            committed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Makes every staged file and folder durable, renames the tree to `destination` (which
    /// must not exist or be an empty folder), then syncs the parent so the rename is durable.
    pub fn commit(mut self, destination: &Path) -> io::Result<()> {
        sync_tree(&self.path)?;
        fs::rename(&self.path, destination)?;
        self.committed = true;
        // The verified tree is in place; failing to make the rename itself durable must not
        // report the unpack as failed, so this last sync is best effort.
        let _ = sync_folder(parent_folder(destination));
        Ok(())
    }
}

impl Drop for StagingFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

/// Makes a freshly written tree durable before it is renamed into sight. On Linux one
/// `syncfs` flushes the whole file system at once: fsync after every file costs about 0.2 ms
/// each here, 10 s for an edition of 44,000 files, several times the unpacking itself.
#[cfg(target_os = "linux")]
fn sync_tree(root: &Path) -> io::Result<()> {
    let folder = fs::File::open(root)?;
    rustix::fs::syncfs(&folder).map_err(io::Error::from)
}

/// Elsewhere: fsync every file and folder of the tree.
#[cfg(not(target_os = "linux"))]
fn sync_tree(root: &Path) -> io::Result<()> {
    for entry in walkdir::WalkDir::new(root).contents_first(true) {
        let entry = entry.map_err(io::Error::other)?;
        if entry.file_type().is_dir() {
            sync_folder(entry.path())?;
        } else {
            fs::OpenOptions::new()
                .write(true)
                .open(entry.path())?
                .sync_all()?;
        }
    }
    Ok(())
}

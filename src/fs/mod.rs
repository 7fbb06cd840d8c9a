//! Small I/O pieces shared by pack and unpack: staged folders that appear whole or not at
//! all, and syncing what must survive a power cut.

use std::ffi::OsStr;
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

/// Makes `options` refuse to open a symbolic link (Unix: `O_NOFOLLOW`; the open fails), for
/// files a mirror writes in folders others may have prepared: a link planted where a download
/// goes must not send its bytes into a file elsewhere.
pub fn no_follow(options: &mut fs::OpenOptions) -> &mut fs::OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    options
}

/// An I/O failure in plain words for a message: what the common ones mean for the reader,
/// and otherwise the system's text without its "(os error N)".
pub fn plainly(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "there is no such file or folder".to_string(),
        io::ErrorKind::PermissionDenied => "you are not allowed to open it".to_string(),
        io::ErrorKind::IsADirectory => "it is a folder, not a file".to_string(),
        io::ErrorKind::NotADirectory => "a part of its path is a file, not a folder".to_string(),
        _ => {
            let text = error.to_string();
            match text.rfind(" (os error ") {
                Some(at) if text.ends_with(')') => text[..at].to_string(),
                _ => text,
            }
        }
    }
}

/// Progress that goes nowhere, for callers that do not show any.
pub struct NoProgress;
impl Progress for NoProgress {}

mod atomic;
mod hashing;

pub use crate::format::read_fully;
pub use atomic::{Existing, write_atomically};
pub use hashing::HashingReader;

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

/// Names of everything tamizdat leaves beside a destination while it works start with this, so
/// a person (or the sweep at the next run) can recognise leftovers of a crash.
pub const WORK_PREFIX: &str = ".tamizdat-";

/// Staging folders: `.tamizdat-staging-TAG-RANDOM`, where TAG names the destination's lock.
pub const STAGING_PREFIX: &str = ".tamizdat-staging-";

/// Lock files: `.tamizdat-lock-TAG`, held (flock) for as long as a destination is being written.
pub const LOCK_PREFIX: &str = ".tamizdat-lock-";

/// What a sweep writes into a lock file it holds.
const SWEEPING: &[u8] = b"sweeping\n";

/// Kinds of work files that belong to a destination's lock: removed once that lock is free.
const TAGGED_PREFIXES: [&str; 3] = [STAGING_PREFIX, ".tamizdat-bundle-", ".tamizdat-payload-"];

/// The tag that ties a destination's lock file and work files together: 16 hex digits of the
/// SHA-256 of the destination's name, so any name (up to 255 bytes, any script) gives a short,
/// portable file name.
///
/// Names that one case-insensitive or normalising disk (FAT32, exFAT, NTFS, APFS) treats as
/// the same (`News`, `news`) must share a lock, so the hash is of the name's case-folded NFC
/// form, as the path rules compare names.
pub fn lock_tag(name: &OsStr) -> String {
    use sha2::Digest;
    let folded = name.to_str().map(crate::format::path::name_collision_key);
    let bytes = folded
        .as_deref()
        .map_or(name.as_encoded_bytes(), str::as_bytes);
    let digest = sha2::Sha256::digest(bytes);
    data_encoding::HEXLOWER.encode(&digest[..8])
}

/// Why a destination lock could not be taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it: someone is writing the same destination right now.
    Busy,
    /// The lock file could not be created, opened or locked.
    Io(io::Error),
}

/// Exclusive right to write one destination (a name in a folder), held as an advisory lock
/// (`flock`) on `.tamizdat-lock-TAG` beside it. The kernel releases it when the process dies,
/// even by SIGKILL, so a crash never leaves a destination locked; the lock file itself is
/// removed when the lock is dropped, or swept at the next run after a crash.
pub struct DestinationLock {
    path: PathBuf,
    tag: String,
    // Holds the lock; closed after the file is unlinked in Drop.
    file: fs::File,
}

impl DestinationLock {
    /// Takes the lock for `name` in `folder`. A run writing the same destination holds it:
    /// that is [`LockError::Busy`] at once. Another run's sweep holds it only while it removes
    /// stale work files (it says so in the lock file), and is waited for.
    pub fn acquire(folder: &Path, name: &OsStr) -> Result<DestinationLock, LockError> {
        let tag = lock_tag(name);
        let path = folder.join(format!("{LOCK_PREFIX}{tag}"));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            match Self::acquire_tag(folder, &tag) {
                Err(LockError::Busy)
                    if std::time::Instant::now() < deadline
                        && fs::read(&path).is_ok_and(|text| text == SWEEPING) =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                result => return result,
            }
        }
    }

    /// Tells a run that finds this lock taken that it is held by a sweep, not by a writer.
    fn mark_sweeping(&mut self) {
        use std::io::Write;
        let _ = self.file.write_all(SWEEPING);
    }

    fn acquire_tag(folder: &Path, tag: &str) -> Result<DestinationLock, LockError> {
        let path = folder.join(format!("{LOCK_PREFIX}{tag}"));
        // Another process may unlink the lock file between our open and our lock (it was
        // releasing the lock, or sweeping a stale one): then the inode we locked is no longer
        // the one at the path, and we try again on the new one.
        for _ in 0..16 {
            let file = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(LockError::Io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => return Err(LockError::Busy),
                Err(fs::TryLockError::Error(error)) => return Err(LockError::Io(error)),
            }
            if same_file(&file, &path).map_err(LockError::Io)? {
                return Ok(DestinationLock {
                    path,
                    tag: tag.to_string(),
                    file,
                });
            }
        }
        Err(LockError::Busy)
    }

    /// The tag to put in the names of this destination's work files.
    pub fn tag(&self) -> &str {
        &self.tag
    }
}

impl Drop for DestinationLock {
    fn drop(&mut self) {
        // Unlinked while still locked, so nobody can lock this inode and believe it current.
        let _ = fs::remove_file(&self.path);
    }
}

/// True if `path` names the very file `file` has open.
#[cfg(unix)]
fn same_file(file: &fs::File, path: &Path) -> io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let open = file.metadata()?;
    match fs::symlink_metadata(path) {
        Ok(named) => Ok(open.dev() == named.dev() && open.ino() == named.ino()),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error),
    }
}

#[cfg(not(unix))]
fn same_file(_file: &fs::File, _path: &Path) -> io::Result<bool> {
    // Elsewhere an open file cannot be unlinked, so the path still names it.
    Ok(true)
}

/// Removes what a killed run left in `folder`: staging folders, temporary bundles and lock
/// files whose lock nobody holds, and any earlier work files of the destination whose lock the
/// caller holds (`held`: its own run has not created any yet). Work files of a destination
/// locked by another run in progress are left alone. Returns how many were removed.
pub fn sweep_leftovers(folder: &Path, held: &DestinationLock) -> io::Result<usize> {
    sweep(folder, Some(held), std::time::Duration::from_secs(60))
}

/// Removes every work file and lock file in `folder` whose lock nobody holds, however young:
/// for a folder that is only ever written under an outer lock the caller holds (the library's
/// `editions/`), where no run can be about to take one of these locks. Returns how many were
/// removed.
pub fn sweep_abandoned(folder: &Path) -> io::Result<usize> {
    sweep(folder, None, std::time::Duration::ZERO)
}

fn sweep(
    folder: &Path,
    held: Option<&DestinationLock>,
    lock_file_age: std::time::Duration,
) -> io::Result<usize> {
    let mut tags = std::collections::BTreeSet::new();
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let tag_of = |rest: &str| {
            (rest.len() >= 16
                && rest.is_char_boundary(16)
                && rest[..16].bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| rest[..16].to_string())
        };
        if let Some(tag) = TAGGED_PREFIXES
            .iter()
            .find_map(|prefix| name.strip_prefix(prefix))
            .and_then(tag_of)
        {
            tags.insert(tag);
        } else if let Some(tag) = name.strip_prefix(LOCK_PREFIX).and_then(tag_of) {
            // A lock file alone is tiny: leave a fresh one to the run that may be about to
            // lock it, so a sweep never makes that run wait; remove it once it is old.
            let old = lock_file_age.is_zero()
                || entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|modified| modified.elapsed().ok())
                    .is_some_and(|age| age >= lock_file_age);
            if old {
                tags.insert(tag);
            }
        }
    }
    let mut removed = 0;
    for tag in tags {
        if held.is_some_and(|held| held.tag == tag) {
            // A second lock on our own file would conflict with the one we hold.
            removed += remove_work_files(folder, &tag)?;
            continue;
        }
        // Holding the lock proves that no run is writing this destination: whatever carries
        // its tag is a leftover. The lock file itself goes when the lock is dropped.
        let Ok(mut lock) = DestinationLock::acquire_tag(folder, &tag) else {
            continue;
        };
        lock.mark_sweeping();
        removed += remove_work_files(folder, lock.tag())?;
        removed += 1;
    }
    Ok(removed)
}

/// Removes the work files carrying `tag` in `folder`.
fn remove_work_files(folder: &Path, tag: &str) -> io::Result<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(folder)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let ours = TAGGED_PREFIXES.iter().any(|prefix| {
            name.strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with(tag))
        });
        if !ours {
            continue;
        }
        let path = entry.path();
        let result = if entry.file_type()?.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        match result {
            Ok(()) => removed += 1,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    Ok(removed)
}

/// Bytes free for this user on the file system holding `folder`, or None where unknown.
pub fn free_space(folder: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let stats = rustix::fs::statvfs(folder).ok()?;
        Some(stats.f_bavail.saturating_mul(stats.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        None
    }
}

/// True for the errors a full disk, an exhausted quota or a file-size limit give (EFBIG: a
/// write beyond RLIMIT_FSIZE or the file system's largest file, 4.3 GB on FAT32).
pub fn is_out_of_space(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded | io::ErrorKind::FileTooLarge
    )
}

/// A folder being filled beside its final place. Dropped without [`StagingFolder::commit`], it
/// is removed with everything in it, so a failure leaves nothing behind; a crash leaves it for
/// [`sweep_leftovers`], which can tell it is abandoned because its destination lock is free.
pub struct StagingFolder {
    path: PathBuf,
    committed: bool,
}

impl StagingFolder {
    /// Creates an empty staging folder in `parent` (which must be on the same file system as
    /// the destination, so the final rename is atomic), named after the destination's lock,
    /// which the caller holds. It gets the user's ordinary folder permissions, as the
    /// destination will.
    pub fn create_in(parent: &Path, lock: &DestinationLock) -> io::Result<StagingFolder> {
        let path = parent.join(format!(
            "{STAGING_PREFIX}{}-{}",
            lock.tag(),
            random_suffix()
        ));
        fs::create_dir(&path)?;
        Ok(StagingFolder {
            path,
            committed: false,
        })
    }

    /// Where the staging folder is, to write the staged files into.
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

impl StagingFolder {
    /// Puts this tree at `destination` in place of the folder there, in one step where the
    /// system can (Linux: `renameat2` with `RENAME_EXCHANGE`), so that a reader of
    /// `destination` (a running server) sees the old tree or the new one, never neither; the
    /// old tree is then removed. Elsewhere the old folder is moved aside first, leaving a moment
    /// without it. With no folder at `destination`, this is [`StagingFolder::commit`].
    pub fn replace(self, destination: &Path) -> io::Result<()> {
        if fs::symlink_metadata(destination).is_err() {
            return self.commit(destination);
        }
        sync_tree(&self.path)?;
        let mut staged = self;
        swap_folders(&staged.path, destination)?;
        // The old tree now sits at the staging path, and goes with it.
        let _ = fs::remove_dir_all(&staged.path);
        staged.committed = true;
        let _ = sync_folder(parent_folder(destination));
        Ok(())
    }
}

/// Puts the folder `new` (complete and durable) at `destination` in place of the folder there,
/// in one step where the system can, and removes the old one. Used where a whole folder is
/// replaced by a better one, as an incomplete edition by a complete copy.
pub fn replace_folder(new: &Path, destination: &Path) -> io::Result<()> {
    swap_folders(new, destination)?;
    let _ = fs::remove_dir_all(new);
    let _ = sync_folder(parent_folder(destination));
    Ok(())
}

/// Swaps two folders' names: in one step with `RENAME_EXCHANGE`, else by moving `destination`
/// aside first (the name is briefly missing). Afterwards `a` holds what `destination` held.
fn swap_folders(a: &Path, destination: &Path) -> io::Result<()> {
    if exchange(a, destination).is_err() {
        let aside = a.with_extension("old");
        fs::rename(destination, &aside)?;
        if let Err(error) = fs::rename(a, destination) {
            let _ = fs::rename(&aside, destination);
            return Err(error);
        }
        let _ = fs::rename(&aside, a);
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    rustix::fs::renameat_with(
        rustix::fs::CWD,
        a,
        rustix::fs::CWD,
        b,
        rustix::fs::RenameFlags::EXCHANGE,
    )
    .map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_failures_read_plainly_and_others_lose_their_error_number() {
        let missing = io::Error::from(io::ErrorKind::NotFound);
        assert_eq!(plainly(&missing), "there is no such file or folder");
        let raw = io::Error::from_raw_os_error(28);
        assert!(raw.to_string().contains("os error 28"));
        assert!(!plainly(&raw).contains("os error"), "{}", plainly(&raw));
        assert!(!plainly(&raw).is_empty());
    }
}

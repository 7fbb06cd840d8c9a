//! Checking a bundle file against the catalog that lists it: length, SHA-256 of the whole
//! file, its own signature, the payload's signed hash, and that its signed manifest says what
//! the catalog says. One read of the file, no decompression.

use std::io::BufReader;
use std::path::Path;

use sha2::Digest;

use crate::format::Sha256Digest;
use crate::format::catalog::{CatalogEdition, bundle_file_name};
use crate::fs::{HashingReader, NoProgress, Progress};
use crate::mirror::MirrorError;
use crate::read::{Bundle, READ_BUFFER, TrustSource};

/// Verifies the bundle file at `path` (signature and payload hash, without decompressing)
/// and describes it as a catalog lists it.
pub fn describe_bundle_file(
    path: &Path,
    trust: &(impl TrustSource + ?Sized),
    progress: &dyn Progress,
) -> Result<CatalogEdition, MirrorError> {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let file = std::fs::File::open(path)
        .map_err(MirrorError::io(format!("cannot read {}", path.display())))?;
    let mut hashing = HashingReader::new(BufReader::with_capacity(READ_BUFFER, file));
    let bundle_error = |error| MirrorError::Bundle {
        file: name.clone(),
        error,
    };
    let verified = Bundle::from_reader(path, &mut hashing)
        .and_then(|bundle| bundle.verify(trust))
        .map_err(bundle_error)?;
    let manifest = verified.manifest();
    let mut edition = CatalogEdition {
        channel: manifest.channel.clone(),
        sequence: manifest.sequence,
        file: bundle_file_name(&manifest.channel, manifest.sequence),
        length: 0,
        sha256: String::new(),
        created: manifest.created.clone(),
        title: manifest.title.clone(),
    };
    verified.check_quick(progress).map_err(bundle_error)?;
    edition.length = hashing.count;
    edition.sha256 = Sha256Digest(hashing.hasher.finalize().into()).to_hex();
    Ok(edition)
}

/// Checks the bundle file at `path` against `edition`: see [`describe_bundle_file`].
pub fn check_bundle_file(
    path: &Path,
    edition: &CatalogEdition,
    trust: &(impl TrustSource + ?Sized),
    progress: &dyn Progress,
) -> Result<(), MirrorError> {
    let mismatch = |problem: String| MirrorError::BundleMismatch {
        file: edition.file.clone(),
        problem,
    };
    let length = std::fs::metadata(path)
        .map_err(MirrorError::io(format!("cannot read {}", path.display())))?
        .len();
    if length != edition.length {
        return Err(mismatch(format!(
            "it is {length} bytes long, but the catalog says {}",
            edition.length
        )));
    }
    let found = describe_bundle_file(path, trust, progress).map_err(|error| match error {
        MirrorError::Bundle { error, .. } => MirrorError::Bundle {
            file: edition.file.clone(),
            error,
        },
        other => other,
    })?;
    if found.sha256 != edition.sha256 || found.length != edition.length {
        return Err(mismatch(
            "its SHA-256 differs from the catalog's: it is not the file the publisher listed"
                .into(),
        ));
    }
    if found != *edition {
        return Err(mismatch(format!(
            "its signed manifest says {} #{} of {}, \"{}\", but the catalog lists {} #{} of {}, \"{}\"",
            found.channel,
            found.sequence,
            found.created,
            found.title,
            edition.channel,
            edition.sequence,
            edition.created,
            edition.title
        )));
    }
    Ok(())
}

/// [`describe_bundle_file`] without progress.
pub(crate) fn describe_quietly(
    path: &Path,
    trust: &(impl TrustSource + ?Sized),
) -> Result<CatalogEdition, MirrorError> {
    describe_bundle_file(path, trust, &NoProgress)
}

/// Where a download of `file` is kept until it is checked: a dot-file (web servers configured
/// as the README says do not serve it, and nobody mistakes it for a bundle), ending in `.part`.
pub(crate) fn part_path(folder: &Path, file: &str) -> std::path::PathBuf {
    folder.join(format!("{}download-{file}.part", crate::fs::WORK_PREFIX))
}

/// A sidecar of a download: `.validator` (the server's ETag), `.source` (which mirror).
fn sidecar(part: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = part.as_os_str().to_owned();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

/// Downloads `edition` from `source` into its `.part` in `folder` and checks it against the
/// catalog ([`check_bundle_file`]). On success the checked `.part` is returned, for the caller
/// to give its name. A `.part` is resumed only from the mirror that began it (another mirror,
/// even an honest one, cannot vouch for bytes it did not send), and when a resumed file fails
/// its check it is fetched once more from the start before the mirror is given up: a mirror
/// that sent a wrong beginning and dropped the connection cannot poison the next one.
pub(crate) fn download_checked(
    source: &dyn crate::mirror::source::Source,
    edition: &CatalogEdition,
    folder: &Path,
    trust: &(impl TrustSource + ?Sized),
    progress: &dyn Progress,
) -> Result<(std::path::PathBuf, crate::mirror::http::Downloaded), MirrorError> {
    let part = part_path(folder, &edition.file);
    let validator = sidecar(&part, ".validator");
    let began_by = sidecar(&part, ".source");
    let discard = || {
        let _ = std::fs::remove_file(&part);
        let _ = std::fs::remove_file(&validator);
        let _ = std::fs::remove_file(&began_by);
    };
    let this_source = source.describe();
    let same_source = read_small(&began_by).is_some_and(|text| text == this_source);
    if !same_source {
        discard();
    }
    write_small(&began_by, &this_source)?;
    let path = format!("{}/{}", crate::format::catalog::BUNDLES, edition.file);
    let download = || {
        source
            .download(&path, edition.length, &part, progress)
            .inspect_err(|_| {
                // Nothing arrived: nothing to resume, so no trace is left.
                if !std::fs::symlink_metadata(&part).is_ok_and(|m| m.len() > 0) {
                    discard();
                }
            })
    };
    let mut downloaded = download()?;
    let mut checked = check_bundle_file(&part, edition, trust, &NoProgress);
    if checked.is_err() && downloaded.resumed_from > 0 {
        discard();
        write_small(&began_by, &this_source)?;
        downloaded = download()?;
        checked = check_bundle_file(&part, edition, trust, &NoProgress);
    }
    if checked.is_err() {
        discard();
    } else {
        let _ = std::fs::remove_file(&validator);
        let _ = std::fs::remove_file(&began_by);
    }
    checked.map(|()| (part, downloaded))
}

fn read_small(path: &Path) -> Option<String> {
    use std::io::Read;
    let file = crate::fs::no_follow(std::fs::OpenOptions::new().read(true))
        .open(path)
        .ok()?;
    let mut text = String::new();
    file.take(4096).read_to_string(&mut text).ok()?;
    Some(text)
}

fn write_small(path: &Path, text: &str) -> Result<(), MirrorError> {
    use std::io::Write;
    crate::fs::no_follow(
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true),
    )
    .open(path)
    .and_then(|mut file| file.write_all(text.as_bytes()))
    .map_err(MirrorError::io(format!("cannot write {}", path.display())))
}

//! The publisher side: pack an edition folder into a signed bundle.
//!
//! Nothing is compressed or written until the edition is known to be packable: the folder is
//! listed (names), then its articles and stylesheets are checked (references). The tar stream is cut into frames by the rule in [`crate::format::frames`]; frames are
//! compressed in parallel (each is independent, so the output does not depend on the number
//! of threads), written to a temporary payload file, then the signed header and the payload
//! are written to a temporary bundle beside the output, which is verified with the public key
//! and only then renamed into place.

use std::fs;
use std::io::{self, BufReader, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::thread;

use sha2::{Digest, Sha256};

use crate::format::frames::{TAR_BLOCK_LEN, TAR_END_LEN, padded_len};
use crate::format::header::unsigned_header;
use crate::format::manifest::{
    MAX_TEXT_LEN, check_channel, check_created, format_created, is_language_tag, is_plain_text,
};
use crate::format::path::EditionPath;
use crate::format::statement::Credentials;
use crate::format::tar::{file_header, pax_header};
use crate::format::{
    FileEntry, FormatError, Frame, Manifest, ManifestError, Payload, Publisher, Sha256Digest,
};
use crate::fs::{
    DestinationLock, HashingReader, LockError, Progress, parent_folder, sweep_leftovers,
    sync_folder,
};
use crate::keys::SecretKey;
use crate::keys::TrustedKeys;
use crate::publish::edition::{Edition, EditionError, SourceFile, check_articles, list_files};
use crate::publish::frame_writer::FrameWriter;
use crate::read::Trust;
use crate::read::{Bundle, BundleError};

/// Compression level used when the publisher does not choose one: zstd's default, a good
/// balance for daily editions. Higher levels shrink text further at a large cost in time.
pub const DEFAULT_LEVEL: i32 = 3;

/// Why an edition could not be packed.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// The edition folder cannot be read or packed.
    #[error("{0}")]
    Edition(#[from] EditionError),
    /// The channel or creation time breaks the manifest rules.
    #[error("{0}")]
    InvalidChannelOrTime(ManifestError),
    /// The language given is not a language tag.
    #[error("the language {0:?} is not a language tag such as en, fa or pt-BR")]
    InvalidLanguage(String),
    /// The compression level is outside 1 to 22.
    #[error("the compression level {0} must be between 1 and 22")]
    InvalidLevel(i32),
    /// A text option, such as the title, is too long or has forbidden characters.
    #[error(
        "the {0} must be 1 to {MAX_TEXT_LEN} bytes with no control or direction-changing characters"
    )]
    InvalidText(&'static str),
    /// The output path does not name a file.
    #[error("{} is not a file name", .0.display())]
    OutputNotAFile(PathBuf),
    /// The edition breaks a format limit.
    #[error("the edition cannot be packed: {0}")]
    EditionNotPackable(FormatError),
    /// The output exists and `force` is off.
    #[error("the output {0} already exists")]
    OutputExists(PathBuf),
    /// Reading a source file failed.
    #[error("cannot read {path}: {}", crate::fs::plainly(.source))]
    Read {
        /// The source file.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// A source file changed between its hashing and its packing.
    #[error("{path} changed while it was being packed")]
    ChangedWhilePacking {
        /// The source file.
        path: PathBuf,
    },
    /// Writing the bundle failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The underlying I/O error.
        source: io::Error,
    },
    /// Another pack holds the lock on the output.
    #[error("another pack is writing {} right now", .0.display())]
    Busy(PathBuf),
    /// Building the header or manifest failed.
    #[error("{0}")]
    Format(#[from] FormatError),
    /// The finished bundle did not pass verification.
    #[error(
        "the finished bundle failed its own verification ({0}); nothing was written. This is a bug or a disk fault"
    )]
    SelfCheck(BundleError),
}

/// What to pack and how.
#[derive(Debug, Clone)]
pub struct PackOptions {
    /// The channel the edition belongs to.
    pub channel: String,
    /// The edition's sequence number in its channel.
    pub sequence: u64,
    /// The creation time written to the manifest.
    pub created: time::OffsetDateTime,
    /// The zstd compression level, 1 to 22.
    pub level: i32,
    /// Edition title; defaults to the front page's title, then the folder's name.
    pub title: Option<String>,
    /// Edition language; defaults to the front page's, then the most common among articles.
    pub language: Option<String>,
    /// Pack articles that load remote resources, with a warning instead of an error.
    pub allow_remote: bool,
    /// Replace an existing output file.
    pub force: bool,
    /// Compression threads; 0 means one per core.
    pub threads: usize,
    /// Pack hidden files and folders too (dot-files, `Thumbs.db`, editor backups), which are
    /// otherwise left out and listed in [`PackReport::skipped`].
    pub include_hidden: bool,
}

/// Something about an edition that packs but that its readers would notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EditionWarning {
    /// Neither a title given nor a front page with one.
    #[error("the edition has no title, so readers will see \"Untitled edition\"")]
    Untitled,
    /// No Markdown or HTML file.
    #[error(
        "the edition has no articles (Markdown or HTML files), so readers will see only a list of its files"
    )]
    NoArticles,
    /// Sequence number 0.
    #[error(
        "its sequence number is 0; readers keep the highest number they have seen in a channel, so numbers start at 1 and only ever go up"
    )]
    SequenceZero,
}

/// What a pack produced, for the summary the publisher sees.
#[derive(Debug, Clone)]
pub struct PackReport {
    /// The manifest that was signed.
    pub manifest: Manifest,
    /// Where the bundle was written.
    pub output: PathBuf,
    /// The bundle's size, in bytes.
    pub bundle_len: u64,
    /// SHA-256 of the whole bundle file.
    pub bundle_sha256: Sha256Digest,
    /// The fingerprint of the signing key.
    pub fingerprint: String,
    /// Problems packed anyway, one sentence each.
    pub warnings: Vec<String>,
    /// Hidden files and folders left out, by path; a folder ends in `/`.
    pub skipped: Vec<String>,
    /// What readers of this edition would notice, one each.
    pub edition_warnings: Vec<EditionWarning>,
}

impl PackReport {
    /// The total size of the edition's files, in bytes.
    pub fn bytes_in(&self) -> u64 {
        self.manifest.total_file_size()
    }
}

/// Packs `source` into a signed bundle at `output`.
pub fn pack_edition(
    source: &Path,
    secret: &SecretKey,
    options: &PackOptions,
    output: &Path,
    progress: &dyn Progress,
) -> Result<PackReport, PackError> {
    pack_with_credentials(source, secret, None, options, output, progress)
}

/// Packs `source` into a certified bundle (format 2) at `output`: signed by `secret`, whose
/// certificate, root chain and statements `credentials` carries (see
/// [`crate::authority::publisher::bundle_credentials`]).
pub fn pack_certified_edition(
    source: &Path,
    secret: &SecretKey,
    credentials: &Credentials,
    options: &PackOptions,
    output: &Path,
    progress: &dyn Progress,
) -> Result<PackReport, PackError> {
    pack_with_credentials(source, secret, Some(credentials), options, output, progress)
}

fn pack_with_credentials(
    source: &Path,
    secret: &SecretKey,
    credentials: Option<&Credentials>,
    options: &PackOptions,
    output: &Path,
    progress: &dyn Progress,
) -> Result<PackReport, PackError> {
    check_options(options, output)?;
    let threads = match options.threads {
        0 => thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    // Everything that can make the edition unpackable is found before a single byte is
    // compressed or written: a refusal costs a listing and a scan of the articles, never a
    // compression of the edition's data.
    let edition = list_and_check(source, output, options, threads)?;
    let output_folder = parent_folder(output).to_path_buf();
    let write_error = |source| PackError::Write {
        path: output.to_path_buf(),
        source,
    };
    // Taken after listing the edition, so the lock file is never part of an edition that holds
    // its own output. Leftovers of a killed pack beside the output are swept under it.
    let output_name = output
        .file_name()
        .ok_or_else(|| PackError::OutputNotAFile(output.to_path_buf()))?;
    let lock = match DestinationLock::acquire(&output_folder, output_name) {
        Ok(lock) => lock,
        Err(LockError::Busy) => return Err(PackError::Busy(output.to_path_buf())),
        Err(LockError::Io(error)) => return Err(write_error(error)),
    };
    let _ = sweep_leftovers(&output_folder, &lock);
    let (payload_file, entries, frames, payload) = write_payload(
        &edition.files,
        options,
        &output_folder,
        lock.tag(),
        threads,
        progress,
    )?;
    let manifest = build_manifest(&edition, secret, options, entries, frames, payload);
    // What a reader will check, checked here first, so a publisher's mistake (a title with a
    // tab, too many files) is reported as such and not as a failed self-check.
    manifest
        .validate(&secret.public().key_id().to_hex())
        .map_err(PackError::EditionNotPackable)?;
    let mut edition_warnings = Vec::new();
    if options.title.is_none()
        && edition
            .front_page()
            .is_none_or(|page| page.title.is_empty())
    {
        edition_warnings.push(EditionWarning::Untitled);
    }
    if edition.articles.is_empty() {
        edition_warnings.push(EditionWarning::NoArticles);
    }
    if options.sequence == 0 {
        edition_warnings.push(EditionWarning::SequenceZero);
    }
    let warnings = edition.warnings;
    let skipped = edition.skipped;
    drop(edition.files);
    let header = signed_header(secret, credentials, &manifest)?;
    let bundle =
        write_bundle(&header, payload_file, &output_folder, lock.tag()).map_err(write_error)?;
    // Memory that grows with the number of files is released before the self-check, which
    // reads the header back and holds its own copy of the manifest.
    drop(header);
    let (bundle_len, bundle_sha256) = self_check(bundle.path(), secret, credentials)?;
    persist(bundle, output, options.force)?;
    sync_folder(&output_folder).map_err(write_error)?;
    drop(lock);
    Ok(PackReport {
        manifest,
        output: output.to_path_buf(),
        bundle_len,
        bundle_sha256,
        fingerprint: secret.public().fingerprint(),
        warnings,
        skipped,
        edition_warnings,
    })
}

/// Step 1: the options a reader would refuse, and an output that exists without `force`.
fn check_options(options: &PackOptions, output: &Path) -> Result<(), PackError> {
    check_channel(&options.channel).map_err(PackError::InvalidChannelOrTime)?;
    // The tar mtime is `created`: refused up front if a tar header cannot hold it.
    check_created(&format_created(options.created)).map_err(PackError::InvalidChannelOrTime)?;
    if let Some(language) = &options.language
        && !is_language_tag(language)
    {
        return Err(PackError::InvalidLanguage(language.clone()));
    }
    if !(1..=22).contains(&options.level) {
        return Err(PackError::InvalidLevel(options.level));
    }
    for (what, text) in [("title", &options.title), ("language", &options.language)] {
        if let Some(text) = text
            && (text.is_empty() || !is_plain_text(text))
        {
            return Err(PackError::InvalidText(what));
        }
    }
    if !options.force && fs::symlink_metadata(output).is_ok() {
        return Err(PackError::OutputExists(output.to_path_buf()));
    }
    Ok(())
}

/// Step 2: lists the edition folder and checks every name, then every article and stylesheet.
fn list_and_check(
    source: &Path,
    output: &Path,
    options: &PackOptions,
    threads: usize,
) -> Result<Edition, PackError> {
    let mut listing = list_files(source, options.include_hidden)?;
    // An output inside the edition folder (replaced with --force) is not part of the edition.
    if let Ok(existing_output) = fs::canonicalize(output) {
        listing.files.retain(|file| {
            file.location.file_name() != existing_output.file_name()
                || fs::canonicalize(&file.location).ok().as_ref() != Some(&existing_output)
        });
    }
    // Names come first and alone: a file with a bad name is left out of the listing, so
    // checking articles now would also report references to it as missing files.
    if !listing.problems.is_empty() {
        return Err(EditionError::Problems {
            folder: source.to_path_buf(),
            problems: listing.problems,
        }
        .into());
    }
    // Then the articles and stylesheets, at most 8 MB each, on every core: parsing HTML is
    // the slowest part of packing after compression, but small beside it.
    let check = check_articles(&listing.files, options.allow_remote, threads);
    Ok(listing.into_edition(source, check)?)
}

/// Step 4: the signed header: preamble, compressed manifest and signature.
fn signed_header(
    secret: &SecretKey,
    credentials: Option<&Credentials>,
    manifest: &Manifest,
) -> Result<Vec<u8>, PackError> {
    let key_id = secret.public().key_id();
    let (mut header, message) = match credentials {
        Some(credentials) => crate::format::header::unsigned_certified_header(
            key_id,
            &credentials.to_bytes(),
            &manifest.to_json(),
        )?,
        None => unsigned_header(key_id, &manifest.to_json())?,
    };
    header.extend_from_slice(&secret.sign(&message));
    Ok(header)
}

/// Step 5: header and payload into one synced temporary file beside the output.
fn write_bundle(
    header: &[u8],
    mut payload_file: tempfile::NamedTempFile,
    output_folder: &Path,
    tag: &str,
) -> io::Result<tempfile::NamedTempFile> {
    let prefix = format!(".tamizdat-bundle-{tag}-");
    let mut bundle = bundle_builder(&prefix).tempfile_in(output_folder)?;
    let file = bundle.as_file_mut();
    file.write_all(header)?;
    let payload_reader = payload_file.as_file_mut();
    payload_reader.rewind()?;
    io::copy(payload_reader, file)?;
    file.sync_all()?;
    Ok(bundle)
}

/// The compressed payload in a temporary file beside the output, with what the manifest
/// records about its files and frames.
type WrittenPayload = (tempfile::NamedTempFile, Vec<FileEntry>, Vec<Frame>, Payload);

/// Step 3: the tar stream, cut into frames and compressed, into a temporary file beside the
/// output.
fn write_payload(
    files: &[SourceFile],
    options: &PackOptions,
    output_folder: &Path,
    lock_tag: &str,
    threads: usize,
    progress: &dyn Progress,
) -> Result<WrittenPayload, PackError> {
    let write_error = |source| PackError::Write {
        path: output_folder.to_path_buf(),
        source,
    };
    progress.set_total(files.iter().map(|f| f.size).sum());
    let mut payload_file = tempfile::Builder::new()
        .prefix(&format!(".tamizdat-payload-{lock_tag}-"))
        .tempfile_in(output_folder)
        .map_err(write_error)?;
    // check_created (in pack_edition) keeps `created` within 0 to 8^11 - 1: no clamp here.
    let mtime = u64::try_from(options.created.unix_timestamp()).unwrap_or(0);
    let mut writer = FrameWriter::new(
        io::BufWriter::new(payload_file.as_file_mut()),
        options.level,
        threads,
    );
    let mut entries = Vec::with_capacity(files.len());
    for file in files {
        let (sha256, frame) = append_file(&mut writer, file, mtime, progress)?;
        entries.push(FileEntry {
            path: file.path.clone(),
            size: file.size,
            sha256,
            media_type: media_type(&file.path),
            frame,
        });
    }
    writer.start_entry(TAR_END_LEN).map_err(write_error)?;
    writer
        .write_all(&[0u8; TAR_END_LEN as usize])
        .map_err(write_error)?;
    let (frames, payload) = writer.finish().map_err(write_error)?;
    Ok((payload_file, entries, frames, payload))
}

fn build_manifest(
    edition: &Edition,
    secret: &SecretKey,
    options: &PackOptions,
    files: Vec<FileEntry>,
    frames: Vec<Frame>,
    payload: Payload,
) -> Manifest {
    let front_page = edition.front_page();
    let title = options
        .title
        .clone()
        .or_else(|| front_page.map(|a| a.title.clone()))
        .unwrap_or_else(|| "Untitled edition".to_string());
    let language = options
        .language
        .clone()
        .or_else(|| front_page.and_then(|a| a.language.clone()))
        .or_else(|| edition.main_language())
        .unwrap_or_else(|| "und".to_string());
    Manifest {
        publisher: Publisher {
            key_id: secret.public().key_id().to_hex(),
            name: secret.name().to_string(),
        },
        channel: options.channel.clone(),
        sequence: options.sequence,
        created: format_created(options.created),
        title,
        language,
        payload,
        frames,
        files,
        articles: edition.articles.clone(),
    }
}

/// Verifies the finished temporary bundle exactly as a reader would, and hashes it whole.
fn self_check(
    path: &Path,
    secret: &SecretKey,
    credentials: Option<&Credentials>,
) -> Result<(u64, Sha256Digest), PackError> {
    let read_error = |source| PackError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut keys = Trust::keys_only(TrustedKeys::new(vec![secret.public()]));
    if let Some(anchor) = credentials
        .and_then(|credentials| credentials.roots.first())
        .and_then(|first| crate::authority::RootChain::from_anchor(first).ok())
    {
        // As a new reader who trusts only the root: nothing remembered, so no rollback.
        keys.authority = crate::authority::reader::Authority::new(
            vec![crate::authority::root_file::RootFile { chain: anchor }],
            &Default::default(),
        );
    }
    let file = fs::File::open(path).map_err(read_error)?;
    let mut reader = HashingReader::new(BufReader::with_capacity(1 << 20, file));
    // Through the reader's own path, as a reader will meet it; the hashing adapter sees every
    // byte the check reads, so the bundle is read once.
    Bundle::from_reader(path, &mut reader)
        .and_then(|bundle| bundle.verify(&keys))
        .and_then(|verified| verified.check(&crate::fs::NoProgress))
        .map_err(PackError::SelfCheck)?;
    Ok((reader.count, Sha256Digest(reader.hasher.finalize().into())))
}

fn persist(bundle: tempfile::NamedTempFile, output: &Path, force: bool) -> Result<(), PackError> {
    let result = if force {
        bundle.persist(output).map(drop)
    } else {
        bundle.persist_noclobber(output).map(drop)
    };
    result.map_err(|error| {
        if error.error.kind() == io::ErrorKind::AlreadyExists {
            PackError::OutputExists(output.to_path_buf())
        } else {
            PackError::Write {
                path: output.to_path_buf(),
                source: error.error,
            }
        }
    })
}

/// A bundle is made to be published: ordinary permissions (0666 less the umask, as for any new
/// file), not the owner-only default of temporary files, so web servers and mirrors can read it.
fn bundle_builder(prefix: &str) -> tempfile::Builder<'_, 'static> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    builder
}

/// The media type recorded for a file, from its extension.
fn media_type(path: &EditionPath) -> String {
    let name = path.as_str();
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".md") || lower.ends_with(".markdown") {
        return "text/markdown; charset=utf-8".to_string();
    }
    let guess = mime_guess::from_path(name).first_or_octet_stream();
    if guess.type_() == mime_guess::mime::TEXT {
        format!("{guess}; charset=utf-8")
    } else {
        guess.to_string()
    }
}

fn append_file<W: Write>(
    writer: &mut FrameWriter<W>,
    file: &SourceFile,
    mtime: u64,
    progress: &dyn Progress,
) -> Result<(Sha256Digest, u32), PackError> {
    let write_error = |source| PackError::Write {
        path: file.location.clone(),
        source,
    };
    let read_error = |source| PackError::Read {
        path: file.location.clone(),
        source,
    };
    let (header, pax) = file_header(file.path.as_str(), file.size, mtime);
    let pax_len = pax
        .as_ref()
        .map_or(0, |r| TAR_BLOCK_LEN + padded_len(r.len() as u64));
    let entry_len = pax_len + TAR_BLOCK_LEN + padded_len(file.size);
    writer.start_entry(entry_len).map_err(write_error)?;
    let frame = writer.frame_index();
    if let Some(record) = &pax {
        writer
            .write_all(&pax_header(record.len(), mtime))
            .map_err(write_error)?;
        write_padded(writer, record).map_err(write_error)?;
    }
    writer.write_all(&header).map_err(write_error)?;

    let source = fs::File::open(&file.location).map_err(read_error)?;
    let mut source = source.take(file.size);
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 256 * 1024];
    let mut copied = 0u64;
    loop {
        let n = match source.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_error(e)),
        };
        hasher.update(&buffer[..n]);
        writer.write_all(&buffer[..n]).map_err(write_error)?;
        copied += n as u64;
        progress.advance(n as u64);
    }
    // A file that shrank or grew since the folder was scanned would not match its header.
    let mut probe = [0u8; 1];
    if copied != file.size || source.into_inner().read(&mut probe).map_err(read_error)? != 0 {
        return Err(PackError::ChangedWhilePacking {
            path: file.location.clone(),
        });
    }
    let padding = padded_len(file.size) - file.size;
    writer
        .write_all(&[0u8; TAR_BLOCK_LEN as usize][..padding as usize])
        .map_err(write_error)?;
    Ok((Sha256Digest(hasher.finalize().into()), frame))
}

fn write_padded<W: Write>(writer: &mut W, data: &[u8]) -> io::Result<()> {
    writer.write_all(data)?;
    let padding = padded_len(data.len() as u64) - data.len() as u64;
    writer.write_all(&[0u8; TAR_BLOCK_LEN as usize][..padding as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the progress a pack reports: compression reports every byte it reads.
    #[derive(Default)]
    struct Recorder {
        total: std::sync::atomic::AtomicU64,
        done: std::sync::atomic::AtomicU64,
    }

    impl Progress for Recorder {
        fn set_total(&self, bytes: u64) {
            self.total
                .fetch_add(bytes.max(1), std::sync::atomic::Ordering::Relaxed);
        }
        fn advance(&self, bytes: u64) {
            self.done
                .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
        }
    }

    fn options() -> PackOptions {
        PackOptions {
            channel: "test".into(),
            sequence: 1,
            created: time::OffsetDateTime::UNIX_EPOCH,
            level: 1,
            title: None,
            language: None,
            allow_remote: false,
            force: false,
            threads: 2,
            include_hidden: false,
        }
    }

    /// Packs `edition` (made by `fill`) and returns the error and what was compressed.
    fn refused(fill: impl FnOnce(&Path)) -> (PackError, u64, u64, Vec<String>) {
        let work = tempfile::tempdir().unwrap();
        let edition = work.path().join("edition");
        fs::create_dir(&edition).unwrap();
        fs::write(edition.join("index.md"), "# Front page\n").unwrap();
        // Larger than a frame, so a compression started at all would report progress.
        fs::write(edition.join("big.bin"), vec![7u8; 9 << 20]).unwrap();
        fill(&edition);
        let out = work.path().join("out");
        fs::create_dir(&out).unwrap();
        let key = SecretKey::from_seed("Test", &[9; 32]).unwrap();
        let progress = Recorder::default();
        let error = pack_edition(&edition, &key, &options(), &out.join("b.tzst"), &progress)
            .expect_err("the edition cannot be packed");
        let left = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        let total = progress.total.into_inner();
        (error, total, progress.done.into_inner(), left)
    }

    #[test]
    fn bad_names_are_refused_before_anything_is_compressed_or_written() {
        let (error, total, done, left) = refused(|edition| {
            fs::write(edition.join("a:b.txt"), "colon").unwrap();
        });
        assert!(error.to_string().contains("a:b.txt"), "{error}");
        assert_eq!((total, done), (0, 0), "compression started");
        assert!(left.is_empty(), "written beside the output: {left:?}");
    }

    #[test]
    fn missing_references_are_refused_before_anything_is_compressed_or_written() {
        let (error, total, done, left) = refused(|edition| {
            fs::write(edition.join("story.md"), "# Story\n\n![Photo](photo.jpg)\n").unwrap();
        });
        assert!(error.to_string().contains("photo.jpg"), "{error}");
        assert_eq!((total, done), (0, 0), "compression started");
        assert!(left.is_empty(), "written beside the output: {left:?}");
    }

    #[test]
    fn existing_output_error_is_a_plain_sentence_and_the_hint_names_force() {
        let work = tempfile::tempdir().unwrap();
        let output = work.path().join("b.tzst");
        fs::write(&output, "yesterday").unwrap();
        let key = SecretKey::from_seed("Test", &[9; 32]).unwrap();
        let error = pack_edition(
            work.path(),
            &key,
            &options(),
            &output,
            &crate::fs::NoProgress,
        )
        .unwrap_err();
        let message = error.to_string();
        assert_eq!(
            message,
            format!("the output {} already exists", output.display())
        );
    }

    #[test]
    fn busy_and_changed_errors_leave_their_advice_to_the_cli() {
        for (error, advice) in [
            (PackError::Busy("b.tzst".into()), "try again"),
            (
                PackError::ChangedWhilePacking {
                    path: "e/a.txt".into(),
                },
                "pack again",
            ),
        ] {
            let message = error.to_string();
            assert!(!message.contains(advice), "{message}");
            assert!(!message.contains("tamizdat-publish"), "{message}");
        }
    }

    #[test]
    fn text_media_types_say_utf8() {
        let path = EditionPath::new("a/b.html").unwrap();
        assert_eq!(media_type(&path), "text/html; charset=utf-8");
        let path = EditionPath::new("a/b.png").unwrap();
        assert_eq!(media_type(&path), "image/png");
        let path = EditionPath::new("статья.md").unwrap();
        assert_eq!(media_type(&path), "text/markdown; charset=utf-8");
    }
}

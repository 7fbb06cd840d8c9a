//! A bundle as the reader holds it: opened once, then verified, then used.
//!
//! [`Bundle::open`] opens the file and reads its header without trusting anything in it.
//! [`Bundle::verify`] is the only way to get a [`VerifiedBundle`]: it checks the signature with
//! a trusted key and validates the manifest. A `VerifiedBundle` owns the one open handle its
//! header was read from, and every use of the payload (checking, unpacking, salvaging, importing
//! into the library) consumes it, so no path is ever opened a second time between verification
//! and use: a file swapped at the same path meanwhile is never read.
//!
//! What an unverified header claims is available only as a [`ClaimedManifest`], a separate type
//! that nothing expecting verified data accepts.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::format::header::SignedHeader;
use crate::format::{KeyId, Manifest};
use crate::keys::PublicKey;
use crate::read::verify::{BundleError, VerifiedHeader, read_header, verify_header};

/// Size of the read buffer over a bundle file (or standard input).
pub const READ_BUFFER: usize = 1 << 20;

/// A bundle whose header has been read but not verified.
pub struct Bundle<R = BufReader<File>> {
    source: PathBuf,
    reader: R,
    header: SignedHeader,
}

impl Bundle {
    /// Opens `path` and reads its header. Nothing in it is trusted yet.
    pub fn open(path: &Path) -> Result<Bundle, BundleError> {
        let file = File::open(path).map_err(BundleError::Read)?;
        Bundle::from_reader(path, BufReader::with_capacity(READ_BUFFER, file))
    }
}

impl<R: Read> Bundle<R> {
    /// Reads the header from the start of `reader` (a file, or bytes in memory for tests and
    /// fuzzing); `source` names it in messages.
    pub fn from_reader(source: &Path, mut reader: R) -> Result<Bundle<R>, BundleError> {
        let header = read_header(&mut reader)?;
        Ok(Bundle {
            source: source.to_path_buf(),
            reader,
            header,
        })
    }

    /// The key id the header claims to be signed with.
    pub fn claimed_key_id(&self) -> KeyId {
        self.header.preamble.key_id
    }

    /// The format major version the header declares: 1, or 2 for a certified bundle.
    pub fn format_major(&self) -> u16 {
        self.header.preamble.format_major
    }

    /// The format minor version the header declares.
    pub fn format_minor(&self) -> u16 {
        self.header.preamble.format_minor
    }

    /// What the header claims, unverified: for `info` only. `None` when the manifest cannot
    /// be decompressed or parsed.
    pub fn claimed_manifest(&self) -> Option<ClaimedManifest> {
        let json = self.header.manifest_json().ok()?;
        Manifest::from_json(&json).ok().map(ClaimedManifest)
    }

    /// Checks the signature against `trusted` and validates the manifest.
    pub fn verify(
        self,
        trusted: &(impl crate::read::TrustSource + ?Sized),
    ) -> Result<VerifiedBundle<R>, BundleError> {
        let header = verify_header(&self.header, trusted)?;
        Ok(VerifiedBundle {
            source: self.source,
            reader: self.reader,
            header,
        })
    }
}

/// A manifest read from a header whose signature has not verified: anyone could have written
/// it. It is parsed with the same limits as a verified one, and only shown.
#[derive(Debug, Clone)]
pub struct ClaimedManifest(Manifest);

impl ClaimedManifest {
    /// The claims, to show with a warning that they are unverified.
    pub fn unverified(&self) -> &Manifest {
        &self.0
    }
}

/// A bundle whose header was signed by a trusted key, with the open handle it was read from,
/// positioned at the start of the payload. The payload is still unchecked: each use streams it
/// and checks every byte against the signed manifest.
pub struct VerifiedBundle<R = BufReader<File>> {
    source: PathBuf,
    pub(crate) reader: R,
    pub(crate) header: VerifiedHeader,
}

impl<R> VerifiedBundle<R> {
    /// The signed manifest.
    pub fn manifest(&self) -> &Manifest {
        self.header.manifest()
    }

    /// The trusted key that signed, under the name the reader trusts it.
    pub fn signer(&self) -> &PublicKey {
        self.header.signer()
    }

    /// The verified header.
    pub fn header(&self) -> &VerifiedHeader {
        &self.header
    }

    /// The file (or name) this bundle was read from, for messages.
    pub fn source(&self) -> &Path {
        &self.source
    }

    pub(crate) fn into_parts(self) -> (R, VerifiedHeader) {
        (self.reader, self.header)
    }
}

impl<R: Read + Send> VerifiedBundle<R> {
    /// Checks every frame, file and hash of the payload, and that nothing follows it.
    pub fn check(self, progress: &dyn crate::fs::Progress) -> Result<VerifiedHeader, BundleError> {
        let (mut reader, header) = self.into_parts();
        crate::read::verify::stream_files(
            &header,
            &mut reader,
            &mut crate::read::verify::DiscardFiles,
            progress,
        )?;
        Ok(header)
    }

    /// `verify --quick`: the whole payload's length and SHA-256, without decompressing.
    pub fn check_quick(
        self,
        progress: &dyn crate::fs::Progress,
    ) -> Result<VerifiedHeader, BundleError> {
        let (mut reader, header) = self.into_parts();
        crate::read::verify::check_payload_hash(&header, &mut reader, progress)?;
        Ok(header)
    }

    /// Streams the payload into `sink`, checking everything as [`VerifiedBundle::check`] does.
    /// A sink sees a file's bytes before its hash is known good: see [`crate::read::FileSink`].
    pub fn stream_into(
        self,
        sink: &mut dyn crate::read::FileSink,
        progress: &dyn crate::fs::Progress,
    ) -> Result<VerifiedHeader, BundleError> {
        let (mut reader, header) = self.into_parts();
        crate::read::verify::stream_files(&header, &mut reader, sink, progress)?;
        Ok(header)
    }
}

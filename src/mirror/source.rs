//! Where a mirror is copied from: a folder (a USB stick, another mirror's rsync copy) or a web
//! address. Both give small files whole, within a limit, and download large ones into a
//! `.part` file, resuming what it holds and never reading past the declared length.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::fs::Progress;
use crate::mirror::http::{Downloaded, HttpClient, HttpError, HttpOptions};

/// Why a file could not be had from a source.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file is not there.
    #[error("{what} is missing")]
    Missing {
        /// The file.
        what: String,
    },
    /// The file is larger than anything it may be.
    #[error("{what} is {length} bytes long, more than the {limit} it may be")]
    TooLong {
        /// The file.
        what: String,
        /// Its length.
        length: u64,
        /// The most allowed.
        limit: u64,
    },
    /// The file is shorter than declared.
    #[error("{what} is {length} bytes long, not the {expected} its catalog declares")]
    WrongLength {
        /// The file.
        what: String,
        /// Its length.
        length: u64,
        /// The length declared.
        expected: u64,
    },
    /// Reading failed.
    #[error("cannot read {what}: {}", crate::fs::plainly(source))]
    Io {
        /// The file.
        what: String,
        /// The failure.
        source: std::io::Error,
    },
    /// The web request failed.
    #[error("{0}")]
    Http(#[from] HttpError),
    /// The address is not one a mirror can have.
    #[error("{0}")]
    Address(String),
}

impl SourceError {
    /// True when the source offered a file other than the one the catalog or entry point
    /// describes (another length), rather than failing to deliver: a refusal, not a network
    /// failure.
    pub fn is_wrong_file(&self) -> bool {
        matches!(
            self,
            SourceError::WrongLength { .. }
                | SourceError::TooLong { .. }
                | SourceError::Http(
                    HttpError::ContentLength { .. }
                        | HttpError::RangeTotal { .. }
                        | HttpError::AnnouncedTooLarge { .. }
                        | HttpError::TooLarge { .. }
                )
        )
    }
}

/// A mirror to copy from.
pub trait Source {
    /// The source as people name it, for messages.
    fn describe(&self) -> String;
    /// The file at `path` (relative, `/`-separated), at most `max_len` bytes.
    fn get_small(&self, path: &str, max_len: u64) -> Result<Vec<u8>, SourceError>;
    /// Downloads the file at `path`, which must be `expected_len` bytes, into `part`,
    /// resuming what `part` holds.
    fn download(
        &self,
        path: &str,
        expected_len: u64,
        part: &Path,
        progress: &dyn Progress,
    ) -> Result<Downloaded, SourceError>;
}

/// Opens `text` as a source: an `http://` or `https://` address, or a folder.
pub fn open_source(text: &str, http: &HttpOptions) -> Result<Box<dyn Source>, SourceError> {
    if text.starts_with("http://") || text.starts_with("https://") {
        let mut url = url::Url::parse(text).map_err(|error| {
            SourceError::Address(format!("{text} is not a web address ({error})"))
        })?;
        if !url.path().ends_with('/') {
            url.set_path(&format!("{}/", url.path()));
        }
        return Ok(Box::new(HttpSource {
            base: url,
            client: HttpClient::new(http)?,
        }));
    }
    Ok(Box::new(FolderSource {
        root: PathBuf::from(text),
    }))
}

/// A mirror folder on this machine.
pub struct FolderSource {
    /// Its top folder.
    pub root: PathBuf,
}

impl FolderSource {
    fn path_of(&self, path: &str) -> PathBuf {
        path.split('/')
            .fold(self.root.clone(), |at, part| at.join(part))
    }

    fn what(&self, path: &str) -> String {
        self.path_of(path).display().to_string()
    }

    fn open(&self, path: &str) -> Result<(File, u64), SourceError> {
        // Only regular files: opening a FIFO or a device on a stick could wait for ever.
        if let Ok(metadata) = std::fs::metadata(self.path_of(path))
            && !metadata.is_file()
        {
            return Err(SourceError::Io {
                what: self.what(path),
                source: std::io::Error::other("it is not a regular file"),
            });
        }
        let file = File::open(self.path_of(path)).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                SourceError::Missing {
                    what: self.what(path),
                }
            } else {
                SourceError::Io {
                    what: self.what(path),
                    source,
                }
            }
        })?;
        let length = file
            .metadata()
            .map_err(|source| SourceError::Io {
                what: self.what(path),
                source,
            })?
            .len();
        Ok((file, length))
    }
}

impl Source for FolderSource {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    fn get_small(&self, path: &str, max_len: u64) -> Result<Vec<u8>, SourceError> {
        let (file, length) = self.open(path)?;
        if length > max_len {
            return Err(SourceError::TooLong {
                what: self.what(path),
                length,
                limit: max_len,
            });
        }
        let mut bytes = Vec::new();
        // The length may change while reading (a file being written): never read past the limit.
        file.take(max_len + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| SourceError::Io {
                what: self.what(path),
                source,
            })?;
        if bytes.len() as u64 > max_len {
            return Err(SourceError::TooLong {
                what: self.what(path),
                length: bytes.len() as u64,
                limit: max_len,
            });
        }
        Ok(bytes)
    }

    fn download(
        &self,
        path: &str,
        expected_len: u64,
        part: &Path,
        progress: &dyn Progress,
    ) -> Result<Downloaded, SourceError> {
        let (mut file, length) = self.open(path)?;
        if length != expected_len {
            return Err(SourceError::WrongLength {
                what: self.what(path),
                length,
                expected: expected_len,
            });
        }
        let write_error = |source| SourceError::Io {
            what: part.display().to_string(),
            source,
        };
        let mut held = std::fs::symlink_metadata(part)
            .map(|m| m.len())
            .unwrap_or(0);
        let mut restarted = false;
        if held > expected_len {
            held = 0;
            restarted = true;
        }
        let mut out = crate::fs::no_follow(
            std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(false),
        )
        .open(part)
        .map_err(write_error)?;
        out.set_len(held).map_err(write_error)?;
        out.seek(SeekFrom::Start(held)).map_err(write_error)?;
        file.seek(SeekFrom::Start(held))
            .map_err(|source| SourceError::Io {
                what: self.what(path),
                source,
            })?;
        progress.set_total(expected_len);
        progress.advance(held);
        let mut reader = file.take(expected_len - held);
        let mut buffer = vec![0u8; 1 << 20];
        let mut fetched = 0u64;
        loop {
            let read = reader.read(&mut buffer).map_err(|source| SourceError::Io {
                what: self.what(path),
                source,
            })?;
            if read == 0 {
                break;
            }
            out.write_all(&buffer[..read]).map_err(write_error)?;
            fetched += read as u64;
            progress.advance(read as u64);
        }
        if held + fetched != expected_len {
            return Err(SourceError::WrongLength {
                what: self.what(path),
                length: held + fetched,
                expected: expected_len,
            });
        }
        Ok(Downloaded {
            resumed_from: held,
            fetched,
            restarted,
        })
    }
}

/// A mirror on the web.
pub struct HttpSource {
    base: url::Url,
    client: HttpClient,
}

impl HttpSource {
    fn url_of(&self, path: &str) -> Result<url::Url, SourceError> {
        self.base
            .join(path)
            .map_err(|error| SourceError::Address(format!("{}{path}: {error}", self.base)))
    }
}

impl Source for HttpSource {
    fn describe(&self) -> String {
        self.base.to_string()
    }

    fn get_small(&self, path: &str, max_len: u64) -> Result<Vec<u8>, SourceError> {
        Ok(self.client.get_small(&self.url_of(path)?, max_len)?)
    }

    fn download(
        &self,
        path: &str,
        expected_len: u64,
        part: &Path,
        progress: &dyn Progress,
    ) -> Result<Downloaded, SourceError> {
        Ok(self
            .client
            .download(&self.url_of(path)?, expected_len, part, progress)?)
    }
}

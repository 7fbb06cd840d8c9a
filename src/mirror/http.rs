//! Fetching files from mirrors over HTTP(S).
//!
//! Mirrors are untrusted web servers, possibly behind a censor who tampers with
//! traffic, so every answer is checked against what we asked for before a byte of
//! it is kept: exact lengths, exact ranges, bounded sizes, bounded time. The bytes
//! themselves are checked by the caller against the SHA-256 it already knows.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ureq::Agent;
use ureq::tls::{PemItem, RootCerts, TlsConfig};

use crate::fs::Progress;

/// Size of the buffer in front of the `.part` file: large writes keep slow disks
/// (SD cards, USB sticks) from becoming the bottleneck, and it is fixed, so memory
/// does not grow with the file.
const WRITE_BUFFER: usize = 256 * 1024;

/// Size of one read from the network.
const READ_CHUNK: usize = 64 * 1024;

/// Longest validator we store; real ETags and dates are far shorter, and a huge
/// one could only come from a hostile server.
const MAX_VALIDATOR_LEN: usize = 512;

/// How the client connects and how long it waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpOptions {
    /// Proxy for every request: `socks5://127.0.0.1:9050`, `socks5h://…`,
    /// `socks4a://…` or `http://host:port`. Host names are always resolved by the
    /// proxy (`socks5://` is treated as `socks5h://`; `socks4://` is refused).
    /// `None` means a direct connection; proxy variables in the environment are
    /// deliberately ignored.
    pub proxy: Option<String>,
    /// PEM file whose certificates become the only trusted roots (tests, private
    /// mirrors). `None` uses the platform's verifier.
    pub ca_file: Option<PathBuf>,
    /// Longest time to resolve and connect, including any proxy and TLS handshake.
    pub connect_timeout: Duration,
    /// Longest time without receiving a single byte, and the longest time to
    /// receive the response headers.
    pub read_timeout: Duration,
    /// Minimum transfer rate in bytes per second, averaged over `rate_window`;
    /// 0 disables the check.
    pub min_rate: u64,
    /// Length of each consecutive window over which `min_rate` is measured.
    pub rate_window: Duration,
    /// Most redirects followed for one request, in total.
    pub max_redirects: u32,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            proxy: None,
            ca_file: None,
            connect_timeout: Duration::from_secs(20),
            read_timeout: Duration::from_secs(30),
            min_rate: 1024,
            rate_window: Duration::from_secs(30),
            max_redirects: 3,
        }
    }
}

/// What [`HttpClient::download`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Downloaded {
    /// Bytes the `.part` file already held and that were kept (0 when starting
    /// fresh or restarting).
    pub resumed_from: u64,
    /// Bytes received over the network in this call.
    pub fetched: u64,
    /// The server ignored the range or the file had changed, so the `.part` file
    /// was emptied and written again from the start.
    pub restarted: bool,
}

/// Why a fetch failed. Every message is one sentence naming the URL (or file).
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The URL is not `http://` or `https://`.
    #[error("{url}: only http and https URLs can be fetched, not {scheme}")]
    UnsupportedScheme {
        /// The URL asked for.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// ureq refused a URL, typically the target of a redirect (`ftp:`, `file:`…).
    #[error("{url}: the request or one of its redirects went to an unusable URL ({reason})")]
    UnusableUrl {
        /// The URL asked for.
        url: String,
        /// ureq's explanation.
        reason: String,
    },
    /// The proxy setting could not be used.
    #[error("the proxy {proxy:?} is not usable: {reason}")]
    BadProxy {
        /// The proxy string as configured.
        proxy: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The CA file could not be read or parsed.
    #[error("{}: the CA file could not be read: {reason}", path.display())]
    CaFile {
        /// The CA file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The CA file holds no certificate.
    #[error("{}: the CA file holds no PEM certificate, so nothing could be trusted", path.display())]
    NoCertificate {
        /// The CA file.
        path: PathBuf,
    },
    /// The download target is not a `.part` file.
    #[error("{}: the download target must be a file name ending in \".part\"", path.display())]
    NotAPartFile {
        /// The path given.
        path: PathBuf,
    },
    /// The host name could not be resolved.
    #[error("{url}: the host name could not be resolved")]
    HostNotFound {
        /// The URL asked for.
        url: String,
    },
    /// The server (or proxy) refused the connection.
    #[error("{url}: the connection was refused")]
    ConnectionRefused {
        /// The URL asked for.
        url: String,
    },
    /// A time limit expired.
    #[error("{url}: timed out {what}")]
    Timeout {
        /// The URL asked for.
        url: String,
        /// Which limit, and its value.
        what: String,
    },
    /// The TLS handshake or certificate check failed.
    #[error("{url}: TLS failed: {reason}")]
    Tls {
        /// The URL asked for.
        url: String,
        /// The TLS library's explanation.
        reason: String,
    },
    /// The proxy failed to connect us.
    #[error("{url}: the proxy failed: {reason}")]
    Proxy {
        /// The URL asked for.
        url: String,
        /// The proxy's or ureq's explanation.
        reason: String,
    },
    /// Redirects went on for longer than allowed (or in a loop).
    #[error("{url}: the server redirected more than {max} times")]
    TooManyRedirects {
        /// The URL asked for.
        url: String,
        /// The configured maximum.
        max: u32,
    },
    /// The response status was not the one required.
    #[error("{url}: the server answered with status {actual}, not {expected}")]
    Status {
        /// The URL asked for.
        url: String,
        /// The acceptable status or statuses.
        expected: &'static str,
        /// The status received.
        actual: u16,
    },
    /// The announced body length is not the expected one.
    #[error("{url}: the server announced a body of {actual} bytes, not {expected}")]
    ContentLength {
        /// The URL asked for.
        url: String,
        /// The length required.
        expected: u64,
        /// The `Content-Length` received.
        actual: u64,
    },
    /// The announced body length is over the limit.
    #[error("{url}: the server announced a body of {actual} bytes, more than the limit of {max}")]
    AnnouncedTooLarge {
        /// The URL asked for.
        url: String,
        /// The limit.
        max: u64,
        /// The `Content-Length` received.
        actual: u64,
    },
    /// The body went on past the limit.
    #[error("{url}: the body is longer than the limit of {max} bytes")]
    TooLarge {
        /// The URL asked for.
        url: String,
        /// The limit.
        max: u64,
    },
    /// A 206 response had no `Content-Range` we could read.
    #[error(
        "{url}: the server sent a partial response with Content-Range {actual:?}, not \"bytes {start}-{end}/{total}\""
    )]
    BadContentRange {
        /// The URL asked for.
        url: String,
        /// First byte asked for.
        start: u64,
        /// Last byte of the file.
        end: u64,
        /// Length of the file.
        total: u64,
        /// The header received, or a note that it was missing.
        actual: String,
    },
    /// A 206 response started somewhere else than asked.
    #[error("{url}: the server sent a range starting at {actual}, not at {expected}")]
    RangeStart {
        /// The URL asked for.
        url: String,
        /// The byte asked for.
        expected: u64,
        /// The byte the range starts at.
        actual: u64,
    },
    /// A 206 response stopped before the end of the file.
    #[error("{url}: the server sent a range ending at byte {actual}, not at {expected}")]
    RangeEnd {
        /// The URL asked for.
        url: String,
        /// The last byte of the file.
        expected: u64,
        /// The last byte of the range.
        actual: u64,
    },
    /// A 206 response gave another total length for the file.
    #[error("{url}: the server gave the file's length as {actual}, not {expected} bytes")]
    RangeTotal {
        /// The URL asked for.
        url: String,
        /// The length expected.
        expected: u64,
        /// The length in `Content-Range` (`*` counts as unknown and is refused too).
        actual: String,
    },
    /// The body ended before the expected length.
    #[error("{url}: the body ended after {got} of {expected} bytes")]
    Truncated {
        /// The URL asked for.
        url: String,
        /// Bytes of the file now held (for downloads, including resumed bytes).
        got: u64,
        /// Bytes expected.
        expected: u64,
    },
    /// The server was slower than the minimum rate.
    #[error(
        "{url}: the server sent only {got} bytes in the last {window}, below the minimum of {required} bytes ({min_rate} bytes per second)"
    )]
    TooSlow {
        /// The URL asked for.
        url: String,
        /// Bytes received in the window.
        got: u64,
        /// Bytes required in the window.
        required: u64,
        /// The configured rate.
        min_rate: u64,
        /// The window, e.g. "30 s".
        window: String,
    },
    /// Another network or protocol failure.
    #[error("{url}: the transfer failed: {reason}")]
    Network {
        /// The URL asked for.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// A local file could not be read or written.
    #[error("{}: could not {action}: {source}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What we were doing, e.g. "append to the partial download".
        action: &'static str,
        /// The system's error.
        #[source]
        source: io::Error,
    },
}

/// An HTTP(S) client configured once, used for many requests.
#[derive(Clone, Debug)]
pub struct HttpClient {
    agent: Agent,
    /// The same, refusing every plain `http://` request: used for `https://` addresses, so
    /// a redirect cannot downgrade them to plain text a censor can read.
    https_agent: Agent,
    options: HttpOptions,
}

impl HttpClient {
    /// Builds a client; fails on an unusable proxy string or CA file.
    pub fn new(options: &HttpOptions) -> Result<HttpClient, HttpError> {
        let proxy = match &options.proxy {
            Some(p) => Some(parse_proxy(p)?),
            None => None,
        };
        let roots = match &options.ca_file {
            Some(path) => load_roots(path)?,
            None => RootCerts::PlatformVerifier,
        };
        let tls = TlsConfig::builder().root_certs(roots).build();
        let config = |https_only: bool| {
            Agent::config_builder()
                .https_only(https_only)
                // Statuses are checked here, with messages that name what was expected.
                .http_status_as_error(false)
                .max_redirects(options.max_redirects)
                .max_redirects_will_error(true)
                // Explicit, so that a stray HTTP_PROXY or ALL_PROXY in the environment
                // cannot route a reader's traffic somewhere they did not choose.
                .proxy(proxy.clone())
                .tls_config(tls.clone())
                // The same string for every user, so it says nothing about the reader.
                .user_agent("tamizdat")
                // The bytes on disk must be the file's bytes, never a re-encoding.
                .accept_encoding("")
                .timeout_resolve(Some(options.connect_timeout))
                .timeout_connect(Some(options.connect_timeout))
                .timeout_send_request(Some(options.read_timeout))
                .timeout_recv_response(Some(options.read_timeout))
                .timeout_per_read(Some(options.read_timeout))
                .timeout_per_write(Some(options.read_timeout))
                .build()
        };
        Ok(HttpClient {
            agent: Agent::new_with_config(config(false)),
            https_agent: Agent::new_with_config(config(true)),
            options: options.clone(),
        })
    }

    fn agent_for(&self, url: &url::Url) -> &Agent {
        if url.scheme() == "https" {
            &self.https_agent
        } else {
            &self.agent
        }
    }

    /// GETs a small file (entry point, catalog) into memory.
    ///
    /// Only status 200 is accepted. A `Content-Length` above `max_len` is refused
    /// before the body is read, and at most `max_len + 1` bytes are read, the
    /// extra one only to notice a body that is too long.
    pub fn get_small(&self, url: &url::Url, max_len: u64) -> Result<Vec<u8>, HttpError> {
        let target = request_url(url)?;
        let name = url.as_str();
        let response = self
            .agent_for(&target)
            .get(target.as_str())
            .call()
            .map_err(|e| self.map_ureq(name, e))?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(HttpError::Status {
                url: name.to_owned(),
                expected: "200",
                actual: status,
            });
        }
        let announced = response.body().content_length();
        if let Some(actual) = announced
            && actual > max_len
        {
            return Err(HttpError::AnnouncedTooLarge {
                url: name.to_owned(),
                max: max_len,
                actual,
            });
        }
        let mut reader = response.into_body().into_reader();
        // The vector grows with what actually arrives, never with what a server claims.
        let mut body = Vec::new();
        let limit = max_len.saturating_add(1);
        match self.copy_body(&mut reader, &mut body, limit, &NoProgress) {
            Ok(n) if n > max_len => Err(HttpError::TooLarge {
                url: name.to_owned(),
                max: max_len,
            }),
            Ok(_) => Ok(body),
            // Writing to memory cannot fail, so the path is never named.
            Err((got, failure)) => Err(self.map_copy_failure(
                name,
                failure,
                got,
                announced.unwrap_or(got),
                Path::new("memory"),
            )),
        }
    }

    /// Downloads `url`, which must be exactly `expected_len` bytes, into `part`
    /// (a path ending in `.part`), resuming what `part` already holds.
    ///
    /// The validator (strong ETag, else Last-Modified) of the response that
    /// started `part` is kept beside it in `<part>.validator` and sent as
    /// `If-Range` when resuming, so a file that changed on the server is fetched
    /// again from the start instead of being spliced onto stale bytes. On error,
    /// bytes already received stay in `part` for a later call to resume, unless
    /// the response itself was unacceptable, in which case `part` is untouched.
    ///
    /// A validator left next to a missing or empty `part` (say, after the caller
    /// deleted a `part` whose hash was wrong) is discarded.
    ///
    /// `progress` gets `set_total(expected_len)` first, then `advance` for the
    /// bytes kept from `part` (once the server agrees to resume) and for each
    /// chunk received.
    pub fn download(
        &self,
        url: &url::Url,
        expected_len: u64,
        part: &Path,
        progress: &dyn Progress,
    ) -> Result<Downloaded, HttpError> {
        let target = request_url(url)?;
        let name = url.as_str();
        if part.extension().is_none_or(|e| e != "part") {
            return Err(HttpError::NotAPartFile {
                path: part.to_owned(),
            });
        }
        let sidecar = validator_path(part);
        progress.set_total(expected_len);

        let mut held = match fs::symlink_metadata(part) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(file_error(part, "read the partial download", e)),
        };
        if held == expected_len {
            // Also creates the file when the expected length is 0, so the caller
            // always finds a `.part` to hash and rename.
            open_part(part)?;
            remove_if_exists(&sidecar)?;
            progress.advance(held);
            return Ok(Downloaded {
                resumed_from: held,
                fetched: 0,
                restarted: false,
            });
        }
        if held > expected_len {
            // Longer than the file can be: whatever it holds is not a prefix of it.
            open_part(part)?
                .set_len(0)
                .map_err(|e| file_error(part, "empty the partial download", e))?;
            held = 0;
        }
        if held == 0 {
            remove_if_exists(&sidecar)?;
        }

        let mut request = self.agent_for(&target).get(target.as_str());
        if held > 0 {
            request = request.header("Range", format!("bytes={held}-"));
            if let Some(validator) = read_validator(&sidecar)? {
                request = request.header("If-Range", validator);
            }
        }
        let response = request.call().map_err(|e| self.map_ureq(name, e))?;
        let status = response.status().as_u16();
        let announced = response.body().content_length();

        let (start, restarted) = match status {
            206 if held > 0 => {
                check_content_range(name, &response, held, expected_len)?;
                let rest = expected_len - held;
                if let Some(actual) = announced
                    && actual != rest
                {
                    return Err(HttpError::ContentLength {
                        url: name.to_owned(),
                        expected: rest,
                        actual,
                    });
                }
                progress.advance(held);
                (held, false)
            }
            200 => {
                if let Some(actual) = announced
                    && actual != expected_len
                {
                    return Err(HttpError::ContentLength {
                        url: name.to_owned(),
                        expected: expected_len,
                        actual,
                    });
                }
                // Old bytes go first and the new validator is saved before any new
                // byte: whenever the process stops, the validator on disk belongs
                // to the bytes in `part`, so a resume never splices two versions.
                if held > 0 {
                    open_part(part)?
                        .set_len(0)
                        .map_err(|e| file_error(part, "empty the partial download", e))?;
                }
                match strong_validator(&response) {
                    Some(v) => write_validator(&sidecar, &v)?,
                    None => remove_if_exists(&sidecar)?,
                }
                (0, held > 0)
            }
            _ => {
                return Err(HttpError::Status {
                    url: name.to_owned(),
                    expected: if held > 0 { "200 or 206" } else { "200" },
                    actual: status,
                });
            }
        };

        let mut writer = BufWriter::with_capacity(WRITE_BUFFER, open_part(part)?);
        let mut reader = response.into_body().into_reader();
        let copied = self.copy_body(&mut reader, &mut writer, expected_len - start, progress);
        // Flushing before judging the result keeps every received byte in `part`,
        // so that a failed transfer can be resumed.
        let flushed = writer.flush();
        let fetched = match copied {
            Ok(n) => n,
            Err((got, failure)) => {
                return Err(self.map_copy_failure(name, failure, start + got, expected_len, part));
            }
        };
        flushed.map_err(|e| file_error(part, "append to the partial download", e))?;
        if start + fetched < expected_len {
            return Err(HttpError::Truncated {
                url: name.to_owned(),
                got: start + fetched,
                expected: expected_len,
            });
        }
        remove_if_exists(&sidecar)?;
        Ok(Downloaded {
            resumed_from: start,
            fetched,
            restarted,
        })
    }

    /// Copies at most `limit` bytes, enforcing the minimum rate. Returns the
    /// number of bytes copied, also on failure.
    fn copy_body(
        &self,
        reader: &mut impl Read,
        sink: &mut impl Write,
        limit: u64,
        progress: &dyn Progress,
    ) -> Result<u64, (u64, CopyFailure)> {
        // `take` makes "never read past the limit" hold whatever the server sends.
        let mut reader = reader.take(limit);
        let mut chunk = vec![0u8; READ_CHUNK];
        let mut rate = RateGuard::new(self.options.min_rate, self.options.rate_window);
        let mut copied: u64 = 0;
        loop {
            let n = match reader.read(&mut chunk) {
                Ok(0) => return Ok(copied),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err((copied, CopyFailure::Read(e))),
            };
            let bytes = chunk.get(..n).unwrap_or(&chunk);
            sink.write_all(bytes)
                .map_err(|e| (copied, CopyFailure::Write(e)))?;
            let n = bytes.len() as u64;
            copied += n;
            progress.advance(n);
            rate.record(n, Instant::now())
                .map_err(|(got, required)| (copied, CopyFailure::TooSlow { got, required }))?;
        }
    }

    fn map_copy_failure(
        &self,
        url: &str,
        failure: CopyFailure,
        got: u64,
        expected: u64,
        path: &Path,
    ) -> HttpError {
        match failure {
            CopyFailure::Write(e) => file_error(path, "append to the partial download", e),
            CopyFailure::TooSlow { got, required } => HttpError::TooSlow {
                url: url.to_owned(),
                got,
                required,
                min_rate: self.options.min_rate,
                window: seconds(self.options.rate_window),
            },
            CopyFailure::Read(e) => {
                let is_cut = matches!(
                    e.kind(),
                    io::ErrorKind::UnexpectedEof
                        | io::ErrorKind::ConnectionReset
                        | io::ErrorKind::ConnectionAborted
                        | io::ErrorKind::BrokenPipe
                );
                if is_cut {
                    HttpError::Truncated {
                        url: url.to_owned(),
                        got,
                        expected,
                    }
                } else {
                    self.map_ureq(url, ureq::Error::from(e))
                }
            }
        }
    }

    fn map_ureq(&self, url: &str, err: ureq::Error) -> HttpError {
        let url = url.to_owned();
        let o = &self.options;
        match err {
            ureq::Error::StatusCode(actual) => HttpError::Status {
                url,
                expected: "200",
                actual,
            },
            ureq::Error::BadUri(reason) => HttpError::UnusableUrl { url, reason },
            ureq::Error::HostNotFound => HttpError::HostNotFound { url },
            ureq::Error::TooManyRedirects => HttpError::TooManyRedirects {
                url,
                max: o.max_redirects,
            },
            ureq::Error::Timeout(t) => {
                let what = match t {
                    ureq::Timeout::Resolve | ureq::Timeout::Connect => {
                        format!("while connecting (limit {})", seconds(o.connect_timeout))
                    }
                    ureq::Timeout::PerRead => {
                        format!("after receiving nothing for {}", seconds(o.read_timeout))
                    }
                    ureq::Timeout::RecvResponse => format!(
                        "waiting for the response headers (limit {})",
                        seconds(o.read_timeout)
                    ),
                    other => format!("({other})"),
                };
                HttpError::Timeout { url, what }
            }
            ureq::Error::Tls(reason) => HttpError::Tls {
                url,
                reason: reason.to_owned(),
            },
            ureq::Error::Pem(e) => HttpError::Tls {
                url,
                reason: format!("{e:?}"),
            },
            ureq::Error::Rustls(e) => HttpError::Tls {
                url,
                reason: e.to_string(),
            },
            ureq::Error::TlsRequired => HttpError::Tls {
                url,
                reason: "the connection was not encrypted".to_owned(),
            },
            ureq::Error::ConnectProxyFailed(reason) => HttpError::Proxy { url, reason },
            ureq::Error::InvalidProxyUrl => HttpError::Proxy {
                url,
                reason: "invalid proxy URL".to_owned(),
            },
            ureq::Error::Io(e) => match e.kind() {
                io::ErrorKind::ConnectionRefused => HttpError::ConnectionRefused { url },
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => HttpError::Timeout {
                    url,
                    what: format!("after receiving nothing for {}", seconds(o.read_timeout)),
                },
                // rustls reports certificate and handshake failures as InvalidData.
                io::ErrorKind::InvalidData if url.starts_with("https:") => HttpError::Tls {
                    url,
                    reason: e.to_string(),
                },
                _ => HttpError::Network {
                    url,
                    reason: e.to_string(),
                },
            },
            other => HttpError::Network {
                url,
                reason: other.to_string(),
            },
        }
    }
}

/// Why copying a body stopped early.
enum CopyFailure {
    Read(io::Error),
    Write(io::Error),
    TooSlow { got: u64, required: u64 },
}

/// Enforces the minimum rate over consecutive windows.
struct RateGuard {
    required: u64,
    window: Duration,
    start: Instant,
    bytes: u64,
}

impl RateGuard {
    fn new(min_rate: u64, window: Duration) -> RateGuard {
        let required = u128::from(min_rate) * window.as_millis() / 1000;
        RateGuard {
            required: u64::try_from(required).unwrap_or(u64::MAX),
            window,
            start: Instant::now(),
            bytes: 0,
        }
    }

    /// Counts `n` bytes; at the end of each window, fails with (bytes in the
    /// window, bytes required) if the window fell short.
    fn record(&mut self, n: u64, now: Instant) -> Result<(), (u64, u64)> {
        self.bytes = self.bytes.saturating_add(n);
        if now.duration_since(self.start) < self.window {
            return Ok(());
        }
        if self.bytes < self.required {
            return Err((self.bytes, self.required));
        }
        self.start = now;
        self.bytes = 0;
        Ok(())
    }
}

/// Progress sink for transfers nobody watches.
struct NoProgress;

impl Progress for NoProgress {}

/// Checks the scheme and drops the fragment, which is never sent to a server.
fn request_url(url: &url::Url) -> Result<url::Url, HttpError> {
    match url.scheme() {
        "http" | "https" => {
            let mut target = url.clone();
            target.set_fragment(None);
            Ok(target)
        }
        other => Err(HttpError::UnsupportedScheme {
            url: url.as_str().to_owned(),
            scheme: other.to_owned(),
        }),
    }
}

fn parse_proxy(proxy: &str) -> Result<ureq::Proxy, HttpError> {
    let bad = |reason: &str| HttpError::BadProxy {
        proxy: proxy.to_owned(),
        reason: reason.to_owned(),
    };
    // ureq takes "host:port" as an HTTP proxy; someone who typed Tor's
    // "127.0.0.1:9050" meant SOCKS, so demand that the kind be spelled out.
    let Some((scheme, rest)) = proxy.split_once("://") else {
        return Err(bad("it must start with socks5://, socks5h:// or http://"));
    };
    // Resolving locally would hand every mirror's host name to the local,
    // possibly censored or poisoned, DNS outside the proxy, so SOCKS5 always
    // lets the proxy resolve (what curl calls socks5h).
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "socks5" | "socks" => "socks5h".to_owned(),
        other => other.to_owned(),
    };
    let parsed =
        ureq::Proxy::new(&format!("{scheme}://{rest}")).map_err(|e| bad(&e.to_string()))?;
    if parsed.resolve_target() {
        return Err(bad(
            "it would resolve host names locally instead of through the proxy; use socks4a://, socks5:// or http://",
        ));
    }
    Ok(parsed)
}

fn load_roots(path: &Path) -> Result<RootCerts, HttpError> {
    let pem = fs::read(path).map_err(|e| HttpError::CaFile {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => {
                return Err(HttpError::CaFile {
                    path: path.to_owned(),
                    reason: e.to_string(),
                });
            }
        }
    }
    if certs.is_empty() {
        return Err(HttpError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(RootCerts::Specific(Arc::new(certs)))
}

/// Requires `Content-Range: bytes start-(total-1)/total` exactly.
fn check_content_range(
    url: &str,
    response: &ureq::http::Response<ureq::Body>,
    start: u64,
    total: u64,
) -> Result<(), HttpError> {
    let end = total - 1;
    let bad = |actual: String| HttpError::BadContentRange {
        url: url.to_owned(),
        start,
        end,
        total,
        actual,
    };
    let value = match response.headers().get("content-range") {
        Some(v) => v.to_str().map_err(|_| bad("(not text)".to_owned()))?,
        None => return Err(bad("(missing)".to_owned())),
    };
    let parsed = value
        .trim()
        .strip_prefix("bytes ")
        .and_then(|rest| rest.split_once('/'))
        .and_then(|(range, len)| {
            let (first, last) = range.trim().split_once('-')?;
            Some((
                first.parse::<u64>().ok()?,
                last.parse::<u64>().ok()?,
                len.trim(),
            ))
        });
    let Some((first, last, len)) = parsed else {
        return Err(bad(value.to_owned()));
    };
    if first != start {
        return Err(HttpError::RangeStart {
            url: url.to_owned(),
            expected: start,
            actual: first,
        });
    }
    if len.parse::<u64>().ok() != Some(total) {
        return Err(HttpError::RangeTotal {
            url: url.to_owned(),
            expected: total,
            actual: len.to_owned(),
        });
    }
    if last != end {
        return Err(HttpError::RangeEnd {
            url: url.to_owned(),
            expected: end,
            actual: last,
        });
    }
    Ok(())
}

/// The strong ETag, else Last-Modified, if usable as `If-Range`. A weak ETag
/// may stay the same while bytes change, which would splice two versions.
fn strong_validator(response: &ureq::http::Response<ureq::Body>) -> Option<String> {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| is_storable(v))
    };
    if let Some(etag) = header("etag")
        && etag.len() >= 2
        && etag.starts_with('"')
        && etag.ends_with('"')
    {
        return Some(etag.to_owned());
    }
    header("last-modified").map(str::to_owned)
}

/// Printable ASCII only, so the stored value is always a valid header again.
fn is_storable(v: &str) -> bool {
    !v.is_empty() && v.len() <= MAX_VALIDATOR_LEN && v.bytes().all(|b| (0x20..0x7f).contains(&b))
}

fn read_validator(sidecar: &Path) -> Result<Option<String>, HttpError> {
    // Never through a link (it could name a secret that would go out in If-Range), and
    // never more than a validator can be.
    let read = crate::fs::no_follow(OpenOptions::new().read(true))
        .open(sidecar)
        .and_then(|file| {
            let mut bytes = Vec::new();
            file.take(MAX_VALIDATOR_LEN as u64 + 1)
                .read_to_end(&mut bytes)
                .map(|_| bytes)
        });
    match read {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let text = text.trim();
            // A damaged sidecar only costs the If-Range check, not the download.
            Ok(is_storable(text).then(|| text.to_owned()))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(file_error(sidecar, "read the download validator", e)),
    }
}

fn validator_path(part: &Path) -> PathBuf {
    let mut name = part.as_os_str().to_owned();
    name.push(".validator");
    PathBuf::from(name)
}

fn open_part(part: &Path) -> Result<File, HttpError> {
    crate::fs::no_follow(OpenOptions::new().append(true).create(true))
        .open(part)
        .map_err(|e| file_error(part, "open the partial download", e))
}

fn write_validator(sidecar: &Path, validator: &str) -> Result<(), HttpError> {
    use std::io::Write;
    crate::fs::no_follow(OpenOptions::new().write(true).create(true).truncate(true))
        .open(sidecar)
        .and_then(|mut file| file.write_all(validator.as_bytes()))
        .map_err(|e| file_error(sidecar, "save the download validator", e))
}

fn remove_if_exists(path: &Path) -> Result<(), HttpError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(file_error(path, "remove the download validator", e)),
    }
}

fn file_error(path: &Path, action: &'static str, source: io::Error) -> HttpError {
    HttpError::File {
        path: path.to_owned(),
        action,
        source,
    }
}

/// "30 s", "1.5 s": readable in error messages.
fn seconds(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::thread;

    /// An unrelated self-signed root: parses fine, but signed no test mirror.
    const TEST_ROOT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBkTCCATegAwIBAgIURObuZViCev281+NquJ3GqbYOTDswCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSdGFtaXpkYXQgdGVzdCByb290MCAXDTI2MTIwNTE1MjcwM1oY
DzIxMjYxMTExMTUyNzAzWjAdMRswGQYDVQQDDBJ0YW1pemRhdCB0ZXN0IHJvb3Qw
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATPqlADkl+Cn0itWoOlRFTG9KY2RSpI
T52y/6FKSRtT2GwfDl4NVIR15hsxwsPFOC9Rd3kPXEgWYx8bx3l1brdmo1MwUTAd
BgNVHQ4EFgQUogX8WyXihm8nfe1ykzV03UKGk1IwHwYDVR0jBBgwFoAUogX8WyXi
hm8nfe1ykzV03UKGk1IwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBF
AiATiisia6OF9CTvpevnbh1Og4AGxjeOnF1K/KU/hRueTQIhANn5+cUGgx0gfhjD
UwpV8s5tDSNKcFLpiepu93JvQ2Hp
-----END CERTIFICATE-----
";

    /// Root of the TLS test mirror (valid 2000 to 2100, made with `openssl ca`).
    const MIRROR_ROOT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBfDCCASGgAwIBAgIBATAKBggqhkjOPQQDAjAkMSIwIAYDVQQDDBl0YW1pemRh
dCB0ZXN0IG1pcnJvciByb290MCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAw
MDAwWjAkMSIwIAYDVQQDDBl0YW1pemRhdCB0ZXN0IG1pcnJvciByb290MFkwEwYH
KoZIzj0CAQYIKoZIzj0DAQcDQgAEJrPGcEQXwnshllAgLuk5dEdXHdvMTUFs7VRo
piQxvwkDnC4W07pX0UwGuBEUuQdDDGXB8btk0Geir0uvYZJriaNCMEAwDwYDVR0T
AQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAgQwHQYDVR0OBBYEFBhx3n6pdIJ/SUNb
IRnntaeBLElUMAoGCCqGSM49BAMCA0kAMEYCIQDjwoVf5gVKIx5GwEPGOf63qCCv
VzJ4dlic+uc9ku+RJwIhAJIbp36SENBKSTiUiTkjpmaNcfc+sDXFwASVBJrVoauK
-----END CERTIFICATE-----
";

    /// The TLS test mirror's certificate, for IP address 127.0.0.1, signed by
    /// `MIRROR_ROOT_PEM`.
    const MIRROR_CERT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBsjCCAVegAwIBAgIBAjAKBggqhkjOPQQDAjAkMSIwIAYDVQQDDBl0YW1pemRh
dCB0ZXN0IG1pcnJvciByb290MCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAw
MDAwWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjOPQMB
BwNCAAR/GfVoybKZQYUCH2EWP7w73LDDxW6R2OIFolbKX7Gfk7jSQz3O+HOJsxb+
4OeBH+uhYLRGyfUuhoOgZCu0MCcbo4GHMIGEMA8GA1UdEQQIMAaHBH8AAAEwDAYD
VR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwEw
HwYDVR0jBBgwFoAUGHHefql0gn9JQ1shGee1p4EsSVQwHQYDVR0OBBYEFPmjh+Vq
YS+dlNtCU2lP+dXqwXpxMAoGCCqGSM49BAMCA0kAMEYCIQDiX1PYF8q0hjNou6Vs
XNMtHZDM2Jnmg412lC4J4XTQDgIhAKftXZRIHBTwHUxdgYeS+kV8U1C8J9Ej9Y6+
4IetwU4A
-----END CERTIFICATE-----
";

    /// The TLS test mirror's key; a test fixture, protecting nothing.
    const MIRROR_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgm3CaPHzW956fNhxy
b8KIzTgdmCNDCS6JBSZMUniIen2hRANCAAR/GfVoybKZQYUCH2EWP7w73LDDxW6R
2OIFolbKX7Gfk7jSQz3O+HOJsxb+4OeBH+uhYLRGyfUuhoOgZCu0MCcb
-----END PRIVATE KEY-----
";

    /// Nothing a test server does may outlive this.
    const SERVER_LIFETIME: Duration = Duration::from_secs(30);

    /// A request as the test server saw it.
    #[derive(Clone, Debug)]
    struct Seen {
        path: String,
        headers: Vec<(String, String)>,
    }

    impl Seen {
        fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        }
    }

    type Handler = dyn Fn(usize, &Seen, &mut TcpStream) + Send + Sync;

    /// A scripted HTTP/1.1 server on 127.0.0.1; one request per connection.
    struct Server {
        port: u16,
        seen: Arc<Mutex<Vec<Seen>>>,
        stop: Arc<AtomicBool>,
    }

    impl Server {
        fn url(&self, path: &str) -> url::Url {
            url::Url::parse(&format!("http://127.0.0.1:{}{path}", self.port)).unwrap()
        }

        fn seen(&self) -> Vec<Seen> {
            self.seen.lock().unwrap().clone()
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::SeqCst);
        }
    }

    fn serve(handler: impl Fn(usize, &Seen, &mut TcpStream) + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Handler> = Arc::new(handler);
        let (seen2, stop2) = (seen.clone(), stop.clone());
        thread::spawn(move || {
            let end = Instant::now() + SERVER_LIFETIME;
            while !stop2.load(Ordering::SeqCst) && Instant::now() < end {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let (handler, seen) = (handler.clone(), seen2.clone());
                        thread::spawn(move || connection(stream, &*handler, &seen));
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => break,
                }
            }
        });
        Server { port, seen, stop }
    }

    fn connection(mut stream: TcpStream, handler: &Handler, seen: &Mutex<Vec<Seen>>) {
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65536 {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut req = httparse::Request::new(&mut headers);
        if !matches!(req.parse(&buf), Ok(httparse::Status::Complete(_))) {
            return;
        }
        let request = Seen {
            path: req.path.unwrap_or("").to_owned(),
            headers: req
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_owned(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect(),
        };
        let index = {
            let mut seen = seen.lock().unwrap();
            seen.push(request.clone());
            seen.len() - 1
        };
        handler(index, &request, &mut stream);
        let _ = stream.flush();
        let _ = stream.shutdown(std::net::Shutdown::Both);
    }

    /// Writes a response head and body, ignoring a client that went away.
    fn send(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &[u8]) {
        let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(body);
    }

    fn len_header(n: usize) -> (&'static str, String) {
        ("Content-Length", n.to_string())
    }

    /// Deterministic, non-repeating test content.
    fn content(n: usize) -> Vec<u8> {
        let mut x: u32 = 0x1234_5678;
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (x >> 24) as u8
            })
            .collect()
    }

    fn options() -> HttpOptions {
        HttpOptions {
            connect_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_secs(3),
            ..HttpOptions::default()
        }
    }

    fn client() -> HttpClient {
        HttpClient::new(&options()).unwrap()
    }

    #[derive(Default)]
    struct Counter {
        total: AtomicU64,
        done: AtomicU64,
    }

    impl Progress for Counter {
        fn set_total(&self, bytes: u64) {
            self.total.store(bytes, Ordering::SeqCst);
        }
        fn advance(&self, bytes: u64) {
            self.done.fetch_add(bytes, Ordering::SeqCst);
        }
    }

    struct Dir {
        _dir: tempfile::TempDir,
        part: PathBuf,
        sidecar: PathBuf,
    }

    fn dir() -> Dir {
        let dir = tempfile::tempdir().unwrap();
        let part = dir.path().join("f.tar.zst.part");
        let sidecar = validator_path(&part);
        Dir {
            _dir: dir,
            part,
            sidecar,
        }
    }

    /// A server that serves `data` in full with a strong ETag.
    fn full_server(data: Arc<Vec<u8>>) -> Server {
        serve(move |_, _, s| {
            send(
                s,
                "200 OK",
                &[len_header(data.len()), ("ETag", "\"v2\"".to_owned())],
                &data,
            )
        })
    }

    const N: usize = 600_000;
    const K: usize = 1000;

    #[test]
    fn full_download() {
        let data = Arc::new(content(N));
        let server = full_server(data.clone());
        let d = dir();
        let progress = Counter::default();
        let got = client()
            .download(&server.url("/f.tar.zst"), N as u64, &d.part, &progress)
            .unwrap();
        assert_eq!(
            got,
            Downloaded {
                resumed_from: 0,
                fetched: N as u64,
                restarted: false
            }
        );
        assert_eq!(fs::read(&d.part).unwrap(), *data);
        assert!(!d.sidecar.exists(), "validator removed once complete");
        assert_eq!(progress.total.load(Ordering::SeqCst), N as u64);
        assert_eq!(progress.done.load(Ordering::SeqCst), N as u64);
        let seen = server.seen();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].path, "/f.tar.zst");
        assert_eq!(seen[0].header("user-agent"), Some("tamizdat"));
        assert_eq!(seen[0].header("accept-encoding"), None);
        assert_eq!(seen[0].header("range"), None);
        let mut names: Vec<String> = seen[0]
            .headers
            .iter()
            .map(|(k, _)| k.to_ascii_lowercase())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["accept", "host", "user-agent"],
            "nothing identifying"
        );
    }

    #[test]
    fn resume_with_correct_206() {
        let data = Arc::new(content(N));
        let d = dir();
        fs::write(&d.part, &data[..K]).unwrap();
        fs::write(&d.sidecar, "\"v1\"").unwrap();
        let body = data.clone();
        let server = serve(move |_, _, s| {
            send(
                s,
                "206 Partial Content",
                &[
                    len_header(N - K),
                    ("Content-Range", format!("bytes {K}-{}/{N}", N - 1)),
                ],
                &body[K..],
            )
        });
        let progress = Counter::default();
        let got = client()
            .download(&server.url("/f"), N as u64, &d.part, &progress)
            .unwrap();
        assert_eq!(
            got,
            Downloaded {
                resumed_from: K as u64,
                fetched: (N - K) as u64,
                restarted: false
            }
        );
        assert_eq!(fs::read(&d.part).unwrap(), *data);
        assert!(!d.sidecar.exists());
        assert_eq!(progress.done.load(Ordering::SeqCst), N as u64);
        let seen = server.seen();
        assert_eq!(seen[0].header("range"), Some("bytes=1000-"));
        assert_eq!(seen[0].header("if-range"), Some("\"v1\""));
    }

    #[test]
    fn server_ignores_range_and_sends_200() {
        let data = Arc::new(content(N));
        let server = full_server(data.clone());
        let d = dir();
        fs::write(&d.part, vec![0xAA; K]).unwrap();
        fs::write(&d.sidecar, "\"v1\"").unwrap();
        let progress = Counter::default();
        let got = client()
            .download(&server.url("/f"), N as u64, &d.part, &progress)
            .unwrap();
        assert_eq!(
            got,
            Downloaded {
                resumed_from: 0,
                fetched: N as u64,
                restarted: true
            }
        );
        assert_eq!(fs::read(&d.part).unwrap(), *data);
        assert!(!d.sidecar.exists());
        assert_eq!(progress.done.load(Ordering::SeqCst), N as u64);
        assert_eq!(server.seen()[0].header("range"), Some("bytes=1000-"));
    }

    /// Serves a 206 with the given Content-Range and the rest of the file, and
    /// checks that the part file and validator stay exactly as they were.
    fn refused_206(content_range: String, content_length: usize) -> HttpError {
        let data = Arc::new(content(N));
        let d = dir();
        fs::write(&d.part, &data[..K]).unwrap();
        fs::write(&d.sidecar, "\"v1\"").unwrap();
        let body = data.clone();
        let server = serve(move |_, _, s| {
            send(
                s,
                "206 Partial Content",
                &[
                    len_header(content_length),
                    ("Content-Range", content_range.clone()),
                ],
                &body[..content_length.min(N)],
            )
        });
        let err = client()
            .download(&server.url("/f"), N as u64, &d.part, &Counter::default())
            .unwrap_err();
        assert_eq!(fs::read(&d.part).unwrap(), data[..K], "part untouched");
        assert_eq!(fs::read(&d.sidecar).unwrap(), b"\"v1\"");
        err
    }

    #[test]
    fn partial_with_wrong_start_is_refused() {
        let err = refused_206(format!("bytes 0-{}/{N}", N - 1), N);
        assert!(
            matches!(
                err,
                HttpError::RangeStart {
                    expected: 1000,
                    actual: 0,
                    ..
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string()
                .ends_with("the server sent a range starting at 0, not at 1000"),
            "{err}"
        );
    }

    #[test]
    fn partial_with_wrong_total_is_refused() {
        let err = refused_206(format!("bytes {K}-{}/{}", N - 1, N + 1), N - K);
        assert!(matches!(err, HttpError::RangeTotal { .. }), "{err}");
        let err = refused_206(format!("bytes {K}-{}/*", N - 1), N - K);
        assert!(matches!(err, HttpError::RangeTotal { .. }), "{err}");
    }

    #[test]
    fn partial_with_wrong_end_or_length_is_refused() {
        let err = refused_206(format!("bytes {K}-{}/{N}", N - 2), N - K - 1);
        assert!(matches!(err, HttpError::RangeEnd { .. }), "{err}");
        let err = refused_206(format!("bytes {K}-{}/{N}", N - 1), N - K + 1);
        assert!(matches!(err, HttpError::ContentLength { .. }), "{err}");
        let err = refused_206("bytes */600000".to_owned(), N - K);
        assert!(matches!(err, HttpError::BadContentRange { .. }), "{err}");
    }

    #[test]
    fn range_not_satisfiable_leaves_part_untouched() {
        let d = dir();
        fs::write(&d.part, b"prefix").unwrap();
        let server = serve(|_, _, s| send(s, "416 Range Not Satisfiable", &[len_header(0)], b""));
        let err = client()
            .download(&server.url("/f"), N as u64, &d.part, &Counter::default())
            .unwrap_err();
        assert!(
            matches!(err, HttpError::Status { actual: 416, .. }),
            "{err}"
        );
        assert_eq!(fs::read(&d.part).unwrap(), b"prefix");
    }

    #[test]
    fn content_length_mismatch_on_200() {
        let data = Arc::new(content(N + 1));
        let server = serve(move |_, _, s| send(s, "200 OK", &[len_header(N + 1)], &data));
        let d = dir();
        let err = client()
            .download(&server.url("/f"), N as u64, &d.part, &Counter::default())
            .unwrap_err();
        assert!(
            matches!(err, HttpError::ContentLength { expected, actual, .. }
                if expected == N as u64 && actual == N as u64 + 1),
            "{err}"
        );
        assert!(!d.part.exists(), "nothing written");
    }

    #[test]
    fn endless_body_stops_at_expected_length() {
        let data = Arc::new(content(N));
        let body = data.clone();
        let server = serve(move |_, _, s| {
            // No Content-Length: the body would only end when the server closes.
            send(s, "200 OK", &[], &body);
            let junk = vec![0x55u8; 64 * 1024];
            let end = Instant::now() + Duration::from_secs(10);
            while Instant::now() < end && s.write_all(&junk).is_ok() {}
        });
        let d = dir();
        let start = Instant::now();
        let got = client()
            .download(&server.url("/f"), N as u64, &d.part, &Counter::default())
            .unwrap();
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(got.fetched, N as u64);
        assert_eq!(fs::read(&d.part).unwrap(), *data);
    }

    #[test]
    fn trickle_is_aborted_by_min_rate() {
        let server = serve(|_, _, s| {
            send(s, "200 OK", &[len_header(10_000)], b"");
            for _ in 0..10 {
                if s.write_all(b"x").is_err() {
                    return;
                }
                thread::sleep(Duration::from_secs(1));
            }
        });
        let client = HttpClient::new(&HttpOptions {
            min_rate: 100,
            rate_window: Duration::from_secs(1),
            ..options()
        })
        .unwrap();
        let d = dir();
        let start = Instant::now();
        let err = client
            .download(&server.url("/f"), 10_000, &d.part, &Counter::default())
            .unwrap_err();
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "{:?}",
            start.elapsed()
        );
        assert!(
            matches!(err, HttpError::TooSlow { required: 100, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("in the last 1 s"), "{err}");
        let kept = fs::metadata(&d.part).unwrap().len();
        assert!((1..10).contains(&kept), "received bytes kept: {kept}");
    }

    #[test]
    fn silent_server_times_out() {
        let server = serve(|_, _, s| {
            send(s, "200 OK", &[len_header(100)], b"abc");
            thread::sleep(Duration::from_secs(4));
        });
        let client = HttpClient::new(&HttpOptions {
            read_timeout: Duration::from_secs(1),
            ..options()
        })
        .unwrap();
        let d = dir();
        let start = Instant::now();
        let err = client
            .download(&server.url("/f"), 100, &d.part, &Counter::default())
            .unwrap_err();
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
        assert!(matches!(err, HttpError::Timeout { .. }), "{err}");
        assert_eq!(fs::read(&d.part).unwrap(), b"abc");
    }

    #[test]
    fn dropped_connection_keeps_bytes_and_resumes() {
        let data = Arc::new(content(N));
        let half = N / 2;
        let body = data.clone();
        let server = serve(move |i, req, s| {
            if i == 0 {
                send(
                    s,
                    "200 OK",
                    &[len_header(N), ("ETag", "\"v1\"".to_owned())],
                    &body[..half],
                );
            } else if req.header("range") == Some(&format!("bytes={half}-"))
                && req.header("if-range") == Some("\"v1\"")
            {
                send(
                    s,
                    "206 Partial Content",
                    &[
                        len_header(N - half),
                        ("Content-Range", format!("bytes {half}-{}/{N}", N - 1)),
                    ],
                    &body[half..],
                );
            } else {
                send(s, "400 Bad Request", &[len_header(0)], b"");
            }
        });
        let d = dir();
        let client = client();
        let err = client
            .download(&server.url("/f"), N as u64, &d.part, &Counter::default())
            .unwrap_err();
        assert!(
            matches!(err, HttpError::Truncated { got, expected, .. }
                if got == half as u64 && expected == N as u64),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("ended after 300000 of 600000 bytes")
        );
        assert_eq!(fs::read(&d.part).unwrap(), data[..half]);
        assert_eq!(fs::read(&d.sidecar).unwrap(), b"\"v1\"");

        let got = client
            .download(&server.url("/f"), N as u64, &d.part, &Counter::default())
            .unwrap();
        assert_eq!(
            got,
            Downloaded {
                resumed_from: half as u64,
                fetched: (N - half) as u64,
                restarted: false
            }
        );
        assert_eq!(fs::read(&d.part).unwrap(), *data);
        assert!(!d.sidecar.exists());
    }

    /// The first response is cut short with the given validators; returns what
    /// the sidecar held and the If-Range the resuming request carried.
    fn validator_after_cut(
        headers: Vec<(&'static str, String)>,
    ) -> (Option<String>, Option<String>) {
        let server = serve(move |i, _, s| {
            if i == 0 {
                let mut h = headers.clone();
                h.push(len_header(100));
                send(s, "200 OK", &h, b"0123456789");
            } else {
                send(s, "503 Busy", &[len_header(0)], b"");
            }
        });
        let d = dir();
        let client = client();
        let url = server.url("/f");
        let first = client.download(&url, 100, &d.part, &Counter::default());
        assert!(matches!(first, Err(HttpError::Truncated { got: 10, .. })));
        let sidecar = fs::read_to_string(&d.sidecar).ok();
        let second = client.download(&url, 100, &d.part, &Counter::default());
        assert!(matches!(second, Err(HttpError::Status { actual: 503, .. })));
        let seen = server.seen();
        assert_eq!(seen[1].header("range"), Some("bytes=10-"));
        (sidecar, seen[1].header("if-range").map(str::to_owned))
    }

    #[test]
    fn weak_etag_is_not_used_for_if_range() {
        let date = "Wed, 21 Oct 2015 07:28:00 GMT";
        let (stored, sent) = validator_after_cut(vec![
            ("ETag", "W/\"weak\"".to_owned()),
            ("Last-Modified", date.to_owned()),
        ]);
        assert_eq!(stored.as_deref(), Some(date));
        assert_eq!(sent.as_deref(), Some(date));

        let (stored, sent) = validator_after_cut(vec![("ETag", "W/\"weak\"".to_owned())]);
        assert_eq!((stored, sent), (None, None));

        let (stored, sent) = validator_after_cut(vec![
            ("ETag", "\"strong\"".to_owned()),
            ("Last-Modified", date.to_owned()),
        ]);
        assert_eq!(stored.as_deref(), Some("\"strong\""));
        assert_eq!(sent.as_deref(), Some("\"strong\""));
    }

    #[test]
    fn complete_part_needs_no_network() {
        let server = serve(|_, _, s| send(s, "500 No", &[len_header(0)], b""));
        let d = dir();
        fs::write(&d.part, b"complete").unwrap();
        fs::write(&d.sidecar, "\"v1\"").unwrap();
        let progress = Counter::default();
        let got = client()
            .download(&server.url("/f"), 8, &d.part, &progress)
            .unwrap();
        assert_eq!(
            got,
            Downloaded {
                resumed_from: 8,
                fetched: 0,
                restarted: false
            }
        );
        assert!(server.seen().is_empty());
        assert!(!d.sidecar.exists());
        assert_eq!(progress.done.load(Ordering::SeqCst), 8);
        // An empty file needs no request either, but must exist afterwards.
        let e = dir();
        client()
            .download(&server.url("/f"), 0, &e.part, &progress)
            .unwrap();
        assert_eq!(fs::read(&e.part).unwrap(), b"");
        assert!(server.seen().is_empty());
    }

    #[test]
    fn oversized_part_starts_over() {
        let data = Arc::new(content(N));
        let server = full_server(data.clone());
        let d = dir();
        fs::write(&d.part, vec![1u8; N + 5]).unwrap();
        let got = client()
            .download(&server.url("/f"), N as u64, &d.part, &Counter::default())
            .unwrap();
        assert_eq!(got.resumed_from, 0);
        assert_eq!(got.fetched, N as u64);
        assert_eq!(fs::read(&d.part).unwrap(), *data);
        assert_eq!(server.seen()[0].header("range"), None);
    }

    #[test]
    fn redirect_loop_is_an_error() {
        let server = serve(|_, _, s| {
            send(
                s,
                "302 Found",
                &[("Location", "/loop".to_owned()), len_header(0)],
                b"",
            )
        });
        let d = dir();
        let start = Instant::now();
        let err = client()
            .download(&server.url("/f"), 10, &d.part, &Counter::default())
            .unwrap_err();
        assert!(start.elapsed() < Duration::from_secs(3));
        assert!(
            matches!(err, HttpError::TooManyRedirects { max: 3, .. }),
            "{err}"
        );
        assert_eq!(server.seen().len(), 4, "the request and 3 redirects");
        let err = client().get_small(&server.url("/f"), 10).unwrap_err();
        assert!(matches!(err, HttpError::TooManyRedirects { .. }), "{err}");
    }

    #[test]
    fn redirect_to_other_port_is_followed() {
        let data = Arc::new(content(N));
        let target = full_server(data.clone());
        let to = target.url("/real").to_string();
        let server = serve(move |_, _, s| {
            send(
                s,
                "301 Moved",
                &[("Location", to.clone()), len_header(0)],
                b"",
            )
        });
        let d = dir();
        let got = client()
            .download(&server.url("/f"), N as u64, &d.part, &Counter::default())
            .unwrap();
        assert_eq!(got.fetched, N as u64);
        assert_eq!(fs::read(&d.part).unwrap(), *data);
        assert_eq!(server.seen().len(), 1);
        assert_eq!(target.seen()[0].path, "/real");
    }

    #[test]
    fn redirect_to_other_scheme_is_refused() {
        let ftp = serve(|_, _, s| {
            send(
                s,
                "302 Found",
                &[("Location", "ftp://127.0.0.1/f".to_owned()), len_header(0)],
                b"",
            )
        });
        let d = dir();
        let err = client()
            .download(&ftp.url("/f"), 10, &d.part, &Counter::default())
            .unwrap_err();
        assert!(matches!(err, HttpError::UnusableUrl { .. }), "{err}");
        assert!(err.to_string().contains("unknown scheme: ftp"), "{err}");
        assert!(!d.part.exists());

        // ureq cannot parse "file:///…" as an absolute URI and resolves it as a
        // relative path on the same http server instead; that never leaves http,
        // and the resulting loop ends at the redirect limit.
        let file = serve(|_, _, s| {
            send(
                s,
                "302 Found",
                &[("Location", "file:///etc/passwd".to_owned()), len_header(0)],
                b"",
            )
        });
        let err = client()
            .download(&file.url("/f"), 10, &d.part, &Counter::default())
            .unwrap_err();
        assert!(matches!(err, HttpError::TooManyRedirects { .. }), "{err}");
        assert!(file.seen().iter().all(|s| s.path.starts_with('/')));
        assert!(!d.part.exists());
    }

    #[test]
    fn only_http_and_https_urls() {
        let d = dir();
        for url in ["ftp://127.0.0.1/f", "file:///etc/passwd", "data:,hello"] {
            let url = url::Url::parse(url).unwrap();
            let err = client()
                .download(&url, 5, &d.part, &Counter::default())
                .unwrap_err();
            assert!(matches!(err, HttpError::UnsupportedScheme { .. }), "{err}");
            let err = client().get_small(&url, 5).unwrap_err();
            assert!(matches!(err, HttpError::UnsupportedScheme { .. }), "{err}");
        }
    }

    #[test]
    fn download_target_must_be_a_part_file() {
        let d = dir();
        let server = serve(|_, _, s| send(s, "500 No", &[len_header(0)], b""));
        let err = client()
            .download(
                &server.url("/f"),
                5,
                &d.part.with_extension("zst"),
                &Counter::default(),
            )
            .unwrap_err();
        assert!(matches!(err, HttpError::NotAPartFile { .. }), "{err}");
        assert!(server.seen().is_empty());
    }

    #[test]
    fn get_small_within_limit() {
        let server = serve(|_, _, s| send(s, "200 OK", &[len_header(1000)], &[7u8; 1000]));
        let got = client().get_small(&server.url("/entry"), 1000).unwrap();
        assert_eq!(got, vec![7u8; 1000]);
    }

    #[test]
    fn get_small_over_limit_is_refused() {
        let announced = serve(|_, _, s| send(s, "200 OK", &[len_header(2000)], &[7u8; 2000]));
        let err = client()
            .get_small(&announced.url("/entry"), 1000)
            .unwrap_err();
        assert!(
            matches!(
                err,
                HttpError::AnnouncedTooLarge {
                    max: 1000,
                    actual: 2000,
                    ..
                }
            ),
            "{err}"
        );
        // Without Content-Length only reading reveals the size.
        let unannounced = serve(|_, _, s| send(s, "200 OK", &[], &[7u8; 2000]));
        let err = client()
            .get_small(&unannounced.url("/entry"), 1000)
            .unwrap_err();
        assert!(
            matches!(err, HttpError::TooLarge { max: 1000, .. }),
            "{err}"
        );
    }

    #[test]
    fn get_small_requires_200() {
        for (status, code) in [("404 Not Found", 404), ("204 No Content", 204)] {
            let server = serve(move |_, _, s| send(s, status, &[len_header(0)], b""));
            let err = client().get_small(&server.url("/entry"), 10).unwrap_err();
            assert!(
                matches!(err, HttpError::Status { actual, .. } if actual == code),
                "{err}"
            );
            assert!(err.to_string().contains(&format!("status {code}, not 200")));
        }
    }

    #[test]
    fn refused_connection_is_reported() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let url = url::Url::parse(&format!("http://127.0.0.1:{port}/f")).unwrap();
        let err = client().get_small(&url, 10).unwrap_err();
        assert!(matches!(err, HttpError::ConnectionRefused { .. }), "{err}");
    }

    #[test]
    fn proxy_strings() {
        for good in [
            "socks5://127.0.0.1:9050",
            "SOCKS5h://127.0.0.1:9050",
            "socks4a://127.0.0.1:9050",
            "http://127.0.0.1:8118",
        ] {
            let options = HttpOptions {
                proxy: Some(good.to_owned()),
                ..options()
            };
            assert!(HttpClient::new(&options).is_ok(), "{good}");
            let proxy = parse_proxy(good).unwrap();
            assert!(!proxy.resolve_target(), "{good} resolves through the proxy");
        }
        assert_eq!(
            parse_proxy("socks5://u:p@127.0.0.1:9050")
                .unwrap()
                .protocol(),
            ureq::ProxyProtocol::Socks5h
        );
        for bad in [
            "127.0.0.1:9050",
            "socks4://127.0.0.1:9050",
            "gopher://127.0.0.1:70",
            "socks5://",
        ] {
            let options = HttpOptions {
                proxy: Some(bad.to_owned()),
                ..options()
            };
            let err = HttpClient::new(&options).unwrap_err();
            assert!(matches!(err, HttpError::BadProxy { .. }), "{bad}: {err}");
        }
    }

    #[test]
    fn ca_file_must_hold_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let with = |path: &Path| {
            HttpClient::new(&HttpOptions {
                ca_file: Some(path.to_owned()),
                ..options()
            })
        };
        let good = dir.path().join("roots.pem");
        fs::write(&good, TEST_ROOT_PEM).unwrap();
        assert!(with(&good).is_ok());

        let empty = dir.path().join("empty.pem");
        fs::write(&empty, "no certificates here\n").unwrap();
        let err = with(&empty).unwrap_err();
        assert!(matches!(err, HttpError::NoCertificate { .. }), "{err}");
        assert!(err.to_string().contains("empty.pem"), "{err}");

        let err = with(&dir.path().join("missing.pem")).unwrap_err();
        assert!(matches!(err, HttpError::CaFile { .. }), "{err}");
    }

    /// `openssl s_server` as a TLS mirror, ended when dropped.
    struct TlsMirror {
        child: std::process::Child,
        port: u16,
        _dir: tempfile::TempDir,
    }

    impl Drop for TlsMirror {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// Starts a TLS mirror serving "entry" (scripts/test.sh installs openssl).
    fn tls_mirror() -> TlsMirror {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("cert.pem"), MIRROR_CERT_PEM).unwrap();
        fs::write(dir.path().join("key.pem"), MIRROR_KEY_PEM).unwrap();
        fs::write(dir.path().join("entry"), "hello over tls").unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("openssl")
            .args(["s_server", "-quiet", "-WWW", "-naccept", "20"])
            .args(["-accept", &format!("127.0.0.1:{port}")])
            .args(["-cert", "cert.pem", "-key", "key.pem"])
            .current_dir(dir.path())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("openssl is needed for this test: apt-get install -y openssl");
        let mirror = TlsMirror {
            child,
            port,
            _dir: dir,
        };
        let end = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < end, "openssl s_server did not start");
            thread::sleep(Duration::from_millis(20));
        }
        mirror
    }

    #[test]
    fn ca_file_roots_are_the_only_trusted_ones() {
        let mirror = tls_mirror();
        let url = url::Url::parse(&format!("https://127.0.0.1:{}/entry", mirror.port)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let with_root = |pem: &str| {
            let path = dir.path().join("roots.pem");
            fs::write(&path, pem).unwrap();
            HttpClient::new(&HttpOptions {
                ca_file: Some(path),
                ..options()
            })
            .unwrap()
        };
        let got = with_root(MIRROR_ROOT_PEM).get_small(&url, 100).unwrap();
        assert_eq!(got, b"hello over tls");

        let err = with_root(TEST_ROOT_PEM).get_small(&url, 100).unwrap_err();
        assert!(matches!(err, HttpError::Tls { .. }), "{err}");
        // The platform's roots do not include the test root either.
        let err = client().get_small(&url, 100).unwrap_err();
        assert!(matches!(err, HttpError::Tls { .. }), "{err}");
    }

    #[test]
    fn rate_guard_measures_consecutive_windows() {
        let t0 = Instant::now();
        let mut guard = RateGuard {
            required: 100,
            window: Duration::from_secs(1),
            start: t0,
            bytes: 0,
        };
        assert!(guard.record(60, t0 + Duration::from_millis(500)).is_ok());
        assert!(guard.record(60, t0 + Duration::from_millis(1000)).is_ok());
        // A fresh window: earlier bytes do not count.
        assert!(guard.record(50, t0 + Duration::from_millis(1500)).is_ok());
        assert_eq!(
            guard.record(0, t0 + Duration::from_millis(2100)),
            Err((50, 100))
        );
        assert_eq!(
            RateGuard::new(1024, Duration::from_secs(30)).required,
            30 * 1024
        );
        assert_eq!(RateGuard::new(0, Duration::from_secs(30)).required, 0);
    }

    #[test]
    fn errors_are_send_sync_static() {
        fn check<T: Send + Sync + 'static>() {}
        check::<HttpError>();
        check::<HttpClient>();
    }
}

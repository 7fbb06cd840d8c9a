//! `tamizdat serve`: the library over HTTP on 127.0.0.1, for browsers that restrict `file://`
//! pages and for a phone's browser on the same machine. Read-only, GET and HEAD only.
//!
//! Every answer carries the library's Content-Security-Policy, `Referrer-Policy: no-referrer`
//! and `X-Content-Type-Options: nosniff`. Verified files are served with the media type their
//! signed manifest gives. A request whose `Host` is not this server's own address (as a page
//! from another site would send after rebinding its DNS name to 127.0.0.1) is refused, and a
//! path that is not plainly a file of the library (`..`, encoded slashes or backslashes, NUL,
//! hidden names) is not found.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fs;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Bytes, Frame, Incoming, SizeHint};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio::io::{AsyncRead, AsyncWriteExt, ReadBuf};

use crate::library::Library;

mod connections;

use connections::{Busy, Connections};
pub use connections::{CHECK_INTERVAL, IDLE_TIMEOUT, MAX_CONNECTIONS, WRITE_TIMEOUT};

/// A request head (request line and headers) larger than this is refused with 431 and its
/// connection closed. A browser's GET for a library page is well under 2 KB; 16 KB leaves
/// room for long Persian paths, percent-encoded three times over.
pub const MAX_REQUEST_HEAD: usize = 16_000;

/// At most this many headers in a request; a browser sends about fifteen.
pub const MAX_HEADERS: usize = 64;

/// The most a connection buffers, reading a request head or writing an answer: a multiple of
/// [`MAX_REQUEST_HEAD`] and of [`FILE_CHUNK`], so that memory stays bounded by the number of
/// connections, never by what a client sends or by the size of a file.
pub const MAX_CONNECTION_BUFFER: usize = 64_000;

/// Files are sent in pieces of this size, read as the client takes them: a 64 MB picture
/// costs a connection 64 KB of memory, not 64 MB.
pub const FILE_CHUNK: usize = 64_000;
const _: () = assert!(
    MAX_CONNECTION_BUFFER.is_multiple_of(MAX_REQUEST_HEAD)
        && MAX_CONNECTION_BUFFER.is_multiple_of(FILE_CHUNK)
);

/// Threads that read files and manifests from disk, so that a slow disk never stalls the
/// thread that answers connections. Each request needs one only briefly; 4 lets a page's
/// pictures be read in parallel while the whole server stays a handful of threads.
pub const DISK_THREADS: usize = 4;

/// A refusal (503 when every connection is busy) gets this long to be written, then its
/// connection is dropped.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(1);

/// After the operating system refuses to accept (out of file descriptors), wait this long
/// before trying again instead of spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The pages' policy plus `sandbox`, which only a header can set: a document served here can
/// run no script, submit no form and open no window, even one that got past everything else.
/// Same-origin stays allowed so the library's own images and stylesheet still load.
pub const SERVER_POLICY: &str = "default-src 'none'; img-src 'self' data:; style-src 'self'; font-src 'self'; media-src 'self'; form-action 'none'; base-uri 'none'; sandbox allow-same-origin";

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound (in use, not this machine's, or not permitted).
    #[error("cannot listen on {address}: {reason}")]
    Listen {
        /// The address asked for.
        address: SocketAddr,
        /// The operating system's explanation.
        reason: String,
    },
    /// The server's event loop could not be started.
    #[error("cannot start the server: {0}")]
    Start(std::io::Error),
}

/// A bound server; [`Server::run`] answers requests until the process ends.
pub struct Server {
    listener: std::net::TcpListener,
    address: SocketAddr,
    files: Arc<Files>,
}

/// What answers a request: the library, read from disk.
struct Files {
    library: Library,
    address: SocketAddr,
    /// Signed media types by edition and path, read (and validated) once per edition rather
    /// than once per request: a page with many pictures would otherwise re-read its manifest
    /// for each.
    media_types: Mutex<HashMap<String, Arc<HashMap<String, String>>>>,
}

impl Server {
    /// Listens on `address` (port 0: any free port).
    pub fn bind(library: Library, address: SocketAddr) -> Result<Server, ServeError> {
        let listen_error = |e: std::io::Error| ServeError::Listen {
            address,
            reason: e.to_string(),
        };
        let listener = std::net::TcpListener::bind(address).map_err(listen_error)?;
        listener.set_nonblocking(true).map_err(listen_error)?;
        let address = listener.local_addr().unwrap_or(address);
        Ok(Server {
            listener,
            address,
            files: Arc::new(Files {
                library,
                address,
                media_types: Default::default(),
            }),
        })
    }

    /// The address actually listened on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Answers requests, each connection on its own, for as long as the process runs.
    ///
    /// One thread runs every connection (none blocks it: they wait on the network without a
    /// thread each), with [`DISK_THREADS`] more for the disk.
    pub fn run(self) -> Result<(), ServeError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .max_blocking_threads(DISK_THREADS)
            .build()
            .map_err(ServeError::Start)?;
        runtime.block_on(self.accept())
    }

    async fn accept(self) -> Result<(), ServeError> {
        let listener =
            tokio::net::TcpListener::from_std(self.listener).map_err(ServeError::Start)?;
        let connections = Connections::new();
        let watched = connections.clone();
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(CHECK_INTERVAL);
            loop {
                interval.tick().await;
                watched.close_expired();
            }
        });
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(IDLE_TIMEOUT)
            .max_header_size(MAX_REQUEST_HEAD)
            .max_headers(MAX_HEADERS)
            .max_buf_size(MAX_CONNECTION_BUFFER)
            .keep_alive(true);
        let http = Arc::new(http);
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(_) => {
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let Some(admitted) = connections.admit() else {
                tokio::spawn(refuse(stream));
                continue;
            };
            let id = admitted.id;
            let files = self.files.clone();
            let http = http.clone();
            let task = tokio::spawn(async move {
                let activity = admitted.activity.clone();
                let service = hyper::service::service_fn(move |request| {
                    let busy = activity.begin();
                    let files = files.clone();
                    async move { Ok::<_, Infallible>(files.respond(request, busy).await) }
                });
                let _ = http
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
                drop(admitted);
            });
            connections.started(id, task.abort_handle());
        }
    }
}

/// Every connection is busy answering: say so at once rather than queue the client.
async fn refuse(mut stream: tokio::net::TcpStream) {
    let text = "the library is busy answering other requests; try again\n";
    let refusal = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nRetry-After: 1\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
    let _ = tokio::time::timeout(REFUSAL_TIMEOUT, stream.write_all(refusal.as_bytes())).await;
}

impl Files {
    async fn respond(self: Arc<Self>, request: Request<Incoming>, busy: Busy) -> Response<Body> {
        // GET and HEAD have no body here; a request that sends one is answered, then its
        // connection closed, so that the body is never read.
        let has_body = !hyper::body::Body::is_end_stream(request.body());
        let method = request.method().clone();
        let head = method == Method::HEAD;
        let answer = if has_body && (method == Method::GET || method == Method::HEAD) {
            Answer::status(413, "a GET or HEAD request has no body")
        } else {
            // As sent: an absolute URL (`GET http://host/`) is not a library path.
            let target = request.uri().to_string();
            let host = request
                .headers()
                .get(header::HOST)
                .and_then(|host| host.to_str().ok())
                .map(str::to_owned);
            let files = self.clone();
            tokio::task::spawn_blocking(move || files.answer(&method, &target, host.as_deref()))
                .await
                .unwrap_or(Answer::status(500, "the server failed to answer"))
        };
        let mut response = respond(answer, head, busy);
        if has_body {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }

    fn media_type(&self, id: &str, path: &str) -> Option<String> {
        let lock = || {
            self.media_types
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        let cached = lock().get(id).cloned();
        let types = match cached {
            Some(types) => types,
            None => {
                // An edition imported while serving is found on its first request. Read
                // without holding the lock, so other requests need not wait for it.
                let types = Arc::new(self.library.media_types(id)?);
                lock().insert(id.to_string(), types.clone());
                types
            }
        };
        types.get(path).cloned()
    }

    fn answer(&self, method: &Method, url: &str, host: Option<&str>) -> Answer {
        if !matches!(*method, Method::GET | Method::HEAD) {
            return Answer::status(405, "only GET and HEAD are allowed");
        }
        if !host.is_some_and(|host| host_allowed(host, self.address)) {
            return Answer::status(421, "this server answers only to its own address");
        }
        let Some(relative) = library_path(url) else {
            return Answer::status(404, "not found");
        };
        let mut path = self.library.root().to_path_buf();
        for segment in &relative {
            path.push(segment);
        }
        let metadata = match fs::symlink_metadata(&path) {
            Ok(metadata) => metadata,
            Err(_) => return Answer::status(404, "not found"),
        };
        if metadata.is_dir() && relative.first().is_some_and(|s| s == "read") {
            path.push("index.html");
        } else if !metadata.is_file() {
            return Answer::status(404, "not found");
        }
        let media_type = match relative.first().map(String::as_str) {
            // A verified file keeps its signed media type only when it is a picture or plain
            // text; anything else (an article's raw HTML, a PDF…) could act as a page of its
            // own, so it is offered as a download instead.
            Some("editions") if relative.len() >= 3 => self
                .media_type(&relative[1], &relative[2..].join("/"))
                .filter(|media_type| crate::library::render::is_servable_media_type(media_type)),
            _ => Some(media_type_of_page(&path).to_string()),
        };
        match fs::File::open(&path) {
            Ok(file) if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) => {
                match file.metadata() {
                    Ok(metadata) => Answer::File {
                        file,
                        length: metadata.len(),
                        media_type,
                    },
                    Err(_) => Answer::status(404, "not found"),
                }
            }
            _ => Answer::status(404, "not found"),
        }
    }
}

/// True for `localhost:PORT` and for an IP literal with this port: the listening address
/// itself, or any address when listening on all of them (`--listen 0.0.0.0:PORT`). A DNS name
/// is refused: rebinding attacks need one.
pub fn host_allowed(host: &str, address: SocketAddr) -> bool {
    let port = address.port();
    if host.eq_ignore_ascii_case(&format!("localhost:{port}")) {
        // "localhost" never leaves this machine, so no rebinding can point it elsewhere.
        return address.ip().is_loopback() || address.ip().is_unspecified();
    }
    match host.parse::<SocketAddr>() {
        Ok(requested) => {
            requested.port() == port
                && (requested.ip() == address.ip() || address.ip().is_unspecified())
        }
        Err(_) => false,
    }
}

/// The library path a request URL names, as plain segments, or None for anything that is not
/// plainly one: `..` or `.`, encoded slashes and backslashes, NUL, hidden names (the library's
/// own work files), records, and invalid percent-encoding.
pub fn library_path(url: &str) -> Option<Vec<String>> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let path = path.strip_prefix('/')?;
    let lower = path.to_ascii_lowercase();
    if path.contains('\\')
        || lower.contains("%2f")
        || lower.contains("%5c")
        || lower.contains("%00")
    {
        return None;
    }
    if path.is_empty() {
        return Some(vec!["index.html".into()]);
    }
    let mut segments = Vec::new();
    let raw: Vec<&str> = path.split('/').collect();
    for (index, segment) in raw.iter().enumerate() {
        if segment.is_empty() && index == raw.len() - 1 {
            break; // a trailing slash: the folder itself
        }
        let decoded = percent_encoding::percent_decode_str(segment)
            .decode_utf8()
            .ok()?
            .into_owned();
        if decoded.is_empty()
            || decoded.starts_with('.')
            || decoded.contains(['/', '\\', '\0'])
            || decoded.chars().any(char::is_control)
        {
            return None;
        }
        segments.push(decoded);
    }
    // The same rules as a bundle's paths: no drive letters (`C:` would replace the whole path
    // on Windows), no reserved or trailing-dot names, nothing but plain components.
    let joined = segments.join("/");
    let plain = crate::format::path::EditionPath::new(&joined).is_ok_and(|edition_path| {
        edition_path
            .to_relative_path()
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
    });
    if !plain {
        return None;
    }
    let allowed = match segments.first().map(String::as_str) {
        Some("index.html" | "library.css") => segments.len() == 1,
        Some("read" | "editions") => true,
        _ => false,
    };
    allowed.then_some(segments)
}

fn media_type_of_page(path: &std::path::Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    }
}

enum Answer {
    /// A file, with its media type, or None for a download.
    File {
        file: fs::File,
        /// Its length when opened: exactly this many bytes are sent.
        length: u64,
        media_type: Option<String>,
    },
    Status {
        code: u16,
        text: &'static str,
    },
}

impl Answer {
    fn status(code: u16, text: &'static str) -> Answer {
        Answer::Status { code, text }
    }
}

/// The answer as an HTTP response, with the headers every answer carries. For HEAD, the same
/// headers (and `Content-Length`) without the body.
fn respond(answer: Answer, head: bool, busy: Busy) -> Response<Body> {
    let mut headers = header::HeaderMap::new();
    let mut set = |name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, SERVER_POLICY);
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::CACHE_CONTROL, "no-cache");
    let (status, length, content) = match answer {
        Answer::File {
            file,
            length,
            media_type,
        } => {
            match media_type.and_then(|media_type| HeaderValue::try_from(media_type).ok()) {
                Some(media_type) => {
                    headers.insert(header::CONTENT_TYPE, media_type);
                }
                None => {
                    set(header::CONTENT_TYPE, "application/octet-stream");
                    set(header::CONTENT_DISPOSITION, "attachment");
                }
            }
            let file = tokio::fs::File::from_std(file);
            (StatusCode::OK, length, Content::File(Box::new(file)))
        }
        Answer::Status { code, text } => {
            set(header::CONTENT_TYPE, "text/plain; charset=utf-8");
            if code == 405 {
                set(header::ALLOW, "GET, HEAD");
            }
            let text = Bytes::from(format!("{text}\n"));
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, text.len() as u64, Content::Text(Some(text)))
        }
    };
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    let body = if head {
        Body {
            content: Content::Text(None),
            remaining: 0,
            busy,
        }
    } else {
        Body {
            content,
            remaining: length,
            busy,
        }
    };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// An answer's body, sent as the client takes it; it keeps its connection busy until it is
/// sent (or the connection is closed).
struct Body {
    content: Content,
    /// Bytes still to send.
    remaining: u64,
    busy: Busy,
}

enum Content {
    Text(Option<Bytes>),
    /// Read [`FILE_CHUNK`] at a time, only when the connection can take more.
    File(Box<tokio::fs::File>),
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        let body = self.get_mut();
        // Asked for more: the client took what came before.
        body.busy.moved();
        match &mut body.content {
            Content::Text(text) => {
                body.remaining = 0;
                Poll::Ready(text.take().map(|text| Ok(Frame::data(text))))
            }
            Content::File(file) => {
                if body.remaining == 0 {
                    return Poll::Ready(None);
                }
                let wanted = usize::try_from(body.remaining)
                    .unwrap_or(FILE_CHUNK)
                    .min(FILE_CHUNK);
                let mut chunk = vec![0; wanted];
                let mut buffer = ReadBuf::new(&mut chunk);
                match Pin::new(file.as_mut()).poll_read(context, &mut buffer) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(Err(error)) => Poll::Ready(Some(Err(error))),
                    Poll::Ready(Ok(())) => {
                        let read = buffer.filled().len();
                        if read == 0 {
                            // The file shrank after it was opened: the promised length
                            // cannot be sent, so the connection is cut.
                            return Poll::Ready(Some(
                                Err(std::io::ErrorKind::UnexpectedEof.into()),
                            ));
                        }
                        chunk.truncate(read);
                        body.remaining -= read as u64;
                        Poll::Ready(Some(Ok(Frame::data(Bytes::from(chunk)))))
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// The default address: loopback only, any free port.
pub fn default_address() -> SocketAddr {
    SocketAddr::new(IpAddr::from([127, 0, 0, 1]), 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::pages::CONTENT_SECURITY_POLICY;

    #[test]
    fn only_plain_library_paths_are_served() {
        assert_eq!(library_path("/"), Some(vec!["index.html".to_string()]));
        assert_eq!(
            library_path("/read/x/fa/%D9%86.html.html?x=1"),
            Some(vec![
                "read".into(),
                "x".into(),
                "fa".into(),
                "ن.html.html".into()
            ])
        );
        for bad in [
            "/../etc/passwd",
            "/read/../records/x.json",
            "/read/%2e%2e/%2e%2e/etc/passwd",
            "/read/a%2fb",
            "/read/a%5cb",
            "/read/a\\b",
            "/read/a%00b",
            "/read/.tamizdat-lock-x",
            "/records/x.json",
            "/read//x",
            "/read/%ff",
            "relative",
            "/index.html/x",
            "/editions/C:/Windows/win.ini",
            "/read/C:..",
            "/read/x/CON",
            "/read/x/trailing.",
        ] {
            assert_eq!(library_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_server_policy_is_the_pages_policy_and_a_sandbox() {
        assert_eq!(
            SERVER_POLICY,
            format!("{CONTENT_SECURITY_POLICY}; sandbox allow-same-origin")
        );
    }

    #[test]
    fn only_this_servers_own_address_is_a_valid_host() {
        let loopback: SocketAddr = "127.0.0.1:8123".parse().unwrap();
        assert!(host_allowed("127.0.0.1:8123", loopback));
        assert!(host_allowed("localhost:8123", loopback));
        assert!(host_allowed("LOCALHOST:8123", loopback));
        for bad in [
            "127.0.0.1:8124",
            "127.0.0.1",
            "localhost",
            "evil.example:8123",
            "127.0.0.1.nip.io:8123",
            "192.168.1.5:8123",
            "",
        ] {
            assert!(!host_allowed(bad, loopback), "{bad}");
        }
        let everywhere: SocketAddr = "0.0.0.0:8123".parse().unwrap();
        assert!(host_allowed("192.168.1.5:8123", everywhere));
        assert!(!host_allowed("phone.example:8123", everywhere));
        assert!(host_allowed("localhost:8123", everywhere));
    }
}

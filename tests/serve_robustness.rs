//! `tamizdat serve` under clients that misbehave, on 127.0.0.1: a reader that stops reading a
//! large download, a client that never sends its request, hundreds of idle connections, and
//! a request head of a gigabyte. Each test drives the real binary and is bounded in time: a
//! server that lets one client delay another makes the well-behaved client's request time out
//! and the test fail, rather than hang.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use common::library::*;
use common::*;

/// How long a well-behaved client may wait for the front page. The server answers it in
/// milliseconds; this leaves room for a busy test machine.
const PROMPT: Duration = Duration::from_secs(3);

/// The server's limits (src/library/serve/), copied here so that a test fails if they drift
/// far from what it was written for.
const IDLE_TIMEOUT: Duration = tamizdat::library::serve::IDLE_TIMEOUT;
const WRITE_TIMEOUT: Duration = tamizdat::library::serve::WRITE_TIMEOUT;

/// A library holding the demo edition plus `extra` files, and a running server for it.
struct Scene {
    _dir: tempfile::TempDir,
    served: Served,
    edition_id: String,
}

fn scene(extra: &[(&str, &[u8])]) -> Scene {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let key = demo_key(work);
    let edition = work.join("edition");
    copy_tree(&example_edition(), &edition);
    for (path, bytes) in extra {
        write_file(&edition, path, bytes);
    }
    let bundle = work.join("news.tar.zst");
    pack(&edition, &key, &bundle, &[]).expect_code(0);
    let home = work.join("home");
    let library = work.join("library");
    import_into(&library, &bundle, &key, &home);
    let edition_id = only_edition(&library);
    let served = serve(&library, &home);
    Scene {
        _dir: dir,
        served,
        edition_id,
    }
}

fn only_edition(library: &Path) -> String {
    std::fs::read_dir(library.join("editions"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name()
        .to_string_lossy()
        .into_owned()
}

/// GETs `path` as a browser would, failing if the whole answer takes longer than `within`.
/// Returns the status and body length.
#[track_caller]
fn get_within(address: SocketAddr, path: &str, within: Duration) -> (u16, usize) {
    let started = Instant::now();
    let mut stream = TcpStream::connect_timeout(&address, within).expect("connect");
    stream.set_read_timeout(Some(within)).unwrap();
    stream.set_write_timeout(Some(within)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buffer[..n]),
            Err(e) => panic!(
                "GET {path}: no complete answer after {:?} ({e}); got {} bytes",
                started.elapsed(),
                raw.len()
            ),
        }
        assert!(
            started.elapsed() < within,
            "GET {path} took longer than {within:?}"
        );
    }
    let elapsed = started.elapsed();
    assert!(elapsed < within, "GET {path} took {elapsed:?}");
    let status = String::from_utf8_lossy(&raw[..raw.len().min(12)])
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("GET {path}: no status line in {} bytes", raw.len()));
    (status, raw.len())
}

#[track_caller]
fn front_page_is_prompt(address: SocketAddr) {
    let (status, _) = get_within(address, "/", PROMPT);
    assert_eq!(status, 200);
}

/// A number (in kB for memory) from `/proc/PID/status`.
fn proc_status(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{field}:")))
        .and_then(|value| value.split_whitespace().next())
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// Bytes that do not compress, so the bundle really holds 64 MB (xorshift, no dependency).
fn incompressible(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut bytes = Vec::with_capacity(len);
    while bytes.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

#[test]
fn a_slow_reader_of_a_large_file_does_not_delay_the_front_page() {
    const SIZE: usize = 64 << 20;
    let big = incompressible(SIZE);
    let s = scene(&[("en/video/river.bin", &big)]);
    drop(big);
    let address = s.served.address;
    let path = format!("/editions/{}/en/video/river.bin", s.edition_id);
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    // One client asks for the file and never reads; another reads one byte a second.
    let mut stopped = TcpStream::connect(address).unwrap();
    stopped.write_all(request.as_bytes()).unwrap();
    let mut trickle = TcpStream::connect(address).unwrap();
    trickle.write_all(request.as_bytes()).unwrap();
    let started = Instant::now();
    // Let the server fill both connections until they block.
    std::thread::sleep(Duration::from_secs(1));
    let mut byte = [0u8; 1];
    for _ in 0..5 {
        trickle.read_exact(&mut byte).unwrap();
        front_page_is_prompt(address);
        std::thread::sleep(Duration::from_secs(1));
    }
    // The file itself comes whole and promptly to a third client meanwhile.
    let (status, length) = get_within(address, &path, Duration::from_secs(20));
    assert_eq!(status, 200);
    assert!(length > SIZE, "{length}");
    // The client that stopped reading is cut after the write timeout: it never gets the rest.
    let wait = (WRITE_TIMEOUT + Duration::from_secs(3)).saturating_sub(started.elapsed());
    std::thread::sleep(wait);
    stopped
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut received = 0usize;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        match stopped.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received += n,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the stalled download was not cut ({e}) after {received} bytes"),
        }
    }
    assert!(
        received < SIZE,
        "a client that stopped reading still got all {received} bytes"
    );
    front_page_is_prompt(address);
}

#[test]
fn a_client_that_never_sends_its_headers_is_disconnected_and_delays_no_one() {
    let s = scene(&[]);
    let address = s.served.address;
    let silent: Vec<TcpStream> = (0..10)
        .map(|_| TcpStream::connect(address).unwrap())
        .collect();
    // One that starts a request and never finishes it.
    let mut partial = TcpStream::connect(address).unwrap();
    partial.write_all(b"GET / HTTP/1.1\r\nHost: ").unwrap();
    let started = Instant::now();
    for _ in 0..3 {
        front_page_is_prompt(address);
    }
    for (index, mut stream) in silent.into_iter().chain([partial]).enumerate() {
        let left = (IDLE_TIMEOUT + Duration::from_secs(5)).saturating_sub(started.elapsed());
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        let mut buffer = [0u8; 1024];
        loop {
            match stream.read(&mut buffer) {
                Ok(0) => break,
                // A 408 or similar before closing is fine.
                Ok(_) => continue,
                Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
                Err(e) => panic!(
                    "connection {index} was not closed after {:?}: {e}",
                    started.elapsed()
                ),
            }
        }
    }
    let elapsed = started.elapsed();
    assert!(
        elapsed >= IDLE_TIMEOUT - Duration::from_secs(1),
        "closed too early: {elapsed:?}"
    );
    front_page_is_prompt(address);
}

#[test]
fn five_hundred_idle_connections_do_not_stop_a_new_client_or_add_threads() {
    let s = scene(&[]);
    let address = s.served.address;
    let before = proc_status(s.served.pid(), "Threads");
    let mut idle = Vec::new();
    for _ in 0..500 {
        idle.push(TcpStream::connect_timeout(&address, PROMPT).expect("connect"));
    }
    // A few (the newest) send a whole request and keep the connection open afterwards. Any of
    // them may already have been closed to make room for the others, so a refused write is
    // expected, not a failure.
    for stream in idle.iter_mut().rev().take(20) {
        let _ = write!(
            stream,
            "GET /library.css HTTP/1.1\r\nHost: {address}\r\n\r\n"
        );
    }
    for _ in 0..5 {
        front_page_is_prompt(address);
    }
    let threads = proc_status(s.served.pid(), "Threads");
    eprintln!("threads: {before} before, {threads} with 500 idle connections");
    assert!(
        threads <= 8,
        "{threads} threads with 500 idle connections ({before} before)"
    );
    drop(idle);
}

#[test]
fn a_one_gigabyte_request_header_is_cut_without_the_server_growing() {
    const HEADER: u64 = 1 << 30;
    let s = scene(&[]);
    let address = s.served.address;
    let pid = s.served.pid();
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    write!(stream, "GET / HTTP/1.1\r\nHost: {address}\r\nX-Padding: ").unwrap();
    // Streamed from one buffer: the test itself never holds the gigabyte.
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent = 0u64;
    let cut = loop {
        if sent >= HEADER {
            break None;
        }
        match stream.write(&chunk) {
            Ok(n) => sent += n as u64,
            Err(e) => break Some(e),
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "still sending after {sent} bytes"
        );
    };
    let peak = proc_status(pid, "VmHWM");
    let now = proc_status(pid, "VmRSS");
    eprintln!("header cut after {sent} bytes ({cut:?}); server VmRSS {now} kB, VmHWM {peak} kB");
    assert!(cut.is_some(), "the server read a whole 1 GB request head");
    assert!(sent < HEADER, "{sent}");
    assert!(peak < 100 * 1024, "the server's memory peaked at {peak} kB");
    front_page_is_prompt(address);
}

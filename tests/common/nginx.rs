//! A real nginx serving a folder on 127.0.0.1, for tests that need a well-behaved, widely
//! deployed static web server as a mirror (ranges, ETags, sendfile, optional TLS and rate
//! limiting), rather than our own idea of one.
//!
//! Everything nginx writes (configuration, pid file, logs, temporary files, certificates) lives
//! in a temporary folder owned by the [`Nginx`] value; dropping it stops nginx and removes the
//! folder.

use std::fmt::Write as _;
use std::fs;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The temporary folders of nginx's modules, kept inside our folder: the compiled-in ones
/// (/var/lib/nginx/...) may be missing or not writable.
const TEMP_FOLDERS: [&str; 5] = [
    "temp/client_body",
    "temp/proxy",
    "temp/fastcgi",
    "temp/uwsgi",
    "temp/scgi",
];
/// How long nginx gets to accept connections before [`Nginx::start`] gives up.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How many fresh ports [`Nginx::start`] tries: another process may take the port between the
/// moment we find it free and the moment nginx binds it.
const BIND_ATTEMPTS: usize = 5;

/// What an [`Nginx`] serves and how.
#[derive(Debug, Clone)]
pub struct NginxOptions {
    /// The folder served at `/`.
    pub root: PathBuf,
    /// Serve HTTPS with a certificate for `localhost` and 127.0.0.1 signed by a fresh test CA
    /// (see [`Nginx::ca_file`]).
    pub tls: bool,
    /// An nginx `limit_rate` value such as `"2m"` (bytes per second, per connection), to make
    /// downloads slow enough to be interrupted.
    pub limit_rate: Option<String>,
}

impl NginxOptions {
    /// Plain HTTP, no rate limit, serving `root`.
    pub fn new(root: impl Into<PathBuf>) -> NginxOptions {
        NginxOptions {
            root: root.into(),
            tls: false,
            limit_rate: None,
        }
    }
}

/// A running nginx master process (with one worker) serving a folder on 127.0.0.1.
///
/// Dropping it stops nginx (fast shutdown of master and worker) and deletes its temporary
/// folder.
#[derive(Debug)]
pub struct Nginx {
    child: Child,
    port: u16,
    tls: bool,
    // Declared last so that nginx is stopped before its folder goes away.
    dir: TempDir,
}

impl Nginx {
    /// Starts nginx serving `options.root`, and returns once it accepts connections.
    ///
    /// Panics if nginx is not installed, if `root` is unusable, if the certificates cannot be
    /// made, or if nginx does not accept connections within 10 seconds (the message then
    /// carries nginx's error log).
    pub fn start(options: NginxOptions) -> Nginx {
        let binary = find_nginx();
        let root = fs::canonicalize(&options.root)
            .unwrap_or_else(|e| panic!("nginx root {} is unusable: {e}", options.root.display()));
        assert!(
            root.is_dir(),
            "nginx root {} is not a folder",
            root.display()
        );

        let dir = tempfile::Builder::new()
            .prefix("tamizdat-nginx-")
            .tempdir()
            .expect("create a temporary folder for nginx");
        for sub in TEMP_FOLDERS.iter().chain(&["logs"]) {
            fs::create_dir_all(dir.path().join(sub)).expect("create nginx folders");
        }
        if options.tls {
            make_certificates(dir.path());
        }

        let mut last_log = String::new();
        for _ in 0..BIND_ATTEMPTS {
            let port = free_port();
            let conf = dir.path().join("nginx.conf");
            fs::write(&conf, config(dir.path(), &root, port, &options)).expect("write nginx.conf");
            // Start from empty logs so that a retry's error log is its own, and so that
            // `body_bytes_sent` only counts what the tests did.
            for log in ["logs/error.log", "logs/access.log", "logs/stderr.log"] {
                fs::write(dir.path().join(log), "").expect("reset nginx logs");
            }
            // The pid file tells that nginx has bound its port (see wait_until_ready).
            let pid_file = dir.path().join("nginx.pid");
            let _ = fs::remove_file(&pid_file);
            let stderr = fs::File::create(dir.path().join("logs/stderr.log"))
                .expect("create nginx stderr log");
            let mut command = Command::new(&binary);
            command
                .arg("-p")
                .arg(dir.path())
                .arg("-c")
                .arg(&conf)
                // The compiled-in error log path is used until the configuration is read.
                .arg("-e")
                .arg(dir.path().join("logs/error.log"))
                .args(["-g", "daemon off; master_process on;"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(stderr)
                // Its own process group, so that Drop can reach the worker too if the master
                // ever has to be killed outright.
                .process_group(0);
            let mut child = command
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));

            match wait_until_ready(&mut child, port, &pid_file) {
                Ready::Yes => {
                    return Nginx {
                        child,
                        port,
                        tls: options.tls,
                        dir,
                    };
                }
                Ready::Exited => {
                    last_log = logs(dir.path());
                    if last_log.contains("Address already in use") {
                        continue;
                    }
                    panic!("nginx exited at start:\n{last_log}");
                }
                Ready::TimedOut => {
                    stop(&mut child);
                    panic!(
                        "nginx did not accept connections on 127.0.0.1:{port} within {:?}:\n{}",
                        START_TIMEOUT,
                        logs(dir.path())
                    );
                }
            }
        }
        panic!("nginx could not bind a free port in {BIND_ATTEMPTS} attempts:\n{last_log}");
    }

    /// The base URL, ending with `/`: `http://127.0.0.1:PORT/`, or `https://localhost:PORT/`
    /// with TLS (the certificate names `localhost`).
    pub fn url(&self) -> String {
        if self.tls {
            format!("https://localhost:{}/", self.port)
        } else {
            format!("http://127.0.0.1:{}/", self.port)
        }
    }

    /// The port nginx listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The PEM file of the test CA that signed the server certificate, when TLS is on.
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.tls.then(|| self.dir.path().join("tls/ca.pem"))
    }

    /// The access log. Each line reads
    /// `STATUS BODY_BYTES_SENT "REQUEST LINE" "RANGE" "IF-RANGE" BYTES_SENT REQUEST_TIME`,
    /// with `-` for an absent header. nginx writes a line once a request is finished,
    /// including one cut short by the client (then with the bytes sent so far).
    pub fn access_log(&self) -> PathBuf {
        self.dir.path().join("logs/access.log")
    }

    /// The lines of the access log so far.
    pub fn access_log_lines(&self) -> Vec<String> {
        fs::read_to_string(self.access_log())
            .expect("read the nginx access log")
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The sum of `$body_bytes_sent` over the access log so far: how many bytes of files
    /// nginx has sent, to measure what a client downloaded again.
    ///
    /// nginx logs a request just after sending its last byte, so a client may see a response
    /// complete slightly before it counts here: use [`Nginx::wait_for_requests`] first.
    pub fn body_bytes_sent(&self) -> u64 {
        self.access_log_lines()
            .iter()
            .map(|line| {
                line.split(' ')
                    .nth(1)
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or_else(|| panic!("unexpected nginx access log line: {line}"))
            })
            .sum()
    }

    /// Waits until the access log holds at least `count` requests (up to 10 seconds), and
    /// returns their number; panics on time out.
    pub fn wait_for_requests(&self, count: usize) -> usize {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let logged = self.access_log_lines().len();
            if logged >= count {
                return logged;
            }
            assert!(
                Instant::now() < deadline,
                "nginx logged {logged} requests, not {count}"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// nginx's error log so far, for assertion messages.
    pub fn error_log(&self) -> String {
        logs(self.dir.path())
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// Sends SIGTERM (nginx's fast shutdown: the master stops its worker, waits for it, then
/// exits) and waits; if that takes over 5 seconds, kills the whole process group.
fn stop(child: &mut Child) {
    if let Ok(Some(_)) = child.try_wait() {
        return;
    }
    let pid = libc::pid_t::try_from(child.id()).expect("pid fits pid_t");
    // SAFETY: plain kill(2) on our own child, which has not been reaped yet (so the pid
    // cannot have been reused).
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: as above; the group is the one the child was started in (process_group(0)),
    // which holds only nginx's master and worker.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
    let _ = child.wait();
}

enum Ready {
    Yes,
    Exited,
    TimedOut,
}

fn wait_until_ready(child: &mut Child, port: u16, pid_file: &Path) -> Ready {
    let deadline = Instant::now() + START_TIMEOUT;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    while Instant::now() < deadline {
        // Checked first: if nginx failed to bind, something else owns the port and would
        // answer the connection.
        if let Ok(Some(_)) = child.try_wait() {
            return Ready::Exited;
        }
        // nginx writes its pid file only after binding its listening socket: until then, a
        // connection may reach whoever else took the port in the meantime.
        let bound = fs::metadata(pid_file).is_ok_and(|m| m.len() > 0);
        if bound && TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_ok() {
            return Ready::Yes;
        }
        thread::sleep(Duration::from_millis(20));
    }
    Ready::TimedOut
}

fn logs(dir: &Path) -> String {
    let read = |name: &str| fs::read_to_string(dir.join("logs").join(name)).unwrap_or_default();
    format!(
        "--- error.log ---\n{}--- stderr ---\n{}",
        read("error.log"),
        read("stderr.log")
    )
}

/// `/usr/sbin/nginx`, else `nginx` on `PATH`; panics with the install hint otherwise.
fn find_nginx() -> PathBuf {
    let standard = PathBuf::from("/usr/sbin/nginx");
    if standard.is_file() {
        return standard;
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join("nginx"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "nginx not found (neither /usr/sbin/nginx nor nginx on PATH): \
                 install nginx-light (apt-get install -y nginx-light)"
            )
        })
}

/// A port that was free a moment ago on 127.0.0.1.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .expect("bind a free port on 127.0.0.1")
        .port()
}

/// A path as an nginx quoted string. nginx has no escape for `$` (variables), so such paths
/// are refused rather than silently mangled.
fn quoted(path: &Path) -> String {
    let text = path.to_str().expect("nginx paths must be UTF-8");
    assert!(
        !text.contains(['"', '\\', '$', '\n', '\r', '{', '}', ';']),
        "path {text} has characters that cannot be put in nginx.conf"
    );
    format!("\"{text}\"")
}

fn running_as_root() -> bool {
    // SAFETY: geteuid cannot fail and touches no memory.
    unsafe { libc::geteuid() == 0 }
}

/// The MIME types served, written out rather than included from /etc/nginx so that the tests
/// do not depend on nginx-common's files, with `.zst` as `application/zstd`.
const TYPES: &[(&str, &str)] = &[
    ("text/html", "html htm"),
    ("text/css", "css"),
    ("text/plain", "txt"),
    ("text/xml", "xml"),
    ("application/javascript", "js mjs"),
    ("application/json", "json"),
    ("application/atom+xml", "atom"),
    ("application/rss+xml", "rss"),
    ("application/wasm", "wasm"),
    ("application/pdf", "pdf"),
    ("application/zip", "zip"),
    ("application/gzip", "gz"),
    ("application/x-tar", "tar"),
    ("application/zstd", "zst"),
    ("application/x-bittorrent", "torrent"),
    ("image/png", "png"),
    ("image/jpeg", "jpg jpeg"),
    ("image/gif", "gif"),
    ("image/webp", "webp"),
    ("image/avif", "avif"),
    ("image/svg+xml", "svg svgz"),
    ("image/x-icon", "ico"),
    ("font/woff", "woff"),
    ("font/woff2", "woff2"),
    ("audio/mpeg", "mp3"),
    ("audio/ogg", "ogg"),
    ("video/mp4", "mp4"),
    ("video/webm", "webm"),
];

fn config(dir: &Path, root: &Path, port: u16, options: &NginxOptions) -> String {
    let path = |sub: &str| quoted(&dir.join(sub));
    let mut conf = String::new();
    // As root, nginx's worker would switch to `nobody`, which may not read a root inside a
    // private temporary folder (mode 0700): keep it root. As another user the directive
    // would only earn a warning, so leave it out.
    if running_as_root() {
        conf.push_str("user root root;\n");
    }
    let _ = writeln!(conf, "pid {};", path("nginx.pid"));
    let _ = writeln!(conf, "error_log {} info;", path("logs/error.log"));
    let _ = writeln!(conf, "lock_file {};", path("nginx.lock"));
    conf.push_str("worker_processes 1;\nevents { worker_connections 256; }\nhttp {\n");
    let _ = writeln!(
        conf,
        "  client_body_temp_path {};\n  proxy_temp_path {};\n  fastcgi_temp_path {};\n  \
         uwsgi_temp_path {};\n  scgi_temp_path {};",
        path(TEMP_FOLDERS[0]),
        path(TEMP_FOLDERS[1]),
        path(TEMP_FOLDERS[2]),
        path(TEMP_FOLDERS[3]),
        path(TEMP_FOLDERS[4]),
    );
    conf.push_str(
        "  log_format tamizdat '$status $body_bytes_sent \"$request\" \"$http_range\" \
         \"$http_if_range\" $bytes_sent $request_time';\n",
    );
    let _ = writeln!(conf, "  access_log {} tamizdat;", path("logs/access.log"));
    conf.push_str("  types {\n");
    for (mime, extensions) in TYPES {
        let _ = writeln!(conf, "    {mime} {extensions};");
    }
    conf.push_str("  }\n  default_type application/octet-stream;\n");
    conf.push_str(
        "  sendfile on;\n  etag on;\n  autoindex off;\n  server_tokens off;\n  \
         keepalive_timeout 10s;\n",
    );
    conf.push_str("  server {\n");
    if options.tls {
        let _ = writeln!(conf, "    listen 127.0.0.1:{port} ssl;");
        let _ = writeln!(conf, "    server_name localhost;");
        let _ = writeln!(conf, "    ssl_certificate {};", path("tls/server.pem"));
        let _ = writeln!(conf, "    ssl_certificate_key {};", path("tls/server.key"));
        conf.push_str("    ssl_protocols TLSv1.2 TLSv1.3;\n");
    } else {
        let _ = writeln!(conf, "    listen 127.0.0.1:{port};");
        conf.push_str("    server_name 127.0.0.1;\n");
    }
    let _ = writeln!(conf, "    root {};", quoted(root));
    conf.push_str("    location / {\n");
    if let Some(rate) = &options.limit_rate {
        assert!(
            !rate.is_empty() && rate.chars().all(|c| c.is_ascii_alphanumeric()),
            "limit_rate {rate:?} is not an nginx size such as \"2m\""
        );
        let _ = writeln!(conf, "      limit_rate {rate};");
    }
    conf.push_str("    }\n  }\n}\n");
    conf
}

/// Makes `tls/ca.pem` (a self-signed test CA) and `tls/server.pem` + `tls/server.key` (a leaf
/// for `localhost` and 127.0.0.1 signed by it) with the openssl CLI. P-256 keys: fast to make
/// and accepted by rustls/webpki; v3 extensions as webpki wants them (SAN, serverAuth,
/// CA:FALSE on the leaf, keyCertSign on the CA).
fn make_certificates(dir: &Path) {
    let tls = dir.join("tls");
    fs::create_dir_all(&tls).expect("create the tls folder");
    fs::write(
        tls.join("server.ext"),
        "basicConstraints = critical, CA:FALSE\n\
         keyUsage = critical, digitalSignature\n\
         extendedKeyUsage = serverAuth\n\
         subjectAltName = DNS:localhost, IP:127.0.0.1\n\
         subjectKeyIdentifier = hash\n\
         authorityKeyIdentifier = keyid:always\n",
    )
    .expect("write the certificate extensions");
    let key = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
    ];
    openssl(
        &tls,
        &[
            &["req", "-x509", "-new"],
            &key[..],
            &["-keyout", "ca.key", "-out", "ca.pem", "-days", "3650"],
            &["-subj", "/CN=tamizdat test CA"],
            &["-addext", "basicConstraints = critical, CA:TRUE"],
            &["-addext", "keyUsage = critical, keyCertSign, cRLSign"],
            &["-addext", "subjectKeyIdentifier = hash"],
        ]
        .concat(),
    );
    openssl(
        &tls,
        &[
            &["req", "-new"][..],
            &key[..],
            &["-keyout", "server.key", "-out", "server.csr"],
            &["-subj", "/CN=localhost"],
        ]
        .concat(),
    );
    openssl(
        &tls,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAserial",
            "ca.srl",
            "-CAcreateserial",
            "-days",
            "3650",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ],
    );
}

fn openssl(dir: &Path, args: &[&str]) {
    let output = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| match e.kind() {
            ErrorKind::NotFound => panic!("openssl not found: apt-get install -y openssl"),
            _ => panic!("cannot run openssl: {e}"),
        });
    assert!(
        output.status.success(),
        "openssl {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

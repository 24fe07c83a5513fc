//! The real `mpgram` binary as a process, and a phone that talks to it over real sockets the way
//! the J2ME client does (`client-j2me.md` §3, §6.2). Every API answer goes through the client's
//! strict parser (`tests/src/strict.rs`, included as is).
#![allow(dead_code, unused_imports)]

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[allow(dead_code, unreachable_pub, clippy::all, clippy::pedantic)]
#[path = "../../../../tests/src/strict.rs"]
pub mod strict;

#[allow(unused_imports)]
pub use strict::{error_message, res_is_one, string_field as s, Json};

pub const UA: &str = "mpgram4/1.5.13 (https://github.com/shinovon/mpgram-client)";
/// Only to end a hung test, never a deadline the code under test must meet.
pub const WAIT: Duration = Duration::from_mins(1);

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_mpgram")
}

/// A child process, killed when dropped; its stdout arrives line by line, stderr is kept in a
/// file for the test to read.
pub struct Proc {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
    stderr: PathBuf,
    _stderr_dir: tempfile::TempDir,
}

impl Proc {
    pub fn spawn(args: &[&str]) -> Self {
        let stderr_dir = tempfile::tempdir().expect("temp dir");
        let stderr = stderr_dir.path().join("stderr");
        let mut child = Command::new(bin())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("stderr file"))
            .spawn()
            .expect("mpgram starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
            stderr,
            _stderr_dir: stderr_dir,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The first new stdout line satisfying `cond` (bounded wait).
    pub fn wait_line(&mut self, cond: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).unwrap_or_else(|_| {
                panic!(
                    "no such line; printed so far: {:#?}\nstderr: {}",
                    self.seen,
                    self.stderr()
                )
            });
            self.seen.push(line.clone());
            if cond(&line) {
                return line;
            }
        }
    }

    /// The rest of the first stdout line starting with `prefix`.
    pub fn line_starting(&mut self, prefix: &str) -> String {
        if let Some(l) = self.seen.iter().find(|l| l.starts_with(prefix)) {
            return l[prefix.len()..].to_owned();
        }
        self.wait_line(|l| l.starts_with(prefix))[prefix.len()..].to_owned()
    }

    /// The address it serves phones on, from "… serving at http://HOST:PORT/".
    pub fn wait_serving(&mut self) -> SocketAddr {
        let line = self.wait_line(|l| l.contains("serving at http://"));
        let url = &line[line.find("http://").expect("URL") + "http://".len()..];
        url.trim_end_matches('/')
            .split_whitespace()
            .next()
            .and_then(|a| a.trim_end_matches('/').parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"))
    }

    /// SIGKILL: no destructor, no signal handler, no last save runs.
    pub fn kill9(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// Waits for the process to end by itself (bounded); `None` if it is still running.
    pub fn wait_exit(&mut self) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `mpgram <args…>` to its end (bounded): status, stdout, stderr.
pub fn run(args: &[&str]) -> (std::process::ExitStatus, String, String) {
    let mut p = Proc::spawn(args);
    let status = p
        .wait_exit()
        .unwrap_or_else(|| panic!("mpgram {args:?} did not end"));
    let mut out = String::new();
    while let Ok(line) = p.lines.recv_timeout(Duration::from_secs(5)) {
        out.push_str(&line);
        out.push('\n');
    }
    (status, out, p.stderr())
}

/// The control channel of a running process, from its `control.json`.
pub struct Control {
    pub addr: SocketAddr,
    pub secret: String,
    pub pid: u32,
}

impl Control {
    pub fn read(data_dir: &Path) -> Self {
        let bytes = std::fs::read(data_dir.join("control.json")).expect("control.json");
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("control.json parses");
        let url = v["url"].as_str().expect("url");
        Self {
            addr: url
                .trim_start_matches("http://")
                .parse()
                .expect("control address"),
            secret: v["secret"].as_str().expect("secret").to_owned(),
            pid: v["pid"].as_u64().expect("pid") as u32,
        }
    }

    pub async fn post(&self, path: &str, body: &str) -> serde_json::Value {
        self.call("POST", path, body).await
    }

    pub async fn put(&self, path: &str, body: &str) -> serde_json::Value {
        self.call("PUT", path, body).await
    }

    pub async fn get(&self, path: &str) -> serde_json::Value {
        self.call("GET", path, "").await
    }

    async fn call(&self, method: &str, path: &str, body: &str) -> serde_json::Value {
        let auth = format!("Bearer {}", self.secret);
        let r = request(
            None,
            self.addr,
            method,
            path,
            &[
                ("Authorization", auth.as_str()),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
        .await;
        assert_eq!(
            r.status,
            200,
            "{method} {path}: {}",
            String::from_utf8_lossy(&r.body)
        );
        serde_json::from_slice(&r.body).expect("control JSON")
    }
}

pub struct Response {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

/// One HTTP/1.1 request on its own connection, from the local address `from` (any loopback
/// address works on Linux: a second "phone" is 127.0.0.2).
pub async fn request(
    from: Option<IpAddr>,
    to: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    tokio::time::timeout(WAIT, request_inner(from, to, method, target, headers, body))
        .await
        .unwrap_or_else(|_| panic!("{method} {target}: no answer"))
}

async fn request_inner(
    from: Option<IpAddr>,
    to: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Response {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    if let Some(ip) = from {
        socket
            .bind(SocketAddr::new(ip, 0))
            .expect("bind the source address");
    }
    let mut stream = socket.connect(to).await.expect("connect");
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {to}\r\nConnection: close\r\n");
    for (k, v) in headers {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    if !body.is_empty() || method == "POST" {
        let _ = write!(head, "Content-Length: {}\r\n", body.len());
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let rest = &raw[split + 4..];
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Response {
        status,
        headers: head,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = b.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&b[..eol])
                .split(';')
                .next()
                .unwrap_or("0")
                .trim(),
            16,
        )
        .expect("chunk size");
        if size == 0 {
            return out;
        }
        let start = eol + 2;
        out.extend_from_slice(&b[start..start + size]);
        b = &b[start + size + 2..];
    }
}

/// A phone running the stock MPGram client at `from` (None: 127.0.0.1).
pub struct Phone {
    pub server: SocketAddr,
    pub from: Option<IpAddr>,
}

pub struct Answer {
    pub status: u16,
    pub json: Json,
}

impl Phone {
    pub fn new(server: SocketAddr) -> Self {
        Self { server, from: None }
    }

    pub fn at(server: SocketAddr, from: Ipv4Addr) -> Self {
        Self {
            server,
            from: Some(IpAddr::V4(from)),
        }
    }

    async fn get(&self, target: &str, token: Option<&str>) -> Response {
        let mut headers = vec![
            ("User-Agent", UA),
            ("X-mpgram-device", "NokiaE52-1"),
            ("X-mpgram-system", "S60 3rd Edition FP2"),
            ("X-mpgram-app-version", "1.5.13"),
        ];
        if let Some(t) = token {
            headers.push(("X-mpgram-user", t));
        }
        request(self.from, self.server, "GET", target, &headers, &[]).await
    }

    /// `api.php?<query>`, the answer read by the client's strict parser.
    pub async fn api(&self, query: &str, token: Option<&str>) -> Answer {
        let r = self.get(&format!("/api.php?{query}"), token).await;
        Answer {
            status: r.status,
            json: strict::assert_client_ok(&r.body, false),
        }
    }

    /// `initLogin&qr=1` → `need_captcha`; then the picture, as the captcha screen loads it.
    pub async fn open_captcha(&self) -> String {
        let a = self.api("v=12&method=initLogin&qr=1", None).await;
        assert_eq!(a.status, 200);
        assert_eq!(s(&a.json, "res"), "need_captcha");
        let id = s(&a.json, "captcha_id");
        let img = self
            .get(
                &format!("/api.php?v=12&method=getCaptchaImg&captcha_id={id}"),
                None,
            )
            .await;
        assert_eq!(img.status, 200);
        assert!(img.body.starts_with(b"\x89PNG"), "a PNG captcha");
        id
    }

    /// The captcha box's "Next" with `code` typed.
    pub async fn submit(&self, captcha_id: &str, code: &str) -> Answer {
        self.api(
            &format!("v=12&method=initLogin&qr=1&captcha_id={captcha_id}&captcha_key={code}"),
            None,
        )
        .await
    }

    /// The whole QR path with the user code (client-j2me.md §6.5): captcha, code, QR screen, the
    /// first `qrLogin` poll. Returns the device token the client adopts.
    pub async fn pair_with_user_code(&self, code: &str) -> String {
        let id = self.open_captcha().await;
        let a = self.submit(&id, code).await;
        assert_eq!(a.status, 200);
        assert_eq!(s(&a.json, "res"), "qr", "the user code is accepted");
        let ticket = s(&a.json, "user");
        let text = s(&a.json, "text");
        let qr = self
            .get(
                &format!("/qrcode.php?t={text}&s=4&tw=240&th=320"),
                Some(&ticket),
            )
            .await;
        assert_eq!(qr.status, 200);
        let a = self.api("v=12&method=qrLogin", Some(&ticket)).await;
        assert_eq!(a.status, 200);
        assert!(res_is_one(&a.json), "paired on the first poll");
        s(&a.json, "user")
    }
}

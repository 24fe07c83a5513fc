//! Shared by `control.rs` and `cli.rs`: the real `mpgram` binary as processes (`demo --data-dir`,
//! `pair`, `devices`, …) and a phone-like HTTP client that pairs exactly as the J2ME client does
//! (`client-j2me.md` §6.2: `initLogin&qr=1` → `getCaptchaImg` → the user code in the captcha box
//! → `qrcode.php` → `qrLogin` polls).
#![allow(dead_code)]

// Not every test file that includes this module uses each of them.
#[allow(unused_imports)]
pub use mpgram_tests::strict::{error_message, res_is_one, string_field as s};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::Duration;

use mpgram::control::ControlFile;
use mpgram_tests::strict::{self, Json};

pub const UA: &str = "mpgram4/1.5.13 (https://github.com/shinovon/mpgram-client)";
const WAIT: Duration = Duration::from_secs(30);

/// The `mpgram` binary, built once per test process (it belongs to another package, so cargo
/// does not build it for these tests).
pub fn bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let built = Command::new(env!("CARGO"))
            .args(["build", "-q", "-p", "mpgram", "--bin", "mpgram"])
            .status()
            .expect("cargo runs");
        assert!(built.success(), "mpgram builds");
        let exe = std::env::current_exe().expect("test exe");
        exe.parent()
            .and_then(Path::parent)
            .expect("target dir")
            .join(format!("mpgram{}", std::env::consts::EXE_SUFFIX))
    })
}

/// A child process, killed when dropped; its stdout lines arrive on a channel.
pub struct Proc {
    pub child: std::process::Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Proc {
    pub fn spawn(args: &[&str]) -> Self {
        let mut cmd = Command::new(bin());
        cmd.args(args).stdin(Stdio::null());
        Self::spawn_cmd(cmd)
    }

    /// Any command; stdout is read line by line, stderr dropped.
    pub fn spawn_cmd(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the command starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        // Keeps reading to the end, so the child never writes into a closed pipe.
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
        }
    }

    /// The rest of the first line that starts with `prefix` (bounded wait).
    pub fn line_starting(&mut self, prefix: &str) -> String {
        if let Some(l) = self.seen.iter().find(|l| l.starts_with(prefix)) {
            return l[prefix.len()..].to_owned();
        }
        self.wait_line(|l| l.starts_with(prefix))[prefix.len()..].to_owned()
    }

    /// The first new line satisfying `cond` (bounded wait).
    pub fn wait_line(&mut self, cond: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no such line; printed so far: {:#?}", self.seen));
            self.seen.push(line.clone());
            if cond(&line) {
                return line;
            }
        }
    }

    /// Ctrl-C, as a terminal sends it; then waits for the exit (bounded).
    #[cfg(unix)]
    pub fn interrupt(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let deadline = std::time::Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the process did not stop on Ctrl-C"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `mpgram demo --data-dir D` on an ephemeral loopback port.
pub struct Demo {
    pub proc: Proc,
    pub dir: tempfile::TempDir,
    /// The instance URL with its trailing slash.
    pub url: String,
    pub control: ControlFile,
}

impl Demo {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().to_str().expect("utf-8 path").to_owned();
        let mut proc = Proc::spawn(&["demo", "--listen", "127.0.0.1:0", "--data-dir", &data]);
        let serving = proc.wait_line(|l| l.contains("http://"));
        let url = serving[serving.find("http://").expect("URL")..]
            .split_whitespace()
            .next()
            .expect("URL")
            .to_owned();
        // The control file is written before the URL is printed.
        let bytes = std::fs::read(dir.path().join("control.json")).expect("control.json exists");
        let control: ControlFile = serde_json::from_slice(&bytes).expect("control.json parses");
        Self {
            proc,
            dir,
            url,
            control,
        }
    }

    pub fn data_dir(&self) -> &str {
        self.dir.path().to_str().expect("utf-8 path")
    }

    /// `mpgram <args…> --data-dir D`, stdin not a terminal.
    pub fn run(&self, args: &[&str]) -> Output {
        run(args, self.data_dir())
    }

    pub fn control_get(&self, path: &str) -> serde_json::Value {
        let r = http()
            .get(format!("{}{path}", self.control.url))
            .bearer_auth(&self.control.secret)
            .send()
            .expect("control request");
        assert_eq!(r.status(), 200, "GET {path}");
        serde_json::from_slice(&r.bytes().expect("body")).expect("JSON")
    }

    pub fn control_post(&self, path: &str, body: &str) -> serde_json::Value {
        let r = http()
            .post(format!("{}{path}", self.control.url))
            .bearer_auth(&self.control.secret)
            .header("Content-Type", "application/json")
            .body(body.to_owned())
            .send()
            .expect("control request");
        assert_eq!(r.status(), 200, "POST {path}");
        serde_json::from_slice(&r.bytes().expect("body")).expect("JSON")
    }

    pub fn phone(&self, model: &str) -> Phone {
        Phone {
            base: self.url.clone(),
            model: model.to_owned(),
        }
    }
}

pub fn run(args: &[&str], data_dir: &str) -> Output {
    Command::new(bin())
        .args(args)
        .args(["--data-dir", data_dir])
        .stdin(Stdio::null())
        .output()
        .expect("mpgram runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A blocking HTTP client (tests run these calls outside async code).
pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .no_proxy()
        .timeout(WAIT)
        .build()
        .expect("client")
}

/// A phone running the stock MPGram client.
pub struct Phone {
    pub base: String,
    pub model: String,
}

pub struct Answer {
    pub status: u16,
    pub json: Json,
}

impl Phone {
    pub fn api(&self, query: &str, token: Option<&str>) -> Answer {
        let mut req = http()
            .get(format!("{}api.php?{query}", self.base))
            .header("User-Agent", UA)
            .header("X-mpgram-device", &self.model)
            .header("X-mpgram-app-version", "1.5.13");
        if let Some(t) = token {
            req = req.header("X-mpgram-user", t);
        }
        let r = req.send().expect("phone request");
        let status = r.status().as_u16();
        let body = r.bytes().expect("body");
        Answer {
            status,
            json: strict::assert_client_ok(&body, false),
        }
    }

    /// Everything up to the QR screen with `code` typed into the captcha box; returns the ticket.
    pub fn type_user_code(&self, code: &str) -> String {
        let a = self.api("v=12&method=initLogin&qr=1", None);
        assert_eq!(a.status, 200);
        assert_eq!(s(&a.json, "res"), "need_captcha");
        let id = s(&a.json, "captcha_id");
        let img = http()
            .get(format!(
                "{}api.php?v=12&method=getCaptchaImg&captcha_id={id}",
                self.base
            ))
            .header("User-Agent", UA)
            .send()
            .expect("captcha");
        assert_eq!(img.status(), 200);
        assert!(
            (4..=20).contains(&code.len()),
            "the captcha box takes 4–20 characters"
        );
        let a = self.api(
            &format!("v=12&method=initLogin&qr=1&captcha_id={id}&captcha_key={code}"),
            None,
        );
        assert_eq!(a.status, 200);
        assert_eq!(s(&a.json, "res"), "qr", "the user code is accepted");
        let text = s(&a.json, "text");
        let qr = http()
            .get(format!(
                "{}qrcode.php?t={text}&s=4&tw=240&th=320",
                self.base
            ))
            .send()
            .expect("qrcode.php");
        assert_eq!(qr.status(), 200);
        s(&a.json, "user")
    }

    /// One `qrLogin` poll with the ticket.
    pub fn poll(&self, ticket: &str) -> Answer {
        self.api("v=12&method=qrLogin", Some(ticket))
    }
}

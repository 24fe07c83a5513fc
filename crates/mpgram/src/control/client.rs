//! The one client of the control channel, shared by the CLI (`mpgram pair|devices|…`) and the
//! desktop app (every call of the window, a second launch handing over to the running one): find
//! the running core through `control.json`, call it with the bearer secret, follow its event
//! stream.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use thiserror::Error;

use super::{ControlFile, CONTROL_FILE};

/// Re-exported so front ends name methods without depending on reqwest themselves.
pub use reqwest::Method;

#[derive(Debug, Error)]
pub enum ClientError {
    #[error("MPGram is not running on this data folder ({0}); start it with `mpgram serve`.")]
    NotRunning(PathBuf),
    #[error("Cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The core's own plain-words refusal.
    #[error("{0}")]
    Refused(String),
    #[error("MPGram answered something unexpected ({0}).")]
    Protocol(String),
}

/// Where the core running on `data_dir` says how to reach it.
pub fn control_path(data_dir: &Path) -> PathBuf {
    data_dir.join(CONTROL_FILE)
}

impl ControlFile {
    /// Reads `<data_dir>/control.json`. A missing or unparsable file means no core runs there
    /// (a file being replaced is written atomically, so a torn one is not expected).
    pub fn read(data_dir: &Path) -> Result<Self, ClientError> {
        let path = control_path(data_dir);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ClientError::NotRunning(data_dir.to_owned()))
            }
            Err(source) => return Err(ClientError::Read { path, source }),
        };
        serde_json::from_slice(&bytes).map_err(|_| ClientError::NotRunning(data_dir.to_owned()))
    }

    /// Whether the process that wrote the file still runs, where the system tells (`/proc`); a
    /// file whose process is gone is left over from a crash.
    pub fn process_alive(&self) -> bool {
        let proc_dir = Path::new("/proc");
        !proc_dir.is_dir() || self.pid == 0 || proc_dir.join(self.pid.to_string()).exists()
    }
}

/// A connection to the core running on one data folder.
#[derive(Debug, Clone)]
pub struct ControlClient {
    dir: PathBuf,
    /// `Some`: read once by [`ControlClient::open`] (a CLI command is short-lived). `None`:
    /// reread on every call, so a long-lived window follows a core that restarted (new port and
    /// secret).
    pinned: Option<ControlFile>,
    http: reqwest::Client,
    timeout: Duration,
}

impl ControlClient {
    /// For one CLI command: reads `<data_dir>/control.json` now. A missing file means the core
    /// is not running.
    pub fn open(data_dir: &Path) -> Result<Self, ClientError> {
        let file = ControlFile::read(data_dir)?;
        Ok(Self {
            dir: data_dir.to_owned(),
            pinned: Some(file),
            http: http_client(Duration::from_secs(5))?,
            timeout: Duration::from_secs(30),
        })
    }

    /// For the desktop window: rereads `control.json` on every call. A quick connect timeout (the
    /// core is on loopback), a long call timeout (a login step may wait on Telegram).
    pub fn follow(data_dir: PathBuf) -> Result<Self, ClientError> {
        Ok(Self {
            dir: data_dir,
            pinned: None,
            http: http_client(Duration::from_secs(2))?,
            timeout: Duration::from_mins(1),
        })
    }

    /// Where the core listens and its secret, as of now.
    pub fn endpoint(&self) -> Result<ControlFile, ClientError> {
        match &self.pinned {
            Some(file) => Ok(file.clone()),
            None => ControlFile::read(&self.dir),
        }
    }

    /// Whether a core runs for this data folder: its `control.json` is there and (where the
    /// system tells) its process is alive.
    pub fn running(&self) -> bool {
        self.endpoint().is_ok_and(|file| file.process_alive())
    }

    fn request(&self, file: &ControlFile, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", file.url))
            .bearer_auth(&file.secret)
    }

    fn send_error(&self, e: &reqwest::Error) -> ClientError {
        // The file is there but nobody answers: a core that died without cleaning up.
        if e.is_connect() {
            ClientError::NotRunning(self.dir.clone())
        } else {
            ClientError::Protocol(e.to_string())
        }
    }

    async fn finish(&self, resp: reqwest::Response) -> Result<Value, ClientError> {
        let status = resp.status();
        let body = resp.bytes().await.map_err(|e| self.send_error(&e))?;
        let value: Value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body)
                .map_err(|_| ClientError::Protocol(format!("HTTP {status}")))?
        };
        if status.is_success() {
            Ok(value)
        } else {
            Err(ClientError::Refused(
                value
                    .get("error")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("HTTP {status}"), str::to_owned),
            ))
        }
    }

    /// One JSON call; `body` is sent as JSON when present.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ClientError> {
        let file = self.endpoint()?;
        let mut req = self.request(&file, method, path).timeout(self.timeout);
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.map_err(|e| self.send_error(&e))?;
        self.finish(resp).await
    }

    pub async fn get(&self, path: &str) -> Result<Value, ClientError> {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Option<&Value>) -> Result<Value, ClientError> {
        self.call(Method::POST, path, body).await
    }

    /// Follows `/v1/events`; `pairing_screen`: this client shows the pairing screen while the
    /// stream is open (the core closes the screen when it ends, even if this process is killed).
    pub async fn events(&self, pairing_screen: bool) -> Result<EventStream, ClientError> {
        let path = if pairing_screen {
            "/v1/events?pairing_screen=1"
        } else {
            "/v1/events"
        };
        let file = self.endpoint()?;
        let resp = self
            .request(&file, Method::GET, path)
            .send()
            .await
            .map_err(|e| self.send_error(&e))?;
        if !resp.status().is_success() {
            return Err(self.finish(resp).await.err().unwrap_or_else(|| {
                ClientError::Protocol("the event stream was refused".to_owned())
            }));
        }
        Ok(EventStream {
            resp,
            parser: SseParser::default(),
            ready: VecDeque::new(),
            silence_limit: None,
        })
    }
}

fn http_client(connect_timeout: Duration) -> Result<reqwest::Client, ClientError> {
    // Loopback only: a proxy from the environment must never see the secret.
    reqwest::Client::builder()
        .no_proxy()
        .connect_timeout(connect_timeout)
        .build()
        .map_err(|e| ClientError::Protocol(e.to_string()))
}

/// An open `/v1/events` stream.
pub struct EventStream {
    resp: reqwest::Response,
    parser: SseParser,
    /// Events parsed but not yet returned; kept here (not in a local) so that `next` is
    /// cancel-safe in a `select!`.
    ready: VecDeque<(String, String)>,
    silence_limit: Option<Duration>,
}

impl EventStream {
    /// The core sends a keep-alive comment every 15 s, so silence this long means it is dead.
    pub const SILENCE_LIMIT: Duration = Duration::from_secs(40);

    /// Ends the stream after `limit` without a byte (see [`Self::SILENCE_LIMIT`]), for a client
    /// that reconnects rather than waiting forever on a hung core.
    #[must_use]
    pub fn end_after_silence(mut self, limit: Duration) -> Self {
        self.silence_limit = Some(limit);
        self
    }

    /// The next event as (name, data). `None` when the stream ended (the core stopped, or was
    /// silent past the limit). Events whose data is not JSON are skipped: the core sends none.
    pub async fn next(&mut self) -> Option<(String, Value)> {
        loop {
            while let Some((name, data)) = self.ready.pop_front() {
                if let Ok(value) = serde_json::from_str(&data) {
                    return Some((name, value));
                }
            }
            let chunk = match self.silence_limit {
                Some(limit) => tokio::time::timeout(limit, self.resp.chunk()).await.ok()?,
                None => self.resp.chunk().await,
            };
            let chunk = chunk.ok()??;
            self.ready.extend(self.parser.push(&chunk));
        }
    }
}

/// Server-Sent Events framing: `event:` and `data:` lines, a blank line ends an event, `:` lines
/// are comments (keep-alives). Keeps partial lines between chunks.
#[derive(Debug, Default)]
pub struct SseParser {
    buf: String,
    event: String,
    data: String,
}

impl SseParser {
    /// Feeds one chunk; returns the events it completed as (name, data).
    pub fn push(&mut self, bytes: &[u8]) -> Vec<(String, String)> {
        self.buf.push_str(&String::from_utf8_lossy(bytes));
        let mut out = Vec::new();
        while let Some(pos) = self.buf.find('\n') {
            let line: String = self.buf.drain(..=pos).collect();
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if !self.data.is_empty() || !self.event.is_empty() {
                    let name = if self.event.is_empty() {
                        "message".to_owned()
                    } else {
                        std::mem::take(&mut self.event)
                    };
                    out.push((name, std::mem::take(&mut self.data)));
                }
            } else if let Some(v) = line.strip_prefix("event:") {
                v.trim().clone_into(&mut self.event);
            } else if let Some(v) = line.strip_prefix("data:") {
                if !self.data.is_empty() {
                    self.data.push('\n');
                }
                self.data.push_str(v.strip_prefix(' ').unwrap_or(v));
            }
        }
        out
    }
}

/// Paces a client's reconnects to the core's event stream: quick at first (a restarting core is
/// back within a second), then slower while it stays away, so a window left behind does not
/// spin; and each kind of failure is logged once, not every retry.
#[derive(Debug)]
pub struct Reconnect {
    delay: Duration,
    logged: Option<String>,
}

impl Default for Reconnect {
    fn default() -> Self {
        Self {
            delay: Self::FIRST,
            logged: None,
        }
    }
}

impl Reconnect {
    pub const FIRST: Duration = Duration::from_millis(300);
    pub const MAX: Duration = Duration::from_secs(5);

    pub fn new() -> Self {
        Self::default()
    }

    /// The stream was up: the next failure is news again and is retried quickly.
    pub fn connected(&mut self) {
        self.delay = Self::FIRST;
        self.logged = None;
    }

    /// The stream ended with `failure`: how long to wait before the next try, and whether this
    /// failure differs from the last one logged (so the caller logs it).
    pub fn failed(&mut self, failure: &str) -> (Duration, bool) {
        let wait = self.delay;
        self.delay = (self.delay * 2).min(Self::MAX);
        let new = self.logged.as_deref() != Some(failure);
        if new {
            self.logged = Some(failure.to_owned());
        }
        (wait, new)
    }
}

#[cfg(test)]
mod tests {
    use super::{Reconnect, SseParser};
    use std::time::Duration;

    #[test]
    fn reconnects_back_off_and_log_a_repeated_failure_once() {
        let mut r = Reconnect::new();
        let gone = "Err(NotRunning)";
        let waits: Vec<(u128, bool)> = (0..7)
            .map(|_| {
                let (wait, log) = r.failed(gone);
                (wait.as_millis(), log)
            })
            .collect();
        assert_eq!(
            waits,
            vec![
                (300, true),
                (600, false),
                (1200, false),
                (2400, false),
                (4800, false),
                (5000, false),
                (5000, false)
            ]
        );
        // A different failure is news; so is the same one after the stream was up again.
        assert_eq!(
            r.failed("Err(Broken(\"reset\"))"),
            (Duration::from_secs(5), true)
        );
        r.connected();
        assert_eq!(r.failed(gone), (Reconnect::FIRST, true));
    }

    #[test]
    fn sse_events_split_across_chunks_come_out_whole() {
        let mut p = SseParser::default();
        assert!(p.push(b": keep-alive\n\nevent: devi").is_empty());
        let out = p.push(b"ces\ndata: {\"devices\":[]}\n\nevent: open-window\ndata: {}\n\n");
        assert_eq!(
            out,
            vec![
                ("devices".to_owned(), "{\"devices\":[]}".to_owned()),
                ("open-window".to_owned(), "{}".to_owned())
            ]
        );
    }

    #[test]
    fn sse_crlf_lines_and_multi_line_data() {
        // The CLI's old parser dropped `\r`; this one trims it per line.
        let mut p = SseParser::default();
        let out = p.push(b"event: x\r\ndata: [1,\r\ndata: 2]\r\n\r\n");
        assert_eq!(out, vec![("x".to_owned(), "[1,\n2]".to_owned())]);
    }
}

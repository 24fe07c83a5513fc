//! The client side of the loopback control API: finds the running tray process of a data folder through
//! its `control.json` and calls it. Used by the window process (every call of the page goes through here,
//! so the secret never reaches JavaScript) and by a second launch that asks the running one to open its
//! window.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

/// What `control.json` holds.
#[derive(Debug, Clone, Deserialize)]
pub struct Endpoint {
    pub url: String,
    pub secret: String,
    /// The tray process; a file whose process is gone is left over from a crash.
    #[serde(default)]
    pub pid: u32,
}

/// Why a call failed, in words for the person at the window.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("MPGram Home is not running.")]
    NotRunning,
    #[error("{0}")]
    Refused(String),
    #[error("MPGram Home did not answer: {0}")]
    Broken(String),
}

pub fn control_file(data_dir: &Path) -> PathBuf {
    data_dir.join("control.json")
}

impl Endpoint {
    /// Reads `control.json`; `None` when there is none (no tray process on this data folder).
    pub fn read(data_dir: &Path) -> Option<Self> {
        let text = std::fs::read_to_string(control_file(data_dir)).ok()?;
        serde_json::from_str(&text).ok()
    }
}

/// A client for one data folder. Rereads `control.json` on every call, so it follows a tray process
/// that restarted (a new port and secret) without the window noticing.
#[derive(Clone)]
pub struct Control {
    data_dir: PathBuf,
    http: reqwest::Client,
}

impl Control {
    pub fn new(data_dir: PathBuf) -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(2))
            .build()
            .unwrap_or_default();
        Self { data_dir, http }
    }

    pub fn endpoint(&self) -> Option<Endpoint> {
        Endpoint::read(&self.data_dir)
    }

    /// Whether a tray process runs for this data folder: its `control.json` exists and (where the
    /// system tells) its process is alive.
    pub fn tray_alive(&self) -> bool {
        self.endpoint().is_some_and(|ep| {
            let proc_dir = Path::new("/proc");
            !proc_dir.is_dir() || ep.pid == 0 || proc_dir.join(ep.pid.to_string()).exists()
        })
    }

    /// One JSON call. `body` is sent as JSON when present.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, CallError> {
        let ep = self.endpoint().ok_or(CallError::NotRunning)?;
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| CallError::Broken(format!("unknown method {method}")))?;
        let mut req = self
            .http
            .request(method, format!("{}{}", ep.url, path))
            .bearer_auth(&ep.secret)
            .timeout(Duration::from_secs(60));
        if let Some(body) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let resp = req.send().await.map_err(|e| {
            if e.is_connect() {
                CallError::NotRunning
            } else {
                CallError::Broken(e.to_string())
            }
        })?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| CallError::Broken(e.to_string()))?;
        let value: Value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|e| CallError::Broken(e.to_string()))?
        };
        if status.is_success() {
            Ok(value)
        } else {
            let message = value
                .get("error")
                .and_then(Value::as_str)
                .map_or_else(|| format!("error {status}"), str::to_owned);
            Err(CallError::Refused(message))
        }
    }

    /// Opens the event stream; `on_event(name, data)` runs for each event until the stream ends.
    pub async fn events(&self, mut on_event: impl FnMut(&str, Value)) -> Result<(), CallError> {
        let ep = self.endpoint().ok_or(CallError::NotRunning)?;
        let mut resp = self
            .http
            .get(format!("{}/v1/events", ep.url))
            .bearer_auth(&ep.secret)
            .send()
            .await
            .map_err(|_| CallError::NotRunning)?;
        if !resp.status().is_success() {
            return Err(CallError::Refused(format!("events: {}", resp.status())));
        }
        on_event("connection", serde_json::json!({"connected": true}));
        let mut parser = SseParser::default();
        // The keep-alive comment every 15 s means silence for longer is a dead tray process.
        while let Ok(chunk) = tokio::time::timeout(Duration::from_secs(40), resp.chunk()).await {
            match chunk {
                Ok(Some(bytes)) => {
                    for (name, data) in parser.push(&bytes) {
                        let value = serde_json::from_str(&data).unwrap_or(Value::Null);
                        on_event(&name, value);
                    }
                }
                Ok(None) | Err(_) => break,
            }
        }
        Ok(())
    }
}

/// Server-Sent Events framing: `event:` and `data:` lines, a blank line ends an event, `:` lines are
/// comments (keep-alives).
#[derive(Default)]
pub struct SseParser {
    buf: String,
    event: String,
    data: String,
}

impl SseParser {
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

/// Paces the window's reconnects to the tray's event stream: quick at first (a restarting tray is
/// back within a second), then slower while it stays away, so a window left behind does not spin; and
/// each kind of failure is logged once, not every retry.
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
}

//! The CLI's side of the control channel: find the running core through `control.json`, call
//! it, follow its event stream.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use thiserror::Error;

use super::{ControlFile, CONTROL_FILE};

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

/// A connection to the core running on one data folder.
#[derive(Debug, Clone)]
pub struct ControlClient {
    dir: PathBuf,
    file: ControlFile,
    http: reqwest::Client,
}

impl ControlClient {
    /// Reads `<data_dir>/control.json`. A missing file means the core is not running.
    pub fn open(data_dir: &Path) -> Result<Self, ClientError> {
        let path = data_dir.join(CONTROL_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ClientError::NotRunning(data_dir.to_owned()))
            }
            Err(source) => return Err(ClientError::Read { path, source }),
        };
        let file: ControlFile = serde_json::from_slice(&bytes)
            .map_err(|_| ClientError::NotRunning(data_dir.to_owned()))?;
        let http = reqwest::Client::builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        Ok(Self {
            dir: data_dir.to_owned(),
            file,
            http,
        })
    }

    pub fn url(&self) -> &str {
        &self.file.url
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.file.url))
            .bearer_auth(&self.file.secret)
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
        let value: Value = serde_json::from_slice(&body)
            .map_err(|_| ClientError::Protocol(format!("HTTP {status}")))?;
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

    pub async fn get(&self, path: &str) -> Result<Value, ClientError> {
        let resp = self
            .request(reqwest::Method::GET, path)
            .timeout(Duration::from_secs(30))
            .send()
            .await
            .map_err(|e| self.send_error(&e))?;
        self.finish(resp).await
    }

    pub async fn post(&self, path: &str, body: Option<&Value>) -> Result<Value, ClientError> {
        let mut req = self
            .request(reqwest::Method::POST, path)
            .timeout(Duration::from_secs(30));
        if let Some(b) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_string());
        }
        let resp = req.send().await.map_err(|e| self.send_error(&e))?;
        self.finish(resp).await
    }

    /// Follows `/v1/events`.
    pub async fn events(&self) -> Result<EventStream, ClientError> {
        let resp = self
            .request(reqwest::Method::GET, "/v1/events")
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
            buf: Vec::new(),
        })
    }
}

/// An open `/v1/events` stream.
pub struct EventStream {
    resp: reqwest::Response,
    buf: Vec<u8>,
}

impl EventStream {
    /// The next event as (name, data). `None` when the core closed the stream (it stopped).
    pub async fn next(&mut self) -> Option<(String, Value)> {
        loop {
            while let Some(end) = self.buf.windows(2).position(|w| w == b"\n\n") {
                let block: Vec<u8> = self.buf.drain(..end + 2).collect();
                let block = String::from_utf8_lossy(&block);
                let mut name = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        v.trim().clone_into(&mut name);
                    } else if let Some(v) = line.strip_prefix("data:") {
                        if !data.is_empty() {
                            data.push('\n');
                        }
                        data.push_str(v.strip_prefix(' ').unwrap_or(v));
                    }
                }
                // Keep-alive comments carry no data.
                if data.is_empty() {
                    continue;
                }
                if let Ok(value) = serde_json::from_str(&data) {
                    return Some((name, value));
                }
            }
            let chunk = self.resp.chunk().await.ok()??;
            self.buf.extend(chunk.iter().filter(|b| **b != b'\r'));
        }
    }
}

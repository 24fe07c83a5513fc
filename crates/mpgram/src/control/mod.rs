//! The loopback control channel: how the CLI (`mpgram pair|devices|approve|…`) and the desktop
//! window drive the core running on a data folder (`mpgram serve`, `mpgram demo`, the tray).
//!
//! The contract (paths, JSON) is `control-api.md` in the shared briefs; in short:
//! axum on `127.0.0.1:<ephemeral>`, `<data-dir>/control.json` (0600, atomic, removed on clean
//! shutdown) holding `{"url","secret","pid"}`, every request needs `Authorization: Bearer
//! <secret>` (401), a `Host` of `127.0.0.1:PORT`/`localhost:PORT` (403) and no `Origin` (403:
//! a web page must never drive it). JSON in and out, errors `{"error":"<plain words>"}`.
//!
//! The router is composed of one sub-router per file ([`status`], [`pairing`], [`devices`],
//! [`events`]); other front ends add theirs (`extra` in [`ControlServer::start`], or a new file
//! merged in [`router`]).

pub mod cli;
pub mod client;
pub mod devices;
pub mod events;
pub mod login;
pub mod pairing;
pub mod reach;
pub mod settings;
pub mod status;
pub mod window;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Response, StatusCode};
use axum::middleware::Next;
use axum::Router;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::server::PairingHttp;
use crate::store::{DataLock, StoreError};

pub use events::{Event, Events};
pub use status::{AccountInfo, ServiceState, Status};

/// The file in the data folder that tells local clients where the control API listens.
pub const CONTROL_FILE: &str = "control.json";

/// Contents of [`CONTROL_FILE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlFile {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// 64 hex digits (256 bits), fresh per start.
    pub secret: String,
    pub pid: u32,
}

#[derive(Debug, Error)]
pub enum ControlError {
    #[error("could not listen on loopback for the control channel: {0}")]
    Bind(#[source] std::io::Error),
    #[error("could not write {CONTROL_FILE}: {0}")]
    File(#[from] StoreError),
    #[error("could not encode {CONTROL_FILE}: {0}")]
    Encode(#[from] serde_json::Error),
}

/// What the control handlers share; cheap to clone.
#[derive(Clone)]
pub struct ControlState(Arc<Inner>);

struct Inner {
    pairing: PairingHttp,
    /// The instance URL phones type (`http://LAN-IP:PORT`, no trailing slash).
    instance_url: String,
    status: watch::Sender<Status>,
    events: Events,
    /// Set when the server stops, so open event streams end and shutdown does not wait on them.
    stopping: watch::Sender<bool>,
    /// Event streams opened with `?pairing_screen=1` (see [`events`]).
    screens: std::sync::atomic::AtomicUsize,
    /// "Reach from mobile data" of this server (`/v1/reach`).
    reach: crate::reach::ReachSwitch,
}

impl ControlState {
    pub fn new(pairing: PairingHttp, instance_url: &str, status: Status) -> Self {
        Self::with_reach(
            pairing,
            instance_url,
            status,
            crate::reach::ReachSwitch::disabled(),
        )
    }

    /// With the reach switch of the server this control channel drives.
    pub fn with_reach(
        pairing: PairingHttp,
        instance_url: &str,
        status: Status,
        reach: crate::reach::ReachSwitch,
    ) -> Self {
        Self(Arc::new(Inner {
            pairing,
            instance_url: instance_url.trim_end_matches('/').to_owned(),
            status: watch::Sender::new(status),
            events: Events::new(),
            stopping: watch::Sender::new(false),
            screens: std::sync::atomic::AtomicUsize::new(0),
            reach,
        }))
    }

    pub fn reach(&self) -> &crate::reach::ReachSwitch {
        &self.0.reach
    }

    pub fn pairing(&self) -> &PairingHttp {
        &self.0.pairing
    }

    pub fn instance_url(&self) -> &str {
        &self.0.instance_url
    }

    pub fn status(&self) -> Status {
        self.0.status.borrow().clone()
    }

    /// Changes the status and tells the event stream's listeners.
    pub fn update_status(&self, f: impl FnOnce(&mut Status)) {
        self.0.status.send_modify(f);
        self.0.events.publish(events::STATUS, &status::json(self));
    }

    /// Changes of the status, for front ends running in the same process.
    pub fn watch_status(&self) -> watch::Receiver<Status> {
        self.0.status.subscribe()
    }

    pub fn events(&self) -> &Events {
        &self.0.events
    }

    fn stopping(&self) -> watch::Receiver<bool> {
        self.0.stopping.subscribe()
    }
}

/// A running control server. Dropping it stops serving and removes [`CONTROL_FILE`] (if it is
/// still ours); [`ControlServer::shutdown`] does the same and waits for the server to finish.
pub struct ControlServer {
    state: ControlState,
    file: PathBuf,
    contents: ControlFile,
    server: Option<JoinHandle<()>>,
    pump: JoinHandle<()>,
    reach_pump: JoinHandle<()>,
}

impl ControlServer {
    /// Listens on `127.0.0.1:0`, writes `<data_dir>/control.json` and serves. `extra` routes are
    /// served behind the same checks.
    pub async fn start(
        data_dir: &Path,
        state: ControlState,
        extra: Router,
    ) -> Result<Self, ControlError> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .map_err(ControlError::Bind)?;
        let port = listener.local_addr().map_err(ControlError::Bind)?.port();
        let contents = ControlFile {
            url: format!("http://127.0.0.1:{port}"),
            secret: new_secret(),
            pid: std::process::id(),
        };
        let file = data_dir.join(CONTROL_FILE);
        // Created 0600 in a temporary file and renamed into place, so no reader ever sees a
        // half-written or world-readable secret.
        crate::store::write_private_atomically(&file, &serde_json::to_vec(&contents)?)?;

        let guard = Guard {
            secret: Arc::from(contents.secret.as_str()),
            port,
        };
        let app = router(state.clone(), extra, guard);
        let mut stop = state.stopping();
        let server = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await;
            if let Err(e) = served {
                tracing::warn!("control channel stopped: {e}");
            }
        });
        let pump = tokio::spawn(events::pump(state.clone()));
        let reach_pump = tokio::spawn(reach::pump(state.clone()));
        Ok(Self {
            state,
            file,
            contents,
            server: Some(server),
            pump,
            reach_pump,
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> &str {
        &self.contents.url
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    pub fn state(&self) -> &ControlState {
        &self.state
    }

    /// Stops serving (open event streams end), waits up to a few seconds for the server, and
    /// removes the control file.
    pub async fn shutdown(mut self) {
        self.state.0.stopping.send_replace(true);
        if let Some(server) = self.server.take() {
            let abort = server.abort_handle();
            if tokio::time::timeout(Duration::from_secs(3), server)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
        // Drop removes the file and stops the pump.
    }

    fn remove_file_if_ours(&self) {
        // Another instance started on the same folder may have replaced it: leave theirs.
        let ours = std::fs::read(&self.file)
            .ok()
            .and_then(|b| serde_json::from_slice::<ControlFile>(&b).ok())
            .is_some_and(|f| f == self.contents);
        if ours {
            if let Err(e) = std::fs::remove_file(&self.file) {
                tracing::warn!("could not remove {}: {e}", self.file.display());
            }
        }
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        self.state.0.stopping.send_replace(true);
        if let Some(server) = self.server.take() {
            server.abort();
        }
        self.pump.abort();
        self.reach_pump.abort();
        self.remove_file_if_ours();
    }
}

/// Takes the data folder for this process ([`DataLock`]) and removes what a crashed
/// predecessor left: its `control.json` (nobody answers at that address any more, and the port
/// may since belong to another program, which must not get the CLI's requests) and the temporary
/// files of a write it did not finish. Call it before anything else touches the folder; keep the
/// lock for as long as the process serves.
pub fn claim(data_dir: &Path) -> Result<DataLock, StoreError> {
    let lock = DataLock::acquire(data_dir)?;
    let file = lock.data_dir().join(CONTROL_FILE);
    if let Ok(bytes) = std::fs::read(&file) {
        let pid = serde_json::from_slice::<ControlFile>(&bytes).map(|f| f.pid);
        tracing::info!(
            "removing the control file a stopped MPGram left behind (process {})",
            pid.map_or_else(|_| "unknown".to_owned(), |p| p.to_string())
        );
    }
    crate::store::remove_stale_private_file(&file)?;
    Ok(lock)
}

/// 256 random bits as 64 lowercase hex digits.
fn new_secret() -> String {
    use std::fmt::Write as _;
    let bytes: [u8; 32] = rand::random();
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The whole control API as a value (tests drive it in process, without a socket).
pub fn router(state: ControlState, extra: Router, guard: Guard) -> Router {
    Router::new()
        .merge(status::routes())
        .merge(pairing::routes())
        .merge(devices::routes())
        .merge(events::routes())
        .merge(reach::routes())
        .with_state(state)
        .merge(extra)
        .fallback(|| async { error(StatusCode::NOT_FOUND, "No such control request.") })
        .layer(axum::middleware::from_fn_with_state(guard, check))
}

/// What every request must satisfy.
#[derive(Clone)]
pub struct Guard {
    pub secret: Arc<str>,
    pub port: u16,
}

async fn check(State(guard): State<Guard>, req: Request, next: Next) -> Response<Body> {
    let headers = req.headers();
    if headers.contains_key(header::ORIGIN) {
        return error(
            StatusCode::FORBIDDEN,
            "Requests from web pages are refused by the control channel.",
        );
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let port = guard.port;
    if host != format!("127.0.0.1:{port}") && host != format!("localhost:{port}") {
        return error(
            StatusCode::FORBIDDEN,
            "The control channel answers only on 127.0.0.1.",
        );
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !crate::pairing::same_secret(given.as_bytes(), guard.secret.as_bytes()) {
        return error(
            StatusCode::UNAUTHORIZED,
            "Wrong or missing control secret (it is in control.json in the data folder).",
        );
    }
    next.run(req).await
}

/// A JSON answer.
pub fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut r = Response::new(Body::from(value.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// `{"error":"<plain words>"}` with `status`.
pub fn error(status: StatusCode, message: &str) -> Response<Body> {
    json(status, &serde_json::json!({ "error": message }))
}

/// A request body as `T`; an empty body is `T::default()`. The error is for a 400.
pub fn parse_body<T: DeserializeOwned + Default>(body: &Bytes) -> Result<T, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| format!("The request body is not the JSON expected: {e}"))
}

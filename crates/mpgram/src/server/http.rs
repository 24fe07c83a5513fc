//! Serving the router on a socket: HTTP/1.x only (phones speak nothing else), keep-alive,
//! graceful shutdown, and response header names spelled exactly as the reference writes them.
//!
//! Why the header-case template: some phone HTTP stacks look response headers up
//! case-sensitively (`client-j2me.md` §5.5), and hyper writes lowercase names. hyper writes
//! the original spelling of a header when the response carries its (private) case map, which
//! it builds only when it parses a message. So at start we let hyper parse one request that
//! contains our header names in their exact spelling and reuse that map on every response that
//! carries one of them; other headers get title case (`Content-Length`).

use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Extensions, HeaderName, Response};
use hyper::body::{Body as _, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};
use tokio::task::{JoinError, JoinHandle};

use super::AppState;
use crate::api::headers as h;

/// The connection's two ends, put on each request by [`run`].
#[derive(Debug, Clone, Copy)]
pub struct ConnAddrs {
    pub peer: std::net::SocketAddr,
    pub local: Option<std::net::SocketAddr>,
}

/// How long open connections get to finish after shutdown is asked for.
const DRAIN: Duration = Duration::from_secs(5);

/// Our header names whose exact spelling is not the title case hyper writes anyway
/// (`X-file-rewrite-supported`); the others (`X-Server-Time`, `Content-Type`, …) need no map.
fn differs_from_title_case(name: &str) -> bool {
    let mut after_dash = true;
    name.chars().any(|c| {
        let expected = if after_dash {
            c.to_ascii_uppercase()
        } else {
            c.to_ascii_lowercase()
        };
        after_dash = c == '-';
        c != expected
    })
}

/// What makes hyper write our header names verbatim (see module docs): the extensions to put
/// on a response, and the names that call for them.
#[derive(Clone)]
struct HeaderCase {
    template: Extensions,
    names: Arc<[HeaderName]>,
}

impl HeaderCase {
    /// The template goes only on responses that carry a name spelled otherwise than hyper's
    /// title case: cloning it costs a few allocations per response.
    fn apply(&self, resp: &mut Response<Body>) {
        if self.names.iter().any(|n| resp.headers().contains_key(n)) {
            resp.extensions_mut().extend(self.template.clone());
        }
    }
}

/// Builds the [`HeaderCase`] by letting hyper parse a request with those names.
async fn header_case_template() -> HeaderCase {
    let all = [
        h::X_SERVER_TIME,
        h::X_SERVER_API_VERSION,
        h::X_FILE_REWRITE_SUPPORTED,
        h::X_VOICE_CONVERSION_SUPPORTED,
        h::X_ACCEL_BUFFERING,
        h::CONTENT_TYPE,
        h::CACHE_CONTROL,
        h::EXPIRES,
        h::PRAGMA,
    ];
    let names: Vec<&str> = all
        .into_iter()
        .filter(|n| differs_from_title_case(n))
        .collect();
    let mut raw = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
    for n in &names {
        raw.extend_from_slice(n.as_bytes());
        raw.extend_from_slice(b": x\r\n");
    }
    raw.extend_from_slice(b"Connection: close\r\n\r\n");
    let (mut client, server) = tokio::io::duplex(4096);
    let (tx, mut rx) = tokio::sync::mpsc::channel(1);
    let tx = std::sync::Mutex::new(Some(tx));
    let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        if let Some(tx) = tx.lock().ok().and_then(|mut t| t.take()) {
            let _ = tx.try_send(req.extensions().clone());
        }
        async {
            Ok::<_, Infallible>(hyper::Response::new(
                http_body_util::Empty::<bytes::Bytes>::new(),
            ))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .preserve_header_case(true)
        .serve_connection(TokioIo::new(server), svc);
    let task = tokio::spawn(conn);
    let _ = client.write_all(&raw).await;
    let template = rx.recv().await.unwrap_or_default();
    task.abort();
    HeaderCase {
        template,
        names: names
            .into_iter()
            .filter_map(|n| HeaderName::from_bytes(n.as_bytes()).ok())
            .collect(),
    }
}

/// How many connections may be open at once: shared by every listener of a process, so that
/// phones (and whoever else is on the LAN) can never use up the process's file descriptors.
#[derive(Debug, Clone)]
pub struct ConnectionSlots(Arc<SlotsInner>);

#[derive(Debug)]
struct SlotsInner {
    slots: Arc<Semaphore>,
    max: usize,
    /// Whether the "too many connections" line was logged for the current episode.
    full: AtomicBool,
}

/// Descriptors kept free for everything else the process opens (Telegram, the vault, files).
const RESERVED_FDS: u64 = 128;
/// Upper bound on connections (1,000 open long polls must fit, `design.md`).
const MAX_CONNECTIONS: u64 = 4096;

impl ConnectionSlots {
    pub fn new(max: usize) -> Self {
        let max = max.max(1);
        Self(Arc::new(SlotsInner {
            slots: Arc::new(Semaphore::new(max)),
            max,
            full: AtomicBool::new(false),
        }))
    }

    /// The process's slots: the first call raises the soft open-files limit to the hard one
    /// (the usual soft limit, 1,024, is a few hundred phones) and sizes the cap from it.
    pub fn for_process() -> Self {
        static SLOTS: OnceLock<ConnectionSlots> = OnceLock::new();
        SLOTS
            .get_or_init(|| {
                let fds = raise_fd_limit();
                let usable = fds.saturating_sub(RESERVED_FDS) / 2;
                Self::new(usable.clamp(16, MAX_CONNECTIONS) as usize)
            })
            .clone()
    }

    pub fn max(&self) -> usize {
        self.0.max
    }

    /// A slot for one connection; waits while all are taken (the kernel's backlog holds new
    /// connections meanwhile), saying so in the log once per episode.
    async fn take(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(p) = Arc::clone(&self.0.slots).try_acquire_owned() {
            self.0.full.store(false, Ordering::Relaxed);
            return Some(p);
        }
        if !self.0.full.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "{} connections are open, the most this server takes at once; new ones wait \
                 until others close",
                self.0.max
            );
        }
        Arc::clone(&self.0.slots).acquire_owned().await.ok()
    }
}

/// Raises the soft open-files limit to the hard limit; returns the soft limit in force.
fn raise_fd_limit() -> u64 {
    #[cfg(unix)]
    {
        match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(n) => n,
            Err(e) => {
                tracing::debug!("open-files limit unchanged: {e}");
                rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1024, |(soft, _)| soft)
            }
        }
    }
    #[cfg(not(unix))]
    {
        // Windows has no per-process descriptor limit of this kind.
        8192
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open requests finish
/// (bounded). The caller binds the socket and owns the stop signal.
pub async fn run(
    listener: TcpListener,
    router: super::Edge,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    run_with_slots(listener, router, shutdown, ConnectionSlots::for_process()).await
}

/// [`run`] with its own connection cap.
pub async fn run_with_slots(
    listener: TcpListener,
    router: super::Edge,
    shutdown: impl Future<Output = ()>,
    slots: ConnectionSlots,
) -> std::io::Result<()> {
    let case = header_case_template().await;
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.take() => p,
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: keep serving the others.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let addrs = ConnAddrs {
            peer,
            local: stream.local_addr().ok(),
        };
        let router = router.clone();
        let case = case.clone();
        let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            // A request without a body (most: `GET`) gets the empty body, which costs no
            // allocation; the others keep hyper's stream.
            let mut req: Request = if req.body().is_end_stream() {
                req.map(|_| Body::empty())
            } else {
                req.map(Body::new)
            };
            req.extensions_mut().insert(addrs);
            // The edge is always ready: call it directly.
            let answer = router.serve(req);
            let case = case.clone();
            async move {
                let mut resp: Response<Body> = match answer.await {
                    Ok(r) => r,
                    Err(never) => match never {},
                };
                case.apply(&mut resp);
                Ok::<_, Infallible>(resp)
            }
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .keep_alive(true)
            .title_case_headers(true)
            // A phone that opens a connection and sends nothing does not hold it forever.
            .header_read_timeout(Duration::from_secs(30))
            .max_buf_size(64 * 1024)
            .serve_connection(TokioIo::new(stream), svc);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("connection ended: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
    Ok(())
}

/// A listener that ended badly.
#[derive(Debug, thiserror::Error)]
pub enum ListenerError {
    #[error("server task failed: {0}")]
    Task(#[from] JoinError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The API server running on its listeners.
pub struct Listening {
    state: AppState,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<std::io::Result<()>>>,
}

impl Listening {
    /// Serves `state` on every listener, until [`Listening::stop`].
    pub fn start(listeners: Vec<TcpListener>, state: &AppState) -> Self {
        let (stop, stop_rx) = watch::channel(false);
        let router = super::router(state.clone());
        let tasks = listeners
            .into_iter()
            .map(|l| {
                let mut rx = stop_rx.clone();
                let router = router.clone();
                tokio::spawn(async move {
                    run(l, router, async move {
                        let _ = rx.wait_for(|stop| *stop).await;
                    })
                    .await
                })
            })
            .collect();
        Self {
            state: state.clone(),
            stop,
            tasks,
        }
    }

    /// Open long polls get their (empty) answer instead of a dropped connection, then the
    /// listeners stop; each gets `grace` (`None`: as long as it takes) before it is aborted.
    /// The first failure is returned.
    pub async fn stop(self, grace: Option<Duration>) -> Result<(), ListenerError> {
        self.state.close_polls();
        let _ = self.stop.send(true);
        let mut result = Ok(());
        for t in self.tasks {
            let ended = match grace {
                Some(grace) => {
                    let abort = t.abort_handle();
                    if let Ok(ended) = tokio::time::timeout(grace, t).await {
                        ended
                    } else {
                        abort.abort();
                        continue;
                    }
                }
                None => t.await,
            };
            if result.is_ok() {
                result = ended.map_err(ListenerError::from).and_then(|r| Ok(r?));
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::differs_from_title_case;

    #[test]
    fn only_names_hyper_would_respell_need_the_template() {
        for same in [
            "X-Server-Time",
            "X-Server-Api-Version",
            "Content-Type",
            "Pragma",
        ] {
            assert!(!differs_from_title_case(same), "{same}");
        }
        for differs in [
            "X-file-rewrite-supported",
            "X-voice-conversion-supported",
            "x-a",
        ] {
            assert!(differs_from_title_case(differs), "{differs}");
        }
    }
}

//! The "Reach from mobile data" switch of a running server: turns the [`Reach`] task on and off
//! and keeps its latest status (`None` while off) for the control API.

use std::sync::Arc;

use tokio::sync::{watch, Mutex};
use tokio::task::JoinHandle;

use super::{Reach, ReachConfig, ReachStatus};

/// Cheap to clone; every clone drives the same task.
#[derive(Clone)]
pub struct ReachSwitch(Arc<Inner>);

struct Inner {
    /// `None`: nothing to map (no server listening, or loopback only): turning on says so.
    config: Option<ReachConfig>,
    running: Mutex<Option<Running>>,
    status: watch::Sender<Option<ReachStatus>>,
}

struct Running {
    reach: Reach,
    forward: JoinHandle<()>,
}

impl ReachSwitch {
    pub fn new(config: Option<ReachConfig>) -> Self {
        Self(Arc::new(Inner {
            config,
            running: Mutex::new(None),
            status: watch::Sender::new(None),
        }))
    }

    /// A switch with nothing behind it (no API server in this session).
    pub fn disabled() -> Self {
        Self::new(None)
    }

    pub fn is_available(&self) -> bool {
        self.0.config.is_some()
    }

    pub async fn is_on(&self) -> bool {
        self.0.running.lock().await.is_some()
    }

    /// The current status, `None` while off.
    pub fn status(&self) -> watch::Receiver<Option<ReachStatus>> {
        self.0.status.subscribe()
    }

    /// Starts or stops reach; turning it off removes the mapping from the router first.
    /// `false` if it cannot be turned on here (no server).
    pub async fn set(&self, on: bool) -> bool {
        let mut running = self.0.running.lock().await;
        match (on, running.is_some()) {
            (true, false) => {
                let Some(config) = self.0.config.clone() else {
                    return false;
                };
                let reach = Reach::start(config);
                let mut rx = reach.status();
                // "On" from now, not from when the forwarder first runs.
                self.0.status.send_replace(Some(rx.borrow().clone()));
                let tx = self.0.status.clone();
                let forward = tokio::spawn(async move {
                    loop {
                        let s = rx.borrow_and_update().clone();
                        tx.send_replace(Some(s));
                        if rx.changed().await.is_err() {
                            return;
                        }
                    }
                });
                *running = Some(Running { reach, forward });
            }
            (false, true) => {
                if let Some(r) = running.take() {
                    r.forward.abort();
                    r.reach.stop().await;
                }
                self.0.status.send_replace(None);
            }
            _ => {}
        }
        true
    }
}

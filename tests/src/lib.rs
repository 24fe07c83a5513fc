//! Shared helpers for the end-to-end tests: a real grammers client wired to a fakegram DC,
//! and the strict parser that reads every API answer as the J2ME client would.

pub mod external;
pub mod strict;

use std::sync::Arc;
use std::time::Duration;

use fakegram::FakeDc;
use grammers_client::session::storages::MemorySession;
use grammers_client::session::updates::UpdatesLike;
use grammers_client::{Client, SenderPool};
use grammers_mtsender::{ConnectionParams, NoRetries};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Any api_id works with fakegram; the real one comes from the build or the user.
pub const API_ID: i32 = 12345;
pub const API_HASH: &str = "0123456789abcdef0123456789abcdef";

/// A running grammers client and the pieces tests need to drive it.
pub struct Connected {
    pub client: Client,
    pub session: Arc<MemorySession>,
    /// Raw updates as the sender pool delivers them (feed to `stream_updates`).
    pub updates: Option<mpsc::Receiver<UpdatesLike>>,
    runner: JoinHandle<()>,
}

impl Drop for Connected {
    fn drop(&mut self) {
        self.client.disconnect();
        self.runner.abort();
    }
}

/// Connects the unmodified grammers client to `fake` with a fresh pre-seeded key;
/// `authorized` picks a logged-in or a fresh install. `retries: false` surfaces
/// every RPC error (FLOOD_WAIT included) instead of sleeping on it.
pub fn connect(fake: &FakeDc, authorized: bool, retries: bool) -> Connected {
    connect_session(Arc::new(fake.client_session(authorized)), retries)
}

pub fn connect_session(session: Arc<MemorySession>, retries: bool) -> Connected {
    let params = if retries {
        ConnectionParams::default()
    } else {
        ConnectionParams {
            retry_policy: Box::new(NoRetries),
            ..ConnectionParams::default()
        }
    };
    let pool = SenderPool::with_configuration(Arc::clone(&session), API_ID, params);
    let client = Client::new(pool.handle);
    let runner = tokio::spawn(pool.runner.run());
    Connected {
        client,
        session,
        updates: Some(pool.updates),
        runner,
    }
}

/// Waits for `cond` with a bound, polling; panics with `what` when it never holds.
pub async fn eventually<F: FnMut() -> bool>(what: &str, mut cond: F) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

//! Retried sends (`methods-more.md` §0.8): the J2ME client repeats a GET once after a 502/504
//! with the same `r`. Per (device, method, `r`) the first request runs, a concurrent repeat
//! waits for it, and a later repeat gets the stored answer without touching Telegram. The
//! Telegram `random_id`s are derived from the same key, so even a repeat that outlives this
//! table (a restart) is refused by Telegram as `RANDOM_ID_DUPLICATE`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::api::error::ApiError;

/// How long an answer is kept for repeats.
pub const WINDOW: Duration = Duration::from_mins(10);
/// Bound on remembered keys (a phone sends a few per minute; this is days of sending). Keys are
/// fixed-size digests and answers are short, so this also bounds the table's memory (~1 MB):
/// an `r` of any length costs 32 bytes.
const MAX_KEYS: usize = 10_000;

/// A SHA-256 digest of (device, method, `r`): the table never holds the client's `r` itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key([u8; 32]);

impl Key {
    pub fn new(device: u64, method: &str, r: &str) -> Self {
        let mut h = Sha256::new();
        h.update(b"mpgram-send\0");
        h.update(device.to_le_bytes());
        h.update(method.as_bytes());
        h.update([0]);
        h.update(r.as_bytes());
        Self(h.finalize().into())
    }
}

type Answer = Result<(), ApiError>;
/// When a key was first seen, and its answer (set once the first request finishes).
type Slot = (Instant, Arc<OnceCell<Answer>>);

#[derive(Debug, Default)]
pub struct SendDedupe {
    slots: Mutex<HashMap<Key, Slot>>,
}

impl SendDedupe {
    /// Runs `send` once per key within [`WINDOW`]; `None` (no `r`) always runs it.
    pub async fn run<F, Fut>(&self, key: Option<Key>, send: F) -> Answer
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Answer>,
    {
        let Some(key) = key else {
            return send().await;
        };
        let cell = {
            let mut slots = self
                .slots
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            slots.retain(|_, (at, _)| now.duration_since(*at) < WINDOW);
            if slots.len() >= MAX_KEYS {
                if let Some(oldest) = slots.iter().min_by_key(|(_, (at, _))| *at).map(|(k, _)| *k) {
                    slots.remove(&oldest);
                }
            }
            Arc::clone(
                &slots
                    .entry(key)
                    .or_insert_with(|| (now, Arc::new(OnceCell::new())))
                    .1,
            )
        };
        // If the first request is dropped mid-way (client gone), a waiting repeat runs it
        // instead; the derived random_id keeps Telegram from posting twice.
        cell.get_or_init(send).await.clone()
    }
}

#[cfg(test)]
impl SendDedupe {
    /// About how many bytes the table holds: keys, slots and the answers kept.
    pub fn held_bytes(&self) -> usize {
        let slots = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slots
            .values()
            .map(|(_, cell)| {
                let answer = match cell.get() {
                    Some(Err(e)) => e.to_string().len(),
                    _ => 0,
                };
                std::mem::size_of::<(Key, Slot)>()
                    + std::mem::size_of::<OnceCell<Answer>>()
                    + answer
            })
            .sum()
    }
}

/// The Telegram `random_id` of message `position` of a request: random without `r`, else a
/// 64-bit hash of the key.
pub fn random_id(key: Option<&Key>, position: usize) -> i64 {
    match key {
        None => rand::random(),
        Some(key) => {
            let mut h = Sha256::new();
            h.update(key.0);
            h.update((position as u64).to_le_bytes());
            let d = h.finalize();
            let mut b = [0u8; 8];
            b.copy_from_slice(&d[..8]);
            i64::from_le_bytes(b)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "in tests a panic is the failure report")]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn key(r: &str) -> Key {
        Key::new(1, "sendMessage", r)
    }

    #[tokio::test]
    async fn same_key_runs_once_also_concurrently_other_keys_run() {
        let d = Arc::new(SendDedupe::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let go = |r: &'static str| {
            let (d, runs) = (Arc::clone(&d), Arc::clone(&runs));
            tokio::spawn(async move {
                d.run(Some(key(r)), || async {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    Err(ApiError::Message("boom".into()))
                })
                .await
            })
        };
        let (a, b, c) = (go("1"), go("1"), go("2"));
        assert_eq!(a.await.unwrap(), Err(ApiError::Message("boom".into())));
        assert_eq!(b.await.unwrap(), Err(ApiError::Message("boom".into())));
        c.await.unwrap().unwrap_err();
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    /// A phone (or anyone with a token) sending 256 KB `r` values: the table keeps 32 bytes of
    /// each, failed sends included (it kept the whole `r` before: +25.8 MB per 100 sends).
    #[tokio::test]
    async fn huge_r_values_cost_a_fixed_size_each() {
        let d = SendDedupe::default();
        let long = "x".repeat(256 * 1024);
        for i in 0..100 {
            let r = format!("{i}{long}");
            let _ = d
                .run(Some(Key::new(1, "sendMessage", &r)), || async {
                    Err(ApiError::Message("PEER_ID_INVALID".into()))
                })
                .await;
        }
        let held = d.held_bytes();
        assert!(held > 0);
        assert!(held < 64 * 1024, "100 sends hold {held} bytes");
    }

    #[test]
    fn random_ids_are_stable_per_key_and_position() {
        assert_eq!(random_id(Some(&key("5")), 0), random_id(Some(&key("5")), 0));
        assert_ne!(random_id(Some(&key("5")), 0), random_id(Some(&key("5")), 1));
        assert_ne!(random_id(Some(&key("5")), 0), random_id(Some(&key("6")), 0));
    }
}

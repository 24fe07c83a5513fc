//! The update queue of `updates.md` §8: one bounded log of normalised Telegram updates, read by
//! every paired device through its own acknowledged offset.
//!
//! One copy of each update is kept (not one per device): a device's queue is the part of the
//! log above the offset it last acknowledged, so memory is bounded by the log (at most
//! [`MAX_UPDATES`] entries and [`MAX_AGE`] old, the oldest dropped first) whatever the number
//! of devices. An open poll is a waiter on a `watch` channel, not a copy of anything.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use grammers_tl_types as tl;
use tokio::sync::{broadcast, watch};

use crate::telegram::Account;

/// At most this many updates are kept (`updates.md` §8.3).
pub const MAX_UPDATES: usize = 1000;
/// Updates older than this are dropped.
pub const MAX_AGE: Duration = Duration::from_hours(24);
/// A device without a request for this long loses its cancel state (its offset lives in the
/// client, so nothing else is kept per device).
pub const DEVICE_IDLE: Duration = Duration::from_hours(24);
/// Largest `update_id` before the counter wraps back to 1 (the J2ME client reads 32-bit ints).
const MAX_ID: u32 = i32::MAX as u32 - 1;

/// One queued update.
#[derive(Debug)]
pub struct Entry {
    pub id: u32,
    pub at: Instant,
    pub update: tl::enums::Update,
}

/// Per-device state: how many polls are open, and the cancel signal.
#[derive(Debug)]
struct Device {
    open: AtomicUsize,
    cancel: watch::Sender<u64>,
    last_seen: Mutex<Instant>,
}

#[derive(Debug, Default)]
struct Log {
    entries: VecDeque<Arc<Entry>>,
    /// The last assigned `update_id` (0 before the first update).
    last_id: u32,
}

/// The queue of all devices. Cheap to share (`Arc` inside).
#[derive(Debug, Clone)]
pub struct UpdateHub(Arc<HubInner>);

#[derive(Debug)]
struct HubInner {
    log: Mutex<Log>,
    /// Carries the last assigned id; every poll waits on it.
    newest: watch::Sender<u32>,
    devices: Mutex<HashMap<u64, Arc<Device>>>,
    started: AtomicBool,
    /// The server is stopping: open polls answer with what they have instead of waiting.
    closing: AtomicBool,
}

impl Default for UpdateHub {
    fn default() -> Self {
        Self(Arc::new(HubInner {
            log: Mutex::new(Log::default()),
            newest: watch::channel(0).0,
            devices: Mutex::new(HashMap::new()),
            started: AtomicBool::new(false),
            closing: AtomicBool::new(false),
        }))
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether an update is one a client can use (`updates.md` §2.3); others are not queued.
fn wanted(u: &tl::enums::Update) -> bool {
    use tl::enums::Update as U;
    match u {
        U::NewMessage(x) => !matches!(x.message, tl::enums::Message::Empty(_)),
        U::NewChannelMessage(x) => !matches!(x.message, tl::enums::Message::Empty(_)),
        U::EditMessage(x) => !matches!(x.message, tl::enums::Message::Empty(_)),
        U::EditChannelMessage(x) => !matches!(x.message, tl::enums::Message::Empty(_)),
        U::DeleteChannelMessages(_)
        | U::DeleteMessages(_)
        | U::ReadHistoryOutbox(_)
        | U::ReadChannelOutbox(_)
        | U::ReadHistoryInbox(_)
        | U::ReadChannelInbox(_)
        | U::UserTyping(_)
        | U::ChatUserTyping(_)
        | U::ChannelUserTyping(_)
        | U::UserStatus(_)
        | U::PinnedMessages(_)
        | U::PinnedChannelMessages(_) => true,
        _ => false,
    }
}

/// A key identifying an update for de-duplication (§8.1): kind, chat and message or pts.
fn dedupe_key(u: &tl::enums::Update) -> Option<(u8, i64, i64)> {
    use tl::enums::Update as U;
    let msg = |m: &tl::enums::Message| {
        (
            crate::model::message::message_peer_id(m).unwrap_or(0),
            i64::from(crate::model::message::message_id(m)),
        )
    };
    // An edit is the same update when chat, message and edit date match: an own edit is
    // queued from the call's answer and arrives again through the update stream.
    let edit = |m: &tl::enums::Message| {
        use std::hash::{Hash, Hasher};
        let (peer, id) = msg(m);
        let mut h = std::collections::hash_map::DefaultHasher::new();
        if let tl::enums::Message::Message(m) = m {
            (m.edit_date, &m.message).hash(&mut h);
        }
        (2, peer, (id << 32) | i64::from(h.finish() as u32))
    };
    match u {
        U::NewMessage(x) => Some((1, msg(&x.message).0, msg(&x.message).1)),
        U::EditMessage(x) => Some(edit(&x.message)),
        U::EditChannelMessage(x) => Some(edit(&x.message)),
        U::NewChannelMessage(x) => Some((1, msg(&x.message).0, msg(&x.message).1)),
        U::DeleteMessages(x) => Some((3, 0, i64::from(x.pts))),
        U::DeleteChannelMessages(x) => Some((4, x.channel_id, i64::from(x.pts))),
        _ => None,
    }
}

impl UpdateHub {
    /// Starts feeding the log from the account's update stream (once; later calls do nothing).
    /// Needs a tokio runtime; without one it stays unstarted and the next call tries again.
    pub fn start(&self, account: &Account) {
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        if self.0.started.swap(true, Ordering::SeqCst) {
            return;
        }
        let mut rx = account.subscribe();
        let weak = Arc::downgrade(&self.0);
        tokio::spawn(async move {
            loop {
                let batch = match rx.recv().await {
                    Ok(b) => b,
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(missed = n, "update queue fell behind Telegram's updates");
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                let Some(inner) = weak.upgrade() else { break };
                let hub = UpdateHub(inner);
                for u in &batch.updates {
                    hub.push(u.clone());
                }
            }
        });
    }

    /// Appends one update (normalised, de-duplicated, bounded) and wakes the waiting polls.
    pub fn push(&self, update: tl::enums::Update) {
        self.push_at(update, Instant::now());
    }

    fn push_at(&self, update: tl::enums::Update, now: Instant) {
        if !wanted(&update) {
            return;
        }
        let id = {
            let mut log = lock(&self.0.log);
            if let Some(key) = dedupe_key(&update) {
                if log
                    .entries
                    .iter()
                    .rev()
                    .take(200)
                    .any(|e| dedupe_key(&e.update) == Some(key))
                {
                    return;
                }
            }
            log.last_id = if log.last_id >= MAX_ID {
                1
            } else {
                log.last_id + 1
            };
            let id = log.last_id;
            log.entries.push_back(Arc::new(Entry {
                id,
                at: now,
                update,
            }));
            let mut dropped = 0usize;
            while log.entries.len() > MAX_UPDATES
                || log
                    .entries
                    .front()
                    .is_some_and(|e| now.duration_since(e.at) > MAX_AGE)
            {
                log.entries.pop_front();
                dropped += 1;
            }
            if dropped > 0 {
                tracing::debug!(dropped, "update queue full: oldest updates dropped");
            }
            id
        };
        self.0.newest.send_replace(id);
    }

    /// The last assigned `update_id` (0 when none yet).
    pub fn last_id(&self) -> u32 {
        lock(&self.0.log).last_id
    }

    /// Queued updates with `update_id > offset`, in order, at most `limit`.
    pub fn after(&self, offset: u32, limit: usize) -> Vec<Arc<Entry>> {
        let log = lock(&self.0.log);
        log.entries
            .iter()
            .filter(|e| e.id > offset)
            .take(limit)
            .cloned()
            .collect()
    }

    /// Every queued update, newest first.
    pub fn newest_first(&self) -> Vec<Arc<Entry>> {
        lock(&self.0.log).entries.iter().rev().cloned().collect()
    }

    /// A receiver that changes whenever an update is appended.
    /// Ends every open poll now (with what it has), and every later one at once: the app is quitting,
    /// and a phone should get an answer rather than a dropped connection.
    pub fn close(&self) {
        self.0.closing.store(true, Ordering::SeqCst);
        self.0.newest.send_modify(|_| {});
    }

    pub fn closing(&self) -> bool {
        self.0.closing.load(Ordering::SeqCst)
    }

    pub fn watch(&self) -> watch::Receiver<u32> {
        self.0.newest.subscribe()
    }

    fn device(&self, device: u64) -> Arc<Device> {
        self.device_at(device, Instant::now())
    }

    fn device_at(&self, device: u64, now: Instant) -> Arc<Device> {
        let mut map = lock(&self.0.devices);
        map.retain(|_, d| {
            d.open.load(Ordering::SeqCst) > 0
                || now.duration_since(*lock(&d.last_seen)) < DEVICE_IDLE
        });
        let d = map
            .entry(device)
            .or_insert_with(|| {
                Arc::new(Device {
                    open: AtomicUsize::new(0),
                    cancel: watch::channel(0).0,
                    last_seen: Mutex::new(now),
                })
            })
            .clone();
        *lock(&d.last_seen) = now;
        d
    }

    /// Registers an open poll of `device`; the guard's `cancelled()` resolves on `cancelUpdates`.
    pub fn open_poll(&self, device: u64) -> PollGuard {
        let d = self.device(device);
        d.open.fetch_add(1, Ordering::SeqCst);
        let cancel = d.cancel.subscribe();
        PollGuard { device: d, cancel }
    }

    /// Ends every open poll of `device`; whether there was one.
    pub fn cancel(&self, device: u64) -> bool {
        let d = self.device(device);
        if d.open.load(Ordering::SeqCst) == 0 {
            return false;
        }
        d.cancel.send_modify(|g| *g = g.wrapping_add(1));
        true
    }
}

/// An open poll; dropping it (answer written or client gone) unregisters it.
#[derive(Debug)]
pub struct PollGuard {
    device: Arc<Device>,
    cancel: watch::Receiver<u64>,
}

impl PollGuard {
    /// Resolves when `cancelUpdates` is called for this device.
    pub async fn cancelled(&mut self) {
        if self.cancel.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

impl Drop for PollGuard {
    fn drop(&mut self) {
        self.device.open.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(user: i64) -> tl::enums::Update {
        tl::types::UpdateUserStatus {
            user_id: user,
            status: tl::enums::UserStatus::Empty,
        }
        .into()
    }

    #[test]
    fn numbering_starts_at_one_and_bound_drops_oldest() {
        let hub = UpdateHub::default();
        for i in 0..(MAX_UPDATES as i64 + 5) {
            hub.push(status(i));
        }
        assert_eq!(hub.last_id(), MAX_UPDATES as u32 + 5);
        let all = hub.after(0, usize::MAX);
        assert_eq!(all.len(), MAX_UPDATES);
        assert_eq!(all[0].id, 6);
        assert_eq!(hub.after(hub.last_id() - 1, 10).len(), 1);
    }

    #[test]
    fn updates_older_than_a_day_expire() {
        let hub = UpdateHub::default();
        let t0 = Instant::now();
        hub.push_at(status(1), t0);
        hub.push_at(status(2), t0 + Duration::from_hours(1));
        assert_eq!(hub.after(0, 10).len(), 2);
        hub.push_at(status(3), t0 + MAX_AGE + Duration::from_secs(1));
        let left: Vec<u32> = hub.after(0, 10).iter().map(|e| e.id).collect();
        assert_eq!(
            left,
            vec![2, 3],
            "only the expired one dropped, numbering kept"
        );
    }

    #[test]
    fn idle_devices_are_forgotten_but_open_polls_kept() {
        let hub = UpdateHub::default();
        let t0 = Instant::now();
        drop(hub.device_at(1, t0));
        let open = hub.open_poll(2);
        hub.device_at(2, t0);
        hub.device_at(3, t0 + DEVICE_IDLE + Duration::from_secs(1));
        let known: std::collections::HashSet<u64> = lock(&hub.0.devices).keys().copied().collect();
        assert!(!known.contains(&1), "idle device expired");
        assert!(known.contains(&2), "a device with an open poll stays");
        drop(open);
    }

    #[tokio::test]
    async fn cancel_reaches_open_poll_only_of_that_device() {
        let hub = UpdateHub::default();
        assert!(!hub.cancel(1));
        let mut g = hub.open_poll(1);
        assert!(!hub.cancel(2));
        assert!(hub.cancel(1));
        tokio::time::timeout(Duration::from_secs(1), g.cancelled())
            .await
            .expect("cancelled");
        drop(g);
        assert!(!hub.cancel(1));
    }
}

//! Which revision of the device list is in the vault, so that an answer handing a phone its
//! token can wait until that device would survive a crash ([`super::Pairing::persisted`]).
//!
//! The vault's saver ([`crate::app::Saver`]) is debounced; without this, a process killed in
//! the seconds after a pairing lost the device while the phone kept a token that then got 401.
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{watch, Notify};

/// The longest an answer waits for the vault: a stuck disk must not hang phones for good. The
/// token is handed out after it anyway (it works until the process ends).
pub const SAVE_WAIT: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub(crate) struct Saved {
    /// A saver is attached. Without one (the demo) nothing is persisted, so nothing is awaited.
    attached: AtomicBool,
    /// Someone waits: save now instead of after the debounce.
    wanted: Notify,
    /// The newest device-list revision a finished save covered.
    revision: watch::Sender<u64>,
}

impl Default for Saved {
    fn default() -> Self {
        Self {
            attached: AtomicBool::new(false),
            wanted: Notify::new(),
            revision: watch::Sender::new(0),
        }
    }
}

impl Saved {
    /// Waits until a save covering `target` finished (or [`SAVE_WAIT`] passed).
    pub(crate) async fn wait_for(&self, target: u64) {
        let mut rx = self.revision.subscribe();
        if !self.attached.load(Ordering::Acquire) || *rx.borrow() >= target {
            return;
        }
        self.wanted.notify_one();
        if tokio::time::timeout(SAVE_WAIT, rx.wait_for(|&r| r >= target))
            .await
            .is_err()
        {
            tracing::warn!("the vault was not saved within {SAVE_WAIT:?}; answering anyway");
        }
    }

    pub(crate) async fn wanted(&self) {
        self.wanted.notified().await;
    }

    pub(crate) fn attach(&self, saved_revision: u64) {
        self.revision.send_replace(saved_revision);
        self.attached.store(true, Ordering::Release);
    }

    pub(crate) fn mark(&self, saved_revision: u64) {
        self.revision.send_modify(|r| *r = (*r).max(saved_revision));
    }

    /// The saver stopped: release every waiter, and stop making new ones wait.
    pub(crate) fn detach(&self) {
        self.attached.store(false, Ordering::Release);
        self.revision.send_replace(u64::MAX);
    }
}

/// The vault saver's side ([`super::Pairing::saver_link`]): says what it saved, hears who waits.
/// Dropping it (the saver stopped or was aborted) releases every waiter.
#[derive(Debug)]
pub struct SaverLink {
    saved: std::sync::Arc<Saved>,
}

impl SaverLink {
    pub(crate) fn new(saved: std::sync::Arc<Saved>, saved_revision: u64) -> Self {
        saved.attach(saved_revision);
        Self { saved }
    }

    /// A save that began at device-list revision `revision` finished (written or failed: a
    /// failure is logged by the saver, and phones are not kept waiting on a broken disk).
    pub fn mark_saved(&self, revision: u64) {
        self.saved.mark(revision);
    }

    /// Resolves when an answer waits for the vault (save now, skip the debounce).
    pub async fn save_wanted(&self) {
        self.saved.wanted().await;
    }
}

impl Drop for SaverLink {
    fn drop(&mut self) {
        self.saved.detach();
    }
}

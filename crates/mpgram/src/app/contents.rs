//! What MPGram Home keeps in the vault, typed: the Telegram session (auth keys, DC options,
//! peer cache, update state), the paired devices, and API credentials the user pasted.
//!
//! Serialised as JSON inside the encrypted vault; a saver task writes it whenever the
//! session or the device list changes.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::guests::{Guests, StoredGuest};
use crate::pairing::{DevicesState, Pairing};
use crate::store::{StoreError, Vault};
use crate::telegram::{ApiCredentials, PersistentSession, StoredSession};

/// Telegram API credentials as stored (when none are built in).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredCredentials {
    pub api_id: i32,
    pub api_hash: String,
}

impl From<&StoredCredentials> for ApiCredentials {
    fn from(c: &StoredCredentials) -> Self {
        Self {
            api_id: c.api_id,
            api_hash: c.api_hash.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VaultData {
    /// Format of this structure, for later migrations.
    pub version: u32,
    pub session: Option<StoredSession>,
    pub devices: Option<DevicesState>,
    pub credentials: Option<StoredCredentials>,
    /// Accounts phones logged in through the login API (token hashes and sessions).
    #[serde(default)]
    pub guests: Vec<StoredGuest>,
}

impl VaultData {
    pub const VERSION: u32 = 1;

    /// Reads the vault; an empty vault gives the default (nothing set up yet).
    pub fn load(vault: &Vault) -> Result<Self, StoreError> {
        match vault.load()? {
            None => Ok(Self {
                version: Self::VERSION,
                ..Self::default()
            }),
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|_| StoreError::Contents),
        }
    }

    pub fn save(&self, vault: &Vault) -> Result<(), StoreError> {
        let bytes =
            zeroize::Zeroizing::new(serde_json::to_vec(self).map_err(|_| StoreError::Contents)?);
        vault.save(&bytes)
    }
}

/// Writes the vault whenever the Telegram session, the device list or the guest list changes, at
/// most once per `debounce`, and once more when dropped (on quit). Guests' sessions are written
/// along (their peer caches are refilled from Telegram when stale). An answer that waits for the
/// device list ([`Pairing::persisted`]) skips the debounce: a phone must not get a token for a
/// device a crash in the next seconds would forget.
pub struct Saver {
    task: tokio::task::JoinHandle<()>,
    flush: Arc<tokio::sync::Notify>,
    done: Arc<tokio::sync::Notify>,
}

impl Saver {
    pub fn spawn(
        vault: Arc<Vault>,
        base: VaultData,
        session: Option<Arc<PersistentSession>>,
        pairing: Pairing,
        guests: Guests,
        debounce: Duration,
    ) -> Self {
        let flush = Arc::new(tokio::sync::Notify::new());
        let done = Arc::new(tokio::sync::Notify::new());
        let (f, d) = (Arc::clone(&flush), Arc::clone(&done));
        // The device list as it is now is what the vault was opened with.
        let mut last_devices = pairing.revision();
        let link = pairing.saver_link(last_devices);
        let task = tokio::spawn(async move {
            let mut changes = session.as_ref().map(|s| s.subscribe());
            let mut guest_changes = guests.subscribe();
            let mut quitting = false;
            loop {
                let mut urgent = false;
                let session_changed = async {
                    match changes.as_mut() {
                        Some(c) => c.changed().await.is_ok(),
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    ok = session_changed => if !ok { quitting = true },
                    // The table lives as long as the saver's own handle: this never errs.
                    _ = guest_changes.changed() => {}
                    () = tokio::time::sleep(debounce) => {
                        if pairing.revision() == last_devices {
                            continue;
                        }
                    }
                    () = link.save_wanted() => urgent = true,
                    () = f.notified() => quitting = true,
                }
                if !quitting && !urgent {
                    tokio::select! {
                        () = tokio::time::sleep(debounce) => {}
                        () = link.save_wanted() => {}
                    }
                }
                // Read before the snapshot: the snapshot holds at least this revision.
                last_devices = pairing.revision();
                let data = VaultData {
                    version: VaultData::VERSION,
                    session: session.as_ref().map(|s| s.snapshot()),
                    devices: Some(pairing.snapshot()),
                    credentials: base.credentials.clone(),
                    guests: guests.snapshot(),
                };
                let v = Arc::clone(&vault);
                let saved = tokio::task::spawn_blocking(move || data.save(&v)).await;
                match saved {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => tracing::error!("saving the vault failed: {e}"),
                    Err(e) => tracing::error!("saving the vault failed: {e}"),
                }
                link.mark_saved(last_devices);
                if quitting {
                    d.notify_waiters();
                    return;
                }
            }
        });
        Self { task, flush, done }
    }

    /// Saves now and stops (on quit).
    pub async fn finish(self) {
        let done = self.done.notified();
        self.flush.notify_one();
        let _ = tokio::time::timeout(Duration::from_secs(10), done).await;
        self.task.abort();
    }
}

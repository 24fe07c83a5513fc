//! The grammers session, kept in memory and snapshotted for the vault.
//!
//! grammers' `MemorySession` cannot be read back out, so this is our own `Session` with the
//! same semantics plus `snapshot()` and a change counter the saver watches.

use std::sync::{Mutex, MutexGuard, PoisonError};

use grammers_session::types::{
    ChannelState, DcOption, PeerId, PeerInfo, UpdateState, UpdatesState,
};
use grammers_session::{Session, SessionData};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

/// What the vault stores of a Telegram login: DC addresses and auth keys, the peer cache
/// (access hashes) and the update state (for catch-up after a restart).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredSession {
    pub home_dc: i32,
    pub dc_options: Vec<DcOption>,
    pub peers: Vec<PeerInfo>,
    pub updates_state: UpdatesState,
}

impl From<SessionData> for StoredSession {
    fn from(d: SessionData) -> Self {
        let mut dc_options: Vec<DcOption> = d.dc_options.into_values().collect();
        dc_options.sort_by_key(|o| o.id);
        Self {
            home_dc: d.home_dc,
            dc_options,
            peers: d.peer_infos.into_values().collect(),
            updates_state: d.updates_state,
        }
    }
}

impl From<StoredSession> for SessionData {
    fn from(s: StoredSession) -> Self {
        Self {
            home_dc: s.home_dc,
            dc_options: s.dc_options.into_iter().map(|o| (o.id, o)).collect(),
            peer_infos: s.peers.into_iter().map(|p| (p.id(), p)).collect(),
            updates_state: s.updates_state,
        }
    }
}

impl StoredSession {
    /// A fresh install: Telegram's known DCs, no keys, nothing cached.
    pub fn fresh() -> Self {
        SessionData::default().into()
    }
}

/// Never fails: a poisoned lock still holds consistent data (every write is one statement).
#[derive(Debug, thiserror::Error)]
#[error("session storage failed")]
pub struct SessionError;

pub struct PersistentSession {
    data: Mutex<SessionData>,
    /// Bumped on every change, so a saver knows when to write.
    changes: watch::Sender<u64>,
}

impl PersistentSession {
    pub fn new(stored: StoredSession) -> Self {
        Self {
            data: Mutex::new(stored.into()),
            changes: watch::channel(0).0,
        }
    }

    fn data(&self) -> MutexGuard<'_, SessionData> {
        self.data.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn changed(&self) {
        self.changes.send_modify(|n| *n += 1);
    }

    /// A copy of everything, for the vault.
    pub fn snapshot(&self) -> StoredSession {
        let d = self.data();
        StoredSession {
            home_dc: d.home_dc,
            dc_options: {
                let mut v: Vec<DcOption> = d.dc_options.values().cloned().collect();
                v.sort_by_key(|o| o.id);
                v
            },
            peers: d.peer_infos.values().cloned().collect(),
            updates_state: d.updates_state.clone(),
        }
    }

    /// Watch this to learn when the session changed.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// A cached peer, without a network round trip.
    pub fn cached_peer(&self, id: PeerId) -> Option<PeerInfo> {
        let d = self.data();
        if id == PeerId::self_user() {
            // grammers asks for its own user by a sentinel id; it is cached under the real id.
            return d
                .peer_infos
                .values()
                .find(|p| {
                    matches!(
                        p,
                        PeerInfo::User {
                            is_self: Some(true),
                            ..
                        }
                    )
                })
                .cloned();
        }
        d.peer_infos.get(&id).cloned()
    }

    /// Whether a logged-in user is recorded (grammers caches the self user at sign-in).
    pub fn has_self_user(&self) -> bool {
        self.cached_peer(PeerId::self_user()).is_some()
    }

    /// Forgets the login (after log out): keys, peers and update state.
    pub fn clear(&self) {
        *self.data() = SessionData::default();
        self.changed();
    }
}

type Fut<'a, T> = grammers_session::BoxFuture<'a, Result<T, SessionError>>;

impl Session for PersistentSession {
    type Error = SessionError;

    fn home_dc_id(&self) -> Result<i32, SessionError> {
        Ok(self.data().home_dc)
    }

    fn set_home_dc_id(&self, dc_id: i32) -> Fut<'_, ()> {
        Box::pin(async move {
            self.data().home_dc = dc_id;
            self.changed();
            Ok(())
        })
    }

    fn dc_option(&self, dc_id: i32) -> Result<Option<DcOption>, SessionError> {
        Ok(self.data().dc_options.get(&dc_id).cloned())
    }

    fn set_dc_option(&self, dc_option: &DcOption) -> Fut<'_, ()> {
        let dc_option = dc_option.clone();
        Box::pin(async move {
            self.data().dc_options.insert(dc_option.id, dc_option);
            self.changed();
            Ok(())
        })
    }

    fn peer(&self, peer: PeerId) -> Fut<'_, Option<PeerInfo>> {
        Box::pin(async move { Ok(self.cached_peer(peer)) })
    }

    fn cache_peer(&self, peer: PeerInfo) -> Fut<'_, ()> {
        Box::pin(async move {
            let changed = {
                let mut d = self.data();
                if let Some(known) = d.peer_infos.get_mut(&peer.id()) {
                    let before = known.clone();
                    known.extend_info(&peer);
                    *known != before
                } else {
                    d.peer_infos.insert(peer.id(), peer);
                    true
                }
            };
            if changed {
                self.changed();
            }
            Ok(())
        })
    }

    fn updates_state(&self) -> Fut<'_, UpdatesState> {
        Box::pin(async move { Ok(self.data().updates_state.clone()) })
    }

    fn set_update_state(&self, update: UpdateState) -> Fut<'_, ()> {
        Box::pin(async move {
            {
                let mut d = self.data();
                let s = &mut d.updates_state;
                match update {
                    UpdateState::All(all) => *s = all,
                    UpdateState::Primary { pts, date, seq } => {
                        s.pts = pts;
                        s.date = date;
                        s.seq = seq;
                    }
                    UpdateState::Secondary { qts } => s.qts = qts,
                    UpdateState::Channel { id, pts } => {
                        s.channels.retain(|c| c.id != id);
                        s.channels.push(ChannelState { id, pts });
                    }
                }
            }
            self.changed();
            Ok(())
        })
    }
}

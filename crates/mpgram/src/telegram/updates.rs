//! One update stream from grammers, fanned out to every subscriber.
//!
//! grammers' `UpdatesReceiver` orders updates, fills gaps with getDifference (also after a
//! reconnect, and on start from the stored state), and persists the update state in our
//! session, so a restart catches up with no loss and no duplicates.

use std::sync::Arc;
use std::time::Duration;

use grammers_mtsender::{
    InvocationError, SenderPoolFatHandle, UpdatesConfiguration, UpdatesReceiver,
};
use grammers_session::types::{UpdateState, UpdatesState};
use grammers_session::updates::UpdatesLike;
use grammers_session::Session;
use grammers_tl_types as tl;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

use super::PersistentSession;

/// Updates delivered together, with the users and chats they mention.
#[derive(Debug, Clone)]
pub struct UpdateBatch {
    pub updates: Vec<tl::enums::Update>,
    pub users: Vec<tl::enums::User>,
    pub chats: Vec<tl::enums::Chat>,
}

pub(super) fn spawn(
    handle: SenderPoolFatHandle,
    raw: mpsc::Receiver<UpdatesLike>,
    session: Arc<PersistentSession>,
    tx: broadcast::Sender<Arc<UpdateBatch>>,
    ready: watch::Sender<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut raw = raw;
        // Until someone is logged in there is no update state to keep; only the QR login's
        // `updateLoginToken` matters. Pass those on, then hand the channel to grammers.
        let mut changes = session.subscribe();
        while !session.has_self_user() {
            tokio::select! {
                u = raw.recv() => match u {
                    Some(UpdatesLike::Updates(tl::enums::Updates::UpdateShort(s))) => {
                        let _ = tx.send(Arc::new(UpdateBatch {
                            updates: vec![s.update],
                            users: Vec::new(),
                            chats: Vec::new(),
                        }));
                    }
                    Some(_) => {}
                    None => return,
                },
                c = changes.changed() => if c.is_err() { return },
            }
        }
        // Fix a starting point before streaming: with a known state grammers begins with
        // getDifference, so nothing between login and the first update is skipped.
        if session.snapshot().updates_state.pts == 0 {
            let home = session.home_dc_id().unwrap_or(2);
            if let Ok(tl::enums::updates::State::State(st)) = handle
                .thin
                .invoke_in_dc(home, &tl::functions::updates::GetState {})
                .await
            {
                let _ = session
                    .set_update_state(UpdateState::All(UpdatesState {
                        pts: st.pts,
                        qts: st.qts,
                        date: st.date,
                        seq: st.seq,
                        channels: Vec::new(),
                    }))
                    .await;
            }
        }
        let receiver = UpdatesReceiver::create(
            handle.thin.clone(),
            handle.session.clone(),
            raw,
            UpdatesConfiguration { catch_up: true },
        )
        .await;
        let mut receiver = match receiver {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("update stream could not start: {e}");
                return;
            }
        };
        ready.send_replace(true);
        loop {
            match receiver.next().await {
                Ok((updates, users, chats)) => {
                    let infos = users
                        .iter()
                        .cloned()
                        .map(grammers_session::types::PeerInfo::from)
                        .chain(
                            chats
                                .iter()
                                .cloned()
                                .map(grammers_session::types::PeerInfo::from),
                        )
                        .collect();
                    let _ = session.cache_peers(infos).await;
                    // Persist the new state before anyone sees the batch: a snapshot taken
                    // after an update was delivered never replays it after a restart.
                    if let Err(e) = receiver.sync_update_state().await {
                        tracing::warn!("update state not saved: {e}");
                    }
                    let batch = UpdateBatch {
                        updates: updates.into_iter().map(|(u, _)| u).collect(),
                        users,
                        chats,
                    };
                    // Nobody listening is fine: the API subscribes per device.
                    let _ = tx.send(Arc::new(batch));
                }
                Err(InvocationError::Dropped(_)) => return,
                Err(e) => {
                    tracing::debug!("update stream error, retrying: {e}");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    })
}

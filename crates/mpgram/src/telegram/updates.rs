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
use grammers_session::updates::UpdatesLike;
use grammers_session::Session;
use grammers_tl_types as tl;
use tokio::sync::{broadcast, mpsc};
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
) -> JoinHandle<()> {
    tokio::spawn(async move {
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

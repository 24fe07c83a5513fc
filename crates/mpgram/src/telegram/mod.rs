//! The Telegram gateway: one [`Account`] that the MPGram API, the desktop window and the CLI
//! share. The real `grammers-client` underneath; in tests and the demo it talks to fakegram.
//!
//! Peers: MPGram peer ids are the bot-API ids grammers already uses
//! (`PeerId::from_bot_api_dialog_id`); access hashes come from the session's peer cache, so
//! turning a known id into an input peer costs no round trip.

mod carries_peers;
pub mod error;
pub mod login;
mod photo;
pub mod session;
mod updates;

use std::sync::Arc;

use grammers_client::Client;
use grammers_mtsender::{ConnectionParams, SenderPool};
use grammers_session::types::{PeerId, PeerInfo};
use grammers_session::Session;
use grammers_tl_types::{self as tl, RemoteCall};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

pub use carries_peers::CarriesPeers;
pub use error::TelegramError;
pub use session::{PersistentSession, StoredSession};
pub use updates::UpdateBatch;

/// Telegram API credentials (<https://my.telegram.org>); fakegram accepts any.
#[derive(Debug, Clone)]
pub struct ApiCredentials {
    pub api_id: i32,
    pub api_hash: String,
}

impl ApiCredentials {
    /// Credentials built into this binary (`MPGRAM_API_ID`/`MPGRAM_API_HASH` at build time).
    pub fn built_in() -> Option<Self> {
        let id = option_env!("MPGRAM_API_ID")?.parse().ok()?;
        let hash = option_env!("MPGRAM_API_HASH")?;
        Some(Self {
            api_id: id,
            api_hash: hash.to_owned(),
        })
    }
}

struct Inner {
    client: Client,
    session: Arc<PersistentSession>,
    credentials: ApiCredentials,
    updates: broadcast::Sender<Arc<UpdateBatch>>,
    updates_ready: watch::Receiver<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.client.disconnect();
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// A Telegram account connection. Cheap to clone.
#[derive(Clone)]
pub struct Account(Arc<Inner>);

/// How many update batches a slow subscriber may fall behind before it misses some.
const UPDATE_BUFFER: usize = 1024;

impl Account {
    /// Connects with a stored session (or [`StoredSession::fresh`] for a new login).
    /// Must be called inside a tokio runtime.
    pub fn start(stored: StoredSession, credentials: ApiCredentials) -> Self {
        Self::start_with(stored, credentials, ConnectionParams::default())
    }

    pub fn start_with(
        stored: StoredSession,
        credentials: ApiCredentials,
        params: ConnectionParams,
    ) -> Self {
        let session = Arc::new(PersistentSession::new(stored));
        let pool = SenderPool::with_configuration(Arc::clone(&session), credentials.api_id, params);
        let client = Client::new(pool.handle.clone());
        let runner = tokio::spawn(pool.runner.run());
        let (tx, _) = broadcast::channel(UPDATE_BUFFER);
        let (ready_tx, ready) = watch::channel(false);
        let pump = updates::spawn(
            pool.handle,
            pool.updates,
            Arc::clone(&session),
            tx.clone(),
            ready_tx,
        );
        Self(Arc::new(Inner {
            client,
            session,
            credentials,
            updates: tx,
            updates_ready: ready,
            tasks: vec![runner, pump],
        }))
    }

    /// The grammers client, for its high-level helpers (downloads, uploads).
    pub fn client(&self) -> &Client {
        &self.0.client
    }

    pub fn credentials(&self) -> &ApiCredentials {
        &self.0.credentials
    }

    pub fn session(&self) -> &Arc<PersistentSession> {
        &self.0.session
    }

    /// One raw Telegram call. A call whose answer carries users or chats goes through
    /// [`Account::invoke_caching`] instead.
    pub async fn invoke<R: RemoteCall>(&self, request: &R) -> Result<R::Return, TelegramError> {
        Ok(self.0.client.invoke(request).await?)
    }

    /// One Telegram call whose answer carries users and chats: their access hashes (and
    /// usernames) are remembered before the answer is handed back, so the caller can address
    /// them at once. The one place answers fill the peer cache.
    pub async fn invoke_caching<R>(&self, request: &R) -> Result<R::Return, TelegramError>
    where
        R: RemoteCall,
        R::Return: CarriesPeers,
    {
        let answer = self.invoke(request).await?;
        self.remember_peers(&answer).await;
        Ok(answer)
    }

    /// The caching half of [`Account::invoke_caching`], for the API's time-bounded `Call`.
    pub(crate) async fn remember_peers(&self, answer: &impl CarriesPeers) {
        self.cache_peers(answer.users(), answer.chats()).await;
    }

    /// Remembers access hashes of users and chats seen in an answer.
    async fn cache_peers(&self, users: &[tl::enums::User], chats: &[tl::enums::Chat]) {
        for u in users {
            if let tl::enums::User::User(u) = u {
                if let Some(name) = &u.username {
                    self.0.session.remember_username(name, u.id);
                }
            }
        }
        for c in chats {
            if let tl::enums::Chat::Channel(c) = c {
                if let Some(name) = &c.username {
                    let id = crate::wire::peer_id::PeerId::channel(c.id).get();
                    self.0.session.remember_username(name, id);
                }
            }
        }
        let infos: Vec<PeerInfo> = users
            .iter()
            .cloned()
            .map(PeerInfo::from)
            .chain(chats.iter().cloned().map(PeerInfo::from))
            .collect();
        // Our session never fails.
        let _ = self.0.session.cache_peers(infos).await;
    }

    /// The input peer for an MPGram peer id, from the cache (no round trip).
    pub fn input_peer(&self, mpgram_id: i64) -> Option<tl::enums::InputPeer> {
        let id = PeerId::from_bot_api_dialog_id(mpgram_id)?;
        let info = self.0.session.cached_peer(id)?;
        let auth = info.auth()?;
        Some(grammers_session::types::PeerRef { id, auth }.into())
    }

    pub fn input_user(&self, mpgram_id: i64) -> Option<tl::enums::InputUser> {
        let id = PeerId::user(mpgram_id)?;
        let auth = self.0.session.cached_peer(id)?.auth()?;
        Some(grammers_session::types::PeerRef { id, auth }.into())
    }

    pub fn input_channel(&self, mpgram_id: i64) -> Option<tl::enums::InputChannel> {
        let id = PeerId::from_bot_api_dialog_id(mpgram_id)?;
        let auth = self.0.session.cached_peer(id)?.auth()?;
        Some(grammers_session::types::PeerRef { id, auth }.into())
    }

    /// Resolves `@username` to an MPGram peer id: from the cache when known, else one
    /// `contacts.resolveUsername` whose answer is cached.
    pub async fn resolve_username(&self, username: &str) -> Result<i64, TelegramError> {
        if let Some(id) = self.0.session.username(username) {
            return Ok(id);
        }
        let tl::enums::contacts::ResolvedPeer::Peer(r) = self
            .invoke_caching(&tl::functions::contacts::ResolveUsername {
                username: username.trim_start_matches('@').to_owned(),
                referer: None,
            })
            .await?;
        let id = PeerId::from(r.peer).bot_api_dialog_id_unchecked();
        self.0.session.remember_username(username, id);
        Ok(id)
    }

    /// Live updates with the users and chats they mention. Each subscriber gets every
    /// batch from the moment it subscribes.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<UpdateBatch>> {
        self.0.updates.subscribe()
    }

    /// Resolves once live updates are flowing for a logged-in account (the starting state is
    /// known), so nothing sent from then on is missed.
    pub async fn updates_ready(&self) {
        let mut r = self.0.updates_ready.clone();
        let _ = r.wait_for(|ready| *ready).await;
    }

    /// Whether the session is logged in (asks Telegram).
    pub async fn is_authorized(&self) -> Result<bool, TelegramError> {
        Ok(self.0.client.is_authorized().await?)
    }

    /// The logged-in user.
    pub async fn me(&self) -> Result<tl::types::User, TelegramError> {
        let users = self
            .invoke(&tl::functions::users::GetUsers {
                id: vec![tl::enums::InputUser::UserSelf],
            })
            .await?;
        match users.into_iter().next() {
            Some(tl::enums::User::User(u)) => {
                // Remember who we are: the update stream starts keeping state from here.
                let _ = self
                    .0
                    .session
                    .cache_peer(PeerInfo::User {
                        id: u.id,
                        auth: u
                            .access_hash
                            .map(grammers_session::types::PeerAuth::from_hash),
                        bot: Some(u.bot),
                        is_self: Some(true),
                    })
                    .await;
                Ok(u)
            }
            _ => Err(TelegramError::LoggedOut),
        }
    }

    /// Logs out of Telegram (`auth.logOut`). The caller wipes the vault.
    pub async fn log_out(&self) -> Result<(), TelegramError> {
        self.0.client.sign_out().await?;
        Ok(())
    }
}

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> i32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i32)
}

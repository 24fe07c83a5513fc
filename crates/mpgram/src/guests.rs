//! Guest accounts: phones that logged their *own* Telegram account in through this server with
//! the login API (`protocol.md` §5.5; the "Let phones log in to other Telegram accounts"
//! setting, off by default).
//!
//! Each guest has its own token, [`Account`] (a fresh grammers client) and [`Login`] (the same
//! state machine the desktop window drives). Once signed in it gets its own [`MethodState`] (own
//! update queue, own caches), and the API's dispatch runs a request carrying that token on the
//! guest's account and state. The PC owner's account is never reachable with a guest token
//! (guest tokens are not in the pairing's device list), and a guest's token reaches only its
//! own account.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use grammers_mtsender::ConnectionParams;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::api::methods::MethodState;
use crate::pairing::{is_well_formed, DeviceInfo, Token, TokenHash};
use crate::telegram::login::Login;
use crate::telegram::{Account, ApiCredentials, StoredSession};

/// How a new guest login connects: Telegram's DCs in the product, a fakegram key in tests.
pub type NewSession = Arc<dyn Fn() -> StoredSession + Send + Sync>;

/// What a guest login needs from the instance.
#[derive(Clone)]
pub struct GuestConfig {
    /// The instance's Telegram API credentials (the same app as the PC's login).
    pub credentials: ApiCredentials,
    pub new_session: NewSession,
}

impl GuestConfig {
    /// Logins go to Telegram's DCs.
    pub fn telegram(credentials: ApiCredentials) -> Self {
        Self {
            credentials,
            new_session: Arc::new(StoredSession::fresh),
        }
    }
}

impl std::fmt::Debug for GuestConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuestConfig").finish_non_exhaustive()
    }
}

/// Logins that never finish are dropped after this (each holds a Telegram connection).
const PENDING_TTL: Duration = Duration::from_mins(15);
/// At most this many unfinished logins at once; the oldest goes first.
const MAX_PENDING: usize = 8;

/// How a guest's login shows in its account's "Active sessions" on Telegram: the phone's
/// `X-mpgram-device` / `-system` / `-app-version` headers, as the reference sends them
/// (`protocol.md` §6), not this PC's OS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientInfo {
    pub device_model: String,
    pub system_version: String,
    pub app_version: String,
}

impl Default for ClientInfo {
    /// The reference's defaults (`X-mpgram-system` defaults to `J2ME`, the app version to `api`).
    fn default() -> Self {
        Self {
            device_model: "Phone".into(),
            system_version: "J2ME".into(),
            app_version: "api".into(),
        }
    }
}

impl ClientInfo {
    pub fn from_device(info: &DeviceInfo) -> Self {
        let d = Self::default();
        Self {
            device_model: info.suggested_name(),
            system_version: info.clean_system().unwrap_or(d.system_version),
            app_version: info.clean_app_version().unwrap_or(d.app_version),
        }
    }

    fn params(&self) -> ConnectionParams {
        ConnectionParams {
            device_model: self.device_model.clone(),
            system_version: self.system_version.clone(),
            app_version: self.app_version.clone(),
            ..ConnectionParams::default()
        }
    }
}

/// A guest as the vault keeps it: only the token's hash, and the Telegram session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredGuest {
    pub id: u64,
    pub token_hash: TokenHash,
    pub phone: String,
    pub session: StoredSession,
    #[serde(default)]
    pub client: ClientInfo,
}

/// One guest. Cheap to clone (the heavy parts are shared).
#[derive(Clone)]
pub struct Guest {
    pub id: u64,
    token_hash: TokenHash,
    pub account: Account,
    pub login: Login,
    pub phone: String,
    /// What we hand out as `phone_code_hash`: grammers keeps Telegram's own hash private, and
    /// the client only sends it back to `resendCode`, which uses the login's state.
    pub code_handle: String,
    client: ClientInfo,
    started: Instant,
    /// The guest's own API state (update queue, caches), once signed in.
    serving: Option<Arc<MethodState>>,
}

impl Guest {
    /// The guest's API state once signed in; `None` while still logging in.
    pub fn api(&self) -> Option<&Arc<MethodState>> {
        self.serving.as_ref()
    }
}

/// A signed-in guest's API state, its update queue started on its account.
fn serving_state(account: &Account) -> Arc<MethodState> {
    let state = MethodState::new();
    state.updates.start(account);
    Arc::new(state)
}

/// The guest table, shared by the pairing middleware and the vault saver. Cheap to clone.
#[derive(Clone, Default)]
pub struct Guests(Arc<Inner>);

impl std::fmt::Debug for Guests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guests").finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Inner {
    config: Mutex<Option<GuestConfig>>,
    list: Mutex<Vec<Guest>>,
    next_id: AtomicU64,
    /// Bumped when a guest signs in or is forgotten (the vault saver watches it).
    revision: watch::Sender<u64>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A random URL-safe handle (`client-j2me.md` §3: ids go raw into URLs).
fn new_handle() -> String {
    let t = Token::generate();
    t.as_str().chars().take(16).collect()
}

impl Guests {
    /// Whether new guest logins can start (the instance has API credentials).
    pub fn is_configured(&self) -> bool {
        lock(&self.0.config).is_some()
    }

    pub fn configure(&self, config: Option<GuestConfig>) {
        *lock(&self.0.config) = config;
    }

    /// Watch this to save the vault when a guest signs in or goes.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.revision.subscribe()
    }

    fn changed(&self) {
        self.0.revision.send_modify(|n| *n += 1);
    }

    /// Whether `token` is a guest's (cheap when there are none: no hashing).
    pub(crate) fn is_guest(&self, token: &str) -> bool {
        self.find(token).is_some()
    }

    /// The guest a request's token belongs to.
    pub(crate) fn find(&self, token: &str) -> Option<Guest> {
        if !is_well_formed(token) || lock(&self.0.list).is_empty() {
            return None;
        }
        let hash = TokenHash::of(token);
        let now = Instant::now();
        let mut list = lock(&self.0.list);
        // An abandoned login lapses here rather than in a timer task.
        list.retain(|g| g.serving.is_some() || now.duration_since(g.started) < PENDING_TTL);
        list.iter().find(|g| g.token_hash.matches(&hash)).cloned()
    }

    /// A new guest with a fresh Telegram connection, not signed in yet. `None`: no API
    /// credentials. Must be called inside a tokio runtime.
    pub(crate) fn start(&self, phone: &str, client: ClientInfo) -> Option<(Token, Guest)> {
        let config = lock(&self.0.config).clone()?;
        let account =
            Account::start_with((config.new_session)(), config.credentials, client.params());
        let token = Token::generate();
        let guest = Guest {
            id: self.0.next_id.fetch_add(1, Ordering::Relaxed) + 1,
            token_hash: token.hash(),
            login: Login::new(account.clone()),
            account,
            phone: phone.to_owned(),
            code_handle: new_handle(),
            client,
            started: Instant::now(),
            serving: None,
        };
        let mut list = lock(&self.0.list);
        let now = Instant::now();
        list.retain(|g| g.serving.is_some() || now.duration_since(g.started) < PENDING_TTL);
        while list.iter().filter(|g| g.serving.is_none()).count() >= MAX_PENDING {
            let Some(oldest) = list.iter().position(|g| g.serving.is_none()) else {
                break;
            };
            list.remove(oldest);
        }
        list.push(guest.clone());
        Some((token, guest))
    }

    /// The guest signed in: from now on its token is served on its own account.
    pub(crate) fn serve(&self, id: u64) {
        {
            let mut list = lock(&self.0.list);
            let Some(g) = list.iter_mut().find(|g| g.id == id) else {
                return;
            };
            if g.serving.is_none() {
                g.serving = Some(serving_state(&g.account));
            }
        }
        self.changed();
    }

    /// Forgets a guest (its token answers 401 from now on). The caller logs it out first.
    pub(crate) fn forget(&self, id: u64) {
        let removed = {
            let mut list = lock(&self.0.list);
            let before = list.len();
            list.retain(|g| g.id != id);
            list.len() != before
        };
        if removed {
            self.changed();
        }
    }

    /// Answers every guest's open long polls now (the server is stopping).
    pub fn close_polls(&self) {
        for g in lock(&self.0.list).iter() {
            if let Some(api) = &g.serving {
                api.updates.close();
            }
        }
    }

    /// Signed-in guests, for the vault.
    pub fn snapshot(&self) -> Vec<StoredGuest> {
        lock(&self.0.list)
            .iter()
            .filter(|g| g.serving.is_some())
            .map(|g| StoredGuest {
                id: g.id,
                token_hash: g.token_hash,
                phone: g.phone.clone(),
                session: g.account.session().snapshot(),
                client: g.client.clone(),
            })
            .collect()
    }

    /// Puts guests from the vault back (at start-up), each served at once. Needs the API
    /// credentials ([`Guests::configure`]) and a tokio runtime; without credentials nothing is
    /// restored (the vault keeps them until the next save).
    pub fn restore(&self, stored: Vec<StoredGuest>) {
        let Some(gc) = lock(&self.0.config).clone() else {
            return;
        };
        let mut list = lock(&self.0.list);
        for s in stored {
            if list.iter().any(|g| g.id == s.id) {
                continue;
            }
            self.0.next_id.fetch_max(s.id, Ordering::Relaxed);
            let account = Account::start_with(s.session, gc.credentials.clone(), s.client.params());
            let serving = serving_state(&account);
            list.push(Guest {
                id: s.id,
                token_hash: s.token_hash,
                login: Login::new(account.clone()),
                account,
                phone: s.phone,
                code_handle: new_handle(),
                client: s.client,
                started: Instant::now(),
                serving: Some(serving),
            });
        }
    }

    /// Signed-in guests for the PC's lists: (id, phone number with its middle hidden).
    pub fn list(&self) -> Vec<(u64, String)> {
        lock(&self.0.list)
            .iter()
            .filter(|g| g.serving.is_some())
            .map(|g| (g.id, mask_phone(&g.phone)))
            .collect()
    }

    /// Ends one guest from the PC: Telegram `auth.logOut` (bounded, failures only logged) and
    /// its token is forgotten. `false`: no such guest.
    pub async fn log_out(&self, id: u64, timeout: Duration) -> bool {
        let guest = lock(&self.0.list).iter().find(|g| g.id == id).cloned();
        let Some(guest) = guest else {
            return false;
        };
        self.forget(id);
        if guest.serving.is_some() {
            let out = tokio::time::timeout(timeout, guest.account.log_out()).await;
            if !matches!(out, Ok(Ok(()))) {
                tracing::info!("a phone's own login did not log out cleanly");
            }
        }
        true
    }

    /// How many guests are signed in.
    pub fn count(&self) -> usize {
        lock(&self.0.list)
            .iter()
            .filter(|g| g.serving.is_some())
            .count()
    }
}

/// Ends stored guests' Telegram logins (`auth.logOut`, each bounded by `timeout`, failures only
/// logged): when the owner logs out (the vault is wiped) or the login API was switched off (the
/// owner's only way to end phones' own logins). Needs a tokio runtime.
pub async fn log_out_stored(
    stored: Vec<StoredGuest>,
    credentials: &ApiCredentials,
    timeout: Duration,
) {
    for g in stored {
        let account = Account::start_with(g.session, credentials.clone(), g.client.params());
        match tokio::time::timeout(timeout, account.log_out()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::info!("a phone's own login did not log out: {e}"),
            Err(_) => tracing::info!("a phone's own login did not log out in time"),
        }
    }
}

/// `+15550000042` → `+1555•••0042`: enough for the PC owner to tell logins apart.
fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 8 {
        return phone.to_owned();
    }
    let head: String = chars[..5].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}\u{2022}\u{2022}\u{2022}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_shown_with_the_middle_hidden() {
        assert_eq!(
            mask_phone("+15550000042"),
            "+1555\u{2022}\u{2022}\u{2022}0042"
        );
        assert_eq!(mask_phone("+4912"), "+4912");
    }
}

//! The wiring `mpgram serve` and the tray's service share: a stored account made ready for
//! phones (the pairing front, phones' own logins, the saver, the API state). The listeners that
//! serve it are [`crate::server::http::Listening`].

use std::sync::Arc;
use std::time::Duration;

use crate::app::Saver;
use crate::control::settings::Settings;
use crate::guests::GuestConfig;
use crate::home::Home;
use crate::pairing::Pairing;
use crate::server::{AppState, PairingHttp, ServerConfig};
use crate::telegram::Account;

/// The pairing front of an instance, with the window's "Let phones log in to other Telegram
/// accounts" setting (read once: changing it restarts the service).
pub fn pairing_front(pairing: &Pairing, settings: &Settings) -> PairingHttp {
    let mut http = PairingHttp::new(pairing.clone());
    http.login_api = settings.login_api;
    http
}

/// When phones' own logins left in the vault with the login API switched off are logged out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoredGuestLogout {
    /// Before serving (`mpgram serve`).
    First,
    /// While serving (the tray: its window should not wait on Telegram).
    InBackground,
}

/// A stored account, ready to serve phones.
pub struct Wired {
    pub http: PairingHttp,
    pub state: AppState,
    /// Keeps the session (update state, peers), the device list and phones' own logins saved.
    pub saver: Saver,
}

/// Wires the account of `home`: phones' own accounts reach Telegram with the instance's API
/// credentials; they come back from the vault when the setting allows them, and are logged out
/// otherwise (the saver then drops them from the vault with its next write).
pub async fn wire_account(
    home: &Home,
    account: &Account,
    pairing: &Pairing,
    settings: &Settings,
    config: ServerConfig,
    logout: StoredGuestLogout,
) -> Wired {
    let http = pairing_front(pairing, settings);
    http.guests
        .configure(Some(GuestConfig::telegram(account.credentials().clone())));
    let stored = home.data.guests.clone();
    if http.login_api {
        http.guests.restore(stored);
    } else if !stored.is_empty() {
        let creds = account.credentials().clone();
        let out = async move {
            crate::guests::log_out_stored(stored, &creds, Duration::from_secs(15)).await;
        };
        match logout {
            StoredGuestLogout::First => out.await,
            StoredGuestLogout::InBackground => {
                tokio::spawn(out);
            }
        }
    }
    let saver = Saver::spawn(
        Arc::clone(home.vault()),
        home.data.clone(),
        Some(Arc::clone(account.session())),
        pairing.clone(),
        http.guests.clone(),
        Duration::from_secs(2),
    );
    let state = AppState::new(account.clone(), http.clone(), config);
    Wired { http, state, saver }
}

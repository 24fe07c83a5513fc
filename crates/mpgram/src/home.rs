//! One data folder's MPGram Home: the vault, what it holds, and the account it logs into.
//! The headless CLI (`mpgram login|logout|status`) and the desktop app both start here.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::app::{StoredCredentials, VaultData};
use crate::store::{self, KeySource, StoreError, Vault};
use crate::telegram::login::{Login, LoginState};
use crate::telegram::{Account, ApiCredentials, StoredSession, TelegramError};

/// Errors of the front ends, each a plain sentence.
#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Telegram(#[from] TelegramError),
    #[error("No Telegram API credentials: this build has none built in. Get an api_id and api_hash at https://my.telegram.org and set MPGRAM_API_ID and MPGRAM_API_HASH.")]
    NoCredentials,
    #[error("No Telegram account is set up yet: run `mpgram login` first.")]
    NotLoggedIn,
    #[error("Cancelled.")]
    Cancelled,
}

pub struct Home {
    vault: Arc<Vault>,
    pub data: VaultData,
}

impl Home {
    /// Opens (or creates) the vault of a data folder. Blocks on the OS keyring: call from
    /// `spawn_blocking` in async code.
    pub fn open(
        data_dir: Option<&Path>,
        insecure_key_file: Option<PathBuf>,
    ) -> Result<Self, HomeError> {
        Self::open_with(data_dir, &KeySource::choose(insecure_key_file))
    }

    /// [`Home::open`] with the key from `source` (a service's systemd credential, say).
    pub fn open_with(data_dir: Option<&Path>, source: &KeySource) -> Result<Self, HomeError> {
        let dir = match data_dir {
            Some(d) => d.to_path_buf(),
            None => store::default_data_dir()?,
        };
        let vault = Vault::open(&dir, source)?;
        let data = VaultData::load(&vault)?;
        Ok(Self {
            vault: Arc::new(vault),
            data,
        })
    }

    pub fn vault(&self) -> &Arc<Vault> {
        &self.vault
    }

    /// Built-in credentials first, then the ones the user gave, then the environment.
    pub fn credentials(&self) -> Option<ApiCredentials> {
        ApiCredentials::built_in()
            .or_else(|| self.data.credentials.as_ref().map(ApiCredentials::from))
            .or_else(|| {
                let id = std::env::var("MPGRAM_API_ID").ok()?.parse().ok()?;
                let hash = std::env::var("MPGRAM_API_HASH").ok()?;
                Some(ApiCredentials {
                    api_id: id,
                    api_hash: hash,
                })
            })
    }

    pub fn set_credentials(&mut self, c: &ApiCredentials) -> Result<(), HomeError> {
        self.data.credentials = Some(StoredCredentials {
            api_id: c.api_id,
            api_hash: c.api_hash.clone(),
        });
        Ok(self.data.save(&self.vault)?)
    }

    /// Connects the stored login, if there is one.
    pub fn account(&self) -> Result<Account, HomeError> {
        let session = self.data.session.clone().ok_or(HomeError::NotLoggedIn)?;
        let creds = self.credentials().ok_or(HomeError::NoCredentials)?;
        Ok(Account::start(session, creds))
    }

    /// Saves the account's session now.
    pub fn save_session(&mut self, account: &Account) -> Result<(), HomeError> {
        self.data.session = Some(account.session().snapshot());
        Ok(self.data.save(&self.vault)?)
    }

    /// Logs out of Telegram (when logged in) and wipes the vault and its keyring entry.
    pub async fn logout(self) -> Result<(), HomeError> {
        // Phones' own logins (login API) go too: the wiped vault was the only way to reach them.
        if let Some(creds) = self.credentials() {
            crate::guests::log_out_stored(
                self.data.guests.clone(),
                &creds,
                std::time::Duration::from_secs(15),
            )
            .await;
        }
        if let Ok(account) = self.account() {
            // Already logged out on Telegram's side is fine: wipe anyway.
            if let Err(e) = account.log_out().await {
                tracing::info!("auth.logOut failed ({e}); wiping the local login anyway");
            }
        }
        let vault = Arc::try_unwrap(self.vault).map_err(|_| HomeError::Cancelled)?;
        tokio::task::spawn_blocking(move || vault.wipe())
            .await
            .map_err(|_| HomeError::Cancelled)??;
        Ok(())
    }
}

/// Draws a QR code with Unicode half blocks, for terminals.
pub fn terminal_qr(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}

fn ask(prompt: &str, input: &mut impl BufRead, out: &mut impl Write) -> Result<String, HomeError> {
    let _ = write!(out, "{prompt}");
    let _ = out.flush();
    let mut line = String::new();
    match input.read_line(&mut line) {
        Ok(0) | Err(_) => Err(HomeError::Cancelled),
        Ok(_) => Ok(line.trim().to_owned()),
    }
}

/// `mpgram login`: QR (default) or phone, with plain-words progress. `session` overrides
/// the starting session (tests point it at fakegram).
pub async fn cli_login(
    home: &mut Home,
    phone: Option<&str>,
    start: StoredSession,
    input: &mut impl BufRead,
    out: &mut impl Write,
) -> Result<String, HomeError> {
    let creds = home.credentials().ok_or(HomeError::NoCredentials)?;
    let account = Account::start(start, creds);
    let login = Login::new(account.clone());
    let state = if let Some(phone) = phone {
        let _ = writeln!(out, "Sending a login code to {phone}…");
        login.send_code(phone).await?;
        loop {
            let code = ask("Code from Telegram: ", input, out)?;
            match login.sign_in(&code).await {
                Ok(s) => break s,
                Err(TelegramError::WrongCode) => {
                    let _ = writeln!(out, "{}", TelegramError::WrongCode);
                }
                Err(e) => return Err(e.into()),
            }
        }
    } else {
        let url = login.start_qr().await?;
        let _ = writeln!(
            out,
            "Scan this with Telegram on your phone: Settings → Devices → Link Desktop Device\n{}",
            terminal_qr(&url)
        );
        let mut w = login.watch();
        loop {
            let s = w.borrow_and_update().clone();
            match s {
                LoginState::SignedIn { .. } | LoginState::PasswordNeeded { .. } => break s,
                LoginState::Failed { message } => {
                    return Err(HomeError::Telegram(TelegramError::Rpc {
                        code: 0,
                        name: message,
                        value: None,
                    }))
                }
                LoginState::Qr { url: new, .. } if new != url => {
                    let _ = writeln!(out, "The code was refreshed:\n{}", terminal_qr(&new));
                }
                _ => {}
            }
            if w.changed().await.is_err() {
                return Err(HomeError::Cancelled);
            }
        }
    };
    let state = match state {
        LoginState::PasswordNeeded { hint } => {
            if let Some(h) = hint {
                let _ = writeln!(out, "Your account has a password (hint: {h}).");
            }
            loop {
                let pw = ask("Password: ", input, out)?;
                match login.check_password(&pw).await {
                    Ok(s) => break s,
                    Err(e @ TelegramError::WrongPassword(_)) => {
                        let _ = writeln!(out, "{e}");
                    }
                    Err(e) => return Err(e.into()),
                }
            }
        }
        s => s,
    };
    let LoginState::SignedIn { name, .. } = state else {
        return Err(HomeError::Cancelled);
    };
    home.save_session(&account)?;
    // Credentials from the environment are kept with the login, so `mpgram serve` started by a
    // service manager (which does not have the login shell's environment) still has them.
    if home.data.credentials.is_none() && ApiCredentials::built_in().is_none() {
        home.set_credentials(account.credentials())?;
    }
    let _ = writeln!(
        out,
        "Logged in as {name}. The login is kept in {}.",
        home.vault.backend()
    );
    Ok(name)
}

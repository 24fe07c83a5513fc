//! Logging in, as a state machine the desktop window and the CLI both drive.
//!
//! QR: `start_qr` hands out a `tg://login?token=…` URL and keeps it fresh; when the
//! smartphone accepts it the flow finishes by itself (following a DC migration, asking for
//! the 2FA password when the account has one). Phone: `send_code` → `sign_in` →
//! (`check_password`). Every step's error is a [`TelegramError`] with a plain sentence.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine;
use grammers_client::client::{LoginToken, PasswordToken};
use grammers_client::SignInError;
use grammers_session::types::{PeerAuth, PeerInfo, UpdateState, UpdatesState};
use grammers_session::Session;
use grammers_tl_types as tl;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{Account, TelegramError};

/// Where a login stands. The window renders this; the CLI prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginState {
    Idle,
    /// Show this URL as a QR code; it is replaced before it expires.
    Qr {
        url: String,
        expires: i32,
    },
    /// A code was sent to the Telegram app (or by SMS) for this number.
    CodeSent {
        phone: String,
    },
    /// The account has a 2FA password.
    PasswordNeeded {
        hint: Option<String>,
    },
    SignedIn {
        user_id: i64,
        name: String,
    },
    /// The last step failed; the sentence is for people.
    Failed {
        message: String,
    },
}

enum Pending {
    None,
    Code(LoginToken),
    Password(Box<PasswordToken>),
}

/// Which answer a login waits for (the phone-side login API asks before each step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Awaiting {
    Nothing,
    Code,
    Password,
}

struct Inner {
    account: Account,
    pending: Mutex<Pending>,
    /// The number of the last `send_code`, kept through failed steps so a resend still works.
    phone: Mutex<Option<String>>,
    state: watch::Sender<LoginState>,
    qr_task: Mutex<Option<JoinHandle<()>>>,
}

/// A login in progress on one [`Account`]. Cheap to clone.
#[derive(Clone)]
pub struct Login(Arc<Inner>);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn user_name(u: &tl::types::User) -> String {
    match (&u.first_name, &u.last_name) {
        (Some(f), Some(l)) if !l.is_empty() => format!("{f} {l}"),
        (Some(f), _) => f.clone(),
        (None, Some(l)) => l.clone(),
        (None, None) => "Telegram user".into(),
    }
}

impl Login {
    pub fn new(account: Account) -> Self {
        Self(Arc::new(Inner {
            account,
            pending: Mutex::new(Pending::None),
            phone: Mutex::new(None),
            state: watch::channel(LoginState::Idle).0,
            qr_task: Mutex::new(None),
        }))
    }

    /// Follow the state as it changes.
    pub fn watch(&self) -> watch::Receiver<LoginState> {
        self.0.state.subscribe()
    }

    pub fn state(&self) -> LoginState {
        self.0.state.borrow().clone()
    }

    /// What the next step must bring: a code, the 2FA password, or nothing (not started, done).
    pub fn awaiting(&self) -> Awaiting {
        match &*lock(&self.0.pending) {
            Pending::None => Awaiting::Nothing,
            Pending::Code(_) => Awaiting::Code,
            Pending::Password(_) => Awaiting::Password,
        }
    }

    fn set(&self, s: LoginState) {
        self.0.state.send_replace(s);
    }

    fn fail(&self, e: TelegramError) -> TelegramError {
        if let Some(name) = e.rpc_name() {
            tracing::info!(rpc = %name, "login step failed");
        }
        self.set(LoginState::Failed {
            message: e.to_string(),
        });
        e
    }

    /// Stops whatever is in progress.
    pub fn cancel(&self) {
        if let Some(t) = lock(&self.0.qr_task).take() {
            t.abort();
        }
        *lock(&self.0.pending) = Pending::None;
        self.set(LoginState::Idle);
    }

    /// Sends a login code to `phone` (with its country code).
    pub async fn send_code(&self, phone: &str) -> Result<(), TelegramError> {
        self.cancel();
        let phone = phone.trim().to_owned();
        let token = self
            .0
            .account
            .client()
            .request_login_code(&phone, &self.0.account.credentials().api_hash)
            .await
            .map_err(|e| self.fail(e.into()))?;
        *lock(&self.0.pending) = Pending::Code(token);
        *lock(&self.0.phone) = Some(phone.clone());
        self.set(LoginState::CodeSent { phone });
        Ok(())
    }

    /// Asks for the code again (the same number), also after a wrong or expired code (the
    /// state is `Failed` then, but the number is still known).
    pub async fn resend_code(&self) -> Result<(), TelegramError> {
        let Some(phone) = lock(&self.0.phone).clone() else {
            return Err(TelegramError::CodeExpired);
        };
        self.send_code(&phone).await
    }

    /// Completes a phone login with the code; may move on to the password.
    pub async fn sign_in(&self, code: &str) -> Result<LoginState, TelegramError> {
        let token = match std::mem::replace(&mut *lock(&self.0.pending), Pending::None) {
            Pending::Code(t) => t,
            other => {
                *lock(&self.0.pending) = other;
                return Err(self.fail(TelegramError::CodeExpired));
            }
        };
        let code: String = code.chars().filter(char::is_ascii_digit).collect();
        match self.0.account.client().sign_in(&token, &code).await {
            Ok(user) => {
                let state = LoginState::SignedIn {
                    user_id: user.id().bare_id_unchecked(),
                    name: user.full_name(),
                };
                self.set(state.clone());
                Ok(state)
            }
            Err(SignInError::PasswordRequired(p)) => {
                let hint = p.hint().map(str::to_owned);
                *lock(&self.0.pending) = Pending::Password(Box::new(p));
                let state = LoginState::PasswordNeeded { hint };
                self.set(state.clone());
                Ok(state)
            }
            Err(SignInError::InvalidCode) => {
                // The same code request stays valid for another try.
                *lock(&self.0.pending) = Pending::Code(token);
                Err(self.fail(TelegramError::WrongCode))
            }
            Err(SignInError::SignUpRequired) => Err(self.fail(TelegramError::InvalidPhone)),
            Err(SignInError::InvalidPassword(_)) => {
                Err(self.fail(TelegramError::WrongPassword(None)))
            }
            Err(SignInError::Other(e)) => {
                let e = TelegramError::from(e);
                if !matches!(e, TelegramError::CodeExpired) {
                    *lock(&self.0.pending) = Pending::Code(token);
                }
                Err(self.fail(e))
            }
        }
    }

    /// The 2FA password step.
    pub async fn check_password(&self, password: &str) -> Result<LoginState, TelegramError> {
        let token = match std::mem::replace(&mut *lock(&self.0.pending), Pending::None) {
            Pending::Password(t) => *t,
            other => {
                *lock(&self.0.pending) = other;
                return Err(self.fail(TelegramError::WrongPassword(None)));
            }
        };
        let hint = token.hint().map(str::to_owned);
        match self
            .0
            .account
            .client()
            .check_password(token, password)
            .await
        {
            Ok(user) => {
                let state = LoginState::SignedIn {
                    user_id: user.id().bare_id_unchecked(),
                    name: user.full_name(),
                };
                self.set(state.clone());
                Ok(state)
            }
            Err(SignInError::InvalidPassword(t)) => {
                *lock(&self.0.pending) = Pending::Password(Box::new(t));
                Err(self.fail(TelegramError::WrongPassword(hint)))
            }
            Err(SignInError::Other(e)) => Err(self.fail(e.into())),
            Err(_) => Err(self.fail(TelegramError::WrongPassword(hint))),
        }
    }

    /// Starts a QR login and keeps its URL fresh until the smartphone accepts it.
    pub async fn start_qr(&self) -> Result<String, TelegramError> {
        self.cancel();
        let url = self.export_qr().await.map_err(|e| self.fail(e))?;
        let Some(url) = url else {
            // Already accepted (a token from an earlier attempt).
            return Ok(String::new());
        };
        let this = self.clone();
        let task = tokio::spawn(async move { this.qr_loop().await });
        *lock(&self.0.qr_task) = Some(task);
        Ok(url)
    }

    /// One `auth.exportLoginToken`: Some(url) while waiting, None once signed in (or when
    /// the password is needed; the state says which).
    async fn export_qr(&self) -> Result<Option<String>, TelegramError> {
        let creds = self.0.account.credentials().clone();
        let answer = self
            .0
            .account
            .invoke(&tl::functions::auth::ExportLoginToken {
                api_id: creds.api_id,
                api_hash: creds.api_hash,
                except_ids: Vec::new(),
            })
            .await;
        let answer = match answer {
            Ok(a) => a,
            Err(TelegramError::Rpc { name, .. }) if name == "SESSION_PASSWORD_NEEDED" => {
                self.ask_password().await?;
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        match answer {
            tl::enums::auth::LoginToken::Token(t) => {
                let url = format!(
                    "tg://login?token={}",
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&t.token)
                );
                self.set(LoginState::Qr {
                    url: url.clone(),
                    expires: t.expires,
                });
                Ok(Some(url))
            }
            tl::enums::auth::LoginToken::MigrateTo(m) => {
                // The account lives on another DC: import the token there and make it home.
                let client = self.0.account.client();
                let r = client
                    .invoke_in_dc(
                        m.dc_id,
                        &tl::functions::auth::ImportLoginToken { token: m.token },
                    )
                    .await;
                let _ = self.0.account.session().set_home_dc_id(m.dc_id).await;
                match r {
                    Ok(tl::enums::auth::LoginToken::Success(s)) => {
                        self.finish(s.authorization).await?;
                        Ok(None)
                    }
                    Err(e) if e.is("SESSION_PASSWORD_NEEDED") => {
                        self.ask_password().await?;
                        Ok(None)
                    }
                    Err(e) => Err(e.into()),
                    Ok(_) => Err(TelegramError::Network),
                }
            }
            tl::enums::auth::LoginToken::Success(s) => {
                self.finish(s.authorization).await?;
                Ok(None)
            }
        }
    }

    async fn ask_password(&self) -> Result<(), TelegramError> {
        let pw: tl::enums::account::Password = self
            .0
            .account
            .invoke(&tl::functions::account::GetPassword {})
            .await?;
        let token = PasswordToken::new(pw.into());
        let hint = token.hint().map(str::to_owned);
        *lock(&self.0.pending) = Pending::Password(Box::new(token));
        self.set(LoginState::PasswordNeeded { hint });
        Ok(())
    }

    /// What grammers' `sign_in` does after success, which the raw QR path must do itself:
    /// cache the self user and the update state.
    async fn finish(&self, auth: tl::enums::auth::Authorization) -> Result<(), TelegramError> {
        let tl::enums::auth::Authorization::Authorization(a) = auth else {
            return Err(TelegramError::InvalidPhone);
        };
        let tl::enums::User::User(user) = a.user else {
            return Err(TelegramError::LoggedOut);
        };
        let session = self.0.account.session();
        let _ = session
            .cache_peer(PeerInfo::User {
                id: user.id,
                auth: user.access_hash.map(PeerAuth::from_hash),
                bot: Some(user.bot),
                is_self: Some(true),
            })
            .await;
        if let Ok(tl::enums::updates::State::State(s)) = self
            .0
            .account
            .invoke(&tl::functions::updates::GetState {})
            .await
        {
            let _ = session
                .set_update_state(UpdateState::All(UpdatesState {
                    pts: s.pts,
                    qts: s.qts,
                    date: s.date,
                    seq: s.seq,
                    channels: Vec::new(),
                }))
                .await;
        }
        self.set(LoginState::SignedIn {
            user_id: user.id,
            name: user_name(&user),
        });
        Ok(())
    }

    /// Refreshes the QR before it expires and finishes when Telegram says it was accepted.
    async fn qr_loop(&self) {
        let mut updates = self.0.account.subscribe();
        loop {
            let LoginState::Qr { expires, .. } = self.state() else {
                return;
            };
            let now = crate::telegram::unix_now();
            // Refresh a few seconds early; poll now and then in case the push is missed.
            let wait = u64::try_from(expires - now - 3).unwrap_or(0).clamp(1, 10);
            tokio::select! {
                u = updates.recv() => {
                    let accepted = u.is_ok_and(|b| b.updates.iter().any(|u| matches!(u, tl::enums::Update::LoginToken)));
                    if !accepted {
                        continue;
                    }
                }
                () = tokio::time::sleep(Duration::from_secs(wait)) => {}
            }
            if let Err(e) = self.export_qr().await {
                self.fail(e);
                return;
            }
        }
    }
}

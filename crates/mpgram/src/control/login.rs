//! `/v1/login/*`: the window's login screens over [`crate::telegram::login::Login`], and the way out of
//! them (API credentials, the demo world).
//!
//! `GET /v1/login` → `{"step":"idle"|"qr"|"code"|"password"|"done"|"failed","qr_svg","url","phone",
//! "hint","error","needs_credentials"}`; `POST /v1/login/qr`, `/phone {"phone"}`, `/code {"code"}`,
//! `/password {"password"}`, `/cancel` answer the same object, or `{"error":"<plain words>"}` with
//! 400 when Telegram refused the step. Each change is also a `login` event on `/v1/events`.
//! `POST /v1/login/credentials {"api_id","api_hash"}`, `POST /v1/login/demo`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::task::JoinHandle;

use crate::service::{Desk, Next};
use crate::telegram::login::{Login, LoginState};
use crate::telegram::{Account, ApiCredentials, StoredSession, TelegramError};

pub const LOGIN_EVENT: &str = "login";

/// A login in progress: the account it logs into and the task that follows its state.
pub struct Flow {
    /// Kept alive while the login runs (the watcher saves its session).
    _account: Account,
    login: Login,
    watcher: JoinHandle<()>,
    phone: Option<String>,
}

impl Flow {
    pub fn cancel(self) {
        self.login.cancel();
        self.watcher.abort();
    }
}

fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(220, 220)
            .quiet_zone(true)
            .build(),
    )
}

fn state_json(desk: &Desk, state: &LoginState, phone: Option<&str>) -> Value {
    let needs_credentials = needs_credentials(desk);
    let base = |step: &str| json!({"step": step, "needs_credentials": needs_credentials, "demo_available": true});
    let mut v = match state {
        LoginState::Idle => base("idle"),
        LoginState::Qr { url, .. } => {
            let mut v = base("qr");
            v["qr_svg"] = json!(qr_svg(url));
            v["url"] = json!(url);
            v
        }
        LoginState::CodeSent { phone } => {
            let mut v = base("code");
            v["phone"] = json!(phone);
            v
        }
        LoginState::PasswordNeeded { hint } => {
            let mut v = base("password");
            v["hint"] = json!(hint);
            v
        }
        LoginState::SignedIn { name, .. } => {
            let mut v = base("done");
            v["name"] = json!(name);
            v
        }
        LoginState::Failed { message } => {
            let mut v = base("failed");
            v["error"] = json!(message);
            v
        }
    };
    if v.get("phone").is_none() {
        v["phone"] = json!(phone);
    }
    v
}

fn needs_credentials(desk: &Desk) -> bool {
    desk.home().is_some_and(|h| {
        h.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .credentials()
            .is_none()
    })
}

fn current(desk: &Desk) -> Value {
    let guard = desk.login();
    match guard.as_ref() {
        Some(f) => state_json(desk, &f.login.state(), f.phone.as_deref()),
        None => state_json(desk, &LoginState::Idle, None),
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    super::error(status, message)
}

/// The running login, started on first use.
#[allow(
    clippy::result_large_err,
    reason = "the error is the answer itself, built once"
)]
fn flow(desk: &Desk) -> Result<Login, Response> {
    let Some(home) = desk.home() else {
        return Err(refuse(
            StatusCode::CONFLICT,
            "Already logged in. Log out first to use another account.",
        ));
    };
    let mut guard = desk.login();
    if let Some(f) = guard.as_ref() {
        return Ok(f.login.clone());
    }
    let creds = home
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .credentials()
        .ok_or_else(|| {
            refuse(
                StatusCode::CONFLICT,
                "Telegram API credentials are needed first (api_id and api_hash from my.telegram.org).",
            )
        })?;
    let start = desk.login_session().unwrap_or_else(StoredSession::fresh);
    let account = Account::start(start, creds);
    let login = Login::new(account.clone());
    let watcher = tokio::spawn(watch(desk.clone(), login.clone(), account.clone()));
    *guard = Some(Flow {
        _account: account,
        login: login.clone(),
        watcher,
        phone: None,
    });
    Ok(login)
}

/// Publishes every state change; once signed in, saves the login and moves on to serving it.
async fn watch(desk: Desk, login: Login, account: Account) {
    let mut rx = login.watch();
    loop {
        let state = rx.borrow_and_update().clone();
        let phone = desk.login().as_ref().and_then(|f| f.phone.clone());
        desk.control()
            .events()
            .publish(LOGIN_EVENT, &state_json(&desk, &state, phone.as_deref()));
        if let LoginState::SignedIn { .. } = state {
            let Some(home) = desk.home().map(Arc::clone) else {
                return;
            };
            let saved = tokio::task::spawn_blocking(move || {
                home.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .save_session(&account)
            })
            .await;
            match saved {
                Ok(Ok(())) => desk.request(Next::Account),
                Ok(Err(e)) => desk.control().update_status(|s| {
                    s.error = Some(format!("The login could not be saved: {e}"));
                }),
                Err(e) => tracing::error!("saving the login: {e}"),
            }
            return;
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

fn answer(result: Result<Value, TelegramError>) -> Response {
    match result {
        Ok(v) => super::json(StatusCode::OK, &v),
        Err(e) => refuse(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PhoneBody {
    phone: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CodeBody {
    code: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PasswordBody {
    password: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CredentialsBody {
    api_id: i32,
    api_hash: String,
}

async fn start_qr(State(desk): State<Desk>) -> Response {
    let login = match flow(&desk) {
        Ok(l) => l,
        Err(r) => return r,
    };
    match login.start_qr().await {
        Ok(_) => super::json(StatusCode::OK, &current(&desk)),
        Err(e) => refuse(StatusCode::BAD_REQUEST, &e.to_string()),
    }
}

async fn phone(State(desk): State<Desk>, body: Bytes) -> Response {
    let body: PhoneBody = match super::window::read_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let number = body.phone.trim().to_owned();
    if number.chars().filter(char::is_ascii_digit).count() < 5 {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Type the whole phone number, with the country code.",
        );
    }
    let login = match flow(&desk) {
        Ok(l) => l,
        Err(r) => return r,
    };
    if let Some(f) = desk.login().as_mut() {
        f.phone = Some(number.clone());
    }
    let r = login.send_code(&number).await.map(|()| current(&desk));
    answer(r)
}

async fn code(State(desk): State<Desk>, body: Bytes) -> Response {
    let body: CodeBody = match super::window::read_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let login = match flow(&desk) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let phone = desk.login().as_ref().and_then(|f| f.phone.clone());
    let r = login
        .sign_in(&body.code)
        .await
        .map(|s| state_json(&desk, &s, phone.as_deref()));
    answer(r)
}

async fn password(State(desk): State<Desk>, body: Bytes) -> Response {
    let body: PasswordBody = match super::window::read_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let login = match flow(&desk) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let r = login
        .check_password(&body.password)
        .await
        .map(|s| state_json(&desk, &s, None));
    answer(r)
}

async fn cancel(State(desk): State<Desk>) -> Response {
    if let Some(f) = desk.login().take() {
        f.cancel();
    }
    super::json(StatusCode::OK, &current(&desk))
}

async fn credentials(State(desk): State<Desk>, body: Bytes) -> Response {
    let body: CredentialsBody = match super::window::read_body(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let hash = body.api_hash.trim().to_owned();
    if body.api_id <= 0 || hash.len() != 32 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "That does not look right: api_id is a number and api_hash is 32 letters and digits.",
        );
    }
    let Some(home) = desk.home().map(Arc::clone) else {
        return refuse(StatusCode::CONFLICT, "Already logged in.");
    };
    let creds = ApiCredentials {
        api_id: body.api_id,
        api_hash: hash,
    };
    let saved = tokio::task::spawn_blocking(move || {
        home.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .set_credentials(&creds)
    })
    .await;
    match saved {
        Ok(Ok(())) => super::json(StatusCode::OK, &current(&desk)),
        Ok(Err(e)) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        Err(_) => refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Saving the credentials failed.",
        ),
    }
}

async fn demo(State(desk): State<Desk>) -> Response {
    desk.request(Next::Demo);
    super::json(StatusCode::OK, &json!({"ok": true}))
}

pub fn routes(desk: Desk) -> Router {
    Router::new()
        .route(
            "/v1/login",
            get(|State(desk): State<Desk>| async move {
                super::json(StatusCode::OK, &current(&desk))
            }),
        )
        .route("/v1/login/qr", post(start_qr))
        .route("/v1/login/phone", post(phone))
        .route("/v1/login/code", post(code))
        .route("/v1/login/password", post(password))
        .route("/v1/login/cancel", post(cancel))
        .route("/v1/login/credentials", post(credentials))
        .route("/v1/login/demo", post(demo))
        .with_state(desk)
}

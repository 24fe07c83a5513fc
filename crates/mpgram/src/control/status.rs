//! `GET /v1/status`: whether the core serves, for whom, and at which URL.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::ControlState;

/// What the core is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    Serving,
    NeedsLogin,
    Paused,
    Error,
}

/// The logged-in Telegram account, as the window shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountInfo {
    pub name: String,
    pub username: Option<String>,
    pub phone: Option<String>,
    /// The small profile picture as a `data:` URL (a few KiB), when the account has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
}

/// The `/v1/status` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub state: ServiceState,
    pub demo: bool,
    /// The instance URL phones type, `http://LAN-IP:PORT`.
    pub url: String,
    pub account: Option<AccountInfo>,
    pub version: String,
    /// Plain words when `state` is `error`.
    pub error: Option<String>,
    /// "Reach from mobile data": `None` while off.
    /// Boxed: it is large and mostly absent.
    pub reach: Option<Box<crate::reach::ReachStatus>>,
}

impl Status {
    /// Serving at `url` (trailing slash dropped), account not known yet.
    pub fn serving(url: &str, demo: bool) -> Self {
        Self {
            state: ServiceState::Serving,
            demo,
            url: url.trim_end_matches('/').to_owned(),
            account: None,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            error: None,
            reach: None,
        }
    }
}

pub(super) fn json(state: &ControlState) -> serde_json::Value {
    let mut v = serde_json::to_value(state.status()).unwrap_or_default();
    // Reach: the QR code of the address away from home, and when a request last came from
    // outside the home network (kept by the pairing core, read here so requests send no events).
    if let Some(reach) = v.get_mut("reach").and_then(|r| r.as_object_mut()) {
        let qr = reach
            .get("url")
            .and_then(|u| u.as_str())
            .and_then(super::pairing::qr_svg);
        reach.insert("qr_svg".into(), qr.into());
    }
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "last_outside_request".into(),
            state.pairing().pairing.last_outside_request().into(),
        );
    }
    v
}

pub(super) fn routes() -> Router<ControlState> {
    Router::new().route(
        "/v1/status",
        get(|State(state): State<ControlState>| async move {
            super::json(StatusCode::OK, &json(&state))
        }),
    )
}

/// The account fields from Telegram's `User`.
pub fn account_info(user: &grammers_tl_types::types::User) -> AccountInfo {
    let name = [user.first_name.as_deref(), user.last_name.as_deref()]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    AccountInfo {
        name,
        username: user.username.clone(),
        phone: user.phone.clone(),
        photo: None,
    }
}

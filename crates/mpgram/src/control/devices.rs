//! `/v1/devices`: paired devices and phones waiting for Allow/Deny; approve, deny, revoke, rename.
//! Also `guests`: phones logged in to their own Telegram accounts (login API), and
//! `POST /v1/guests/{id}/logout` to end one.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::ControlState;
use crate::pairing::{DeviceId, PairingError, APPROVAL_TIMEOUT};

/// The `/v1/devices` object.
pub(super) fn json(state: &ControlState) -> serde_json::Value {
    let p = &state.pairing().pairing;
    let now = p.unix_secs();
    let devices: Vec<_> = p
        .devices()
        .into_iter()
        .map(|d| {
            json!({
                "id": d.id.0,
                "name": d.name,
                "created": d.created_at,
                "last_seen": d.last_seen_at,
                "last_ip": d.last_ip.map(|ip| ip.to_string()),
                "app_version": d.app_version,
            })
        })
        .collect();
    let pending: Vec<_> = p
        .pending()
        .into_iter()
        .map(|w| {
            let waited = APPROVAL_TIMEOUT.saturating_sub(w.expires_in).as_secs();
            json!({
                "id": w.id.0,
                "name": w.name,
                "ip": w.ip.to_string(),
                "app": w.app_version,
                "number": format!("{:02}", w.number),
                "since": now.saturating_sub(waited),
            })
        })
        .collect();
    let guests: Vec<_> = state
        .pairing()
        .guests
        .list()
        .into_iter()
        .map(|(id, phone)| json!({ "id": id, "phone": phone }))
        .collect();
    json!({ "devices": devices, "pending": pending, "guests": guests })
}

#[derive(Debug, Default, Deserialize)]
struct RenameRequest {
    name: String,
}

pub(super) fn routes() -> Router<ControlState> {
    Router::new()
        .route(
            "/v1/devices",
            get(|State(state): State<ControlState>| async move {
                super::json(StatusCode::OK, &json(&state))
            }),
        )
        .route(
            "/v1/devices/{id}/approve",
            post(
                |State(s): State<ControlState>, Path(id): Path<String>| async move {
                    act(&s, &id, crate::pairing::Pairing::allow)
                },
            ),
        )
        .route(
            "/v1/devices/{id}/deny",
            post(
                |State(s): State<ControlState>, Path(id): Path<String>| async move {
                    act(&s, &id, crate::pairing::Pairing::deny)
                },
            ),
        )
        .route(
            "/v1/devices/{id}/revoke",
            post(
                |State(s): State<ControlState>, Path(id): Path<String>| async move {
                    act(&s, &id, crate::pairing::Pairing::revoke)
                },
            ),
        )
        .route("/v1/devices/{id}/rename", post(rename))
        .route(
            "/v1/guests/{id}/logout",
            post(
                |State(s): State<ControlState>, Path(id): Path<String>| async move {
                    let gone = match id.parse::<u64>() {
                        Ok(n) => {
                            s.pairing()
                                .guests
                                .log_out(n, std::time::Duration::from_secs(15))
                                .await
                        }
                        Err(_) => false,
                    };
                    if gone {
                        super::json(StatusCode::OK, &json(&s))
                    } else {
                        super::error(
                            StatusCode::NOT_FOUND,
                            &format!("No phone is logged in to its own account as {id}."),
                        )
                    }
                },
            ),
        )
}

/// Runs a device action; answers the new `/v1/devices` object, or 404/400 in plain words.
fn act(
    state: &ControlState,
    id: &str,
    f: impl FnOnce(&crate::pairing::Pairing, DeviceId) -> Result<(), PairingError>,
) -> Response {
    let Ok(n) = id.parse::<u32>() else {
        return super::error(StatusCode::NOT_FOUND, &format!("There is no device {id}."));
    };
    match f(&state.pairing().pairing, DeviceId(n)) {
        Ok(()) => super::json(StatusCode::OK, &json(state)),
        Err(e) => super::error(status_of(&e), &message(&e)),
    }
}

fn status_of(e: &PairingError) -> StatusCode {
    match e {
        PairingError::UnknownDevice(_) | PairingError::NoSuchRequest(_) => StatusCode::NOT_FOUND,
        PairingError::InvalidName => StatusCode::BAD_REQUEST,
    }
}

fn message(e: &PairingError) -> String {
    match e {
        PairingError::UnknownDevice(id) => format!("There is no paired device {id}."),
        PairingError::NoSuchRequest(id) => {
            format!("No pairing request {id} is waiting for approval (it may have timed out).")
        }
        PairingError::InvalidName => format!("{}.", capitalize(&e.to_string())),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

async fn rename(State(s): State<ControlState>, Path(id): Path<String>, body: Bytes) -> Response {
    let req: RenameRequest = match super::parse_body(&body) {
        Ok(r) => r,
        Err(e) => return super::error(StatusCode::BAD_REQUEST, &e),
    };
    act(&s, &id, |p, id| p.rename(id, &req.name))
}

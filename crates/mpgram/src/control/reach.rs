//! `GET/PUT /v1/reach`: "Reach from mobile data" of the running server (`mpgram serve|demo`, the
//! tray). `PUT {"on":true|false}` turns it on or off now (off removes the port mapping from the
//! router); the tray also keeps it in its settings. The state shows in `/v1/status` as `reach`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::ControlState;

#[derive(Debug, Default, Deserialize)]
struct Switch {
    on: bool,
}

fn json(state: &ControlState) -> serde_json::Value {
    let status = super::status::json(state);
    serde_json::json!({
        "available": state.reach().is_available(),
        "on": !status["reach"].is_null(),
        "reach": status["reach"],
        "last_outside_request": status["last_outside_request"],
    })
}

async fn put(State(state): State<ControlState>, body: Bytes) -> axum::response::Response {
    let switch: Switch = match super::parse_body(&body) {
        Ok(s) => s,
        Err(e) => return super::error(StatusCode::BAD_REQUEST, &e),
    };
    if !state.reach().set(switch.on).await {
        return super::error(
            StatusCode::CONFLICT,
            "Nothing is served yet, so there is no port to open on the router.",
        );
    }
    // The status follows through the pump; answer with what is known now.
    sync(&state);
    super::json(StatusCode::OK, &json(&state))
}

fn sync(state: &ControlState) {
    let now = state.reach().status().borrow().clone().map(Box::new);
    if state.status().reach != now {
        state.update_status(|s| s.reach = now);
    }
}

pub(super) fn routes() -> Router<ControlState> {
    Router::new().route(
        "/v1/reach",
        get(|State(state): State<ControlState>| async move {
            super::json(StatusCode::OK, &json(&state))
        })
        .put(put),
    )
}

/// Copies the reach switch's status into `/v1/status` (and the event stream) as it changes.
pub(super) async fn pump(state: ControlState) {
    let mut rx = state.reach().status();
    loop {
        let now = rx.borrow_and_update().clone().map(Box::new);
        // Phones away from home send the public address as `Host`: it must pass the Host check.
        let public = now
            .as_ref()
            .filter(|r| r.state == crate::reach::ReachState::Active)
            .and_then(|r| r.public_ip);
        state.pairing().pairing.set_public_address(public);
        if state.status().reach != now {
            state.update_status(|s| s.reach = now);
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

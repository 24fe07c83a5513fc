//! `/v1/pairing`: open and close pairing, the user code, its QR code, one-time import codes.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use super::ControlState;
use crate::pairing::{pair_url, WindowState};

/// `POST /v1/pairing/open` body.
#[derive(Debug, Deserialize)]
#[serde(default)]
struct OpenRequest {
    /// `false`: open without a pairing screen (phones then need Allow).
    window_visible: bool,
}

impl Default for OpenRequest {
    fn default() -> Self {
        Self {
            window_visible: true,
        }
    }
}

/// The `/v1/pairing` object. `user_code`, `pair_url` and `qr_svg` are `null` while pairing is
/// not open; `open_until` is `null` while a pairing screen shows (open until it closes).
pub(super) fn json(state: &ControlState) -> serde_json::Value {
    let p = &state.pairing().pairing;
    let status = p.status();
    let url = state.instance_url();
    let pair = status.user_code.as_deref().map(|c| pair_url(url, c));
    let qr_svg = pair.as_deref().and_then(qr_svg);
    let open_until = status
        .closes_in
        .map(|d| p.unix_secs() + d.as_secs_f64().ceil() as u64);
    json!({
        "open": status.state == WindowState::Open,
        "paused": status.state == WindowState::Paused,
        "user_code": status.user_code,
        "url": url,
        "pair_url": pair,
        "qr_svg": qr_svg,
        "open_until": open_until,
    })
}

/// The pairing QR code as an SVG picture for the window.
pub(super) fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

pub(super) fn routes() -> Router<ControlState> {
    Router::new()
        .route(
            "/v1/pairing",
            get(|State(state): State<ControlState>| async move {
                super::json(StatusCode::OK, &json(&state))
            }),
        )
        .route("/v1/pairing/open", post(open))
        .route(
            "/v1/pairing/close",
            post(|State(state): State<ControlState>| async move {
                state.pairing().pairing.close();
                super::json(StatusCode::OK, &json(&state))
            }),
        )
        .route(
            "/v1/pairing/import-code",
            post(|State(state): State<ControlState>| async move {
                let code = state.pairing().pairing.create_import_code();
                super::json(
                    StatusCode::OK,
                    &json!({ "code": code.code, "expires_at": code.expires_at }),
                )
            }),
        )
}

async fn open(State(state): State<ControlState>, body: Bytes) -> axum::response::Response {
    let req: OpenRequest = match super::parse_body(&body) {
        Ok(r) => r,
        Err(e) => return super::error(StatusCode::BAD_REQUEST, &e),
    };
    let p = &state.pairing().pairing;
    if req.window_visible {
        // A person looks at the pairing screen: open (lifting a pause), no Allow needed.
        p.open();
    } else {
        // Open (if it was not) and mark the screen as not shown, even if one was: from now on
        // phones need Allow, and pairing ends by itself after the grace period.
        p.keep_open();
        p.close();
    }
    super::json(StatusCode::OK, &json(&state))
}

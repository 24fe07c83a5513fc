//! The desktop app's lifecycle over the control API:
//! `POST /v1/window/open` (a second launch or the CLI asks for the window), `POST /v1/window/visible
//! {"visible":bool}` (the window process tells when it shows and closes), `POST /v1/logout`,
//! `POST /v1/open-data-folder`, `POST /v1/quit`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::service::{Desk, Next, ToFront};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Visible {
    visible: bool,
}

/// A JSON request body (empty: the defaults), or the 400 answer saying what is wrong with it.
#[allow(
    clippy::result_large_err,
    reason = "the error is the answer itself, built once"
)]
pub(super) fn read_body<T: serde::de::DeserializeOwned + Default>(
    body: &Bytes,
) -> Result<T, Response> {
    super::parse_body(body).map_err(|e| super::error(StatusCode::BAD_REQUEST, &e))
}

fn ok() -> Response {
    super::json(StatusCode::OK, &json!({"ok": true}))
}

async fn visible(State(desk): State<Desk>, body: Bytes) -> Response {
    let v: Visible = match super::window::read_body(&body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    desk.set_window_visible(v.visible);
    ok()
}

pub fn routes(desk: Desk) -> Router {
    Router::new()
        .route(
            "/v1/window/open",
            post(|State(desk): State<Desk>| async move {
                desk.tell_front(ToFront::OpenWindow);
                ok()
            }),
        )
        .route("/v1/window/visible", post(visible))
        .route(
            "/v1/logout",
            post(|State(desk): State<Desk>| async move {
                desk.request(Next::Logout);
                ok()
            }),
        )
        .route(
            "/v1/open-data-folder",
            post(|State(desk): State<Desk>| async move {
                desk.tell_front(ToFront::OpenFolder(desk.data_dir().to_owned()));
                ok()
            }),
        )
        .route(
            "/v1/quit",
            post(|State(desk): State<Desk>| async move {
                desk.request(Next::Quit);
                ok()
            }),
        )
        .with_state(desk)
}

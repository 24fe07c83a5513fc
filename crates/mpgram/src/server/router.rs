//! The one route table of the server, and the layers every request passes.
//!
//! ```text
//! request ─▶ strip the instance URL's path prefix (`/mp/api.php` → `/api.php`)
//!         ─▶ catch panics (the MPGram error object, HTTP 500)
//!         ─▶ paused? (503) ─▶ Host check (403: DNS rebinding)
//!         ─▶ the route table below
//! ```
//! No route calls another router: a guest's request is served by the same handlers, on the
//! guest's account, as the dispatch decides.

use std::any::Any;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::Ordering;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Response, StatusCode, Uri};
use axum::middleware::Next;
use axum::routing::{any, MethodRouter};
use axum::Router;
use tower::util::MapRequest;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;

use super::api_php::{self, error_response};
use super::http::ConnAddrs;
use super::media_routes::{self, Endpoint};
use super::web;
use super::AppState;
use crate::api::error::ApiError;
use crate::api::json::Encoding;
use crate::api::params::{Params, RequestInput};
use crate::pairing::{check_host, instance_url, PAGE_CONTENT_TYPE};

/// The whole HTTP surface as one service: the route table behind its layers.
pub type Edge = MapRequest<Router, fn(Request) -> Request>;

/// The routes, by the path below the instance URL's prefix.
pub fn router(state: AppState) -> Edge {
    let features = state.config().features;
    let media = |ep: Endpoint| -> MethodRouter<AppState> {
        any(move |State(s): State<AppState>, req: Request| media_routes::handle(s, ep, req))
    };
    let table = Router::new()
        .route("/api.php", api_php::route())
        .route("/file.php", media(Endpoint::File { named: false }))
        .route("/file/{*name}", media(Endpoint::File { named: true }))
        .route("/ava.php", media(Endpoint::Avatar))
        .route("/voice.php", media(Endpoint::Voice))
        .route("/qrcode.php", any(qrcode))
        .route("/pair", any(pair_page));
    // The browser client's pages: more routes of this one table.
    let table = web::routes(table)
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), gate))
        .layer(CatchPanicLayer::custom(move |_: Box<dyn Any + Send>| {
            error_response(
                &ApiError::Internal("internal error".into()),
                Encoding::ASCII,
                features,
            )
        }))
        .with_state(state);
    ServiceBuilder::new()
        .map_request(strip_prefix as fn(Request) -> Request)
        .service(table)
}

/// The instance URL may carry a path prefix (`http://pc:8080/mp/`): every endpoint is served
/// below any prefix, so the path is cut to the endpoint before routing. A browser page also
/// learns the directory it was asked under (its cookie's scope).
fn strip_prefix(mut req: Request) -> Request {
    let (path, dir) = endpoint_path(req.uri().path());
    if let Some(dir) = dir {
        req.extensions_mut().insert(web::WebDir(dir));
    }
    if let Some(path) = path {
        let pq = match req.uri().query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        let mut parts = req.uri().clone().into_parts();
        if let Ok(pq) = pq.parse() {
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    req
}

/// `/mp/api.php` → `/api.php`, `/x/file/a.jpg` → `/file/a.jpg`, `/mp/` → `/` and `/mp/chat` →
/// `/chat` (with `/mp/`, the pages' directory). The path is `None` when already bare, or no
/// endpoint of ours (the route table's 404).
fn endpoint_path(path: &str) -> (Option<String>, Option<String>) {
    let last = path.rsplit('/').next().unwrap_or("");
    // Already bare ("/" + the name): nothing to rewrite, nothing to allocate.
    let bare = path.len() == last.len() + 1;
    if matches!(
        last,
        "api.php" | "file.php" | "ava.php" | "voice.php" | "qrcode.php" | "pair"
    ) {
        return ((!bare).then(|| format!("/{last}")), None);
    }
    if let Some(i) = path.find("/file/") {
        return (
            (i > 0 && !path[i + 6..].is_empty()).then(|| path[i..].to_owned()),
            None,
        );
    }
    if last.is_empty() || web::PAGES.contains(&last) {
        let dir = path[..path.len() - last.len()].to_owned();
        return ((!bare).then(|| format!("/{last}")), Some(dir));
    }
    (None, None)
}

/// Pause, then the Host check (DNS rebinding: a web page must not reach the API through a
/// name it controls), on every path.
async fn gate(State(state): State<AppState>, req: Request, next: Next) -> Response<Body> {
    if state.config().paused.load(Ordering::SeqCst) {
        let mut r = Response::new(Body::from(
            r#"{"error":{"message":"MPGram Home is paused on the PC"}}"#,
        ));
        *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return r;
    }
    let p = state.pairing();
    let addrs = req.extensions().get::<ConnAddrs>().copied();
    // Reach from mobile data: the last request from outside the home network, for the status.
    p.pairing
        .note_caller(addrs.map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |a| a.peer.ip()));
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    if check_host(host, &p.local_ips, &p.host_names).is_err() {
        // Not one of this machine's names: the address the connection arrived on and the
        // router's public address (reach) name this instance too.
        let mut local = p.local_ips.clone();
        local.extend(addrs.and_then(|a| a.local).map(|l| l.ip()));
        local.extend(p.pairing.public_address());
        if let Err(e) = check_host(host, &local, &p.host_names) {
            return plain(
                StatusCode::FORBIDDEN,
                "text/plain; charset=utf-8",
                e.to_string(),
            );
        }
    }
    next.run(req).await
}

/// `qrcode.php`: the pairing's status pictures, else a QR code of `t`.
async fn qrcode(State(state): State<AppState>, req: Request) -> Response<Body> {
    state
        .qr()
        .serve(&state.pairing().pairing, req.uri().query().unwrap_or(""))
        .await
}

/// `/pair?c=`: the landing page a phone's camera opens from the pairing QR code.
async fn pair_page(State(state): State<AppState>, req: Request) -> Response<Body> {
    let addrs = req.extensions().get::<ConnAddrs>().copied();
    let ip = addrs.map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |a| a.peer.ip());
    let params = Params::parse(&RequestInput {
        query: req.uri().query().unwrap_or(""),
        ..RequestInput::default()
    });
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    let url = match (addrs.and_then(|a| a.local), host) {
        (Some(l), _) if !l.ip().is_unspecified() => instance_url(l.ip(), l.port()),
        (_, Some(h)) => format!("http://{h}/"),
        _ => "http://localhost/".to_owned(),
    };
    let page = state
        .pairing()
        .pairing
        .pair_page(ip, &url, params.non_empty("c"));
    plain(StatusCode::OK, PAGE_CONTENT_TYPE, page)
}

async fn not_found(State(state): State<AppState>) -> Response<Body> {
    let mut r = error_response(
        &ApiError::Message("Not found: this server answers api.php".into()),
        Encoding::ASCII,
        state.config().features,
    );
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

pub(super) fn plain(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Body>,
) -> Response<Body> {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::endpoint_path;

    #[test]
    fn endpoints_below_any_prefix() {
        let path = |p: &str| endpoint_path(p).0;
        assert_eq!(path("/mp/api.php").as_deref(), Some("/api.php"));
        assert_eq!(path("/a/b/ava.php").as_deref(), Some("/ava.php"));
        assert_eq!(path("/api.php"), None, "already bare");
        assert_eq!(
            path("/mp/file/photo.jpg").as_deref(),
            Some("/file/photo.jpg")
        );
        assert_eq!(path("/file/photo.jpg"), None);
        assert_eq!(path("/mp/file/"), None, "no name: not ours");
        assert_eq!(path("/mp/index.html"), None);
        assert_eq!(path("/mp/pair").as_deref(), Some("/pair"));
    }

    #[test]
    fn pages_below_any_prefix_know_their_directory() {
        assert_eq!(endpoint_path("/"), (None, Some("/".to_owned())));
        assert_eq!(
            endpoint_path("/mp/"),
            (Some("/".to_owned()), Some("/mp/".to_owned()))
        );
        assert_eq!(
            endpoint_path("/a/b/chat"),
            (Some("/chat".to_owned()), Some("/a/b/".to_owned()))
        );
        assert_eq!(endpoint_path("/chat"), (None, Some("/".to_owned())));
        assert_eq!(
            endpoint_path("/mp/api.php").1,
            None,
            "the API needs no directory"
        );
    }
}

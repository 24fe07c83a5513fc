//! The one route table of the server, and the layers every request passes.
//!
//! ```text
//! request ─▶ strip the instance URL's path prefix (`/mp/api.php` → `/api.php`)
//!         ─▶ paused? (503) ─▶ Host check (403: DNS rebinding)
//!         ─▶ `GET`/`POST /api.php`: its handler; anything else: the route table below
//! (a panic in any step: the MPGram error object, HTTP 500)
//! ```
//! No route calls another router: a guest's request is served by the same handlers, on the
//! guest's account, as the dispatch decides.

use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::body::HttpBody as _;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, Response, StatusCode, Uri};
use axum::routing::future::RouteFuture;
use axum::routing::{any, MethodRouter};
use axum::Router;
use tower::Service;

use super::api_php::{self, error_response};
use super::http::ConnAddrs;
use super::media_routes::{self, Endpoint};
use super::web;
use super::AppState;
use crate::api::error::ApiError;
use crate::api::headers::ServerFeatures;
use crate::api::json::Encoding;
use crate::api::params::{Params, RequestInput};
use crate::pairing::{check_host, instance_url, PAGE_CONTENT_TYPE};

/// The whole HTTP surface as one service: the route table behind the edge's steps (prefix,
/// pause, Host check, catch-panic). Written by hand rather than as tower layers: every request
/// passes here, and the layers cost a boxed service, a boxed future and a clone of the state
/// per request (issue 15).
#[derive(Clone)]
pub struct Edge {
    table: Router,
    state: AppState,
}

/// The routes, by the path below the instance URL's prefix.
pub fn router(state: AppState) -> Edge {
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
        .with_state(state.clone());
    Edge { table, state }
}

impl Service<Request> for Edge {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = EdgeFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // The route table is always ready (axum routers are).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> EdgeFuture {
        self.serve(req)
    }
}

impl Edge {
    /// [`Service::call`] without `&mut` (hyper's service functions are `Fn`).
    pub(crate) fn serve(&self, req: Request) -> EdgeFuture {
        let features = self.state.config().features;
        let head = req.method() == Method::HEAD;
        let step = catch_unwind(AssertUnwindSafe(|| {
            let req = strip_prefix(req);
            if let Some(refused) = gate(&self.state, &req) {
                return Step::Done(Some(refused));
            }
            // Nearly every request is an `api.php` call: straight to its handler, without the
            // route table's lookup, its boxed service clone and the extractor plumbing. Other
            // methods of HTTP (HEAD, OPTIONS, CONNECT) keep the table's handling.
            if req.uri().path() == "/api.php" && matches!(*req.method(), Method::GET | Method::POST)
            {
                return Step::Api(Box::pin(api_php::serve(self.state.clone(), req)));
            }
            // A router's clone is one reference count; its `call` wants `&mut`.
            Step::Route(self.table.clone().call(req))
        }));
        EdgeFuture {
            step: step.unwrap_or_else(|_| Step::Done(Some(panic_response(features)))),
            features,
            head,
        }
    }
}

/// The answer of [`Edge`]: the route's, or the edge's own (a refusal, a caught panic).
pub struct EdgeFuture {
    step: Step,
    features: ServerFeatures,
    /// A HEAD request: the edge's own answers lose their body (as the router's do).
    head: bool,
}

enum Step {
    Api(Pin<Box<dyn Future<Output = Response<Body>> + Send>>),
    Route(RouteFuture<Infallible>),
    Done(Option<Response<Body>>),
}

impl Future for EdgeFuture {
    type Output = Result<Response<Body>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let own = match &mut this.step {
            Step::Api(api) => match catch_unwind(AssertUnwindSafe(|| api.as_mut().poll(cx))) {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(r)) => r,
                Err(_) => panic_response(this.features),
            },
            Step::Route(route) => {
                // A panic anywhere below answers the MPGram error object (HTTP 500) instead of
                // dropping the connection.
                match catch_unwind(AssertUnwindSafe(|| Pin::new(route).poll(cx))) {
                    Ok(Poll::Pending) => return Poll::Pending,
                    // The router has finished its answer (`Content-Length`, HEAD).
                    Ok(Poll::Ready(Ok(r))) => {
                        this.step = Step::Done(None);
                        return Poll::Ready(Ok(r));
                    }
                    Ok(Poll::Ready(Err(never))) => match never {},
                    Err(_) => panic_response(this.features),
                }
            }
            Step::Done(answer) => answer
                .take()
                .unwrap_or_else(|| panic_response(this.features)),
        };
        this.step = Step::Done(None);
        Poll::Ready(Ok(finish(own, this.head)))
    }
}

/// The edge's own answer written as the router writes its answers: `Content-Length` from an
/// exact body size, and no body for HEAD (the bytes on the wire stay those of a routed answer).
fn finish(mut r: Response<Body>, head: bool) -> Response<Body> {
    if !r.headers().contains_key(header::CONTENT_LENGTH) {
        if let Some(size) = r.body().size_hint().exact() {
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, HeaderValue::from(size));
        }
    }
    if head {
        *r.body_mut() = Body::empty();
    }
    r
}

/// What a panicking request is answered.
fn panic_response(features: ServerFeatures) -> Response<Body> {
    error_response(
        &ApiError::Internal("internal error".into()),
        Encoding::ASCII,
        features,
    )
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
/// name it controls), on every path. `Some`: the refusal to answer instead of routing.
fn gate(state: &AppState, req: &Request) -> Option<Response<Body>> {
    if state.config().paused.load(Ordering::SeqCst) {
        let mut r = Response::new(Body::from(
            r#"{"error":{"message":"MPGram Home is paused on the PC"}}"#,
        ));
        *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        return Some(r);
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
            return Some(plain(
                StatusCode::FORBIDDEN,
                "text/plain; charset=utf-8",
                e.to_string(),
            ));
        }
    }
    None
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

//! `api.php`: the one request extractor and the handler.
//!
//! [`ApiRequest`] builds, once per request, what every method needs (`protocol.md` §4.1 steps
//! 1–7): the parameters (query, urlencoded or multipart, the body read once and bounded by who
//! asks), the method and version, the answer's encoding, and the [`Caller`] the token belongs
//! to. Its rejection is the MPGram error object with the spec's status (429 with `Retry-After`
//! for a throttled address). The handler passes the request to the one dispatch
//! ([`methods::dispatch`]) and writes the answer's bytes and headers.
//!
//! Every answer is the MPGram JSON (or the error object), with `Content-Length`: never an HTML
//! page, never a redirect, never a dropped connection. A panic anywhere below becomes the error
//! object too (the catch-panic layer of [`super::router`]).

use std::net::{IpAddr, Ipv4Addr};

use axum::body::Body;
use axum::extract::{FromRequest, Request, State};
use axum::http::header::AsHeaderName;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode};

use super::body::{read_params, BodyError, BodyLimits, Head};
use super::http::ConnAddrs;
use super::AppState;
use crate::api::auth::api_token;
use crate::api::error::ApiError;
use crate::api::headers::{self, json_headers, ServerFeatures};
use crate::api::json::Encoding;
use crate::api::methods::login::{self, throttled};
use crate::api::methods::{self, Caller, Reply};
use crate::api::params::{Params, RequestInput};
use crate::api::version::ApiVersion;
use crate::pairing::{Auth, DeviceInfo};

/// One `api.php` request, read.
pub struct ApiRequest {
    pub method: String,
    pub version: ApiVersion,
    pub params: Params,
    pub headers: HeaderMap,
    pub caller: Caller,
    /// The raw non-empty token (`X-mpgram-user`, else `user`).
    pub token: Option<String>,
    /// The phone's address (for pairing's throttle).
    pub ip: IpAddr,
    pub info: DeviceInfo,
    pub enc: Encoding,
    /// The pairing's device-list revision before this request (see
    /// [`persist_if_changed`]).
    pub devices_before: u64,
}

pub(super) fn header_str(h: &HeaderMap, name: impl AsHeaderName) -> Option<&str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// The request headers `api.php` reads, as parsed names: a lookup by `&str` parses and
/// lowercases the name again on every call.
mod names {
    use axum::http::HeaderName;

    pub static USER: HeaderName = HeaderName::from_static("x-mpgram-user");
    pub static INSTANCE_PASSWORD: HeaderName =
        HeaderName::from_static("x-mpgram-instance-password");
    pub static APP_VERSION: HeaderName = HeaderName::from_static("x-mpgram-app-version");
    pub static DEVICE: HeaderName = HeaderName::from_static("x-mpgram-device");
    pub static SYSTEM: HeaderName = HeaderName::from_static("x-mpgram-system");
    pub static UNICODE: HeaderName = HeaderName::from_static("x-mpgram-unicode");
    pub static KEEP_EMOJI: HeaderName = HeaderName::from_static("x-mpgram-keep-emoji");
}

/// The connection's peer address, loopback when the listener did not record one.
pub(super) fn peer_ip(req: &Request) -> IpAddr {
    req.extensions()
        .get::<ConnAddrs>()
        .map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |a| a.peer.ip())
}

/// What the phone says about itself, from the request headers (`client-j2me.md` §3.2).
fn device_info(h: &HeaderMap) -> DeviceInfo {
    let get = |n: &HeaderName| header_str(h, n).map(str::to_owned);
    DeviceInfo {
        model: get(&names::DEVICE),
        system: get(&names::SYSTEM),
        app_version: get(&names::APP_VERSION),
        user_agent: get(&header::USER_AGENT),
    }
}

/// Who `token` belongs to: a guest of the login API, else (when `ask_devices`) a paired device
/// through [`crate::pairing::Pairing::authenticate`] (last seen, throttling of wrong guesses).
pub(super) fn caller(
    state: &AppState,
    ip: IpAddr,
    token: Option<&str>,
    info: &DeviceInfo,
    ask_devices: bool,
) -> Result<Caller, ApiError> {
    let Some(token) = token else {
        return Ok(Caller::Anonymous);
    };
    let p = state.pairing();
    if let Some(guest) = p.guests.find(token) {
        return Ok(Caller::Guest(guest));
    }
    if !ask_devices {
        return Ok(Caller::Anonymous);
    }
    match p.pairing.authenticate(ip, token, info) {
        Auth::Device(id) => Ok(Caller::Device(id)),
        Auth::Unknown => Ok(Caller::Anonymous),
        Auth::Throttled(t) => Err(throttled(&t)),
    }
}

impl FromRequest<AppState> for ApiRequest {
    type Rejection = Response<Body>;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let features = state.config().features;
        let p = state.pairing();
        // Pairing and import-code redemption add a device; see `persist_if_changed`.
        let devices_before = p.pairing.revision();
        let ip = peer_ip(&req);
        let (parts, body) = req.into_parts();
        let h = &parts.headers;
        let info = device_info(h);
        // Who asks, from what arrived before the body: a known token may send an upload, anyone
        // else a few KiB (`body.rs`).
        let head = Head {
            query: parts.uri.query().unwrap_or(""),
            content_type: header_str(h, &header::CONTENT_TYPE),
            cookie: header_str(h, &header::COOKIE),
            is_post: parts.method == Method::POST,
        };
        let early = Params::parse(&RequestInput {
            query: head.query,
            cookie: head.cookie,
            ..RequestInput::default()
        });
        let params = if head.is_post {
            let early_token =
                api_token(header_str(h, &names::USER), &early).filter(|t| !t.is_empty());
            let known = early_token.is_some_and(|t| p.pairing.is_device(t) || p.guests.is_guest(t));
            // Boxed: a body reader is a large future, and GET requests (most) need none.
            match Box::pin(read_body(state, head, body, known)).await {
                Ok(params) => params,
                Err(e) => {
                    if let (Some(t), false) = (early_token, known) {
                        // A wrong token with a big body still counts as a wrong guess.
                        if let Auth::Throttled(t) = p.pairing.authenticate(ip, t, &info) {
                            return Err(error_response(&throttled(&t), Encoding::ASCII, features));
                        }
                    }
                    return Err(*e);
                }
            }
        } else {
            // Without a body the query and cookie are all the parameters there are.
            early
        };
        let enc = params.encoding(h.contains_key(&names::UNICODE));
        let token = api_token(header_str(h, &names::USER), &params)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        let parsed = params.method_and_version().map(|(m, v)| (m.to_owned(), v));
        // A pairing ticket is no device token: the login methods look tokens up themselves.
        let ask_devices = parsed
            .as_ref()
            .map_or(true, |(m, _)| !login::METHODS.contains(&m.as_str()));
        let caller = caller(state, ip, token.as_deref(), &info, ask_devices)
            .map_err(|e| error_response(&e, enc, features))?;
        let (method, version) = parsed.map_err(|e| error_response(&e, enc, features))?;
        Ok(Self {
            method,
            version,
            params,
            headers: parts.headers,
            caller,
            token,
            ip,
            info,
            enc,
            devices_before,
        })
    }
}

/// The request's parameters, its POST body read within the bounds for a caller that is `known`
/// (a paired device's or a guest's token arrived before the body) or not. `Err` is the answer.
async fn read_body(
    state: &AppState,
    head: Head<'_>,
    body: Body,
    known: bool,
) -> Result<Params, Box<Response<Body>>> {
    let config = state.config();
    let limits = BodyLimits::for_caller(config, known);
    read_params(head, body, limits).await.map_err(|e| {
        let answer = match e {
            // `methods-more.md` §1.6: the JSON error of an over-limit upload, never a 413 page.
            BodyError::TooLarge if known => ApiError::Message("File is too large".into()),
            // Without a token we know, only the small requests of pairing are read.
            BodyError::TooLarge => ApiError::InvalidAuthorization,
            // PHP's upload error codes (`methods-more.md` §4): 3 partial, 7 cannot write.
            BodyError::CutShort => ApiError::Message("File error: 3".into()),
            BodyError::TempFile(kind) => {
                tracing::warn!("cannot keep an upload in a temporary file: {kind:?}");
                ApiError::Message("File error: 7".into())
            }
        };
        let mut r = error_response(&answer, Encoding::ASCII, config.features);
        // The rest of the body was not read: the connection cannot carry another request.
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        Box::new(r)
    })
}

/// `api.php`: HEAD and OPTIONS get an empty 200; everything else is a call.
pub(super) fn route() -> axum::routing::MethodRouter<AppState> {
    axum::routing::on(
        axum::routing::MethodFilter::HEAD.or(axum::routing::MethodFilter::OPTIONS),
        || async { Response::new(Body::empty()) },
    )
    .fallback(handle)
}

/// An `api.php` call as the route table would answer it (`GET` and `POST`, from the edge's
/// shortcut): the request read, then [`handle`]; the edge finishes the answer as the table does.
pub(super) async fn serve(state: AppState, req: Request) -> Response<Body> {
    match ApiRequest::from_request(req, &state).await {
        Ok(req) => handle(State(state), req).await,
        Err(refused) => refused,
    }
}

async fn handle(State(state): State<AppState>, req: ApiRequest) -> Response<Body> {
    let features = state.config().features;
    let h = &req.headers;
    let call = methods::Request {
        method: &req.method,
        version: req.version,
        params: &req.params,
        caller: &req.caller,
        token: req.token.as_deref(),
        ip: req.ip,
        info: &req.info,
        keep_emoji: h.contains_key(&names::KEEP_EMOJI),
        unicode: h.contains_key(&names::UNICODE),
        password: header_str(h, &names::INSTANCE_PASSWORD),
    };
    let reply = methods::dispatch(&call, &state.instance()).await;
    persist_if_changed(&state, req.devices_before).await;
    respond(reply, req.enc, features)
}

/// A request that changed the device list (a `qrLogin` handing out a token, an import code
/// redeemed, a `logout`) is answered only once the vault holds the change: a crash right after
/// the answer must not leave the phone with a token the restarted server does not know.
async fn persist_if_changed(state: &AppState, devices_before: u64) {
    let pairing = &state.pairing().pairing;
    if pairing.revision() != devices_before {
        pairing.persisted().await;
    }
}

fn respond(
    reply: Result<Reply, ApiError>,
    enc: Encoding,
    features: ServerFeatures,
) -> Response<Body> {
    match reply {
        Ok(Reply::Json(obj)) => json_response(200, obj.to_vec(enc), features),
        Ok(Reply::Written(bytes)) => json_response(200, bytes, features),
        Ok(Reply::Empty) => {
            // `readMessages`: an empty body without the JSON headers, as the reference.
            let mut r = Response::new(Body::empty());
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=UTF-8"),
            );
            r
        }
        Ok(Reply::Stream(body)) => {
            // `updates.md` §8.4: spaces then the JSON, uncompressed, never buffered by a proxy.
            let mut r = Response::new(body);
            let h = r.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            h.insert("X-Accel-Buffering", HeaderValue::from_static("no"));
            r
        }
        Ok(Reply::Png(bytes)) => {
            let mut r = super::router::plain(StatusCode::OK, "image/png", bytes);
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(headers::PHP_NOCACHE_CACHE_CONTROL),
            );
            r
        }
        Ok(Reply::BrokenPicture) => super::router::plain(
            StatusCode::INTERNAL_SERVER_ERROR,
            "image/png",
            Body::empty(),
        ),
        Err(e) => {
            if e.status() >= 500 {
                tracing::info!(
                    status = e.status(),
                    "api error: {}",
                    e.to_string().chars().take(120).collect::<String>()
                );
            }
            error_response(&e, enc, features)
        }
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A JSON answer with every header of `protocol.md` §7.1 ([`json_headers`] is the list; the
/// names and the fixed values are parsed once, not on every answer).
pub(crate) fn json_response(
    status: u16,
    body: impl Into<Body>,
    features: ServerFeatures,
) -> Response<Body> {
    type Parsed = Vec<(HeaderName, Option<HeaderValue>)>;
    static PARSED: std::sync::OnceLock<[Parsed; 4]> = std::sync::OnceLock::new();
    let sets = PARSED.get_or_init(|| {
        let parse = |file_rewrite, voice_conversion| -> Parsed {
            let features = ServerFeatures {
                file_rewrite,
                voice_conversion,
            };
            json_headers(0, features)
                .into_iter()
                .filter_map(|(name, value)| {
                    let name = HeaderName::from_bytes(name.as_bytes()).ok()?;
                    // The time changes with every answer: filled in below.
                    let fixed = (name.as_str() != "x-server-time")
                        .then(|| HeaderValue::from_str(&value).ok())
                        .flatten();
                    Some((name, fixed))
                })
                .collect()
        };
        [
            parse(false, false),
            parse(true, false),
            parse(false, true),
            parse(true, true),
        ]
    });
    let set =
        &sets[usize::from(features.file_rewrite) + 2 * usize::from(features.voice_conversion)];
    let mut r = Response::new(body.into());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    // Room for these headers and the ones added later (`Content-Length`, `Retry-After`): the
    // map is allocated once instead of grown.
    *r.headers_mut() = HeaderMap::with_capacity(set.len() + 2);
    let h = r.headers_mut();
    for (name, value) in set {
        let value = value.clone().unwrap_or_else(server_time);
        h.insert(name.clone(), value);
    }
    r
}

/// `X-Server-Time`: the Unix time, written once a second per worker thread rather than for
/// every answer.
fn server_time() -> HeaderValue {
    thread_local! {
        static LAST: std::cell::RefCell<Option<(i64, HeaderValue)>> =
            const { std::cell::RefCell::new(None) };
    }
    let now = now_unix();
    LAST.with(|last| {
        let mut last = last.borrow_mut();
        match &*last {
            Some((at, v)) if *at == now => v.clone(),
            _ => {
                let v = HeaderValue::from(now);
                *last = Some((now, v.clone()));
                v
            }
        }
    })
}

pub(crate) fn error_response(
    e: &ApiError,
    enc: Encoding,
    features: ServerFeatures,
) -> Response<Body> {
    let mut r = json_response(e.status(), e.body(enc), features);
    if let Some(secs) = e.retry_after_secs() {
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::names;
    use crate::api::headers as h;

    #[test]
    fn parsed_names_are_the_protocol_headers() {
        for (parsed, spelled) in [
            (&names::USER, h::X_MPGRAM_USER),
            (&names::INSTANCE_PASSWORD, h::X_MPGRAM_INSTANCE_PASSWORD),
            (&names::APP_VERSION, h::X_MPGRAM_APP_VERSION),
            (&names::DEVICE, h::X_MPGRAM_DEVICE),
            (&names::SYSTEM, h::X_MPGRAM_SYSTEM),
            (&names::UNICODE, h::X_MPGRAM_UNICODE),
            (&names::KEEP_EMOJI, h::X_MPGRAM_KEEP_EMOJI),
        ] {
            assert!(parsed.as_str().eq_ignore_ascii_case(spelled), "{spelled}");
        }
    }
}

//! `api.php`: the request pipeline (`protocol.md` §4.1) and the answer's bytes and headers.
//!
//! Every answer is the MPGram JSON (or the error object), with `Content-Length`: never an HTML
//! page, never a redirect, never a dropped connection. A panic anywhere below becomes the error
//! object too (the catch-panic layer in [`routes`]).

use std::any::Any;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;

use super::body::{
    read_params as read_body_params, BodyError, BodyLimits, Head, ANONYMOUS_BODY_DEADLINE,
    ANONYMOUS_BODY_LIMIT,
};
use super::pairing_routes::DeviceAuth;
use super::AppState;
use crate::api::auth::{api_token, check_instance_password, require_token};
use crate::api::error::ApiError;
use crate::api::headers::{self, json_headers, ServerFeatures};
use crate::api::json::Encoding;
use crate::api::methods::{self, Call, Reply};
use crate::api::params::{Params, RequestInput};

pub(super) fn routes(state: AppState) -> Router {
    let features = state.config().features;
    Router::new()
        .fallback(handle)
        .with_state(state)
        .layer(CatchPanicLayer::custom(move |_: Box<dyn Any + Send>| {
            error_response(
                &ApiError::Internal("internal error".into()),
                Encoding::ASCII,
                features,
            )
        }))
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A JSON answer with every header of `protocol.md` §7.1.
pub(crate) fn json_response(
    status: u16,
    body: Vec<u8>,
    features: ServerFeatures,
) -> Response<Body> {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let h = r.headers_mut();
    for (name, value) in json_headers(now_unix(), features) {
        if let Ok(v) = HeaderValue::from_str(&value) {
            h.insert(name, v);
        }
    }
    r
}

pub(crate) fn error_response(
    e: &ApiError,
    enc: Encoding,
    features: ServerFeatures,
) -> Response<Body> {
    json_response(e.status(), e.body(enc), features)
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Where a front proxy or the pairing engineer's Host/DNS-rebinding check plugs in: `Err`
/// answers the error object before anything else runs. Allows everything for now.
#[allow(
    clippy::unnecessary_wraps,
    reason = "the hook's shape for the real check"
)]
fn host_check(_headers: &HeaderMap) -> Result<(), ApiError> {
    Ok(())
}

/// Parameters the pairing middleware already parsed, handed on in the request's extensions.
#[derive(Clone)]
pub(super) struct ParsedParams(pub std::sync::Arc<Params>);

async fn handle(State(state): State<AppState>, req: Request) -> Response<Body> {
    let features = state.config().features;
    let (parts, body) = req.into_parts();
    // The instance URL may carry a path prefix (`http://pc:8080/mp/`): serve `api.php` below any.
    let path = parts.uri.path();
    if !(path == "/api.php" || path.ends_with("/api.php")) {
        let mut r = error_response(
            &ApiError::Message("Not found: this server answers api.php".into()),
            Encoding::ASCII,
            features,
        );
        *r.status_mut() = StatusCode::NOT_FOUND;
        return r;
    }
    if parts.method == Method::HEAD || parts.method == Method::OPTIONS {
        return Response::new(Body::empty());
    }
    let h = &parts.headers;
    // The pairing middleware already read this request: reuse that (an upload is read once).
    let params = if let Some(p) = parts.extensions.get::<ParsedParams>() {
        std::sync::Arc::clone(&p.0)
    } else {
        let head = Head {
            query: parts.uri.query().unwrap_or(""),
            content_type: header_str(h, header::CONTENT_TYPE.as_str()),
            cookie: header_str(h, header::COOKIE.as_str()),
            is_post: parts.method == Method::POST,
        };
        let early = Params::parse(&RequestInput {
            query: head.query,
            cookie: head.cookie,
            ..RequestInput::default()
        });
        let known = require_token(api_token(header_str(h, headers::X_MPGRAM_USER), &early))
            .ok()
            .and_then(|t| state.devices().check(t))
            .is_some();
        match read_params(&state, head, body, known).await {
            Ok(p) => std::sync::Arc::new(p),
            Err(resp) => return *resp,
        }
    };
    let enc = params.encoding(h.contains_key(headers::X_MPGRAM_UNICODE));
    let auth = parts.extensions.get::<DeviceAuth>().copied();
    match pipeline(&state, h, &params, auth).await {
        Ok(Reply::Json(obj)) => json_response(200, obj.to_vec(enc), features),
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

/// Steps 3–9 of `protocol.md` §4.1, then the method.
async fn pipeline(
    state: &AppState,
    h: &HeaderMap,
    params: &Params,
    auth: Option<DeviceAuth>,
) -> Result<Reply, ApiError> {
    host_check(h)?;
    let (method, version) = params.method_and_version()?;
    check_instance_password(
        state.config().instance_password.as_deref(),
        header_str(h, headers::X_MPGRAM_INSTANCE_PASSWORD),
    )?;
    // With pairing, the middleware already asked the device table (pairing_routes); the
    // device number keys the update queue either way.
    let device: Option<u64> = match auth {
        Some(a) => a.0.map(|d| u64::from(d.0)),
        None => require_token(api_token(header_str(h, headers::X_MPGRAM_USER), params))
            .ok()
            .and_then(|t| state.devices().check(t))
            .map(|d| d.0),
    };
    let authorized = device.is_some();
    let call = Call {
        account: state.account(),
        params,
        version,
        keep_emoji: h.contains_key(headers::X_MPGRAM_KEEP_EMOJI),
        unicode: h.contains_key(headers::X_MPGRAM_UNICODE),
        authorized,
        device,
        state: state.methods(),
        telegram_timeout: state.config().telegram_timeout,
        voice_conversion: state.config().features.voice_conversion,
    };
    methods::dispatch(method, &call).await
}

/// The request's parameters, its POST body read within the bounds for a caller that is `known`
/// (a paired device's token arrived before the body) or not (`body.rs`). `Err` is the answer.
pub(super) async fn read_params(
    state: &AppState,
    head: Head<'_>,
    body: Body,
    known: bool,
) -> Result<Params, Box<Response<Body>>> {
    let config = state.config();
    let limits = BodyLimits {
        max: if known {
            config.max_body
        } else {
            ANONYMOUS_BODY_LIMIT
        },
        idle: config.body_idle_timeout,
        deadline: (!known).then(|| tokio::time::Instant::now() + ANONYMOUS_BODY_DEADLINE),
    };
    read_body_params(head, body, limits).await.map_err(|e| {
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

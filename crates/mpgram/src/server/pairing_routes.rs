//! Pairing on the wire: who may talk to this server, and how a phone gets in.
//!
//! A middleware in front of `api.php` (see [`wrap`]) that, when the server runs with a
//! [`Pairing`] ([`super::AppState::with_pairing`]):
//!
//! * refuses a foreign `Host` header with 403 on every path (DNS rebinding);
//! * serves `qrcode.php` (our status pictures, else a real QR code) and `/pair?c=` (landing page);
//! * answers the login methods the stock client calls (`initLogin`, `phoneLogin`,
//!   `getCaptchaImg`, `qrLogin`, …) with the pairing outcomes (`client-j2me.md` §6,
//!   `methods-core.md` §1);
//! * with the login API on, lets a phone log its own Telegram account in (`phoneLogin` with a
//!   real number, `completePhoneLogin`, `complete2faLogin`, `resendCode`) and sends every call
//!   carrying that guest's token to the guest's own server ([`Guests`]);
//! * authenticates every other call's token through [`Pairing::authenticate`] (429 with
//!   `Retry-After` when throttled) and hands the verdict to the `api.php` pipeline
//!   ([`DeviceAuth`]), which keeps the reference's order of checks (401 only from the method's
//!   "auth" step, only for an unknown or revoked token).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use axum::middleware::Next;
use axum::Router;

use super::api_php::{error_response, json_response};
use super::guests::{ClientInfo, Guest, Guests};
use super::AppState;
use crate::api::auth::{api_token, check_instance_password};
use crate::api::error::ApiError;
use crate::api::headers::{self, ServerFeatures};
use crate::api::json::{Encoding, Object, Value};
use crate::api::params::{Params, RequestInput};
use crate::api::version::MIN_LOGIN_VERSION;
use crate::pairing::{
    check_host, instance_url, Auth, DeviceId, DeviceInfo, Pairing, PollOutcome, SubmitOutcome,
    Throttled, PAGE_CONTENT_TYPE,
};
use crate::telegram::login::{Awaiting, LoginState};
use crate::telegram::TelegramError;
use tower::ServiceExt as _;

/// Pairing settings of a running server.
#[derive(Debug, Clone)]
pub struct PairingHttp {
    pub pairing: Pairing,
    /// The reference's login API (a phone logging a *new* Telegram account in through this
    /// server, `protocol.md` §5.5). Off by default: `completePhoneLogin`, `complete2faLogin` and
    /// `resendCode` then answer 403 `Login API is disabled`. The pairing path through
    /// `initLogin`/`phoneLogin`/`getCaptchaImg`/`qrLogin` works either way. On, `phoneLogin`
    /// with a real phone number (see [`is_real_phone`]) logs that number's account in as a
    /// guest ([`Guests`]).
    pub login_api: bool,
    /// Accounts phones logged in through the login API; each is served on its own.
    pub guests: Guests,
    /// Extra host names the person configured (a DNS name of this PC); this machine's addresses
    /// and `localhost` are always accepted.
    pub host_names: Vec<String>,
    /// This machine's addresses (filled by [`PairingHttp::new`]; the address a connection
    /// arrived on is accepted too).
    pub local_ips: Vec<IpAddr>,
    /// `qrcode.php`: bounded, cached, rendered off the async workers.
    pub qr: super::qrcode::QrPictures,
}

impl PairingHttp {
    pub fn new(pairing: Pairing) -> Self {
        let local_ips = local_ip_address::list_afinet_netifas()
            .map(|l| l.into_iter().map(|(_, ip)| ip).collect())
            .unwrap_or_default();
        pairing.set_local_addresses(Vec::clone(&local_ips)); // reach: who is outside
        Self {
            pairing,
            login_api: false,
            guests: Guests::default(),
            host_names: Vec::new(),
            local_ips,
            qr: super::qrcode::QrPictures::default(),
        }
    }
}

/// The connection's two ends, put on each request by [`super::http::run`].
#[derive(Debug, Clone, Copy)]
pub struct ConnAddrs {
    pub peer: SocketAddr,
    pub local: Option<SocketAddr>,
}

/// The device a request's token belongs to (`None`: no token, unknown or revoked), decided by
/// the middleware; read by the `api.php` pipeline's auth step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeviceAuth(pub Option<DeviceId>);

/// Puts the pairing middleware in front of `router`.
pub(super) fn wrap(router: Router, state: AppState) -> Router {
    router.layer(axum::middleware::from_fn_with_state(state, middleware))
}

fn header_str<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response<Body> {
    let Some(p) = state.pairing() else {
        return next.run(req).await;
    };
    let addrs = req.extensions().get::<ConnAddrs>().copied();
    let ip = addrs.map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |a| a.peer.ip());
    p.pairing.note_caller(ip); // reach: last request from outside, for the status
    let mut local = p.local_ips.clone();
    if let Some(l) = addrs.and_then(|a| a.local) {
        local.push(l.ip());
    }
    local.extend(p.pairing.public_address()); // reach: the router's public address is ours
    let host = header_str(req.headers(), header::HOST.as_str());
    if let Err(e) = check_host(host, &local, &p.host_names) {
        return plain(
            StatusCode::FORBIDDEN,
            "text/plain; charset=utf-8",
            e.to_string(),
        );
    }
    let path = req.uri().path().to_owned();
    if path == "/qrcode.php" || path.ends_with("/qrcode.php") {
        return p
            .qr
            .serve(&p.pairing, req.uri().query().unwrap_or(""))
            .await;
    }
    if path == "/pair" || path.ends_with("/pair") {
        let params = Params::parse(&RequestInput {
            query: req.uri().query().unwrap_or(""),
            content_type: None,
            body: &[],
            cookie: None,
        });
        let url = match (addrs.and_then(|a| a.local), host) {
            (Some(l), _) if !l.ip().is_unspecified() => instance_url(l.ip(), l.port()),
            (_, Some(h)) => format!("http://{h}/"),
            _ => "http://localhost/".to_owned(),
        };
        let page = p.pairing.pair_page(ip, &url, params.non_empty("c"));
        return plain(StatusCode::OK, PAGE_CONTENT_TYPE, page);
    }
    if path == "/api.php" || path.ends_with("/api.php") {
        return api(&state, p, ip, req, next).await;
    }
    // file.php, ava.php, voice.php, file/NAME with a guest's token: the guest's own server.
    if let Some(router) = media_token(&req).and_then(|t| p.guests.find(&t)?.router().cloned()) {
        return forward(router, req).await;
    }
    next.run(req).await
}

/// The token of a media request as `media.md` §0.2 reads it: `user` in the query, else the
/// cookie, else the header.
fn media_token(req: &Request) -> Option<String> {
    let h = req.headers();
    let query = Params::parse(&RequestInput {
        query: req.uri().query().unwrap_or(""),
        content_type: None,
        body: &[],
        cookie: None,
    });
    if let Some(u) = query.non_empty("user") {
        return Some(u.to_owned());
    }
    let cookie = Params::parse(&RequestInput {
        cookie: header_str(h, header::COOKIE.as_str()),
        ..RequestInput::default()
    });
    cookie
        .user()
        .filter(|u| !u.is_empty())
        .or_else(|| header_str(h, headers::X_MPGRAM_USER).filter(|u| !u.is_empty()))
        .map(str::to_owned)
}

async fn forward(router: Router, req: Request) -> Response<Body> {
    match router.oneshot(req).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

fn plain(status: StatusCode, content_type: &str, body: impl Into<Body>) -> Response<Body> {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    r
}

fn png(bytes: Vec<u8>, no_store: bool) -> Response<Body> {
    let mut r = plain(StatusCode::OK, "image/png", bytes);
    if no_store {
        r.headers_mut().insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(headers::PHP_NOCACHE_CACHE_CONTROL),
        );
    }
    r
}

fn device_info(h: &HeaderMap) -> DeviceInfo {
    let get = |n: &str| header_str(h, n).map(str::to_owned);
    DeviceInfo {
        model: get(headers::X_MPGRAM_DEVICE),
        system: get(headers::X_MPGRAM_SYSTEM),
        app_version: get(headers::X_MPGRAM_APP_VERSION),
        user_agent: get(header::USER_AGENT.as_str()),
    }
}

/// 429 with `Retry-After` and the plain-words message.
fn throttled(t: &Throttled, enc: Encoding, features: ServerFeatures) -> Response<Body> {
    let mut r = json_response(429, ApiError::Message(t.message()).body(enc), features);
    if let Ok(v) = HeaderValue::from_str(&t.retry_after_secs().to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

enum Answer {
    Json(Object),
    Png(Vec<u8>),
    Error(ApiError),
    Throttled(Throttled),
    /// Rendering failed: 500, empty body.
    Broken,
}

async fn api(
    state: &AppState,
    p: &PairingHttp,
    ip: IpAddr,
    req: Request,
    next: Next,
) -> Response<Body> {
    let features = state.config().features;
    // Pairing and import-code redemption add a device here; see `persist_if_changed`.
    let devices_before = p.pairing.revision();
    let (mut parts, body) = req.into_parts();
    // Who asks, from what arrived before the body: a known token may send an upload, anyone
    // else a few KiB (`body.rs`). The full check (last seen, throttling) comes below.
    let head = super::body::Head {
        query: parts.uri.query().unwrap_or(""),
        content_type: header_str(&parts.headers, header::CONTENT_TYPE.as_str()),
        cookie: header_str(&parts.headers, header::COOKIE.as_str()),
        is_post: parts.method == axum::http::Method::POST,
    };
    let early = Params::parse(&RequestInput {
        query: head.query,
        cookie: head.cookie,
        ..RequestInput::default()
    });
    let early_token = api_token(header_str(&parts.headers, headers::X_MPGRAM_USER), &early)
        .filter(|t| !t.is_empty());
    let known = early_token.is_some_and(|t| p.pairing.is_device(t) || p.guests.find(t).is_some());
    let params = match super::api_php::read_params(state, head, body, known).await {
        Ok(params) => params,
        Err(e) => {
            if let (Some(t), false) = (early_token, known) {
                // A wrong token with a big body still counts as a wrong guess.
                if let Auth::Throttled(t) =
                    p.pairing.authenticate(ip, t, &device_info(&parts.headers))
                {
                    return throttled(&t, Encoding::ASCII, features);
                }
            }
            return *e;
        }
    };
    let h = &parts.headers;
    let enc = params.encoding(h.contains_key(headers::X_MPGRAM_UNICODE));
    let info = device_info(h);
    let token = api_token(header_str(h, headers::X_MPGRAM_USER), &params).filter(|t| !t.is_empty());
    let answer = match params.method_and_version() {
        // The pipeline answers malformed requests exactly as without pairing.
        Err(_) => None,
        Ok((method, version)) => {
            match guest_call(
                state,
                p,
                ip,
                h,
                &params,
                &info,
                token,
                method,
                version.get(),
            )
            .await
            {
                GuestCall::Answer(a) => Some(a),
                GuestCall::Forward(router) => {
                    parts
                        .extensions
                        .insert(super::api_php::ParsedParams(std::sync::Arc::new(params)));
                    return forward(router, Request::from_parts(parts, Body::empty())).await;
                }
                GuestCall::NotGuest => login_method(
                    p,
                    state.config().instance_password.as_deref(),
                    ip,
                    h,
                    &params,
                    &info,
                    token,
                    method,
                    version.get(),
                ),
            }
        }
    };
    if let Some(answer) = answer {
        persist_if_changed(p, devices_before).await;
        return match answer {
            Answer::Json(o) => json_response(200, o.to_vec(enc), features),
            Answer::Png(b) => png(b, true),
            Answer::Error(e) => error_response(&e, enc, features),
            Answer::Throttled(t) => throttled(&t, enc, features),
            Answer::Broken => plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "image/png",
                Body::empty(),
            ),
        };
    }
    let auth = match token {
        None => DeviceAuth(None),
        Some(t) => match p.pairing.authenticate(ip, t, &info) {
            Auth::Device(id) => DeviceAuth(Some(id)),
            Auth::Unknown => DeviceAuth(None),
            Auth::Throttled(t) => return throttled(&t, enc, features),
        },
    };
    parts.extensions.insert(auth);
    persist_if_changed(p, devices_before).await;
    // api.php reuses these parameters instead of reading the body (an upload) a second time.
    parts
        .extensions
        .insert(super::api_php::ParsedParams(std::sync::Arc::new(params)));
    next.run(Request::from_parts(parts, Body::empty())).await
}

/// A request that changed the device list (a `qrLogin` handing out a token, an import code
/// redeemed, a `logout`) is answered only once the vault holds the change: a crash right after
/// the answer must not leave the phone with a token the restarted server does not know.
async fn persist_if_changed(p: &PairingHttp, devices_before: u64) {
    if p.pairing.revision() != devices_before {
        p.pairing.persisted().await;
    }
}

/// The login methods (`methods-core.md` §1) with their pairing meaning; `None`: not one of them.
#[allow(clippy::too_many_arguments)]
fn login_method(
    p: &PairingHttp,
    instance_password: Option<&str>,
    ip: IpAddr,
    h: &HeaderMap,
    params: &Params,
    info: &DeviceInfo,
    token: Option<&str>,
    method: &str,
    version: u8,
) -> Option<Answer> {
    let is_login = matches!(
        method,
        "initLogin"
            | "phoneLogin"
            | "qrLogin"
            | "completePhoneLogin"
            | "complete2faLogin"
            | "resendCode"
    );
    if !is_login
        && !matches!(
            method,
            "getCaptchaImg" | "completeSignup" | "checkAuth" | "logout"
        )
    {
        return None;
    }
    if method == "initLogin" && params.user().is_some_and(|u| !u.is_empty()) {
        return Some(Answer::Error(ApiError::Message("Authorized".into())));
    }
    if is_login && version < MIN_LOGIN_VERSION {
        return Some(Answer::Error(ApiError::LoginUnsupportedVersion));
    }
    // protocol.md §5.4: the same two messages and 403; we check it on every method.
    if let Err(e) = check_instance_password(
        instance_password,
        header_str(h, headers::X_MPGRAM_INSTANCE_PASSWORD),
    ) {
        return Some(Answer::Error(e));
    }
    Some(match method {
        "initLogin" | "phoneLogin" => start_login(p, ip, params, info),
        "getCaptchaImg" => match params.non_empty("captcha_id") {
            None => Answer::Error(ApiError::MissingParam("captcha_id".into())),
            Some(id) => match p.pairing.captcha_picture(ip, id) {
                Ok(b) => Answer::Png(b),
                Err(e) => {
                    tracing::warn!("captcha picture failed: {e}");
                    Answer::Broken
                }
            },
        },
        "qrLogin" => qr_login(p, ip, info, token),
        "completePhoneLogin" | "complete2faLogin" | "resendCode" => {
            if p.login_api {
                // Not a guest's token (guest_call answers those): a paired device or nobody.
                // Parameters first where the reference checks them first (methods-core §1.7–1.10).
                let missing = match method {
                    "complete2faLogin" => {
                        params.non_empty("password").is_none().then_some("password")
                    }
                    "resendCode" => ["phone", "hash"]
                        .into_iter()
                        .find(|n| params.non_empty(n).is_none()),
                    _ => None,
                };
                if let Some(name) = missing {
                    return Some(Answer::Error(ApiError::MissingParam(name.into())));
                }
                match device(p, ip, info, token) {
                    Ok(_) if method == "complete2faLogin" => {
                        Answer::Error(ApiError::Message(NOT_WAITING_PASSWORD.into()))
                    }
                    Ok(_) => Answer::Error(ApiError::Message(NOT_WAITING_CODE.into())),
                    Err(a) => a,
                }
            } else {
                Answer::Error(ApiError::LoginDisabled)
            }
        }
        "completeSignup" => Answer::Json(Object::new().with("res", 0)),
        "checkAuth" => match device(p, ip, info, token) {
            Ok(_) => Answer::Json(Object::new().with("res", "1")),
            Err(a) => a,
        },
        // "logout": unpair this device only; the PC's Telegram session stays (methods-core §1.13).
        _ => match device(p, ip, info, token) {
            Ok(id) => {
                if let Err(e) = p.pairing.revoke(id) {
                    tracing::debug!("logout: {e}");
                }
                Answer::Json(Object::new().with("res", "1"))
            }
            Err(a) => a,
        },
    })
}

const NOT_WAITING_CODE: &str =
    "I'm not waiting for the code! Please call the phoneLogin method first";
const NOT_WAITING_PASSWORD: &str = "I'm not waiting for the password! Please call the phoneLogin and the completePhoneLogin methods first!";

/// Whether `phone` is a number to log in rather than the filler a pairing phone types into the
/// client's phone box (which wants ≥ 10 characters or a leading `+`; `+0` is the usual filler).
/// International numbers have at least 7 digits and never start with 0 (no country code does).
pub fn is_real_phone(phone: &str) -> bool {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    digits.len() >= 7 && !digits.starts_with('0')
}

/// What the guest layer made of an `api.php` call.
enum GuestCall {
    Answer(Answer),
    /// A signed-in guest's ordinary call: its own server answers.
    Forward(Router),
    /// Neither a guest's token nor a guest login: the pairing meaning.
    NotGuest,
}

/// The Telegram error name the reference reports (`FLOOD_WAIT_60`, `PHONE_NUMBER_BANNED`), or
/// our sentence when there is none (network trouble).
fn reason(e: &TelegramError) -> String {
    e.rpc_parts()
        .map_or_else(|| e.to_string(), |(_, name)| name)
}

/// A login step against Telegram, bounded like every other Telegram call of the server: `Err` is
/// the answer when Telegram took too long; Telegram's own errors are left to the caller.
async fn timed<T>(
    state: &AppState,
    f: impl std::future::Future<Output = Result<T, TelegramError>>,
) -> Result<Result<T, TelegramError>, Answer> {
    tokio::time::timeout(state.config().telegram_timeout, f)
        .await
        .map_err(|_| {
            Answer::Error(ApiError::Unavailable(
                "Telegram did not answer in time. Try again.".into(),
            ))
        })
}

/// [`timed`], with Telegram's errors answered by name.
async fn bounded<T>(
    state: &AppState,
    f: impl std::future::Future<Output = Result<T, TelegramError>>,
) -> Result<T, Answer> {
    timed(state, f)
        .await?
        .map_err(|e| Answer::Error(ApiError::Message(reason(&e))))
}

/// The login API for phones logging their own account in (`methods-core.md` §1.4, §1.7–1.10,
/// §1.13), and the hand-over of a signed-in guest's calls to its own server.
#[allow(clippy::too_many_arguments)]
async fn guest_call(
    state: &AppState,
    p: &PairingHttp,
    ip: IpAddr,
    h: &HeaderMap,
    params: &Params,
    info: &DeviceInfo,
    token: Option<&str>,
    method: &str,
    version: u8,
) -> GuestCall {
    let starts_login = p.login_api
        && p.guests.is_configured()
        && (method == "phoneLogin"
            || (method == "initLogin"
                && params.non_empty("qr").is_none()
                && params.user().is_none_or(str::is_empty)))
        && params.get("captcha_id").is_some()
        && params.get("captcha_key").is_some()
        && params.non_empty("phone").is_some_and(is_real_phone);
    let guest = token.and_then(|t| p.guests.find(t));
    if !starts_login && guest.is_none() {
        return GuestCall::NotGuest;
    }
    let is_login = matches!(
        method,
        "initLogin"
            | "phoneLogin"
            | "qrLogin"
            | "completePhoneLogin"
            | "complete2faLogin"
            | "resendCode"
    );
    let own = matches!(
        method,
        "qrLogin"
            | "completePhoneLogin"
            | "complete2faLogin"
            | "resendCode"
            | "checkAuth"
            | "logout"
    );
    let Some(guest) = guest.filter(|_| !starts_login) else {
        if !starts_login {
            return GuestCall::NotGuest;
        }
        if version < MIN_LOGIN_VERSION {
            return GuestCall::Answer(Answer::Error(ApiError::LoginUnsupportedVersion));
        }
        if let Err(e) = check_instance_password(
            state.config().instance_password.as_deref(),
            header_str(h, headers::X_MPGRAM_INSTANCE_PASSWORD),
        ) {
            return GuestCall::Answer(Answer::Error(e));
        }
        return GuestCall::Answer(start_guest_login(state, p, ip, params, info).await);
    };
    if !own {
        // The captcha/start methods need no token; an ordinary call goes to the guest's server.
        if matches!(
            method,
            "initLogin" | "phoneLogin" | "getCaptchaImg" | "completeSignup"
        ) {
            return GuestCall::NotGuest;
        }
        return match guest.router() {
            Some(r) => GuestCall::Forward(r.clone()),
            // Still logging in: the token serves nothing yet (401, as a token that is no device:
            // this server's 503 "Could not get user info" means a passing PC-side problem).
            None => GuestCall::Answer(Answer::Error(ApiError::InvalidAuthorization)),
        };
    }
    if is_login && version < MIN_LOGIN_VERSION {
        return GuestCall::Answer(Answer::Error(ApiError::LoginUnsupportedVersion));
    }
    if let Err(e) = check_instance_password(
        state.config().instance_password.as_deref(),
        header_str(h, headers::X_MPGRAM_INSTANCE_PASSWORD),
    ) {
        return GuestCall::Answer(Answer::Error(e));
    }
    // The setting was switched off while this guest was logging in: the login methods stop;
    // a signed-in guest keeps working until the next restart (its API is not a login method).
    if is_login && !p.login_api {
        return GuestCall::Answer(Answer::Error(ApiError::LoginDisabled));
    }
    GuestCall::Answer(match method {
        "completePhoneLogin" => complete_phone_login(state, p, &guest, params).await,
        "complete2faLogin" => complete_2fa_login(state, p, &guest, params).await,
        "resendCode" => resend_code(state, &guest, params).await,
        "qrLogin" => match (guest.router(), guest.login.awaiting()) {
            (Some(_), _) => Answer::Json(
                Object::new()
                    .with("res", 1)
                    .with("phone_code_hash", Value::Null),
            ),
            (None, Awaiting::Password) => Answer::Json(
                Object::new()
                    .with("res", "password")
                    .with("phone_code_hash", Value::Null),
            ),
            (None, _) => {
                Answer::Error(ApiError::Message("Type the code Telegram sent you.".into()))
            }
        },
        "checkAuth" => Answer::Json(Object::new().with("res", "1")),
        // "logout", with or without `s`: the guest's Telegram login ends (a local-only logout
        // would leave an authorization nobody can reach again) and the token is forgotten.
        _ => {
            p.guests
                .log_out(guest.id, state.config().telegram_timeout)
                .await;
            Answer::Json(Object::new().with("res", "1"))
        }
    })
}

/// `phoneLogin` (or `initLogin` without `qr`) with a real number: the captcha box holds the
/// user code shown on the PC (the owner's consent), then Telegram sends the login code.
async fn start_guest_login(
    state: &AppState,
    p: &PairingHttp,
    ip: IpAddr,
    params: &Params,
    info: &DeviceInfo,
) -> Answer {
    let (Some(id), Some(key), Some(phone)) = (
        params.get("captcha_id"),
        params.get("captcha_key"),
        params.non_empty("phone"),
    ) else {
        return Answer::Error(ApiError::MissingParam("phone".into()));
    };
    if let Err(o) = p.pairing.check_login_code(ip, id, key) {
        return captcha_failure(o);
    }
    let Some((token, guest)) = p.guests.start(phone, ClientInfo::from_device(info)) else {
        return Answer::Error(ApiError::FailedToLoadSession);
    };
    let with_user = || Object::new().with("user", token.as_str());
    let sent = tokio::time::timeout(
        state.config().telegram_timeout,
        guest.login.send_code(phone),
    )
    .await
    .unwrap_or(Err(TelegramError::Network));
    match sent {
        Ok(()) => Answer::Json(
            with_user()
                .with("res", "code_sent")
                .with("phone_code_hash", guest.code_handle.as_str()),
        ),
        Err(e) => {
            // The token is answered (the reference issues one even here) but serves nothing.
            p.guests.forget(guest.id);
            match e {
                TelegramError::InvalidPhone => {
                    Answer::Json(with_user().with("res", "phone_number_invalid"))
                }
                e => Answer::Json(
                    with_user()
                        .with("res", "exception")
                        .with("message", reason(&e)),
                ),
            }
        }
    }
}

/// `completePhoneLogin&code=` (`methods-core.md` §1.7). A wrong code keeps the login waiting for
/// a code; after an expired one `resendCode` makes it wait again.
async fn complete_phone_login(
    state: &AppState,
    p: &PairingHttp,
    guest: &Guest,
    params: &Params,
) -> Answer {
    let Some(code) = params.non_empty("code") else {
        return Answer::Error(ApiError::MissingParam("code".into()));
    };
    if guest.router().is_some() || guest.login.awaiting() != Awaiting::Code {
        return Answer::Error(ApiError::Message(NOT_WAITING_CODE.into()));
    }
    let null_hash = |res: Value| {
        Answer::Json(
            Object::new()
                .with("res", res)
                .with("phone_code_hash", Value::Null),
        )
    };
    match timed(state, guest.login.sign_in(code)).await {
        Ok(Ok(LoginState::SignedIn { .. })) => {
            p.guests.serve(guest.id, state.config());
            null_hash(Value::from(1))
        }
        Ok(Ok(LoginState::PasswordNeeded { .. })) => null_hash(Value::from("password")),
        Ok(Ok(_)) => Answer::Error(ApiError::Message(NOT_WAITING_CODE.into())),
        Ok(Err(TelegramError::WrongCode)) => {
            Answer::Json(Object::new().with("res", "phone_code_invalid"))
        }
        Ok(Err(TelegramError::CodeExpired)) => {
            Answer::Json(Object::new().with("res", "phone_code_expired"))
        }
        // grammers reports "sign up required" / PHONE_NUMBER_UNOCCUPIED this way at this step.
        Ok(Err(TelegramError::InvalidPhone)) => null_hash(Value::from("need_signup")),
        Ok(Err(TelegramError::Rpc { name, .. })) if name == "AUTH_RESTART" => {
            Answer::Json(Object::new().with("res", "auth_restart"))
        }
        Ok(Err(e)) => Answer::Error(ApiError::Message(reason(&e))),
        Err(too_slow) => too_slow,
    }
}

/// `complete2faLogin&password=` (`methods-core.md` §1.9): SRP through grammers.
async fn complete_2fa_login(
    state: &AppState,
    p: &PairingHttp,
    guest: &Guest,
    params: &Params,
) -> Answer {
    let Some(password) = params.non_empty("password") else {
        return Answer::Error(ApiError::MissingParam("password".into()));
    };
    if guest.router().is_some() || guest.login.awaiting() != Awaiting::Password {
        return Answer::Error(ApiError::Message(NOT_WAITING_PASSWORD.into()));
    }
    match timed(state, guest.login.check_password(password)).await {
        Ok(Ok(LoginState::SignedIn { .. })) => {
            p.guests.serve(guest.id, state.config());
            Answer::Json(Object::new().with("res", 1))
        }
        Ok(Ok(_)) => Answer::Error(ApiError::Message(NOT_WAITING_PASSWORD.into())),
        Ok(Err(TelegramError::WrongPassword(_))) => {
            Answer::Json(Object::new().with("res", "password_hash_invalid"))
        }
        Ok(Err(e)) => Answer::Error(ApiError::Message(reason(&e))),
        Err(too_slow) => too_slow,
    }
}

/// `resendCode&phone=&hash=` (`methods-core.md` §1.10): a new code for the number of this login
/// (the parameters are required as in the reference, the login's own number is used), and the
/// login waits for a code again. Failures are the reference's 500.
async fn resend_code(state: &AppState, guest: &Guest, params: &Params) -> Answer {
    if let Some(name) = ["phone", "hash"]
        .into_iter()
        .find(|n| params.non_empty(n).is_none())
    {
        return Answer::Error(ApiError::MissingParam(name.into()));
    }
    if guest.router().is_some() {
        return Answer::Error(ApiError::Message(NOT_WAITING_CODE.into()));
    }
    match bounded(state, guest.login.resend_code()).await {
        Ok(()) => Answer::Json(Object::new().with("res", 1)),
        Err(Answer::Error(ApiError::Message(m))) => Answer::Error(ApiError::Internal(m)),
        Err(a) => a,
    }
}

fn device(
    p: &PairingHttp,
    ip: IpAddr,
    info: &DeviceInfo,
    token: Option<&str>,
) -> Result<DeviceId, Answer> {
    let Some(token) = token else {
        return Err(Answer::Error(ApiError::InvalidAuthorization));
    };
    match p.pairing.authenticate(ip, token, info) {
        Auth::Device(id) => Ok(id),
        Auth::Unknown => Err(Answer::Error(ApiError::InvalidAuthorization)),
        Auth::Throttled(t) => Err(Answer::Throttled(t)),
    }
}

/// `initLogin&qr=1` / `phoneLogin`: a captcha first, then the user code typed into its box.
fn start_login(p: &PairingHttp, ip: IpAddr, params: &Params, info: &DeviceInfo) -> Answer {
    let (Some(id), Some(key)) = (params.get("captcha_id"), params.get("captcha_key")) else {
        let captcha_id = p.pairing.begin_login(ip);
        return Answer::Json(
            Object::new()
                .with("res", "need_captcha")
                .with("captcha_id", captcha_id),
        );
    };
    let qr = params.non_empty("qr").is_some();
    if !qr && params.non_empty("phone").is_none() {
        return Answer::Error(ApiError::MissingParam("phone".into()));
    }
    match p.pairing.submit_code(ip, id, key, info) {
        SubmitOutcome::Accepted { ticket, text, .. } => Answer::Json(
            Object::new()
                .with("user", ticket.as_str())
                .with("res", "qr")
                .with("text", text),
        ),
        o => captcha_failure(o),
    }
}

/// The answer to a refused captcha step (every `res` contains `captcha`: the client reloads).
fn captcha_failure(o: SubmitOutcome) -> Answer {
    let res = o.res();
    match o {
        SubmitOutcome::WrongCode { captcha_id }
        | SubmitOutcome::Closed { captcha_id }
        | SubmitOutcome::CaptchaExpired { captcha_id } => Answer::Json(
            Object::new()
                .with("res", res)
                .with("captcha_id", captcha_id),
        ),
        SubmitOutcome::Throttled(t) => Answer::Throttled(t),
        SubmitOutcome::Accepted { .. } => Answer::Broken,
    }
}

/// `qrLogin`: with a ticket, the pairing poll; with a device token, "already logged in".
fn qr_login(p: &PairingHttp, ip: IpAddr, info: &DeviceInfo, token: Option<&str>) -> Answer {
    if let Some(outcome) = token.and_then(|t| p.pairing.poll(ip, t)) {
        return match outcome {
            PollOutcome::Paired { token, .. } => Answer::Json(
                Object::new()
                    .with("res", 1)
                    .with("user", token.as_str())
                    .with("phone_code_hash", Value::Null),
            ),
            PollOutcome::Waiting { text, .. } => {
                Answer::Json(Object::new().with("res", "qr").with("text", text))
            }
            o @ (PollOutcome::Denied | PollOutcome::Expired) => Answer::Error(ApiError::Message(
                o.message().unwrap_or("Pairing ended.").to_owned(),
            )),
        };
    }
    match device(p, ip, info, token) {
        Ok(_) => Answer::Json(
            Object::new()
                .with("res", 1)
                .with("phone_code_hash", Value::Null),
        ),
        Err(a) => a,
    }
}

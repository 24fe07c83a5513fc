//! The browser client: HTML pages for phones and old computers that have a browser but no MPGram
//! app, served next to `api.php` by the same route table.
//!
//! ```text
//! GET /            not paired: "Type the code shown on your PC"   paired: the chat list
//! POST login       the 6-digit code (or the 32-digit import code) → a cookie, as the app pairs
//! GET chat?p=      one chat (one getHistory)          GET write?p=&reply=   text and a file
//! POST send, read  the API's sendMessage/sendMedia, readMessages (CSRF value `k`)
//! GET search, contacts, info, folders, settings, link
//! ```
//! A page is a client of the API's one dispatch ([`crate::api::methods::dispatch`]) on the
//! PC's account, in-process: the same methods, the same Telegram calls per page as the API
//! answer that serves the same data, the same throttling and Host check. The browser's token
//! is a paired device's token, kept in an `HttpOnly` cookie scoped to the instance's path.
//!
//! The pages are HTML 4.01 that reads in order with no CSS and no JavaScript, 176 px wide.

mod pages;
mod pair;
pub(crate) mod render;

use std::fmt::Write as _;
use std::net::IpAddr;

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode};
use axum::routing::{any, MethodRouter};
use axum::Router;
use maud::{html, Markup, PreEscaped};
use sha2::{Digest as _, Sha256};

use super::api_php::{header_str, peer_ip};
use super::body::{read_params, BodyLimits, Head};
use super::AppState;
use crate::api::error::ApiError;
use crate::api::json::Object;
use crate::api::methods::{self, Caller, Reply};
use crate::api::params::{cookie_value, Params};
use crate::api::version::ApiVersion;
use crate::pairing::{same_secret, Auth, DeviceId, DeviceInfo, PollOutcome};

/// The page names below the instance URL (the router strips any path prefix before them).
pub(crate) const PAGES: &[&str] = &[
    "login", "logout", "chat", "topics", "write", "forward", "send", "read", "press", "vote",
    "message", "edit", "delete", "search", "contacts", "info", "folders", "settings", "link",
    "poll", "r.js",
];

/// The cookie that holds the browser's device token (or, while the PC is asked, its ticket).
const TOKEN_COOKIE: &str = "mpw";
/// The cookie that holds the browser's settings.
const SETTINGS_COOKIE: &str = "mps";
/// Far enough for "keep me paired"; old browsers know `Expires`, not `Max-Age`.
const KEEP: &str = "Expires=Thu, 31 Dec 2037 23:59:59 GMT";

/// The browser's token from a `Cookie` header (the media endpoints accept it too).
pub(crate) fn token_cookie(cookies: &str) -> Option<String> {
    cookie_value(cookies, TOKEN_COOKIE).filter(|t| !t.is_empty())
}

/// A page's handler, by the name in [`PAGES`] (the one list both the route table and the
/// prefix-stripping layer read, so a page cannot be routed without being known below a prefix).
fn page_handler(name: &str) -> Option<MethodRouter<AppState>> {
    Some(match name {
        "login" => any(pair::login),
        "logout" => any(pair::logout),
        "chat" => any(pages::chat),
        "topics" => any(pages::topics),
        "write" => any(pages::write),
        "forward" => any(pages::forward),
        "send" => any(pages::send),
        "read" => any(pages::read),
        "press" => any(pages::press),
        "vote" => any(pages::vote),
        "message" => any(pages::message),
        "edit" => any(pages::edit),
        "delete" => any(pages::delete),
        "search" => any(pages::search),
        "contacts" => any(pages::contacts),
        "info" => any(pages::info),
        "folders" => any(pages::folders),
        "settings" => any(pages::settings),
        "link" => any(pages::link),
        "poll" => any(pages::poll),
        "r.js" => any(pages::script),
        _ => return None,
    })
}

/// Adds the pages to the route table.
pub(crate) fn routes(table: Router<AppState>) -> Router<AppState> {
    PAGES.iter().fold(
        table.route("/", any(pages::index)),
        |t, name| match page_handler(name) {
            Some(h) => t.route(&format!("/{name}"), h),
            None => t,
        },
    )
}

/// The directory part of the path the browser asked for (`/mp/` of `/mp/chat`), set by the
/// router before it strips the prefix: the cookie's scope and the base of redirects.
#[derive(Debug, Clone)]
pub(crate) struct WebDir(pub String);

/// What the browser sees, per device (cookie `mps`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Settings {
    /// Messages (and chats) per page, 5…50.
    pub per_page: u8,
    /// Newest message at the top of a chat.
    pub newest_first: bool,
    /// Show pictures (off for slow links: photos and stickers become links).
    pub pictures: bool,
    /// 0 small, 1 normal, 2 large.
    pub text_size: u8,
    pub dark: bool,
    /// Minutes east of UTC.
    pub tz_minutes: i32,
    /// Reload the open chat every so many seconds (0: off; a `<meta refresh>`).
    pub refresh_secs: u16,
    /// The browser takes gzip (from this request's `Accept-Encoding`, not from the cookie).
    pub gzip: bool,
}

impl Settings {
    fn defaults() -> Self {
        Self {
            per_page: 20,
            newest_first: true,
            pictures: true,
            text_size: 1,
            dark: false,
            tz_minutes: local_offset_minutes(),
            refresh_secs: 0,
            gzip: false,
        }
    }

    /// From the cookie's `n.o.i.s.t.z.r` (dot-separated numbers; anything odd → the default).
    fn from_cookie(v: Option<&str>) -> Self {
        let mut s = Self::defaults();
        let Some(v) = v else { return s };
        let n: Vec<i64> = v.split('.').map(|x| x.parse().unwrap_or(-1)).collect();
        let at = |i: usize| n.get(i).copied().unwrap_or(-1);
        if (5..=50).contains(&at(0)) {
            s.per_page = at(0) as u8;
        }
        if (0..=1).contains(&at(1)) {
            s.newest_first = at(1) == 1;
        }
        if (0..=1).contains(&at(2)) {
            s.pictures = at(2) == 1;
        }
        if (0..=2).contains(&at(3)) {
            s.text_size = at(3) as u8;
        }
        if (0..=1).contains(&at(4)) {
            s.dark = at(4) == 1;
        }
        if (-720..=840).contains(&at(5)) {
            s.tz_minutes = at(5) as i32;
        }
        if [0, 15, 30, 60, 120].contains(&at(6)) {
            s.refresh_secs = at(6) as u16;
        }
        s
    }

    fn to_cookie(self) -> String {
        format!(
            "{}.{}.{}.{}.{}.{}.{}",
            self.per_page,
            u8::from(self.newest_first),
            u8::from(self.pictures),
            self.text_size,
            u8::from(self.dark),
            self.tz_minutes,
            self.refresh_secs
        )
    }
}

/// The PC's own UTC offset now: the default time zone of a new browser.
fn local_offset_minutes() -> i32 {
    chrono::Local::now().offset().local_minus_utc() / 60
}

/// Who the browser is, from its cookie.
pub(crate) enum Who {
    /// A paired device.
    Device { id: DeviceId, token: String },
    /// Paired with the code; the PC is asked to Allow (its number).
    Waiting { number: u8 },
    /// Pairing ended without a device: why, in words.
    Ended(&'static str),
    /// Not paired.
    Nobody,
}

/// One page request, read once: parameters (a POST body bounded by who asks), the cookie's
/// token resolved through the pairing core, the settings, and where the instance lives.
pub(crate) struct Visit {
    pub state: AppState,
    pub ip: IpAddr,
    pub info: DeviceInfo,
    pub params: Params,
    pub who: Who,
    pub settings: Settings,
    /// `/mp/`: the cookie path.
    pub dir: String,
    /// `http://host:port/mp/`: redirects are absolute (HTTP/1.0 browsers need that).
    pub base: String,
    pub post: bool,
    /// Set-Cookie lines to send with the answer.
    pub set_cookies: Vec<String>,
    /// The device list changed (a browser paired): the answer waits for the vault.
    pub paired_now: bool,
}

impl FromRequest<AppState> for Visit {
    type Rejection = Response<Body>;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let ip = peer_ip(&req);
        // The cookie's `Path` attribute: only plain path characters (a `;` would start another
        // attribute), else the whole site.
        let dir = req
            .extensions()
            .get::<WebDir>()
            .map(|d| d.0.clone())
            .filter(|d| {
                d.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"/-._~%".contains(&b))
            })
            .unwrap_or_else(|| "/".to_owned());
        let (parts, body) = req.into_parts();
        let h = &parts.headers;
        let host = header_str(h, header::HOST.as_str()).unwrap_or("localhost");
        let base = format!("http://{host}{dir}");
        let cookies = header_str(h, header::COOKIE.as_str());
        let token = cookies.and_then(token_cookie);
        let mut settings = Settings::from_cookie(
            cookies
                .and_then(|c| cookie_value(c, SETTINGS_COOKIE))
                .as_deref(),
        );
        settings.gzip = accepts_gzip(header_str(h, header::ACCEPT_ENCODING.as_str()));
        let info = browser_info(h);
        let p = &state.pairing().pairing;
        let known = token.as_deref().is_some_and(|t| p.is_device(t));
        let post = parts.method == Method::POST;
        // Without a paired token only the small forms of pairing are read (as on `api.php`).
        let limits = BodyLimits::for_caller(state.config(), known);
        let head = Head {
            query: parts.uri.query().unwrap_or(""),
            content_type: header_str(h, header::CONTENT_TYPE.as_str()),
            cookie: None,
            is_post: post,
        };
        let Ok(params) = read_params(head, body, limits).await else {
            let mut r = message_page(
                &Settings::defaults(),
                StatusCode::PAYLOAD_TOO_LARGE,
                "Not sent",
                "The file did not arrive whole, or is larger than 20 MB.",
                "./",
            );
            r.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return Err(r);
        };
        let mut visit = Visit {
            state: state.clone(),
            ip,
            info,
            params,
            who: Who::Nobody,
            settings,
            dir,
            base,
            post,
            set_cookies: Vec::new(),
            paired_now: false,
        };
        if let Some(token) = token {
            visit.resolve(token, known).map_err(|r| *r)?;
        }
        Ok(visit)
    }
}

impl Visit {
    /// The cookie's value: a ticket waiting for the PC, a device token, or nothing we know (then
    /// the cookie is cleared, and the wrong guess counts like one on `api.php`).
    fn resolve(&mut self, token: String, device: bool) -> Result<(), Box<Response<Body>>> {
        let p = self.state.pairing().pairing.clone();
        // A paired device's token (known before the body was read) is no ticket: every page of
        // a paired browser skips the ticket lookup.
        if let Some(outcome) = (!device).then(|| p.poll(self.ip, &token)).flatten() {
            self.who = match outcome {
                PollOutcome::Paired { token, device } => {
                    self.set_token(token.as_str());
                    self.paired_now = true;
                    Who::Device {
                        id: device,
                        token: token.as_str().to_owned(),
                    }
                }
                PollOutcome::Waiting { number, .. } => Who::Waiting { number },
                PollOutcome::Denied => {
                    self.clear_token();
                    Who::Ended("Pairing was refused on the PC.")
                }
                PollOutcome::Expired => {
                    self.clear_token();
                    Who::Ended("Pairing timed out. Type a new code to try again.")
                }
            };
            return Ok(());
        }
        match p.authenticate(self.ip, &token, &self.info) {
            Auth::Device(id) => self.who = Who::Device { id, token },
            Auth::Unknown => {
                // Revoked on the PC (or never ours): back to the pairing page.
                self.clear_token();
                self.who = Who::Nobody;
            }
            Auth::Throttled(t) => {
                return Err(Box::new(message_page(
                    &self.settings,
                    StatusCode::TOO_MANY_REQUESTS,
                    "Wait a moment",
                    &t.message(),
                    "./",
                )));
            }
        }
        Ok(())
    }

    pub fn set_token(&mut self, token: &str) {
        self.set_cookies.push(format!(
            "{TOKEN_COOKIE}={token}; Path={}; {KEEP}; HttpOnly; SameSite=Lax",
            self.dir
        ));
    }

    pub fn clear_token(&mut self) {
        self.set_cookies.push(format!(
            "{TOKEN_COOKIE}=; Path={}; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly",
            self.dir
        ));
    }

    pub fn save_settings(&mut self) {
        self.set_cookies.push(format!(
            "{SETTINGS_COOKIE}={}; Path={}; {KEEP}",
            self.settings.to_cookie(),
            self.dir
        ));
    }

    /// The paired device, or the page to show instead (pairing form, waiting for the PC).
    pub fn device(&self) -> Option<DeviceId> {
        match self.who {
            Who::Device { id, .. } => Some(id),
            _ => None,
        }
    }

    /// The value every changing form carries: tied to this device's token, so another site
    /// cannot forge it.
    pub fn csrf(&self) -> String {
        match &self.who {
            Who::Device { token, .. } => csrf_for(token),
            _ => String::new(),
        }
    }

    /// A POST whose `k` is this device's value.
    pub fn csrf_ok(&self) -> bool {
        let want = self.csrf();
        self.post
            && !want.is_empty()
            && self
                .params
                .get("k")
                .is_some_and(|k| same_secret(k.as_bytes(), want.as_bytes()))
    }

    /// One API method on the PC's account, as this device: the API's own dispatch.
    pub async fn api(&self, method: &str, pairs: &[(&str, String)]) -> Result<Object, ApiError> {
        let device = self.device().ok_or(ApiError::InvalidAuthorization)?;
        let params = Params::from_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())));
        self.api_with(method, device, &params).await
    }

    pub async fn api_with(
        &self,
        method: &str,
        device: DeviceId,
        params: &Params,
    ) -> Result<Object, ApiError> {
        let caller = Caller::Device(device);
        let config = self.state.config();
        let req = methods::Request {
            method,
            version: ApiVersion::V12,
            params,
            caller: &caller,
            token: None,
            ip: self.ip,
            info: &self.info,
            keep_emoji: true,
            unicode: true,
            // A paired browser is let in by its pairing: the instance password guards the API's
            // own door, which the browser does not use.
            password: config.instance_password.as_deref(),
        };
        match methods::dispatch(&req, &self.state.instance()).await? {
            Reply::Json(o) => Ok(o),
            _ => Ok(Object::new()),
        }
    }

    /// The account's own user id (cached; 0 before the first `me`).
    pub fn me(&self) -> i64 {
        let inst = self.state.instance();
        methods::own_id(inst.account, inst.state)
    }

    /// An answer: the page, with the cookies this visit set.
    pub async fn respond(self, mut r: Response<Body>) -> Response<Body> {
        if self.paired_now {
            // Answer once the vault holds the new device (as `api.php` does for `qrLogin`).
            self.state.pairing().pairing.persisted().await;
        }
        for c in &self.set_cookies {
            if let Ok(v) = HeaderValue::from_str(c) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        r
    }

    /// A page with this visit's settings.
    pub fn page(&self, title: &str, body: &Markup) -> Response<Body> {
        page(&self.settings, StatusCode::OK, title, body, 0)
    }

    /// A 302 to another page of ours (`to` is relative to the instance's directory).
    pub fn redirect(&self, to: &str) -> Response<Body> {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::FOUND;
        if let Ok(v) = HeaderValue::from_str(&format!("{}{to}", self.base)) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    }
}

fn csrf_for(token: &str) -> String {
    let digest = Sha256::digest(format!("mpgram web form\n{token}").as_bytes());
    digest[..8].iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// The browser's device info: named after the browser (the window and `mpgram devices` list it).
fn browser_info(h: &HeaderMap) -> DeviceInfo {
    let ua = header_str(h, header::USER_AGENT.as_str()).map(str::to_owned);
    DeviceInfo {
        model: Some(browser_name(ua.as_deref().unwrap_or(""))),
        system: None,
        app_version: None,
        user_agent: ua,
    }
}

/// Browsers by a word of their User-Agent, first match wins (Opera before the engines it
/// imitates, Chromium before Chrome before Safari).
const BROWSERS: &[(&[&str], &str)] = &[
    (&["Opera Mini"], "Opera Mini"),
    (&["Opera", "OPR/"], "Opera"),
    (&["BlackBerry", "BB10"], "BlackBerry"),
    (&["NetFront"], "NetFront"),
    (&["NetSurf"], "NetSurf"),
    (&["Edg/"], "Edge"),
    (&["HeadlessChrome", "Chromium"], "Chromium"),
    (&["Chrome/"], "Chrome"),
    (&["Firefox/"], "Firefox"),
    (&["Kindle"], "Kindle"),
    (&["PlayStation Portable"], "PSP"),
    (&["iPod", "iPhone", "iPad"], "iOS Safari"),
    (&["Safari/"], "Safari"),
];

/// `Mozilla/5.0 (Symbian/3; Series60/5.2 NokiaN8-00/…) … BrowserNG/7.2` → "NokiaN8-00 browser".
pub(crate) fn browser_name(ua: &str) -> String {
    let phone = ua
        .split([' ', ';', '(', ')'])
        .find(|w| w.starts_with("Nokia") && w.len() > 5)
        .map(|w| w.split('/').next().unwrap_or(w));
    let known = BROWSERS
        .iter()
        .find(|(words, _)| words.iter().any(|w| ua.contains(w)))
        .map(|(_, name)| (*name).to_owned());
    let name = phone
        .map(str::to_owned)
        .or(known)
        .or_else(|| {
            let i = ua.find("MSIE ")?;
            let v: String = ua[i + 5..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            Some(format!("Internet Explorer {v}"))
        })
        .or_else(|| {
            ua.split('/')
                .next()
                .filter(|w| matches!(*w, "w3m" | "Lynx" | "Links" | "ELinks" | "Dillo"))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "Web".to_owned());
    format!("{name} browser")
}

/// An HTML page: HTML 4.01 that reads in order without CSS; a few bytes of style for size and
/// theme. `refresh` > 0 adds a `<meta refresh>` (only where the person asked for one).
pub(crate) fn page(
    settings: &Settings,
    status: StatusCode,
    title: &str,
    body: &Markup,
    refresh: u16,
) -> Response<Body> {
    let font = ["small", "medium", "large"][usize::from(settings.text_size.min(2))];
    let colours = if settings.dark {
        "background:#111;color:#ddd}a{color:#8cf"
    } else {
        "background:#fff;color:#000}a{color:#06c"
    };
    let doc = html! {
        (PreEscaped("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\" \"http://www.w3.org/TR/html4/loose.dtd\">"))
        html {
            head {
                meta http-equiv="Content-Type" content="text/html; charset=utf-8";
                meta name="viewport" content="width=device-width";
                @if refresh > 0 { meta http-equiv="refresh" content=(refresh); }
                title { (title) " - MPGram" }
                style type="text/css" {
                    (PreEscaped(format!("body{{margin:4px;font-family:sans-serif;font-size:{font};word-wrap:break-word;overflow-wrap:anywhere;{colours}}}p{{margin:0 0 6px}}small{{color:#888}}textarea{{width:95%}}input,select{{max-width:95%}}")))
                }
            }
            body { (body) }
        }
    };
    let html = doc.into_string();
    // Pages shrink to a third with gzip: on a 2G link that is most of the wait.
    let gzipped = (settings.gzip && html.len() >= GZIP_FROM).then(|| gzip(html.as_bytes()));
    let mut r = match gzipped {
        Some(Ok(bytes)) => {
            let mut r = Response::new(Body::from(bytes));
            r.headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            r
        }
        _ => Response::new(Body::from(html)),
    };
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Pages change with every message: the browser asks again (Back shows the page it had).
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("X-Frame-Options", HeaderValue::from_static("DENY"));
    h.insert("Referrer-Policy", HeaderValue::from_static("no-referrer"));
    h.insert(
        "Content-Security-Policy",
        HeaderValue::from_static(
            "default-src 'self'; style-src 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
        ),
    );
    r
}

/// Smaller pages are sent as they are (gzip's header would eat the gain).
const GZIP_FROM: usize = 512;

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    use std::io::Write as _;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes)?;
    enc.finish()
}

/// `Accept-Encoding` names gzip (and does not refuse it with `q=0`).
fn accepts_gzip(accept: Option<&str>) -> bool {
    accept.is_some_and(|a| {
        a.split(',').any(|part| {
            let mut it = part.split(';');
            let name = it.next().unwrap_or("").trim();
            let refused = it.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .is_some_and(|q| q.trim().parse::<f32>().is_ok_and(|q| q == 0.0))
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
    })
}

/// A short page that says one thing, with a link onwards.
pub(crate) fn message_page(
    settings: &Settings,
    status: StatusCode,
    title: &str,
    text: &str,
    back: &str,
) -> Response<Body> {
    let body = html! {
        h3 { (title) }
        p { (text) }
        p { a href=(back) { "Back" } }
    };
    page(settings, status, title, &body, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_named_has_its_handler() {
        for name in PAGES {
            assert!(page_handler(name).is_some(), "{name}");
        }
        assert!(page_handler("api.php").is_none());
    }

    #[test]
    fn browsers_are_named_after_themselves() {
        let cases = [
            ("Mozilla/5.0 (SymbianOS/9.4; Series60/5.0 NokiaN97-1/12.0.024; Profile/MIDP-2.1) AppleWebKit/525 (KHTML, like Gecko) BrowserNG/7.1.18124", "NokiaN97-1 browser"),
            ("Opera/9.80 (J2ME/MIDP; Opera Mini/4.2.14912/870; U; id) Presto/2.4.15", "Opera Mini browser"),
            ("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)", "Internet Explorer 6 browser"),
            ("NetSurf/3.11 (Linux)", "NetSurf browser"),
            ("w3m/0.5.3+git20230121", "w3m browser"),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0 Safari/537.36", "Chromium browser"),
            ("", "Web browser"),
        ];
        for (ua, name) in cases {
            assert_eq!(browser_name(ua), name, "{ua}");
        }
    }

    #[test]
    fn settings_survive_their_cookie_and_odd_values_fall_back() {
        let s = Settings {
            per_page: 35,
            newest_first: false,
            pictures: false,
            text_size: 2,
            dark: true,
            tz_minutes: -300,
            refresh_secs: 30,
            gzip: false,
        };
        assert_eq!(Settings::from_cookie(Some(&s.to_cookie())), s);
        let odd = Settings::from_cookie(Some("999.7.x"));
        assert_eq!(odd.per_page, 20);
        assert!(odd.newest_first && odd.pictures);
    }

    #[test]
    fn gzip_only_when_the_browser_takes_it() {
        assert!(accepts_gzip(Some("gzip, deflate")));
        assert!(accepts_gzip(Some("deflate, GZIP;q=0.5")));
        assert!(!accepts_gzip(Some("gzip;q=0, deflate")));
        assert!(!accepts_gzip(Some("identity")));
        assert!(!accepts_gzip(None));
    }

    #[test]
    fn the_form_value_depends_on_the_token() {
        assert_ne!(
            csrf_for("a".repeat(32).as_str()),
            csrf_for("b".repeat(32).as_str())
        );
        assert_eq!(csrf_for("x").len(), 16);
    }
}

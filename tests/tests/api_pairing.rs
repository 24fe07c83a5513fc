//! Pairing end to end over a real socket, each path exactly as the stock J2ME client walks it
//! (`client-j2me.md` §6): `initLogin&qr=1` → `getCaptchaImg` → `initLogin&qr=1&captcha_id&
//! captcha_key` (the user code typed into the 4–20 character captcha box) → `qrcode.php` →
//! `qrLogin` → `me`/`getDialogs`. Every JSON answer goes through the strict J2ME parser.

use mpgram_tests::strict::{error_message, res_is_one, string_field as s};
use std::net::{IpAddr, Ipv4Addr};

use fakegram::{demo_world, FakeDc};
use mpgram::pairing::{Auth, DeviceInfo, Pairing, FREE_FAILURES, PICTURE_HEIGHT, PICTURE_WIDTH};
use mpgram::server::{self, AppState, PairingHttp, ServerConfig};
use mpgram::telegram::{Account, ApiCredentials, StoredSession};
use mpgram_tests::strict::{self, Json};

const UA: &str = "mpgram4/1.5.13 (https://github.com/shinovon/mpgram-client)";

struct Server {
    dc: FakeDc,
    key: fakegram::AuthKey,
    base: String,
    pairing: Pairing,
    http: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    json: Json,
}

async fn start_with(config: ServerConfig, setup: impl FnOnce(&mut PairingHttp)) -> Server {
    let dc = FakeDc::start(demo_world()).await.expect("fakegram starts");
    let key = dc.new_key(true);
    let stored = StoredSession::from(dc.session_data(&key, dc.home_dc()));
    let account = Account::start(
        stored,
        ApiCredentials {
            api_id: mpgram_tests::API_ID,
            api_hash: mpgram_tests::API_HASH.into(),
        },
    );
    let pairing = Pairing::new();
    let mut http = PairingHttp::new(pairing.clone());
    setup(&mut http);
    let state = AppState::new(account, http, config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::run(listener, server::router(state), async move {
        let _ = stopped.await;
    }));
    Server {
        dc,
        key,
        base: format!("http://{addr}/"),
        pairing,
        http: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client"),
        _stop: stop,
    }
}

async fn start() -> Server {
    start_with(ServerConfig::default(), |_| {}).await
}

impl Server {
    fn request(&self, path_query: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let mut req = self
            .http
            .get(format!("{}{path_query}", self.base))
            .header("User-Agent", UA)
            .header("X-mpgram-device", "NokiaE52-1");
        if let Some(t) = token {
            req = req.header("X-mpgram-user", t);
        }
        req
    }

    async fn api(&self, query: &str, token: Option<&str>) -> Answer {
        answer(
            self.request(&format!("api.php?{query}"), token)
                .send()
                .await
                .expect("request"),
        )
        .await
    }

    async fn bytes(&self, path_query: &str, token: Option<&str>) -> (u16, String, Vec<u8>) {
        let r = self
            .request(path_query, token)
            .send()
            .await
            .expect("request");
        let status = r.status().as_u16();
        let ct = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, ct, r.bytes().await.expect("body").to_vec())
    }

    /// `initLogin&qr=1` (no token, no id) → `need_captcha`, then the captcha picture.
    async fn captcha(&self) -> String {
        let a = self.api("v=12&method=initLogin&qr=1", None).await;
        assert_eq!(a.status, 200);
        assert_eq!(s(&a.json, "res"), "need_captcha");
        let id = s(&a.json, "captcha_id");
        let (status, ct, png) = self
            .bytes(
                &format!("api.php?v=12&method=getCaptchaImg&captcha_id={id}"),
                None,
            )
            .await;
        assert_eq!((status, ct.as_str()), (200, "image/png"));
        let img = image::load_from_memory(&png).expect("captcha is a PNG");
        assert_eq!((img.width(), img.height()), (PICTURE_WIDTH, PICTURE_HEIGHT));
        assert!(img.width() <= 320 && img.height() <= 240, "§6.1.3: small");
        id
    }

    /// The captcha step with `typed` in the captcha box (4–20 characters, §6.1.4).
    async fn submit(&self, id: &str, typed: &str) -> Answer {
        assert!(
            (4..=20).contains(&typed.chars().count()),
            "fits the captcha box"
        );
        self.api(
            &format!("v=12&method=initLogin&qr=1&captcha_id={id}&captcha_key={typed}"),
            None,
        )
        .await
    }

    /// The QR screen: `qrcode.php?t=<text>&s=4&tw=..&th=..` must be a picture.
    async fn qr_picture(&self, text: &str) -> (u32, u32) {
        let (status, ct, png) = self
            .bytes(&format!("qrcode.php?t={text}&s=4&tw=240&th=320"), None)
            .await;
        assert_eq!((status, ct.as_str()), (200, "image/png"));
        let img = image::load_from_memory(&png).expect("QR screen picture is a PNG");
        (img.width(), img.height())
    }

    fn user_code(&self) -> String {
        self.pairing.status().user_code.expect("pairing is open")
    }

    /// The whole user-code path up to the QR screen: returns the ticket and `text`.
    async fn to_qr_screen(&self) -> (String, String) {
        let id = self.captcha().await;
        let a = self.submit(&id, &self.user_code()).await;
        assert_eq!(a.status, 200);
        assert_eq!(s(&a.json, "res"), "qr");
        let ticket = s(&a.json, "user");
        let text = s(&a.json, "text");
        assert!(
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "URL-safe"
        );
        let (w, h) = self.qr_picture(&text).await;
        assert_eq!((w, h), (PICTURE_WIDTH, PICTURE_HEIGHT));
        (ticket, text)
    }
}

async fn answer(resp: reqwest::Response) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.expect("body").to_vec();
    let json = strict::assert_client_ok(&body, false);
    Answer {
        status,
        headers,
        json,
    }
}

#[tokio::test]
async fn user_code_pairs_and_the_token_opens_the_chats() {
    let s_ = start().await;
    s_.pairing.open();
    let (ticket, _) = s_.to_qr_screen().await;
    // The ticket alone authenticates nothing.
    let a = s_.api("v=12&method=getDialogs", Some(&ticket)).await;
    assert_eq!(a.status, 401);
    // 5 s later the QR screen polls with the ticket: the device's final token in `user`.
    let a = s_.api("v=12&method=qrLogin", Some(&ticket)).await;
    assert_eq!(a.status, 200);
    assert!(res_is_one(&a.json), "first poll finishes the pairing");
    let token = s(&a.json, "user");
    assert_ne!(token, ticket);
    assert!(token.len() >= 32);
    // §7: me&status=1, getNotifySettings, getDialogs.
    let a = s_.api("v=12&method=me&status=1", Some(&token)).await;
    assert_eq!(a.status, 200);
    assert_eq!(s(&a.json, "id"), "100000001");
    let a = s_
        .api("v=12&method=getDialogs&limit=20", Some(&token))
        .await;
    assert_eq!(a.status, 200);
    assert!(!a.json.get_array("dialogs").expect("dialogs").is_empty());
    let devices = s_.pairing.devices();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].name, "NokiaE52-1");
    // A poll from the token itself: already logged in.
    let a = s_.api("v=12&method=qrLogin", Some(&token)).await;
    assert!(res_is_one(&a.json));
}

#[tokio::test]
async fn wrong_code_reloads_the_captcha_and_counts() {
    let s_ = start().await;
    s_.pairing.open();
    let id = s_.captcha().await;
    let right = s_.user_code();
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let a = s_.submit(&id, wrong).await;
    assert_eq!(a.status, 200);
    assert!(s(&a.json, "res").contains("captcha"), "the client reloads");
    assert!(!a.json.has("user"), "no token for a wrong code");
    assert!(s_.pairing.devices().is_empty());
    // The reused old id is gone (single use): captcha_expired, still a `captcha` word.
    let a = s_.submit(&id, &right).await;
    assert!(s(&a.json, "res").contains("captcha"));
}

#[tokio::test]
async fn closed_pairing_refuses_even_the_right_looking_code() {
    let s_ = start().await;
    let id = s_.captcha().await;
    let a = s_.submit(&id, "123456").await;
    assert_eq!(a.status, 200);
    assert_eq!(s(&a.json, "res"), "wrong_captcha");
    assert!(!a.json.has("user"));
    assert!(s_.pairing.devices().is_empty());
}

#[tokio::test]
async fn approval_allow_then_deny() {
    let s_ = start().await;
    s_.pairing.set_ask_before_pairing(true);
    s_.pairing.open();
    let (ticket, text) = s_.to_qr_screen().await;
    // While waiting the poll MUST keep answering `qr` (§6.2.5).
    let a = s_.api("v=12&method=qrLogin", Some(&ticket)).await;
    assert_eq!((a.status, s(&a.json, "res").as_str()), (200, "qr"));
    assert_eq!(s(&a.json, "text"), text);
    let pending = s_.pairing.pending();
    assert_eq!(pending.len(), 1);
    s_.pairing.allow(pending[0].id).expect("allow");
    let a = s_.api("v=12&method=qrLogin", Some(&ticket)).await;
    assert!(res_is_one(&a.json));
    let token = s(&a.json, "user");
    assert_eq!(s_.api("v=12&method=me", Some(&token)).await.status, 200);

    // A second phone, denied.
    s_.pairing.open();
    let (ticket, _) = s_.to_qr_screen().await;
    let id = s_.pairing.pending()[0].id;
    s_.pairing.deny(id).expect("deny");
    let a = s_.api("v=12&method=qrLogin", Some(&ticket)).await;
    assert_eq!(a.status, 200);
    assert!(error_message(&a.json).is_some_and(|m| m.contains("refused")));
    assert_eq!(s_.pairing.devices().len(), 1);
}

#[tokio::test]
async fn import_code_becomes_the_device_token_once() {
    let s_ = start().await;
    let code = s_.pairing.create_import_code().code;
    assert_eq!(code.len(), 32, "the import box takes ≥ 32 characters");
    let a = s_.api("v=12&method=me&status=1", Some(&code)).await;
    assert_eq!(a.status, 200);
    assert_eq!(s_.pairing.devices().len(), 1);
    let a = s_.api("v=12&method=getDialogs", Some(&code)).await;
    assert_eq!(a.status, 200);
    // A made-up code of the same shape is refused.
    let a = s_.api("v=12&method=me", Some(&"7".repeat(32))).await;
    assert_eq!(a.status, 401);
}

#[tokio::test]
async fn revoke_answers_401_and_logout_revokes_only_that_device() {
    let s_ = start().await;
    let a_code = s_.pairing.create_import_code().code;
    assert_eq!(s_.api("v=12&method=me", Some(&a_code)).await.status, 200);
    let b_code = s_.pairing.create_import_code().code;
    assert_eq!(s_.api("v=12&method=me", Some(&b_code)).await.status, 200);
    let c_code = s_.pairing.create_import_code().code;
    assert_eq!(s_.api("v=12&method=me", Some(&c_code)).await.status, 200);
    assert_eq!(s_.pairing.devices().len(), 3);

    // Revoked on the PC: the very next call is 401 (the client logs out, §4.2).
    let id = s_.pairing.devices()[0].id;
    s_.pairing.revoke(id).expect("revoke");
    let a = s_.api("v=12&method=me", Some(&a_code)).await;
    assert_eq!(a.status, 401);
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Invalid authorization")
    );

    // The phone's own "Log out": plain `logout` → {"res":"1"}, only this device goes.
    let a = s_.api("v=12&method=logout", Some(&b_code)).await;
    assert_eq!(a.status, 200);
    assert!(res_is_one(&a.json));
    assert_eq!(s_.api("v=12&method=me", Some(&b_code)).await.status, 401);
    assert_eq!(s_.api("v=12&method=me", Some(&c_code)).await.status, 200);
    // Even `logout&s=1` does not end the PC's Telegram session.
    let a = s_.api("v=12&method=logout&s=1", Some(&c_code)).await;
    assert!(res_is_one(&a.json));
    assert!(s_.dc.key_authorized(&s_.key), "Telegram stays logged in");
    assert!(s_.pairing.devices().is_empty());
}

#[tokio::test]
async fn bad_tokens_get_throttled_with_retry_after() {
    let s_ = start().await;
    let code = s_.pairing.create_import_code().code;
    let mut statuses = Vec::new();
    for i in 0..=FREE_FAILURES + 1 {
        let fake = format!("{:032}", u64::from(i) + 12_345);
        statuses.push(s_.api("v=12&method=me", Some(&fake)).await.status);
    }
    assert!(
        statuses[..FREE_FAILURES as usize].iter().all(|s| *s == 401),
        "{statuses:?}"
    );
    let a = s_.api("v=12&method=me", Some(&"9".repeat(32))).await;
    assert_eq!(a.status, 429);
    let retry: u64 = a
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!(retry >= 1);
    assert!(error_message(&a.json).is_some_and(|m| m.contains("Wait")));
    // Throttling never locks a real device out.
    assert_eq!(s_.api("v=12&method=me", Some(&code)).await.status, 200);
}

#[tokio::test]
async fn foreign_host_header_is_refused() {
    let s_ = start().await;
    let code = s_.pairing.create_import_code().code;
    for host in ["evil.example", "evil.example:8080", "1.2.3.4"] {
        let r = s_
            .request("api.php?v=12&method=me", Some(&code))
            .header("Host", host)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status().as_u16(), 403, "{host}");
        let r = s_
            .request("qrcode.php?t=YQ", None)
            .header("Host", host)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status().as_u16(), 403, "{host}");
    }
    assert!(
        s_.pairing.devices().is_empty(),
        "the code was not even tried"
    );
    for host in ["localhost:1", "127.0.0.1"] {
        let r = s_
            .request("api.php?v=12&method=me", Some(&code))
            .header("Host", host)
            .send()
            .await
            .expect("request");
        assert_eq!(r.status().as_u16(), 200, "{host}");
    }
}

#[tokio::test]
async fn configured_host_name_is_accepted() {
    let s_ = start_with(ServerConfig::default(), |p| {
        p.host_names = vec!["my-pc.lan".into()];
    })
    .await;
    let r = s_
        .request("api.php?v=12&method=getServerTimeOffset", None)
        .header("Host", "MY-PC.lan:8080")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn instance_password_guards_pairing_and_the_api() {
    let config = ServerConfig {
        instance_password: Some("hunter2".into()),
        ..ServerConfig::default()
    };
    let s_ = start_with(config, |_| {}).await;
    s_.pairing.open();
    let a = s_.api("v=12&method=initLogin&qr=1", None).await;
    assert_eq!(a.status, 403);
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Instance password is required")
    );
    let a = answer(
        s_.request("api.php?v=12&method=initLogin&qr=1", None)
            .header("X-mpgram-instance-password", "nope")
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(a.status, 403);
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Wrong instance password")
    );
    let a = answer(
        s_.request("api.php?v=12&method=initLogin&qr=1", None)
            .header("X-mpgram-instance-password", "hunter2")
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(s(&a.json, "res"), "need_captcha");
    // Other methods too, even with a good device token.
    let code = s_.pairing.create_import_code().code;
    let a = s_.api("v=12&method=me", Some(&code)).await;
    assert_eq!(a.status, 403);
}

#[tokio::test]
async fn login_api_is_off_by_default() {
    let s_ = start().await;
    let code = s_.pairing.create_import_code().code;
    for m in [
        "completePhoneLogin&code=12345",
        "complete2faLogin&password=x",
        "resendCode&phone=%2B1&hash=h",
    ] {
        let a = s_.api(&format!("v=12&method={m}"), Some(&code)).await;
        assert_eq!(a.status, 403, "{m}");
        assert_eq!(
            error_message(&a.json).as_deref(),
            Some("Login API is disabled")
        );
    }
    // v < 10 on a login method: 403 Unsupported API version.
    let a = s_.api("v=9&method=initLogin&qr=1", None).await;
    assert_eq!(a.status, 403);
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Unsupported API version")
    );

    let s_ = start_with(ServerConfig::default(), |p| p.login_api = true).await;
    let a = s_
        .api("v=12&method=completePhoneLogin&code=12345", Some(&code))
        .await;
    assert_ne!(
        error_message(&a.json).as_deref(),
        Some("Login API is disabled")
    );
}

#[tokio::test]
async fn phone_flow_with_user_code_leads_to_the_qr_screen() {
    // "Log in" → phoneLogin (no params) → captcha → phoneLogin&captcha_id&captcha_key&phone=+0.
    let s_ = start().await;
    s_.pairing.open();
    let a = s_.api("v=12&method=phoneLogin", None).await;
    let id = s(&a.json, "captcha_id");
    let code = s_.user_code();
    let a = s_
        .api(
            &format!("v=12&method=phoneLogin&captcha_id={id}&captcha_key={code}&phone=%2B0"),
            None,
        )
        .await;
    assert_eq!(s(&a.json, "res"), "qr");
    let ticket = s(&a.json, "user");
    let a = s_.api("v=12&method=qrLogin", Some(&ticket)).await;
    assert!(res_is_one(&a.json));
}

#[tokio::test]
async fn qrcode_php_draws_a_real_qr_code_for_other_texts() {
    let s_ = start().await;
    // A typical login link: version 4 (33 modules) at s=4 → (33 + 8) × 4.
    let link = "tg://login?token=AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA";
    let t = base64_std(link.as_bytes());
    let (status, ct, png) = s_.bytes(&format!("qrcode.php?t={t}"), None).await;
    assert_eq!((status, ct.as_str()), (200, "image/png"));
    let img = image::load_from_memory(&png).expect("PNG");
    assert_eq!(img.width(), img.height());
    assert_eq!(img.width() % 6, 0, "6 px per module by default");
    let modules = img.width() / 6 - 8;
    assert!(
        modules >= 21 && (modules - 17).is_multiple_of(4),
        "a QR version's size: {modules}"
    );
    // The quiet zone is white.
    let rgb = img.to_rgb8();
    assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255]);
    assert_eq!(
        rgb.get_pixel(24, 24).0,
        [0, 0, 0],
        "finder pattern starts after 4 modules"
    );
    let (status, _, _) = s_.bytes("qrcode.php", None).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn pair_landing_page_shows_the_code_only_when_it_is_right() {
    let s_ = start().await;
    s_.pairing.open();
    let code = s_.user_code();
    let (status, _, page) = s_.bytes(&format!("pair?c={code}"), None).await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).expect("utf-8").replace(' ', "");
    assert!(page.contains(&code), "the code is shown (grouped)");
    let (_, _, page) = s_.bytes("pair?c=000001", None).await;
    let page = String::from_utf8(page).expect("utf-8").replace(' ', "");
    assert!(
        !page.contains(&code),
        "a wrong code does not reveal the right one"
    );
}

#[tokio::test]
async fn pairing_core_and_http_agree_on_devices() {
    let s_ = start().await;
    let code = s_.pairing.create_import_code().code;
    let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    assert_eq!(s_.api("v=12&method=me", Some(&code)).await.status, 200);
    assert!(matches!(
        s_.pairing.authenticate(ip, &code, &DeviceInfo::default()),
        Auth::Device(_)
    ));
}

fn base64_std(b: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &x)| n | u32::from(x) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(A[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

//! The login API (`protocol.md` §5.5, `methods-core.md` §1.4–1.13) end to end: a phone logs *its
//! own* Telegram account in through the server, exactly as the stock J2ME client walks the phone
//! screens (`client-j2me.md` §6.1): `phoneLogin` → `getCaptchaImg` → `phoneLogin&captcha_id&
//! captcha_key&phone` (the captcha box holds the user code shown on the PC) → `completePhoneLogin`
//! → `complete2faLogin` → `me&status=1`. Real grammers over TCP: the PC owner's account on one
//! fakegram (the demo world), the phone's own account on a second one (`guest_world`). Every JSON
//! answer goes through the strict J2ME parser.

use mpgram_tests::strict::{error_message, res_is_one, string_field as s};
use std::sync::{Arc, Mutex};

use fakegram::{demo_world, guest_world, AuthKey, FakeDc, GUEST_ID};
use mpgram::app::VaultData;
use mpgram::guests::{log_out_stored, GuestConfig, Guests, StoredGuest};
use mpgram::pairing::Pairing;
use mpgram::server::{self, AppState, PairingHttp, ServerConfig};
use mpgram::telegram::{Account, ApiCredentials, StoredSession};
use mpgram_tests::strict::{self, Json};

const UA: &str = "mpgram4/1.5.13 (https://github.com/shinovon/mpgram-client)";
const OWNER_ID: &str = "100000001";
const GUEST_PHONE: &str = "%2B15550000042";

struct Server {
    base: String,
    pairing: Pairing,
    http: reqwest::Client,
    /// The phone's own Telegram and the keys its logins got.
    guest_dc: Arc<FakeDc>,
    guest_keys: Arc<Mutex<Vec<AuthKey>>>,
    guests: Guests,
    /// The pairing settings the server runs with (shared handles), for a control channel.
    pairing_http: PairingHttp,
    _owner_dc: FakeDc,
    _stop: tokio::sync::oneshot::Sender<()>,
}

struct Answer {
    status: u16,
    json: Json,
}

fn credentials() -> ApiCredentials {
    ApiCredentials {
        api_id: mpgram_tests::API_ID,
        api_hash: mpgram_tests::API_HASH.into(),
    }
}

async fn start(login_api: bool) -> Server {
    let guest_dc = Arc::new(FakeDc::start(guest_world()).await.expect("fakegram starts"));
    start_with(login_api, guest_dc, Vec::new()).await
}

/// A server whose guests log in on `guest_dc`, with `stored` guests put back as at start-up.
async fn start_with(login_api: bool, guest_dc: Arc<FakeDc>, stored: Vec<StoredGuest>) -> Server {
    let owner_dc = FakeDc::start(demo_world()).await.expect("fakegram starts");
    let key = owner_dc.new_key(true);
    let account = Account::start(
        StoredSession::from(owner_dc.session_data(&key, owner_dc.home_dc())),
        credentials(),
    );
    let guest_keys = Arc::new(Mutex::new(Vec::new()));
    let pairing = Pairing::new();
    let mut http = PairingHttp::new(pairing.clone());
    http.login_api = login_api;
    let (dc, keys) = (Arc::clone(&guest_dc), Arc::clone(&guest_keys));
    http.guests.configure(Some(GuestConfig {
        credentials: credentials(),
        // fakegram does no key exchange: each login gets a fresh, logged-out key.
        new_session: Arc::new(move || {
            let key = dc.new_key(false);
            let stored = StoredSession::from(dc.session_data(&key, dc.home_dc()));
            keys.lock().expect("keys").push(key);
            stored
        }),
    }));
    http.guests.restore(stored);
    let guests = http.guests.clone();
    let pairing_http = http.clone();
    let state = AppState::new(account, http, ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::run(listener, server::router(state), async move {
        let _ = stopped.await;
    }));
    Server {
        base: format!("http://{addr}/"),
        pairing,
        http: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client"),
        guest_dc,
        guest_keys,
        guests,
        pairing_http,
        _owner_dc: owner_dc,
        _stop: stop,
    }
}

impl Server {
    async fn get(&self, path_query: &str, token: Option<&str>) -> reqwest::Response {
        let mut req = self
            .http
            .get(format!("{}{path_query}", self.base))
            .header("User-Agent", UA)
            .header("X-mpgram-device", "NokiaE52-1");
        if let Some(t) = token {
            req = req.header("X-mpgram-user", t);
        }
        req.send().await.expect("request")
    }

    async fn api(&self, query: &str, token: Option<&str>) -> Answer {
        let r = self.get(&format!("api.php?{query}"), token).await;
        let status = r.status().as_u16();
        let body = r.bytes().await.expect("body").to_vec();
        Answer {
            status,
            json: strict::assert_client_ok(&body, false),
        }
    }

    /// "Log in" with `phone`: `phoneLogin` (no parameters) → captcha picture → `phoneLogin` with
    /// the captcha id, `typed` in the captcha box and the number.
    async fn phone_login(&self, typed: &str, phone: &str) -> Answer {
        let a = self.api("v=12&method=phoneLogin", None).await;
        assert_eq!(s(&a.json, "res"), "need_captcha");
        let id = s(&a.json, "captcha_id");
        let r = self
            .get(
                &format!("api.php?v=12&method=getCaptchaImg&captcha_id={id}"),
                None,
            )
            .await;
        assert_eq!(r.status().as_u16(), 200);
        self.api(
            &format!("v=12&method=phoneLogin&captcha_id={id}&captcha_key={typed}&phone={phone}"),
            None,
        )
        .await
    }

    fn user_code(&self) -> String {
        self.pairing.status().user_code.expect("pairing is open")
    }

    /// The PC owner's paired device (an import code typed into "Import session").
    async fn owner_device(&self) -> String {
        let code = self.pairing.create_import_code().code;
        assert_eq!(self.api("v=12&method=me", Some(&code)).await.status, 200);
        code
    }

    fn guest_logged_in(&self) -> Vec<bool> {
        self.guest_keys
            .lock()
            .expect("keys")
            .iter()
            .map(|k| self.guest_dc.key_authorized(k))
            .collect()
    }
}

#[tokio::test]
async fn phone_logs_its_own_account_in_with_code_and_2fa_then_logs_out() {
    let s_ = start(true).await;
    let owner = s_.owner_device().await;
    s_.pairing.open();
    let a = s_.phone_login(&s_.user_code(), GUEST_PHONE).await;
    assert_eq!(a.status, 200);
    assert_eq!(s(&a.json, "res"), "code_sent");
    let token = s(&a.json, "user");
    assert!(token.len() >= 32);
    let hash = s(&a.json, "phone_code_hash");
    assert!(
        hash.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "URL-safe: the client puts it raw into resendCode's URL"
    );
    assert!(
        s_.pairing.devices().len() == 1,
        "no paired device for a guest"
    );
    // Not logged in yet: the token serves nothing.
    assert_eq!(s_.api("v=12&method=me", Some(&token)).await.status, 401);

    // A wrong code: phone_code_invalid; the client then calls resendCode itself (§6.1.7).
    let a = s_
        .api("v=12&method=completePhoneLogin&code=11111", Some(&token))
        .await;
    assert_eq!(
        (a.status, s(&a.json, "res").as_str()),
        (200, "phone_code_invalid")
    );
    let a = s_
        .api(
            &format!("v=12&method=resendCode&hash={hash}&phone={GUEST_PHONE}"),
            Some(&token),
        )
        .await;
    assert_eq!(a.status, 200);
    // methods-core.md §1.10: the number 1.
    assert_eq!(a.json.get("res"), Some(&Json::Int(1)));
    // The right code: the account has a 2FA password.
    let a = s_
        .api("v=12&method=completePhoneLogin&code=54321", Some(&token))
        .await;
    assert_eq!(s(&a.json, "res"), "password");
    assert!(a.json.has("phone_code_hash"));
    assert!(a
        .json
        .get_string("phone_code_hash")
        .expect("null")
        .is_none());
    let a = s_
        .api("v=12&method=complete2faLogin&password=nope", Some(&token))
        .await;
    assert_eq!(s(&a.json, "res"), "password_hash_invalid");
    let a = s_
        .api("v=12&method=complete2faLogin&password=guest", Some(&token))
        .await;
    assert_eq!(a.status, 200);
    // methods-core.md §1.9: `{"res":1}`, the number, without `phone_code_hash`.
    assert_eq!(a.json.get("res"), Some(&Json::Int(1)));
    assert_eq!(s_.guest_logged_in(), vec![true]);
    // Telegram lists the login as the phone (its headers), not as this PC.
    let seen = s_.guest_dc.world().activity.connections.clone();
    assert!(
        !seen.is_empty()
            && seen
                .iter()
                .all(|c| *c == ("NokiaE52-1".into(), "J2ME".into(), "api".into())),
        "{seen:?}"
    );

    // §7: me&status=1 is the phone's own account, not the PC owner's.
    let a = s_.api("v=12&method=me&status=1", Some(&token)).await;
    assert_eq!(a.status, 200);
    assert_eq!(s(&a.json, "id"), GUEST_ID.to_string());
    let a = s_
        .api("v=12&method=getDialogs&limit=20&f=0", Some(&token))
        .await;
    assert_eq!(a.status, 200);
    let a = s_.api("v=12&method=qrLogin", Some(&token)).await;
    // methods-core.md §1.8 step 1: `{"res":1,"phone_code_hash":null}`.
    assert_eq!(a.json.get("res"), Some(&Json::Int(1)));
    assert_eq!(a.json.get("phone_code_hash"), Some(&Json::Null));
    // Media with the guest token come from the guest's account too (its own avatar), and the
    // owner's device still sees the owner.
    let r = s_
        .get(&format!("ava.php?c={GUEST_ID}&p=r36&user={token}"), None)
        .await;
    assert_ne!(r.status().as_u16(), 401, "the guest's own server answers");
    let a = s_.api("v=12&method=me", Some(&owner)).await;
    assert_eq!(s(&a.json, "id"), OWNER_ID);

    // "Log out" on the phone: Telegram logs the guest out, the token is gone.
    let a = s_.api("v=12&method=logout", Some(&token)).await;
    assert_eq!(a.status, 200);
    // methods-core.md §1.13: the string "1".
    assert_eq!(a.json.get("res"), Some(&Json::Str("1".into())));
    let a = s_.api("v=12&method=me", Some(&token)).await;
    assert_eq!(a.status, 401);
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Invalid authorization")
    );
    assert_eq!(s_.guest_logged_in(), vec![false]);
    let r = s_
        .get(&format!("ava.php?c={GUEST_ID}&p=r36&user={token}"), None)
        .await;
    assert_eq!(r.status().as_u16(), 401);
    // The owner's device is untouched.
    let a = s_.api("v=12&method=me", Some(&owner)).await;
    assert_eq!((a.status, s(&a.json, "id").as_str()), (200, OWNER_ID));
}

#[tokio::test]
async fn owner_token_never_reaches_a_guest_and_login_steps_check_their_state() {
    let s_ = start(true).await;
    let owner = s_.owner_device().await;
    // The owner's device is not logging in: the reference's "not waiting" messages.
    let a = s_
        .api("v=12&method=completePhoneLogin&code=12345", Some(&owner))
        .await;
    assert_eq!(a.status, 200);
    assert!(error_message(&a.json).is_some_and(|m| m.starts_with("I'm not waiting for the code")));
    let a = s_
        .api("v=12&method=complete2faLogin&password=x", Some(&owner))
        .await;
    assert!(
        error_message(&a.json).is_some_and(|m| m.starts_with("I'm not waiting for the password"))
    );
    // No token at all: 401 from the auth step.
    let a = s_
        .api("v=12&method=completePhoneLogin&code=12345", None)
        .await;
    assert_eq!(a.status, 401);

    s_.pairing.open();
    let a = s_.phone_login(&s_.user_code(), GUEST_PHONE).await;
    let token = s(&a.json, "user");
    // Missing parameters, and the password before the code.
    let a = s_.api("v=12&method=completePhoneLogin", Some(&token)).await;
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Required parameter 'code' is not set")
    );
    let a = s_
        .api("v=12&method=complete2faLogin&password=guest", Some(&token))
        .await;
    assert!(
        error_message(&a.json).is_some_and(|m| m.starts_with("I'm not waiting for the password"))
    );
    // The PC owner's demo code is not this account's code.
    let a = s_
        .api("v=12&method=completePhoneLogin&code=12345", Some(&token))
        .await;
    assert_eq!(s(&a.json, "res"), "phone_code_invalid");
    // A wrong code keeps the login waiting for a code (the reference's bug is not copied).
    let a = s_
        .api("v=12&method=completePhoneLogin&code=54321", Some(&token))
        .await;
    assert_eq!(s(&a.json, "res"), "password");
    // The owner's device still sees the owner while a guest logs in.
    let a = s_.api("v=12&method=me", Some(&owner)).await;
    assert_eq!(s(&a.json, "id"), OWNER_ID);
}

#[tokio::test]
async fn bad_number_wrong_user_code_and_the_pairing_filler() {
    let s_ = start(true).await;
    s_.pairing.open();
    // A number Telegram does not know: the token is answered, the result word says why.
    let a = s_.phone_login(&s_.user_code(), "%2B15559999999").await;
    assert_eq!(a.status, 200);
    assert_eq!(s(&a.json, "res"), "phone_number_invalid");
    assert!(a.json.has("user"));
    let t = s(&a.json, "user");
    assert_eq!(s_.api("v=12&method=me", Some(&t)).await.status, 401);

    // A wrong user code in the captcha box: the captcha reloads, nothing is sent to Telegram.
    let right = s_.user_code();
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let a = s_.phone_login(wrong, GUEST_PHONE).await;
    assert_eq!(s(&a.json, "res"), "wrong_captcha");
    assert!(!a.json.has("user"));
    assert!(s_.guest_logged_in().len() == 1, "no new Telegram login");

    // `+0` in the phone box keeps the pairing meaning even with the login API on.
    let a = s_.phone_login(&s_.user_code(), "%2B0").await;
    assert_eq!(s(&a.json, "res"), "qr");
    let ticket = s(&a.json, "user");
    let a = s_.api("v=12&method=qrLogin", Some(&ticket)).await;
    assert!(res_is_one(&a.json));
    let device = s(&a.json, "user");
    let a = s_.api("v=12&method=me", Some(&device)).await;
    assert_eq!(s(&a.json, "id"), OWNER_ID);
}

#[tokio::test]
async fn login_api_off_keeps_the_pairing_meaning_for_a_real_number() {
    let s_ = start(false).await;
    s_.pairing.open();
    let a = s_.phone_login(&s_.user_code(), GUEST_PHONE).await;
    assert_eq!(s(&a.json, "res"), "qr", "pairing, not a Telegram login");
    assert!(s_.guest_logged_in().is_empty());
    let a = s_
        .api(
            "v=12&method=completePhoneLogin&code=54321",
            Some(&s(&a.json, "user")),
        )
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Login API is disabled")
    );
}

#[tokio::test]
async fn a_guest_login_survives_a_restart_through_the_vault_contents() {
    let s_ = start(true).await;
    s_.pairing.open();
    let a = s_.phone_login(&s_.user_code(), GUEST_PHONE).await;
    let token = s(&a.json, "user");
    let a = s_
        .api("v=12&method=completePhoneLogin&code=54321", Some(&token))
        .await;
    assert_eq!(s(&a.json, "res"), "password");
    let a = s_
        .api("v=12&method=complete2faLogin&password=guest", Some(&token))
        .await;
    assert!(res_is_one(&a.json));
    assert_eq!(s_.guests.count(), 1);
    // What the saver writes (the vault's JSON), without the token itself.
    let data = VaultData {
        version: VaultData::VERSION,
        guests: s_.guests.snapshot(),
        ..VaultData::default()
    };
    let bytes = serde_json::to_vec(&data).expect("serialise");
    assert!(
        !String::from_utf8_lossy(&bytes).contains(&token),
        "only the token's hash is stored"
    );
    let guest_dc = Arc::clone(&s_.guest_dc);
    let keys = Arc::clone(&s_.guest_keys);
    drop(s_);

    let back: VaultData = serde_json::from_slice(&bytes).expect("read back");
    let s_ = start_with(true, guest_dc, back.guests).await;
    let a = s_.api("v=12&method=me&status=1", Some(&token)).await;
    assert_eq!(a.status, 200);
    assert_eq!(s(&a.json, "id"), GUEST_ID.to_string());
    // The login API switched off (or the owner logging out) ends stored guests on Telegram.
    log_out_stored(
        s_.guests.snapshot(),
        &credentials(),
        std::time::Duration::from_secs(10),
    )
    .await;
    let key = keys.lock().expect("keys")[0].clone();
    assert!(!s_.guest_dc.key_authorized(&key));
    // A vault written before guests existed still reads.
    let old: VaultData = serde_json::from_slice(
        br#"{"version":1,"session":null,"devices":null,"credentials":null}"#,
    )
    .expect("old vault");
    assert!(old.guests.is_empty());
}

#[test]
fn a_real_number_is_told_from_the_pairing_filler() {
    use mpgram::api::methods::login::is_real_phone;
    for real in [
        "+15550000042",
        "15550000042",
        "+7 900 123-45-67",
        "+4915112345",
    ] {
        assert!(is_real_phone(real), "{real}");
    }
    for filler in ["+0", "0", "0000000000", "+000000", "+123", ""] {
        assert!(!is_real_phone(filler), "{filler}");
    }
}

/// `updates` (long poll, keep-alive spaces first) with `token`.
async fn poll(s_: &Server, token: &str, query: &str) -> Json {
    let r = s_
        .get(&format!("api.php?v=12&method=updates&{query}"), Some(token))
        .await;
    assert_eq!(r.status().as_u16(), 200);
    let body = r.bytes().await.expect("body").to_vec();
    let start = body.iter().position(|&b| b != b' ').expect("some JSON");
    strict::assert_client_ok(&body[start..], false)
}

fn has_message(j: &Json, id: i32) -> bool {
    j.get_array("res").expect("res").iter().any(|e| {
        e.get_object("update")
            .and_then(|u| u.get_object("message"))
            .and_then(|m| m.get_long("id"))
            .ok()
            == Some(i64::from(id))
    })
}

#[tokio::test]
async fn a_guest_has_its_own_update_queue() {
    let s_ = Arc::new(start(true).await);
    let owner = s_.owner_device().await;
    s_.pairing.open();
    let a = s_.phone_login(&s_.user_code(), GUEST_PHONE).await;
    let token = s(&a.json, "user");
    s_.api("v=12&method=completePhoneLogin&code=54321", Some(&token))
        .await;
    let a = s_
        .api("v=12&method=complete2faLogin&password=guest", Some(&token))
        .await;
    assert!(res_is_one(&a.json));
    let last = s_.api("v=12&method=getLastUpdate", Some(&token)).await;
    let offset = last
        .json
        .get_object("res")
        .and_then(|r| r.get_long("update_id"))
        .expect("res.update_id");
    let owner_last = s_.api("v=12&method=getLastUpdate", Some(&owner)).await;
    let owner_offset = owner_last
        .json
        .get_object("res")
        .and_then(|r| r.get_long("update_id"))
        .expect("res.update_id");
    let (s2, t2) = (Arc::clone(&s_), token.clone());
    let open =
        tokio::spawn(async move { poll(&s2, &t2, &format!("offset={offset}&timeout=30")).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let friend = GUEST_ID + 1;
    let id = s_
        .guest_dc
        .push_incoming(fakegram::Peer::User(friend), friend, "hi Gina");
    let j = tokio::time::timeout(std::time::Duration::from_secs(20), open)
        .await
        .expect("the guest's poll answers")
        .expect("poll task");
    assert!(has_message(&j, id), "the guest's message reaches the guest");
    // The PC owner's queue never sees it.
    let r = s_
        .get(
            &format!("api.php?v=12&method=updates&offset={owner_offset}&timeout=1"),
            Some(&owner),
        )
        .await;
    let body = String::from_utf8(r.bytes().await.expect("body").to_vec()).expect("utf-8");
    assert!(body.contains("\"res\""), "{body}");
    assert!(!body.contains("hi Gina"), "{body}");
}

#[tokio::test]
async fn the_saver_writes_guests_into_the_vault_as_they_come_and_go() {
    use mpgram::app::Saver;
    use mpgram::store::{KeySource, Vault};
    let dir = tempfile::tempdir().expect("tmp");
    let vault = Arc::new(
        Vault::open(
            &dir.path().join("data"),
            &KeySource::InsecureKeyFile(dir.path().join("vault.key")),
        )
        .expect("vault"),
    );
    let s_ = start(true).await;
    let saver = Saver::spawn(
        Arc::clone(&vault),
        VaultData::default(),
        None,
        s_.pairing.clone(),
        s_.guests.clone(),
        std::time::Duration::from_millis(50),
    );
    let stored = |v: &Vault| VaultData::load(v).expect("load").guests.len();
    s_.pairing.open();
    let a = s_.phone_login(&s_.user_code(), GUEST_PHONE).await;
    let token = s(&a.json, "user");
    s_.api("v=12&method=completePhoneLogin&code=54321", Some(&token))
        .await;
    s_.api("v=12&method=complete2faLogin&password=guest", Some(&token))
        .await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while stored(&vault) != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "saved after sign-in"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    s_.api("v=12&method=logout", Some(&token)).await;
    while stored(&vault) != 0 {
        assert!(tokio::time::Instant::now() < deadline, "saved after logout");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    saver.finish().await;
}

#[tokio::test]
async fn the_pc_lists_guests_and_can_log_one_out() {
    use mpgram::control::{ControlFile, ControlServer, ControlState, Status};
    let s_ = start(true).await;
    s_.pairing.open();
    let a = s_.phone_login(&s_.user_code(), GUEST_PHONE).await;
    let token = s(&a.json, "user");
    s_.api("v=12&method=completePhoneLogin&code=54321", Some(&token))
        .await;
    s_.api("v=12&method=complete2faLogin&password=guest", Some(&token))
        .await;
    let dir = tempfile::tempdir().expect("tmp");
    let state = ControlState::new(
        s_.pairing_http.clone(),
        &s_.base,
        Status::serving(&s_.base, false),
    );
    let control = ControlServer::start(dir.path(), state, axum::Router::new())
        .await
        .expect("control");
    let file: ControlFile = serde_json::from_slice(
        &std::fs::read(dir.path().join("control.json")).expect("control.json"),
    )
    .expect("parses");
    let devices: serde_json::Value = s_
        .http
        .get(format!("{}/v1/devices", file.url))
        .bearer_auth(&file.secret)
        .send()
        .await
        .expect("devices")
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).expect("json"))
        .expect("body");
    let guests = devices["guests"].as_array().expect("guests").clone();
    assert_eq!(guests.len(), 1, "{devices}");
    assert_eq!(guests[0]["phone"], "+1555\u{2022}\u{2022}\u{2022}0042");
    let id = guests[0]["id"].as_u64().expect("id");
    let r = s_
        .http
        .post(format!("{}/v1/guests/{id}/logout", file.url))
        .bearer_auth(&file.secret)
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status().as_u16(), 200);
    let after: serde_json::Value =
        serde_json::from_slice(&r.bytes().await.expect("body")).expect("json");
    assert!(after["guests"].as_array().is_some_and(Vec::is_empty));
    assert_eq!(s_.api("v=12&method=me", Some(&token)).await.status, 401);
    assert_eq!(s_.guest_logged_in(), vec![false]);
    let r = s_
        .http
        .post(format!("{}/v1/guests/{id}/logout", file.url))
        .bearer_auth(&file.secret)
        .send()
        .await
        .expect("logout");
    assert_eq!(r.status().as_u16(), 404);
    control.shutdown().await;
}

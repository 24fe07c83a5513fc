//! The tray process (real binary, demo world, on the X display) without a window: "Start at login"
//! writes and removes the autostart entry; Quit answers a phone's open long poll before it ends; a
//! phone waiting for Allow raises a notification whose click opens the window; without a tray the
//! window opens at start and a second launch reopens it.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// Tests here count the windows titled "MPGram Home" on the display: one such test at a time.
static ONE_WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const STEP: Duration = Duration::from_secs(30);

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn control(dir: &Path) -> Option<(String, String)> {
    let text = std::fs::read_to_string(dir.join("control.json")).ok()?;
    let v: Value = serde_json::from_str(&text).ok()?;
    Some((
        v["url"].as_str()?.to_owned(),
        v["secret"].as_str()?.to_owned(),
    ))
}

async fn call(dir: &Path, method: reqwest::Method, path: &str) -> Value {
    let (url, secret) = control(dir).expect("control.json");
    let http = reqwest::Client::builder().no_proxy().build().expect("http");
    let r = http
        .request(method, format!("{url}{path}"))
        .bearer_auth(secret)
        .send()
        .await
        .expect("control call");
    serde_json::from_slice(&r.bytes().await.expect("body")).unwrap_or(Value::Null)
}

async fn settings(dir: &Path, body: Option<Value>) -> Value {
    let (url, secret) = control(dir).expect("control.json");
    let http = reqwest::Client::builder().no_proxy().build().expect("http");
    let req = match body {
        Some(b) => http
            .put(format!("{url}/v1/settings"))
            .header("Content-Type", "application/json")
            .body(b.to_string()),
        None => http.get(format!("{url}/v1/settings")),
    };
    let r = req.bearer_auth(secret).send().await.expect("settings call");
    assert!(r.status().is_success(), "{}", r.status());
    serde_json::from_slice(&r.bytes().await.expect("body")).expect("settings json")
}

fn entries(home: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(home.join(".config/autostart"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default()
}

async fn until(what: &str, ok: impl Fn() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(start.elapsed() < STEP, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn display() -> bool {
    if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
        assert!(
            std::env::var("MPGRAM_SKIP_GUI_TESTS").is_ok_and(|s| s == "1"),
            "DISPLAY is not set: run under Xvfb (bash scripts/test.sh), or set MPGRAM_SKIP_GUI_TESTS=1"
        );
        return false;
    }
    true
}

/// The tray process, hidden, on the demo world; `home` is its HOME; `env`: more variables.
fn start_tray(home: &Path, data: &Path, env: &[(&str, &str)]) -> Proc {
    Proc(
        Command::new(env!("CARGO_BIN_EXE_mpgram-home"))
            .args([
                "--demo",
                "--hidden",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
            ])
            .arg(data)
            .env("HOME", home)
            .env_remove("XDG_CONFIG_HOME")
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .spawn()
            .expect("start mpgram-home"),
    )
}

/// The instance URL once the tray serves.
async fn serving_url(data: &Path) -> String {
    until("no control.json", || control(data).is_some()).await;
    let start = Instant::now();
    loop {
        let s = call(data, reqwest::Method::GET, "/v1/status").await;
        if s["state"] == "serving" {
            return s["url"].as_str().expect("url").to_owned();
        }
        assert!(start.elapsed() < STEP, "not serving: {s}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn quit_answers_an_open_long_poll_and_removes_the_control_file() {
    if !display() {
        return;
    }
    let home = tempfile::tempdir().expect("home");
    let data = tempfile::tempdir().expect("data");
    let mut app = start_tray(home.path(), data.path(), &[]);
    let url = serving_url(data.path()).await;
    // A phone with an "Import session" code opens a 60 s long poll.
    let code = call(
        data.path(),
        reqwest::Method::POST,
        "/v1/pairing/import-code",
    )
    .await["code"]
        .as_str()
        .expect("import code")
        .to_owned();
    let http = reqwest::Client::builder().no_proxy().build().expect("http");
    let poll = http
        .get(format!(
            "{url}/api.php?v=12&method=updates&offset=0&timeout=60"
        ))
        .header("X-mpgram-user", &code)
        .send();
    let poll = tokio::spawn(async move {
        let r = poll.await.expect("the poll got an answer");
        (
            r.status().as_u16(),
            r.bytes().await.expect("the whole body"),
        )
    });
    tokio::time::sleep(Duration::from_millis(500)).await;

    let asked = Instant::now();
    let _ = call(data.path(), reqwest::Method::POST, "/v1/quit").await;
    let (status, body) = tokio::time::timeout(STEP, poll)
        .await
        .expect("the poll was answered")
        .expect("poll task");
    assert_eq!(status, 200);
    let json = mpgram_tests::strict::assert_client_ok(&body, false);
    assert!(json.get_array("res").expect("res").is_empty());
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "the poll waited {:?}",
        asked.elapsed()
    );
    until("control.json stayed after Quit", || {
        !data.path().join("control.json").exists()
    })
    .await;
    let start = Instant::now();
    while app.0.try_wait().expect("wait").is_none() {
        assert!(start.elapsed() < STEP, "the tray process did not end");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn start_at_login_writes_and_removes_the_hidden_autostart_entry() {
    if std::env::var_os("DISPLAY").is_none_or(|d| d.is_empty()) {
        assert!(
            std::env::var("MPGRAM_SKIP_GUI_TESTS").is_ok_and(|s| s == "1"),
            "DISPLAY is not set: run under Xvfb (bash scripts/test.sh), or set MPGRAM_SKIP_GUI_TESTS=1"
        );
        return;
    }
    let home = tempfile::tempdir().expect("home");
    let data = tempfile::tempdir().expect("data");
    let exe = env!("CARGO_BIN_EXE_mpgram-home");
    let _app = Proc(
        Command::new(exe)
            .args([
                "--demo",
                "--hidden",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
            ])
            .arg(data.path())
            .env("HOME", home.path())
            .env_remove("XDG_CONFIG_HOME")
            .stdin(Stdio::null())
            .spawn()
            .expect("start mpgram-home"),
    );
    until("no control.json", || control(data.path()).is_some()).await;
    assert!(entries(home.path()).is_empty());

    let mut s = settings(data.path(), None).await;
    s["start_at_login"] = json!(true);
    let saved = settings(data.path(), Some(s.clone())).await;
    assert_eq!(saved["start_at_login"], true);
    until("no autostart entry was written", || {
        entries(home.path()).len() == 1
    })
    .await;
    let entry = std::fs::read_to_string(&entries(home.path())[0]).expect("entry");
    let exec = entry
        .lines()
        .find_map(|l| l.strip_prefix("Exec="))
        .expect("an Exec line");
    assert!(exec.contains(exe) && exec.ends_with("--hidden"), "{exec}");
    assert!(entry.contains("Name=MPGram Home"), "{entry}");

    s["start_at_login"] = json!(false);
    settings(data.path(), Some(s)).await;
    until("the autostart entry stayed", || {
        entries(home.path()).is_empty()
    })
    .await;
}

fn visible_windows() -> usize {
    Command::new("xdotool")
        .args(["search", "--onlyvisible", "--name", "^MPGram Home$"])
        .output()
        .map_or(0, |o| String::from_utf8_lossy(&o.stdout).lines().count())
}

/// The window processes the tray started (its children).
fn children(pid: u32) -> Vec<String> {
    Command::new("pgrep")
        .args(["-P", &pid.to_string()])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn without_a_tray_the_window_opens_at_start_and_a_second_launch_reopens_it() {
    let _one_window = ONE_WINDOW.lock().await;
    if !display() {
        return;
    }
    let home = tempfile::tempdir().expect("home");
    let data = tempfile::tempdir().expect("data");
    let app = start_tray(home.path(), data.path(), &[("MPGRAM_NO_TRAY", "1")]);
    // No tray to click: `--hidden` is overruled, the window comes up.
    until("no window at start without a tray", || {
        visible_windows() == 1
    })
    .await;

    // The person closes it (here: its process ends); the server keeps serving.
    for child in children(app.0.id()) {
        let _ = Command::new("kill").arg(&child).status();
    }
    until("the window stayed", || visible_windows() == 0).await;
    assert_eq!(
        call(data.path(), reqwest::Method::GET, "/v1/status").await["state"],
        "serving"
    );

    // Launching the app again finds the running one and brings the window back.
    let out = Command::new(env!("CARGO_BIN_EXE_mpgram-home"))
        .arg("--data-dir")
        .arg(data.path())
        .env("HOME", home.path())
        .stdin(Stdio::null())
        .output()
        .expect("second launch");
    assert!(out.status.success(), "{out:?}");
    until("the second launch opened no window", || {
        visible_windows() == 1
    })
    .await;
    let _ = call(data.path(), reqwest::Method::POST, "/v1/quit").await;
    until("Quit left the window open", || visible_windows() == 0).await;
}

/// A stand-in desktop notification server (`org.freedesktop.Notifications`) on the test's session
/// bus: it records each notification and lets the test click it.
mod notifications {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use zbus::object_server::SignalEmitter;
    use zbus::zvariant::OwnedValue;

    #[derive(Debug, Clone)]
    pub struct Shown {
        pub id: u32,
        pub summary: String,
        pub body: String,
        pub actions: Vec<String>,
    }

    #[derive(Default, Clone)]
    pub struct Server {
        pub shown: Arc<Mutex<Vec<Shown>>>,
    }

    #[zbus::interface(name = "org.freedesktop.Notifications")]
    impl Server {
        #[allow(clippy::too_many_arguments)]
        fn notify(
            &self,
            app_name: String,
            replaces_id: u32,
            app_icon: String,
            summary: String,
            body: String,
            actions: Vec<String>,
            hints: HashMap<String, OwnedValue>,
            expire_timeout: i32,
        ) -> u32 {
            let _ = (app_name, replaces_id, app_icon, hints, expire_timeout);
            let mut shown = self.shown.lock().expect("lock");
            let id = u32::try_from(shown.len()).unwrap_or(u32::MAX - 1) + 1;
            shown.push(Shown {
                id,
                summary,
                body,
                actions,
            });
            id
        }

        #[allow(clippy::unused_self, reason = "a D-Bus method of the stand-in server")]
        fn close_notification(&self, id: u32) {
            let _ = id;
        }

        #[allow(clippy::unused_self, reason = "a D-Bus method of the stand-in server")]
        fn get_capabilities(&self) -> Vec<String> {
            vec!["actions".into(), "body".into()]
        }

        #[allow(clippy::unused_self, reason = "a D-Bus method of the stand-in server")]
        fn get_server_information(&self) -> (String, String, String, String) {
            ("test".into(), "mpgram".into(), "1".into(), "1.2".into())
        }

        #[zbus(signal)]
        pub async fn action_invoked(
            emitter: &SignalEmitter<'_>,
            id: u32,
            action_key: &str,
        ) -> zbus::Result<()>;
    }

    pub const PATH: &str = "/org/freedesktop/Notifications";

    pub async fn start() -> (zbus::Connection, Server) {
        let server = Server::default();
        let conn = zbus::connection::Builder::session()
            .expect("session bus")
            .name("org.freedesktop.Notifications")
            .expect("name")
            .serve_at(PATH, server.clone())
            .expect("serve")
            .build()
            .await
            .expect("the test's notification server");
        (conn, server)
    }

    /// The person clicks notification `id`.
    pub async fn click(conn: &zbus::Connection, id: u32) {
        let iface = conn
            .object_server()
            .interface::<_, Server>(PATH)
            .await
            .expect("our interface");
        Server::action_invoked(iface.signal_emitter(), id, "default")
            .await
            .expect("ActionInvoked");
    }
}

#[tokio::test]
async fn a_phone_waiting_for_allow_raises_a_notification_whose_click_opens_the_window() {
    let _one_window = ONE_WINDOW.lock().await;
    if !display() {
        return;
    }
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        eprintln!("skipped: no session bus (run under dbus-run-session, as scripts/test.sh does)");
        return;
    }
    let (bus, notes) = notifications::start().await;
    let home = tempfile::tempdir().expect("home");
    let data = tempfile::tempdir().expect("data");
    std::fs::write(
        data.path().join("settings.json"),
        br#"{"ask_before_pairing": true}"#,
    )
    .expect("settings");
    let _app = start_tray(home.path(), data.path(), &[]);
    let url = serving_url(data.path()).await;
    // `mpgram pair`-style opening without a screen: the phone then waits for Allow.
    let pairing = call(data.path(), reqwest::Method::POST, "/v1/pairing/open").await;
    let code = pairing["user_code"].as_str().expect("user code").to_owned();

    // The phone types the code ("Log in using QR code", captcha box, Next).
    let http = reqwest::Client::builder().no_proxy().build().expect("http");
    let api = |q: String| {
        let http = http.clone();
        let url = url.clone();
        async move {
            let r = http
                .get(format!("{url}/api.php?{q}"))
                .header("X-mpgram-device", "Nokia5800")
                .send()
                .await
                .expect("phone request");
            let body = r.bytes().await.expect("body");
            let v: Value = serde_json::from_slice(&body).expect("json");
            mpgram_tests::strict::assert_client_ok(&body, false);
            v
        }
    };
    let a = api("v=12&method=initLogin&qr=1".into()).await;
    let id = a["captcha_id"].as_str().expect("captcha id").to_owned();
    let a = api(format!(
        "v=12&method=initLogin&qr=1&captcha_id={id}&captcha_key={code}"
    ))
    .await;
    assert_eq!(a["res"], "qr", "{a}");

    // The PC shows a notification with the comparison number.
    until("no notification was shown", || {
        !notes.shown.lock().expect("lock").is_empty()
    })
    .await;
    let shown = notes.shown.lock().expect("lock")[0].clone();
    let number = call(data.path(), reqwest::Method::GET, "/v1/devices").await["pending"][0]
        ["number"]
        .as_str()
        .expect("number")
        .to_owned();
    assert_eq!(shown.summary, "A phone wants to pair");
    assert!(
        shown.body.contains("Nokia5800") && shown.body.contains(number.trim_start_matches('0')),
        "{shown:?}"
    );
    assert!(shown.actions.iter().any(|a| a == "default"), "{shown:?}");

    // A click on it opens the window.
    assert_eq!(visible_windows(), 0);
    notifications::click(&bus, shown.id).await;
    until("the click opened no window", || visible_windows() == 1).await;
    let _ = call(data.path(), reqwest::Method::POST, "/v1/quit").await;
    until("Quit left the window open", || visible_windows() == 0).await;
}

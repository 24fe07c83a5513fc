//! The tray process (real binary, demo world, on the X display) without a window: "Start at login"
//! writes and removes the autostart entry; Quit answers a phone's open long poll before it ends.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

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

/// The tray process, hidden, on the demo world; `home` is its HOME.
fn start_tray(home: &Path, data: &Path) -> Proc {
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
            .stdin(Stdio::null())
            .spawn()
            .expect("start mpgram-home"),
    )
}

#[tokio::test]
async fn quit_answers_an_open_long_poll_and_removes_the_control_file() {
    if !display() {
        return;
    }
    let home = tempfile::tempdir().expect("home");
    let data = tempfile::tempdir().expect("data");
    let mut app = start_tray(home.path(), data.path());
    until("no control.json", || control(data.path()).is_some()).await;
    let url = loop {
        let s = call(data.path(), reqwest::Method::GET, "/v1/status").await;
        if s["state"] == "serving" {
            break s["url"].as_str().expect("url").to_owned();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
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
    if !display() {
        return;
    }
    let home = tempfile::tempdir().expect("home");
    let data = tempfile::tempdir().expect("data");
    let app = Proc(
        Command::new(env!("CARGO_BIN_EXE_mpgram-home"))
            .args([
                "--demo",
                "--hidden",
                "--listen",
                "127.0.0.1:0",
                "--data-dir",
            ])
            .arg(data.path())
            .env("HOME", home.path())
            .env("MPGRAM_NO_TRAY", "1")
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .stdin(Stdio::null())
            .spawn()
            .expect("start mpgram-home"),
    );
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

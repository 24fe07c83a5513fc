//! "Start at login" in Settings writes the session's autostart entry for the tray role, hidden, and
//! takes it away again. Runs the real tray process (demo world) on the X display with its own HOME.

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

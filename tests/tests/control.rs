//! The loopback control channel of a real `mpgram demo --data-dir D` process: who may talk to it
//! (secret, Host, Origin), its file, and its event stream.

mod cli_common;

use std::io::{BufRead, BufReader};
use std::time::Duration;

use cli_common::{http, res_is_one, Demo};

#[test]
fn control_json_is_private_and_the_secret_host_and_origin_are_checked() {
    let demo = Demo::start();
    let file = demo.dir.path().join("control.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "only this user can read the secret");
    }
    assert_eq!(demo.control.pid, demo.proc.child.id());
    assert_eq!(demo.control.secret.len(), 64);
    assert!(demo.control.secret.bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(demo.control.url.starts_with("http://127.0.0.1:"));

    let url = format!("{}/v1/status", demo.control.url);
    let status_of = |r: reqwest::blocking::RequestBuilder| {
        let r = r.send().expect("request");
        let code = r.status().as_u16();
        assert!(
            r.headers().get("access-control-allow-origin").is_none(),
            "never CORS"
        );
        let body: serde_json::Value = serde_json::from_slice(&r.bytes().expect("body"))
            .expect("every answer is JSON, errors too");
        (code, body)
    };
    let (code, body) = status_of(http().get(&url));
    assert_eq!(code, 401, "no secret");
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()));
    let wrong = "0".repeat(64);
    assert_eq!(status_of(http().get(&url).bearer_auth(&wrong)).0, 401);
    let (code, body) = status_of(http().get(&url).bearer_auth(&demo.control.secret));
    assert_eq!(code, 200);
    assert_eq!(body["state"], "serving");
    assert_eq!(body["demo"], true);
    assert_eq!(body["version"], "0.1.0");
    assert_eq!(
        body["url"].as_str().map(|u| format!("{u}/")),
        Some(demo.url.clone())
    );
    // A web page on this PC (DNS rebinding or a plain fetch) cannot use it, even with the secret.
    let (code, _) = status_of(
        http()
            .get(&url)
            .bearer_auth(&demo.control.secret)
            .header("Host", "attacker.example"),
    );
    assert_eq!(code, 403, "foreign Host");
    let port = demo.control.url.rsplit(':').next().expect("port");
    let (code, _) = status_of(
        http()
            .get(&url)
            .bearer_auth(&demo.control.secret)
            .header("Host", format!("localhost:{port}")),
    );
    assert_eq!(code, 200, "localhost:PORT is fine");
    let (code, _) = status_of(
        http()
            .get(&url)
            .bearer_auth(&demo.control.secret)
            .header("Origin", "http://127.0.0.1:8080"),
    );
    assert_eq!(code, 403, "any Origin is refused");
}

#[cfg(unix)]
#[test]
fn control_json_is_removed_on_a_clean_stop() {
    let mut demo = Demo::start();
    let file = demo.dir.path().join("control.json");
    assert!(file.exists());
    assert!(demo.proc.interrupt().success());
    assert!(!file.exists(), "no stale control file after Ctrl-C");
    let o = demo.run(&["devices"]);
    assert!(!o.status.success());
    assert!(cli_common::stderr(&o).contains("MPGram is not running on this data folder"));
}

/// Reads `/v1/events` on a thread and forwards `(event, data)` pairs.
fn follow_events(demo: &Demo) -> std::sync::mpsc::Receiver<(String, serde_json::Value)> {
    let resp = reqwest::blocking::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
        .get(format!("{}/v1/events", demo.control.url))
        .bearer_auth(&demo.control.secret)
        .send()
        .expect("event stream");
    assert_eq!(resp.status(), 200);
    assert!(resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/event-stream")));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut event = String::new();
        for line in BufReader::new(resp).lines() {
            let Ok(line) = line else { break };
            if let Some(e) = line.strip_prefix("event: ") {
                e.clone_into(&mut event);
            } else if let Some(d) = line.strip_prefix("data: ") {
                let Ok(v) = serde_json::from_str(d) else {
                    continue;
                };
                if tx.send((event.clone(), v)).is_err() {
                    break;
                }
            }
        }
    });
    rx
}

fn next_matching(
    rx: &std::sync::mpsc::Receiver<(String, serde_json::Value)>,
    what: &str,
    cond: impl Fn(&str, &serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let (e, v) = rx
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no {what} event"));
        if cond(&e, &v) {
            return v;
        }
    }
}

#[test]
fn events_announce_pending_phones_and_pairing_changes() {
    let demo = Demo::start();
    let events = follow_events(&demo);
    // A new stream starts with the current state.
    next_matching(&events, "initial status", |e, v| {
        e == "status" && v["state"] == "serving"
    });
    next_matching(&events, "initial devices", |e, v| {
        e == "devices" && v["devices"].as_array().is_some_and(|d| d.len() == 1)
    });

    // Opened without a window: every phone needs Allow.
    let pairing = demo.control_post("/v1/pairing/open", r#"{"window_visible":false}"#);
    assert_eq!(pairing["open"], true);
    assert!(pairing["open_until"].as_u64().is_some(), "ends by itself");
    let code = pairing["user_code"].as_str().expect("code").to_owned();
    assert_eq!(code.len(), 6);
    assert!(pairing["qr_svg"]
        .as_str()
        .is_some_and(|s| s.contains("<svg")));
    assert_eq!(
        pairing["pair_url"].as_str(),
        Some(format!("{}pair?c={code}", demo.url).as_str())
    );

    let phone = demo.phone("Nokia6300");
    let ticket = phone.type_user_code(&code);
    // The code was used: it rotated, and the phone waits for approval; the stream says both.
    next_matching(&events, "rotated code", |e, v| {
        e == "pairing" && v["user_code"].as_str().is_some_and(|c| c != code)
    });
    let devices = next_matching(&events, "pending", |e, v| {
        e == "devices" && v["pending"].as_array().is_some_and(|p| !p.is_empty())
    });
    let pending = &devices["pending"][0];
    assert_eq!(pending["name"], "Nokia6300");
    assert_eq!(pending["ip"], "127.0.0.1");
    assert_eq!(pending["app"], "1.5.13");
    assert_eq!(pending["number"].as_str().map(str::len), Some(2));
    // The phone keeps waiting until the PC allows it.
    let a = phone.poll(&ticket);
    assert_eq!(cli_common::s(&a.json, "res"), "qr");
    let id = pending["id"].as_u64().expect("id");
    let after = demo.control_post(&format!("/v1/devices/{id}/approve"), "");
    assert!(after["pending"].as_array().is_some_and(Vec::is_empty));
    let a = phone.poll(&ticket);
    assert!(res_is_one(&a.json), "allowed: the next poll pairs");
    let token = cli_common::s(&a.json, "user");
    next_matching(&events, "paired device", |e, v| {
        e == "devices"
            && v["devices"]
                .as_array()
                .is_some_and(|d| d.iter().any(|d| d["id"] == id))
    });
    assert_eq!(phone.api("v=12&method=me", Some(&token)).status, 200);

    // Closed on the PC: the stream says pairing is no longer open once it ends.
    let closed = demo.control_post("/v1/pairing/close", "");
    assert_eq!(closed["open"], true, "still open for the grace period");
}

#[test]
fn device_actions_answer_json_and_plain_words() {
    let demo = Demo::start();
    let send = |path: &str, body: &str| {
        let r = http()
            .post(format!("{}{path}", demo.control.url))
            .bearer_auth(&demo.control.secret)
            .body(body.to_owned())
            .send()
            .expect("request");
        let code = r.status().as_u16();
        let v: serde_json::Value = serde_json::from_slice(&r.bytes().expect("body")).expect("JSON");
        (code, v)
    };
    let (code, v) = send("/v1/devices/1/rename", r#"{"name":"Mum's Nokia"}"#);
    assert_eq!(code, 200);
    assert_eq!(v["devices"][0]["name"], "Mum's Nokia");
    let (code, v) = send("/v1/devices/1/rename", r#"{"name":"   "}"#);
    assert_eq!(code, 400);
    assert!(v["error"].as_str().is_some_and(|e| e.contains("name")));
    let (code, _) = send("/v1/devices/1/rename", "not json");
    assert_eq!(code, 400);
    let (code, v) = send("/v1/devices/99/revoke", "");
    assert_eq!(code, 404);
    assert!(v["error"].as_str().is_some_and(|e| e.contains("99")));
    let (code, _) = send("/v1/devices/abc/approve", "");
    assert_eq!(code, 404);
    let (code, _) = send("/v1/nothing", "");
    assert_eq!(code, 404);
    let v = demo.control_post("/v1/pairing/import-code", "");
    assert_eq!(v["code"].as_str().map(str::len), Some(32));
    assert!(v["expires_at"].as_u64().is_some());
}

//! `updates` / `getLastUpdate` / `cancelUpdates` against fakegram through the real router.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use fakegram::{demo_world, FakeDc, Peer};
use http_body_util::BodyExt;
use mpgram::server::{router, AppState, MemoryDevices, ServerConfig};
use mpgram::telegram::{Account, ApiCredentials, StoredSession};
use mpgram_tests::strict::assert_client_ok;
use mpgram_tests::{API_HASH, API_ID};
use tower::ServiceExt;

const ALEX: i64 = 100_000_003;

struct Setup {
    dc: FakeDc,
    app: axum::Router,
    token: String,
}

async fn setup() -> Setup {
    let dc = FakeDc::start(demo_world()).await.expect("fakegram starts");
    let key = dc.new_key(true);
    let account = Account::start(
        StoredSession::from(dc.session_data(&key, dc.home_dc())),
        ApiCredentials {
            api_id: API_ID,
            api_hash: API_HASH.into(),
        },
    );
    account.me().await.expect("connected");
    account.updates_ready().await;
    let devices = Arc::new(MemoryDevices::new());
    let token = mpgram::server::devices::new_token();
    devices.insert(token.clone());
    let app = router(AppState::new(account, devices, ServerConfig::default()));
    Setup { dc, app, token }
}

async fn get(s: &Setup, query: &str) -> Vec<u8> {
    let req = Request::get(format!("/api.php?v=12&{query}"))
        .header("X-mpgram-user", &s.token)
        .body(Body::empty())
        .expect("request");
    let resp = s.app.clone().oneshot(req).await.expect("answer");
    resp.into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec()
}

fn json_of(body: &[u8]) -> mpgram_tests::strict::Json {
    let start = body.iter().position(|&b| b != b' ').expect("some JSON");
    assert_client_ok(&body[start..], false)
}

#[tokio::test]
async fn pushed_message_reaches_open_poll_then_offset_acknowledges() {
    let s = Arc::new(setup().await);
    let last = json_of(&get(&s, "method=getLastUpdate").await);
    let offset = last.get_long("update_id").expect("integer update_id");
    let s2 = Arc::clone(&s);
    let poll = tokio::spawn(async move {
        get(&s2, &format!("method=updates&offset={offset}&timeout=30")).await
    });
    tokio::task::yield_now().await;
    let id = s.dc.push_incoming(Peer::User(ALEX), ALEX, "hello poll");
    let body = tokio::time::timeout(Duration::from_secs(15), poll)
        .await
        .expect("poll answers in time")
        .expect("poll task");
    assert_eq!(body.first(), Some(&b' '), "keep-alive space first");
    let j = json_of(&body);
    let res = j.get_array("res").expect("res");
    let env = res
        .iter()
        .find(|e| {
            e.get_object("update")
                .and_then(|u| u.get_object("message"))
                .and_then(|m| m.get_long("id"))
                .ok()
                == Some(i64::from(id))
        })
        .expect("the pushed message");
    let uid = env.get_long("update_id").expect("update_id");
    assert!(uid > offset);
    // Acknowledged: the same update is not delivered again.
    let again = json_of(&get(&s, &format!("method=updates&offset={uid}&timeout=0")).await);
    assert!(again.get_array("res").expect("res").is_empty());
}

#[tokio::test]
async fn cancel_updates_ends_an_open_poll_at_once() {
    let s = Arc::new(setup().await);
    let no = json_of(&get(&s, "method=cancelUpdates").await);
    assert_eq!(no.get_long("res").ok(), Some(0));
    let s2 = Arc::clone(&s);
    let poll = tokio::spawn(async move { get(&s2, "method=updates&offset=-1&timeout=60").await });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let r = json_of(&get(&s, "method=cancelUpdates").await);
        if r.get_long("res").ok() == Some(1) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "poll never opened");
        tokio::task::yield_now().await;
    }
    let body = tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .expect("cancelled poll answers at once")
        .expect("poll task");
    let j = json_of(&body);
    assert_eq!(j.get_long("cancel").ok(), Some(1));
}

//! `updates` / `getLastUpdate` / `cancelUpdates` against fakegram through the real router.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use fakegram::{demo_world, FakeDc, Peer};
use http_body_util::BodyExt;
use mpgram::pairing::Pairing;
use mpgram::server::{router, AppState, PairingHttp, ServerConfig};
use mpgram::telegram::{Account, ApiCredentials, StoredSession};
use mpgram_tests::strict::assert_client_ok;
use mpgram_tests::{API_HASH, API_ID};
use tower::ServiceExt;

const ALEX: i64 = 100_000_003;

struct Setup {
    dc: FakeDc,
    app: mpgram::server::Edge,
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
    // Production pairing, as `mpgram demo` pairs its device.
    let pairing = Pairing::new();
    let token = mpgram_tests::pair_devices(&pairing, 1).remove(0);
    let app = router(AppState::new(
        account,
        PairingHttp::new(pairing),
        ServerConfig::default(),
    ));
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
    // The client reads `getObject("res").getLong("update_id")` (client-j2me.md §9.2).
    let offset = last
        .get_object("res")
        .and_then(|r| r.get_long("update_id"))
        .expect("res.update_id, an integer");
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

const LENA: i64 = 100_000_010;
const MUM: i64 = 100_000_002;
const FAMILY: i64 = 500_001;

async fn get_with(s: &Setup, query: &str, header: (&str, &str)) -> Vec<u8> {
    let req = Request::get(format!("/api.php?v=12&{query}"))
        .header("X-mpgram-user", &s.token)
        .header(header.0, header.1)
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

/// The current newest `update_id` (the offset a client starts from).
async fn start_offset(s: &Setup) -> i64 {
    json_of(&get(s, "method=getLastUpdate").await)
        .get_object("res")
        .and_then(|r| r.get_long("update_id"))
        .expect("res.update_id, an integer")
}

fn message_ids(j: &mpgram_tests::strict::Json, wrapped: bool) -> Vec<i64> {
    j.get_array("res")
        .expect("res")
        .iter()
        .filter_map(|e| {
            let u = if wrapped {
                e.get_object("update").ok()?
            } else {
                e
            };
            u.get_object("message").ok()?.get_long("id").ok()
        })
        .collect()
}

/// A poll that answers as soon as something matching is queued (bounded by `timeout`).
async fn poll(s: &Setup, query: &str) -> mpgram_tests::strict::Json {
    let body = tokio::time::timeout(
        Duration::from_secs(20),
        get(s, &format!("method=updates&timeout=15&{query}")),
    )
    .await
    .expect("poll answers in time");
    json_of(&body)
}

#[tokio::test]
async fn notifications_lose_no_message_and_repeat_none() {
    let s = setup().await;
    let offset = start_offset(&s).await;
    let a = s.dc.push_incoming(Peer::User(ALEX), ALEX, "one");
    let b = s.dc.push_incoming(Peer::User(ALEX), ALEX, "two");
    // Both queued before asking (the queue is fed asynchronously).
    let mut got = Vec::new();
    let mut off = offset;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while got.len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "notifications: {got:?}"
        );
        let j = json_of(&get(&s, &format!("method=notifications&offset={off}")).await);
        got.extend(message_ids(&j, false));
        off = j.get_long("offset").expect("offset");
    }
    assert_eq!(got, vec![i64::from(a), i64::from(b)]);
    // Reference bug: the answer's offset made the next call skip exactly the next update.
    let c = s.dc.push_incoming(Peer::User(ALEX), ALEX, "three");
    let mut next = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while next.is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "third message lost");
        let j = json_of(&get(&s, &format!("method=notifications&offset={off}")).await);
        next.extend(message_ids(&j, false));
        off = j.get_long("offset").expect("offset");
    }
    assert_eq!(next, vec![i64::from(c)]);
    let j = json_of(&get(&s, &format!("method=notifications&offset={off}")).await);
    assert!(message_ids(&j, false).is_empty(), "nothing repeated");
    assert_eq!(j.get_long("offset").ok(), Some(off));
}

#[tokio::test]
async fn notifications_skip_muted_chats_unless_asked() {
    let s = setup().await;
    let offset = start_offset(&s).await;
    // Lena's chat is muted forever; Alex's has no setting of its own (mu decides).
    let lena = s.dc.push_incoming(Peer::User(LENA), LENA, "psst");
    let alex = s.dc.push_incoming(Peer::User(ALEX), ALEX, "hi");
    let poll_all = |q: String| {
        let s = &s;
        async move {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
            loop {
                let j = json_of(&get(s, &q).await);
                if j.get_array("res").is_ok_and(|r| !r.is_empty())
                    || tokio::time::Instant::now() > deadline
                {
                    return j;
                }
            }
        }
    };
    let j = poll_all(format!("method=notifications&offset={offset}")).await;
    assert_eq!(message_ids(&j, false), vec![i64::from(alex)]);
    let j = poll_all(format!(
        "method=notifications&offset={offset}&include_muted=1"
    ))
    .await;
    let res = j.get_array("res").expect("res");
    assert_eq!(
        message_ids(&j, false),
        vec![i64::from(lena), i64::from(alex)]
    );
    assert!(res[0].get_bool("mute").expect("mute flag"));
    assert!(!res[1].has("mute"));
    let j = poll_all(format!(
        "method=notifications&offset={offset}&mu=1&include_muted=1"
    ))
    .await;
    assert!(j.get_array("res").expect("res")[1]
        .get_bool("mute")
        .expect("mu mutes Alex"));
}

#[tokio::test]
async fn global_mode_delivers_each_update_once() {
    let s = setup().await;
    let offset = start_offset(&s).await;
    let id = s.dc.push_incoming(Peer::User(ALEX), ALEX, "once");
    let j = poll(&s, &format!("offset={offset}")).await;
    // Reference bug: message updates appeared twice in a row.
    let ids = message_ids(&j, true);
    assert_eq!(
        ids.iter().filter(|&&x| x == i64::from(id)).count(),
        1,
        "{ids:?}"
    );
}

#[tokio::test]
async fn basic_group_peer_mode_receives_its_messages() {
    let s = setup().await;
    let offset = start_offset(&s).await;
    let id = s.dc.push_incoming(Peer::Chat(FAMILY), MUM, "Sunday 13:00");
    let j = poll(&s, &format!("offset={offset}&peer=-{FAMILY}")).await;
    // Reference bug: basic groups never got live messages in peer mode.
    assert_eq!(message_ids(&j, true), vec![i64::from(id)]);
}

#[tokio::test]
async fn updates_closed_by_the_phone_are_not_lost() {
    let s = setup().await;
    let offset = start_offset(&s).await;
    let id =
        s.dc.push_incoming(Peer::User(ALEX), ALEX, "did you get this?");
    let first = poll(&s, &format!("offset={offset}&peer={ALEX}")).await;
    assert_eq!(message_ids(&first, true), vec![i64::from(id)]);
    // The phone lost that answer and polls again with its old offset: served again.
    let again = poll(&s, &format!("offset={offset}&peer={ALEX}")).await;
    assert_eq!(message_ids(&again, true), vec![i64::from(id)]);
    // A poll the phone drops mid-wait frees its slot; the update still waits for the next one.
    let dropped = tokio::time::timeout(
        Duration::from_millis(300),
        get(
            &s,
            &format!("method=updates&offset={}&timeout=30", offset + 100),
        ),
    )
    .await;
    assert!(dropped.is_err(), "that poll was still waiting");
    let later = s.dc.push_incoming(Peer::User(ALEX), ALEX, "and this?");
    let acked = again.get_array("res").expect("res")[0]
        .get_long("update_id")
        .expect("update_id");
    let ids = message_ids(
        &poll(&s, &format!("offset={acked}&peer={ALEX}")).await,
        true,
    );
    assert_eq!(ids, vec![i64::from(later)]);
}

#[tokio::test]
async fn read_flag_marks_delivered_messages_read() {
    let s = setup().await;
    let offset = start_offset(&s).await;
    let id = s.dc.push_incoming(Peer::User(ALEX), ALEX, "read me");
    let j = poll(&s, &format!("offset={offset}&peer={ALEX}&read=1&message=0")).await;
    assert_eq!(message_ids(&j, true), vec![i64::from(id)]);
    // Marked before the answer was written.
    let w = s.dc.world();
    let d = w.dialog(Peer::User(ALEX)).expect("dialog");
    assert!(
        d.read_inbox_max_id >= id,
        "read up to the delivered message"
    );
}

#[tokio::test]
async fn streamed_poll_honours_the_unicode_header() {
    let s = setup().await;
    let offset = start_offset(&s).await;
    s.dc.push_incoming(Peer::User(ALEX), ALEX, "привет ✓");
    let q = format!("method=updates&offset={offset}&timeout=15");
    let body = get_with(&s, &q, ("X-mpgram-unicode", "1")).await;
    let start = body.iter().position(|&b| b != b' ').expect("JSON");
    mpgram_tests::strict::assert_client_ok(&body[start..], true);
    assert!(String::from_utf8_lossy(&body).contains("привет ✓"));
    // Without the header: ASCII only (the strict parser checks it).
    let body = get(&s, &q).await;
    assert!(json_of(&body).get_array("res").is_ok());
    assert!(body.is_ascii());
}

#[tokio::test]
async fn m_flag_adds_mute_and_group_details() {
    let s = setup().await;
    let offset = start_offset(&s).await;
    s.dc.push_incoming(Peer::User(LENA), LENA, "muted chat");
    let j = poll(&s, &format!("offset={offset}&m=1")).await;
    let u = j.get_array("res").expect("res")[0]
        .get_object("update")
        .expect("update");
    assert!(u.get_long("mute_until").expect("mute_until") > 0);
    let offset = j.get_array("res").expect("res")[0]
        .get_long("update_id")
        .expect("id");
    s.dc.push_incoming(Peer::Chat(FAMILY), MUM, "group");
    let j = poll(&s, &format!("offset={offset}&m=1")).await;
    let u = j.get_array("res").expect("res")[0]
        .get_object("update")
        .expect("update");
    assert!(u.get_bool("chat").expect("chat flag"));
    assert!(!u.has("mute_until"));
}

#[tokio::test]
async fn own_delete_and_pin_reach_an_open_poll() {
    let s = setup().await;
    let offset = start_offset(&s).await;
    let channel = Peer::Channel(1_500_000_003);
    let id = {
        let mut w = s.dc.world();
        let me = w.me;
        let m = fakegram::MsgRec::text(channel, Some(Peer::User(me)), true, 1, "mine");
        w.post(m).0
    };
    let _ = get(&s, "method=getDialogs&limit=50").await;
    let pin = json_of(
        &get(
            &s,
            &format!("method=pinMessage&peer=-1001500000003&id={id}"),
        )
        .await,
    );
    assert_eq!(pin.get_string("res").ok().flatten().as_deref(), Some("1"));
    let del = json_of(
        &get(
            &s,
            &format!("method=deleteMessage&peer=-1001500000003&id={id}"),
        )
        .await,
    );
    assert_eq!(del.get_string("res").ok().flatten().as_deref(), Some("1"));
    let mut seen = Vec::new();
    let mut off = offset;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !(seen
        .iter()
        .any(|t: &String| t == "updateDeleteChannelMessages")
        && seen.iter().any(|t| t == "updatePinnedChannelMessages"))
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "own actions: {seen:?}"
        );
        let j = poll(&s, &format!("offset={off}&timeout=2")).await;
        for e in j.get_array("res").expect("res") {
            off = e.get_long("update_id").expect("id");
            let u = e.get_object("update").expect("update");
            seen.push(u.get_string("_").ok().flatten().unwrap_or_default());
        }
    }
}

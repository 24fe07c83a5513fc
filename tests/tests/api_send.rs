//! `sendMessage`, `editMessage`, `sendMedia` (`methods-more.md` §0.5–§0.9, §1) end to end: a
//! real HTTP client → our server → grammers → fakegram's demo world, every answer through the
//! strict J2ME parser, every effect checked in fakegram's world.

// A failed unwrap is a failed test here, with the panic message pointing at the line.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use fakegram::world::{EntityKind, Media};
use fakegram::{demo_world, FakeDc, MsgRec};
use mpgram::pairing::Pairing;
use mpgram::server::{self, AppState, PairingHttp, ServerConfig};
use mpgram::telegram::{Account, ApiCredentials, StoredSession};
use mpgram_tests::strict::Json;

#[path = "support/send_server.rs"]
mod support;

use support::{
    assert_res_string, chat, error_message, start, start_with, user, Server, ALEX, CLUB, FAMILY,
};

// ---- sendMessage ----

#[tokio::test]
async fn send_message_posts_the_text_once_and_answers_the_string_1() {
    let s = start().await;
    let before = s.count(user(ALEX));
    let a = s
        .get(&format!(
            "v=12&method=sendMessage&peer={ALEX}&text=Hi%20Anna%20%F0%9F%98%80"
        ))
        .await;
    assert_res_string(&a);
    let m = s.newest(user(ALEX));
    assert!(m.out);
    assert_eq!(m.text, "Hi Anna 😀");
    assert!(m.entities.is_empty(), "no entities without html");
    assert_eq!(s.count(user(ALEX)), before + 1);
    // A basic group and v=2 (no version gate, §0.4).
    let a = s
        .get(&format!(
            "v=2&method=sendMessage&peer={FAMILY}&text=line1%0Aline2"
        ))
        .await;
    assert_res_string(&a);
    assert_eq!(s.newest(chat(FAMILY)).text, "line1\nline2");
}

#[tokio::test]
async fn peer_is_checked_before_auth_then_auth() {
    let s = start().await;
    for method in ["sendMessage", "sendMedia", "editMessage"] {
        for peer in ["", "&peer=", "&peer=0"] {
            let a = s
                .get_as(&format!("v=12&method={method}{peer}&text=x"), None)
                .await;
            assert_eq!(a.status, 200);
            assert_eq!(
                error_message(&a.json).as_deref(),
                Some("Required parameter 'peer' is not set")
            );
        }
        let a = s
            .get_as(&format!("v=12&method={method}&peer={ALEX}"), Some("nope"))
            .await;
        assert_eq!(a.status, 401);
        assert_eq!(
            error_message(&a.json).as_deref(),
            Some("Invalid authorization")
        );
    }
}

#[tokio::test]
async fn replies_and_forum_topics() {
    let s = start().await;
    let target = s.newest(user(ALEX)).id;
    assert_res_string(
        &s.get(&format!(
            "v=12&method=sendMessage&peer={ALEX}&reply={target}&text=re"
        ))
        .await,
    );
    assert_eq!(s.newest(user(ALEX)).reply_to, Some(target));

    let topic = s.dc.world().chat(1_500_000_001).unwrap().topics[0].id;
    // The form chat view's quick send: `top` without `reply` (reference bug: went to General).
    assert_res_string(
        &s.get(&format!(
            "v=12&method=sendMessage&peer={CLUB}&top={topic}&text=in%20topic"
        ))
        .await,
    );
    let m = s.newest(chat(CLUB));
    assert_eq!(m.text, "in topic");
    assert_eq!((m.reply_to, m.top_id), (Some(topic), Some(topic)));
    // The canvas view: reply = max(target, topic) and top.
    let first = m.id;
    assert_res_string(
        &s.get(&format!(
            "v=12&method=sendMessage&peer={CLUB}&reply={first}&top={topic}&text=answer"
        ))
        .await,
    );
    let m = s.newest(chat(CLUB));
    assert_eq!((m.reply_to, m.top_id), (Some(first), Some(topic)));
}

#[tokio::test]
async fn html_text_becomes_entities_and_malformed_html_is_sent_as_typed() {
    let s = start().await;
    let a = s
        .post(
            &format!("v=12&method=sendMessage&peer={ALEX}&html=1"),
            Some(" <b>bold</b> and <i>it</i><br/><s>gone</s> <a href=\"https://x.org\">x</a> "),
            None,
        )
        .await;
    assert_res_string(&a);
    let m = s.newest(user(ALEX));
    assert_eq!(m.text, "bold and it\ngone x");
    let kinds: Vec<_> = m
        .entities
        .iter()
        .map(|e| (e.kind.clone(), e.offset, e.length))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (EntityKind::Bold, 0, 4),
            (EntityKind::Italic, 9, 2),
            (EntityKind::Strike, 12, 4),
            (EntityKind::TextUrl("https://x.org".into()), 17, 1),
        ]
    );
    // Reference: Unhandled (500) for malformed XML; here the text goes out unchanged.
    let a = s
        .post(
            &format!("v=12&method=sendMessage&peer={ALEX}&html=1"),
            Some("a < b & <b>c"),
            None,
        )
        .await;
    assert_res_string(&a);
    let m = s.newest(user(ALEX));
    assert_eq!(m.text, "a < b & <b>c");
    assert!(m.entities.is_empty());
}

#[tokio::test]
async fn long_texts_are_split_into_several_messages() {
    let s = start().await;
    let before = s.count(user(ALEX));
    let text = format!("{}\n{}", "a".repeat(3000), "b".repeat(3000));
    assert_res_string(
        &s.post(
            &format!("v=12&method=sendMessage&peer={ALEX}"),
            Some(&text),
            None,
        )
        .await,
    );
    assert_eq!(s.count(user(ALEX)), before + 2);
    assert_eq!(s.newest(user(ALEX)).text, "b".repeat(3000));
}

#[tokio::test]
async fn empty_text_is_telegrams_message_empty() {
    let s = start().await;
    let a = s.get(&format!("v=12&method=sendMessage&peer={ALEX}")).await;
    assert_eq!(a.status, 500);
    assert!(error_message(&a.json).unwrap().contains("MESSAGE_EMPTY"));
}

// ---- forwarding ----

#[tokio::test]
async fn forward_then_the_comment_as_a_separate_message() {
    let s = start().await;
    let ids: Vec<i32> = {
        let w = s.dc.world();
        let m = &w.messages[&user(ALEX)];
        m.values().rev().take(2).map(|m| m.id).rev().collect()
    };
    let before = s.count(chat(FAMILY));
    let a = s
        .post(
            &format!(
                "v=12&method=sendMessage&peer={FAMILY}&fwd_from={ALEX}&id={},{}&r=9",
                ids[0], ids[1]
            ),
            Some("look at this"),
            None,
        )
        .await;
    assert_res_string(&a);
    {
        let w = s.dc.world();
        let msgs: Vec<&MsgRec> = w.messages[&chat(FAMILY)].values().rev().take(3).collect();
        assert_eq!(w.messages[&chat(FAMILY)].len(), before + 3);
        assert_eq!(msgs[0].text, "look at this");
        assert!(msgs[0].fwd_from.is_none());
        assert!(msgs[1].fwd_from.is_some() && msgs[2].fwd_from.is_some());
    }

    // Without text: only the forward. Without `id`: the spec's error.
    let before = s.count(chat(FAMILY));
    assert_res_string(
        &s.get(&format!(
            "v=12&method=sendMessage&peer={FAMILY}&fwd_from={ALEX}&id={}",
            ids[0]
        ))
        .await,
    );
    assert_eq!(s.count(chat(FAMILY)), before + 1);
    let a = s
        .get(&format!(
            "v=12&method=sendMessage&peer={FAMILY}&fwd_from={ALEX}"
        ))
        .await;
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Required parameter 'id' is not set")
    );
}

// ---- editMessage ----

#[tokio::test]
async fn edit_changes_the_text_and_not_modified_is_success() {
    let s = start().await;
    assert_res_string(
        &s.get(&format!("v=12&method=sendMessage&peer={ALEX}&text=draft"))
            .await,
    );
    let id = s.newest(user(ALEX)).id;
    let q = format!("v=12&method=editMessage&peer={ALEX}&id={id}&text=final");
    assert_res_string(&s.get(&q).await);
    let m = s.dc.world().message(user(ALEX), id).cloned().unwrap();
    assert_eq!(m.text, "final");
    assert!(m.edit_date.is_some());
    // Same content again: Telegram says MESSAGE_NOT_MODIFIED; the phone gets success.
    assert_res_string(&s.get(&q).await);
    // Someone else's message: Telegram's error as Unhandled (500).
    let theirs = {
        let w = s.dc.world();
        w.messages[&user(ALEX)]
            .values()
            .rev()
            .find(|m| !m.out)
            .unwrap()
            .id
    };
    let a = s
        .get(&format!(
            "v=12&method=editMessage&peer={ALEX}&id={theirs}&text=x"
        ))
        .await;
    assert_eq!(a.status, 500);
    assert!(error_message(&a.json)
        .unwrap()
        .contains("MESSAGE_AUTHOR_REQUIRED"));
}

// ---- sendMedia without upload ----

#[tokio::test]
async fn send_media_needs_a_file_or_a_document() {
    let s = start().await;
    let a = s.get(&format!("v=12&method=sendMedia&peer={ALEX}")).await;
    assert_eq!(a.status, 200);
    assert!(error_message(&a.json).unwrap().starts_with("No file"));
}

#[tokio::test]
async fn sticker_by_doc_id_and_access_hash() {
    let s = start().await;
    let sticker = s.dc.world().sticker_sets[0].stickers[0];
    let hash = fakegram::world::access_hash_for(sticker);
    // The client picks a sticker from the set it opened; Telegram wants that set's file reference.
    let set = s.dc.world().sticker_sets[0].short_name.clone();
    let opened = s
        .get(&format!("v=12&method=getStickerSet&slug={set}"))
        .await;
    assert_eq!(opened.status, 200);
    assert_res_string(
        &s.get(&format!(
            "v=12&method=sendMedia&peer={ALEX}&doc_id={sticker}&doc_access_hash={hash}&r=1"
        ))
        .await,
    );
    let m = s.newest(user(ALEX));
    assert!(m.out);
    assert!(matches!(m.media, Some(Media::Document(id)) if id == sticker));
}

#[tokio::test]
async fn voice_without_conversion_is_refused() {
    let mut config = ServerConfig::default();
    config.features.voice_conversion = false;
    let s = start_with(config).await;
    let a = s
        .get(&format!(
            "v=12&method=sendMessage&peer={ALEX}&voice=1&text=x"
        ))
        .await;
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Voice conversion not supported")
    );
}

// ---- retried sends (§0.8) ----

#[tokio::test]
async fn the_same_r_posts_once_also_concurrently_and_another_r_posts_again() {
    let s = Arc::new(start().await);
    let before = s.count(user(ALEX));
    let q = format!("v=12&method=sendMessage&peer={ALEX}&text=once&r=1767225601234");
    assert_res_string(&s.get(&q).await);
    assert_res_string(&s.get(&q).await);
    assert_eq!(s.count(user(ALEX)), before + 1);

    let q2 = format!("v=12&method=sendMessage&peer={ALEX}&text=twice&r=1767225609999");
    let (a, b) = tokio::join!(s.get(&q2), s.get(&q2));
    assert_res_string(&a);
    assert_res_string(&b);
    assert_eq!(s.count(user(ALEX)), before + 2);

    let q3 = format!("v=12&method=sendMessage&peer={ALEX}&text=twice&r=1767225610000");
    assert_res_string(&s.get(&q3).await);
    assert_eq!(s.count(user(ALEX)), before + 3);
    // Without `r` nothing is deduplicated.
    let q4 = format!("v=12&method=sendMessage&peer={ALEX}&text=plain");
    assert_res_string(&s.get(&q4).await);
    assert_res_string(&s.get(&q4).await);
    assert_eq!(s.count(user(ALEX)), before + 5);
}

#[tokio::test]
async fn a_repeat_after_a_restart_is_refused_by_telegram_and_reported_as_success() {
    // Two servers (a restart) over one account's world, each with the same first device:
    // the second has no memory of the first send, but the derived random_id collides.
    let s = start().await;
    let q = format!("v=12&method=sendMessage&peer={ALEX}&text=restart&r=42");
    let before = s.count(user(ALEX));
    assert_res_string(&s.get(&q).await);

    let stored = StoredSession::from(s.dc.session_data(&s.dc.new_key(true), s.dc.home_dc()));
    let account = Account::start(
        stored,
        ApiCredentials {
            api_id: mpgram_tests::API_ID,
            api_hash: mpgram_tests::API_HASH.into(),
        },
    );
    account.me().await.expect("connected");
    // The restarted server's devices are the first one's, as a restart restores them.
    let pairing = Pairing::new();
    pairing.restore(s.pairing.snapshot());
    let state = AppState::new(
        account,
        PairingHttp::new(pairing.clone()),
        ServerConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::run(listener, server::router(state), async move {
        let _ = stopped.await;
    }));
    let again = Server {
        dc: FakeDc::start(demo_world()).await.unwrap(),
        base: format!("http://{addr}/"),
        token: s.token.clone(),
        second: String::new(),
        http: s.http.clone(),
        stop,
        pairing,
    };
    assert_eq!(
        again.get("v=12&method=getDialogs&limit=50").await.status,
        200
    );
    assert_res_string(&again.get(&q).await);
    assert_eq!(s.count(user(ALEX)), before + 1, "posted once");
}

// ---- own sends reach the long poll (§0.9) ----

async fn poll(s: &Server, token: &str, offset: i64) -> Vec<Json> {
    let a = s
        .get_as(
            &format!("v=12&method=updates&offset={offset}&timeout=20"),
            Some(token),
        )
        .await;
    a.json.get_array("res").unwrap().to_vec()
}

fn new_message_ids(updates: &[Json], peer: i64) -> Vec<i64> {
    updates
        .iter()
        .filter_map(|u| {
            let u = u.get("update")?;
            (u.get_string("_").ok()?? == "updateNewMessage").then_some(())?;
            let m = u.get("message")?;
            let p: i64 = m.get_string("peer_id").ok()??.parse().ok()?;
            (p == peer).then(|| m.get_long("id").ok())?
        })
        .collect()
}

fn last_id(updates: &[Json]) -> i64 {
    updates
        .iter()
        .filter_map(|u| u.get_long("update_id").ok())
        .max()
        .unwrap_or(0)
}

#[tokio::test]
async fn own_sends_from_this_and_another_device_reach_the_open_poll_once() {
    let s = Arc::new(start().await);
    let offset = s
        .get("v=12&method=getLastUpdate")
        .await
        .json
        .get_object("res")
        .and_then(|r| r.get_long("update_id"))
        .unwrap();

    // Device 1 polls; device 1 sends.
    let s1 = Arc::clone(&s);
    let token = s.token.clone();
    let open = tokio::spawn(async move { poll(&s1, &token, offset).await });
    tokio::task::yield_now().await;
    assert_res_string(
        &s.get(&format!("v=12&method=sendMessage&peer={ALEX}&text=mine"))
            .await,
    );
    let sent = s.newest(user(ALEX)).id;
    let got = tokio::time::timeout(Duration::from_secs(25), open)
        .await
        .expect("poll answers")
        .unwrap();
    assert!(new_message_ids(&got, ALEX).contains(&i64::from(sent)));
    let offset = last_id(&got).max(offset);

    // Device 2 sends while device 1 polls.
    let s1 = Arc::clone(&s);
    let token = s.token.clone();
    let open = tokio::spawn(async move { poll(&s1, &token, offset).await });
    tokio::task::yield_now().await;
    let a = s
        .get_as(
            &format!("v=12&method=sendMessage&peer={FAMILY}&text=from%20the%20other%20phone"),
            Some(&s.second),
        )
        .await;
    assert_res_string(&a);
    let sent2 = s.newest(chat(FAMILY)).id;
    let got = tokio::time::timeout(Duration::from_secs(25), open)
        .await
        .expect("poll answers")
        .unwrap();
    assert!(new_message_ids(&got, FAMILY).contains(&i64::from(sent2)));

    // Exactly once: after a marker pushed later by Telegram has arrived (so the update
    // stream's own copy of both sends has arrived too), each send is in the log once.
    let marker = s.dc.push_incoming(user(ALEX), ALEX, "marker");
    let mut all = Vec::new();
    for _ in 0..20 {
        all = poll(&s, &s.token, 0).await;
        if new_message_ids(&all, ALEX).contains(&i64::from(marker)) {
            break;
        }
    }
    assert!(new_message_ids(&all, ALEX).contains(&i64::from(marker)));
    let alex = new_message_ids(&all, ALEX);
    let family = new_message_ids(&all, FAMILY);
    assert_eq!(alex.iter().filter(|&&i| i == i64::from(sent)).count(), 1);
    assert_eq!(family.iter().filter(|&&i| i == i64::from(sent2)).count(), 1);
}

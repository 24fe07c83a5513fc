//! `methods-more.md` §2–§7 end to end: a real HTTP client over a real socket → our server →
//! grammers → fakegram's demo world, every answer through the strict J2ME parser, every effect
//! checked in fakegram's world.

// A failed unwrap is a failed test here, with the panic message pointing at the line.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use fakegram::{FakeDc, MsgRec, Peer};
use mpgram::server::ServerConfig;
use mpgram_tests::strict::{self, Json};

const ME: i64 = 100_000_001;
const ALEX: i64 = 100_000_003;
const WEATHER_BOT: i64 = 100_000_101;
const FAMILY: i64 = 500_001;
const DISCUSSION: i64 = 1_500_000_003;

struct Server {
    dc: FakeDc,
    base: String,
    token: String,
    http: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

struct Answer {
    status: u16,
    body: String,
    json: Json,
}

async fn start() -> Server {
    let d = mpgram_tests::serve_demo(ServerConfig::default(), 1).await;
    Server {
        dc: d.dc,
        base: d.base,
        token: d.tokens[0].clone(),
        http: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client"),
        _stop: d.stop,
    }
}

impl Server {
    async fn get(&self, query: &str) -> Answer {
        self.get_as(query, Some(&self.token)).await
    }

    async fn get_as(&self, query: &str, token: Option<&str>) -> Answer {
        let mut req = self.http.get(format!("{}api.php?v=12&{query}", self.base));
        if let Some(t) = token {
            req = req.header("X-mpgram-user", t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let body = resp.bytes().await.expect("body").to_vec();
        let json = strict::assert_client_ok(&body, false);
        Answer {
            status,
            body: String::from_utf8(body).expect("ASCII body"),
            json,
        }
    }

    /// An own message posted straight into the world (as if sent earlier from another app).
    fn own_message(&self, peer: Peer, text: &str) -> i32 {
        let mut w = self.dc.world();
        let m = MsgRec::text(
            peer,
            Some(Peer::User(ME)),
            true,
            fakegram::world::now(),
            text,
        );
        w.post(m).0
    }
}

fn error_message(a: &Answer) -> Option<String> {
    a.json.get("error")?.get_string("message").ok().flatten()
}

/// The answer is exactly this JSON (type of `res` included: `"1"` vs `1`).
fn assert_body(a: &Answer, want: &str) {
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body, want);
}

// ---- deleteMessage (§2) ----

#[tokio::test]
async fn delete_message_checks_parameters_before_auth() {
    let s = start().await;
    let a = s.get_as("method=deleteMessage", None).await;
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Required parameter 'peer' is not set")
    );
    let a = s.get_as("method=deleteMessage&peer=0&id=5", None).await;
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Required parameter 'peer' is not set"),
        "peer=0 is not set for the pre-auth check"
    );
    let a = s
        .get_as(&format!("method=deleteMessage&peer={ALEX}"), None)
        .await;
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Required parameter 'id' is not set")
    );
    let a = s
        .get_as(&format!("method=deleteMessage&peer={ALEX}&id=5"), None)
        .await;
    assert_eq!(a.status, 401);
    let a = s
        .get(&format!("method=deleteMessage&peer={ALEX}&id=5,x"))
        .await;
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Given parameter 'id' is not integer")
    );
}

#[tokio::test]
async fn delete_message_revoke_is_honoured_and_lists_work() {
    let s = start().await;
    let alex = Peer::User(ALEX);
    let one = s.own_message(alex, "oops");
    let a = s
        .get(&format!(
            "method=deleteMessage&revoke=1&peer={ALEX}&id={one}"
        ))
        .await;
    assert_body(&a, r#"{"res":"1"}"#);
    {
        let w = s.dc.world();
        assert!(w.message(alex, one).is_none(), "really deleted");
        // Reference bug: `revoke` was ignored and the message stayed on Alex's side.
        assert!(w.activity.revoked.contains(&(alex, one)));
    }
    // A selection (v9 id list) without `revoke`: deleted on our side only.
    let two = s.own_message(alex, "two");
    let three = s.own_message(alex, "three");
    let a = s
        .get(&format!(
            "method=deleteMessage&peer={ALEX}&id={two},{three}"
        ))
        .await;
    assert_body(&a, r#"{"res":"1"}"#);
    let w = s.dc.world();
    assert!(w.message(alex, two).is_none() && w.message(alex, three).is_none());
    assert!(w.activity.deleted_for_me.contains(&(alex, two)));
    assert!(!w.activity.revoked.contains(&(alex, three)));
}

#[tokio::test]
async fn delete_message_in_a_supergroup_uses_the_channel() {
    let s = start().await;
    let group = Peer::Channel(DISCUSSION);
    let id = s.own_message(group, "mine");
    let a = s
        .get(&format!(
            "method=deleteMessage&peer=-100{DISCUSSION}&id={id}"
        ))
        .await;
    assert_body(&a, r#"{"res":"1"}"#);
    assert!(s.dc.world().message(group, id).is_none());
    assert_eq!(s.dc.count("channels.deleteMessages"), 1);
}

// ---- pinMessage (§3) ----

#[tokio::test]
async fn pin_message_pins_silently_by_default_and_unpins_by_id() {
    let s = start().await;
    let a = s.get_as("method=pinMessage", None).await;
    assert_eq!(a.status, 401, "auth comes first");
    let a = s.get("method=pinMessage&id=1").await;
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Required parameter 'peer' is not set")
    );
    let alex = Peer::User(ALEX);
    let id = s.own_message(alex, "pin me");
    let a = s
        .get(&format!("method=pinMessage&peer={ALEX}&id={id}"))
        .await;
    assert_body(&a, r#"{"res":"1"}"#);
    {
        let w = s.dc.world();
        assert!(w.message(alex, id).unwrap().pinned, "really pinned");
        assert_eq!(w.activity.pins.last(), Some(&(alex, id, true, false)));
    }
    let a = s
        .get(&format!("method=pinMessage&peer={ALEX}&id={id}&silent=0"))
        .await;
    assert_body(&a, r#"{"res":"1"}"#);
    assert_eq!(
        s.dc.world().activity.pins.last(),
        Some(&(alex, id, false, false))
    );
    let a = s
        .get(&format!("method=pinMessage&peer={ALEX}&id={id}&unpin=1"))
        .await;
    assert_body(&a, r#"{"res":"1"}"#);
    assert!(!s.dc.world().message(alex, id).unwrap().pinned);
}

// ---- setTyping (§4) ----

#[tokio::test]
async fn set_typing_answers_a_number_and_reaches_telegram() {
    let s = start().await;
    let a = s.get(&format!("method=setTyping&peer={ALEX}")).await;
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Required parameter 'action' is not set")
    );
    let a = s
        .get(&format!("method=setTyping&action=Typing&peer={ALEX}"))
        .await;
    assert_body(&a, r#"{"res":1}"#);
    let a = s
        .get(&format!("method=setTyping&action=RecordAudio&peer={ALEX}"))
        .await;
    assert_body(&a, r#"{"res":1}"#);
    let typing = s.dc.world().activity.typing.clone();
    assert_eq!(
        typing,
        vec![
            (Peer::User(ALEX), "sendMessageTypingAction".to_owned()),
            (Peer::User(ALEX), "sendMessageRecordAudioAction".to_owned()),
        ]
    );
    // The match is case-sensitive; an unknown word is a plain answer, not a 500.
    let a = s
        .get(&format!("method=setTyping&action=typing&peer={ALEX}"))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Given parameter 'action' is not valid")
    );
}

// ---- startBot (§5.1) ----

#[tokio::test]
async fn start_bot_without_peer_uses_the_bots_chat() {
    let s = start().await;
    let a = s.get(&format!("method=startBot&id={WEATHER_BOT}")).await;
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Required parameter 'start' is not set")
    );
    // Reference bug: without `peer` an empty peer was sent and Telegram refused it.
    let a = s
        .get(&format!("method=startBot&id={WEATHER_BOT}&start=abc"))
        .await;
    assert_body(&a, r#"{"res":1}"#);
    {
        let w = s.dc.world();
        let last = w
            .top_message(Peer::User(WEATHER_BOT))
            .expect("a message in the bot's chat");
        assert_eq!(last.text, "/start abc");
        assert!(last.out);
    }
    let a = s
        .get(&format!("method=startBot&id={WEATHER_BOT}&start="))
        .await;
    assert_eq!(a.status, 500);
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Unhandled exception: START_PARAM_EMPTY")
    );
}

// ---- sendBotCallback (§5.2) ----

fn weather_message(s: &Server) -> i32 {
    let w = s.dc.world();
    w.messages[&Peer::User(WEATHER_BOT)]
        .values()
        .find(|m| !m.markup.is_empty())
        .map(|m| m.id)
        .expect("the forecast with buttons")
}

#[tokio::test]
async fn bot_callback_answers_the_raw_object_and_the_bot_acts() {
    let s = start().await;
    let id = weather_message(&s);
    let a = s
        .get(&format!(
            "method=sendBotCallback&timeout=1&r=1&peer={WEATHER_BOT}&id={id}&data=cmVmcmVzaA=="
        ))
        .await;
    assert_body(
        &a,
        r#"{"_":"messages.botCallbackAnswer","alert":false,"has_url":false,"native_ui":false,"message":"Updated just now","cache_time":0}"#,
    );
    assert!(s
        .dc
        .world()
        .message(Peer::User(WEATHER_BOT), id)
        .unwrap()
        .text
        .contains("19°C"));
    // The deprecated name and the documents' `msg_id` do the same; missing padding is fine.
    let a = s
        .get(&format!(
            "method=botCallback&peer={WEATHER_BOT}&msg_id={id}&data=d2Vlaw"
        ))
        .await;
    assert_body(
        &a,
        r#"{"_":"messages.botCallbackAnswer","alert":false,"has_url":true,"native_ui":false,"url":"https://example.org/weather/week","cache_time":0}"#,
    );
}

#[tokio::test]
async fn bot_callback_data_with_plus_survives_the_unescaped_query() {
    let s = start().await;
    let id = weather_message(&s);
    // The J2ME client appends base64 unescaped: "+/Ah" arrives as " /Ah".
    let a = s
        .get(&format!(
            "method=sendBotCallback&timeout=1&peer={WEATHER_BOT}&id={id}&data=+/Ah"
        ))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.json.get_bool("alert").unwrap());
    assert_eq!(
        a.json.get_string("message").unwrap().as_deref(),
        Some("No weather alerts for your area")
    );
    let press = s.dc.world().activity.callbacks.last().cloned().unwrap();
    assert_eq!(press.data, vec![0xfb, 0xf0, b'!']);
}

#[tokio::test]
async fn bot_callback_checks_auth_first_then_parameters_in_order() {
    let s = start().await;
    let a = s.get_as("method=sendBotCallback", None).await;
    assert_eq!(a.status, 401);
    let a = s.get("method=sendBotCallback&id=1&data=AA").await;
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Required parameter 'peer' is not set")
    );
    let a = s
        .get(&format!("method=sendBotCallback&peer={WEATHER_BOT}&id=1"))
        .await;
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Required parameter 'data' is not set")
    );
    // A slow bot: an error object (the client then shows nothing), HTTP 500.
    let id = weather_message(&s);
    let warm = s
        .get(&format!(
            "method=sendBotCallback&peer={WEATHER_BOT}&id={id}&data=d2Vlaw&timeout=5"
        ))
        .await;
    assert_eq!(warm.status, 200);
    s.dc.set_delay(Some(Duration::from_secs(2)));
    let a = s
        .get(&format!(
            "method=sendBotCallback&peer={WEATHER_BOT}&id={id}&data=d2Vlaw&timeout=0.5"
        ))
        .await;
    s.dc.set_delay(None);
    assert_eq!(a.status, 500);
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Unhandled exception: the bot did not answer within 0.5 s")
    );
}

// ---- sendVote (§6) ----

fn family_poll(s: &Server) -> (i32, Vec<i32>, Vec<usize>) {
    let w = s.dc.world();
    w.messages[&Peer::Chat(FAMILY)]
        .values()
        .find_map(|m| match &m.media {
            Some(fakegram::world::Media::Poll(p)) => Some((
                m.id,
                p.answers.iter().map(|a| a.1).collect(),
                p.chosen.clone(),
            )),
            _ => None,
        })
        .expect("the family poll")
}

#[tokio::test]
async fn send_vote_counts_and_an_empty_list_retracts() {
    let s = start().await;
    let a = s.get("method=sendVote&peer=1&id=1").await;
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Required parameter 'options' is not set")
    );
    let (id, before, _) = family_poll(&s);
    let a = s
        .get(&format!(
            "method=sendVote&peer=-{FAMILY}&id={id}&options=AQ=="
        ))
        .await;
    assert_body(&a, r#"{"res":1}"#);
    let (_, after, chosen) = family_poll(&s);
    assert_eq!(chosen, vec![1]);
    assert_eq!(after[1], before[1] + 1, "vote counted");
    let a = s
        .get(&format!("method=sendVote&peer=-{FAMILY}&id={id}&options="))
        .await;
    assert_body(&a, r#"{"res":1}"#);
    let (_, retracted, chosen) = family_poll(&s);
    assert!(chosen.is_empty());
    assert_eq!(retracted, before);
}

// ---- stickers (§7) ----

#[tokio::test]
async fn sticker_sets_list_open_install_and_uninstall() {
    let s = start().await;
    let a = s.get("method=getStickerSets").await;
    assert_eq!(a.status, 200);
    let sets = a.json.get_array("res").unwrap();
    assert_eq!(sets.len(), 1, "only installed sets");
    assert_eq!(
        sets[0].get_string("short_name").unwrap().as_deref(),
        Some("MPGramDemo")
    );
    assert!(a
        .body
        .starts_with(r#"{"res":[{"id":"7000000001","access_hash":""#));

    let a = s.get("method=getStickerSet&slug=RetroPhones").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(!a.json.has("installed"), "not saved: the client offers add");
    assert_eq!(a.json.get_long("count").unwrap(), 3);
    let stickers = a.json.get_array("res").unwrap();
    assert_eq!(stickers.len(), 3);
    assert_eq!(
        stickers[0].get_string("mime").unwrap().as_deref(),
        Some("image/webp")
    );
    let id = a.json.get_string("id").unwrap().unwrap();
    let hash = a.json.get_string("access_hash").unwrap().unwrap();
    let keys: Vec<&str> = [
        "\"res\"",
        "\"count\"",
        "\"title\"",
        "\"short_name\"",
        "\"id\"",
    ]
    .into_iter()
    .collect();
    let mut at = 0;
    for k in keys {
        let p = a.body[at..]
            .find(k)
            .unwrap_or_else(|| panic!("{k} in order"));
        at += p;
    }

    let a = s.get("method=getStickerSet&id=1").await;
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Required parameter 'access_hash' is not set")
    );
    let a = s
        .get(&format!(
            "method=installStickerSet&id={id}&access_hash={hash}"
        ))
        .await;
    assert_body(&a, r#"{"res":"1"}"#);
    assert!(s
        .dc
        .world()
        .sticker_sets
        .iter()
        .any(|x| x.short_name == "RetroPhones" && x.installed));
    let a = s
        .get(&format!("method=getStickerSet&id={id}&access_hash={hash}"))
        .await;
    assert!(
        a.json.get_long("installed").is_ok(),
        "installed is a number"
    );
    assert_eq!(
        s.get("method=getStickerSets")
            .await
            .json
            .get_array("res")
            .unwrap()
            .len(),
        2
    );
    let a = s
        .get(&format!(
            "method=uninstallStickerSet&id={id}&access_hash={hash}"
        ))
        .await;
    assert_body(&a, r#"{"res":"1"}"#);
    assert!(!s
        .dc
        .world()
        .sticker_sets
        .iter()
        .any(|x| x.short_name == "RetroPhones" && x.installed));
    let a = s.get("method=getStickerSet&slug=NoSuchSet").await;
    assert_eq!(a.status, 500);
    assert_eq!(
        error_message(&a).as_deref(),
        Some("Unhandled exception: STICKERSET_INVALID")
    );
}

//! The reading methods against the demo world, end to end (HTTP client → our server → grammers
//! → fakegram), every answer through the strict J2ME parser:
//! - the raw-object methods (`getInfo`, `getFullInfo`, `resolvePhone`, `checkChatInvite`,
//!   `getExportedChatInvites`, `exportChatInvite`), as a phone uses them;
//! - one insta JSON snapshot per reading method at its lowest and highest version, reviewed by
//!   hand against the spec (`tests/tests/snapshots/`). The demo world's dates are fixed; only
//!   fetch times and freshly created links are redacted.

// A failed unwrap is a failed test here, with the panic message pointing at the line.
#![allow(clippy::unwrap_used)]

use fakegram::FakeDc;
use mpgram::server::ServerConfig;
use mpgram_tests::strict::error_message;
use mpgram_tests::strict::{self, Json};

const ME: &str = "100000001";
const ALEX: &str = "100000003";
const ECHO_BOT: &str = "100000100";
const FORUM: &str = "-1001500000001";
const NEWS: &str = "-1001500000002";
const BASIC_GROUP: &str = "-500001";

struct Server {
    dc: FakeDc,
    base: String,
    token: String,
    http: reqwest::Client,
    _stop: tokio::sync::oneshot::Sender<()>,
}

struct Answer {
    status: u16,
    body: Vec<u8>,
    json: Json,
}

async fn start() -> Server {
    let d = mpgram_tests::serve_demo(ServerConfig::default(), 1).await;
    let s = Server {
        dc: d.dc,
        base: d.base,
        token: d.tokens[0].clone(),
        http: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client"),
        _stop: d.stop,
    };
    // The client's start: the dialog list fills the peer cache.
    assert_eq!(s.get("v=12&method=getDialogs&limit=50").await.status, 200);
    s.dc.clear_calls();
    s
}

impl Server {
    async fn get(&self, query: &str) -> Answer {
        self.get_as(query, Some(&self.token)).await
    }

    async fn get_as(&self, query: &str, token: Option<&str>) -> Answer {
        let mut req = self.http.get(format!("{}api.php?{query}", self.base));
        if let Some(t) = token {
            req = req.header("X-mpgram-user", t);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let body = resp.bytes().await.expect("body").to_vec();
        let json = strict::assert_client_ok(&body, false);
        Answer { status, body, json }
    }

    /// The MTProto calls the last requests made, without the update stream's own catch-up.
    fn calls(&self) -> Vec<String> {
        self.dc
            .calls()
            .into_iter()
            .map(|c| c.method)
            .filter(|m| !m.starts_with("updates."))
            .collect()
    }
}

fn text(j: Option<&Json>) -> Option<&str> {
    match j {
        Some(Json::Str(s)) => Some(s),
        _ => None,
    }
}

fn int(j: Option<&Json>) -> Option<i64> {
    match j {
        Some(Json::Int(n)) => Some(*n),
        _ => None,
    }
}

// ---- raw-object methods ----

#[tokio::test]
async fn get_info_names_users_bots_groups_and_channels_madelineproto_style() {
    let s = start().await;
    let a = s.get(&format!("v=12&method=getInfo&id={ALEX}")).await;
    assert_eq!(a.status, 200);
    let user = a.json.get("User").expect("User");
    assert_eq!(text(user.get("_")), Some("user"));
    assert_eq!(text(user.get("first_name")), Some("Alex"));
    assert!(!user.has("access_hash") && !user.has("flags"));
    assert_eq!(int(a.json.get("user_id")), Some(100_000_003));
    assert_eq!(int(a.json.get("bot_api_id")), Some(100_000_003));
    assert_eq!(text(a.json.get("type")), Some("user"));
    assert_eq!(s.calls(), ["users.getUsers"], "one call for a cached peer");

    let a = s.get(&format!("v=8&method=getInfo&id={ECHO_BOT}")).await;
    assert_eq!(text(a.json.get("type")), Some("bot"));

    let a = s.get(&format!("v=12&method=getInfo&id={FORUM}")).await;
    let chat = a.json.get("Chat").expect("Chat");
    assert_eq!(text(chat.get("_")), Some("channel"));
    assert_eq!(
        int(chat.get("id")),
        Some(-1_001_500_000_001),
        "peer id form"
    );
    assert!(!chat.has("access_hash"));
    assert_eq!(int(a.json.get("channel_id")), Some(-1_001_500_000_001));
    assert_eq!(text(a.json.get("type")), Some("supergroup"));

    let a = s.get(&format!("v=12&method=getInfo&id={NEWS}")).await;
    assert_eq!(text(a.json.get("type")), Some("channel"));
    let a = s
        .get(&format!("v=12&method=getInfo&id={BASIC_GROUP}"))
        .await;
    assert_eq!(int(a.json.get("chat_id")), Some(-500_001));
    assert_eq!(
        int(a.json.get("Chat").and_then(|c| c.get("id"))),
        Some(-500_001)
    );
    assert_eq!(text(a.json.get("type")), Some("chat"));

    // `id` is checked before auth; then auth.
    let a = s.get_as("v=12&method=getInfo", None).await;
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Required parameter 'id' is not set")
    );
    let a = s
        .get_as(&format!("v=12&method=getInfo&id={ALEX}"), None)
        .await;
    assert_eq!(a.status, 401);
}

#[tokio::test]
async fn get_full_info_adds_the_full_object_in_one_call() {
    let s = start().await;
    let a = s.get(&format!("v=12&method=getFullInfo&id={ALEX}")).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(text(a.json.get("type")), Some("user"));
    let full = a.json.get("full").expect("full");
    assert_eq!(text(full.get("_")), Some("userFull"));
    assert_eq!(int(full.get("id")), Some(100_000_003));
    assert!(int(a.json.get("inserted")).is_some_and(|t| t > 1_700_000_000));
    assert_eq!(s.calls(), ["users.getFullUser"]);

    let a = s.get(&format!("v=5&method=getFullInfo&id={FORUM}")).await;
    let full = a.json.get("full").expect("full");
    assert_eq!(text(full.get("_")), Some("channelFull"));
    assert_eq!(int(full.get("id")), Some(-1_001_500_000_001));
    assert_eq!(
        text(full.get("about")),
        Some("Nokia, Sony Ericsson, Siemens and friends")
    );
    let a = s
        .get(&format!("v=12&method=getFullInfo&id={BASIC_GROUP}"))
        .await;
    let full = a.json.get("full").expect("full");
    assert_eq!(text(full.get("_")), Some("chatFull"));
    assert_eq!(int(full.get("id")), Some(-500_001));
    assert!(!full.has("chat_photo"), "empty photos are dropped");

    let a = s.get("v=12&method=getFullInfo&id=0").await;
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Required parameter 'id' is not set")
    );
}

#[tokio::test]
async fn resolve_phone_finds_the_user_the_phone_taps() {
    let s = start().await;
    let a = s.get("v=12&method=resolvePhone&phone=15550000003").await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let r = a.json.get("res").expect("res");
    assert_eq!(text(r.get("_")), Some("contacts.resolvedPeer"));
    assert_eq!(
        int(r.get("peer")),
        Some(100_000_003),
        "a peer is its bare id"
    );
    let users = r.get_array("users").unwrap();
    // What the J2ME client reads: users[0] id, first_name, last_name.
    assert_eq!(users[0].get_long("id"), Ok(100_000_003));
    assert_eq!(
        users[0].get_string("first_name").unwrap().as_deref(),
        Some("Alex")
    );
    assert_eq!(
        users[0].get_string("last_name").unwrap().as_deref(),
        Some("Kim")
    );
    assert!(!users[0].has("access_hash"));

    let a = s.get("v=12&method=resolvePhone&phone=%2B15559999999").await;
    assert_eq!(a.status, 500);
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Unhandled exception: PHONE_NOT_OCCUPIED")
    );
    let a = s.get("v=12&method=resolvePhone").await;
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Required parameter 'phone' is not set")
    );
    let a = s.get_as("v=12&method=resolvePhone", None).await;
    assert_eq!(a.status, 401, "auth before parameters");
}

#[tokio::test]
async fn check_chat_invite_previews_or_opens_the_chat() {
    let s = start().await;
    // A group the account is not in: the preview.
    let a = s
        .get("v=12&method=checkChatInvite&id=SecretLabJoin01")
        .await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let r = a.json.get("res").expect("res");
    assert_eq!(text(r.get("_")), Some("chatInvite"));
    assert_eq!(text(r.get("title")), Some("Secret Phones Lab"));
    assert_eq!(text(r.get("about")), Some("Invite only"));
    assert_eq!(r.get_int("participants_count"), Ok(3));
    assert_eq!(r.get_bool("broadcast"), Ok(false));
    assert_eq!(r.get_bool("megagroup"), Ok(true));

    // A group the account is in: `chatInviteAlready`, whose chat.id the phone opens directly.
    let a = s
        .get("v=12&method=checkChatInvite&id=RetroClubJoin01")
        .await;
    let r = a.json.get("res").expect("res");
    assert_eq!(text(r.get("_")), Some("chatInviteAlready"));
    let chat = r.get_object("chat").unwrap();
    assert_eq!(chat.get_string("id").unwrap().as_deref(), Some(FORUM));
    let a = s
        .get(&format!("v=12&method=getHistory&peer={FORUM}&limit=1"))
        .await;
    assert_eq!(a.status, 200);

    for (hash, error) in [
        ("OldFamilyLink01", "INVITE_HASH_EXPIRED"),
        ("NoSuchLink", "INVITE_HASH_INVALID"),
    ] {
        let a = s
            .get(&format!("v=12&method=checkChatInvite&id={hash}"))
            .await;
        assert_eq!(a.status, 500);
        assert_eq!(
            error_message(&a.json),
            Some(format!("Unhandled exception: {error}"))
        );
    }
    let a = s.get_as("v=12&method=checkChatInvite", None).await;
    assert_eq!(a.status, 401, "auth before parameters");
}

#[tokio::test]
async fn invite_links_are_listed_then_created_when_there_is_none() {
    let s = start().await;
    let links = |a: &Answer| -> Vec<(String, bool, bool, String)> {
        a.json
            .get_array("res")
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l.get_string("link").unwrap().unwrap_or_default(),
                    l.get_bool("revoked").unwrap(),
                    l.get_bool("permanent").unwrap(),
                    // The J2ME client reads admin_id as a string.
                    l.get_string("admin_id").unwrap().unwrap_or_default(),
                )
            })
            .collect()
    };
    let a = s
        .get(&format!(
            "v=11&method=getExportedChatInvites&peer={BASIC_GROUP}"
        ))
        .await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(
        links(&a),
        [(
            "https://t.me/+FamilyLink2025a".to_owned(),
            false,
            true,
            ME.to_owned()
        )],
        "revoked links are not listed"
    );

    let a = s
        .get(&format!("v=12&method=exportChatInvite&peer={BASIC_GROUP}"))
        .await;
    assert_eq!(a.status, 200);
    let r = a.json.get("res").expect("res");
    assert_eq!(text(r.get("_")), Some("chatInviteExported"));
    let new_link = r.get_string("link").unwrap().unwrap();
    assert!(new_link.starts_with("https://t.me/+"));
    assert_eq!(r.get_bool("permanent"), Ok(false));

    let a = s
        .get(&format!(
            "v=12&method=getExportedChatInvites&peer={BASIC_GROUP}"
        ))
        .await;
    let listed = links(&a);
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].0, new_link, "newest first");

    // Not an admin of the supergroup: Telegram refuses.
    let a = s
        .get(&format!("v=12&method=exportChatInvite&peer={FORUM}"))
        .await;
    assert_eq!(a.status, 500);
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Unhandled exception: CHAT_ADMIN_REQUIRED")
    );
    let a = s.get("v=12&method=getExportedChatInvites").await;
    assert_eq!(
        error_message(&a.json).as_deref(),
        Some("Required parameter 'peer' is not set")
    );
}

// ---- snapshots ----

/// Each reading method at the lowest (`v=2`) and highest (`v=12`) version, as the phone gets
/// it. Mutating methods are left out, except `exportChatInvite`, last (its link is redacted);
/// so is `getServerTimeOffset` (the host's time zone).
const SNAPSHOTS: &[(&str, &str)] = &[
    ("me", "method=me"),
    ("getDialogs", "method=getDialogs&limit=20"),
    (
        "getDialogs_text",
        "method=getDialogs&limit=5&text=0&media=1",
    ),
    ("getDialogs_folder", "method=getDialogs&f=2"),
    ("getAllDialogs", "method=getAllDialogs"),
    ("getDialog", "method=getDialog&id=100000003"),
    ("getFolders", "method=getFolders"),
    (
        "getForumTopics",
        "method=getForumTopics&peer=-1001500000001",
    ),
    ("getHistory", "method=getHistory&peer=100000003&limit=5"),
    (
        "getHistory_media",
        "method=getHistory&peer=100000003&limit=5&media=1",
    ),
    (
        "getHistory_channel",
        "method=getHistory&peer=-1001500000002&limit=3&media=1",
    ),
    (
        "searchMessages",
        "method=searchMessages&peer=100000003&q=map&limit=5",
    ),
    (
        "getMessages",
        "method=getMessages&peer=-1001500000001&id=2,3",
    ),
    ("getPeer", "method=getPeer&id=100000003"),
    ("getPeer_chat", "method=getPeer&id=-1001500000001"),
    ("getPeers", "method=getPeers&id=100000003,-500001"),
    ("getPeerInfo_user", "method=getPeerInfo&id=100000004"),
    ("getPeerInfo_chat", "method=getPeerInfo&id=-1001500000001"),
    ("getContacts", "method=getContacts&fields=status"),
    (
        "getParticipants",
        "method=getParticipants&peer=-1001500000001&limit=3",
    ),
    ("getInfo", "method=getInfo&id=100000003"),
    ("getInfo_channel", "method=getInfo&id=-1001500000002"),
    ("getFullInfo_user", "method=getFullInfo&id=100000004"),
    (
        "getFullInfo_channel",
        "method=getFullInfo&id=-1001500000001",
    ),
    ("getFullInfo_chat", "method=getFullInfo&id=-500001"),
    ("resolvePhone", "method=resolvePhone&phone=15550000003"),
    (
        "checkChatInvite",
        "method=checkChatInvite&id=SecretLabJoin01",
    ),
    (
        "checkChatInvite_already",
        "method=checkChatInvite&id=RetroClubJoin01",
    ),
    (
        "getExportedChatInvites",
        "method=getExportedChatInvites&peer=-500001",
    ),
    ("exportChatInvite", "method=exportChatInvite&peer=-500001"),
];

#[tokio::test]
async fn reading_methods_match_their_reviewed_snapshots() {
    let s = start().await;
    for (name, query) in SNAPSHOTS {
        for v in [2, 12] {
            let a = s.get(&format!("v={v}&{query}")).await;
            assert!(
                a.status == 200,
                "{name} v{v}: {} {}",
                a.status,
                String::from_utf8_lossy(&a.body)
            );
            insta::assert_json_snapshot!(format!("{name}_v{v}"), a.json, {
                // Fetch time of getFullInfo; a new link's creation time and hash.
                ".inserted" => "[now]",
                // Only exportChatInvite has these paths.
                ".res.date" => "[now]",
                ".res.link" => "[new link]",
            });
        }
    }
}

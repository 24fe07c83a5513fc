//! `mpgram::model` on real TL objects: fakegram worlds turned into exactly what Telegram sends,
//! converted, written, and read back by the strict J2ME parser.
//!
//! Two worlds: the demo world (every media kind, several scripts, bots, a forum, a channel with
//! comments) swept over every version, and a "spec world" with the sample peers of
//! `models.md` so the spec's examples can be compared byte for byte.

use std::sync::Arc;

use fakegram::world::{
    tl as ftl, AccountSettings, Action, Button, ChatKind, ChatRec, DialogRec, Entity, EntityKind,
    FileKind, FileRec, FwdRec, Media, MsgRec, Peer, PollRec, ReactionRec, SizeRec, UserRec, World,
};
use grammers_tl_types::{enums as e, types as t};
use mpgram::api::json::{Encoding, Object, Value};
use mpgram::api::version::ApiVersion;
use mpgram::model::{self, DialogMsg, ModelCtx};
use mpgram_tests::strict::{self, Json};

// ---- helpers ------------------------------------------------------------------------------

fn v(n: i64) -> ApiVersion {
    ApiVersion::new(n).expect("a supported version")
}

fn cx(n: i64) -> ModelCtx {
    ModelCtx::new(v(n), ME)
}

fn cx_media(n: i64) -> ModelCtx {
    cx(n).with_media(true)
}

/// The object as the phone receives it by default (pure ASCII), after checking that the
/// strict J2ME parser accepts it both ways (ASCII and raw UTF-8).
fn wire(o: &Object) -> String {
    let ascii = o.to_vec(Encoding::ASCII);
    strict::assert_client_ok(&ascii, false);
    strict::assert_client_ok(&o.to_vec(Encoding::UNICODE), true);
    String::from_utf8(ascii).expect("ASCII")
}

/// Raw UTF-8 form, for readable comparisons of non-Latin text.
fn wire_utf8(o: &Object) -> String {
    wire(o);
    String::from_utf8(o.to_vec(Encoding::UNICODE)).expect("UTF-8")
}

fn parsed(o: &Object) -> Json {
    strict::assert_client_ok(&o.to_vec(Encoding::ASCII), false)
}

/// Spec examples are pretty-wrapped over lines; the wire form has no whitespace outside
/// strings (and the examples have no newlines inside strings).
fn spec(s: &str) -> String {
    s.lines().map(str::trim_start).collect()
}

fn msg_tl(w: &World, peer: Peer, id: i32) -> e::Message {
    ftl::message(w, w.message(peer, id).expect("message exists"))
}

fn user_tl(w: &World, id: i64) -> e::User {
    ftl::user(w, w.user(id).expect("user exists"))
}

fn chat_tl(w: &World, id: i64) -> e::Chat {
    ftl::chat(w, w.chat(id).expect("chat exists"))
}

fn as_message(m: &mut e::Message) -> &mut t::Message {
    match m {
        e::Message::Message(x) => x,
        _ => panic!("not a plain message"),
    }
}

// ---- the spec world (models.md sample peers) ------------------------------------------------

const ME: i64 = 123_456_789;
const ANNA: i64 = 987_654_321;
const BOT: i64 = 5_000_000_001;
const DELETED: i64 = 555_000_111;
const FAMILY: i64 = 456_789;
const RETRO: i64 = 1_234_567_890;
const NEWS: i64 = 1_987_654_321;
const P_RETRO: Peer = Peer::Channel(RETRO);

fn file(w: &mut World, id: i64, date: i32, kind: FileKind, mime: &str, name: Option<&str>) {
    w.add_file(FileRec {
        id,
        kind,
        mime: mime.into(),
        name: name.map(str::to_owned),
        date,
        bytes: Arc::new(Vec::new()),
        thumbs: Vec::new(),
    });
}

fn size(kind: &str, w: i32, h: i32) -> SizeRec {
    SizeRec {
        kind: kind.into(),
        w,
        h,
        bytes: Arc::new(vec![0; 16]),
    }
}

fn spec_world() -> World {
    let me = UserRec {
        id: ME,
        first_name: "Ivan".into(),
        last_name: Some("Petrov".into()),
        username: Some("ivanp".into()),
        photos: vec![1],
        online_until: Some(i32::MAX),
        ..UserRec::default()
    };
    let mut w = World::new(me, AccountSettings::default());
    w.add_user(UserRec {
        id: ANNA,
        first_name: "Anna".into(),
        contact: true,
        photos: vec![2],
        last_seen: 1_767_225_480,
        ..UserRec::default()
    });
    w.add_user(UserRec {
        id: BOT,
        first_name: "MPGram Helper".into(),
        username: Some("mpgram_helper_bot".into()),
        bot: true,
        photos: vec![3],
        ..UserRec::default()
    });
    let mut family = ChatRec::new(FAMILY, ChatKind::Basic, "Family", ANNA);
    family.photo = Some(4);
    w.add_chat(family);
    let mut retro = ChatRec::new(
        RETRO,
        ChatKind::Megagroup { forum: true },
        "Retro Phones Chat",
        ANNA,
    );
    retro.username = Some("retrophones_chat".into());
    retro.photo = Some(5);
    w.add_chat(retro);
    let mut news = ChatRec::new(NEWS, ChatKind::Broadcast, "MPGram News", ANNA);
    news.username = Some("mpgram_news".into());
    news.photo = Some(6);
    news.linked_chat = Some(RETRO);
    w.add_chat(news);

    let mut q = MsgRec::text(
        P_RETRO,
        Some(Peer::User(ME)),
        true,
        1_767_225_000,
        "Who has a Nokia E52?",
    );
    q.id = 5119;
    w.insert_message(q);
    let mut a = MsgRec::text(
        P_RETRO,
        Some(Peer::User(ANNA)),
        false,
        1_767_225_600,
        "Yes, mine runs the new build: github.com/shinovon",
    );
    a.id = 5121;
    a.reply_to = Some(5119);
    a.entities = vec![
        Entity {
            kind: EntityKind::Bold,
            offset: 0,
            length: 3,
        },
        Entity {
            kind: EntityKind::Url,
            offset: 30,
            length: 19,
        },
    ];
    a.edit_date = Some(1_767_225_660);
    a.reactions = vec![ReactionRec {
        emoji: "👍".into(),
        count: 2,
        chosen: false,
    }];
    w.insert_message(a);
    w
}

// ---- User (§3) -------------------------------------------------------------------------------

#[test]
fn user_examples_from_the_spec_byte_for_byte() {
    let w = spec_world();
    let c = cx(11);
    assert_eq!(
        wire(&model::user(&user_tl(&w, ME), &c)),
        r#"{"id":"123456789","fn":"Ivan","ln":"Petrov","name":"ivanp","p":true,"s":true,"w":0}"#
    );
    assert_eq!(
        wire(&model::user(&user_tl(&w, ANNA), &c)),
        r#"{"id":"987654321","fn":"Anna","ln":null,"p":true,"k":true,"s":false,"w":1767225480}"#
    );
    assert_eq!(
        wire(&model::user(&user_tl(&w, BOT), &c)),
        r#"{"id":"5000000001","fn":"MPGram Helper","ln":null,"name":"mpgram_helper_bot","p":true,"b":true}"#
    );
    let deleted = e::User::Empty(t::UserEmpty { id: DELETED });
    assert_eq!(
        wire(&model::user(&deleted, &c)),
        r#"{"id":"555000111","fn":null,"ln":null}"#
    );
    // v2–4: the long keys, all present, nothing else.
    assert_eq!(
        wire(&model::user(&user_tl(&w, ANNA), &cx(4))),
        r#"{"id":"987654321","first_name":"Anna","last_name":null,"username":null}"#
    );
    assert_eq!(
        wire(&model::user(&deleted, &cx(2))),
        r#"{"id":"555000111","first_name":null,"last_name":null,"username":null}"#
    );
}

#[test]
fn user_status_follows_fields_and_photo_empty_is_no_photo() {
    let w = spec_world();
    let mut c = cx(12);
    c.user_status = false;
    assert_eq!(
        wire(&model::user(&user_tl(&w, ANNA), &c)),
        r#"{"id":"987654321","fn":"Anna","ln":null,"p":true,"k":true}"#
    );
    let mut u = user_tl(&w, ANNA);
    if let e::User::User(x) = &mut u {
        x.photo = Some(e::UserProfilePhoto::Empty);
        x.status = Some(e::UserStatus::Recently(t::UserStatusRecently {
            by_me: false,
        }));
    }
    assert_eq!(
        wire(&model::user(&u, &cx(12))),
        r#"{"id":"987654321","fn":"Anna","ln":null,"k":true,"s":false,"w":0}"#
    );
}

#[test]
fn names_are_emoji_stripped_unless_kept_and_non_latin_is_escaped() {
    let w = fakegram::demo_world();
    let maria = user_tl(&w, 100_000_006);
    let seen = w.user(100_000_006).map(|u| u.last_seen).expect("maria");
    assert_eq!(
        wire(&model::user(&maria, &cx(12))),
        format!(
            r#"{{"id":"100000006","fn":"Maria ","ln":"Garc\u00eda","name":"maria_g","p":true,"k":true,"s":false,"w":{seen}}}"#
        )
    );
    let mut keep = cx(12);
    keep.keep_emoji = true;
    assert!(wire_utf8(&model::user(&maria, &keep)).contains(r#""fn":"Maria 🌻""#));
    let dmitry = model::user(&user_tl(&w, 100_000_004), &cx(12));
    assert!(wire(&dmitry).contains(
        r#""fn":"\u0414\u043c\u0438\u0442\u0440\u0438\u0439","ln":"\u0421\u043e\u043a\u043e\u043b\u043e\u0432""#
    ));
    let ahmed = model::user(&user_tl(&w, 100_000_005), &cx(12));
    assert!(wire_utf8(&ahmed).contains(r#""fn":"أحمد","ln":"الفارسي""#));
    // A bot whose whole name is emoji-stripped keeps a string, never null.
    let weather = model::user(&user_tl(&w, 100_000_101), &cx(12));
    assert!(wire(&weather).starts_with(r#"{"id":"100000101","fn":"Weather ","ln":null"#));
}

// ---- Chat (§4) -------------------------------------------------------------------------------

#[test]
fn chat_examples_from_the_spec_byte_for_byte() {
    let mut w = spec_world();
    assert_eq!(
        wire(&model::chat(&chat_tl(&w, RETRO), &cx(11))),
        r#"{"id":"-1001234567890","t":"Retro Phones Chat","name":"retrophones_chat","p":true,"f":true}"#
    );
    assert_eq!(
        wire(&model::chat(&chat_tl(&w, FAMILY), &cx(10))),
        r#"{"type":"chat","id":"-456789","t":"Family","p":true}"#
    );
    assert_eq!(
        wire(&model::chat(&chat_tl(&w, NEWS), &cx(4))),
        r#"{"type":"channel","id":"-1001987654321","title":"MPGram News","username":"mpgram_news"}"#
    );
    if let Some(c) = w.chats.get_mut(&NEWS) {
        c.left = true;
    }
    assert_eq!(
        wire(&model::chat(&chat_tl(&w, NEWS), &cx(12))),
        r#"{"id":"-1001987654321","t":"MPGram News","name":"mpgram_news","p":true,"c":true,"l":true}"#
    );
}

#[test]
fn chat_without_photo_forbidden_and_empty() {
    let w = fakegram::demo_world();
    // No real photo → no `p` (the reference would send p:true for chatPhotoEmpty).
    assert_eq!(
        wire(&model::chat(&chat_tl(&w, 500_001), &cx(12))),
        r#"{"id":"-500001","t":"Family "}"#
    );
    let forbidden = e::Chat::ChannelForbidden(t::ChannelForbidden {
        broadcast: true,
        megagroup: false,
        monoforum: false,
        id: 42,
        access_hash: 1,
        title: "Gone 🚫".into(),
        until_date: None,
    });
    assert_eq!(
        wire(&model::chat(&forbidden, &cx(10))),
        r#"{"type":"channelForbidden","id":"-1000000000042","t":"Gone ","c":true}"#
    );
    // chatEmpty: the J2ME client trims `t` of every chat, so it is a string, not null.
    let empty = e::Chat::Empty(t::ChatEmpty { id: 7 });
    assert_eq!(wire(&model::chat(&empty, &cx(12))), r#"{"id":"-7","t":""}"#);
}

// ---- peer maps (§5) ----------------------------------------------------------------------------

#[test]
fn peer_maps_are_keyed_by_peer_id() {
    let w = spec_world();
    let (users, chats) = ftl::peer_lists(&w, [ANNA, ME, ANNA], [RETRO, FAMILY]);
    let (u, c) = model::peer_maps(&users, &chats, &cx(12));
    let keys: Vec<&str> = u.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["123456789", "987654321"]);
    let keys: Vec<&str> = c.iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["-456789", "-1001234567890"]);
    for (k, v) in u.iter().chain(c.iter()) {
        let o = v.as_object().expect("object");
        assert_eq!(o.get("id"), Some(&Value::Str(k.to_owned())));
    }
    let (none_u, none_c) = model::peer_maps(&[], &[], &cx(12));
    assert!(none_u.is_empty() && none_c.is_empty());
}

// ---- Dialog (§6) -------------------------------------------------------------------------------

#[test]
fn dialog_example_from_the_spec_byte_for_byte() {
    let mut w = spec_world();
    let long = "Who still has a Nokia E52? Mine just got the new build and it runs fine with the \
                home server, even on EDGE. Photos load in about ten seconds, voice notes too.";
    let mut m = MsgRec::text(P_RETRO, Some(Peer::User(ANNA)), false, 1_767_225_600, long);
    m.id = 5121;
    w.insert_message(m);
    let mut d = DialogRec::new(P_RETRO);
    d.pinned_order = Some(1);
    d.read_outbox_max_id = 5120;
    d.read_inbox_max_id = 5118;
    w.dialogs = vec![d];
    let mut dtl = ftl::dialog(&w, &w.dialogs[0]);
    if let e::Dialog::Dialog(x) = &mut dtl {
        x.unread_count = 3;
        x.unread_mentions_count = 1;
    }
    let top = msg_tl(&w, P_RETRO, 5121);
    assert_eq!(
        wire(&model::dialog(&dtl, Some(&top), &cx(11))),
        spec(
            r#"{"id":"-1001234567890","unread":3,"pin":true,"mentions":1,"read_out":5120,"read_in":5118,"silent":false,
 "msg":{"id":5121,"date":1767225600,"text":"Who still has a Nokia E52? Mine just got the new build and it runs fine with the home server, even on EDGE. Photos load in about ten seconds, voice no..","out":false,"from_id":"987654321"}}"#
        )
    );
    // v4: long keys, no read state, no msg (the caller builds the `messages` map).
    if let e::Dialog::Dialog(x) = &mut dtl {
        x.unread_count = 2;
        x.pinned = false;
    }
    assert_eq!(
        wire(&model::dialog(&dtl, Some(&top), &cx(4))),
        r#"{"id":"-1001234567890","unread_count":2}"#
    );
    // v5–10: compact keys and msg, but no read_out/read_in/silent.
    let v10 = wire(&model::dialog(&dtl, Some(&top), &cx(10)));
    assert!(v10.starts_with(r#"{"id":"-1001234567890","unread":2,"mentions":1,"msg":{"id":5121,"#));
}

#[test]
fn dialog_msg_modes_and_missing_top_message() {
    let w = spec_world();
    let mut d = DialogRec::new(P_RETRO);
    d.mute_until = i32::MAX;
    d.read_inbox_max_id = 5121;
    let dtl = ftl::dialog(&w, &d);
    let top = msg_tl(&w, P_RETRO, 5121);
    // No top message: the client still needs msg.date.
    let missing = model::dialog(&dtl, None, &cx(12));
    assert_eq!(
        wire(&missing),
        r#"{"id":"-1001234567890","read_in":5121,"silent":true,"msg":{"id":0,"date":0,"text":""}}"#
    );
    let mut full = cx(12);
    full.dialog_msg = DialogMsg::Full;
    let o = wire(&model::dialog(&dtl, Some(&top), &full));
    assert!(
        o.contains(r#""msg":{"id":5121,"date":1767225600,"entities":[{"_":"messageEntityBold""#)
    );
    assert!(!o.contains("peer_id"));
    let mut omit = cx(12);
    omit.dialog_msg = DialogMsg::Omit;
    assert_eq!(
        wire(&model::dialog(&dtl, Some(&top), &omit)),
        r#"{"id":"-1001234567890","read_in":5121,"silent":true}"#
    );
}

// ---- Message: complete examples (§7.12) ------------------------------------------------------------

#[test]
fn text_message_with_reply_full_form_v11() {
    let w = spec_world();
    let m = msg_tl(&w, P_RETRO, 5121);
    let replied = msg_tl(&w, P_RETRO, 5119);
    let o = model::message_with_reply(&m, Some(&replied), &cx_media(11));
    assert_eq!(
        wire(&o),
        spec(
            r#"{"id":5121,"date":1767225600,
 "entities":[{"_":"messageEntityBold","offset":0,"length":3},{"_":"messageEntityUrl","offset":30,"length":19}],
 "text":"Yes, mine runs the new build: github.com/shinovon","out":false,"peer_id":"-1001234567890","from_id":"987654321",
 "reply":{"id":5119,"msg":{"id":5119,"date":1767225000,"text":"Who has a Nokia E52?","out":true,"peer_id":"-1001234567890","from_id":"123456789"}},
 "edit":1767225660,"reacts":{"count":2}}"#
        )
    );
    // Where the server fetches it from: this chat, message 5119.
    assert_eq!(model::reply_target(&m), Some((-1_001_234_567_890, 5119)));
    assert_eq!(model::reply_target(&replied), None);
    assert_eq!(model::message_from_id(&m), Some(ANNA));
    // attach_reply refuses a message with another id (batch lookups cannot mix them up).
    let mut o = model::message(&m, &cx(11));
    assert!(!model::attach_reply(&mut o, &m, &cx(11)));
    assert!(model::attach_reply(&mut o, &replied, &cx(11)));
}

fn album_world() -> (World, i32) {
    let mut w = spec_world();
    file(
        &mut w,
        5_303_202_223_851_119_012,
        1_767_225_900,
        FileKind::Photo {
            sizes: vec![size("m", 320, 240), size("x", 1280, 960)],
        },
        "image/jpeg",
        None,
    );
    let mut m = MsgRec::text(
        Peer::User(ANNA),
        Some(Peer::User(ME)),
        true,
        1_767_225_900,
        "",
    );
    m.id = 5130;
    m.media = Some(Media::Photo(5_303_202_223_851_119_012));
    m.grouped_id = Some(13_893_512_366_617_845);
    w.insert_message(m);
    (w, 5130)
}

#[test]
fn album_photo_with_and_without_media() {
    let (w, id) = album_world();
    let m = msg_tl(&w, Peer::User(ANNA), id);
    assert_eq!(
        wire(&model::message(&m, &cx_media(11))),
        spec(
            r#"{"id":5130,"date":1767225900,"text":"","out":true,"peer_id":"987654321","from_id":"123456789",
 "media":{"type":"photo","id":"5303202223851119012","date":1767225900,"w":1280,"h":960},"group":13893512366617845}"#
        )
    );
    assert_eq!(
        wire(&model::message(&m, &cx(9))),
        spec(
            r#"{"id":5130,"date":1767225900,"text":"","out":true,"peer_id":"987654321","from_id":"123456789","media":{"type":"photo","hide":1},"group":13893512366617845}"#
        )
    );
    // 5–8: null; 2–4: {"_":0} and no group; v8 with media: no w/h yet.
    assert!(wire(&model::message(&m, &cx(8))).contains(r#""media":null,"group":"#));
    assert_eq!(
        wire(&model::message(&m, &cx(4))),
        r#"{"id":5130,"date":1767225900,"text":"","out":true,"peer_id":"987654321","from_id":"123456789","media":{"_":0}}"#
    );
    assert!(wire(&model::message(&m, &cx_media(8)))
        .contains(r#""media":{"type":"photo","id":"5303202223851119012","date":1767225900},"#));
}

fn news_post(w: &mut World) -> e::Message {
    let mut p = MsgRec::text(
        Peer::Channel(NEWS),
        None,
        false,
        1_767_229_000,
        "Version 4.2 is out",
    );
    p.id = 880;
    p.replies = Some(14);
    p.reactions = vec![
        ReactionRec {
            emoji: "❤️".into(),
            count: 30,
            chosen: false,
        },
        ReactionRec {
            emoji: "🔥".into(),
            count: 7,
            chosen: true,
        },
    ];
    w.insert_message(p);
    let mut m = msg_tl(w, Peer::Channel(NEWS), 880);
    let x = as_message(&mut m);
    x.silent = true;
    if let Some(e::MessageReplies::Replies(r)) = &mut x.replies {
        r.read_max_id = Some(902);
    }
    m
}

#[test]
fn channel_post_with_comments_and_its_version_gates() {
    let mut w = spec_world();
    let m = news_post(&mut w);
    assert_eq!(
        wire(&model::message(&m, &cx_media(11))),
        spec(
            r#"{"id":880,"date":1767229000,"text":"Version 4.2 is out","out":false,"peer_id":"-1001987654321","silent":true,
 "comments":{"count":14,"peer":-1001234567890,"read":902},"reacts":{"count":37}}"#
        )
    );
    // comments.peer is a number (models.md §2); the client reads it with getString, which
    // accepts numbers.
    let j = parsed(&model::message(&m, &cx(12)));
    let comments = j.get_object("comments").expect("comments");
    assert_eq!(comments.get("peer"), Some(&Json::Int(-1_001_234_567_890)));
    assert_eq!(comments.get_int("count"), Ok(14));
    // v9: no reacts; v7: no silent/comments either.
    assert_eq!(
        wire(&model::message(&m, &cx(9))),
        r#"{"id":880,"date":1767229000,"text":"Version 4.2 is out","out":false,"peer_id":"-1001987654321","silent":true,"comments":{"count":14,"peer":-1001234567890,"read":902}}"#
    );
    assert_eq!(
        wire(&model::message(&m, &cx(7))),
        r#"{"id":880,"date":1767229000,"text":"Version 4.2 is out","out":false,"peer_id":"-1001987654321"}"#
    );
}

#[test]
fn forwarded_channel_post_in_a_private_chat() {
    let mut w = spec_world();
    let mut m = MsgRec::text(
        Peer::User(ANNA),
        Some(Peer::User(ANNA)),
        false,
        1_767_230_000,
        "Version 4.2 is out",
    );
    m.id = 5140;
    m.fwd_from = Some(FwdRec {
        from: Some(Peer::Channel(NEWS)),
        from_name: None,
        date: 1_767_229_000,
        channel_post: Some(880),
    });
    w.insert_message(m);
    let m = msg_tl(&w, Peer::User(ANNA), 5140);
    assert_eq!(
        wire(&model::message(&m, &cx_media(11))),
        spec(
            r#"{"id":5140,"date":1767230000,"text":"Version 4.2 is out","out":false,"peer_id":"987654321","from_id":"987654321",
 "fwd":{"from_id":"-1001987654321","date":1767229000,"msg":880,"s":true}}"#
        )
    );
    // Hidden sender: from_name, emoji-stripped; saved_from_* win over channel_post.
    let mut m = m;
    let x = as_message(&mut m);
    if let Some(e::MessageFwdHeader::Header(f)) = &mut x.fwd_from {
        f.from_id = None;
        f.from_name = Some("Hidden Sender 🕶".into());
        f.channel_post = None;
        f.saved_from_peer = Some(e::Peer::Chat(t::PeerChat { chat_id: FAMILY }));
        f.saved_from_msg_id = Some(77);
    }
    assert!(wire(&model::message(&m, &cx(12))).contains(
        r#""fwd":{"date":1767229000,"msg":77,"peer":"-456789","from_name":"Hidden Sender ","s":true}"#
    ));
}

#[test]
fn pinned_message_service_message() {
    let mut w = spec_world();
    let mut pin = MsgRec::text(P_RETRO, Some(Peer::User(ME)), true, 1_767_226_500, "");
    pin.id = 5131;
    pin.action = Some(Action::PinMessage);
    pin.reply_to = Some(5121);
    w.insert_message(pin);
    let m = msg_tl(&w, P_RETRO, 5131);
    let replied = msg_tl(&w, P_RETRO, 5121);
    assert_eq!(
        wire(&model::message_with_reply(
            &m,
            Some(&replied),
            &cx_media(11)
        )),
        spec(
            r#"{"id":5131,"date":1767226500,"out":true,"peer_id":"-1001234567890","from_id":"123456789",
 "act":{"_":"PinMessage"},"reply":{"id":5121,"msg":{"id":5121,"date":1767225600,"text":"Yes, mine runs the new build: github.com/shinovon","out":false,"peer_id":"-1001234567890","from_id":"987654321","reply":{"id":5119},"edit":1767225660,"reacts":{"count":2}}}}"#
        )
    );
}

#[test]
fn bot_inline_keyboard_only_with_media_and_v5() {
    let mut w = spec_world();
    let mut m = MsgRec::text(
        Peer::User(BOT),
        Some(Peer::User(BOT)),
        false,
        1_767_231_000,
        "Pick one",
    );
    m.id = 77;
    m.markup = vec![
        vec![
            Button::Callback {
                text: "Yes".into(),
                data: b"yes".to_vec(),
            },
            Button::Callback {
                text: "No".into(),
                data: b"no".to_vec(),
            },
        ],
        vec![Button::Url {
            text: "Website".into(),
            url: "https://example.org".into(),
        }],
    ];
    w.insert_message(m);
    let m = msg_tl(&w, Peer::User(BOT), 77);
    assert_eq!(
        wire(&model::message(&m, &cx_media(11))),
        r#"{"id":77,"date":1767231000,"text":"Pick one","out":false,"peer_id":"5000000001","from_id":"5000000001","markup":[[{"text":"Yes","data":"eWVz"},{"text":"No","data":"bm8="}],[{"text":"Website","url":"https://example.org"}]]}"#
    );
    assert!(!wire(&model::message(&m, &cx(11))).contains("markup"));
    assert!(!wire(&model::message(&m, &cx_media(4))).contains("markup"));
}

#[test]
fn reply_keyboards_never_send_buttons_without_data_or_url() {
    let w = spec_world();
    let mut m = msg_tl(&w, P_RETRO, 5119);
    let row = |buttons: Vec<(&str, e::ButtonType)>| {
        e::KeyboardButtonRow::Row(t::KeyboardButtonRow {
            buttons: buttons
                .into_iter()
                .map(|(text, r#type)| {
                    e::KeyboardButton::Button(t::KeyboardButton {
                        style: None,
                        text: text.into(),
                        r#type,
                    })
                })
                .collect(),
        })
    };
    as_message(&mut m).reply_markup = Some(e::ReplyMarkup::ReplyKeyboardMarkup(
        t::ReplyKeyboardMarkup {
            resize: true,
            single_use: true,
            selective: false,
            persistent: false,
            force_reply: false,
            rows: vec![
                row(vec![
                    ("Yes", e::ButtonType::Default),
                    ("Phone", e::ButtonType::RequestPhone),
                ]),
                row(vec![(
                    "App",
                    e::ButtonType::SimpleWebView(t::ButtonTypeSimpleWebView {
                        url: "https://example.org/app".into(),
                    }),
                )]),
            ],
            placeholder: None,
        },
    ));
    let o = wire(&model::message(&m, &cx_media(12)));
    assert!(
        o.ends_with(r#""once":true,"markup":[[{"text":"App","url":"https://example.org/app"}]]}"#),
        "{o}"
    );
    as_message(&mut m).reply_markup =
        Some(e::ReplyMarkup::ReplyKeyboardHide(t::ReplyKeyboardHide {
            selective: false,
        }));
    assert!(wire(&model::message(&m, &cx_media(12))).ends_with(r#","markup":[]}"#));
}

#[test]
fn v4_message_with_reply_and_hidden_media() {
    let (mut w, _) = album_world();
    if let Some(m) = w.message_mut(P_RETRO, 5121) {
        m.text = "Yes, mine runs the new build".into();
        m.entities.clear();
        m.media = Some(Media::Photo(5_303_202_223_851_119_012));
        m.edit_date = None;
        m.reactions.clear();
    }
    let m = msg_tl(&w, P_RETRO, 5121);
    assert_eq!(
        wire(&model::message(&m, &cx(4))),
        r#"{"id":5121,"date":1767225600,"text":"Yes, mine runs the new build","out":false,"peer_id":"-1001234567890","from_id":"987654321","media":{"_":0},"reply":{"msg":5119}}"#
    );
    // attach_reply does nothing below v5 (`msg` is the id there).
    let mut o = model::message(&m, &cx(4));
    assert!(!model::attach_reply(
        &mut o,
        &msg_tl(&w, P_RETRO, 5119),
        &cx(4)
    ));
}

#[test]
fn deleted_message_and_deleted_reply() {
    let empty = e::Message::Empty(t::MessageEmpty {
        id: 4000,
        peer_id: None,
    });
    assert_eq!(
        wire(&model::message(&empty, &cx(12))),
        r#"{"id":4000,"date":null}"#
    );
    let w = spec_world();
    let m = msg_tl(&w, P_RETRO, 5121);
    let gone = e::Message::Empty(t::MessageEmpty {
        id: 5119,
        peer_id: Some(e::Peer::Channel(t::PeerChannel { channel_id: RETRO })),
    });
    let o = wire(&model::message_with_reply(&m, Some(&gone), &cx(12)));
    assert!(o.contains(
        r#""reply":{"id":5119,"msg":{"id":5119,"date":null,"peer_id":"-1001234567890"}}"#
    ));
}

// ---- reply details (§7.7) ------------------------------------------------------------------------

#[test]
fn reply_quote_peer_and_top() {
    let w = spec_world();
    let mut m = msg_tl(&w, P_RETRO, 5121);
    if let Some(e::MessageReplyHeader::Header(h)) = &mut as_message(&mut m).reply_to {
        h.quote = true;
        h.quote_text = Some("Nokia E52".into());
        h.reply_to_top_id = Some(5000);
        h.reply_to_peer_id = Some(e::Peer::Chat(t::PeerChat { chat_id: FAMILY }));
    }
    // The spec's top is reply_to_top_id (the reference wrote the replied id there: bug).
    assert_eq!(model::reply_target(&m), Some((-FAMILY, 5119)));
    assert!(wire(&model::message(&m, &cx(10)))
        .contains(r#""reply":{"id":5119,"top":5000,"peer":"-456789","quote":"Nokia E52"}"#));
    assert!(wire(&model::message(&m, &cx(9)))
        .contains(r#""reply":{"id":5119,"peer":"-456789","quote":"Nokia E52"}"#));
    let mut story = m.clone();
    as_message(&mut story).reply_to = Some(e::MessageReplyHeader::MessageReplyStoryHeader(
        t::MessageReplyStoryHeader {
            peer: e::Peer::User(t::PeerUser { user_id: ANNA }),
            story_id: 3,
        },
    ));
    assert!(wire(&model::message(&story, &cx(12))).contains(r#""reply":{"id":null}"#));
}

// ---- entities (§7.3) -----------------------------------------------------------------------------

#[test]
fn entities_example_from_the_spec_and_out_of_range_ones_dropped() {
    let text = "Hello news Anna int x = 1; 😀 quoted text.";
    let list = vec![
        e::MessageEntity::Bold(t::MessageEntityBold {
            offset: 0,
            length: 5,
        }),
        e::MessageEntity::TextUrl(t::MessageEntityTextUrl {
            offset: 6,
            length: 4,
            url: "https://t.me/mpgram_news".into(),
        }),
        e::MessageEntity::MentionName(t::MessageEntityMentionName {
            offset: 11,
            length: 4,
            user_id: ANNA,
        }),
        e::MessageEntity::Pre(t::MessageEntityPre {
            offset: 16,
            length: 9,
            language: "java".into(),
        }),
        e::MessageEntity::CustomEmoji(t::MessageEntityCustomEmoji {
            offset: 26,
            length: 2,
            document_id: 5_368_324_170_671_202_286,
        }),
        e::MessageEntity::Blockquote(t::MessageEntityBlockquote {
            collapsed: false,
            offset: 29,
            length: 12,
        }),
        // Past the end of the text (41 UTF-16 units): would crash the phone, so dropped.
        e::MessageEntity::Italic(t::MessageEntityItalic {
            offset: 40,
            length: 5,
        }),
    ];
    let got = model::entities::entities(&list, text).expect("entities");
    let o = Object::new().with("entities", got);
    assert_eq!(
        wire(&o),
        spec(
            r#"{"entities":[{"_":"messageEntityBold","offset":0,"length":5},
 {"_":"messageEntityTextUrl","offset":6,"length":4,"url":"https://t.me/mpgram_news"},
 {"_":"messageEntityMentionName","offset":11,"length":4,"user_id":987654321},
 {"_":"messageEntityPre","offset":16,"length":9,"language":"java"},
 {"_":"messageEntityCustomEmoji","offset":26,"length":2,"document_id":5368324170671202286},
 {"_":"messageEntityBlockquote","collapsed":false,"offset":29,"length":12}]}"#
        )
    );
    assert!(model::entities::entities(&list[6..], text).is_none());
}

#[test]
fn short_form_cuts_text_and_drops_entities() {
    let w = fakegram::demo_world();
    // Alex's "Bring the map" message has bold + italic entities and an edit.
    let alex = Peer::User(100_000_003);
    let rec = w
        .messages
        .get(&alex)
        .and_then(|m| m.values().find(|m| !m.entities.is_empty()))
        .expect("a formatted message");
    let m = ftl::message(&w, rec);
    let full = wire(&model::message(&m, &cx(12)));
    assert!(full.contains(r#""entities":[{"_":"messageEntityBold","offset":0,"length":14},{"_":"messageEntityItalic","offset":19,"length":9}],"text":"Bring the map, it's important""#));
    assert!(full.contains(r#","edit":"#));
    let short = wire(&model::message_short(&m, &cx(12)));
    assert!(!short.contains("entities"));
    // 151 Cyrillic letters: 150 + "..".
    let mut long = m.clone();
    as_message(&mut long).message = "я".repeat(151);
    let j = parsed(&model::message_short(&long, &cx(12)));
    assert_eq!(
        j.get_string("text"),
        Ok(Some(format!("{}..", "я".repeat(150))))
    );
    // Full form keeps it whole.
    let j = parsed(&model::message(&long, &cx(12)));
    assert_eq!(j.get_string("text"), Ok(Some("я".repeat(151))));
}

// ---- media (§7.5) ----------------------------------------------------------------------------------

fn media_of(w: &World, peer: Peer, pick: impl Fn(&MsgRec) -> bool) -> e::Message {
    let rec = w
        .messages
        .get(&peer)
        .and_then(|m| m.values().find(|m| pick(m)))
        .expect("message with that media");
    ftl::message(w, rec)
}

fn media_json(m: &e::Message, c: &ModelCtx) -> String {
    let o = model::message(m, c);
    let media = o.get("media").expect("media key").clone();
    let wrapped = Object::new().with("media", media);
    let s = wire(&wrapped);
    s["{\"media\":".len()..s.len() - 1].to_owned()
}

/// Packs 100 values 0–31 into Telegram's 63-byte waveform (media.md §5.6).
fn pack(values: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 63];
    for (i, &val) in values.iter().enumerate() {
        for b in 0..5 {
            if val >> b & 1 == 1 {
                let k = i * 5 + b;
                out[k / 8] |= 1 << (k % 8);
            }
        }
    }
    out
}

/// A document row: id, date, kind, mime, file name, byte size, has a thumbnail.
type Doc = (
    i64,
    i32,
    FileKind,
    &'static str,
    Option<&'static str>,
    usize,
    bool,
);

#[test]
fn document_examples_from_the_spec() {
    let mut w = spec_world();
    let wave: [u8; 100] = [
        0, 0, 2, 5, 9, 14, 20, 25, 28, 31, 30, 27, 22, 17, 12, 8, 5, 3, 2, 1, 1, 2, 4, 7, 11, 16,
        21, 26, 29, 31, 31, 28, 24, 19, 14, 10, 6, 4, 2, 1, 0, 0, 1, 3, 6, 10, 15, 20, 24, 27, 28,
        26, 22, 18, 13, 9, 6, 3, 2, 1, 1, 1, 2, 4, 7, 11, 15, 19, 22, 24, 24, 22, 19, 15, 11, 8, 5,
        3, 2, 1, 0, 0, 0, 1, 2, 4, 6, 9, 12, 14, 15, 14, 12, 9, 6, 4, 2, 1, 0, 0,
    ];
    let docs: [Doc; 4] = [
        (
            5_303_202_223_851_119_013,
            1_767_226_000,
            FileKind::Voice {
                duration: 7,
                waveform: pack(&wave),
            },
            "audio/ogg",
            None,
            24_576,
            false,
        ),
        (
            5_303_202_223_851_119_020,
            1_767_226_100,
            FileKind::Audio {
                duration: 215,
                title: "Snake Theme".into(),
                performer: "Nokia".into(),
            },
            "audio/mpeg",
            Some("snake.mp3"),
            4_195_123,
            true,
        ),
        (
            5_303_202_223_851_119_021,
            1_767_226_200,
            FileKind::Sticker {
                alt: "😀".into(),
                set_id: 1,
                w: 512,
                h: 512,
            },
            "image/webp",
            Some("sticker.webp"),
            23_442,
            true,
        ),
        (
            5_303_202_223_851_119_022,
            1_767_226_300,
            FileKind::Video {
                duration: 12.0,
                w: 640,
                h: 360,
                round: false,
            },
            "video/mp4",
            Some("demo.mp4"),
            10_485_760,
            true,
        ),
    ];
    let mut ids = Vec::new();
    for (n, (id, date, kind, mime, name, len, thumb)) in docs.into_iter().enumerate() {
        w.add_file(FileRec {
            id,
            kind,
            mime: mime.into(),
            name: name.map(str::to_owned),
            date,
            bytes: Arc::new(vec![0; len]),
            thumbs: if thumb {
                vec![size("s", 90, 90)]
            } else {
                Vec::new()
            },
        });
        let mut m = MsgRec::text(Peer::User(ANNA), Some(Peer::User(ANNA)), false, date, "");
        m.id = 6000 + n as i32;
        m.media = Some(Media::Document(id));
        w.insert_message(m);
        ids.push(6000 + n as i32);
    }
    let got: Vec<String> = ids
        .iter()
        .map(|&id| media_json(&msg_tl(&w, Peer::User(ANNA), id), &cx_media(11)))
        .collect();
    let wave_json = format!(
        "[{}]",
        wave.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
    );
    assert_eq!(
        got[0],
        format!(
            r#"{{"type":"document","id":"5303202223851119013","date":1767226000,"size":24576,"mime":"audio/ogg","thumb":false,"audio":{{"voice":true,"wave":{wave_json},"time":7}}}}"#
        )
    );
    assert_eq!(
        got[1],
        r#"{"type":"document","id":"5303202223851119020","date":1767226100,"size":4195123,"mime":"audio/mpeg","thumb":true,"audio":{"voice":false,"time":215,"title":"Snake Theme","artist":"Nokia"},"name":"snake.mp3"}"#
    );
    assert_eq!(
        got[2],
        r#"{"type":"document","id":"5303202223851119021","date":1767226200,"size":23442,"mime":"image/webp","thumb":true,"w":512,"h":512,"name":"sticker.webp"}"#
    );
    assert_eq!(
        got[3],
        r#"{"type":"document","id":"5303202223851119022","date":1767226300,"size":10485760,"mime":"video/mp4","thumb":true,"name":"demo.mp4"}"#
    );
    // v9: no wave, no sticker w/h.
    let v9 = media_json(&msg_tl(&w, Peer::User(ANNA), ids[0]), &cx_media(9));
    assert_eq!(
        v9,
        r#"{"type":"document","id":"5303202223851119013","date":1767226000,"size":24576,"mime":"audio/ogg","thumb":false,"audio":{"voice":true,"time":7}}"#
    );
    let v9 = media_json(&msg_tl(&w, Peer::User(ANNA), ids[2]), &cx_media(9));
    assert!(!v9.contains(r#""w":"#));
}

#[test]
fn demo_media_kinds_webpage_geo_poll_contact() {
    let w = fakegram::demo_world();
    let tomas = media_of(&w, Peer::User(100_000_009), |m| m.media.is_some());
    assert_eq!(
        media_json(&tomas, &cx_media(12)),
        r#"{"type":"webpage","name":"Example News","url":"https://example.org/news/retro-phones","title":"Why old phones are back"}"#
    );
    let geo = media_of(&w, Peer::User(100_000_004), |m| m.media.is_some());
    assert_eq!(
        media_json(&geo, &cx_media(12)),
        r#"{"type":"geo","lat":"55.7558","long":"37.6173"}"#
    );
    assert_eq!(media_json(&geo, &cx(12)), r#"{"type":"geo","hide":1}"#);
    let contact = media_of(&w, Peer::User(100_000_008), |m| m.media.is_some());
    assert_eq!(
        media_json(&contact, &cx_media(12)),
        r#"{"type":"undefined","_":"messageMediaContact"}"#
    );
    let poll = media_of(&w, Peer::Chat(500_001), |m| {
        matches!(m.media, Some(Media::Poll(_)))
    });
    assert_eq!(
        media_json(&poll, &cx_media(12)),
        r#"{"type":"poll","voted":3,"id":"9000001","closed":false,"text":"What time?","options":[{"text":"13:00","data":"AA=="},{"text":"15:00","data":"AQ=="},{"text":"18:00","data":"Ag=="}]}"#
    );
    assert_eq!(media_json(&poll, &cx_media(10)), r#"{"type":"poll"}"#);
}

#[test]
fn poll_example_from_the_spec_with_results() {
    let mut w = spec_world();
    let mut m = MsgRec::text(
        Peer::User(ANNA),
        Some(Peer::User(ANNA)),
        false,
        1_767_227_000,
        "",
    );
    m.id = 6100;
    m.media = Some(Media::Poll(PollRec {
        id: 5_303_202_223_851_119_014,
        question: "Which phone do you use?".into(),
        answers: vec![("Nokia".into(), 8), ("Sony Ericsson".into(), 4)],
        closed: false,
        quiz: false,
        multiple: true,
        chosen: vec![0],
    }));
    w.insert_message(m);
    let mut m = msg_tl(&w, Peer::User(ANNA), 6100);
    // The spec's option bytes are the ASCII digits "0"/"1".
    if let Some(e::MessageMedia::Poll(p)) = &mut as_message(&mut m).media {
        let e::Poll::Poll(poll) = &mut p.poll;
        for (i, a) in poll.answers.iter_mut().enumerate() {
            if let e::PollAnswer::Answer(a) = a {
                a.option = vec![b'0' + i as u8];
            }
        }
        let e::PollResults::Results(r) = &mut p.results;
        for (i, v) in r.results.iter_mut().flatten().enumerate() {
            let e::PollAnswerVoters::Voters(v) = v;
            v.option = vec![b'0' + i as u8];
        }
    }
    assert_eq!(
        media_json(&m, &cx_media(11)),
        spec(
            r#"{"type":"poll","voted":12,"id":"5303202223851119014","closed":false,"multi":true,"text":"Which phone do you use?",
 "options":[{"text":"Nokia","chosen":true,"voters":8,"data":"MA=="},{"text":"Sony Ericsson","voters":4,"data":"MQ=="}]}"#
        )
    );
}

#[test]
fn geo_empty_point_keeps_both_keys() {
    let w = fakegram::demo_world();
    let mut geo = media_of(&w, Peer::User(100_000_004), |m| m.media.is_some());
    as_message(&mut geo).media = Some(e::MessageMedia::Geo(t::MessageMediaGeo {
        geo: e::GeoPoint::Empty,
    }));
    assert_eq!(
        media_json(&geo, &cx_media(12)),
        r#"{"type":"geo","lat":null,"long":null}"#
    );
}

// ---- actions (§7.6) ---------------------------------------------------------------------------------

#[test]
fn service_messages_act_user_is_a_number() {
    let mut w = spec_world();
    w.add_chat(ChatRec::new(FAMILY, ChatKind::Basic, "Family", ANNA));
    let mut m = MsgRec::text(
        Peer::Chat(FAMILY),
        Some(Peer::User(ANNA)),
        false,
        1_767_200_000,
        "",
    );
    m.id = 5100;
    m.action = Some(Action::ChatAddUser(vec![DELETED]));
    w.insert_message(m);
    let m = msg_tl(&w, Peer::Chat(FAMILY), 5100);
    assert_eq!(
        wire(&model::message(&m, &cx(12))),
        r#"{"id":5100,"date":1767200000,"out":false,"peer_id":"-456789","from_id":"987654321","act":{"_":"ChatAddUser","user":555000111}}"#
    );
    let demo = fakegram::demo_world();
    let create = media_of(&demo, Peer::Chat(500_001), |m| m.action.is_some());
    // Titles in actions are not emoji-stripped.
    assert!(wire_utf8(&model::message(&create, &cx(12)))
        .contains(r#""act":{"_":"ChatCreate","user":100000002,"t":"Family 🏡"}"#));
    let topic = media_of(&demo, Peer::Channel(1_500_000_001), |m| m.action.is_some());
    assert!(wire(&model::message(&topic, &cx(12)))
        .contains(r#""act":{"_":"TopicCreate","t":"Repairs"}"#));
}

// ---- the whole demo world, every version: what the J2ME client needs --------------------------------

fn check_message(j: &Json, ctx: &str) {
    j.get_int("id").unwrap_or_else(|e| panic!("{ctx}: {e}"));
    if j.has("date") && !matches!(j.get("date"), Some(Json::Null)) {
        j.get_long("date").unwrap_or_else(|e| panic!("{ctx}: {e}"));
    }
    assert!(!matches!(j.get("from_id"), Some(Json::Null)), "{ctx}");
    if let Some(text) = j.get("text") {
        let Json::Str(text) = text else {
            panic!("{ctx}: text")
        };
        if let Ok(ents) = j.get_array("entities") {
            let units = text.encode_utf16().count() as i32;
            for en in ents {
                let (o, l) = (
                    en.get_int("offset").expect("offset"),
                    en.get_int("length").expect("length"),
                );
                assert!(
                    o >= 0 && l >= 0 && o + l <= units,
                    "{ctx}: entity out of text"
                );
            }
        }
    }
    if let Ok(media) = j.get_object("media") {
        if !media.has("_") || media.has("type") {
            let kind = media
                .get_string("type")
                .expect("type")
                .expect("non-null type");
            if kind == "document" && !media.has("hide") {
                media.is_null("size").expect("size key");
                if let Ok(audio) = media.get_object("audio") {
                    audio.get_bool("voice").expect("voice");
                    audio.get_int("time").expect("time");
                }
            }
            if kind == "webpage" && !media.has("hide") {
                media.get_string("url").expect("url key");
            }
            if kind == "geo" && !media.has("hide") {
                assert!(media.has("lat") && media.has("long"), "{ctx}");
            }
        }
    }
    if let Ok(act) = j.get_object("act") {
        let name = act.get_string("_").expect("_").expect("name");
        if name == "ChatAddUser" || name == "ChatDeleteUser" {
            act.get_long("user").expect("act.user");
        }
    }
    if let Ok(reply) = j.get_object("reply") {
        if reply.has("id") && !matches!(reply.get("id"), Some(Json::Null)) {
            reply.get_int("id").expect("reply.id");
        }
    }
    if let Ok(rows) = j.get_array("markup") {
        for row in rows {
            let Json::Array(buttons) = row else {
                panic!("{ctx}: markup row")
            };
            for b in buttons {
                b.get_string("text").expect("text");
                assert!(
                    b.has("data") || b.has("url"),
                    "{ctx}: button without data/url"
                );
            }
        }
    }
    if let Ok(c) = j.get_object("comments") {
        c.get_int("count").expect("count");
        c.get_string("peer").expect("peer");
    }
    if let Ok(r) = j.get_object("reacts") {
        r.get_int("count").expect("reacts.count");
    }
}

#[test]
fn every_demo_object_at_every_version_reads_cleanly_on_the_phone() {
    let w = fakegram::demo_world();
    let (users, chats) = ftl::peer_lists(&w, w.users.keys().copied(), w.chats.keys().copied());
    let mut checked = 0;
    for n in 2..=12 {
        for media in [false, true] {
            let c = cx(n).with_media(media);
            let (u, ch) = model::peer_maps(&users, &chats, &c);
            for (id, user) in u.iter() {
                let j = parsed(user.as_object().expect("user object"));
                assert_eq!(j.get_string("id"), Ok(Some(id.to_owned())));
                let (f, l) = if n >= 5 {
                    ("fn", "ln")
                } else {
                    ("first_name", "last_name")
                };
                j.get_string(f).expect("first name key");
                j.get_string(l).expect("last name key");
                assert!(!matches!(j.get("name"), Some(Json::Null)));
            }
            for (id, chat) in ch.iter() {
                let j = parsed(chat.as_object().expect("chat object"));
                assert_eq!(j.get_string("id"), Ok(Some(id.to_owned())));
                let t = if n >= 5 { "t" } else { "title" };
                assert!(
                    matches!(j.get(t), Some(Json::Str(_))),
                    "chat {id} needs a string title"
                );
            }
            for (peer, msgs) in &w.messages {
                for rec in msgs.values() {
                    let m = ftl::message(&w, rec);
                    for o in [model::message(&m, &c), model::message_short(&m, &c)] {
                        check_message(&parsed(&o), &format!("v{n} {peer:?} #{}", rec.id));
                        checked += 1;
                    }
                }
            }
            for d in &w.dialogs {
                let dtl = ftl::dialog(&w, d);
                let top = w.top_message(d.peer).map(|m| ftl::message(&w, m));
                let j = parsed(&model::dialog(&dtl, top.as_ref(), &c));
                let id = j.get_string("id").expect("id").expect("non-null id");
                // The dialog's peer is in the maps the same answer would carry.
                let key_in = if id.starts_with('-') { &ch } else { &u };
                assert!(key_in.contains_key(&id), "dialog {id} peer missing");
                if n >= 5 {
                    let msg = j.get_object("msg").expect("every dialog has msg");
                    msg.get_long("date").expect("msg.date");
                    assert!(!msg.has("peer_id"));
                    if !msg.has("media") && !msg.has("fwd") && !msg.has("act") {
                        msg.get_string("text").expect("msg.text");
                    }
                    check_message(msg, &format!("dialog {id}"));
                }
            }
        }
    }
    assert!(checked > 500, "{checked}");
}

#[test]
fn demo_dialogs_at_v11_show_unread_pins_and_mute() {
    let w = fakegram::demo_world();
    let dialog = |peer: Peer| {
        let d = w.dialog(peer).expect("dialog");
        let top = w.top_message(peer).map(|m| ftl::message(&w, m));
        wire_utf8(&model::dialog(&ftl::dialog(&w, d), top.as_ref(), &cx(11)))
    };
    let alex = dialog(Peer::User(100_000_003));
    assert!(
        alex.starts_with(r#"{"id":"100000003","unread":2,"pin":true,"read_in":"#),
        "{alex}"
    );
    assert!(alex.contains(r#""silent":false,"msg":{"#));
    let lena = dialog(Peer::User(100_000_010));
    assert!(lena.contains(r#""silent":true"#), "{lena}");
    // The weather bot's keyboard is not in a dialog preview unless media was asked for.
    let weather = dialog(Peer::User(100_000_101));
    assert!(!weather.contains("markup"), "{weather}");
    let news = dialog(Peer::Channel(1_500_000_002));
    assert!(
        news.contains(r#""pin":true"#) && !news.contains("from_id"),
        "{news}"
    );
}

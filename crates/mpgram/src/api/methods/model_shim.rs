//! Stand-in for `crate::model` while the models branch is being written: the same function
//! signatures with the fewest fields the J2ME client needs (`client-j2me.md` §7.3, §8.3).
//! Replaced by `pub use crate::model::*` once that branch is merged.

use grammers_tl_types as tl;

use crate::api::json::{Object, Value};
use crate::api::version::ApiVersion;

/// What a conversion needs to know about the request.
#[derive(Debug, Clone, Copy)]
pub struct ModelCtx {
    pub version: ApiVersion,
    pub keep_emoji: bool,
    pub self_id: i64,
    /// `media` was requested.
    pub media: bool,
    /// `fields` selects `status`.
    pub status: bool,
}

const CHANNEL_OFFSET: i64 = 1_000_000_000_000;

pub fn peer_id(p: &tl::enums::Peer) -> i64 {
    match p {
        tl::enums::Peer::User(u) => u.user_id,
        tl::enums::Peer::Chat(c) => -c.chat_id,
        tl::enums::Peer::Channel(c) => -CHANNEL_OFFSET - c.channel_id,
    }
}

fn name(s: Option<&String>, ctx: &ModelCtx) -> Value {
    s.map_or(Value::Null, |s| {
        Value::Str(crate::api::text::display_name(s, ctx.keep_emoji).into_owned())
    })
}

pub fn user(u: &tl::enums::User, ctx: &ModelCtx) -> Object {
    let mut o = Object::new();
    match u {
        tl::enums::User::Empty(e) => {
            o.insert("id", Value::id(e.id));
            o.insert("fn", Value::Null);
            o.insert("ln", Value::Null);
        }
        tl::enums::User::User(u) => {
            o.insert("id", Value::id(u.id));
            if ctx.version.has_compact_peer_keys() {
                o.insert("fn", name(u.first_name.as_ref(), ctx));
                o.insert("ln", name(u.last_name.as_ref(), ctx));
                o.insert_some("name", u.username.clone());
                o.flag("k", u.contact);
                o.flag("b", u.bot);
            } else {
                o.insert("first_name", name(u.first_name.as_ref(), ctx));
                o.insert("last_name", name(u.last_name.as_ref(), ctx));
                o.insert("username", u.username.clone().map_or(Value::Null, Value::Str));
            }
        }
    }
    o
}

pub fn chat(c: &tl::enums::Chat, ctx: &ModelCtx) -> Object {
    let (id, title, username, broadcast) = match c {
        tl::enums::Chat::Empty(e) => (-e.id, String::new(), None, false),
        tl::enums::Chat::Chat(c) => (-c.id, c.title.clone(), None, false),
        tl::enums::Chat::Forbidden(c) => (-c.id, c.title.clone(), None, false),
        tl::enums::Chat::Channel(c) => (
            -CHANNEL_OFFSET - c.id,
            c.title.clone(),
            c.username.clone(),
            c.broadcast,
        ),
        tl::enums::Chat::ChannelForbidden(c) => {
            (-CHANNEL_OFFSET - c.id, c.title.clone(), None, c.broadcast)
        }
        tl::enums::Chat::Community(_) | tl::enums::Chat::CommunityForbidden(_) => {
            (0, String::new(), None, false)
        }
    };
    let title = crate::api::text::display_name(&title, ctx.keep_emoji).into_owned();
    let mut o = Object::new();
    o.insert("id", Value::id(id));
    if ctx.version.has_compact_peer_keys() {
        o.insert("t", title);
        o.insert_some("name", username);
        o.flag("c", broadcast);
    } else {
        o.insert("title", title);
        o.insert("username", username.map_or(Value::Null, Value::Str));
    }
    o
}

pub fn peer_maps(
    users: &[tl::enums::User],
    chats: &[tl::enums::Chat],
    ctx: &ModelCtx,
) -> (Object, Object) {
    let mut u = Object::new();
    for x in users {
        let o = user(x, ctx);
        if let Some(Value::Str(id)) = o.get("id").cloned() {
            u.insert(id, o);
        }
    }
    let mut c = Object::new();
    for x in chats {
        let o = chat(x, ctx);
        if let Some(Value::Str(id)) = o.get("id").cloned() {
            c.insert(id, o);
        }
    }
    (u, c)
}

pub fn dialog(
    d: &tl::enums::Dialog,
    msg: Option<&tl::enums::Message>,
    ctx: &ModelCtx,
) -> Object {
    let mut o = Object::new();
    match d {
        tl::enums::Dialog::Dialog(d) => {
            o.insert("id", Value::id(peer_id(&d.peer)));
            if d.unread_count > 0 {
                o.insert(
                    if ctx.version.has_compact_peer_keys() {
                        "unread"
                    } else {
                        "unread_count"
                    },
                    d.unread_count,
                );
            }
        }
        tl::enums::Dialog::Folder(f) => {
            o.insert("id", Value::id(peer_id(&f.peer)));
        }
        tl::enums::Dialog::Community(_) => {
            o.insert("id", Value::id(0));
        }
    }
    if let Some(m) = msg {
        let mut m = message_short(m, ctx);
        m.remove("peer_id");
        o.insert("msg", m);
    }
    o
}

pub fn message(m: &tl::enums::Message, ctx: &ModelCtx) -> Object {
    let mut o = Object::new();
    match m {
        tl::enums::Message::Empty(e) => {
            o.insert("id", e.id);
            o.insert("date", Value::Null);
        }
        tl::enums::Message::Message(m) => {
            o.insert("id", m.id);
            o.insert("date", m.date);
            o.insert("text", m.message.clone());
            o.insert("out", m.out);
            o.insert("peer_id", Value::id(peer_id(&m.peer_id)));
            o.insert_some("from_id", m.from_id.as_ref().map(|p| Value::id(peer_id(p))));
        }
        tl::enums::Message::Service(m) => {
            o.insert("id", m.id);
            o.insert("date", m.date);
            o.insert("out", m.out);
            o.insert("peer_id", Value::id(peer_id(&m.peer_id)));
            o.insert_some("from_id", m.from_id.as_ref().map(|p| Value::id(peer_id(p))));
            o.insert("act", Object::new().with("_", "Unsupported"));
        }
    }
    let _ = ctx;
    o
}

pub fn message_short(m: &tl::enums::Message, ctx: &ModelCtx) -> Object {
    let mut o = message(m, ctx);
    if let Some(Value::Str(t)) = o.get("text") {
        let short = crate::api::text::short_text(t).into_owned();
        o.insert("text", short);
    }
    o
}

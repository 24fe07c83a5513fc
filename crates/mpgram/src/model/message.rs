//! Message (`models.md` §7): top-level keys, `fwd`, `reply`, `comments`, `reacts`; media,
//! entities, actions and keyboards live in their own files.

use grammers_tl_types as tl;
use tl::enums as e;

use super::peer::{channel_peer_id, peer_id};
use super::{action, entities, markup, media, ModelCtx};
use crate::wire::json::{Object, Value};
use crate::wire::text::{display_name, short_text};

/// Full form (§7.2) or short form (§7.11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Full,
    Short,
}

/// The full form: `getHistory`, `searchMessages`, `getMessages`, updates. `reply.msg` needs a
/// Telegram call and is added by [`attach_reply`] (or use [`message_with_reply`]).
pub fn message(m: &e::Message, cx: &ModelCtx) -> Object {
    build(m, cx, Form::Full)
}

/// The short form (§7.11): text cut to 150 UTF-16 units + `..`, no `entities`, no `reply.msg`.
/// Media as `cx.media` says (false for `reply.msg`).
pub fn message_short(m: &e::Message, cx: &ModelCtx) -> Object {
    build(m, cx, Form::Short)
}

/// The full form with `reply.msg` from the replied message the caller fetched (§7.9); `None`
/// when the fetch failed or was not needed.
pub fn message_with_reply(m: &e::Message, replied: Option<&e::Message>, cx: &ModelCtx) -> Object {
    let mut o = message(m, cx);
    if let Some(r) = replied {
        attach_reply(&mut o, r, cx);
    }
    o
}

/// Adds `reply.msg` (short form, media not requested) to a full-form message, when the
/// version has it (v ≥ 5), the message has a `reply` with a non-null `id`, and `replied` is that
/// message (a different id is ignored, so a batch lookup cannot attach the wrong one). A deleted
/// replied message (`messageEmpty`) gives `{"id":…,"date":null}`. Returns whether it attached.
pub fn attach_reply(message: &mut Object, replied: &e::Message, cx: &ModelCtx) -> bool {
    if !cx.version.message_has_rich_fields() {
        return false;
    }
    let Some(Value::Object(reply)) = message.get("reply") else {
        return false;
    };
    let Some(Value::Int(id)) = reply.get("id") else {
        return false;
    };
    if i64::from(message_id(replied)) != *id {
        return false;
    }
    let short = message_short(replied, &cx.with_media(false));
    let mut reply = reply.clone();
    reply.insert("msg", short);
    message.insert("reply", reply);
    true
}

/// The id of any message constructor.
pub fn message_id(m: &e::Message) -> i32 {
    match m {
        e::Message::Empty(x) => x.id,
        e::Message::Message(x) => x.id,
        e::Message::Service(x) => x.id,
    }
}

/// The chat a message belongs to, as a peer id (`None` for a `messageEmpty` without one).
pub fn message_peer_id(m: &e::Message) -> Option<i64> {
    match m {
        e::Message::Empty(x) => x.peer_id.as_ref().map(peer_id),
        e::Message::Message(x) => Some(peer_id(&x.peer_id)),
        e::Message::Service(x) => Some(peer_id(&x.peer_id)),
    }
}

/// The sender as a peer id (`from_id`), when Telegram gives one. `getDialogs` adds it to the
/// peer maps when it differs from the dialog (models.md §5).
pub fn message_from_id(m: &e::Message) -> Option<i64> {
    match m {
        e::Message::Empty(_) => None,
        e::Message::Message(x) => x.from_id.as_ref().map(peer_id),
        e::Message::Service(x) => x.from_id.as_ref().map(peer_id),
    }
}

/// Where the replied message of `m` lives, as (chat peer id, message id), for the `reply.msg`
/// fetch (§7.9): `reply.peer` when set, else the message's own chat. `None` when there is
/// nothing to fetch (no reply, story reply). Use `messages.getMessages` for users and basic
/// groups and `channels.getMessages` for ids ≤ −1000000000000; batch per chat.
pub fn reply_target(m: &e::Message) -> Option<(i64, i32)> {
    let header = match m {
        e::Message::Empty(_) => None,
        e::Message::Message(x) => x.reply_to.as_ref(),
        e::Message::Service(x) => x.reply_to.as_ref(),
    }?;
    let e::MessageReplyHeader::Header(h) = header else {
        return None;
    };
    let chat = h
        .reply_to_peer_id
        .as_ref()
        .map(peer_id)
        .or_else(|| message_peer_id(m))?;
    Some((chat, h.reply_to_msg_id?))
}

fn build(m: &e::Message, cx: &ModelCtx, form: Form) -> Object {
    let v = cx.version;
    let mut o = Object::with_capacity(12);
    match m {
        e::Message::Empty(x) => {
            o.insert("id", x.id).insert("date", Value::Null);
            o.insert_some("peer_id", x.peer_id.as_ref().map(|p| Value::id(peer_id(p))));
        }
        e::Message::Message(x) => {
            o.insert("id", x.id).insert("date", x.date);
            if form == Form::Full && v.message_has_rich_fields() {
                if let Some(list) = &x.entities {
                    o.insert_some("entities", entities::entities(list, &x.message));
                }
            }
            let text = match form {
                Form::Full => x.message.clone(),
                Form::Short => short_text(&x.message).into_owned(),
            };
            o.insert("text", text)
                .insert("out", x.out)
                .insert("peer_id", Value::id(peer_id(&x.peer_id)))
                .insert_some("from_id", x.from_id.as_ref().map(|p| Value::id(peer_id(p))));
            if let Some(f) = &x.fwd_from {
                o.insert("fwd", fwd(f, cx));
            }
            if let Some(md) = &x.media {
                o.insert("media", media::media(md, cx));
            }
            if let Some(r) = &x.reply_to {
                o.insert("reply", reply(r, cx));
            }
            if v.message_has_rich_fields() {
                o.insert_some("group", x.grouped_id);
                if cx.media {
                    if let Some(k) = &x.reply_markup {
                        o.flag("once", markup::single_use(k))
                            .insert("markup", markup::markup(k));
                    }
                }
            }
            if v.message_has_edit() && !x.edit_hide {
                o.insert_some("edit", x.edit_date);
            }
            if v.message_has_silent_mention_comments() {
                o.flag("silent", x.silent);
                if let Some(c) = x.replies.as_ref().and_then(comments) {
                    o.insert("comments", c);
                }
                o.flag("mention", x.mentioned);
            }
            if v.message_has_reacts() {
                o.insert_some("reacts", x.reactions.as_ref().map(reacts));
            }
        }
        e::Message::Service(x) => {
            let from = x.from_id.as_ref().map(peer_id);
            o.insert("id", x.id)
                .insert("date", x.date)
                .insert("out", x.out)
                .insert("peer_id", Value::id(peer_id(&x.peer_id)))
                .insert_some("from_id", from.map(Value::id))
                .insert("act", action::action(&x.action, from));
            if let Some(r) = &x.reply_to {
                o.insert("reply", reply(r, cx));
            }
            if v.message_has_silent_mention_comments() {
                o.flag("silent", x.silent).flag("mention", x.mentioned);
            }
            if v.message_has_reacts() {
                o.insert_some("reacts", x.reactions.as_ref().map(reacts));
            }
        }
    }
    o
}

/// `fwd` (§7.4). `s` is always true: the reference tests whether the `saved_out` flag field
/// exists, which MadelineProto always materialises (spec: copy it).
fn fwd(f: &e::MessageFwdHeader, cx: &ModelCtx) -> Object {
    let e::MessageFwdHeader::Header(f) = f;
    let mut o = Object::with_capacity(6);
    o.insert_some("from_id", f.from_id.as_ref().map(|p| Value::id(peer_id(p))))
        .insert("date", f.date)
        .insert_some("msg", f.saved_from_msg_id.or(f.channel_post))
        .insert_some(
            "peer",
            f.saved_from_peer.as_ref().map(|p| Value::id(peer_id(p))),
        )
        .insert_some(
            "from_name",
            f.from_name
                .as_deref()
                .map(|n| display_name(n, cx.keep_emoji).into_owned()),
        )
        .insert("s", true);
    o
}

/// `reply` without `msg` (§7.7).
fn reply(r: &e::MessageReplyHeader, cx: &ModelCtx) -> Object {
    let v = cx.version;
    let mut o = Object::with_capacity(5);
    match r {
        e::MessageReplyHeader::Header(h) => {
            o.insert(v.reply_id_key(), h.reply_to_msg_id);
            // The reference writes reply_to_msg_id here; the spec says to write the top id.
            if v.reply_has_top() {
                o.insert_some("top", h.reply_to_top_id);
            }
            o.insert_some(
                "peer",
                h.reply_to_peer_id.as_ref().map(|p| Value::id(peer_id(p))),
            )
            .insert_some("quote", h.quote_text.as_ref());
        }
        // A reply to a story: no message id.
        e::MessageReplyHeader::MessageReplyStoryHeader(_) => {
            o.insert(v.reply_id_key(), Value::Null);
        }
    }
    o
}

/// `comments` (§7.10): only for a comments section (channel post with a discussion group).
fn comments(r: &e::MessageReplies) -> Option<Object> {
    let e::MessageReplies::Replies(r) = r;
    if !r.comments {
        return None;
    }
    // Both come from the same TL flag; without the group the client could not open it anyway.
    let channel = r.channel_id?;
    let mut o = Object::with_capacity(3)
        .with("count", r.replies)
        // A number, unlike every other peer id in a Message (models.md §2).
        .with("peer", channel_peer_id(channel));
    o.insert_some("read", r.read_max_id);
    Some(o)
}

/// `reacts` (§7.1): `{"count": sum of all reaction counts}`, possibly 0.
fn reacts(r: &e::MessageReactions) -> Object {
    let e::MessageReactions::Reactions(r) = r;
    let count: i64 = r
        .results
        .iter()
        .map(|c| {
            let e::ReactionCount::Count(c) = c;
            i64::from(c.count)
        })
        .sum();
    Object::new().with("count", count)
}

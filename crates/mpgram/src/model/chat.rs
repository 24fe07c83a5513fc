//! Chat: basic group, supergroup, channel (`models.md` §4).

use grammers_tl_types as tl;
use tl::enums as e;

use super::peer::chat_object_peer_id;
use super::ModelCtx;
use crate::wire::json::{Object, Value};
use crate::wire::text::display_name;

/// The raw constructor name written as `type` for v < 11.
fn constructor(c: &e::Chat) -> &'static str {
    match c {
        e::Chat::Empty(_) => "chatEmpty",
        e::Chat::Chat(_) => "chat",
        e::Chat::Forbidden(_) => "chatForbidden",
        e::Chat::Channel(_) => "channel",
        e::Chat::ChannelForbidden(_) => "channelForbidden",
        e::Chat::Community(_) => "community",
        e::Chat::CommunityForbidden(_) => "communityForbidden",
    }
}

/// What the Chat object needs from the seven constructors.
#[derive(Default)]
struct Facts<'a> {
    title: Option<&'a str>,
    username: Option<&'a str>,
    photo: bool,
    broadcast: bool,
    forum: bool,
    left: bool,
}

fn facts(c: &e::Chat) -> Facts<'_> {
    let real_photo = |p: &e::ChatPhoto| matches!(p, e::ChatPhoto::Photo(_));
    match c {
        e::Chat::Empty(_) => Facts::default(),
        e::Chat::Chat(x) => Facts {
            title: Some(&x.title),
            photo: real_photo(&x.photo),
            left: x.left,
            ..Facts::default()
        },
        e::Chat::Forbidden(x) => Facts {
            title: Some(&x.title),
            ..Facts::default()
        },
        e::Chat::Channel(x) => Facts {
            title: Some(&x.title),
            username: x.username.as_deref(),
            photo: real_photo(&x.photo),
            broadcast: x.broadcast,
            forum: x.forum,
            left: x.left,
        },
        e::Chat::ChannelForbidden(x) => Facts {
            title: Some(&x.title),
            broadcast: x.broadcast,
            ..Facts::default()
        },
        e::Chat::Community(x) => Facts {
            title: Some(&x.title),
            photo: real_photo(&x.photo),
            left: x.left,
            ..Facts::default()
        },
        e::Chat::CommunityForbidden(x) => Facts {
            title: Some(&x.title),
            ..Facts::default()
        },
    }
}

/// A Chat object. v ≥ 5: (`type` below v11), `id`, `t`, `name`, `p`, `c`, `f`, `l`;
/// v 2–4: `type`, `id`, `title`, `username`.
pub fn chat(c: &e::Chat, cx: &ModelCtx) -> Object {
    let f = facts(c);
    let mut o = Object::with_capacity(8);
    if cx.version.chat_has_type() {
        o.insert("type", constructor(c));
    }
    o.insert("id", Value::id(chat_object_peer_id(c)));
    // `chatEmpty` has no title; the spec writes null there, but the J2ME client calls
    // `.trim()` on `t` of every chat (client-j2me.md §7.3), so an empty string it is.
    let title = display_name(f.title.unwrap_or(""), cx.keep_emoji).into_owned();
    if !cx.version.has_compact_peer_keys() {
        o.insert("title", title)
            .insert("username", f.username.map(str::to_owned));
        return o;
    }
    o.insert("t", title)
        .insert_some("name", f.username.map(str::to_owned))
        // Only a real photo (models.md §4 note): saves the client a failing ava.php call.
        .flag("p", f.photo)
        .flag("c", f.broadcast)
        .flag("f", f.forum)
        .flag("l", f.left);
    o
}

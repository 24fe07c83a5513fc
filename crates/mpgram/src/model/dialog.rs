//! Dialog (`models.md` §6).

use grammers_tl_types as tl;
use tl::enums as e;

use super::peer::{channel_peer_id, peer_id};
use super::{message, message_short, DialogMsg, ModelCtx};
use crate::wire::json::{Object, Value};

/// What a dialog's `msg` is when Telegram did not return its last message: the J2ME client
/// reads `msg.date` of every dialog without a null check (client-j2me.md §7.3).
pub fn missing_dialog_msg() -> Object {
    Object::with_capacity(3)
        .with("id", 0)
        .with("date", 0)
        .with("text", "")
}

/// One dialog. With v ≥ 5 and `cx.dialog_msg` not `Omit`, `msg` is `top` (the dialog's last
/// message) in short or full form without `peer_id`, or [`missing_dialog_msg`] when `top` is
/// `None`. For v < 5 the caller writes last messages to the separate `messages` map.
pub fn dialog(d: &e::Dialog, top: Option<&e::Message>, cx: &ModelCtx) -> Object {
    let v = cx.version;
    let compact = v.has_compact_peer_keys();
    let mut o = Object::with_capacity(9);
    let (id, pinned, notify) = match d {
        e::Dialog::Dialog(x) => (peer_id(&x.peer), x.pinned, Some(&x.notify_settings)),
        e::Dialog::Folder(x) => (peer_id(&x.peer), x.pinned, None),
        e::Dialog::Community(x) => (
            channel_peer_id(x.community_id),
            x.pinned,
            Some(&x.notify_settings),
        ),
    };
    o.insert("id", Value::id(id));
    let counts = match d {
        e::Dialog::Dialog(x) => Some(x),
        _ => None,
    };
    let positive = |n: i32| (n > 0).then_some(n);
    if let Some(x) = counts {
        o.insert_some(
            if compact { "unread" } else { "unread_count" },
            positive(x.unread_count),
        );
    }
    o.flag(if compact { "pin" } else { "pinned" }, pinned);
    if let Some(x) = counts {
        if compact {
            o.insert_some("mentions", positive(x.unread_mentions_count));
        }
        if v.dialog_has_read_state() {
            o.insert_some("read_out", positive(x.read_outbox_max_id))
                .insert_some("read_in", positive(x.read_inbox_max_id));
        }
    }
    if v.dialog_has_read_state() {
        if let Some(e::PeerNotifySettings::Settings(n)) = notify {
            // An expired mute_until still gives true: reference behaviour, kept.
            o.insert_some("silent", n.mute_until.map(|t| t != 0));
        }
    }
    if compact && cx.dialog_msg != DialogMsg::Omit {
        let mut msg = match top {
            Some(m) if cx.dialog_msg == DialogMsg::Full => message(m, cx),
            Some(m) => message_short(m, cx),
            None => missing_dialog_msg(),
        };
        msg.remove("peer_id");
        o.insert("msg", msg);
    }
    o
}

//! User (`models.md` §3).

use grammers_tl_types as tl;
use tl::enums as e;

use super::ModelCtx;
use crate::wire::json::{Object, Value};
use crate::wire::text::display_name;

/// A name as emitted: emoji-stripped unless the request kept emoji; `null` when Telegram gave
/// none.
pub(crate) fn name_value(name: Option<&str>, cx: &ModelCtx) -> Value {
    name.map_or(Value::Null, |s| {
        Value::Str(display_name(s, cx.keep_emoji).into_owned())
    })
}

/// A User object. v ≥ 5: `id`, `fn`, `ln` (always, string or null), `name`, `p`, `k`, `b`,
/// `s`, `w`; v 2–4: `id`, `first_name`, `last_name`, `username` (all always).
pub fn user(u: &e::User, cx: &ModelCtx) -> Object {
    let compact = cx.version.has_compact_peer_keys();
    let mut o = Object::with_capacity(9);
    let x = match u {
        e::User::Empty(x) => {
            o.insert("id", Value::id(x.id));
            let (f, l) = if compact {
                ("fn", "ln")
            } else {
                ("first_name", "last_name")
            };
            o.insert(f, Value::Null).insert(l, Value::Null);
            if !compact {
                o.insert("username", Value::Null);
            }
            return o;
        }
        e::User::User(x) => x,
    };
    o.insert("id", Value::id(x.id));
    if !compact {
        o.insert("first_name", name_value(x.first_name.as_deref(), cx))
            .insert("last_name", name_value(x.last_name.as_deref(), cx))
            .insert("username", x.username.clone());
        return o;
    }
    o.insert("fn", name_value(x.first_name.as_deref(), cx))
        .insert("ln", name_value(x.last_name.as_deref(), cx))
        // Never `"name":null`: the client indexes usernames and crashes on null.
        .insert_some("name", x.username.clone())
        // Only a real photo: `userProfilePhotoEmpty` would make the client ask ava.php in vain.
        .flag("p", matches!(x.photo, Some(e::UserProfilePhoto::Photo(_))))
        .flag("k", x.contact)
        .flag("b", x.bot);
    if cx.user_status {
        if let Some(status) = &x.status {
            let (online, was) = match status {
                e::UserStatus::Online(_) => (true, 0),
                e::UserStatus::Offline(s) => (false, s.was_online),
                _ => (false, 0),
            };
            o.insert("s", online).insert("w", was);
        }
    }
    o
}

//! Message `act` (`models.md` §7.6).

use grammers_tl_types as tl;
use tl::enums as e;

use super::tl_name;
use crate::wire::json::{Object, Value};

/// `{"_": <action name without "messageAction">, "user": …, "t": …}`.
///
/// `user` (a **number**) comes from `user_id`, else the first of `users`; `t` from `title`
/// (not emoji-stripped). `fallback_user` (the message's sender) stands in for an empty `users`
/// list of `ChatAddUser`: the J2ME client builds a link from `act.user` of that action and
/// crashes on null (client-j2me.md §8.3).
pub fn action(a: &e::MessageAction, fallback_user: Option<i64>) -> Object {
    let name = tl_name(a);
    let name = name.strip_prefix("messageAction").unwrap_or(name);
    let mut o = Object::with_capacity(3).with("_", name);
    let (user, title): (Option<Value>, Option<&str>) = match a {
        e::MessageAction::ChatCreate(x) => (Some(first(&x.users, None)), Some(&x.title)),
        e::MessageAction::ChatAddUser(x) => (Some(first(&x.users, fallback_user)), None),
        e::MessageAction::ChatDeleteUser(x) => (Some(x.user_id.into()), None),
        e::MessageAction::InviteToGroupCall(x) => (Some(first(&x.users, None)), None),
        e::MessageAction::ChatEditTitle(x) => (None, Some(&x.title)),
        e::MessageAction::ChannelCreate(x) => (None, Some(&x.title)),
        e::MessageAction::ChannelMigrateFrom(x) => (None, Some(&x.title)),
        e::MessageAction::TopicCreate(x) => (None, Some(&x.title)),
        e::MessageAction::TopicEdit(x) => (None, x.title.as_deref()),
        _ => (None, None),
    };
    o.insert_some("user", user).insert_some("t", title);
    o
}

fn first(users: &[i64], fallback: Option<i64>) -> Value {
    users.first().copied().or(fallback).into()
}

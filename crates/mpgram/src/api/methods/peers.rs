//! Peer references and peer information: `getPeer`, `getPeers`, `getPeerInfo`, `getContacts`,
//! `searchChats`, `getParticipants` (`methods-core.md` §0.2, §5).

use grammers_tl_types as tl;

use super::{res, Call};
use crate::api::error::ApiError;
use crate::api::json::{Object, Value};
use crate::model;
use crate::model::peer::PeerId;

/// Channels and supergroups (`protocol.md` §10).
pub(crate) fn is_channel(id: i64) -> bool {
    PeerId::new(id).is_channel()
}

fn unknown_peer(reference: &str) -> ApiError {
    ApiError::Internal(format!(
        "This peer is not present in the internal peer database ({reference}). Open the chat list first."
    ))
}

/// A username from `name`, `@name` or a `t.me/name` link.
fn username_of(reference: &str) -> Option<&str> {
    let r = reference
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("t.me/")
        .trim_start_matches('@');
    let ok = !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    ok.then_some(r)
}

/// Resolves a peer reference (`methods-core.md` §0.2): a numeric MPGram id from the peer cache
/// (no round trip), `me`/`self`, or a username (one `contacts.resolveUsername`).
pub(crate) async fn resolve(
    call: &Call<'_>,
    reference: &str,
) -> Result<(i64, tl::enums::InputPeer), ApiError> {
    let r = reference.trim();
    if r.eq_ignore_ascii_case("me") || r.eq_ignore_ascii_case("self") {
        return Ok((call.self_id(), tl::enums::InputPeer::PeerSelf));
    }
    if let Ok(id) = r.parse::<i64>() {
        if id != 0 && id == call.self_id() {
            return Ok((id, tl::enums::InputPeer::PeerSelf));
        }
        if let Some(p) = call.account.input_peer(id) {
            return Ok((id, p));
        }
        // Not cached yet (a fresh start, or a chat beyond the pages seen so far): learn the
        // access hashes from the dialog list once, then try again.
        super::dialogs::warm_peer_cache(call).await?;
        return call
            .account
            .input_peer(id)
            .map(|p| (id, p))
            .ok_or_else(|| unknown_peer(r));
    }
    let name = username_of(r).ok_or_else(|| unknown_peer(r))?;
    let tl::enums::contacts::ResolvedPeer::Peer(found) = call
        .invoke_caching(&tl::functions::contacts::ResolveUsername {
            username: name.to_owned(),
            referer: None,
        })
        .await?;
    let id = model::peer_id(&found.peer);
    call.account
        .input_peer(id)
        .map(|p| (id, p))
        .ok_or_else(|| unknown_peer(r))
}

pub(crate) fn input_channel(call: &Call<'_>, id: i64) -> Result<tl::enums::InputChannel, ApiError> {
    if !is_channel(id) {
        return Err(ApiError::Telegram(crate::api::RpcError::parse(
            400,
            "CHANNEL_INVALID",
        )));
    }
    call.account
        .input_channel(id)
        .ok_or_else(|| unknown_peer(&id.to_string()))
}

pub(crate) fn input_user(call: &Call<'_>, id: i64) -> Result<tl::enums::InputUser, ApiError> {
    if id != 0 && id == call.self_id() {
        return Ok(tl::enums::InputUser::UserSelf);
    }
    call.account
        .input_user(id)
        .ok_or_else(|| unknown_peer(&id.to_string()))
}

/// The User or Chat object of a cached peer, asking Telegram for it once when the cache knows
/// only its access hash.
async fn peer_object(
    call: &Call<'_>,
    id: i64,
    input: &tl::enums::InputPeer,
) -> Result<Object, ApiError> {
    let ctx = call.model_ctx();
    if id > 0 || matches!(input, tl::enums::InputPeer::PeerSelf) {
        let user = match input {
            tl::enums::InputPeer::PeerSelf => tl::enums::InputUser::UserSelf,
            _ => input_user(call, id)?,
        };
        let users = call
            .invoke_caching(&tl::functions::users::GetUsers { id: vec![user] })
            .await?;
        let u = users.first().ok_or_else(|| unknown_peer(&id.to_string()))?;
        return Ok(model::user(u, &ctx));
    }
    let chats = fetch_chats(call, id).await?;
    let c = chats.first().ok_or_else(|| unknown_peer(&id.to_string()))?;
    Ok(model::chat(c, &ctx))
}

/// `getPeer`: checks `id` non-empty, auth; `type` restricts the kind (mismatch → `""`).
pub async fn get_peer(call: &Call<'_>) -> Result<Object, ApiError> {
    let reference = call.params.required("id")?;
    call.auth()?;
    let (id, input) = resolve(call, reference).await?;
    match call.params.get("type") {
        Some("user") if id <= 0 => return Err(ApiError::Message(String::new())),
        Some("chat") if id > 0 => return Err(ApiError::Message(String::new())),
        _ => {}
    }
    peer_object(call, id, &input).await
}

/// `getPeers`: each comma-separated id separately (the reference resolves the whole list as one,
/// a bug); unresolvable ids are skipped unless it was the only one. Maps start with the `"0":0`
/// placeholder, and a map holding only it is written `[0]` as PHP does.
pub async fn get_peers(call: &Call<'_>) -> Result<Object, ApiError> {
    let list = call.params.required("id")?;
    call.auth()?;
    let ids: Vec<i64> = list
        .split(',')
        .map(|s| crate::api::params::lenient_int(s.trim()))
        .collect();
    if ids.contains(&0) {
        return Err(ApiError::Message("Invalid id".into()));
    }
    let mut users = Object::new().with("0", 0);
    let mut chats = Object::new().with("0", 0);
    let mut last_err = None;
    for id in &ids {
        let found = match resolve(call, &id.to_string()).await {
            Ok((_, input)) => peer_object(call, *id, &input).await,
            Err(e) => Err(e),
        };
        match found {
            Ok(o) if *id > 0 => {
                users.insert(id.to_string(), o);
            }
            Ok(o) => {
                chats.insert(id.to_string(), o);
            }
            Err(e) => last_err = Some(e),
        }
    }
    if ids.len() == 1 {
        if let Some(e) = last_err {
            return Err(e);
        }
    }
    let placeholder = |m: Object| {
        if m.len() == 1 {
            Value::Array(vec![Value::Int(0)])
        } else {
            Value::Object(m)
        }
    };
    Ok(Object::new()
        .with("users", placeholder(users))
        .with("chats", placeholder(chats)))
}

/// A user status in MadelineProto form (also used by the update stream).
pub(super) fn user_status(s: &tl::enums::UserStatus) -> Object {
    use tl::enums::UserStatus as S;
    match s {
        S::Empty => Object::new().with("_", "userStatusEmpty"),
        S::Online(o) => Object::new()
            .with("_", "userStatusOnline")
            .with("expires", o.expires),
        S::Offline(o) => Object::new()
            .with("_", "userStatusOffline")
            .with("was_online", o.was_online),
        S::Recently(o) => Object::new()
            .with("_", "userStatusRecently")
            .with("by_me", o.by_me),
        S::LastWeek(o) => Object::new()
            .with("_", "userStatusLastWeek")
            .with("by_me", o.by_me),
        S::LastMonth(o) => Object::new()
            .with("_", "userStatusLastMonth")
            .with("by_me", o.by_me),
    }
}

fn admin_rights(r: &tl::enums::ChatAdminRights) -> Object {
    let tl::enums::ChatAdminRights::Rights(r) = r;
    Object::new()
        .with("_", "chatAdminRights")
        .with("change_info", r.change_info)
        .with("post_messages", r.post_messages)
        .with("edit_messages", r.edit_messages)
        .with("delete_messages", r.delete_messages)
        .with("ban_users", r.ban_users)
        .with("invite_users", r.invite_users)
        .with("pin_messages", r.pin_messages)
        .with("add_admins", r.add_admins)
        .with("anonymous", r.anonymous)
        .with("manage_call", r.manage_call)
        .with("other", r.other)
        .with("manage_topics", r.manage_topics)
        .with("post_stories", r.post_stories)
        .with("edit_stories", r.edit_stories)
        .with("delete_stories", r.delete_stories)
}

/// `getPeerInfo`: the chat-info screen. Sends `about` from the full object (the reference looks
/// for it on the base object and never sends it, a bug).
pub async fn get_peer_info(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let reference = call.params.required_set("id")?;
    let (id, input) = resolve(call, reference).await?;
    let mut o = Object::new();
    if id > 0 || matches!(input, tl::enums::InputPeer::PeerSelf) {
        let user = match input {
            tl::enums::InputPeer::PeerSelf => tl::enums::InputUser::UserSelf,
            _ => input_user(call, id)?,
        };
        let tl::enums::users::UserFull::Full(full) = call
            .invoke_caching(&tl::functions::users::GetFullUser { id: user })
            .await?;
        let tl::enums::UserFull::Full(info) = &full.full_user;
        let base = full.users.iter().find_map(|u| match u {
            tl::enums::User::User(u) if u.id == info.id => Some(u),
            _ => None,
        });
        if let Some(u) = base {
            o.flag("bot", u.bot);
            o.insert_some("status", u.status.as_ref().map(user_status));
            o.insert_some("phone", u.phone.clone());
        }
        o.insert_some("about", info.about.clone().filter(|a| !a.is_empty()));
        o.insert_some("username", base.and_then(|u| u.username.clone()));
        o.insert_some("pinned", info.pinned_msg_id.filter(|p| *p != 0));
    } else {
        let full = if is_channel(id) {
            call.invoke_caching(&tl::functions::channels::GetFullChannel {
                channel: input_channel(call, id)?,
            })
            .await?
        } else {
            call.invoke_caching(&tl::functions::messages::GetFullChat { chat_id: -id })
                .await?
        };
        let tl::enums::messages::ChatFull::Full(full) = full;
        let base = full
            .chats
            .iter()
            .find(|c| model::peer_id(&chat_peer(c)) == id);
        let (rights, base_count, left, username) = match base {
            Some(tl::enums::Chat::Channel(c)) => (
                c.admin_rights.as_ref(),
                c.participants_count.unwrap_or(0),
                c.left,
                c.username.clone(),
            ),
            Some(tl::enums::Chat::Chat(c)) => {
                (c.admin_rights.as_ref(), c.participants_count, c.left, None)
            }
            _ => (None, 0, false, None),
        };
        let (about, pinned, count, can_view) = match &full.full_chat {
            tl::enums::ChatFull::Full(f) => (f.about.clone(), f.pinned_msg_id, None, false),
            tl::enums::ChatFull::ChannelFull(f) => (
                f.about.clone(),
                f.pinned_msg_id,
                f.participants_count,
                f.can_view_participants,
            ),
            tl::enums::ChatFull::CommunityFull(_) => (String::new(), None, None, false),
        };
        o.insert_some("admin_rights", rights.map(admin_rights));
        let count = count.filter(|c| *c > 0).unwrap_or(base_count);
        if count > 0 {
            o.insert("count", count);
        }
        o.flag("can_view_participants", can_view && is_channel(id));
        o.flag("left", left);
        if !about.is_empty() {
            o.insert("about", about);
        }
        o.insert_some("username", username);
        o.insert_some("pinned", pinned.filter(|p| *p != 0));
    }
    if o.is_empty() {
        o.insert("_", 0);
    }
    Ok(o)
}

/// The peer a chat object stands for.
pub(crate) fn chat_peer(c: &tl::enums::Chat) -> tl::enums::Peer {
    use tl::enums::{Chat as C, Peer as P};
    match c {
        C::Empty(x) => P::Chat(tl::types::PeerChat { chat_id: x.id }),
        C::Chat(x) => P::Chat(tl::types::PeerChat { chat_id: x.id }),
        C::Forbidden(x) => P::Chat(tl::types::PeerChat { chat_id: x.id }),
        C::Channel(x) => P::Channel(tl::types::PeerChannel { channel_id: x.id }),
        C::ChannelForbidden(x) => P::Channel(tl::types::PeerChannel { channel_id: x.id }),
        // Communities have no MPGram peer id; a chat id of 0 matches nothing.
        C::Community(_) | C::CommunityForbidden(_) => P::Chat(tl::types::PeerChat { chat_id: 0 }),
    }
}

pub(crate) fn user_id(u: &tl::enums::User) -> i64 {
    match u {
        tl::enums::User::Empty(e) => e.id,
        tl::enums::User::User(u) => u.id,
    }
}

/// `getContacts`: `{"res":[User,…]}` in Telegram's order.
pub async fn get_contacts(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let contacts = call
        .invoke_caching(&tl::functions::contacts::GetContacts { hash: 0 })
        .await?;
    let ctx = call.model_ctx();
    let list = match contacts {
        tl::enums::contacts::Contacts::Contacts(c) => c
            .contacts
            .iter()
            .filter_map(|tl::enums::Contact::Contact(k)| {
                c.users.iter().find(|u| user_id(u) == k.user_id)
            })
            .map(|u| Value::Object(model::user(u, &ctx)))
            .collect(),
        tl::enums::contacts::Contacts::NotModified => Vec::new(),
    };
    Ok(res(Value::Array(list)))
}

/// `searchChats`: `my_results` then `results`, as Users and Chats; 20 results when no `limit`.
pub async fn search_chats(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let q = call.params.required_set("q")?;
    let limit = call
        .params
        .lenient("limit")
        .filter(|l| *l > 0)
        .unwrap_or(20);
    let tl::enums::contacts::Found::Found(found) = call
        .invoke_caching(&tl::functions::contacts::Search {
            broadcasts: false,
            bots: false,
            q: q.to_owned(),
            limit: limit as i32,
        })
        .await?;
    let ctx = call.model_ctx();
    let list = found
        .my_results
        .iter()
        .chain(&found.results)
        .filter_map(|p| {
            let id = model::peer_id(p);
            if id > 0 {
                found
                    .users
                    .iter()
                    .find(|u| user_id(u) == id)
                    .map(|u| model::user(u, &ctx))
            } else {
                found
                    .chats
                    .iter()
                    .find(|c| model::peer_id(&chat_peer(c)) == id)
                    .map(|c| model::chat(c, &ctx))
            }
        })
        .map(Value::Object)
        .collect();
    Ok(res(Value::Array(list)))
}

fn participant_filter(name: &str) -> Result<tl::enums::ChannelParticipantsFilter, ApiError> {
    use tl::enums::ChannelParticipantsFilter as F;
    let q = String::new();
    Ok(match name {
        "Recent" => F::ChannelParticipantsRecent,
        "Admins" => F::ChannelParticipantsAdmins,
        "Bots" => F::ChannelParticipantsBots,
        "Kicked" => F::ChannelParticipantsKicked(tl::types::ChannelParticipantsKicked { q }),
        "Banned" => F::ChannelParticipantsBanned(tl::types::ChannelParticipantsBanned { q }),
        "Search" => F::ChannelParticipantsSearch(tl::types::ChannelParticipantsSearch { q }),
        "Contacts" => F::ChannelParticipantsContacts(tl::types::ChannelParticipantsContacts { q }),
        "Mentions" => F::ChannelParticipantsMentions(tl::types::ChannelParticipantsMentions {
            q: None,
            top_msg_id: None,
        }),
        other => {
            return Err(ApiError::Internal(format!(
                "unknown participants filter {other:?}"
            )))
        }
    })
}

/// `getParticipants`: members of a supergroup or channel (`res`, then `count`); banned and left
/// members are read from their peer (the reference fails on them, a bug). 100 when no `limit`.
pub async fn get_participants(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let reference = call.params.required_set("peer")?;
    let offset = call.params.int_or("offset", 0)?;
    let limit = call.params.int("limit")?.filter(|l| *l > 0).unwrap_or(100);
    let filter = participant_filter(call.params.get("filter").unwrap_or("Recent"))?;
    let (id, _) = resolve(call, reference).await?;
    let answer = call
        .invoke_caching(&tl::functions::channels::GetParticipants {
            channel: input_channel(call, id)?,
            filter,
            offset: offset as i32,
            limit: limit as i32,
            hash: 0,
        })
        .await?;
    let tl::enums::channels::ChannelParticipants::Participants(p) = answer else {
        return Ok(res(Value::Array(Vec::new())));
    };
    let ctx = call.model_ctx();
    let mut list = Vec::new();
    for part in &p.participants {
        use tl::enums::ChannelParticipant as P;
        let (uid, admin) = match part {
            P::Participant(x) => (x.user_id, false),
            P::ParticipantSelf(x) => (x.user_id, false),
            P::Creator(x) => (x.user_id, true),
            P::Admin(x) => (x.user_id, true),
            P::Banned(x) => (model::peer_id(&x.peer), false),
            P::Left(x) => (model::peer_id(&x.peer), false),
        };
        if uid <= 0 {
            continue;
        }
        if let Some(u) = p.users.iter().find(|u| user_id(u) == uid) {
            let mut o = model::user(u, &ctx);
            o.flag("a", admin);
            list.push(Value::Object(o));
        }
    }
    Ok(res(Value::Array(list)).with("count", p.count))
}

/// One chat, group or channel by its MPGram id, fetched from Telegram (one call) and cached.
pub(super) async fn fetch_chats(
    call: &Call<'_>,
    id: i64,
) -> Result<Vec<tl::enums::Chat>, ApiError> {
    let chats = if is_channel(id) {
        call.invoke_caching(&tl::functions::channels::GetChannels {
            id: vec![input_channel(call, id)?],
        })
        .await?
    } else {
        call.invoke_caching(&tl::functions::messages::GetChats { id: vec![-id] })
            .await?
    };
    let chats = match chats {
        tl::enums::messages::Chats::Chats(c) => c.chats,
        tl::enums::messages::Chats::Slice(c) => c.chats,
    };
    Ok(chats)
}

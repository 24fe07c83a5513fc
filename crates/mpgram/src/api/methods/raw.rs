//! Methods that answer raw Telegram objects in MadelineProto form (`models.md` §9):
//! `getInfo`, `getFullInfo`, `resolvePhone` (`methods-core.md` §5.4–5.6) and
//! `checkChatInvite`, `getExportedChatInvites`, `exportChatInvite` (§6.2, §6.7, §6.8).

use grammers_tl_types as tl;

use super::peers::{input_channel, input_user, is_channel, resolve};
use super::{res, Call};
use crate::api::error::ApiError;
use crate::api::json::{Object, Value};
use crate::model::peer::chat_object_peer_id;
use crate::model::raw::{raw, raw_object, RawError};

impl From<RawError> for ApiError {
    fn from(e: RawError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

/// The "empty result" answer of `getInfo`/`getFullInfo`: HTTP 200 with an empty message.
fn empty() -> ApiError {
    ApiError::Message(String::new())
}

/// MadelineProto's `Info` of a user: `User`, `user_id`, `bot_api_id`, `type`.
fn user_info(u: &tl::enums::User) -> Result<Object, ApiError> {
    let tl::enums::User::User(user) = u else {
        return Err(empty());
    };
    Ok(Object::with_capacity(6)
        .with("User", raw_object(u)?)
        .with("user_id", user.id)
        .with("bot_api_id", user.id)
        .with("type", if user.bot { "bot" } else { "user" }))
}

/// MadelineProto's `Info` of a chat: `Chat`, `chat_id` or `channel_id`, `bot_api_id`, `type`.
fn chat_info(c: &tl::enums::Chat) -> Result<Object, ApiError> {
    let (key, kind) = match c {
        tl::enums::Chat::Chat(_) | tl::enums::Chat::Forbidden(_) => ("chat_id", "chat"),
        tl::enums::Chat::Channel(ch) if ch.broadcast => ("channel_id", "channel"),
        tl::enums::Chat::Channel(_) | tl::enums::Chat::ChannelForbidden(_) => {
            ("channel_id", "supergroup")
        }
        _ => return Err(empty()),
    };
    let id = chat_object_peer_id(c);
    Ok(Object::with_capacity(6)
        .with("Chat", raw_object(c)?)
        .with(key, id)
        .with("bot_api_id", id)
        .with("type", kind))
}

/// The chat with peer id `id` among `chats`.
fn find_chat(chats: &[tl::enums::Chat], id: i64) -> Option<&tl::enums::Chat> {
    chats.iter().find(|c| chat_object_peer_id(c) == id)
}

/// `getInfo`: checks `id` non-empty, auth. One Telegram call for the object (the reference
/// reads MadelineProto's peer cache; ours keeps only access hashes).
pub async fn get_info(call: &Call<'_>) -> Result<Object, ApiError> {
    let reference = call.params.required("id")?;
    call.auth()?;
    let (id, input) = resolve(call, reference).await?;
    if id > 0 || matches!(input, tl::enums::InputPeer::PeerSelf) {
        let user = match input {
            tl::enums::InputPeer::PeerSelf => tl::enums::InputUser::UserSelf,
            _ => input_user(call, id)?,
        };
        let users = call
            .invoke_caching(&tl::functions::users::GetUsers { id: vec![user] })
            .await?;
        return user_info(users.first().ok_or_else(empty)?);
    }
    let chats = super::peers::fetch_chats(call, id).await?;
    chat_info(find_chat(&chats, id).ok_or_else(empty)?)
}

/// Photo keys of a full object that MadelineProto drops when empty (`models.md` §9). Non-empty
/// ones stay raw `photo` objects (MadelineProto's media descriptors are its own invention and no
/// client reads them).
const FULL_PHOTO_KEYS: [&str; 4] = [
    "chat_photo",
    "personal_photo",
    "fallback_photo",
    "profile_photo",
];

fn full_object<T: tl::Serializable>(full: &T) -> Result<Object, ApiError> {
    let mut o = raw_object(full)?;
    for key in FULL_PHOTO_KEYS {
        let is_empty = match o.get(key) {
            Some(Value::Object(p)) => p.get("_").and_then(Value::as_str) == Some("photoEmpty"),
            _ => false,
        };
        if is_empty {
            o.remove(key);
        }
    }
    Ok(o)
}

/// `getFullInfo`: `Info` plus `full` (the raw userFull/chatFull/channelFull) and `inserted`
/// (when it was fetched). One Telegram call: the full answer carries the base object too.
pub async fn get_full_info(call: &Call<'_>) -> Result<Object, ApiError> {
    let reference = call.params.required("id")?;
    call.auth()?;
    let (id, input) = resolve(call, reference).await?;
    let mut info = if id > 0 || matches!(input, tl::enums::InputPeer::PeerSelf) {
        let user = match input {
            tl::enums::InputPeer::PeerSelf => tl::enums::InputUser::UserSelf,
            _ => input_user(call, id)?,
        };
        let tl::enums::users::UserFull::Full(full) = call
            .invoke_caching(&tl::functions::users::GetFullUser { id: user })
            .await?;
        let tl::enums::UserFull::Full(inner) = &full.full_user;
        let base = full
            .users
            .iter()
            .find(|u| super::peers::user_id(u) == inner.id)
            .ok_or_else(empty)?;
        user_info(base)?.with("full", full_object(&full.full_user)?)
    } else {
        let answer = if is_channel(id) {
            call.invoke_caching(&tl::functions::channels::GetFullChannel {
                channel: input_channel(call, id)?,
            })
            .await?
        } else {
            call.invoke_caching(&tl::functions::messages::GetFullChat { chat_id: -id })
                .await?
        };
        let tl::enums::messages::ChatFull::Full(full) = answer;
        chat_info(find_chat(&full.chats, id).ok_or_else(empty)?)?
            .with("full", full_object(&full.full_chat)?)
    };
    info.insert("inserted", crate::telegram::unix_now());
    Ok(info)
}

/// `resolvePhone`: `{"res":<raw contacts.resolvedPeer>}`.
pub async fn resolve_phone(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let phone = call.params.required_set("phone")?;
    let answer = call
        .invoke_caching(&tl::functions::contacts::ResolvePhone {
            phone: phone.to_owned(),
        })
        .await?;
    Ok(res(raw(&answer)?))
}

/// `checkChatInvite`: `{"res":<raw ChatInvite>}`. The chat it names is cached, so the phone
/// can open a `chatInviteAlready` chat by its id right away.
pub async fn check_chat_invite(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let hash = call.params.required_set("id")?;
    let answer = call
        .invoke_caching(&tl::functions::messages::CheckChatInvite {
            hash: hash.to_owned(),
        })
        .await?;
    Ok(res(raw(&answer)?))
}

/// `getExportedChatInvites`: the account's own links to `peer` (20, where the reference lets
/// Telegram choose with `limit=0`).
pub async fn get_exported_chat_invites(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let reference = call.params.required_set("peer")?;
    let (_, peer) = resolve(call, reference).await?;
    let tl::enums::messages::ExportedChatInvites::Invites(found) = call
        .invoke_caching(&tl::functions::messages::GetExportedChatInvites {
            revoked: false,
            peer,
            admin_id: tl::enums::InputUser::UserSelf,
            offset_date: None,
            offset_link: None,
            limit: 20,
        })
        .await?;
    Ok(res(raw(&found.invites)?))
}

/// `exportChatInvite`: a new link, `{"res":<raw chatInviteExported>}`.
pub async fn export_chat_invite(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let reference = call.params.required_set("peer")?;
    let (_, peer) = resolve(call, reference).await?;
    let invite = call
        .invoke(&tl::functions::messages::ExportChatInvite {
            legacy_revoke_permanent: false,
            request_needed: false,
            peer,
            expire_date: None,
            usage_limit: None,
            title: None,
            subscription_pricing: None,
        })
        .await?;
    Ok(res(raw(&invite)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl::{enums as e, types as t};

    #[test]
    fn empty_photos_leave_the_full_object() {
        let full = e::ChatFull::Full(t::ChatFull {
            can_set_username: false,
            has_scheduled: false,
            translations_disabled: false,
            has_welcome_messages: false,
            id: 5,
            about: String::new(),
            participants: e::ChatParticipants::Forbidden(t::ChatParticipantsForbidden {
                chat_id: 5,
                self_participant: None,
            }),
            chat_photo: Some(e::Photo::Empty(t::PhotoEmpty { id: 0 })),
            notify_settings: e::PeerNotifySettings::Settings(t::PeerNotifySettings {
                show_previews: None,
                silent: None,
                mute_until: None,
                ios_sound: None,
                android_sound: None,
                other_sound: None,
                stories_muted: None,
                stories_hide_sender: None,
                stories_ios_sound: None,
                stories_android_sound: None,
                stories_other_sound: None,
            }),
            exported_invite: None,
            bot_info: None,
            pinned_msg_id: None,
            folder_id: None,
            call: None,
            ttl_period: None,
            groupcall_default_join_as: None,
            theme_emoticon: None,
            requests_pending: None,
            recent_requesters: None,
            available_reactions: None,
            reactions_limit: None,
        });
        let o = full_object(&full).expect("raw");
        assert_eq!(o.get("_").and_then(Value::as_str), Some("chatFull"));
        assert_eq!(o.get("id"), Some(&Value::Int(-5)));
        assert!(!o.contains_key("chat_photo"));
        let participants = o.get("participants").and_then(Value::as_object);
        assert_eq!(
            participants.and_then(|p| p.get("chat_id")),
            Some(&Value::Int(-5))
        );
    }
}

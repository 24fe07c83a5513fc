//! Chat membership: `joinChannel`, `leaveChannel`, `importChatInvite`, `banMember`,
//! `addChatUser`, `deleteChatUser`, `inviteToChannel` (`methods-core.md` §6). All check auth
//! before their parameters.

use grammers_tl_types as tl;

use super::peers::{input_channel, input_user, resolve};
use super::{res, Call};
use crate::api::error::ApiError;
use crate::api::json::Object;
use crate::api::params::lenient_int;

/// `joinChannel` / `leaveChannel`: `{"res":1}`.
pub async fn join_channel(call: &Call<'_>, join: bool) -> Result<Object, ApiError> {
    call.auth()?;
    let reference = call.params.required_set("id")?;
    let (id, _) = resolve(call, reference).await?;
    let channel = input_channel(call, id)?;
    if join {
        call.invoke(&tl::functions::channels::JoinChannel { channel })
            .await?;
    } else {
        call.invoke(&tl::functions::channels::LeaveChannel { channel })
            .await?;
    }
    Ok(res(1))
}

/// `importChatInvite`: joins by invite hash. A join request sent to the admins stays an error
/// (as in the reference) but says what happened.
pub async fn import_chat_invite(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let hash = call.params.required_set("id")?;
    match call
        .invoke(&tl::functions::messages::ImportChatInvite {
            hash: hash.to_owned(),
        })
        .await
    {
        Ok(_) => Ok(res(1)),
        Err(ApiError::Telegram(rpc)) if rpc.name == "INVITE_REQUEST_SENT" => {
            Err(ApiError::Internal(
                "INVITE_REQUEST_SENT: a request to join was sent to the admins".into(),
            ))
        }
        Err(e) => Err(e),
    }
}

/// `banMember`: bans forever from a supergroup/channel; `{"res":"1"}` (a string, as the
/// reference answers).
pub async fn ban_member(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let chat = lenient_int(call.params.required_set("peer")?);
    let user = lenient_int(call.params.required_set("id")?);
    let participant = call
        .account
        .input_peer(user)
        .ok_or_else(|| ApiError::Internal(format!("unknown user {user}")))?;
    call.invoke(&tl::functions::channels::EditBanned {
        channel: input_channel(call, chat)?,
        participant,
        banned_rights: tl::enums::ChatBannedRights::Rights(tl::types::ChatBannedRights {
            view_messages: true,
            send_messages: true,
            send_media: false,
            send_stickers: false,
            send_gifs: false,
            send_games: false,
            send_inline: false,
            embed_links: false,
            send_polls: false,
            change_info: false,
            invite_users: false,
            pin_messages: false,
            manage_topics: false,
            send_photos: false,
            send_videos: false,
            send_roundvideos: false,
            send_audios: false,
            send_voices: false,
            send_docs: false,
            send_plain: false,
            edit_rank: false,
            manage_linked_peers: false,
            send_reactions: false,
            until_date: 1,
        }),
    })
    .await?;
    Ok(res("1"))
}

/// `addChatUser` / `deleteChatUser`: basic groups only; `{"res":1}`.
pub async fn add_chat_user(call: &Call<'_>, add: bool) -> Result<Object, ApiError> {
    call.auth()?;
    let chat = lenient_int(call.params.required_set("peer")?);
    let user = input_user(call, lenient_int(call.params.required_set("id")?))?;
    if add {
        call.invoke(&tl::functions::messages::AddChatUser {
            chat_id: -chat,
            user_id: user,
            fwd_limit: 0,
        })
        .await?;
    } else {
        call.invoke(&tl::functions::messages::DeleteChatUser {
            revoke_history: false,
            chat_id: -chat,
            user_id: user,
        })
        .await?;
    }
    Ok(res(1))
}

/// `inviteToChannel`: `{"res": <users that could not be invited>}`.
pub async fn invite_to_channel(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let reference = call.params.required_set("peer")?;
    let list = call.params.required_set("id")?;
    let (id, _) = resolve(call, reference).await?;
    let users = list
        .split(',')
        .map(|s| input_user(call, lenient_int(s.trim())))
        .collect::<Result<Vec<_>, _>>()?;
    let tl::enums::messages::InvitedUsers::Users(invited) = call
        .invoke(&tl::functions::channels::InviteToChannel {
            channel: input_channel(call, id)?,
            users,
        })
        .await?;
    Ok(res(invited.missing_invitees.len() as i64))
}

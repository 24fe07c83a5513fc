//! Membership changes: messages.importChatInvite, messages.addChatUser,
//! messages.deleteChatUser, channels.inviteToChannel, channels.editBanned.
//!
//! Each one that changes who is in a chat posts the service message Telegram posts (so clients
//! see it in the history and the update stream) and answers that message's `Updates`.

use grammers_tl_types::{enums as e, functions as f, types as t};

use super::send::single_update;
use super::{resolve_channel, resolve_peer, resolve_user, Ctx, RpcErr, RpcResult};
use crate::world::{self, tl as wtl, Action, ChatKind, DialogRec, MsgRec, Peer, World};

/// Posts a service message from the account into `peer` and publishes it.
fn service(ctx: &Ctx<'_>, w: &mut World, peer: Peer, action: Action) -> e::Updates {
    let mut m = MsgRec::text(peer, Some(Peer::User(w.me)), true, world::now(), "");
    m.action = Some(action);
    let (_, entry) = w.post(m);
    ctx.shared.publish(w, std::slice::from_ref(&entry));
    single_update(w, &entry)
}

/// The user must exist in this world (Telegram: `USER_ID_INVALID`).
fn existing_user(w: &World, u: &e::InputUser) -> RpcResult<i64> {
    let id = resolve_user(w, u)?;
    if w.user(id).is_none() {
        return Err(RpcErr::bad("USER_ID_INVALID"));
    }
    Ok(id)
}

/// Joins by an invite hash: a chat the account is not in; a link that needs approval sends a
/// join request instead (`INVITE_REQUEST_SENT`, as Telegram reports it).
pub fn import_chat_invite(
    ctx: &Ctx<'_>,
    req: f::messages::ImportChatInvite,
) -> RpcResult<e::messages::ChatInviteJoinResult> {
    let mut w = ctx.world();
    let me = w.me;
    let inv = super::invites::live_invite(&w, &req.hash)?;
    let (chat_id, request_needed) = (inv.chat, inv.request_needed);
    let c = w
        .chats
        .get_mut(&chat_id)
        .ok_or_else(|| RpcErr::bad("INVITE_HASH_INVALID"))?;
    if c.members.contains(&me) && !c.left {
        return Err(RpcErr::bad("USER_ALREADY_PARTICIPANT"));
    }
    if request_needed {
        return Err(RpcErr::bad("INVITE_REQUEST_SENT"));
    }
    c.left = false;
    if !c.members.contains(&me) {
        c.members.push(me);
    }
    let peer = c.peer();
    if w.dialog(peer).is_none() {
        w.dialogs.push(DialogRec::new(peer));
    }
    let updates = service(ctx, &mut w, peer, Action::ChatJoinedByLink);
    Ok(e::messages::ChatInviteJoinResult::Ok(
        t::messages::ChatInviteJoinResultOk { updates },
    ))
}

/// The basic group `chat_id` names, with the account in it.
fn basic_group(w: &World, chat_id: i64) -> RpcResult<i64> {
    match w.chat(chat_id) {
        Some(c) if c.kind == ChatKind::Basic && c.members.contains(&w.me) && !c.left => Ok(c.id),
        Some(c) if c.kind == ChatKind::Basic => Err(RpcErr::new(403, "CHAT_WRITE_FORBIDDEN")),
        _ => Err(RpcErr::bad("CHAT_ID_INVALID")),
    }
}

pub fn add_chat_user(
    ctx: &Ctx<'_>,
    req: f::messages::AddChatUser,
) -> RpcResult<e::messages::InvitedUsers> {
    let mut w = ctx.world();
    let id = basic_group(&w, req.chat_id)?;
    let user = existing_user(&w, &req.user_id)?;
    let c = w
        .chats
        .get_mut(&id)
        .ok_or_else(|| RpcErr::bad("CHAT_ID_INVALID"))?;
    if c.members.contains(&user) {
        return Err(RpcErr::bad("USER_ALREADY_PARTICIPANT"));
    }
    c.members.push(user);
    let updates = service(ctx, &mut w, Peer::Chat(id), Action::ChatAddUser(vec![user]));
    Ok(e::messages::InvitedUsers::Users(
        t::messages::InvitedUsers {
            updates,
            missing_invitees: Vec::new(),
        },
    ))
}

/// Removes a member. As in Telegram, a member may remove themself and the users they added;
/// anyone else needs the group's admins.
pub fn delete_chat_user(ctx: &Ctx<'_>, req: f::messages::DeleteChatUser) -> RpcResult<e::Updates> {
    let mut w = ctx.world();
    let id = basic_group(&w, req.chat_id)?;
    let user = existing_user(&w, &req.user_id)?;
    let me = w.me;
    let added_by_me = w.messages.get(&Peer::Chat(id)).is_some_and(|m| {
        m.values().any(|m| {
            m.out && matches!(&m.action, Some(Action::ChatAddUser(users)) if users.contains(&user))
        })
    });
    let c = w
        .chats
        .get_mut(&id)
        .ok_or_else(|| RpcErr::bad("CHAT_ID_INVALID"))?;
    if !c.members.contains(&user) {
        return Err(RpcErr::bad("USER_NOT_PARTICIPANT"));
    }
    if user != me && !added_by_me && !c.admins.contains(&me) {
        return Err(RpcErr::new(403, "CHAT_ADMIN_REQUIRED"));
    }
    c.members.retain(|m| *m != user);
    if user == me {
        c.left = true;
    }
    Ok(service(
        ctx,
        &mut w,
        Peer::Chat(id),
        Action::ChatDeleteUser(user),
    ))
}

/// Adds users to a supergroup (any member may, by default) or a broadcast channel (admins).
/// Users already in it are skipped, as Telegram does; nobody is refused for privacy here, so
/// `missing_invitees` stays empty.
pub fn invite_to_channel(
    ctx: &Ctx<'_>,
    req: f::channels::InviteToChannel,
) -> RpcResult<e::messages::InvitedUsers> {
    let mut w = ctx.world();
    let id = resolve_channel(&w, &req.channel)?;
    let me = w.me;
    let c = w.chat(id).ok_or_else(|| RpcErr::bad("CHANNEL_INVALID"))?;
    if !c.members.contains(&me) || c.left {
        return Err(RpcErr::new(403, "CHANNEL_PRIVATE"));
    }
    if c.kind == ChatKind::Broadcast && !c.admins.contains(&me) {
        return Err(RpcErr::new(403, "CHAT_ADMIN_REQUIRED"));
    }
    let mut added = Vec::new();
    for u in &req.users {
        let user = existing_user(&w, u)?;
        if !c.members.contains(&user) && !added.contains(&user) {
            added.push(user);
        }
    }
    let peer = c.peer();
    let updates = if added.is_empty() {
        let (_, chats) = wtl::peer_lists(&w, [], [id]);
        e::Updates::Updates(t::Updates {
            updates: Vec::new(),
            users: Vec::new(),
            chats,
            date: world::now(),
            seq: 0,
        })
    } else {
        if let Some(c) = w.chats.get_mut(&id) {
            c.members.extend(&added);
            c.banned.retain(|b| !added.contains(b));
        }
        service(ctx, &mut w, peer, Action::ChatAddUser(added))
    };
    Ok(e::messages::InvitedUsers::Users(
        t::messages::InvitedUsers {
            updates,
            missing_invitees: Vec::new(),
        },
    ))
}

/// Restricts or bans a member (admins only). Banning from reading (`view_messages`) removes the
/// user and keeps them out; banning someone already banned or not in the chat still succeeds.
pub fn edit_banned(ctx: &Ctx<'_>, req: f::channels::EditBanned) -> RpcResult<e::Updates> {
    let mut w = ctx.world();
    let id = resolve_channel(&w, &req.channel)?;
    let user = match resolve_peer(&w, &req.participant)? {
        Peer::User(u) if w.user(u).is_some() => u,
        _ => return Err(RpcErr::bad("PARTICIPANT_ID_INVALID")),
    };
    let me = w.me;
    let c = w
        .chats
        .get_mut(&id)
        .ok_or_else(|| RpcErr::bad("CHANNEL_INVALID"))?;
    if !c.admins.contains(&me) {
        return Err(RpcErr::new(403, "CHAT_ADMIN_REQUIRED"));
    }
    if user == me || user == c.creator {
        return Err(RpcErr::bad("USER_ADMIN_INVALID"));
    }
    let e::ChatBannedRights::Rights(rights) = &req.banned_rights;
    if rights.view_messages {
        c.members.retain(|m| *m != user);
        if !c.banned.contains(&user) {
            c.banned.push(user);
        }
    } else {
        c.banned.retain(|b| *b != user);
    }
    let (users, chats) = wtl::peer_lists(&w, [user], [id]);
    Ok(super::send::publish_one(
        ctx,
        e::Update::Channel(t::UpdateChannel { channel_id: id }),
        users,
        chats,
    ))
}

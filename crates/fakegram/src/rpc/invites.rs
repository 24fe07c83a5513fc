//! Invite links: messages.checkChatInvite, messages.getExportedChatInvites,
//! messages.exportChatInvite.

use grammers_tl_types::{enums as e, functions as f, types as t};

use super::{resolve_peer, resolve_user, Ctx, RpcErr, RpcResult};
use crate::world::{self, tl as wtl, ChatKind, ChatRec, InviteRec, Peer, World};

fn exported(inv: &InviteRec) -> e::ExportedChatInvite {
    e::ExportedChatInvite::ChatInviteExported(t::ChatInviteExported {
        revoked: inv.revoked,
        permanent: inv.permanent,
        request_needed: inv.request_needed,
        link: format!("https://t.me/+{}", inv.hash),
        admin_id: inv.admin_id,
        date: inv.date,
        start_date: None,
        expire_date: None,
        usage_limit: None,
        usage: (inv.usage > 0).then_some(inv.usage),
        requested: None,
        subscription_expired: None,
        title: None,
        subscription_pricing: None,
    })
}

/// The chat an input peer names, if the account may manage its invite links: admins of
/// channels and supergroups, any member of a basic group (whose members may invite by default).
/// The invite with `hash`, as Telegram refuses a missing or revoked one.
pub(super) fn live_invite<'w>(w: &'w World, hash: &str) -> RpcResult<&'w InviteRec> {
    let inv = w
        .invites
        .iter()
        .find(|i| i.hash == hash)
        .ok_or_else(|| RpcErr::bad("INVITE_HASH_INVALID"))?;
    if inv.revoked {
        return Err(RpcErr::bad("INVITE_HASH_EXPIRED"));
    }
    Ok(inv)
}

fn managed_chat<'w>(w: &'w World, peer: &e::InputPeer) -> RpcResult<&'w ChatRec> {
    let id = match resolve_peer(w, peer)? {
        Peer::Chat(id) | Peer::Channel(id) => id,
        Peer::User(_) => return Err(RpcErr::bad("PEER_ID_INVALID")),
    };
    let c = w.chat(id).ok_or_else(|| RpcErr::bad("PEER_ID_INVALID"))?;
    let allowed = match c.kind {
        ChatKind::Basic => c.members.contains(&w.me) && !c.left,
        _ => c.admins.contains(&w.me),
    };
    if allowed {
        Ok(c)
    } else {
        Err(RpcErr::bad("CHAT_ADMIN_REQUIRED"))
    }
}

pub fn check_chat_invite(
    ctx: &Ctx<'_>,
    req: f::messages::CheckChatInvite,
) -> RpcResult<e::ChatInvite> {
    let w = ctx.world();
    let inv = live_invite(&w, &req.hash)?;
    let c = w
        .chat(inv.chat)
        .ok_or_else(|| RpcErr::bad("INVITE_HASH_INVALID"))?;
    if c.members.contains(&w.me) && !c.left {
        return Ok(e::ChatInvite::Already(t::ChatInviteAlready {
            chat: wtl::chat(&w, c),
        }));
    }
    let photo = c
        .photo
        .and_then(|id| w.files.get(&id))
        .map_or(e::Photo::Empty(t::PhotoEmpty { id: 0 }), wtl::photo);
    Ok(e::ChatInvite::Invite(t::ChatInvite {
        channel: c.is_channel(),
        broadcast: c.kind == ChatKind::Broadcast,
        public: c.username.is_some(),
        megagroup: matches!(c.kind, ChatKind::Megagroup { .. }),
        request_needed: inv.request_needed,
        verified: false,
        scam: false,
        fake: false,
        can_refulfill_subscription: false,
        title: c.title.clone(),
        about: (!c.about.is_empty()).then(|| c.about.clone()),
        photo,
        participants_count: c.members.len() as i32,
        participants: None,
        color: (c.id % 7) as i32,
        subscription_pricing: None,
        subscription_form_id: None,
        bot_verification: None,
    }))
}

pub fn get_exported_chat_invites(
    ctx: &Ctx<'_>,
    req: f::messages::GetExportedChatInvites,
) -> RpcResult<e::messages::ExportedChatInvites> {
    let w = ctx.world();
    let chat = managed_chat(&w, &req.peer)?.id;
    let admin = resolve_user(&w, &req.admin_id)?;
    let matching: Vec<&InviteRec> = w
        .invites
        .iter()
        .rev()
        .filter(|i| i.chat == chat && i.admin_id == admin && i.revoked == req.revoked)
        .collect();
    let limit = if req.limit > 0 {
        req.limit as usize
    } else {
        50
    };
    let invites = matching.iter().take(limit).map(|i| exported(i)).collect();
    let (users, _) = wtl::peer_lists(&w, [admin], []);
    Ok(e::messages::ExportedChatInvites::Invites(
        t::messages::ExportedChatInvites {
            count: matching.len() as i32,
            invites,
            users,
        },
    ))
}

/// A new (non-permanent) link; the hash is URL-safe and unique in this world.
pub fn export_chat_invite(
    ctx: &Ctx<'_>,
    req: f::messages::ExportChatInvite,
) -> RpcResult<e::ExportedChatInvite> {
    let mut w = ctx.world();
    let chat = managed_chat(&w, &req.peer)?.id;
    let n = w.invites.len() as i64 + 1;
    let inv = InviteRec {
        hash: format!(
            "Fk{:x}x{n:04}",
            chat.wrapping_mul(2_654_435_761) & 0xff_ffff
        ),
        chat,
        admin_id: w.me,
        date: world::now(),
        usage: 0,
        revoked: false,
        permanent: false,
        request_needed: req.request_needed,
    };
    let out = exported(&inv);
    w.invites.push(inv);
    Ok(out)
}

//! channels.*: supergroups and broadcast channels.

use grammers_tl_types::{enums as e, functions as f, types as t};

use super::messages::messages_answer;
use super::{resolve_channel, Ctx, RpcErr, RpcResult};
use crate::world::{self, tl as wtl, ChatKind, MsgRec, Peer};

pub fn get_channels(ctx: &Ctx<'_>, req: f::channels::GetChannels) -> RpcResult<e::messages::Chats> {
    let w = ctx.world();
    let mut ids = Vec::new();
    for c in &req.id {
        ids.push(resolve_channel(&w, c)?);
    }
    let (_, chats) = wtl::peer_lists(&w, [], ids);
    Ok(e::messages::Chats::Chats(t::messages::Chats { chats }))
}

pub fn get_full_channel(
    ctx: &Ctx<'_>,
    req: f::channels::GetFullChannel,
) -> RpcResult<e::messages::ChatFull> {
    let w = ctx.world();
    let id = resolve_channel(&w, &req.channel)?;
    let c = w.chat(id).ok_or_else(|| RpcErr::bad("CHANNEL_INVALID"))?;
    let peer = c.peer();
    let d = w.dialog(peer);
    let pinned = w
        .messages
        .get(&peer)
        .and_then(|m| m.values().rev().find(|m| m.pinned).map(|m| m.id));
    let full = e::ChatFull::ChannelFull(t::ChannelFull {
        can_view_participants: c.kind != ChatKind::Broadcast || c.admins.contains(&w.me),
        can_set_username: false,
        can_set_stickers: false,
        hidden_prehistory: false,
        can_set_location: false,
        has_scheduled: false,
        can_view_stats: false,
        blocked: false,
        can_delete_channel: c.creator == w.me,
        antispam: false,
        participants_hidden: false,
        translations_disabled: false,
        stories_pinned_available: false,
        view_forum_as_messages: false,
        restricted_sponsored: false,
        can_view_revenue: false,
        paid_media_allowed: false,
        can_view_stars_revenue: false,
        paid_reactions_available: false,
        stargifts_available: false,
        paid_messages_available: false,
        has_welcome_messages: false,
        id,
        about: c.about.clone(),
        participants_count: Some(c.members.len() as i32),
        admins_count: Some(c.admins.len() as i32),
        kicked_count: None,
        banned_count: None,
        online_count: None,
        read_inbox_max_id: d.map_or(0, |d| d.read_inbox_max_id),
        read_outbox_max_id: d.map_or(0, |d| d.read_outbox_max_id),
        unread_count: d.map_or(0, |d| w.unread_count(d)),
        chat_photo: c
            .photo
            .and_then(|p| w.files.get(&p))
            .map_or(e::Photo::Empty(t::PhotoEmpty { id: 0 }), wtl::photo),
        notify_settings: wtl::notify(d.map_or(0, |d| d.mute_until)),
        exported_invite: None,
        bot_info: Vec::new(),
        migrated_from_chat_id: None,
        migrated_from_max_id: None,
        pinned_msg_id: pinned,
        stickerset: None,
        available_min_id: None,
        folder_id: None,
        linked_chat_id: c.linked_chat,
        location: None,
        slowmode_seconds: None,
        slowmode_next_send_date: None,
        stats_dc: None,
        pts: c.pts,
        call: None,
        ttl_period: None,
        pending_suggestions: None,
        groupcall_default_join_as: None,
        theme_emoticon: None,
        requests_pending: None,
        recent_requesters: None,
        default_send_as: None,
        available_reactions: None,
        reactions_limit: None,
        stories: None,
        wallpaper: None,
        boosts_applied: None,
        boosts_unrestrict: None,
        emojiset: None,
        bot_verification: None,
        stargifts_count: None,
        send_paid_messages_stars: None,
        main_tab: None,
        guard_bot_id: None,
    });
    let mut chat_ids = vec![id];
    chat_ids.extend(c.linked_chat);
    let (_, chats) = wtl::peer_lists(&w, [], chat_ids);
    Ok(e::messages::ChatFull::Full(t::messages::ChatFull {
        full_chat: full,
        chats,
        users: Vec::new(),
    }))
}

pub fn get_messages(
    ctx: &Ctx<'_>,
    req: f::channels::GetMessages,
) -> RpcResult<e::messages::Messages> {
    let w = ctx.world();
    let id = resolve_channel(&w, &req.channel)?;
    let peer = Peer::Channel(id);
    let found: Vec<&MsgRec> = req
        .id
        .iter()
        .filter_map(|m| match m {
            e::InputMessage::Id(x) => w.message(peer, x.id),
            e::InputMessage::Pinned => w
                .messages
                .get(&peer)
                .and_then(|m| m.values().rev().find(|m| m.pinned)),
            _ => None,
        })
        .collect();
    Ok(messages_answer(&w, Some(peer), &found, found.len(), None))
}

pub fn get_participants(
    ctx: &Ctx<'_>,
    req: f::channels::GetParticipants,
) -> RpcResult<e::channels::ChannelParticipants> {
    use e::ChannelParticipantsFilter as F;
    let w = ctx.world();
    let id = resolve_channel(&w, &req.channel)?;
    let c = w.chat(id).ok_or_else(|| RpcErr::bad("CHANNEL_INVALID"))?;
    if c.kind == ChatKind::Broadcast && !c.admins.contains(&w.me) {
        return Err(RpcErr::new(403, "CHAT_ADMIN_REQUIRED"));
    }
    let members: Vec<i64> = match &req.filter {
        F::ChannelParticipantsAdmins => c.admins.clone(),
        F::ChannelParticipantsBots => c
            .members
            .iter()
            .copied()
            .filter(|u| w.user(*u).is_some_and(|u| u.bot))
            .collect(),
        F::ChannelParticipantsKicked(_) | F::ChannelParticipantsBanned(_) => c.banned.clone(),
        F::ChannelParticipantsSearch(s) => {
            let q = s.q.to_lowercase();
            c.members
                .iter()
                .copied()
                .filter(|u| {
                    w.user(*u).is_some_and(|u| {
                        format!(
                            "{} {}",
                            u.first_name,
                            u.last_name.clone().unwrap_or_default()
                        )
                        .to_lowercase()
                        .contains(&q)
                    })
                })
                .collect()
        }
        _ => c.members.clone(),
    };
    let offset = usize::try_from(req.offset).unwrap_or(0);
    let limit = usize::try_from(req.limit.clamp(1, 200)).unwrap_or(200);
    let page: Vec<i64> = members.iter().copied().skip(offset).take(limit).collect();
    let participants = page
        .iter()
        .map(|&user_id| {
            if user_id == c.creator {
                e::ChannelParticipant::Creator(t::ChannelParticipantCreator {
                    user_id,
                    admin_rights: wtl::admin_rights(),
                    rank: None,
                })
            } else {
                e::ChannelParticipant::Participant(t::ChannelParticipant {
                    user_id,
                    date: c.date,
                    subscription_until_date: None,
                    rank: None,
                })
            }
        })
        .collect();
    let (users, _) = wtl::peer_lists(&w, page.iter().copied(), []);
    Ok(e::channels::ChannelParticipants::Participants(
        t::channels::ChannelParticipants {
            count: members.len() as i32,
            participants,
            chats: Vec::new(),
            users,
        },
    ))
}

pub fn read_history(ctx: &Ctx<'_>, req: f::channels::ReadHistory) -> RpcResult<bool> {
    let mut w = ctx.world();
    let id = resolve_channel(&w, &req.channel)?;
    if let Some(entry) = w.read_inbox(Peer::Channel(id), req.max_id) {
        ctx.shared.publish(&w, &[entry]);
    }
    super::ok()
}

pub fn delete_messages(
    ctx: &Ctx<'_>,
    req: f::channels::DeleteMessages,
) -> RpcResult<e::messages::AffectedMessages> {
    let mut w = ctx.world();
    let id = resolve_channel(&w, &req.channel)?;
    let peer = Peer::Channel(id);
    for mid in &req.id {
        match w.message(peer, *mid) {
            Some(m) if !m.out && !w.chat(id).is_some_and(|c| c.admins.contains(&w.me)) => {
                return Err(RpcErr::new(403, "MESSAGE_DELETE_FORBIDDEN"));
            }
            _ => {}
        }
    }
    let entry = w.delete_messages(peer, &req.id);
    let (pts, pts_count) = entry
        .as_ref()
        .map_or((w.chat(id).map_or(1, |c| c.pts), 0), |e_| {
            (e_.pts, e_.pts_count)
        });
    if let Some(entry) = entry {
        ctx.shared.publish(&w, &[entry]);
    }
    Ok(e::messages::AffectedMessages::Messages(
        t::messages::AffectedMessages { pts, pts_count },
    ))
}

fn membership(ctx: &Ctx<'_>, channel: &e::InputChannel, join: bool) -> RpcResult<e::Updates> {
    let mut w = ctx.world();
    let id = resolve_channel(&w, channel)?;
    let me = w.me;
    let c = w
        .chats
        .get_mut(&id)
        .ok_or_else(|| RpcErr::bad("CHANNEL_INVALID"))?;
    let member = c.members.contains(&me) && !c.left;
    if join == member {
        return Err(RpcErr::bad(if join {
            "USER_ALREADY_PARTICIPANT"
        } else {
            "USER_NOT_PARTICIPANT"
        }));
    }
    c.left = !join;
    if join {
        c.members.push(me);
    } else {
        c.members.retain(|u| *u != me);
    }
    let peer = c.peer();
    if join && w.dialog(peer).is_none() {
        w.dialogs.push(world::DialogRec::new(peer));
    }
    let (_, chats) = wtl::peer_lists(&w, [], [id]);
    let out = e::Updates::Updates(t::Updates {
        updates: vec![e::Update::Channel(t::UpdateChannel { channel_id: id })],
        users: Vec::new(),
        chats,
        date: world::now(),
        seq: 0,
    });
    ctx.shared.publish_raw(&out);
    Ok(out)
}

/// In this layer `channels.joinChannel` answers `messages.ChatInviteJoinResult` (a bare
/// `Updates` does not deserialize on the client).
pub fn join_channel(
    ctx: &Ctx<'_>,
    req: f::channels::JoinChannel,
) -> RpcResult<e::messages::ChatInviteJoinResult> {
    let updates = membership(ctx, &req.channel, true)?;
    Ok(e::messages::ChatInviteJoinResult::Ok(
        t::messages::ChatInviteJoinResultOk { updates },
    ))
}

pub fn leave_channel(ctx: &Ctx<'_>, req: f::channels::LeaveChannel) -> RpcResult<e::Updates> {
    membership(ctx, &req.channel, false)
}

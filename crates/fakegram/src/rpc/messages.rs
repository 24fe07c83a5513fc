//! Reading: dialogs, folders, history, message fetch, search, read marks, chat info, topics.

use grammers_tl_types::{enums as e, functions as f, types as t};

use super::{resolve_peer, Ctx, RpcErr, RpcResult};
use crate::world::{tl as wtl, ChatKind, FileKind, Media, MsgRec, Peer, World};

/// Users and chats that a list of messages and dialog peers mention.
fn lists_for<'a>(
    w: &World,
    msgs: impl IntoIterator<Item = &'a MsgRec>,
    extra: impl IntoIterator<Item = Peer>,
) -> (Vec<e::User>, Vec<e::Chat>) {
    let (mut users, mut chats) = w.peers_of(msgs);
    for p in extra {
        match p {
            Peer::User(id) => {
                users.insert(id);
            }
            Peer::Chat(id) | Peer::Channel(id) => {
                chats.insert(id);
            }
        }
    }
    wtl::peer_lists(w, users, chats)
}

pub fn get_dialogs(ctx: &Ctx<'_>, req: f::messages::GetDialogs) -> RpcResult<e::messages::Dialogs> {
    let w = ctx.world();
    let all = w.sorted_dialogs(req.folder_id.unwrap_or(0));
    let total = all.len();
    let first_page = req.offset_date == 0
        && req.offset_id == 0
        && matches!(req.offset_peer, e::InputPeer::Empty);
    let start = if first_page {
        0
    } else {
        // Continue after the dialog the client names; fall back to the date.
        let after_peer = resolve_peer(&w, &req.offset_peer)
            .ok()
            .and_then(|p| all.iter().position(|d| d.peer == p))
            .map(|i| i + 1);
        after_peer.unwrap_or_else(|| {
            all.iter()
                .position(|d| {
                    d.pinned_order.is_none()
                        && w.top_message(d.peer)
                            .is_some_and(|m| m.date < req.offset_date)
                })
                .unwrap_or(total)
        })
    };
    let limit = usize::try_from(req.limit.clamp(1, 100)).unwrap_or(100);
    let page: Vec<_> = all
        .iter()
        .skip(start)
        .filter(|d| !(req.exclude_pinned && d.pinned_order.is_some()))
        .take(limit)
        .copied()
        .collect();
    let tops: Vec<&MsgRec> = page.iter().filter_map(|d| w.top_message(d.peer)).collect();
    let (users, chats) = lists_for(&w, tops.iter().copied(), page.iter().map(|d| d.peer));
    let dialogs = page.iter().map(|d| wtl::dialog(&w, d)).collect();
    let messages = tops.iter().map(|m| wtl::message(&w, m)).collect();
    Ok(if start + page.len() < total {
        e::messages::Dialogs::Slice(t::messages::DialogsSlice {
            count: total as i32,
            dialogs,
            messages,
            chats,
            users,
        })
    } else {
        e::messages::Dialogs::Dialogs(t::messages::Dialogs {
            dialogs,
            messages,
            chats,
            users,
        })
    })
}

pub fn get_peer_dialogs(
    ctx: &Ctx<'_>,
    req: f::messages::GetPeerDialogs,
) -> RpcResult<e::messages::PeerDialogs> {
    let w = ctx.world();
    let mut peers = Vec::new();
    for p in &req.peers {
        if let e::InputDialogPeer::Peer(x) = p {
            peers.push(resolve_peer(&w, &x.peer)?);
        }
    }
    let ds: Vec<_> = peers.iter().filter_map(|p| w.dialog(*p)).collect();
    let tops: Vec<&MsgRec> = ds.iter().filter_map(|d| w.top_message(d.peer)).collect();
    let (users, chats) = lists_for(&w, tops.iter().copied(), peers.iter().copied());
    Ok(e::messages::PeerDialogs::Dialogs(
        t::messages::PeerDialogs {
            dialogs: ds.iter().map(|d| wtl::dialog(&w, d)).collect(),
            messages: tops.iter().map(|m| wtl::message(&w, m)).collect(),
            chats,
            users,
            state: super::updates::state(&w),
        },
    ))
}

pub fn get_dialog_filters(
    ctx: &Ctx<'_>,
    _: f::messages::GetDialogFilters,
) -> RpcResult<e::messages::DialogFilters> {
    let w = ctx.world();
    let mut filters = vec![e::DialogFilter::Default];
    filters.extend(w.folders.iter().map(wtl::folder));
    Ok(e::messages::DialogFilters::Filters(
        t::messages::DialogFilters {
            tags_enabled: false,
            filters,
        },
    ))
}

/// Telegram's history window: newest first, from `offset_id`/`offset_date`, shifted by
/// `add_offset`, bounded by `max_id`/`min_id`. Returns the page and its offset in the list.
pub(super) struct Window {
    pub offset_id: i32,
    pub offset_date: i32,
    pub add_offset: i32,
    pub limit: i32,
    pub max_id: i32,
    pub min_id: i32,
}

pub(super) fn window<'a>(msgs: &[&'a MsgRec], q: &Window) -> (Vec<&'a MsgRec>, usize) {
    // `msgs` is newest first.
    let mut start = if q.offset_id != 0 {
        msgs.iter()
            .position(|m| m.id < q.offset_id)
            .unwrap_or(msgs.len())
    } else if q.offset_date != 0 {
        msgs.iter()
            .position(|m| m.date < q.offset_date)
            .unwrap_or(msgs.len())
    } else {
        0
    };
    start = usize::try_from(start as i64 + i64::from(q.add_offset)).unwrap_or(0);
    let limit = usize::try_from(q.limit.clamp(1, 100)).unwrap_or(100);
    let page = msgs
        .iter()
        .skip(start)
        .take(limit)
        .filter(|m| (q.max_id == 0 || m.id < q.max_id) && (q.min_id == 0 || m.id > q.min_id))
        .copied()
        .collect();
    (page, start.min(msgs.len()))
}

/// Wraps messages the way Telegram answers for this peer kind.
pub(super) fn messages_answer(
    w: &World,
    peer: Option<Peer>,
    page: &[&MsgRec],
    count: usize,
    offset: Option<usize>,
) -> e::messages::Messages {
    let (users, chats) = lists_for(w, page.iter().copied(), peer);
    let messages = page.iter().map(|m| wtl::message(w, m)).collect();
    match peer {
        Some(Peer::Channel(id)) => {
            e::messages::Messages::ChannelMessages(t::messages::ChannelMessages {
                inexact: false,
                pts: w.chat(id).map_or(1, |c| c.pts),
                count: count as i32,
                offset_id_offset: offset.map(|o| o as i32),
                messages,
                topics: Vec::new(),
                chats,
                users,
            })
        }
        _ if offset.is_some() => e::messages::Messages::Slice(t::messages::MessagesSlice {
            inexact: false,
            count: count as i32,
            next_rate: None,
            offset_id_offset: offset.map(|o| o as i32),
            search_flood: None,
            messages,
            topics: Vec::new(),
            chats,
            users,
        }),
        _ => e::messages::Messages::Messages(t::messages::Messages {
            messages,
            topics: Vec::new(),
            chats,
            users,
        }),
    }
}

pub fn get_history(
    ctx: &Ctx<'_>,
    req: f::messages::GetHistory,
) -> RpcResult<e::messages::Messages> {
    let w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    let all: Vec<&MsgRec> = w
        .messages
        .get(&peer)
        .map(|m| m.values().rev().collect())
        .unwrap_or_default();
    let (page, start) = window(
        &all,
        &Window {
            offset_id: req.offset_id,
            offset_date: req.offset_date,
            add_offset: req.add_offset,
            limit: req.limit,
            max_id: req.max_id,
            min_id: req.min_id,
        },
    );
    Ok(messages_answer(
        &w,
        Some(peer),
        &page,
        all.len(),
        Some(start),
    ))
}

pub fn get_messages(
    ctx: &Ctx<'_>,
    req: f::messages::GetMessages,
) -> RpcResult<e::messages::Messages> {
    let w = ctx.world();
    let mut found = Vec::new();
    let mut empty = Vec::new();
    for m in &req.id {
        let id = match m {
            e::InputMessage::Id(x) => x.id,
            _ => continue,
        };
        match w.common_message(id) {
            Some(msg) => found.push(msg),
            None => empty.push(id),
        }
    }
    let (users, chats) = lists_for(&w, found.iter().copied(), []);
    let mut messages: Vec<e::Message> = found.iter().map(|m| wtl::message(&w, m)).collect();
    messages.extend(
        empty
            .into_iter()
            .map(|id| e::Message::Empty(t::MessageEmpty { id, peer_id: None })),
    );
    Ok(e::messages::Messages::Messages(t::messages::Messages {
        messages,
        topics: Vec::new(),
        chats,
        users,
    }))
}

fn filter_matches(w: &World, m: &MsgRec, filter: &e::MessagesFilter) -> bool {
    use e::MessagesFilter as F;
    let file = match &m.media {
        Some(Media::Document(id)) => w.files.get(id).map(|f| &f.kind),
        _ => None,
    };
    match filter {
        F::InputMessagesFilterEmpty => true,
        F::InputMessagesFilterPhotos => matches!(m.media, Some(Media::Photo(_))),
        F::InputMessagesFilterVideo => matches!(file, Some(FileKind::Video { .. })),
        F::InputMessagesFilterPhotoVideo => {
            matches!(m.media, Some(Media::Photo(_))) || matches!(file, Some(FileKind::Video { .. }))
        }
        F::InputMessagesFilterDocument => matches!(file, Some(FileKind::Document)),
        F::InputMessagesFilterVoice | F::InputMessagesFilterRoundVoice => {
            matches!(file, Some(FileKind::Voice { .. }))
        }
        F::InputMessagesFilterMusic => matches!(file, Some(FileKind::Audio { .. })),
        F::InputMessagesFilterUrl => m
            .media
            .as_ref()
            .is_some_and(|x| matches!(x, Media::WebPage { .. })),
        F::InputMessagesFilterGeo => matches!(m.media, Some(Media::Geo { .. })),
        F::InputMessagesFilterContacts => matches!(m.media, Some(Media::Contact { .. })),
        F::InputMessagesFilterPinned => m.pinned,
        F::InputMessagesFilterPoll => matches!(m.media, Some(Media::Poll(_))),
        F::InputMessagesFilterMyMentions => m.mentioned,
        _ => false,
    }
}

pub fn search(ctx: &Ctx<'_>, req: f::messages::Search) -> RpcResult<e::messages::Messages> {
    let w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    let q = req.q.to_lowercase();
    let all: Vec<&MsgRec> = w
        .messages
        .get(&peer)
        .map(|m| {
            m.values()
                .rev()
                .filter(|m| m.action.is_none())
                .filter(|m| q.is_empty() || m.text.to_lowercase().contains(&q))
                .filter(|m| filter_matches(&w, m, &req.filter))
                .filter(|m| req.top_msg_id.is_none_or(|top| m.top_id == Some(top)))
                .collect()
        })
        .unwrap_or_default();
    let (page, start) = window(
        &all,
        &Window {
            offset_id: req.offset_id,
            offset_date: 0,
            add_offset: req.add_offset,
            limit: req.limit,
            max_id: req.max_id,
            min_id: req.min_id,
        },
    );
    Ok(messages_answer(
        &w,
        Some(peer),
        &page,
        all.len(),
        Some(start),
    ))
}

pub fn read_history(
    ctx: &Ctx<'_>,
    req: f::messages::ReadHistory,
) -> RpcResult<e::messages::AffectedMessages> {
    let mut w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    if matches!(peer, Peer::Channel(_)) {
        return Err(RpcErr::bad("PEER_ID_INVALID"));
    }
    let entry = w.read_inbox(peer, req.max_id);
    let (pts, pts_count) = entry
        .as_ref()
        .map_or((w.pts, 0), |e_| (e_.pts, e_.pts_count));
    if let Some(e_) = entry {
        ctx.shared.publish(&w, &[e_]);
    }
    Ok(e::messages::AffectedMessages::Messages(
        t::messages::AffectedMessages { pts, pts_count },
    ))
}

/// `messages.getChats`: basic groups by id (unknown ids are left out, as Telegram does).
pub fn get_chats(ctx: &Ctx<'_>, req: f::messages::GetChats) -> RpcResult<e::messages::Chats> {
    let w = ctx.world();
    let ids: Vec<i64> = req
        .id
        .iter()
        .copied()
        .filter(|id| w.peer_exists(Peer::Chat(*id)))
        .collect();
    let (_, chats) = wtl::peer_lists(&w, [], ids);
    Ok(e::messages::Chats::Chats(t::messages::Chats { chats }))
}

pub fn get_full_chat(
    ctx: &Ctx<'_>,
    req: f::messages::GetFullChat,
) -> RpcResult<e::messages::ChatFull> {
    let w = ctx.world();
    let c = w
        .chat(req.chat_id)
        .filter(|c| c.kind == ChatKind::Basic)
        .ok_or_else(|| RpcErr::bad("CHAT_ID_INVALID"))?;
    let participants = c
        .members
        .iter()
        .map(|&user_id| {
            if user_id == c.creator {
                e::ChatParticipant::Creator(t::ChatParticipantCreator {
                    user_id,
                    rank: None,
                })
            } else {
                e::ChatParticipant::Participant(t::ChatParticipant {
                    user_id,
                    inviter_id: c.creator,
                    date: c.date,
                    rank: None,
                })
            }
        })
        .collect();
    let pinned = w
        .messages
        .get(&c.peer())
        .and_then(|m| m.values().rev().find(|m| m.pinned).map(|m| m.id));
    let full = e::ChatFull::Full(t::ChatFull {
        can_set_username: false,
        has_scheduled: false,
        translations_disabled: false,
        has_welcome_messages: false,
        id: c.id,
        about: c.about.clone(),
        participants: e::ChatParticipants::Participants(t::ChatParticipants {
            chat_id: c.id,
            participants,
            version: 1,
        }),
        chat_photo: c.photo.and_then(|p| w.files.get(&p)).map(wtl::photo),
        notify_settings: wtl::notify(w.dialog(c.peer()).map_or(0, |d| d.mute_until)),
        exported_invite: None,
        bot_info: None,
        pinned_msg_id: pinned,
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
    let (users, chats) = wtl::peer_lists(&w, c.members.iter().copied(), [c.id]);
    Ok(e::messages::ChatFull::Full(t::messages::ChatFull {
        full_chat: full,
        chats,
        users,
    }))
}

pub fn get_forum_topics(
    ctx: &Ctx<'_>,
    req: f::messages::GetForumTopics,
) -> RpcResult<e::messages::ForumTopics> {
    let w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    let c = w
        .chat(peer.bare_id())
        .filter(|c| matches!(c.kind, ChatKind::Megagroup { forum: true }))
        .ok_or_else(|| RpcErr::bad("CHANNEL_FORUM_MISSING"))?;
    let msgs = w.messages.get(&peer);
    let mut tops = Vec::new();
    let topics = c
        .topics
        .iter()
        .map(|tp| {
            let top = msgs.and_then(|m| {
                m.values()
                    .rev()
                    .find(|m| m.top_id == Some(tp.id) || m.id == tp.id)
            });
            if let Some(m) = top {
                tops.push(m);
            }
            e::ForumTopic::Topic(t::ForumTopic {
                my: false,
                closed: tp.closed,
                pinned: tp.pinned,
                short: false,
                hidden: false,
                title_missing: false,
                id: tp.id,
                date: tp.date,
                peer: wtl::peer(peer),
                title: tp.title.clone(),
                icon_color: tp.icon_color,
                icon_emoji_id: None,
                top_message: top.map_or(tp.id, |m| m.id),
                read_inbox_max_id: 0,
                read_outbox_max_id: 0,
                unread_count: 0,
                unread_mentions_count: 0,
                unread_reactions_count: 0,
                unread_poll_votes_count: 0,
                from_id: wtl::peer(Peer::User(c.creator)),
                notify_settings: wtl::notify(0),
                draft: None,
            })
        })
        .collect::<Vec<_>>();
    let (users, chats) = lists_for(&w, tops.iter().copied(), [peer]);
    Ok(e::messages::ForumTopics::Topics(t::messages::ForumTopics {
        order_by_create_date: false,
        count: topics.len() as i32,
        topics,
        messages: tops.iter().map(|m| wtl::message(&w, m)).collect(),
        chats,
        users,
        pts: c.pts,
    }))
}

/// Where a thread lives and its top message: the comments of a broadcast post are in the linked
/// discussion group, under the group's copy of the post; any other thread is `msg_id` itself.
fn thread_of(w: &World, peer: Peer, msg_id: i32) -> RpcResult<(Peer, i32)> {
    match peer {
        Peer::Channel(id) if w.chat(id).is_some_and(|c| c.kind == ChatKind::Broadcast) => {
            let group = w
                .chat(id)
                .and_then(|c| c.linked_chat)
                .ok_or_else(|| RpcErr::bad("MSG_ID_INVALID"))?;
            let gp = Peer::Channel(group);
            let root = w
                .messages
                .get(&gp)
                .and_then(|m| {
                    m.values().find(|m| {
                        m.fwd_from
                            .as_ref()
                            .is_some_and(|f| f.channel_post == Some(msg_id))
                    })
                })
                .ok_or_else(|| RpcErr::bad("MSG_ID_INVALID"))?;
            Ok((gp, root.id))
        }
        _ => Ok((peer, msg_id)),
    }
}

/// A thread: a forum topic, or the comments of a channel post (in its discussion group).
pub fn get_replies(
    ctx: &Ctx<'_>,
    req: f::messages::GetReplies,
) -> RpcResult<e::messages::Messages> {
    let w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    let (thread_peer, top) = thread_of(&w, peer, req.msg_id)?;
    let all: Vec<&MsgRec> = w
        .messages
        .get(&thread_peer)
        .map(|m| m.values().rev().filter(|m| m.top_id == Some(top)).collect())
        .unwrap_or_default();
    let (page, start) = window(
        &all,
        &Window {
            offset_id: req.offset_id,
            offset_date: req.offset_date,
            add_offset: req.add_offset,
            limit: req.limit,
            max_id: req.max_id,
            min_id: req.min_id,
        },
    );
    Ok(messages_answer(
        &w,
        Some(thread_peer),
        &page,
        all.len(),
        Some(start),
    ))
}

/// The comments thread of a channel post (or a supergroup thread): its top message, the newest
/// comment and the read marks. Only supergroup threads exist; elsewhere `MSG_ID_INVALID`.
pub fn get_discussion_message(
    ctx: &Ctx<'_>,
    req: f::messages::GetDiscussionMessage,
) -> RpcResult<e::messages::DiscussionMessage> {
    let w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    let (thread_peer, top) = thread_of(&w, peer, req.msg_id)?;
    let is_supergroup = matches!(thread_peer, Peer::Channel(id)
        if w.chat(id).is_some_and(|c| matches!(c.kind, ChatKind::Megagroup { .. })));
    let root = w
        .message(thread_peer, top)
        .filter(|_| is_supergroup)
        .ok_or_else(|| RpcErr::bad("MSG_ID_INVALID"))?;
    let comments: Vec<&MsgRec> = w
        .messages
        .get(&thread_peer)
        .map(|m| m.values().filter(|m| m.top_id == Some(top)).collect())
        .unwrap_or_default();
    // Thread read marks are not kept apart from the chat's: the chat's marks stand in.
    let (read_in, read_out) = w
        .dialog(thread_peer)
        .map_or((0, 0), |d| (d.read_inbox_max_id, d.read_outbox_max_id));
    let unread_count = comments.iter().filter(|m| !m.out && m.id > read_in).count() as i32;
    let max_id = comments.last().map(|m| m.id);
    // Chat-wide marks can be past the thread; clamp them into it.
    let last = max_id.unwrap_or(top);
    let (users, chats) = lists_for(&w, [root], [thread_peer, peer]);
    Ok(e::messages::DiscussionMessage::Message(
        t::messages::DiscussionMessage {
            messages: vec![wtl::message(&w, root)],
            max_id,
            read_inbox_max_id: Some(read_in.min(last)),
            read_outbox_max_id: Some(read_out.min(last)),
            unread_count,
            chats,
            users,
        },
    ))
}

/// Who read an outgoing message of a group: every other member once the group's outbox mark
/// passed it (fakegram keeps one read mark per chat), at the message's date plus a minute.
pub fn get_message_read_participants(
    ctx: &Ctx<'_>,
    req: f::messages::GetMessageReadParticipants,
) -> RpcResult<Vec<e::ReadParticipantDate>> {
    let w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    let chat = match peer {
        Peer::Chat(id) => w.chat(id),
        Peer::Channel(id) => w
            .chat(id)
            .filter(|c| matches!(c.kind, ChatKind::Megagroup { .. })),
        Peer::User(_) => None,
    }
    .ok_or_else(|| RpcErr::bad("PEER_ID_INVALID"))?;
    let m = w
        .message(peer, req.msg_id)
        .filter(|m| m.out)
        .ok_or_else(|| RpcErr::bad("MSG_ID_INVALID"))?;
    let read = w.dialog(peer).is_some_and(|d| d.read_outbox_max_id >= m.id);
    if !read {
        return Ok(Vec::new());
    }
    Ok(chat
        .members
        .iter()
        .filter(|u| **u != w.me)
        .map(|&user_id| {
            e::ReadParticipantDate::Date(t::ReadParticipantDate {
                user_id,
                date: m.date + 60,
            })
        })
        .collect())
}

/// Reads a thread up to `read_max_id`. Thread marks are not kept apart (see
/// [`get_discussion_message`]), so this checks the thread and changes nothing.
pub fn read_discussion(ctx: &Ctx<'_>, req: f::messages::ReadDiscussion) -> RpcResult<bool> {
    let w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    let (thread_peer, top) = thread_of(&w, peer, req.msg_id)?;
    if w.message(thread_peer, top).is_none() {
        return Err(RpcErr::bad("MSG_ID_INVALID"));
    }
    super::ok()
}

/// Marks the chat's mentions read. fakegram's dialogs report no unread mentions, so there is
/// nothing to change.
pub fn read_mentions(
    ctx: &Ctx<'_>,
    req: f::messages::ReadMentions,
) -> RpcResult<e::messages::AffectedHistory> {
    let w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    let pts = match peer {
        Peer::Channel(id) => w.chat(id).map_or(1, |c| c.pts),
        _ => w.pts,
    };
    Ok(e::messages::AffectedHistory::History(
        t::messages::AffectedHistory {
            pts,
            pts_count: 0,
            offset: 0,
        },
    ))
}

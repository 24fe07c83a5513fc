//! History and reading: `getHistory`, `searchMessages`, `getMessages` (one implementation),
//! `readMessages`, `getDiscussionMessage`, `getMessageReadParticipants` (`methods-core.md` §4).

use grammers_tl_types as tl;

use super::dialogs::{msg_id, msg_peer};
use super::peers::{input_channel, input_user, is_channel, resolve, user_id};
use super::{res, Call};
use crate::api::error::ApiError;
use crate::api::json::{Object, Value};
use crate::model;

/// Page size when `limit` is absent (the J2ME client's default).
const DEFAULT_LIMIT: i64 = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    History,
    Search,
    ById,
}

struct Page {
    count: Option<i32>,
    off: Option<i32>,
    messages: Vec<tl::enums::Message>,
    users: Vec<tl::enums::User>,
    chats: Vec<tl::enums::Chat>,
}

fn page(m: tl::enums::messages::Messages) -> Page {
    use tl::enums::messages::Messages as M;
    match m {
        M::Messages(x) => Page {
            count: None,
            off: None,
            messages: x.messages,
            users: x.users,
            chats: x.chats,
        },
        M::Slice(x) => Page {
            count: Some(x.count),
            off: x.offset_id_offset,
            messages: x.messages,
            users: x.users,
            chats: x.chats,
        },
        M::ChannelMessages(x) => Page {
            count: Some(x.count),
            off: x.offset_id_offset,
            messages: x.messages,
            users: x.users,
            chats: x.chats,
        },
        M::NotModified(x) => Page {
            count: Some(x.count),
            off: None,
            messages: Vec::new(),
            users: Vec::new(),
            chats: Vec::new(),
        },
    }
}

fn search_filter(name: Option<&str>) -> Result<tl::enums::MessagesFilter, ApiError> {
    use tl::enums::MessagesFilter as F;
    Ok(match name.unwrap_or("") {
        "" | "Empty" => F::InputMessagesFilterEmpty,
        "Photos" => F::InputMessagesFilterPhotos,
        "Video" => F::InputMessagesFilterVideo,
        "PhotoVideo" => F::InputMessagesFilterPhotoVideo,
        "Document" => F::InputMessagesFilterDocument,
        "Url" => F::InputMessagesFilterUrl,
        "Gif" => F::InputMessagesFilterGif,
        "Voice" => F::InputMessagesFilterVoice,
        "Music" => F::InputMessagesFilterMusic,
        "ChatPhotos" => F::InputMessagesFilterChatPhotos,
        "RoundVoice" => F::InputMessagesFilterRoundVoice,
        "RoundVideo" => F::InputMessagesFilterRoundVideo,
        "MyMentions" => F::InputMessagesFilterMyMentions,
        "Geo" => F::InputMessagesFilterGeo,
        "Contacts" => F::InputMessagesFilterContacts,
        "Pinned" => F::InputMessagesFilterPinned,
        "Poll" => F::InputMessagesFilterPoll,
        other => {
            return Err(ApiError::Internal(format!(
                "unknown message filter {other:?}"
            )))
        }
    })
}

/// Marks a chat or thread read up to `max` (shared by `read=1` and `readMessages`).
async fn mark_read(
    call: &Call<'_>,
    id: i64,
    peer: &tl::enums::InputPeer,
    max: i32,
    thread: Option<i32>,
) -> Result<(), ApiError> {
    if let Some(top) = thread {
        call.invoke(&tl::functions::messages::ReadDiscussion {
            peer: peer.clone(),
            msg_id: top,
            read_max_id: max,
        })
        .await?;
    } else if is_channel(id) {
        call.invoke(&tl::functions::channels::ReadHistory {
            channel: input_channel(call, id)?,
            max_id: max,
        })
        .await?;
    } else {
        call.invoke(&tl::functions::messages::ReadHistory {
            peer: peer.clone(),
            max_id: max,
        })
        .await?;
    }
    // The mentions mark is secondary: the chat is read even when this one fails.
    let _ = call
        .invoke(&tl::functions::messages::ReadMentions {
            peer: peer.clone(),
            top_msg_id: thread,
        })
        .await;
    Ok(())
}

/// Adds `reply.msg` (v ≥ 5, full form) from the messages of the same page. Replies to older
/// messages are left without it: fetching them would cost Telegram calls per page, and
/// `reply.msg` is optional for clients.
fn attach_replies(objs: &mut [Object], messages: &[tl::enums::Message], ctx: &model::ModelCtx) {
    for (obj, m) in objs.iter_mut().zip(messages) {
        let tl::enums::Message::Message(full) = m else {
            continue;
        };
        let Some(tl::enums::MessageReplyHeader::Header(h)) = &full.reply_to else {
            continue;
        };
        if h.reply_to_peer_id.is_some() {
            continue;
        }
        let Some(target) = h.reply_to_msg_id else {
            continue;
        };
        let chat = model::peer_id(&full.peer_id);
        let Some(found) = messages
            .iter()
            .find(|x| msg_id(x) == target && msg_peer(x) == Some(chat))
        else {
            continue;
        };
        model::attach_reply(obj, found, ctx);
    }
}

/// `getHistory` / `searchMessages` / `getMessages`: the messages history response
/// (`models.md` §8.1). `getHistory` and `searchMessages` are one Telegram call each (plus the
/// read marks with `read=1`). The newest page never carries `off > 0` (the client would not
/// start live updates).
pub async fn get_history(call: &Call<'_>, kind: Kind) -> Result<Object, ApiError> {
    let p = call.params;
    let reference = p.required("peer")?;
    call.auth()?;
    let ids = if kind == Kind::ById {
        Some(p.required_set("id")?)
    } else {
        None
    };
    let offset_id = p.int_or("offset_id", 0)?;
    let offset_date = p.int_or("offset_date", 0)?;
    let add_offset = p.int_or("add_offset", 0)?;
    let limit = p.int("limit")?.unwrap_or(DEFAULT_LIMIT);
    let max_id = p.int_or("max_id", 0)?;
    let min_id = p.int_or("min_id", 0)?;
    let (id, peer) = resolve(call, reference).await?;
    let answer = match kind {
        Kind::History => {
            call.invoke_caching(&tl::functions::messages::GetHistory {
                peer: peer.clone(),
                offset_id: offset_id as i32,
                offset_date: offset_date as i32,
                add_offset: add_offset as i32,
                limit: limit as i32,
                max_id: max_id as i32,
                min_id: min_id as i32,
                hash: 0,
            })
            .await?
        }
        Kind::Search => {
            call.invoke_caching(&tl::functions::messages::Search {
                peer: peer.clone(),
                q: p.get("q").unwrap_or("").to_owned(),
                from_id: None,
                saved_peer_id: None,
                saved_reaction: None,
                top_msg_id: p
                    .lenient("top_msg_id")
                    .filter(|t| *t != 0)
                    .map(|t| t as i32),
                filter: search_filter(p.get("filter"))?,
                min_date: 0,
                max_date: 0,
                offset_id: offset_id as i32,
                add_offset: add_offset as i32,
                limit: limit as i32,
                max_id: max_id as i32,
                min_id: min_id as i32,
                hash: 0,
            })
            .await?
        }
        Kind::ById => {
            let ids: Vec<tl::enums::InputMessage> = ids
                .unwrap_or("")
                .split(',')
                .map(|s| {
                    tl::enums::InputMessage::Id(tl::types::InputMessageId {
                        id: crate::api::params::lenient_int(s.trim()) as i32,
                    })
                })
                .collect();
            // The reference passes the peer to messages.getMessages, which ignores it (a bug
            // that returns the wrong messages for channels).
            if is_channel(id) {
                call.invoke_caching(&tl::functions::channels::GetMessages {
                    channel: input_channel(call, id)?,
                    id: ids,
                })
                .await?
            } else {
                call.invoke_caching(&tl::functions::messages::GetMessages { id: ids })
                    .await?
            }
        }
    };
    let page = page(answer);
    if p.flag("read") {
        if let Some(first) = page.messages.first() {
            let thread = p
                .lenient("top_msg_id")
                .filter(|t| *t != 0)
                .map(|t| t as i32);
            // Errors ignored, as the reference does.
            let _ = mark_read(call, id, &peer, msg_id(first), thread).await;
        }
    }
    let ctx = call.model_ctx();
    let mut o = Object::new();
    o.insert_some("count", page.count);
    let has_offset = offset_id != 0 || add_offset != 0;
    if has_offset {
        o.insert_some("off", page.off);
    }
    if p.selects("messages") {
        let mut objs: Vec<Object> = page
            .messages
            .iter()
            .map(|m| model::message(m, &ctx))
            .collect();
        if call.version.message_has_rich_fields() {
            attach_replies(&mut objs, &page.messages, &ctx);
        }
        o.insert(
            "messages",
            Value::Array(objs.into_iter().map(Value::Object).collect()),
        );
    }
    let (users, chats) = model::peer_maps(&page.users, &page.chats, &ctx);
    if p.selects_peers("users") && !users.is_empty() {
        o.insert("users", users);
    }
    if p.selects_peers("chats") && !chats.is_empty() {
        o.insert("chats", chats);
    }
    Ok(o)
}

/// `readMessages`: marks read up to `max`; the answer is an empty body.
pub async fn read_messages(call: &Call<'_>) -> Result<(), ApiError> {
    call.auth()?;
    let reference = call.params.required_set("peer")?;
    call.params.required_set("max")?;
    let max = call.params.lenient("max").unwrap_or(0) as i32;
    let thread = call
        .params
        .lenient("thread")
        .filter(|t| *t != 0)
        .map(|t| t as i32);
    let (id, peer) = resolve(call, reference).await?;
    mark_read(call, id, &peer, max, thread).await
}

/// `getDiscussionMessage`: the comments thread of a channel post (`id`, or `msg_id` as the
/// documents name it).
pub async fn get_discussion_message(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let reference = call.params.required_set("peer")?;
    let msg = match call.params.get("id").or_else(|| call.params.get("msg_id")) {
        Some(v) => crate::api::params::lenient_int(v),
        None => return Err(ApiError::MissingParam("id".into())),
    };
    let (_, peer) = resolve(call, reference).await?;
    let tl::enums::messages::DiscussionMessage::Message(d) = call
        .invoke_caching(&tl::functions::messages::GetDiscussionMessage {
            peer,
            msg_id: msg as i32,
        })
        .await?;
    let root = d
        .messages
        .first()
        .ok_or_else(|| ApiError::Internal("Telegram returned no thread message".into()))?;
    let root_id = msg_id(root);
    let read = [
        d.read_inbox_max_id.unwrap_or(0),
        d.read_outbox_max_id.unwrap_or(0),
        root_id,
    ]
    .into_iter()
    .max()
    .unwrap_or(root_id);
    Ok(Object::new()
        .with("id", root_id)
        .with("peer_id", Value::id(msg_peer(root).unwrap_or(0)))
        .with("unread", d.unread_count)
        .with("read", read)
        .with("max_id", d.max_id.unwrap_or(0)))
}

/// `getMessageReadParticipants`: who read an outgoing message; users come from one
/// `users.getUsers` for the cached ones (the others as `date` + `id` only).
pub async fn get_read_participants(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let reference = call.params.required_set("peer")?;
    call.params.required_set("id")?;
    let msg = call.params.lenient("id").unwrap_or(0) as i32;
    let (_, peer) = resolve(call, reference).await?;
    let readers = call
        .invoke(&tl::functions::messages::GetMessageReadParticipants { peer, msg_id: msg })
        .await?;
    let readers: Vec<(i64, i32)> = readers
        .iter()
        .map(|tl::enums::ReadParticipantDate::Date(r)| (r.user_id, r.date))
        .collect();
    let inputs: Vec<tl::enums::InputUser> = readers
        .iter()
        .filter_map(|(uid, _)| input_user(call, *uid).ok())
        .collect();
    let users = if inputs.is_empty() {
        Vec::new()
    } else {
        call.invoke(&tl::functions::users::GetUsers { id: inputs })
            .await
            .unwrap_or_default()
    };
    let ctx = call.model_ctx();
    let list = readers
        .iter()
        .map(|(uid, date)| {
            let mut o = Object::new().with("date", *date);
            match users.iter().find(|u| user_id(u) == *uid) {
                Some(u) => {
                    for (k, v) in model::user(u, &ctx).iter() {
                        o.insert(k, v.clone());
                    }
                }
                None => {
                    o.insert("id", Value::id(*uid));
                }
            }
            Value::Object(o)
        })
        .collect();
    Ok(res(Value::Array(list)))
}

//! Writing: send, send media, edit, delete, forward, typing, reactions, pins.

use std::sync::Arc;
use std::time::Duration;

use grammers_tl_types::{enums as e, functions as f, types as t};

use super::{resolve_peer, Ctx, RpcErr, RpcResult};
use crate::world::{
    self, tl as wtl, ChatKind, Entity, FileKind, FileRec, FwdRec, LoggedUpdate, Media, MsgRec,
    Peer, PollRec, SizeRec, World,
};
use crate::Shared;

/// May we write in this peer?
fn check_writable(w: &World, peer: Peer) -> RpcResult<()> {
    match peer {
        Peer::User(_) => Ok(()),
        Peer::Chat(id) | Peer::Channel(id) => {
            let c = w.chat(id).ok_or_else(|| RpcErr::bad("PEER_ID_INVALID"))?;
            if c.left || !c.members.contains(&w.me) {
                return Err(RpcErr::new(403, "CHAT_WRITE_FORBIDDEN"));
            }
            if c.kind == ChatKind::Broadcast && !c.admins.contains(&w.me) {
                return Err(RpcErr::new(403, "CHAT_ADMIN_REQUIRED"));
            }
            Ok(())
        }
    }
}

fn outgoing(
    w: &World,
    peer: Peer,
    text: String,
    entities: Option<Vec<e::MessageEntity>>,
) -> MsgRec {
    let broadcast = matches!(peer, Peer::Channel(id) if w.chat(id).is_some_and(|c| c.kind == ChatKind::Broadcast));
    let mut m = MsgRec::text(
        peer,
        (!broadcast).then_some(Peer::User(w.me)),
        true,
        world::now(),
        "",
    );
    m.text = text;
    m.entities = entities
        .unwrap_or_default()
        .iter()
        .filter_map(wtl::entity_from)
        .collect::<Vec<Entity>>();
    if broadcast {
        m.views = Some(1);
    }
    m
}

fn apply_reply(m: &mut MsgRec, reply_to: Option<&e::InputReplyTo>) {
    if let Some(e::InputReplyTo::Message(r)) = reply_to {
        m.reply_to = Some(r.reply_to_msg_id);
        m.top_id = r.top_msg_id;
    }
}

/// The `updates` answer for messages we just created, with their random ids.
pub(super) fn sent_updates(w: &World, sent: &[(i64, LoggedUpdate)]) -> e::Updates {
    let mut updates = Vec::new();
    let mut users = Vec::new();
    let mut chats = Vec::new();
    for (random_id, entry) in sent {
        if let world::Event::NewMessage { id, .. } = entry.event {
            updates.push(e::Update::MessageId(t::UpdateMessageId {
                id,
                random_id: *random_id,
            }));
        }
        if let Some(u) = wtl::update(w, entry) {
            updates.push(u);
        }
        let (us, cs) = wtl::update_peers(w, entry);
        users.extend(us);
        chats.extend(cs);
    }
    e::Updates::Updates(t::Updates {
        updates,
        users,
        chats,
        date: world::now(),
        seq: 0,
    })
}

/// Telegram refuses a `random_id` already used in the same chat (a resent request).
fn check_random_id(w: &World, peer: Peer, random_id: i64) -> RpcResult<()> {
    if w.sent_random_ids.contains_key(&(peer, random_id)) {
        return Err(RpcErr::bad("RANDOM_ID_DUPLICATE"));
    }
    Ok(())
}

/// Posts our message, pushes it to other sessions, and starts the demo bot's answer.
fn post_and_answer(ctx: &Ctx<'_>, w: &mut World, random_id: i64, m: MsgRec) -> e::Updates {
    let peer = m.peer;
    let text = m.text.clone();
    let (id, entry) = w.post(m);
    w.sent_random_ids.insert((peer, random_id), id);
    ctx.shared.publish(w, std::slice::from_ref(&entry));
    if let Peer::User(bot) = peer {
        if w.echo_bot == Some(bot) {
            spawn_echo(Arc::clone(ctx.shared), bot, id, text);
        }
    }
    sent_updates(w, &[(random_id, entry)])
}

/// The demo bot answers after about a second: an echo and a 👍 on the message.
fn spawn_echo(shared: Arc<Shared>, bot: i64, msg_id: i32, text: String) {
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(900)).await;
        let mut w = shared.world();
        let peer = Peer::User(bot);
        w.react(peer, msg_id, Some("👍"), false);
        let reactions = w.message(peer, msg_id).and_then(wtl::reactions);
        let reply_text = if text.is_empty() {
            "Got it!".to_owned()
        } else {
            format!("You said: {text}")
        };
        let mut reply = MsgRec::text(peer, Some(peer), false, world::now(), &reply_text);
        reply.reply_to = Some(msg_id);
        let (_, entry) = w.post(reply);
        if let Some(reactions) = reactions {
            shared.publish_raw(&e::Updates::UpdateShort(t::UpdateShort {
                update: e::Update::MessageReactions(t::UpdateMessageReactions {
                    peer: wtl::peer(peer),
                    msg_id,
                    top_msg_id: None,
                    saved_peer_id: None,
                    reactions,
                }),
                date: world::now(),
            }));
        }
        shared.publish(&w, &[entry]);
    });
}

pub fn send_message(ctx: &Ctx<'_>, req: f::messages::SendMessage) -> RpcResult<e::Updates> {
    let mut w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    check_writable(&w, peer)?;
    check_random_id(&w, peer, req.random_id)?;
    if req.message.trim().is_empty() {
        return Err(RpcErr::bad("MESSAGE_EMPTY"));
    }
    if req.message.encode_utf16().count() > 4096 {
        return Err(RpcErr::bad("MESSAGE_TOO_LONG"));
    }
    let mut m = outgoing(&w, peer, req.message, req.entities);
    apply_reply(&mut m, req.reply_to.as_ref());
    Ok(post_and_answer(ctx, &mut w, req.random_id, m))
}

fn image_size(bytes: &[u8]) -> Option<(i32, i32)> {
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    let (w, h) = reader.into_dimensions().ok()?;
    Some((i32::try_from(w).ok()?, i32::try_from(h).ok()?))
}

fn uploaded(w: &mut World, file: &e::InputFile) -> RpcResult<(Vec<u8>, String)> {
    let (id, name) = match file {
        e::InputFile::File(x) => (x.id, x.name.clone()),
        e::InputFile::Big(x) => (x.id, x.name.clone()),
        e::InputFile::StoryDocument(_) => return Err(RpcErr::bad("MEDIA_INVALID")),
    };
    let bytes = w
        .take_upload(id)
        .ok_or_else(|| RpcErr::bad("FILE_PARTS_INVALID"))?;
    Ok((bytes, name))
}

fn media_from_input(w: &mut World, media: &e::InputMedia) -> RpcResult<Media> {
    Ok(match media {
        e::InputMedia::UploadedPhoto(x) => {
            let (bytes, _) = uploaded(w, &x.file)?;
            let (pw, ph) = image_size(&bytes).ok_or_else(|| RpcErr::bad("IMAGE_PROCESS_FAILED"))?;
            let id = w.add_file(FileRec {
                id: 0,
                kind: FileKind::Photo {
                    sizes: vec![SizeRec {
                        kind: if pw.max(ph) > 800 { "y" } else { "x" }.to_owned(),
                        w: pw,
                        h: ph,
                        bytes: Arc::new(bytes),
                    }],
                },
                mime: "image/jpeg".into(),
                name: None,
                date: world::now(),
                bytes: Arc::new(Vec::new()),
                thumbs: Vec::new(),
            });
            Media::Photo(id)
        }
        e::InputMedia::UploadedDocument(x) => {
            let (bytes, file_name) = uploaded(w, &x.file)?;
            let mut kind = FileKind::Document;
            let mut name = (!file_name.is_empty()).then_some(file_name);
            for a in &x.attributes {
                match a {
                    e::DocumentAttribute::Audio(au) if au.voice => {
                        kind = FileKind::Voice {
                            duration: au.duration,
                            waveform: au.waveform.clone().unwrap_or_default(),
                        };
                    }
                    e::DocumentAttribute::Audio(au) => {
                        kind = FileKind::Audio {
                            duration: au.duration,
                            title: au.title.clone().unwrap_or_default(),
                            performer: au.performer.clone().unwrap_or_default(),
                        };
                    }
                    e::DocumentAttribute::Video(v) => {
                        kind = FileKind::Video {
                            duration: v.duration,
                            w: v.w,
                            h: v.h,
                            round: v.round_message,
                        };
                    }
                    e::DocumentAttribute::Filename(f) => name = Some(f.file_name.clone()),
                    _ => {}
                }
            }
            let id = w.add_file(FileRec {
                id: 0,
                kind,
                mime: x.mime_type.clone(),
                name,
                date: world::now(),
                bytes: Arc::new(bytes),
                thumbs: Vec::new(),
            });
            Media::Document(id)
        }
        e::InputMedia::Photo(x) => match &x.id {
            e::InputPhoto::Photo(p) if w.files.contains_key(&p.id) => Media::Photo(p.id),
            _ => return Err(RpcErr::bad("MEDIA_INVALID")),
        },
        e::InputMedia::Document(x) => match &x.id {
            // Like Telegram: a known document also needs the file reference it was served with.
            e::InputDocument::Document(d) if d.file_reference.is_empty() => {
                return Err(RpcErr::bad("FILE_REFERENCE_EMPTY"))
            }
            e::InputDocument::Document(d)
                if d.file_reference != crate::world::tl::FILE_REFERENCE =>
            {
                return Err(RpcErr::bad("FILE_REFERENCE_EXPIRED"))
            }
            e::InputDocument::Document(d) if w.files.contains_key(&d.id) => Media::Document(d.id),
            _ => return Err(RpcErr::bad("MEDIA_INVALID")),
        },
        e::InputMedia::GeoPoint(x) => match &x.geo_point {
            e::InputGeoPoint::Point(p) => Media::Geo {
                lat: p.lat,
                long: p.long,
            },
            e::InputGeoPoint::Empty => return Err(RpcErr::bad("MEDIA_INVALID")),
        },
        e::InputMedia::Contact(x) => Media::Contact {
            phone: x.phone_number.clone(),
            first_name: x.first_name.clone(),
            last_name: x.last_name.clone(),
            user_id: None,
        },
        e::InputMedia::Poll(x) => {
            let e::Poll::Poll(p) = &x.poll;
            let text_of = |t: &e::TextWithEntities| match t {
                e::TextWithEntities::Entities(x) => x.text.clone(),
            };
            Media::Poll(PollRec {
                id: p.id,
                question: text_of(&p.question),
                answers: p
                    .answers
                    .iter()
                    .map(|a| match a {
                        e::PollAnswer::Answer(a) => (text_of(&a.text), 0),
                        e::PollAnswer::InputPollAnswer(a) => (text_of(&a.text), 0),
                    })
                    .collect(),
                closed: false,
                quiz: p.quiz,
                multiple: p.multiple_choice,
                chosen: Vec::new(),
            })
        }
        _ => return Err(RpcErr::bad("MEDIA_INVALID")),
    })
}

pub fn send_media(ctx: &Ctx<'_>, req: f::messages::SendMedia) -> RpcResult<e::Updates> {
    let mut w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    check_writable(&w, peer)?;
    check_random_id(&w, peer, req.random_id)?;
    if req.message.encode_utf16().count() > 1024 {
        return Err(RpcErr::bad("MEDIA_CAPTION_TOO_LONG"));
    }
    let media = media_from_input(&mut w, &req.media)?;
    let mut m = outgoing(&w, peer, req.message, req.entities);
    m.media = Some(media);
    apply_reply(&mut m, req.reply_to.as_ref());
    Ok(post_and_answer(ctx, &mut w, req.random_id, m))
}

pub(super) fn single_update(w: &World, entry: &LoggedUpdate) -> e::Updates {
    let (users, chats) = wtl::update_peers(w, entry);
    e::Updates::Updates(t::Updates {
        updates: wtl::update(w, entry).into_iter().collect(),
        users,
        chats,
        date: world::now(),
        seq: 0,
    })
}

pub fn edit_message(ctx: &Ctx<'_>, req: f::messages::EditMessage) -> RpcResult<e::Updates> {
    let mut w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    let msg = w
        .message(peer, req.id)
        .ok_or_else(|| RpcErr::bad("MESSAGE_ID_INVALID"))?;
    if !msg.out {
        return Err(RpcErr::new(403, "MESSAGE_AUTHOR_REQUIRED"));
    }
    let text = req.message.unwrap_or_else(|| msg.text.clone());
    let entities: Vec<Entity> = req
        .entities
        .unwrap_or_default()
        .iter()
        .filter_map(wtl::entity_from)
        .collect();
    if text == msg.text && entities == msg.entities {
        return Err(RpcErr::bad("MESSAGE_NOT_MODIFIED"));
    }
    let entry = w
        .edit_message(peer, req.id, text, entities)
        .ok_or_else(|| RpcErr::bad("MESSAGE_ID_INVALID"))?;
    ctx.shared.publish(&w, std::slice::from_ref(&entry));
    Ok(single_update(&w, &entry))
}

pub fn delete_messages(
    ctx: &Ctx<'_>,
    req: f::messages::DeleteMessages,
) -> RpcResult<e::messages::AffectedMessages> {
    let mut w = ctx.world();
    let mut by_peer: Vec<(Peer, Vec<i32>)> = Vec::new();
    for id in &req.id {
        if let Some(m) = w.common_message(*id) {
            let peer = m.peer;
            match by_peer.iter_mut().find(|(p, _)| *p == peer) {
                Some((_, ids)) => ids.push(*id),
                None => by_peer.push((peer, vec![*id])),
            }
        }
    }
    let mut entries = Vec::new();
    for (peer, ids) in by_peer {
        let log = if req.revoke {
            &mut w.activity.revoked
        } else {
            &mut w.activity.deleted_for_me
        };
        log.extend(ids.iter().map(|id| (peer, *id)));
        entries.extend(w.delete_messages(peer, &ids));
    }
    ctx.shared.publish(&w, &entries);
    let pts_count = entries.iter().map(|e_| e_.pts_count).sum();
    Ok(e::messages::AffectedMessages::Messages(
        t::messages::AffectedMessages {
            pts: w.pts,
            pts_count,
        },
    ))
}

pub fn forward_messages(ctx: &Ctx<'_>, req: f::messages::ForwardMessages) -> RpcResult<e::Updates> {
    let mut w = ctx.world();
    let from = resolve_peer(&w, &req.from_peer)?;
    let to = resolve_peer(&w, &req.to_peer)?;
    check_writable(&w, to)?;
    if req.id.len() != req.random_id.len() || req.id.is_empty() {
        return Err(RpcErr::bad("RANDOM_ID_INVALID"));
    }
    for random_id in &req.random_id {
        check_random_id(&w, to, *random_id)?;
    }
    let mut sent = Vec::new();
    for (id, random_id) in req.id.iter().zip(&req.random_id) {
        let src = w
            .message(from, *id)
            .cloned()
            .ok_or_else(|| RpcErr::bad("MESSAGE_ID_INVALID"))?;
        let mut m = outgoing(&w, to, src.text.clone(), None);
        m.entities.clone_from(&src.entities);
        m.media.clone_from(&src.media);
        m.top_id = req.top_msg_id;
        if !req.drop_author {
            m.fwd_from = Some(src.fwd_from.clone().unwrap_or(FwdRec {
                from: src.from.or(Some(from)),
                from_name: None,
                date: src.date,
                channel_post: matches!(from, Peer::Channel(_)).then_some(src.id),
            }));
        }
        let (new_id, entry) = w.post(m);
        w.sent_random_ids.insert((to, *random_id), new_id);
        sent.push((*random_id, entry));
    }
    let entries: Vec<LoggedUpdate> = sent.iter().map(|(_, e_)| e_.clone()).collect();
    ctx.shared.publish(&w, &entries);
    Ok(sent_updates(&w, &sent))
}

pub fn set_typing(ctx: &Ctx<'_>, req: f::messages::SetTyping) -> RpcResult<bool> {
    let mut w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    let name = crate::wire::constructor_of(&grammers_tl_types::Serializable::to_bytes(&req.action))
        .map_or("", grammers_tl_types::name_for_id);
    w.activity.typing.push((peer, name.to_owned()));
    super::ok()
}

pub fn send_reaction(ctx: &Ctx<'_>, req: f::messages::SendReaction) -> RpcResult<e::Updates> {
    let mut w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    let emoji = match req.reaction.as_deref() {
        None | Some([]) => None,
        Some([e::Reaction::Emoji(x), ..]) => Some(x.emoticon.clone()),
        Some(_) => return Err(RpcErr::bad("REACTION_INVALID")),
    };
    if !w.react(peer, req.msg_id, emoji.as_deref(), true) {
        return Err(RpcErr::bad("MESSAGE_ID_INVALID"));
    }
    let reactions = w
        .message(peer, req.msg_id)
        .and_then(wtl::reactions)
        .unwrap_or(e::MessageReactions::Reactions(t::MessageReactions {
            min: false,
            can_see_list: false,
            reactions_as_tags: false,
            results: Vec::new(),
            recent_reactions: None,
            top_reactors: None,
        }));
    let update = e::Update::MessageReactions(t::UpdateMessageReactions {
        peer: wtl::peer(peer),
        msg_id: req.msg_id,
        top_msg_id: None,
        saved_peer_id: None,
        reactions,
    });
    let (users, chats) = match peer {
        Peer::User(id) => wtl::peer_lists(&w, [id], []),
        Peer::Chat(id) | Peer::Channel(id) => wtl::peer_lists(&w, [], [id]),
    };
    Ok(publish_one(ctx, update, users, chats))
}

/// `update` with its peers as an `Updates`, pushed to the account's connections and returned.
pub(super) fn publish_one(
    ctx: &Ctx<'_>,
    update: e::Update,
    users: Vec<e::User>,
    chats: Vec<e::Chat>,
) -> e::Updates {
    let out = e::Updates::Updates(t::Updates {
        updates: vec![update],
        users,
        chats,
        date: world::now(),
        seq: 0,
    });
    ctx.shared.publish_raw(&out);
    out
}

pub fn update_pinned(
    ctx: &Ctx<'_>,
    req: f::messages::UpdatePinnedMessage,
) -> RpcResult<e::Updates> {
    let mut w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    w.activity.pins.push((peer, req.id, req.silent, req.unpin));
    let entry = w
        .set_pinned(peer, &[req.id], !req.unpin)
        .ok_or_else(|| RpcErr::bad("MESSAGE_ID_INVALID"))?;
    ctx.shared.publish(&w, std::slice::from_ref(&entry));
    Ok(single_update(&w, &entry))
}

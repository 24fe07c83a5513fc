//! `sendMessage`, `sendMedia`, `editMessage` (`methods-more.md` §1): one code path, the
//! reference's processing order (§1.2), its bugs fixed as the spec says, each send at most
//! once per `r` (§0.8), and every result fed to the update queue (§0.9).

mod dedupe;
mod feed;
mod file;
mod html;
mod split;

use std::collections::HashMap;
use std::sync::Mutex;

use grammers_tl_types as tl;

use super::peers::resolve;
use super::{res, Call};
use crate::api::error::ApiError;
use crate::api::json::Object;
use crate::api::params::lenient_int;

pub use file::{mime_type, UPLOAD_LIMIT};

/// Which of the three names was called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Message,
    Media,
    Edit,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Message => "sendMessage",
            Kind::Media => "sendMedia",
            Kind::Edit => "editMessage",
        }
    }
}

/// What the send methods keep across requests.
#[derive(Debug, Default)]
pub struct SendState {
    dedupe: dedupe::SendDedupe,
    /// Documents seen in our own Telegram answers: id → (access hash, file reference), for
    /// `doc_id` sends (§1.8).
    documents: Mutex<HashMap<i64, (i64, Vec<u8>)>>,
}

/// Bound on the remembered documents (stickers and sent files).
const MAX_DOCUMENTS: usize = 5000;

impl SendState {
    /// Remembers a document's access hash and file reference (sticker sets, history, sends).
    pub fn remember_document(&self, d: &tl::types::Document) {
        let mut docs = self
            .documents
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if docs.len() >= MAX_DOCUMENTS && !docs.contains_key(&d.id) {
            docs.clear();
        }
        docs.insert(d.id, (d.access_hash, d.file_reference.clone()));
    }

    fn file_reference(&self, id: i64) -> Vec<u8> {
        self.documents
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&id)
            .map(|(_, r)| r.clone())
            .unwrap_or_default()
    }
}

/// The three methods.
pub async fn send(call: &Call<'_>, kind: Kind) -> Result<Object, ApiError> {
    // §0.5: `peer` before auth, non-empty.
    let peer_ref = call.params.required("peer")?;
    call.auth()?;
    let key = match (call.device, call.params.get("r")) {
        (Some(device), Some(r)) => Some(dedupe::Key::new(device, kind.name(), r)),
        _ => None,
    };
    call.state
        .send
        .dedupe
        .run(key, || Box::pin(run(call, kind, peer_ref, key.as_ref())))
        .await?;
    Ok(res("1"))
}

fn reply_to(reply: Option<i32>, top: Option<i32>) -> Option<tl::enums::InputReplyTo> {
    // §1.4: `top` alone puts the message into the topic (reference bug: it landed in General).
    let target = reply.or(top)?;
    Some(
        tl::types::InputReplyToMessage {
            reply_to_msg_id: target,
            top_msg_id: top,
            reply_to_peer_id: None,
            quote_text: None,
            quote_entities: None,
            quote_offset: None,
            monoforum_peer_id: None,
            todo_item_id: None,
            poll_option: None,
        }
        .into(),
    )
}

fn int32(s: &str) -> i32 {
    i32::try_from(lenient_int(s)).unwrap_or(0)
}

fn is_rpc(e: &ApiError, name: &str) -> bool {
    matches!(e, ApiError::Telegram(rpc) if rpc.name == name)
}

/// The `random_id`s of one request: derived from its de-duplication key, so a retried request
/// (same `r`) sends the same ids and Telegram drops the repeat.
struct RandomIds<'k> {
    key: Option<&'k dedupe::Key>,
    position: usize,
}

impl RandomIds<'_> {
    fn next(&mut self) -> i64 {
        let id = dedupe::random_id(self.key, self.position);
        self.position += 1;
        id
    }
}

fn entities_opt(e: &[tl::enums::MessageEntity]) -> Option<Vec<tl::enums::MessageEntity>> {
    (!e.is_empty()).then(|| e.to_vec())
}

/// Steps 3–10 of §1.2 (after the `peer` and auth checks).
async fn run(
    call: &Call<'_>,
    kind: Kind,
    peer_ref: &str,
    key: Option<&dedupe::Key>,
) -> Result<(), ApiError> {
    let p = call.params;
    let mut ids = RandomIds { key, position: 0 };
    let has_file = p.file().is_some();
    let top = p.non_empty("top").map(int32);

    // 3. Forward first (int peers), then the text or file as a separate message.
    let fwd_from = if kind == Kind::Edit {
        None
    } else {
        p.non_empty("fwd_from")
    };
    if let Some(from) = fwd_from {
        forward(call, from, peer_ref, top, &mut ids).await?;
        if !has_file && p.non_empty("text").is_none() {
            return Ok(());
        }
    }

    // 4. The arguments.
    let (peer_id, input_peer) = resolve(call, peer_ref).await?;
    let raw_text = p.get("text").unwrap_or("");
    let (text, entities) = if p.flag("html") {
        html::parse(raw_text)
    } else {
        (raw_text.to_owned(), Vec::new())
    };
    let edit_id = (fwd_from.is_none())
        .then(|| p.non_empty("id").map(int32))
        .flatten();
    let reply = reply_to(p.non_empty("reply").map(int32), top);

    // 5. Voice needs the conversion switch, with or without a file.
    let voice = p.flag("voice");
    if voice && !call.voice_conversion {
        return Err(ApiError::Message("Voice conversion not supported".into()));
    }

    // 6–7. The media: an uploaded file, or an existing document.
    let media = media(call, kind, voice).await?;

    // 8. The Telegram call. A file or document with `sendMessage` is sent like `sendMedia`
    // (reference bug: uploaded and dropped).
    let msg = Outgoing {
        peer_id,
        input_peer,
        text: &text,
        entities: &entities,
        reply: reply.as_ref(),
    };
    if kind == Kind::Edit {
        return edit(call, &msg, edit_id.unwrap_or(0), media).await;
    }
    if let Some(media) = media {
        return send_media(call, &msg, media, &mut ids).await;
    }
    send_text(call, &msg, &mut ids).await
}

/// What is being sent, resolved (step 4).
struct Outgoing<'a> {
    peer_id: i64,
    input_peer: tl::enums::InputPeer,
    text: &'a str,
    entities: &'a [tl::enums::MessageEntity],
    reply: Option<&'a tl::enums::InputReplyTo>,
}

impl Outgoing<'_> {
    fn sent<'s>(
        &'s self,
        text: &'s str,
        entities: &'s [tl::enums::MessageEntity],
    ) -> feed::Sent<'s> {
        feed::Sent {
            peer: self.peer_id,
            text,
            entities,
            reply_to: self.reply,
        }
    }
}

/// Step 3: `fwd_from` + `id` (comma-separated) forwarded to the peer.
async fn forward(
    call: &Call<'_>,
    from: &str,
    peer_ref: &str,
    top: Option<i32>,
    ids: &mut RandomIds<'_>,
) -> Result<(), ApiError> {
    let msg_ids: Vec<i32> = call
        .params
        .required_set("id")?
        .split(',')
        .map(int32)
        .collect();
    let (_, from_peer) = resolve(call, &lenient_int(from).to_string()).await?;
    let (_, to_peer) = resolve(call, &lenient_int(peer_ref).to_string()).await?;
    let random_id = msg_ids.iter().map(|_| ids.next()).collect();
    let answer = call
        .invoke_caching(&tl::functions::messages::ForwardMessages {
            silent: false,
            background: false,
            with_my_score: false,
            drop_author: false,
            drop_media_captions: false,
            noforwards: false,
            allow_paid_floodskip: false,
            from_ephemeral: false,
            from_peer,
            id: msg_ids,
            random_id,
            to_peer,
            top_msg_id: top,
            reply_to: None,
            schedule_date: None,
            schedule_repeat_period: None,
            send_as: None,
            quick_reply_shortcut: None,
            effect: None,
            video_timestamp: None,
            allow_paid_stars: None,
            suggested_post: None,
        })
        .await;
    match answer {
        Ok(u) => feed::feed(call, &u, None),
        Err(e) if is_rpc(&e, "RANDOM_ID_DUPLICATE") => {}
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Steps 6–7: an uploaded file, or an existing document (`doc_id` + `doc_access_hash`).
async fn media(
    call: &Call<'_>,
    kind: Kind,
    voice: bool,
) -> Result<Option<tl::enums::InputMedia>, ApiError> {
    let p = call.params;
    if let Some(f) = p.file() {
        let opts = file::Options {
            voice,
            uncompressed: p.flag("uncompressed"),
            spoiler: p.flag("spoiler"),
        };
        return Ok(Some(file::media(call, f, &opts).await?));
    }
    if let (Some(id), Some(hash)) = (p.non_empty("doc_id"), p.non_empty("doc_access_hash")) {
        let id = lenient_int(id);
        return Ok(Some(
            tl::types::InputMediaDocument {
                spoiler: false,
                id: tl::types::InputDocument {
                    id,
                    access_hash: lenient_int(hash),
                    file_reference: call.state.send.file_reference(id),
                }
                .into(),
                video_cover: None,
                video_timestamp: None,
                ttl_seconds: None,
                query: None,
            }
            .into(),
        ));
    }
    if kind == Kind::Media {
        return Err(ApiError::Message(
            "No file: send a file part or doc_id and doc_access_hash".into(),
        ));
    }
    Ok(None)
}

/// `editMessage`: the text (and media, if given) of message `id`.
async fn edit(
    call: &Call<'_>,
    msg: &Outgoing<'_>,
    id: i32,
    media: Option<tl::enums::InputMedia>,
) -> Result<(), ApiError> {
    let answer = call
        .invoke_caching(&tl::functions::messages::EditMessage {
            no_webpage: false,
            invert_media: false,
            peer: msg.input_peer.clone(),
            id,
            message: Some(msg.text.to_owned()),
            media,
            reply_markup: None,
            entities: entities_opt(msg.entities),
            schedule_date: None,
            schedule_repeat_period: None,
            quick_reply_shortcut_id: None,
            rich_message: None,
        })
        .await;
    match answer {
        Ok(u) => {
            feed::feed(call, &u, None);
            Ok(())
        }
        // The message already reads so (§1.9: answering success is allowed).
        Err(e) if is_rpc(&e, "MESSAGE_NOT_MODIFIED") => Ok(()),
        Err(e) => Err(e),
    }
}

/// A file or document with its caption, one message.
async fn send_media(
    call: &Call<'_>,
    msg: &Outgoing<'_>,
    media: tl::enums::InputMedia,
    ids: &mut RandomIds<'_>,
) -> Result<(), ApiError> {
    let answer = call
        .invoke_caching(&tl::functions::messages::SendMedia {
            silent: false,
            background: false,
            clear_draft: false,
            noforwards: false,
            update_stickersets_order: false,
            invert_media: false,
            allow_paid_floodskip: false,
            peer: msg.input_peer.clone(),
            reply_to: msg.reply.cloned(),
            media,
            message: msg.text.to_owned(),
            random_id: ids.next(),
            reply_markup: None,
            entities: entities_opt(msg.entities),
            schedule_date: None,
            schedule_repeat_period: None,
            send_as: None,
            quick_reply_shortcut: None,
            effect: None,
            allow_paid_stars: None,
            suggested_post: None,
        })
        .await;
    match answer {
        Ok(u) => {
            feed::feed(call, &u, Some(&msg.sent(msg.text, msg.entities)));
            Ok(())
        }
        Err(e) if is_rpc(&e, "RANDOM_ID_DUPLICATE") => Ok(()),
        Err(e) => Err(e),
    }
}

/// Text, split into Telegram's 4096-character messages (entities cut with it).
async fn send_text(
    call: &Call<'_>,
    msg: &Outgoing<'_>,
    ids: &mut RandomIds<'_>,
) -> Result<(), ApiError> {
    for (part, part_entities) in split::split(msg.text, msg.entities, split::MAX_MESSAGE) {
        let answer = call
            .invoke_caching(&tl::functions::messages::SendMessage {
                no_webpage: false,
                silent: false,
                background: false,
                clear_draft: false,
                noforwards: false,
                update_stickersets_order: false,
                invert_media: false,
                allow_paid_floodskip: false,
                peer: msg.input_peer.clone(),
                reply_to: msg.reply.cloned(),
                message: part.clone(),
                random_id: ids.next(),
                reply_markup: None,
                entities: entities_opt(&part_entities),
                schedule_date: None,
                schedule_repeat_period: None,
                send_as: None,
                quick_reply_shortcut: None,
                effect: None,
                allow_paid_stars: None,
                suggested_post: None,
                rich_message: None,
            })
            .await;
        match answer {
            Ok(u) => feed::feed(call, &u, Some(&msg.sent(&part, &part_entities))),
            // Already posted by an earlier attempt with the same `r` (§0.8).
            Err(e) if is_rpc(&e, "RANDOM_ID_DUPLICATE") => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

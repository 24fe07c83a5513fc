//! Own actions become updates (`methods-more.md` §0.9): the `Updates` Telegram answers a send or
//! an edit with go into the same queue the `updates` long poll reads, for every paired device.
//! The queue drops the copy that later arrives through the update stream (same chat, message
//! and edit date), so each appears once.

use grammers_tl_types as tl;

use super::super::Call;
use crate::model::peer::PeerId;

/// What the request sent, to complete a short `updateShortSentMessage`.
pub struct Sent<'a> {
    pub peer: i64,
    pub text: &'a str,
    pub entities: &'a [tl::enums::MessageEntity],
    pub reply_to: Option<&'a tl::enums::InputReplyTo>,
}

fn tl_peer(id: i64) -> tl::enums::Peer {
    let id = PeerId::new(id);
    match (id.channel_id(), id.chat_id()) {
        (Some(channel_id), _) => tl::types::PeerChannel { channel_id }.into(),
        (_, Some(chat_id)) => tl::types::PeerChat { chat_id }.into(),
        _ => tl::types::PeerUser { user_id: id.get() }.into(),
    }
}

/// Feeds the answer of one own Telegram call into the update queue.
pub fn feed(call: &Call<'_>, answer: &tl::enums::Updates, sent: Option<&Sent<'_>>) {
    use tl::enums::Updates as U;
    let hub = &call.state.updates;
    match answer {
        U::Updates(u) => {
            remember_documents(call, &u.updates);
            for x in &u.updates {
                hub.push(x.clone());
            }
        }
        U::Combined(u) => {
            remember_documents(call, &u.updates);
            for x in &u.updates {
                hub.push(x.clone());
            }
        }
        U::UpdateShort(u) => hub.push(u.update.clone()),
        U::UpdateShortSentMessage(s) => {
            if let Some(sent) = sent {
                let message = synthesise(call.self_id(), s, sent);
                hub.push(
                    tl::types::UpdateNewMessage {
                        message,
                        pts: s.pts,
                        pts_count: s.pts_count,
                    }
                    .into(),
                );
            }
        }
        _ => {}
    }
}

/// Documents in the messages of an answer, for a later `doc_id` send (§1.8).
fn remember_documents(call: &Call<'_>, updates: &[tl::enums::Update]) {
    for u in updates {
        let m = match u {
            tl::enums::Update::NewMessage(x) => &x.message,
            tl::enums::Update::NewChannelMessage(x) => &x.message,
            tl::enums::Update::EditMessage(x) => &x.message,
            tl::enums::Update::EditChannelMessage(x) => &x.message,
            _ => continue,
        };
        if let tl::enums::Message::Message(m) = m {
            if let Some(tl::enums::MessageMedia::Document(d)) = &m.media {
                if let Some(tl::enums::Document::Document(doc)) = &d.document {
                    call.state.send.remember_document(doc);
                }
            }
        }
    }
}

/// The full message of an `updateShortSentMessage`, from the request's own data.
fn synthesise(
    self_id: i64,
    s: &tl::types::UpdateShortSentMessage,
    sent: &Sent<'_>,
) -> tl::enums::Message {
    let reply_to = sent.reply_to.and_then(|r| match r {
        tl::enums::InputReplyTo::Message(r) => Some(
            tl::types::MessageReplyHeader {
                reply_to_scheduled: false,
                forum_topic: r.top_msg_id.is_some(),
                quote: false,
                reply_to_ephemeral: false,
                reply_to_msg_id: Some(r.reply_to_msg_id),
                reply_to_peer_id: None,
                reply_from: None,
                reply_media: None,
                reply_to_top_id: r.top_msg_id.filter(|t| *t != r.reply_to_msg_id),
                quote_text: None,
                quote_entities: None,
                quote_offset: None,
                todo_item_id: None,
                poll_option: None,
            }
            .into(),
        ),
        _ => None,
    });
    let entities = s
        .entities
        .clone()
        .or_else(|| (!sent.entities.is_empty()).then(|| sent.entities.to_vec()));
    tl::types::Message {
        out: true,
        mentioned: false,
        media_unread: false,
        silent: false,
        post: false,
        from_scheduled: false,
        legacy: false,
        edit_hide: false,
        pinned: false,
        noforwards: false,
        invert_media: false,
        offline: false,
        video_processing_pending: false,
        paid_suggested_post_stars: false,
        paid_suggested_post_ton: false,
        id: s.id,
        from_id: (self_id != 0).then(|| tl_peer(self_id)),
        from_boosts_applied: None,
        from_rank: None,
        peer_id: tl_peer(sent.peer),
        saved_peer_id: None,
        fwd_from: None,
        via_bot_id: None,
        via_business_bot_id: None,
        guestchat_via_from: None,
        reply_to,
        date: s.date,
        message: sent.text.to_owned(),
        media: s.media.clone(),
        reply_markup: None,
        entities,
        views: None,
        forwards: None,
        replies: None,
        edit_date: None,
        post_author: None,
        grouped_id: None,
        reactions: None,
        restriction_reason: None,
        ttl_period: s.ttl_period,
        quick_reply_shortcut_id: None,
        effect: None,
        factcheck: None,
        report_delivery_until_date: None,
        paid_message_stars: None,
        suggested_post: None,
        schedule_repeat_period: None,
        summary_from_language: None,
        rich_message: None,
    }
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model;

    #[test]
    fn short_sent_message_becomes_a_full_outgoing_message() {
        let s = tl::types::UpdateShortSentMessage {
            out: true,
            id: 77,
            pts: 5,
            pts_count: 1,
            date: 1000,
            media: None,
            entities: None,
            ttl_period: None,
        };
        let reply: tl::enums::InputReplyTo = tl::types::InputReplyToMessage {
            reply_to_msg_id: 5,
            top_msg_id: None,
            reply_to_peer_id: None,
            quote_text: None,
            quote_entities: None,
            quote_offset: None,
            monoforum_peer_id: None,
            todo_item_id: None,
            poll_option: None,
        }
        .into();
        let m = synthesise(
            1,
            &s,
            &Sent {
                peer: -42,
                text: "hi",
                entities: &[],
                reply_to: Some(&reply),
            },
        );
        assert_eq!(model::message::message_id(&m), 77);
        assert_eq!(model::message::message_peer_id(&m), Some(-42));
        assert_eq!(model::message::message_from_id(&m), Some(1));
        let tl::enums::Message::Message(m) = m else {
            panic!("a message")
        };
        assert!(m.out);
        assert_eq!(m.message, "hi");
        assert!(m.reply_to.is_some());
    }
}

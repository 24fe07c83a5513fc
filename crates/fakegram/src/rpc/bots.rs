//! Bots and polls: callback buttons (`messages.getBotCallbackAnswer`), `messages.startBot`,
//! `messages.sendVote`.

use grammers_tl_types::{enums as e, functions as f, types as t};

use super::{resolve_peer, resolve_user, Ctx, RpcErr, RpcResult};
use crate::world::{self, Button, CallbackPress, Media, MsgRec, Peer};

/// A bot in [`World::callback_bots`](crate::World) answers a press of one of its message's
/// callback buttons; "Refresh" also edits the message, as weather bots do.
pub fn get_bot_callback_answer(
    ctx: &Ctx<'_>,
    req: f::messages::GetBotCallbackAnswer,
) -> RpcResult<e::messages::BotCallbackAnswer> {
    let mut w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    let msg = w
        .message(peer, req.msg_id)
        .ok_or_else(|| RpcErr::bad("MESSAGE_ID_INVALID"))?;
    let data = req.data.unwrap_or_default();
    let button = msg
        .markup
        .iter()
        .flatten()
        .find_map(|b| match b {
            Button::Callback { text, data: d } if *d == data => Some(text.clone()),
            _ => None,
        })
        .ok_or_else(|| RpcErr::bad("DATA_INVALID"))?;
    let Some(Peer::User(bot)) = msg.from else {
        return Err(RpcErr::bad("BOT_RESPONSE_TIMEOUT"));
    };
    w.activity.callbacks.push(CallbackPress {
        peer,
        msg_id: req.msg_id,
        data,
    });
    if !w.callback_bots.contains(&bot) {
        // The press reached the bot, which never answers.
        return Err(RpcErr::bad("BOT_RESPONSE_TIMEOUT"));
    }
    let mut answer = t::messages::BotCallbackAnswer {
        alert: false,
        has_url: false,
        native_ui: false,
        message: None,
        url: None,
        cache_time: 0,
    };
    match button.as_str() {
        "Refresh" => {
            answer.message = Some("Updated just now".into());
            let text = "Today: 19°C, cloudy ☁️\nTomorrow: 21°C, sunny ☀️".to_owned();
            if let Some(entry) = w.edit_message(peer, req.msg_id, text, Vec::new()) {
                ctx.shared.publish(&w, std::slice::from_ref(&entry));
            }
        }
        "Week" => {
            answer.has_url = true;
            answer.url = Some("https://example.org/weather/week".into());
        }
        "Alerts" => {
            answer.alert = true;
            answer.message = Some("No weather alerts for your area".into());
        }
        other => answer.message = Some(format!("{other}: done")),
    }
    Ok(e::messages::BotCallbackAnswer::Answer(answer))
}

/// `/start <param>` from us to the bot, in the bot's chat or in `peer`.
pub fn start_bot(ctx: &Ctx<'_>, req: f::messages::StartBot) -> RpcResult<e::Updates> {
    let mut w = ctx.world();
    let bot = resolve_user(&w, &req.bot)?;
    if !w.user(bot).is_some_and(|u| u.bot) {
        return Err(RpcErr::bad("BOT_INVALID"));
    }
    let peer = resolve_peer(&w, &req.peer)?;
    if req.start_param.is_empty() {
        return Err(RpcErr::bad("START_PARAM_EMPTY"));
    }
    if req.start_param.len() > 64
        || !req
            .start_param
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(RpcErr::bad("START_PARAM_INVALID"));
    }
    if w.sent_random_ids.contains_key(&(peer, req.random_id)) {
        return Err(RpcErr::bad("RANDOM_ID_DUPLICATE"));
    }
    let me = w.me;
    let text = format!("/start {}", req.start_param);
    let m = MsgRec::text(peer, Some(Peer::User(me)), true, world::now(), &text);
    let (id, entry) = w.post(m);
    w.sent_random_ids.insert((peer, req.random_id), id);
    ctx.shared.publish(&w, std::slice::from_ref(&entry));
    Ok(super::send::sent_updates(&w, &[(req.random_id, entry)]))
}

/// Votes (or, with no options, retracts the vote) in a poll.
pub fn send_vote(ctx: &Ctx<'_>, req: f::messages::SendVote) -> RpcResult<e::Updates> {
    let mut w = ctx.world();
    let peer = resolve_peer(&w, &req.peer)?;
    let msg = w
        .message_mut(peer, req.msg_id)
        .ok_or_else(|| RpcErr::bad("MESSAGE_ID_INVALID"))?;
    let Some(Media::Poll(poll)) = msg.media.as_mut() else {
        return Err(RpcErr::bad("MESSAGE_ID_INVALID"));
    };
    if poll.closed {
        return Err(RpcErr::bad("MESSAGE_POLL_CLOSED"));
    }
    let mut chosen = Vec::new();
    for o in &req.options {
        match o.as_slice() {
            [i] if usize::from(*i) < poll.answers.len() => chosen.push(usize::from(*i)),
            _ => return Err(RpcErr::bad("OPTION_INVALID")),
        }
    }
    chosen.dedup();
    if chosen.len() > 1 && !poll.multiple {
        return Err(RpcErr::bad("OPTION_INVALID"));
    }
    if chosen.is_empty() && poll.chosen.is_empty() {
        return Err(RpcErr::bad("POLL_VOTE_REQUIRED"));
    }
    for i in std::mem::take(&mut poll.chosen) {
        poll.answers[i].1 -= 1;
    }
    for &i in &chosen {
        poll.answers[i].1 += 1;
    }
    poll.chosen = chosen;
    // Telegram also sends `updateMessagePoll` here; no MPGram answer carries it (updates.md)
    // and clients learn results by reloading, so the answer carries none. (It once failed to
    // read in grammers for the reason `world/tl.rs` now notes at `recent_voters`.)
    Ok(e::Updates::Updates(t::Updates {
        updates: Vec::new(),
        users: Vec::new(),
        chats: Vec::new(),
        date: world::now(),
        seq: 0,
    }))
}

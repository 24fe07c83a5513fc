//! updates.*: state and the catch-up a reconnecting client asks for.

use grammers_tl_types::{enums as e, functions as f, types as t};

use super::{resolve_channel, Ctx, RpcResult};
use crate::world::{self, tl as wtl, Event, LoggedUpdate, Peer, World};

pub fn state(w: &World) -> e::updates::State {
    let unread_count = w.dialogs.iter().map(|d| w.unread_count(d)).sum();
    e::updates::State::State(t::updates::State {
        pts: w.pts,
        qts: 0,
        date: world::now(),
        seq: 0,
        unread_count,
    })
}

pub fn get_state(ctx: &Ctx<'_>, _: f::updates::GetState) -> RpcResult<e::updates::State> {
    Ok(state(&ctx.world()))
}

/// Splits logged events into new messages and other updates, with the peers they mention.
fn replay(
    w: &World,
    entries: &[LoggedUpdate],
) -> (Vec<e::Message>, Vec<e::Update>, Vec<e::Chat>, Vec<e::User>) {
    let mut messages = Vec::new();
    let mut others = Vec::new();
    let mut users = Vec::new();
    let mut chats = Vec::new();
    for entry in entries {
        match &entry.event {
            Event::NewMessage { peer, id } => {
                if let Some(m) = w.message(*peer, *id) {
                    messages.push(wtl::message(w, m));
                }
            }
            _ => others.extend(wtl::update(w, entry)),
        }
        let (us, cs) = wtl::update_peers(w, entry);
        users.extend(us);
        chats.extend(cs);
    }
    (messages, others, chats, users)
}

pub fn get_difference(
    ctx: &Ctx<'_>,
    req: f::updates::GetDifference,
) -> RpcResult<e::updates::Difference> {
    let w = ctx.world();
    if req.pts >= w.pts {
        return Ok(e::updates::Difference::Empty(t::updates::DifferenceEmpty {
            date: world::now(),
            seq: 0,
        }));
    }
    let entries = w.common_since(req.pts);
    let (new_messages, other_updates, chats, users) = replay(&w, &entries);
    Ok(e::updates::Difference::Difference(t::updates::Difference {
        new_messages,
        new_encrypted_messages: Vec::new(),
        other_updates,
        chats,
        users,
        state: state(&w),
    }))
}

pub fn get_channel_difference(
    ctx: &Ctx<'_>,
    req: f::updates::GetChannelDifference,
) -> RpcResult<e::updates::ChannelDifference> {
    let w = ctx.world();
    let id = resolve_channel(&w, &req.channel)?;
    let pts = w.chat(id).map_or(1, |c| c.pts);
    if req.pts >= pts {
        return Ok(e::updates::ChannelDifference::Empty(
            t::updates::ChannelDifferenceEmpty {
                r#final: true,
                pts,
                timeout: None,
            },
        ));
    }
    let entries = w.channel_since(id, req.pts);
    let (new_messages, other_updates, mut chats, users) = replay(&w, &entries);
    if chats.is_empty() {
        chats = wtl::peer_lists(&w, [], [Peer::Channel(id).bare_id()]).1;
    }
    Ok(e::updates::ChannelDifference::Difference(
        t::updates::ChannelDifference {
            r#final: true,
            pts,
            timeout: None,
            new_messages,
            other_updates,
            chats,
            users,
        },
    ))
}

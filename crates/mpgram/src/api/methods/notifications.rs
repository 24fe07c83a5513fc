//! `notifications` (`updates.md` §6, §8.5): a short read of new messages for the phone's
//! notification loop, with per-chat mute settings kept in a small cache.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use grammers_tl_types as tl;

use super::peers::is_channel;
use super::updates::{clamp_offset, hub, update_peer};
use super::Call;
use crate::api::error::ApiError;
use crate::api::json::{Object, Value};
use crate::api::params::lenient_int;
use crate::model;
use crate::telegram::{unix_now, Account};

/// How long a chat's notification setting is trusted (the reference's library: an hour; a
/// person who unmutes a chat should see it sooner).
const MUTE_TTL: Duration = Duration::from_mins(2);
/// Longest wait for a chat's setting before it is treated as unknown.
const MUTE_LOOKUP: Duration = Duration::from_secs(5);
/// `notifications` waits this long when nothing is queued; it never long-polls.
const SHORT_WAIT: Duration = Duration::from_secs(1);

/// Per-chat `mute_until` (`None`: the chat has no setting of its own), one Telegram call per
/// chat per [`MUTE_TTL`] instead of one per message. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct MuteCache(Arc<Mutex<MuteMap>>);

/// Chat → (its own `mute_until`, when it was learnt).
type MuteMap = HashMap<i64, (Option<i32>, Instant)>;

impl MuteCache {
    /// The chat's own `mute_until`, or `None` when it has none or it cannot be learnt now.
    pub async fn own_mute_until(&self, account: &Account, peer: i64) -> Option<i32> {
        let now = Instant::now();
        if let Some((v, at)) = self.lock().get(&peer) {
            if now.duration_since(*at) < MUTE_TTL {
                return *v;
            }
        }
        let input = account.input_peer(peer)?;
        let request = tl::functions::account::GetNotifySettings {
            peer: tl::enums::InputNotifyPeer::Peer(tl::types::InputNotifyPeer { peer: input }),
        };
        let Ok(Ok(tl::enums::PeerNotifySettings::Settings(s))) =
            tokio::time::timeout(MUTE_LOOKUP, account.invoke(&request)).await
        else {
            return None;
        };
        let mut map = self.lock();
        map.retain(|_, (_, at)| now.duration_since(*at) < MUTE_TTL);
        map.insert(peer, (s.mute_until, now));
        s.mute_until
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MuteMap> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The account-wide mute switches the client passes (`mu`/`mc`/`mb`, or the old
/// `mute_users`/`mute_chats`/`mute_broadcasts` when `mute_users` is *non-empty*).
struct Defaults {
    users: bool,
    chats: bool,
    broadcasts: bool,
}

impl Defaults {
    fn from_call(call: &Call<'_>) -> Self {
        let on = |name: &str| call.params.lenient(name).unwrap_or(0) != 0;
        if call.params.non_empty("mute_users").is_some() {
            Self {
                users: on("mute_users"),
                chats: on("mute_chats"),
                broadcasts: on("mute_broadcasts"),
            }
        } else {
            Self {
                users: on("mu"),
                chats: on("mc"),
                broadcasts: on("mb"),
            }
        }
    }
}

fn message_of(u: &tl::enums::Update) -> Option<(&tl::types::Message, i32, i32)> {
    let (m, pts, pts_count) = match u {
        tl::enums::Update::NewMessage(x) => (&x.message, x.pts, x.pts_count),
        tl::enums::Update::NewChannelMessage(x) => (&x.message, x.pts, x.pts_count),
        _ => return None,
    };
    match m {
        tl::enums::Message::Message(m) => Some((m, pts, pts_count)),
        _ => None,
    }
}

/// `notifications`: new messages with `update_id > offset`, and `offset` = the highest
/// `update_id` examined. Reference bug: it answered highest + 1 and then skipped exactly that
/// update, so the message after every notification was lost.
pub async fn notifications(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let offset = lenient_int(call.params.required_set("offset")?);
    if call.params.flag("online") {
        // Best effort, as in the reference: a failure does not hide the notifications.
        let _ = call
            .invoke(&tl::functions::account::UpdateStatus { offline: false })
            .await;
    }
    let hub = hub(call);
    let offset = clamp_offset(hub, offset);
    let limit = match call.params.lenient("limit") {
        Some(l) if l >= 1 => usize::try_from(l).unwrap_or(1000),
        _ => 1000,
    };
    let include_muted = call.params.flag("include_muted");
    let peers: Option<Vec<i64>> = call
        .params
        .non_empty("peers")
        .map(|p| p.split(',').map(lenient_int).collect());
    let defaults = Defaults::from_call(call);
    let self_id = call.self_id();
    let mut watch = hub.watch();
    watch.borrow_and_update();
    let mut entries = hub.after(offset, limit);
    if entries.is_empty() {
        let _ = tokio::time::timeout(SHORT_WAIT, watch.changed()).await;
        entries = hub.after(offset, limit);
    }
    let cx = call.model_ctx();
    let now = unix_now();
    let mut running = offset;
    let mut out = Vec::new();
    for e in entries {
        running = e.id;
        let Some((m, pts, pts_count)) = message_of(&e.update) else {
            continue;
        };
        let Some((peer, _)) = update_peer(&e.update, self_id) else {
            continue;
        };
        let mut muted = false;
        let listed_channel = is_channel(peer) && peers.is_some();
        if listed_channel {
            if !peers.as_ref().is_some_and(|p| p.contains(&peer)) {
                continue;
            }
        } else if !m.mentioned {
            muted = match call.state.mutes.own_mute_until(call.account, peer).await {
                // Telegram keeps an old time after a temporary mute ends: only a future one mutes.
                Some(until) => until > now,
                None if peer > 0 => defaults.users,
                None if m.post => defaults.broadcasts,
                None => defaults.chats,
            };
        }
        if muted && !include_muted {
            continue;
        }
        let mut o = Object::new()
            .with("_", super::updates::type_name(&e.update))
            .with(
                "message",
                model::message_short(&tl::enums::Message::Message(m.clone()), &cx),
            )
            .with("pts", pts)
            .with("pts_count", pts_count);
        if muted {
            o.insert("mute", true);
        }
        out.push(Value::Object(o));
    }
    Ok(Object::new()
        .with("res", Value::Array(out))
        .with("offset", i64::from(running)))
}

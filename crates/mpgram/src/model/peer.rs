//! Peer ids (`models.md` §1) and the `users`/`chats` maps (§5).

use grammers_tl_types as tl;
use tl::enums as e;

use super::{chat::chat, user::user, ModelCtx};
use crate::wire::json::Object;
pub use crate::wire::peer_id::{PeerId, PeerKind};

/// A basic group's peer id: `-chat_id`.
pub fn chat_peer_id(chat_id: i64) -> i64 {
    PeerId::basic_group(chat_id).get()
}

/// A channel's (or supergroup's, or community's) peer id: `-1000000000000 - channel_id`.
pub fn channel_peer_id(channel_id: i64) -> i64 {
    PeerId::channel(channel_id).get()
}

/// The MPGram (bot-API style) id of a Telegram peer.
pub fn peer_id(peer: &e::Peer) -> i64 {
    match peer {
        e::Peer::User(u) => u.user_id,
        e::Peer::Chat(c) => chat_peer_id(c.chat_id),
        e::Peer::Channel(c) => channel_peer_id(c.channel_id),
    }
}

/// The peer id of a user object (its Telegram id).
pub fn user_peer_id(u: &e::User) -> i64 {
    match u {
        e::User::Empty(x) => x.id,
        e::User::User(x) => x.id,
    }
}

/// The peer id of a chat object: negative, in the channel range for channels, supergroups and
/// communities.
pub fn chat_object_peer_id(c: &e::Chat) -> i64 {
    match c {
        e::Chat::Empty(x) => chat_peer_id(x.id),
        e::Chat::Chat(x) => chat_peer_id(x.id),
        e::Chat::Forbidden(x) => chat_peer_id(x.id),
        e::Chat::Channel(x) => channel_peer_id(x.id),
        e::Chat::ChannelForbidden(x) => channel_peer_id(x.id),
        e::Chat::Community(x) => channel_peer_id(x.id),
        e::Chat::CommunityForbidden(x) => channel_peer_id(x.id),
    }
}

/// `users` and `chats` keyed by peer id (`models.md` §5). The caller omits a map that is empty
/// (never `{}`) and filters the lists first where the method says so (`getDialogs`). A peer
/// listed twice keeps its first position and the last object, as PHP arrays do.
pub fn peer_maps(users: &[e::User], chats: &[e::Chat], cx: &ModelCtx) -> (Object, Object) {
    let mut u = Object::with_capacity(users.len());
    for x in users {
        u.insert(user_peer_id(x).to_string(), user(x, cx));
    }
    let mut c = Object::with_capacity(chats.len());
    for x in chats {
        c.insert(chat_object_peer_id(x).to_string(), chat(x, cx));
    }
    (u, c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl::types as t;

    #[test]
    fn bot_api_ids() {
        let user = e::Peer::User(t::PeerUser {
            user_id: 987_654_321,
        });
        let chat = e::Peer::Chat(t::PeerChat { chat_id: 456_789 });
        let chan = e::Peer::Channel(t::PeerChannel {
            channel_id: 1_234_567_890,
        });
        assert_eq!(peer_id(&user), 987_654_321);
        assert_eq!(peer_id(&chat), -456_789);
        assert_eq!(peer_id(&chan), -1_001_234_567_890);
    }
}

//! Answers that carry users and chats. [`Account::invoke_caching`](super::Account::invoke_caching)
//! remembers their access hashes (and usernames) as the answer arrives, so every later step of a
//! method can address those peers with no round trip.

use grammers_tl_types as tl;
use tl::enums as e;

/// The users and chats an answer carries.
pub trait CarriesPeers {
    fn users(&self) -> &[e::User];
    fn chats(&self) -> &[e::Chat];
}

/// Answers with one shape: `users` and `chats` fields on a single constructor.
macro_rules! one_shape {
    ($($ty:ty => $variant:path),* $(,)?) => {$(
        impl CarriesPeers for $ty {
            fn users(&self) -> &[e::User] {
                let $variant(x) = self;
                &x.users
            }
            fn chats(&self) -> &[e::Chat] {
                let $variant(x) = self;
                &x.chats
            }
        }
    )*};
}

one_shape! {
    e::contacts::ResolvedPeer => e::contacts::ResolvedPeer::Peer,
    e::contacts::Found => e::contacts::Found::Found,
    e::users::UserFull => e::users::UserFull::Full,
    e::messages::ChatFull => e::messages::ChatFull::Full,
    e::messages::PeerDialogs => e::messages::PeerDialogs::Dialogs,
    e::messages::ForumTopics => e::messages::ForumTopics::Topics,
    e::messages::DiscussionMessage => e::messages::DiscussionMessage::Message,
}

/// `users.getUsers`.
impl CarriesPeers for Vec<e::User> {
    fn users(&self) -> &[e::User] {
        self
    }
    fn chats(&self) -> &[e::Chat] {
        &[]
    }
}

impl CarriesPeers for e::messages::Messages {
    fn users(&self) -> &[e::User] {
        use e::messages::Messages as M;
        match self {
            M::Messages(x) => &x.users,
            M::Slice(x) => &x.users,
            M::ChannelMessages(x) => &x.users,
            M::NotModified(_) => &[],
        }
    }
    fn chats(&self) -> &[e::Chat] {
        use e::messages::Messages as M;
        match self {
            M::Messages(x) => &x.chats,
            M::Slice(x) => &x.chats,
            M::ChannelMessages(x) => &x.chats,
            M::NotModified(_) => &[],
        }
    }
}

impl CarriesPeers for e::messages::Dialogs {
    fn users(&self) -> &[e::User] {
        use e::messages::Dialogs as D;
        match self {
            D::Dialogs(x) => &x.users,
            D::Slice(x) => &x.users,
            D::NotModified(_) => &[],
        }
    }
    fn chats(&self) -> &[e::Chat] {
        use e::messages::Dialogs as D;
        match self {
            D::Dialogs(x) => &x.chats,
            D::Slice(x) => &x.chats,
            D::NotModified(_) => &[],
        }
    }
}

impl CarriesPeers for e::messages::Chats {
    fn users(&self) -> &[e::User] {
        &[]
    }
    fn chats(&self) -> &[e::Chat] {
        match self {
            e::messages::Chats::Chats(x) => &x.chats,
            e::messages::Chats::Slice(x) => &x.chats,
        }
    }
}

impl CarriesPeers for e::contacts::Contacts {
    fn users(&self) -> &[e::User] {
        match self {
            e::contacts::Contacts::Contacts(x) => &x.users,
            e::contacts::Contacts::NotModified => &[],
        }
    }
    fn chats(&self) -> &[e::Chat] {
        &[]
    }
}

impl CarriesPeers for e::channels::ChannelParticipants {
    fn users(&self) -> &[e::User] {
        match self {
            e::channels::ChannelParticipants::Participants(x) => &x.users,
            e::channels::ChannelParticipants::NotModified => &[],
        }
    }
    fn chats(&self) -> &[e::Chat] {
        match self {
            e::channels::ChannelParticipants::Participants(x) => &x.chats,
            e::channels::ChannelParticipants::NotModified => &[],
        }
    }
}

impl CarriesPeers for e::messages::ExportedChatInvites {
    fn users(&self) -> &[e::User] {
        let e::messages::ExportedChatInvites::Invites(x) = self;
        &x.users
    }
    fn chats(&self) -> &[e::Chat] {
        &[]
    }
}

/// `messages.checkChatInvite`: the chat of a link the account is in, or may peek into.
impl CarriesPeers for e::ChatInvite {
    fn users(&self) -> &[e::User] {
        &[]
    }
    fn chats(&self) -> &[e::Chat] {
        match self {
            e::ChatInvite::Already(a) => std::slice::from_ref(&a.chat),
            e::ChatInvite::Peek(p) => std::slice::from_ref(&p.chat),
            e::ChatInvite::Invite(_) => &[],
        }
    }
}

/// The answer of a call that changes something (sending, editing, forwarding).
impl CarriesPeers for e::Updates {
    fn users(&self) -> &[e::User] {
        match self {
            e::Updates::Updates(u) => &u.users,
            e::Updates::Combined(u) => &u.users,
            _ => &[],
        }
    }
    fn chats(&self) -> &[e::Chat] {
        match self {
            e::Updates::Updates(u) => &u.chats,
            e::Updates::Combined(u) => &u.chats,
            _ => &[],
        }
    }
}

//! Bot-API peer ids, the ids MPGram speaks (`protocol.md` §10, `models.md` §1): users keep their
//! Telegram id, basic groups are `-chat_id`, channels (supergroups, communities) are
//! `-(1000000000000 + channel_id)`. The one place that knows the channel offset.

use std::fmt;

/// The bot-API channel offset: channel peer ids are at or below `-CHANNEL_OFFSET`.
const CHANNEL_OFFSET: i64 = 1_000_000_000_000;

/// What kind of peer an id names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerKind {
    User,
    BasicGroup,
    Channel,
}

/// One bot-API peer id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(i64);

impl PeerId {
    /// The id as MPGram writes it (any `i64`: ids from clients are taken as they come).
    #[must_use]
    pub const fn new(id: i64) -> Self {
        Self(id)
    }

    /// A user's peer id: its Telegram id.
    #[must_use]
    pub const fn user(user_id: i64) -> Self {
        Self(user_id)
    }

    /// A basic group's peer id: `-chat_id`.
    #[must_use]
    pub const fn basic_group(chat_id: i64) -> Self {
        Self(chat_id.wrapping_neg())
    }

    /// A channel's (or supergroup's, or community's) peer id: `-1000000000000 - channel_id`.
    #[must_use]
    pub const fn channel(channel_id: i64) -> Self {
        Self((-CHANNEL_OFFSET).wrapping_sub(channel_id))
    }

    #[must_use]
    pub const fn get(self) -> i64 {
        self.0
    }

    /// Positive ids are users, ids at or below `-1000000000000` channels, the rest (0 included,
    /// as the reference treats it) basic groups.
    #[must_use]
    pub const fn kind(self) -> PeerKind {
        if self.0 > 0 {
            PeerKind::User
        } else if self.0 <= -CHANNEL_OFFSET {
            PeerKind::Channel
        } else {
            PeerKind::BasicGroup
        }
    }

    #[must_use]
    pub const fn is_channel(self) -> bool {
        matches!(self.kind(), PeerKind::Channel)
    }

    /// Telegram's `channel_id` of a channel peer id.
    #[must_use]
    pub const fn channel_id(self) -> Option<i64> {
        if self.is_channel() {
            Some((-self.0).wrapping_sub(CHANNEL_OFFSET))
        } else {
            None
        }
    }

    /// Telegram's `chat_id` of a basic group's peer id.
    #[must_use]
    pub const fn chat_id(self) -> Option<i64> {
        match self.kind() {
            PeerKind::BasicGroup => Some(self.0.wrapping_neg()),
            _ => None,
        }
    }
}

impl From<PeerId> for i64 {
    fn from(id: PeerId) -> i64 {
        id.0
    }
}

impl fmt::Display for PeerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_kinds() {
        let u = PeerId::user(987_654_321);
        assert_eq!((u.get(), u.kind()), (987_654_321, PeerKind::User));
        let g = PeerId::basic_group(456_789);
        assert_eq!((g.get(), g.kind()), (-456_789, PeerKind::BasicGroup));
        assert_eq!(g.chat_id(), Some(456_789));
        let c = PeerId::channel(1_234_567_890);
        assert_eq!((c.get(), c.kind()), (-1_001_234_567_890, PeerKind::Channel));
        assert_eq!(c.channel_id(), Some(1_234_567_890));
        assert_eq!(c.chat_id(), None);
        assert_eq!(u.channel_id(), None);
    }

    #[test]
    fn the_boundary() {
        assert!(PeerId::new(-1_000_000_000_000).is_channel());
        assert_eq!(PeerId::new(-1_000_000_000_000).channel_id(), Some(0));
        assert_eq!(PeerId::new(-999_999_999_999).kind(), PeerKind::BasicGroup);
        assert_eq!(PeerId::new(0).kind(), PeerKind::BasicGroup);
        assert_eq!(PeerId::new(1).kind(), PeerKind::User);
    }
}

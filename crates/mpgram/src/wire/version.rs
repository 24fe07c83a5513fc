//! The `v` parameter and every version gate of the reference (`protocol.md` §3, §4.2).
//!
//! Method code asks a named question (`v.has_compact_peer_keys()`) instead of comparing numbers,
//! so it reads like the spec's gate table. v12 is served exactly as v11: no gate differs between
//! them.

/// A validated API version, `2..=12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion(u8);

/// Oldest version accepted (`MIN_API_VERSION`).
pub const MIN_VERSION: u8 = 2;
/// Newest version accepted: the J2ME client sends 12; the reference stops at 11.
pub const MAX_VERSION: u8 = 12;
/// The reference's `API_VERSION`; all shape gates top out here.
pub const REFERENCE_VERSION: u8 = 11;
/// Login methods need at least this. Fixed at 10, not "max − 1", so v10 clients keep working.
pub const MIN_LOGIN_VERSION: u8 = 10;
/// Value of `X-Server-Api-Version`: the maximum we accept.
pub const SERVER_API_VERSION: u8 = MAX_VERSION;

/// How a message's media is written when the request did not ask for media (`media` not truthy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiddenMedia {
    /// v < 5: `"media":{"_":0}`.
    Placeholder,
    /// 5 ≤ v < 9: `"media":null`.
    Null,
    /// v ≥ 9: `"media":{"type":"<kind>","hide":1}`.
    TypeAndHide,
}

impl ApiVersion {
    pub const V11: Self = Self(11);
    pub const V12: Self = Self(12);

    /// `Some` when `v` is in the accepted range.
    pub fn new(v: i64) -> Option<Self> {
        u8::try_from(v)
            .ok()
            .filter(|v| (MIN_VERSION..=MAX_VERSION).contains(v))
            .map(Self)
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// v ≥ 5 — the compact keys of the v5 redesign: User `fn`/`ln`/`name` and `p`,`k`,`b`,`s`,`w`;
    /// Chat `t`/`name` and `p`,`c`,`f`,`l`; Dialog `unread`/`pin`/`mentions`. Below 5: User
    /// `first_name`/`last_name`/`username`, Chat `title`/`username`, Dialog
    /// `unread_count`/`pinned`.
    pub fn has_compact_peer_keys(self) -> bool {
        self.0 >= 5
    }

    /// v < 11 — Chat carries `type` (the raw constructor name).
    pub fn chat_has_type(self) -> bool {
        self.0 < 11
    }

    /// v ≥ 11 — Dialog gets `read_in`, `read_out`, `silent`.
    pub fn dialog_has_read_state(self) -> bool {
        self.0 >= 11
    }

    /// v ≥ 5 — Message: `entities` (full form), reply key `id` (else `msg`), `reply.msg` fetched
    /// (full form), `group`, and `markup`/`once` (with media).
    pub fn message_has_rich_fields(self) -> bool {
        self.0 >= 5
    }

    /// Reply id key: `id` for v ≥ 5, `msg` before.
    pub fn reply_id_key(self) -> &'static str {
        if self.message_has_rich_fields() {
            "id"
        } else {
            "msg"
        }
    }

    /// What `media` looks like when media was not requested.
    pub fn hidden_media(self) -> HiddenMedia {
        match self.0 {
            ..5 => HiddenMedia::Placeholder,
            5..9 => HiddenMedia::Null,
            _ => HiddenMedia::TypeAndHide,
        }
    }

    /// v ≥ 7 — Message gets `edit`.
    pub fn message_has_edit(self) -> bool {
        self.0 >= 7
    }

    /// v ≥ 8 — Message gets `silent`, `mention`, `comments`.
    pub fn message_has_silent_mention_comments(self) -> bool {
        self.0 >= 8
    }

    /// v ≥ 9 — photo media gets `w`, `h`.
    pub fn photo_has_size(self) -> bool {
        self.0 >= 9
    }

    /// v ≥ 10 — document media gets `w`, `h` (from the image-size attribute).
    pub fn document_has_size(self) -> bool {
        self.0 >= 10
    }

    /// v ≥ 10 — audio gets `wave`.
    pub fn audio_has_wave(self) -> bool {
        self.0 >= 10
    }

    /// v ≥ 10 — reply gets `top`.
    pub fn reply_has_top(self) -> bool {
        self.0 >= 10
    }

    /// v ≥ 10 — Message gets `reacts`.
    pub fn message_has_reacts(self) -> bool {
        self.0 >= 10
    }

    /// v ≥ 11 — poll media gets full details; before, only `{"type":"poll"}`.
    pub fn poll_has_details(self) -> bool {
        self.0 >= 11
    }

    /// v < 5 — `getDialogs` ignores `f`, re-sorts dialogs and puts last messages (full form) in a
    /// separate `messages` map keyed by peer ID with a `"-1":0` placeholder; `getAllDialogs` does
    /// the same when `fields` lists `messages`. v ≥ 5: `msg` inside each dialog, `f` honoured.
    pub fn dialogs_use_messages_map(self) -> bool {
        self.0 < 5
    }

    /// v ≥ 11 — `cancelUpdates` answers `res` as `1`/`0`; before, a JSON boolean.
    pub fn cancel_updates_res_is_int(self) -> bool {
        self.0 >= 11
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "in tests a panic is the failure report")]
mod tests {
    use super::*;

    #[test]
    fn v12_passes_every_gate_like_v11() {
        let (a, b) = (ApiVersion::V11, ApiVersion::V12);
        let gates: [fn(ApiVersion) -> bool; 14] = [
            ApiVersion::has_compact_peer_keys,
            ApiVersion::chat_has_type,
            ApiVersion::dialog_has_read_state,
            ApiVersion::message_has_rich_fields,
            ApiVersion::message_has_edit,
            ApiVersion::message_has_silent_mention_comments,
            ApiVersion::photo_has_size,
            ApiVersion::document_has_size,
            ApiVersion::audio_has_wave,
            ApiVersion::reply_has_top,
            ApiVersion::message_has_reacts,
            ApiVersion::poll_has_details,
            ApiVersion::dialogs_use_messages_map,
            ApiVersion::cancel_updates_res_is_int,
        ];
        for g in gates {
            assert_eq!(g(a), g(b));
        }
        assert_eq!(a.hidden_media(), b.hidden_media());
        assert_eq!(a.reply_id_key(), b.reply_id_key());
    }

    #[test]
    fn gate_boundaries_match_the_spec_table() {
        let at = |n: i64| ApiVersion::new(n).unwrap();
        assert!(!at(4).has_compact_peer_keys() && at(5).has_compact_peer_keys());
        assert!(at(10).chat_has_type() && !at(11).chat_has_type());
        assert!(!at(10).dialog_has_read_state() && at(11).dialog_has_read_state());
        assert_eq!(at(4).reply_id_key(), "msg");
        assert_eq!(at(5).reply_id_key(), "id");
        assert_eq!(at(4).hidden_media(), HiddenMedia::Placeholder);
        assert_eq!(at(5).hidden_media(), HiddenMedia::Null);
        assert_eq!(at(8).hidden_media(), HiddenMedia::Null);
        assert_eq!(at(9).hidden_media(), HiddenMedia::TypeAndHide);
        assert!(!at(6).message_has_edit() && at(7).message_has_edit());
        assert!(
            !at(7).message_has_silent_mention_comments()
                && at(8).message_has_silent_mention_comments()
        );
        assert!(!at(8).photo_has_size() && at(9).photo_has_size());
        assert!(!at(9).document_has_size() && at(10).document_has_size());
        assert!(!at(9).audio_has_wave() && at(10).audio_has_wave());
        assert!(!at(9).reply_has_top() && at(10).reply_has_top());
        assert!(!at(9).message_has_reacts() && at(10).message_has_reacts());
        assert!(!at(10).poll_has_details() && at(11).poll_has_details());
        assert!(at(4).dialogs_use_messages_map() && !at(5).dialogs_use_messages_map());
        assert!(!at(10).cancel_updates_res_is_int() && at(11).cancel_updates_res_is_int());
    }
}

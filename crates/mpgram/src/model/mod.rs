//! Telegram objects → MPGram JSON objects (`models.md`).
//!
//! Pure functions over raw TL objects (`grammers_tl_types`): no network, no HTTP. A method
//! handler builds one [`ModelCtx`] from the request (version, headers, `media`, `fields`) and
//! calls [`user`], [`chat`], [`peer_maps`], [`dialog`], [`message`] / [`message_short`].
//!
//! What needs Telegram round trips is left to the caller and plugged in afterwards:
//! `reply.msg` (the replied message, `models.md` §7.9) is added with [`attach_reply`] or built
//! in one go with [`message_with_reply`].
//!
//! Files: [`peer`] ids, [`user`](mod@user), [`chat`](mod@chat), [`dialog`](mod@dialog),
//! [`message`](mod@message) (top level, `fwd`, `reply`, `comments`), [`media`], [`entities`],
//! [`action`], [`markup`].

pub mod action;
pub mod chat;
pub mod dialog;
pub mod entities;
pub mod markup;
pub mod media;
pub mod message;
pub mod peer;
pub mod raw;
pub mod user;

use grammers_tl_types as tl;

use crate::wire::version::ApiVersion;

pub use chat::chat;
pub use dialog::{dialog, missing_dialog_msg};
pub use message::{
    attach_reply, message, message_from_id, message_id, message_peer_id, message_short,
    message_with_reply, reply_target,
};
pub use peer::{peer_id, peer_maps};
pub use user::user;

/// How a dialog's last message is embedded as `msg` (`models.md` §6, `methods-core.md` §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DialogMsg {
    /// `getDialogs` default: short form (§7.11), without `peer_id`.
    #[default]
    Short,
    /// `getDialogs&text=0`: full form (entities; `reply.msg` via [`attach_reply`]), without
    /// `peer_id`.
    Full,
    /// No `msg` (`getAllDialogs`, `fields` without `messages`, v < 5 where messages go to a
    /// separate map).
    Omit,
}

/// Everything about the request that changes how objects are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelCtx {
    /// The request's `v`.
    pub version: ApiVersion,
    /// `X-mpgram-keep-emoji` was sent: names are not emoji-stripped (`protocol.md` §12).
    pub keep_emoji: bool,
    /// The account's own user id (Saved Messages is the dialog with this peer).
    pub self_id: i64,
    /// The request asked for media (`media` non-empty): full media objects and bot keyboards
    /// (`models.md` §7.5, §7.8). Otherwise media is a placeholder.
    pub media: bool,
    /// The `status` part is selected (`fields` absent or listing `status`): users get `s`/`w`.
    pub user_status: bool,
    /// How [`dialog`] embeds the last message.
    pub dialog_msg: DialogMsg,
}

impl ModelCtx {
    /// The defaults of a request that sent only `v`: names stripped, no media, statuses on,
    /// short dialog messages.
    pub fn new(version: ApiVersion, self_id: i64) -> Self {
        Self {
            version,
            keep_emoji: false,
            self_id,
            media: false,
            user_status: true,
            dialog_msg: DialogMsg::Short,
        }
    }

    /// The same context with media requested or not (e.g. `reply.msg` never has media).
    #[must_use]
    pub fn with_media(self, media: bool) -> Self {
        Self { media, ..self }
    }
}

impl Default for ModelCtx {
    /// What the J2ME client asks for (`v=12`), with an unknown own id.
    fn default() -> Self {
        Self::new(ApiVersion::V12, 0)
    }
}

/// The TL constructor name of any TL value (`"messageActionChatAddUser"`), read from the
/// constructor id its serialisation starts with. Lets us name constructors Telegram adds in
/// later layers (action `_`, undefined media `_`) without listing them.
pub(crate) fn tl_name(x: &impl tl::Serializable) -> &'static str {
    /// Keeps the first 4 bytes written (the constructor id) and ignores the rest.
    struct Head {
        buf: [u8; 4],
        len: usize,
    }
    impl Extend<u8> for Head {
        fn extend<I: IntoIterator<Item = u8>>(&mut self, iter: I) {
            if self.len >= 4 {
                return;
            }
            for b in iter {
                self.buf[self.len] = b;
                self.len += 1;
                if self.len == 4 {
                    break;
                }
            }
        }
    }
    let mut head = Head {
        buf: [0; 4],
        len: 0,
    };
    x.serialize(&mut head);
    tl::name_for_id(u32::from_le_bytes(head.buf))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tl::{enums as e, types as t};

    #[test]
    fn tl_name_reads_the_constructor() {
        assert_eq!(
            tl_name(&e::MessageAction::PinMessage),
            "messageActionPinMessage"
        );
        let a = e::MessageAction::ChatDeleteUser(t::MessageActionChatDeleteUser { user_id: 5 });
        assert_eq!(tl_name(&a), "messageActionChatDeleteUser");
        assert_eq!(
            tl_name(&e::MessageMedia::Unsupported),
            "messageMediaUnsupported"
        );
    }
}

//! What the account did that leaves no message behind, kept so tests can check that an API
//! call really reached Telegram with the right details (revoke, silent, the action, …).

use super::Peer;

/// One press of an inline callback button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackPress {
    pub peer: Peer,
    pub msg_id: i32,
    pub data: Vec<u8>,
}

/// Side effects without a message of their own.
#[derive(Debug, Clone, Default)]
pub struct Activity {
    /// Messages deleted for everyone (`revoke`, or any channel deletion).
    pub revoked: Vec<(Peer, i32)>,
    /// Messages deleted only on our side (`revoke = false` outside channels).
    pub deleted_for_me: Vec<(Peer, i32)>,
    /// Pins: (peer, id, silent, unpin).
    pub pins: Vec<(Peer, i32, bool, bool)>,
    /// Typing actions sent, by TL constructor name (`sendMessageTypingAction`, …).
    pub typing: Vec<(Peer, String)>,
    /// Callback buttons pressed.
    pub callbacks: Vec<CallbackPress>,
    /// `initConnection` as clients sent it: (device model, system version, app version).
    pub connections: Vec<(String, String, String)>,
}

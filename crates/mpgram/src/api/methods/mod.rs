//! Every `api.php` method: one file per group, one dispatch from name to method ([`dispatch`]),
//! the login methods included ([`login`]).
//!
//! The server hands over a [`Request`] (parameters, version, and the [`Caller`] its token
//! belongs to) and the [`Instance`] it serves; [`dispatch`] answers the login methods, checks
//! the instance password, picks the account (the PC's, or a guest's own) and calls the method
//! with a [`Call`]. Each method does its checks in the order its spec section lists them
//! (`methods-core.md`), so authentication is a step the method calls, not something done before
//! it: `getHistory` without `peer` answers "Required parameter" even without a token, as the
//! reference does.

mod account;
pub(crate) mod bots;
mod dialogs;
mod editing;
mod history;
pub mod login;
mod members;
mod notifications;
mod peers;
mod raw;
pub mod send;
mod stickers;
mod updates;
pub(crate) mod updates_queue;

pub(crate) use updates::wait_for_message;

use std::net::IpAddr;
use std::sync::RwLock;
use std::time::Duration;

use grammers_tl_types::RemoteCall;

use crate::api::auth::check_instance_password;
use crate::api::error::{ApiError, RpcError};
use crate::api::json::Object;
use crate::api::params::Params;
use crate::api::version::ApiVersion;
use crate::guests::{Guest, Guests};
use crate::pairing::{DeviceId, DeviceInfo, Pairing};
use crate::telegram::{Account, TelegramError};

use crate::model;

/// What a method answers.
#[derive(Debug)]
pub enum Reply {
    /// A JSON object with the JSON response headers.
    Json(Object),
    /// A JSON object already written in the request's encoding, with the JSON response headers
    /// (`me`, from its cache).
    Written(bytes::Bytes),
    /// An empty body without JSON headers (`readMessages`).
    Empty,
    /// A streamed JSON body (`updates`: keep-alive spaces, then the JSON), never compressed.
    Stream(axum::body::Body),
    /// A PNG picture, never cached (`getCaptchaImg`).
    Png(Vec<u8>),
    /// A picture that could not be drawn: HTTP 500 with an empty body.
    BrokenPicture,
}

/// Who sent a request, decided once by the server from its token.
#[derive(Clone)]
pub enum Caller {
    /// A paired device (its token is in the pairing's device list).
    Device(DeviceId),
    /// A phone that logged its own account in through the login API.
    Guest(Guest),
    /// No token, or one that is neither (the methods' "auth" step answers 401).
    Anonymous,
}

/// The instance a request reaches: the PC's account and what serves it.
pub struct Instance<'a> {
    pub account: &'a Account,
    pub state: &'a MethodState,
    pub pairing: &'a Pairing,
    pub guests: &'a Guests,
    /// The login API setting ("Let phones log in to other Telegram accounts").
    pub login_api: bool,
    pub instance_password: Option<&'a str>,
    pub telegram_timeout: Duration,
    /// Voice uploads are converted (`voice=1` works); the same switch as `voice.php`.
    pub voice_conversion: bool,
}

impl Instance<'_> {
    /// The instance password (`protocol.md` §5.4), the one place it is checked for `api.php`.
    pub fn check_password(&self, req: &Request<'_>) -> Result<(), ApiError> {
        check_instance_password(self.instance_password, req.password)
    }
}

/// One `api.php` request as the server read it.
pub struct Request<'a> {
    pub method: &'a str,
    pub version: ApiVersion,
    pub params: &'a Params,
    pub caller: &'a Caller,
    /// The raw token (`X-mpgram-user`, else `user`), non-empty: login methods read tickets.
    pub token: Option<&'a str>,
    pub ip: IpAddr,
    pub info: &'a DeviceInfo,
    /// `X-mpgram-keep-emoji` was sent.
    pub keep_emoji: bool,
    /// `X-mpgram-unicode` was sent.
    pub unicode: bool,
    /// The `X-mpgram-instance-password` header.
    pub password: Option<&'a str>,
}

/// State the methods keep across requests (one per account).
#[derive(Debug, Default)]
pub struct MethodState {
    /// The account's own user, so `me` (the client's keep-alive) costs no Telegram call.
    self_user: RwLock<Option<std::sync::Arc<account::SelfUser>>>,
    /// The update queue read by `updates`, `getLastUpdate`, `cancelUpdates`.
    pub(crate) updates: updates_queue::UpdateHub,
    /// The account's own id once known (0 before): the session lookup scans the peer cache.
    self_id: std::sync::atomic::AtomicI64,
    /// Retried-send answers and known documents of the send methods.
    pub send: send::SendState,
    /// Per-chat notification settings for `notifications` and `updates&m=1`.
    pub(crate) mutes: notifications::MuteCache,
}

impl MethodState {
    pub fn new() -> Self {
        Self::default()
    }
}

/// One API call in progress.
pub struct Call<'a> {
    pub account: &'a Account,
    pub params: &'a Params,
    pub version: ApiVersion,
    /// `X-mpgram-keep-emoji` was sent.
    pub keep_emoji: bool,
    /// `X-mpgram-unicode` was sent (raw UTF-8 answers, also in streamed bodies).
    pub unicode: bool,
    /// The device token is known (decided by the server before dispatch; cheap, no I/O).
    pub authorized: bool,
    /// The device the token belongs to (`None` without a valid token).
    pub device: Option<u64>,
    pub state: &'a MethodState,
    /// How long one Telegram call may take before the phone gets a 503 instead.
    pub telegram_timeout: Duration,
    /// Voice uploads are converted (`voice=1` works); the same switch as `voice.php`.
    pub voice_conversion: bool,
}

impl Call<'_> {
    /// The "auth" step of a method's check list.
    pub fn auth(&self) -> Result<(), ApiError> {
        if self.authorized {
            Ok(())
        } else {
            Err(ApiError::InvalidAuthorization)
        }
    }

    /// The account's own user id, from the session cache (no round trip); 0 if unknown.
    pub fn self_id(&self) -> i64 {
        own_id(self.account, self.state)
    }

    pub fn model_ctx(&self) -> model::ModelCtx {
        model::ModelCtx {
            version: self.version,
            keep_emoji: self.keep_emoji,
            self_id: self.self_id(),
            media: self.params.flag("media"),
            user_status: self.params.selects("status"),
            dialog_msg: model::DialogMsg::Omit,
        }
    }

    /// One Telegram call, bounded in time, with failures mapped to the API's answers.
    pub async fn invoke<R: RemoteCall>(&self, request: &R) -> Result<R::Return, ApiError> {
        self.bounded(self.account.invoke(request)).await
    }

    /// [`Call::invoke`] for an answer that carries users and chats: they are cached before the
    /// answer is returned ([`Account::invoke_caching`]).
    pub async fn invoke_caching<R>(&self, request: &R) -> Result<R::Return, ApiError>
    where
        R: RemoteCall,
        R::Return: crate::telegram::CarriesPeers,
    {
        // Invoke, then cache: one future at a time keeps the callers' futures small.
        let answer = self.invoke(request).await?;
        self.account.remember_peers(&answer).await;
        Ok(answer)
    }

    async fn bounded<T>(
        &self,
        call: impl std::future::Future<Output = Result<T, crate::telegram::TelegramError>>,
    ) -> Result<T, ApiError> {
        match tokio::time::timeout(self.telegram_timeout, call).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(telegram_error(e)),
            Err(_) => Err(ApiError::Unavailable(
                "Telegram is taking too long to answer. Try again in a moment.".into(),
            )),
        }
    }
}

/// The account's own user id, from the session cache (no round trip); 0 if unknown.
pub(crate) fn own_id(account: &Account, state: &MethodState) -> i64 {
    use grammers_session::types::{PeerId, PeerInfo};
    use std::sync::atomic::Ordering::Relaxed;
    let known = state.self_id.load(Relaxed);
    if known != 0 {
        return known;
    }
    match account.session().cached_peer(PeerId::self_user()) {
        Some(PeerInfo::User { id, .. }) => {
            state.self_id.store(id, Relaxed);
            id
        }
        _ => 0,
    }
}

/// Telegram failures as API answers: RPC errors as the reference shows them (`Unhandled
/// exception: FLOOD_WAIT_30`, HTTP 500); an unreachable Telegram as 503 with plain words.
/// Never 401 (that would log the phone out) and never 502/504 (the phone would resend).
pub fn telegram_error(e: TelegramError) -> ApiError {
    match e {
        TelegramError::Network | TelegramError::Closed => ApiError::Unavailable(
            "Telegram could not be reached. Check the PC's internet connection, then try again."
                .into(),
        ),
        TelegramError::Session => ApiError::Internal("the session could not be saved".into()),
        other => match other.rpc_parts() {
            Some((code, name)) => ApiError::Telegram(RpcError::parse(code, &name)),
            None => ApiError::Internal(other.to_string()),
        },
    }
}

/// Names this server answers (everything else: `Method "<name>" is undefined`). Kept next to
/// the dispatch so the README's conformance table can be checked against it.
pub const IMPLEMENTED: &[&str] = &[
    "me",
    "getSelf",
    "updateStatus",
    "getNotifySettings",
    "getServerTimeOffset",
    "getDialogs",
    "getAllDialogs",
    "getDialog",
    "getFolders",
    "getForumTopics",
    "getHistory",
    "searchMessages",
    "getMessages",
    "readMessages",
    "getDiscussionMessage",
    "getMessageReadParticipants",
    "getPeer",
    "getPeers",
    "getPeerInfo",
    "getFullInfo",
    "getInfo",
    "resolvePhone",
    "getContacts",
    "searchChats",
    "getParticipants",
    "joinChannel",
    "leaveChannel",
    "checkChatInvite",
    "importChatInvite",
    "banMember",
    "addChatUser",
    "deleteChatUser",
    "inviteToChannel",
    "getExportedChatInvites",
    "exportChatInvite",
    "updates",
    "getLastUpdate",
    "cancelUpdates",
    "sendMessage",
    "sendMedia",
    "editMessage",
    "notifications",
    "deleteMessage",
    "pinMessage",
    "setTyping",
    "startBot",
    "sendBotCallback",
    "botCallback",
    "sendVote",
    "getStickerSets",
    "getStickerSet",
    "installStickerSet",
    "uninstallStickerSet",
];

/// The one dispatch (steps 8–9 of `protocol.md` §4.1): the login methods, the instance
/// password, then the method on the caller's account (a guest's own, else the PC's).
pub async fn dispatch(req: &Request<'_>, inst: &Instance<'_>) -> Result<Reply, ApiError> {
    if let Some(answer) = login::dispatch(req, inst).await {
        return answer;
    }
    let (account, state, device) = match req.caller {
        Caller::Device(id) => (inst.account, inst.state, Some(u64::from(id.0))),
        Caller::Guest(g) => match g.api() {
            Some(state) => (&g.account, &**state, Some(g.id)),
            // Still logging in: the token serves nothing yet (401, as a token that is no device:
            // this server's 503 "Could not get user info" means a passing PC-side problem).
            None => return Err(ApiError::InvalidAuthorization),
        },
        Caller::Anonymous => (inst.account, inst.state, None),
    };
    inst.check_password(req)?;
    let call = Call {
        account,
        params: req.params,
        version: req.version,
        keep_emoji: req.keep_emoji,
        unicode: req.unicode,
        authorized: device.is_some(),
        device,
        state,
        telegram_timeout: inst.telegram_timeout,
        voice_conversion: inst.voice_conversion,
    };
    if matches!(req.method, "me" | "getSelf") {
        // The keep-alive, most calls of all: answered without entering the table below.
        return account::me(&call).await.map(Reply::Written);
    }
    // Boxed: the table's future is as large as its largest method's, and an unboxed one would
    // be moved (copied whole) through every future above it on every call.
    Box::pin(method(req.method, &call)).await
}

/// Name → method (the name is exact and case-sensitive).
async fn method(name: &str, call: &Call<'_>) -> Result<Reply, ApiError> {
    let json = match name {
        "me" | "getSelf" => return account::me(call).await.map(Reply::Written),
        "updateStatus" => account::update_status(call).await?,
        "getNotifySettings" => account::get_notify_settings(call).await?,
        "getServerTimeOffset" => account::get_server_time_offset(),
        "getDialogs" => dialogs::get_dialogs(call).await?,
        "getAllDialogs" => dialogs::get_all_dialogs(call).await?,
        "getDialog" => dialogs::get_dialog(call).await?,
        "getFolders" => dialogs::get_folders(call).await?,
        "getForumTopics" => dialogs::get_forum_topics(call).await?,
        "getHistory" => history::get_history(call, history::Kind::History).await?,
        "searchMessages" => history::get_history(call, history::Kind::Search).await?,
        "getMessages" => history::get_history(call, history::Kind::ById).await?,
        "readMessages" => {
            history::read_messages(call).await?;
            return Ok(Reply::Empty);
        }
        "getDiscussionMessage" => history::get_discussion_message(call).await?,
        "getMessageReadParticipants" => history::get_read_participants(call).await?,
        "getPeer" => peers::get_peer(call).await?,
        "getPeers" => peers::get_peers(call).await?,
        "getPeerInfo" => peers::get_peer_info(call).await?,
        "getFullInfo" => raw::get_full_info(call).await?,
        "getInfo" => raw::get_info(call).await?,
        "resolvePhone" => raw::resolve_phone(call).await?,
        "checkChatInvite" => raw::check_chat_invite(call).await?,
        "getExportedChatInvites" => raw::get_exported_chat_invites(call).await?,
        "exportChatInvite" => raw::export_chat_invite(call).await?,
        "getContacts" => peers::get_contacts(call).await?,
        "searchChats" => peers::search_chats(call).await?,
        "getParticipants" => peers::get_participants(call).await?,
        "joinChannel" => members::join_channel(call, true).await?,
        "leaveChannel" => members::join_channel(call, false).await?,
        "importChatInvite" => members::import_chat_invite(call).await?,
        "banMember" => members::ban_member(call).await?,
        "addChatUser" => members::add_chat_user(call, true).await?,
        "deleteChatUser" => members::add_chat_user(call, false).await?,
        "inviteToChannel" => members::invite_to_channel(call).await?,
        "sendMessage" => send::send(call, send::Kind::Message).await?,
        "sendMedia" => send::send(call, send::Kind::Media).await?,
        "editMessage" => send::send(call, send::Kind::Edit).await?,
        "updates" => return updates::updates(call),
        "getLastUpdate" => updates::get_last_update(call).await?,
        "cancelUpdates" => updates::cancel_updates(call)?,
        "notifications" => notifications::notifications(call).await?,
        "deleteMessage" => editing::delete_message(call).await?,
        "pinMessage" => editing::pin_message(call).await?,
        "setTyping" => editing::set_typing(call).await?,
        "startBot" => bots::start_bot(call).await?,
        "sendBotCallback" | "botCallback" => bots::send_bot_callback(call).await?,
        "sendVote" => bots::send_vote(call).await?,
        "getStickerSets" => stickers::get_sticker_sets(call).await?,
        "getStickerSet" => stickers::get_sticker_set(call).await?,
        "installStickerSet" => stickers::install_sticker_set(call, true).await?,
        "uninstallStickerSet" => stickers::install_sticker_set(call, false).await?,
        other => return Err(ApiError::UnknownMethod(other.to_owned())),
    };
    Ok(Reply::Json(json))
}

/// `{"res": value}`, the simple answer of many methods.
pub(crate) fn res(value: impl Into<crate::api::json::Value>) -> Object {
    Object::new().with("res", value)
}

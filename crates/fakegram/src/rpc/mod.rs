//! RPC dispatch: unwrap the invoke wrappers, log the call, apply fault rules, route to a
//! handler. Handlers are plain functions over the locked world, grouped like Telegram's
//! namespaces.
// Every handler has the same shape `fn(&Ctx, Request) -> RpcResult<Answer>` so one macro can
// route them; some take their request by value without consuming it, some never fail.
#![allow(clippy::needless_pass_by_value, clippy::unnecessary_wraps)]

mod account;
mod auth;
mod bots;
mod channels;
mod files;
mod invites;
mod members;
mod messages;
mod send;
mod stickers;
mod updates;
mod users;

use std::sync::Arc;

use grammers_tl_types::{self as tl, Cursor, Deserializable, Identifiable, Serializable};

use crate::faults::Verdict;
use crate::world::{access_hash_for, Peer, World};
use crate::Shared;

/// An RPC error as Telegram sends it.
#[derive(Debug, Clone)]
pub(crate) struct RpcErr {
    pub code: i32,
    pub message: String,
}

impl RpcErr {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn bad(message: &str) -> Self {
        Self::new(400, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "AUTH_KEY_UNREGISTERED")
    }
}

pub(crate) type RpcResult<T> = Result<T, RpcErr>;

/// Everything a handler knows about the call.
pub(crate) struct Ctx<'a> {
    pub shared: &'a Arc<Shared>,
    pub dc_id: i32,
    pub key_id: [u8; 8],
}

impl Ctx<'_> {
    pub fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.shared.world()
    }
}

/// The rest of a buffer: the query inside a generic wrapper, still serialized.
struct Rest(Vec<u8>);

impl Deserializable for Rest {
    fn deserialize(buf: &mut Cursor) -> tl::deserialize::Result<Self> {
        let mut out = Vec::new();
        buf.read_to_end(&mut out)?;
        Ok(Rest(out))
    }
}

/// Strips `invokeWithLayer`, `initConnection` and friends down to the real query.
fn unwrap_query(
    mut body: Vec<u8>,
    mut on_init: impl FnMut(String, String, String),
) -> RpcResult<Vec<u8>> {
    let malformed = || RpcErr::bad("INPUT_REQUEST_INVALID");
    loop {
        let ctor = crate::wire::constructor_of(&body).ok_or_else(malformed)?;
        let rest = &body[4..];
        body = match ctor {
            tl::functions::InvokeWithLayer::<Rest>::CONSTRUCTOR_ID => {
                tl::functions::InvokeWithLayer::<Rest>::from_bytes(rest)
                    .map_err(|_| malformed())?
                    .query
                    .0
            }
            tl::functions::InitConnection::<Rest>::CONSTRUCTOR_ID => {
                let init = tl::functions::InitConnection::<Rest>::from_bytes(rest)
                    .map_err(|_| malformed())?;
                on_init(init.device_model, init.system_version, init.app_version);
                init.query.0
            }
            tl::functions::InvokeWithoutUpdates::<Rest>::CONSTRUCTOR_ID => {
                tl::functions::InvokeWithoutUpdates::<Rest>::from_bytes(rest)
                    .map_err(|_| malformed())?
                    .query
                    .0
            }
            tl::functions::InvokeAfterMsg::<Rest>::CONSTRUCTOR_ID => {
                tl::functions::InvokeAfterMsg::<Rest>::from_bytes(rest)
                    .map_err(|_| malformed())?
                    .query
                    .0
            }
            crate::wire::GZIP_PACKED => crate::wire::gunzip_body(&body).map_err(|_| malformed())?,
            _ => return Ok(body),
        };
    }
}

/// Methods a logged-out key may call.
fn allowed_logged_out(name: &str) -> bool {
    name.starts_with("auth.")
        || matches!(
            name,
            "help.getConfig" | "help.getNearestDc" | "account.getPassword" | "langpack.getLangPack"
        )
}

pub(crate) async fn call(
    shared: &Arc<Shared>,
    dc_id: i32,
    key_id: [u8; 8],
    body: &[u8],
) -> RpcResult<Vec<u8>> {
    let query = unwrap_query(body.to_vec(), |device, system, app| {
        shared
            .world()
            .activity
            .connections
            .push((device, system, app));
    })?;
    let ctor =
        crate::wire::constructor_of(&query).ok_or_else(|| RpcErr::bad("INPUT_REQUEST_INVALID"))?;
    let name = tl::name_for_id(ctor);
    shared.log_call(dc_id, name);
    let delay = shared.faults().delay;
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let verdict = shared.faults().judge(name);
    if let Verdict::Error(code, message) = verdict {
        return Err(RpcErr::new(code, message));
    }
    if !shared.is_authorized(key_id) && !allowed_logged_out(name) {
        return Err(RpcErr::unauthorized());
    }
    let ctx = Ctx {
        shared,
        dc_id,
        key_id,
    };
    dispatch(&ctx, ctor, &query[4..])
}

macro_rules! routes {
    ($ctx:expr, $ctor:expr, $body:expr, { $($ty:ty => $handler:path,)* }) => {
        match $ctor {
            $(
                <$ty as Identifiable>::CONSTRUCTOR_ID => {
                    let req = <$ty as Deserializable>::from_bytes($body)
                        .map_err(|_| RpcErr::bad("INPUT_REQUEST_INVALID"))?;
                    $handler($ctx, req).map(|r| r.to_bytes())
                }
            )*
            other => Err(RpcErr::bad(&format!("INPUT_METHOD_INVALID_{other:08X}"))),
        }
    };
}

fn dispatch(ctx: &Ctx<'_>, ctor: u32, body: &[u8]) -> RpcResult<Vec<u8>> {
    use tl::functions as f;
    routes!(ctx, ctor, body, {
        f::help::GetConfig => users::get_config,
        f::help::GetNearestDc => users::get_nearest_dc,
        f::auth::SendCode => auth::send_code,
        f::auth::ResendCode => auth::resend_code,
        f::auth::CancelCode => auth::cancel_code,
        f::auth::SignIn => auth::sign_in,
        f::account::GetPassword => auth::get_password,
        f::auth::CheckPassword => auth::check_password,
        f::auth::ExportLoginToken => auth::export_login_token,
        f::auth::ImportLoginToken => auth::import_login_token,
        f::auth::LogOut => auth::log_out,
        f::users::GetUsers => users::get_users,
        f::users::GetFullUser => users::get_full_user,
        f::contacts::ResolveUsername => users::resolve_username,
        f::contacts::GetContacts => users::get_contacts,
        f::contacts::ResolvePhone => users::resolve_phone,
        f::contacts::Search => users::search,
        f::messages::CheckChatInvite => invites::check_chat_invite,
        f::messages::GetExportedChatInvites => invites::get_exported_chat_invites,
        f::messages::ExportChatInvite => invites::export_chat_invite,
        f::messages::ImportChatInvite => members::import_chat_invite,
        f::messages::AddChatUser => members::add_chat_user,
        f::messages::DeleteChatUser => members::delete_chat_user,
        f::channels::InviteToChannel => members::invite_to_channel,
        f::channels::EditBanned => members::edit_banned,
        f::photos::GetUserPhotos => users::get_user_photos,
        f::messages::GetDialogs => messages::get_dialogs,
        f::messages::GetPeerDialogs => messages::get_peer_dialogs,
        f::messages::GetDialogFilters => messages::get_dialog_filters,
        f::messages::GetHistory => messages::get_history,
        f::messages::GetMessages => messages::get_messages,
        f::messages::Search => messages::search,
        f::messages::ReadHistory => messages::read_history,
        f::messages::GetFullChat => messages::get_full_chat,
        f::messages::GetChats => messages::get_chats,
        f::messages::GetForumTopics => messages::get_forum_topics,
        f::messages::GetReplies => messages::get_replies,
        f::messages::GetDiscussionMessage => messages::get_discussion_message,
        f::messages::GetMessageReadParticipants => messages::get_message_read_participants,
        f::messages::ReadDiscussion => messages::read_discussion,
        f::messages::ReadMentions => messages::read_mentions,
        f::messages::GetStickerSet => files::get_sticker_set,
        f::messages::GetAllStickers => files::get_all_stickers,
        f::messages::SendMessage => send::send_message,
        f::messages::SendMedia => send::send_media,
        f::messages::EditMessage => send::edit_message,
        f::messages::DeleteMessages => send::delete_messages,
        f::messages::ForwardMessages => send::forward_messages,
        f::messages::SetTyping => send::set_typing,
        f::messages::SendReaction => send::send_reaction,
        f::messages::UpdatePinnedMessage => send::update_pinned,
        f::account::GetNotifySettings => account::get_notify_settings,
        f::account::UpdateStatus => account::update_status,
        f::messages::GetBotCallbackAnswer => bots::get_bot_callback_answer,
        f::messages::StartBot => bots::start_bot,
        f::messages::SendVote => bots::send_vote,
        f::messages::InstallStickerSet => stickers::install_sticker_set,
        f::messages::UninstallStickerSet => stickers::uninstall_sticker_set,
        f::channels::GetChannels => channels::get_channels,
        f::channels::GetFullChannel => channels::get_full_channel,
        f::channels::GetMessages => channels::get_messages,
        f::channels::GetParticipants => channels::get_participants,
        f::channels::ReadHistory => channels::read_history,
        f::channels::DeleteMessages => channels::delete_messages,
        f::channels::JoinChannel => channels::join_channel,
        f::channels::LeaveChannel => channels::leave_channel,
        f::upload::SaveFilePart => files::save_file_part,
        f::upload::SaveBigFilePart => files::save_big_file_part,
        f::upload::GetFile => files::get_file,
        f::updates::GetState => updates::get_state,
        f::updates::GetDifference => updates::get_difference,
        f::updates::GetChannelDifference => updates::get_channel_difference,
    })
}

/// Resolves an input peer, checking access hashes as Telegram does.
pub(crate) fn resolve_peer(w: &World, p: &tl::enums::InputPeer) -> RpcResult<Peer> {
    use tl::enums::InputPeer as I;
    let peer = match p {
        I::PeerSelf => Peer::User(w.me),
        I::User(u) => {
            if u.access_hash != access_hash_for(u.user_id) {
                return Err(RpcErr::bad("PEER_ID_INVALID"));
            }
            Peer::User(u.user_id)
        }
        I::Chat(c) => Peer::Chat(c.chat_id),
        I::Channel(c) => {
            if c.access_hash != access_hash_for(c.channel_id) {
                return Err(RpcErr::bad("CHANNEL_INVALID"));
            }
            Peer::Channel(c.channel_id)
        }
        I::UserFromMessage(u) => Peer::User(u.user_id),
        I::ChannelFromMessage(c) => Peer::Channel(c.channel_id),
        I::Empty => return Err(RpcErr::bad("PEER_ID_INVALID")),
    };
    if !w.peer_exists(peer) {
        return Err(RpcErr::bad("PEER_ID_INVALID"));
    }
    Ok(peer)
}

pub(crate) fn resolve_user(w: &World, u: &tl::enums::InputUser) -> RpcResult<i64> {
    use tl::enums::InputUser as I;
    let id = match u {
        I::UserSelf => w.me,
        I::User(u) => {
            if u.access_hash != access_hash_for(u.user_id) {
                return Err(RpcErr::bad("USER_ID_INVALID"));
            }
            u.user_id
        }
        I::FromMessage(u) => u.user_id,
        I::Empty => return Err(RpcErr::bad("USER_ID_INVALID")),
    };
    if w.user(id).is_none() {
        return Err(RpcErr::bad("USER_ID_INVALID"));
    }
    Ok(id)
}

pub(crate) fn resolve_channel(w: &World, c: &tl::enums::InputChannel) -> RpcResult<i64> {
    use tl::enums::InputChannel as I;
    let id = match c {
        I::Channel(c) => {
            if c.access_hash != access_hash_for(c.channel_id) {
                return Err(RpcErr::bad("CHANNEL_INVALID"));
            }
            c.channel_id
        }
        I::FromMessage(c) => c.channel_id,
        I::Empty => return Err(RpcErr::bad("CHANNEL_INVALID")),
    };
    if !w.peer_exists(Peer::Channel(id)) {
        return Err(RpcErr::bad("CHANNEL_INVALID"));
    }
    Ok(id)
}

/// `boolTrue`, the answer of many setters.
pub(crate) fn ok() -> RpcResult<bool> {
    Ok(true)
}

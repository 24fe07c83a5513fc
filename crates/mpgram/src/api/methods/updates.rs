//! `updates` (long poll), `getLastUpdate`, `cancelUpdates` (`updates.md` §3–§5, §8).

use std::convert::Infallible;

use std::time::Duration;

use bytes::Bytes;
use grammers_tl_types as tl;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::notifications::MuteCache;
use super::updates_queue::{Entry, UpdateHub};
use super::{res, Call, Reply};
use crate::api::error::ApiError;
use crate::api::json::{Encoding, Object, Value};
use crate::model::peer::PeerId;
use crate::model::{self, ModelCtx};
use crate::telegram::Account;

/// Longest `timeout` (`updates.md` §3.1).
const TIMEOUT_CAP: i64 = 120;
/// Keep-alive space interval while a poll waits (§8.4).
const SPACE_EVERY: Duration = Duration::from_secs(1);

fn action_raw(a: &tl::enums::SendMessageAction) -> Object {
    use tl::enums::SendMessageAction as A;
    let (name, progress) = match a {
        A::SendMessageCancelAction => ("sendMessageCancelAction", None),
        A::SendMessageRecordVideoAction => ("sendMessageRecordVideoAction", None),
        A::SendMessageUploadVideoAction(p) => ("sendMessageUploadVideoAction", Some(p.progress)),
        A::SendMessageRecordAudioAction => ("sendMessageRecordAudioAction", None),
        A::SendMessageUploadAudioAction(p) => ("sendMessageUploadAudioAction", Some(p.progress)),
        A::SendMessageUploadPhotoAction(p) => ("sendMessageUploadPhotoAction", Some(p.progress)),
        A::SendMessageUploadDocumentAction(p) => {
            ("sendMessageUploadDocumentAction", Some(p.progress))
        }
        A::SendMessageGeoLocationAction => ("sendMessageGeoLocationAction", None),
        A::SendMessageChooseContactAction => ("sendMessageChooseContactAction", None),
        A::SendMessageRecordRoundAction => ("sendMessageRecordRoundAction", None),
        A::SendMessageUploadRoundAction(p) => ("sendMessageUploadRoundAction", Some(p.progress)),
        A::SendMessageChooseStickerAction => ("sendMessageChooseStickerAction", None),
        _ => ("sendMessageTypingAction", None),
    };
    let mut o = Object::new().with("_", name);
    o.insert_some("progress", progress);
    o
}

/// Which chat an update belongs to, for the peer filter (§3.4): `(peer, new message id)`.
pub(super) fn update_peer(u: &tl::enums::Update, self_id: i64) -> Option<(i64, Option<i32>)> {
    use tl::enums::Update as U;
    let msg = |m: &tl::enums::Message| {
        let mut peer = model::message::message_peer_id(m)?;
        if peer == self_id {
            // The short-form quirk of §1.1: an incoming private message may name the account.
            if let (Some(from), false) = (model::message::message_from_id(m), is_out(m)) {
                if from != self_id {
                    peer = from;
                }
            }
        }
        Some((peer, Some(model::message::message_id(m))))
    };
    match u {
        U::NewMessage(x) => msg(&x.message),
        U::NewChannelMessage(x) => msg(&x.message),
        U::EditMessage(x) => msg(&x.message).map(|(p, _)| (p, None)),
        U::EditChannelMessage(x) => msg(&x.message).map(|(p, _)| (p, None)),
        U::DeleteChannelMessages(x) => Some((model::peer::channel_peer_id(x.channel_id), None)),
        U::ReadHistoryOutbox(x) => Some((model::peer::peer_id(&x.peer), None)),
        U::ReadChannelOutbox(x) => Some((model::peer::channel_peer_id(x.channel_id), None)),
        U::UserTyping(x) => Some((x.user_id, None)),
        U::UserStatus(x) => Some((x.user_id, None)),
        U::ChatUserTyping(x) => Some((model::peer::chat_peer_id(x.chat_id), None)),
        U::ChannelUserTyping(x) => Some((model::peer::channel_peer_id(x.channel_id), None)),
        _ => None,
    }
}

fn is_out(m: &tl::enums::Message) -> bool {
    match m {
        tl::enums::Message::Message(m) => m.out,
        tl::enums::Message::Service(m) => m.out,
        tl::enums::Message::Empty(_) => false,
    }
}

fn top_msg_id(u: &tl::enums::Update) -> Option<i32> {
    match u {
        tl::enums::Update::ChannelUserTyping(x) => x.top_msg_id,
        _ => None,
    }
}

/// The `update` object of §2.2 (message parsed in the full form).
pub fn render(u: &tl::enums::Update, cx: &ModelCtx) -> Option<Object> {
    use tl::enums::Update as U;
    let message = |name: &str, m: &tl::enums::Message, pts: i32, pts_count: i32| {
        Object::new()
            .with("_", name)
            .with("message", model::message(m, cx))
            .with("pts", pts)
            .with("pts_count", pts_count)
    };
    let ints = |v: &[i32]| Value::Array(v.iter().map(|&i| Value::from(i)).collect());
    Some(match u {
        U::NewMessage(x) => message("updateNewMessage", &x.message, x.pts, x.pts_count),
        U::NewChannelMessage(x) => {
            message("updateNewChannelMessage", &x.message, x.pts, x.pts_count)
        }
        U::EditMessage(x) => message("updateEditMessage", &x.message, x.pts, x.pts_count),
        U::EditChannelMessage(x) => {
            message("updateEditChannelMessage", &x.message, x.pts, x.pts_count)
        }
        U::DeleteChannelMessages(x) => Object::new()
            .with("_", "updateDeleteChannelMessages")
            .with("channel_id", model::peer::channel_peer_id(x.channel_id))
            .with("messages", ints(&x.messages))
            .with("pts", x.pts)
            .with("pts_count", x.pts_count),
        U::DeleteMessages(x) => Object::new()
            .with("_", "updateDeleteMessages")
            .with("messages", ints(&x.messages))
            .with("pts", x.pts)
            .with("pts_count", x.pts_count),
        U::ReadHistoryOutbox(x) => Object::new()
            .with("_", "updateReadHistoryOutbox")
            .with("peer", model::peer::peer_id(&x.peer).to_string())
            .with("max_id", x.max_id)
            .with("pts", x.pts)
            .with("pts_count", x.pts_count),
        U::ReadChannelOutbox(x) => Object::new()
            .with("_", "updateReadChannelOutbox")
            .with("channel_id", model::peer::channel_peer_id(x.channel_id))
            .with("max_id", x.max_id),
        U::ReadHistoryInbox(x) => {
            let mut o = Object::new().with("_", "updateReadHistoryInbox");
            o.insert_some("folder_id", x.folder_id);
            o.insert("peer", model::peer::peer_id(&x.peer));
            o.insert_some("top_msg_id", x.top_msg_id);
            o.insert("max_id", x.max_id);
            o.insert("still_unread_count", x.still_unread_count);
            o.insert("pts", x.pts);
            o.insert("pts_count", x.pts_count);
            o
        }
        U::ReadChannelInbox(x) => {
            let mut o = Object::new().with("_", "updateReadChannelInbox");
            o.insert_some("folder_id", x.folder_id);
            o.insert("channel_id", model::peer::channel_peer_id(x.channel_id));
            o.insert("max_id", x.max_id);
            o.insert("still_unread_count", x.still_unread_count);
            o.insert("pts", x.pts);
            o
        }
        U::UserTyping(x) => {
            let mut o = Object::new()
                .with("_", "updateUserTyping")
                .with("user_id", x.user_id);
            o.insert_some("top_msg_id", x.top_msg_id);
            o.insert("action", action_raw(&x.action));
            o
        }
        U::ChatUserTyping(x) => Object::new()
            .with("_", "updateChatUserTyping")
            .with("chat_id", model::peer::chat_peer_id(x.chat_id))
            .with("from_id", model::peer::peer_id(&x.from_id).to_string())
            .with("action", action_raw(&x.action)),
        U::ChannelUserTyping(x) => {
            let mut o = Object::new()
                .with("_", "updateChannelUserTyping")
                .with("channel_id", model::peer::channel_peer_id(x.channel_id));
            o.insert_some("top_msg_id", x.top_msg_id);
            o.insert("from_id", model::peer::peer_id(&x.from_id).to_string());
            o.insert("action", action_raw(&x.action));
            o
        }
        // Raw (global mode only): own pins reach the phone like pushed ones (§0.9).
        U::PinnedMessages(x) => Object::new()
            .with("_", "updatePinnedMessages")
            .with("pinned", x.pinned)
            .with("peer", model::peer::peer_id(&x.peer))
            .with("messages", ints(&x.messages))
            .with("pts", x.pts)
            .with("pts_count", x.pts_count),
        U::PinnedChannelMessages(x) => Object::new()
            .with("_", "updatePinnedChannelMessages")
            .with("pinned", x.pinned)
            .with("channel_id", model::peer::channel_peer_id(x.channel_id))
            .with("messages", ints(&x.messages))
            .with("pts", x.pts)
            .with("pts_count", x.pts_count),
        U::UserStatus(x) => Object::new()
            .with("_", "updateUserStatus")
            .with("user_id", x.user_id)
            .with("status", super::peers::user_status(&x.status)),
        _ => return None,
    })
}

pub(super) fn type_name(u: &tl::enums::Update) -> &'static str {
    use tl::enums::Update as U;
    match u {
        U::NewMessage(_) => "updateNewMessage",
        U::NewChannelMessage(_) => "updateNewChannelMessage",
        U::EditMessage(_) => "updateEditMessage",
        U::EditChannelMessage(_) => "updateEditChannelMessage",
        U::DeleteChannelMessages(_) => "updateDeleteChannelMessages",
        U::DeleteMessages(_) => "updateDeleteMessages",
        U::ReadHistoryOutbox(_) => "updateReadHistoryOutbox",
        U::ReadChannelOutbox(_) => "updateReadChannelOutbox",
        U::ReadHistoryInbox(_) => "updateReadHistoryInbox",
        U::ReadChannelInbox(_) => "updateReadChannelInbox",
        U::UserTyping(_) => "updateUserTyping",
        U::ChatUserTyping(_) => "updateChatUserTyping",
        U::ChannelUserTyping(_) => "updateChannelUserTyping",
        U::UserStatus(_) => "updateUserStatus",
        U::PinnedMessages(_) => "updatePinnedMessages",
        U::PinnedChannelMessages(_) => "updatePinnedChannelMessages",
        _ => "",
    }
}

const CHAT_TYPES: [&str; 12] = [
    "updateUserStatus",
    "updateUserTyping",
    "updateChatUserTyping",
    "updateChannelUserTyping",
    "updateNewMessage",
    "updateNewChannelMessage",
    "updateDeleteChannelMessages",
    "updateDeleteMessages",
    "updateEditMessage",
    "updateEditChannelMessage",
    "updateReadHistoryOutbox",
    "updateReadChannelOutbox",
];

/// The filters of one `updates` request (§3.1, §3.4).
#[derive(Debug, Clone)]
struct Filter {
    peer: i64,
    message: i64,
    top_msg: i64,
    types: Option<Vec<String>>,
    exclude: Vec<String>,
    self_id: i64,
}

impl Filter {
    fn from_call(call: &Call<'_>) -> Self {
        let list = |name: &str| {
            call.params
                .get(name)
                .map(|s| s.split(',').map(str::to_owned).collect::<Vec<_>>())
        };
        let mut types = list("types");
        if call.params.get("p") == Some("1") {
            types
                .get_or_insert_with(Vec::new)
                .extend(CHAT_TYPES.iter().map(|s| (*s).to_owned()));
        }
        Self {
            peer: call.params.lenient("peer").unwrap_or(0),
            message: call.params.lenient("message").unwrap_or(0),
            top_msg: call.params.lenient("top_msg").unwrap_or(0),
            types,
            exclude: list("exclude").unwrap_or_default(),
            self_id: call.self_id(),
        }
    }

    fn keeps(&self, u: &tl::enums::Update) -> bool {
        use tl::enums::Update as U;
        let name = type_name(u);
        if self
            .types
            .as_ref()
            .is_some_and(|t| !t.iter().any(|x| x == name))
            || self.exclude.iter().any(|x| x == name)
        {
            return false;
        }
        if self.top_msg != 0 {
            if let Some(t) = top_msg_id(u) {
                if i64::from(t) != self.top_msg {
                    return false;
                }
            }
        }
        if self.peer == 0 {
            return true;
        }
        let channel_kind = matches!(
            u,
            U::NewChannelMessage(_)
                | U::EditChannelMessage(_)
                | U::DeleteChannelMessages(_)
                | U::ReadChannelOutbox(_)
                | U::ChannelUserTyping(_)
        );
        let is_channel_peer = PeerId::new(self.peer).is_channel();
        if matches!(
            u,
            U::DeleteMessages(_)
                | U::ReadHistoryInbox(_)
                | U::ReadChannelInbox(_)
                | U::PinnedMessages(_)
                | U::PinnedChannelMessages(_)
        ) || channel_kind != is_channel_peer
        {
            return false;
        }
        if self.top_msg != 0 && is_channel_peer && !self.in_topic(u) {
            return false;
        }
        match update_peer(u, self.self_id) {
            Some((p, new_id)) => {
                p == self.peer && new_id.is_none_or(|id| i64::from(id) > self.message)
            }
            None => false,
        }
    }

    /// The topic filter of §3.4 on a message's reply header (other updates pass).
    fn in_topic(&self, u: &tl::enums::Update) -> bool {
        use tl::enums::Update as U;
        let m = match u {
            U::NewChannelMessage(x) => &x.message,
            U::EditChannelMessage(x) => &x.message,
            _ => return true,
        };
        let header = match m {
            tl::enums::Message::Message(m) => m.reply_to.as_ref(),
            tl::enums::Message::Service(m) => m.reply_to.as_ref(),
            tl::enums::Message::Empty(_) => return true,
        };
        let header = match header {
            Some(tl::enums::MessageReplyHeader::Header(h)) => Some(h),
            _ => None,
        };
        if self.top_msg == 1 {
            // The General topic: messages without a reply header, or replies inside it.
            return header.is_none_or(|h| {
                h.reply_to_top_id.is_none_or(|t| t == 1)
                    && !(h.forum_topic && h.reply_to_msg_id.is_some_and(|r| r != 1))
            });
        }
        header.is_some_and(|h| {
            i64::from(h.reply_to_top_id.or(h.reply_to_msg_id).unwrap_or(1)) == self.top_msg
        })
    }
}

/// Marks the delivered messages read (`read`, §3.6). The input peer is looked up when the
/// messages are there: a chat first seen in the update itself is in the cache by then.
struct ReadTarget {
    peer: i64,
    top_msg: i32,
    own_chat: bool,
}

impl ReadTarget {
    fn from_call(call: &Call<'_>, filter: &Filter) -> Option<Self> {
        if filter.peer == 0 || !call.params.flag("read") {
            return None;
        }
        Some(Self {
            peer: filter.peer,
            top_msg: i32::try_from(filter.top_msg).unwrap_or(0),
            own_chat: filter.peer == filter.self_id,
        })
    }

    /// Failures are ignored, as in the reference: the answer matters more.
    async fn mark(&self, account: &Account, max_id: i32) {
        let wait = Duration::from_secs(5);
        if PeerId::new(self.peer).is_channel() {
            if self.top_msg != 0 {
                let Some(peer) = account.input_peer(self.peer) else {
                    return;
                };
                let _ = tokio::time::timeout(
                    wait,
                    account.invoke(&tl::functions::messages::ReadDiscussion {
                        peer: peer.clone(),
                        msg_id: self.top_msg,
                        read_max_id: max_id,
                    }),
                )
                .await;
                let _ = tokio::time::timeout(
                    wait,
                    account.invoke(&tl::functions::messages::ReadMentions {
                        peer,
                        top_msg_id: Some(self.top_msg),
                    }),
                )
                .await;
            } else if let Some(channel) = account.input_channel(self.peer) {
                let _ = tokio::time::timeout(
                    wait,
                    account.invoke(&tl::functions::channels::ReadHistory { channel, max_id }),
                )
                .await;
            }
            return;
        }
        let peer = if self.own_chat {
            Some(tl::enums::InputPeer::PeerSelf)
        } else {
            account.input_peer(self.peer)
        };
        if let Some(peer) = peer {
            let _ = tokio::time::timeout(
                wait,
                account.invoke(&tl::functions::messages::ReadHistory { peer, max_id }),
            )
            .await;
        }
    }
}

/// What a poll needs beyond the queue: the account (for `read` and `m`) and its options.
struct Extras {
    account: Account,
    mutes: MuteCache,
    read: Option<ReadTarget>,
    /// `m`: mute/left details on new messages in global mode (§3.5).
    mute_info: bool,
}

impl Extras {
    /// The `m` fields, after `pts_count`: `mute_until` while a chat's own mute lasts, then
    /// `broadcast` or `chat` for channels and groups.
    async fn add_mute_info(&self, u: &tl::enums::Update, obj: &mut Object, self_id: i64) {
        use tl::enums::Update as U;
        let post = match u {
            U::NewMessage(x) => matches!(&x.message, tl::enums::Message::Message(m) if m.post),
            U::NewChannelMessage(x) => {
                matches!(&x.message, tl::enums::Message::Message(m) if m.post)
            }
            _ => return,
        };
        let Some((peer, _)) = update_peer(u, self_id) else {
            return;
        };
        if let Some(until) = self.mutes.own_mute_until(&self.account, peer).await {
            if until > crate::telegram::unix_now() {
                obj.insert("mute_until", until);
            }
        }
        if post {
            obj.insert("broadcast", true);
        } else if peer < 0 {
            obj.insert("chat", true);
        }
    }
}

fn envelope(e: &Entry, cx: &ModelCtx) -> Option<Object> {
    render(&e.update, cx).map(|u| {
        Object::new()
            .with("update_id", i64::from(e.id))
            .with("update", u)
    })
}

/// The offset as the queue reads it: negative and too-large values clamp (§8.2).
pub(super) fn clamp_offset(hub: &UpdateHub, offset: i64) -> u32 {
    let last = i64::from(hub.last_id());
    let off = if offset < 0 {
        last + offset
    } else {
        offset.min(last)
    };
    u32::try_from(off.max(0)).unwrap_or(0)
}

pub(super) fn hub<'a>(call: &'a Call<'_>) -> &'a UpdateHub {
    call.state.updates.start(call.account);
    &call.state.updates
}

/// `updates`: the streamed long poll.
pub fn updates(call: &Call<'_>) -> Result<Reply, ApiError> {
    call.auth()?;
    let offset = call.params.required_set("offset")?;
    let offset = crate::api::params::lenient_int(offset);
    let hub = hub(call).clone();
    let offset = clamp_offset(&hub, offset);
    let mut timeout = call
        .params
        .lenient("timeout")
        .unwrap_or(10)
        .min(TIMEOUT_CAP);
    let longpoll = call.params.lenient("longpoll").unwrap_or(1) != 0;
    if !longpoll {
        timeout = 1;
    }
    let limit = match call.params.lenient("limit") {
        Some(l) if l >= 1 => usize::try_from(l).unwrap_or(100),
        _ => 100,
    };
    // A poll never outlives its timeout, so a longer delay means nothing; clamped because
    // `Instant + Duration` panics on overflow (`delay=9223372036854775807`).
    let delay = call
        .params
        .lenient("delay")
        .unwrap_or(0)
        .clamp(0, TIMEOUT_CAP);
    let filter = Filter::from_call(call);
    let cx = call.model_ctx();
    let enc = call.params.encoding(call.unicode);
    let extras = Extras {
        account: call.account.clone(),
        mutes: call.state.mutes.clone(),
        read: ReadTarget::from_call(call, &filter),
        mute_info: filter.peer == 0 && call.params.flag("m"),
    };
    let guard = call.device.map(|d| hub.open_poll(d));
    let poll = Poll {
        hub,
        guard,
        offset,
        timeout,
        limit,
        delay,
        filter,
        cx,
        enc,
        extras,
    };
    let (tx, rx) = mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        let body = poll.run(&tx).await;
        let _ = tx.send(body).await;
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, Infallible>(b), rx))
    });
    Ok(Reply::Stream(axum::body::Body::from_stream(stream)))
}

/// One long poll, read from the request (§3.1): what it waits on and how it answers.
struct Poll {
    hub: UpdateHub,
    /// Ends the poll on `cancelUpdates` (a device's poll only).
    guard: Option<super::updates_queue::PollGuard>,
    /// Deliver updates after this id.
    offset: u32,
    /// Seconds to wait for a first update.
    timeout: i64,
    /// Most updates read from the queue per pass.
    limit: usize,
    /// Seconds to keep collecting once an update is in.
    delay: i64,
    filter: Filter,
    cx: ModelCtx,
    enc: Encoding,
    extras: Extras,
}

/// The poll's answer: `{"res":[…]}` in the request's encoding. With no update it is always the
/// compact `{"res":[]}`, `pretty` or not, as it always was.
fn answer(updates: Vec<Value>, enc: Encoding) -> Bytes {
    let enc = if updates.is_empty() {
        Encoding::ASCII
    } else {
        enc
    };
    Bytes::from(res(Value::Array(updates)).to_vec(enc))
}

/// The answer when `cancelUpdates` ended the poll: always the compact `{"cancel":1}`.
fn cancel_answer() -> Bytes {
    Bytes::from(Object::new().with("cancel", 1).to_vec(Encoding::ASCII))
}

impl Poll {
    /// Streams keep-alive spaces to `tx` while it waits, and returns the JSON answer.
    async fn run(self, tx: &mpsc::Sender<Bytes>) -> Bytes {
        // Only the guard is taken apart (waiting on it needs it mutable).
        let mut guard = self.guard;
        if tx.send(Bytes::from_static(b" ")).await.is_err() {
            return Bytes::new();
        }
        if self.timeout <= 0 {
            return answer(Vec::new(), self.enc);
        }
        let start = Instant::now();
        let deadline = start + Duration::from_secs(self.timeout.unsigned_abs());
        let delay_end =
            (self.delay > 0).then(|| start + Duration::from_secs(self.delay.unsigned_abs()));
        let mut watch = self.hub.watch();
        let mut cursor = self.offset;
        let mut out: Vec<Value> = Vec::new();
        // The id of the last new message delivered, for `read`.
        let mut last_new: Option<i32> = None;
        let mut next_space = Instant::now() + SPACE_EVERY;
        loop {
            watch.borrow_and_update();
            for e in self.hub.after(cursor, self.limit) {
                cursor = e.id;
                if !self.filter.keeps(&e.update) {
                    continue;
                }
                let Some(mut u) = render(&e.update, &self.cx) else {
                    continue;
                };
                if self.extras.mute_info {
                    self.extras
                        .add_mute_info(&e.update, &mut u, self.filter.self_id)
                        .await;
                }
                if let Some((_, Some(id))) = update_peer(&e.update, self.filter.self_id) {
                    last_new = Some(id);
                }
                out.push(Value::Object(
                    Object::new()
                        .with("update_id", i64::from(e.id))
                        .with("update", u),
                ));
            }
            let now = Instant::now();
            if !out.is_empty() && delay_end.is_none_or(|d| now >= d) {
                break;
            }
            if now >= deadline || self.hub.closing() {
                break;
            }
            let wake = next_space
                .min(deadline)
                .min(delay_end.filter(|_| !out.is_empty()).unwrap_or(deadline));
            let cancelled = async {
                match guard.as_mut() {
                    Some(g) => g.cancelled().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = watch.changed() => {}
                () = cancelled => {
                    return cancel_answer();
                }
                () = tokio::time::sleep_until(wake) => {
                    if Instant::now() >= next_space {
                        next_space = Instant::now() + SPACE_EVERY;
                        if tx.send(Bytes::from_static(b" ")).await.is_err() {
                            return Bytes::new(); // the client left
                        }
                    }
                }
            }
        }
        if out.is_empty() {
            return answer(out, self.enc);
        }
        if let (Some(target), Some(max_id)) = (&self.extras.read, last_new) {
            target.mark(&self.extras.account, max_id).await;
        }
        answer(out, self.enc)
    }
}

/// `getLastUpdate` (§4, §8.6): `{"res": envelope}` with the newest queued update (or the exact
/// message of `peer`+`id`), always an object with an integer `update_id`: the client reads
/// `.getObject("res")` with no default (`client-j2me.md` §9.2), so the reference's
/// `{"res":false}` on an empty queue is not copied.
pub async fn get_last_update(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let hub = hub(call);
    let peer = call.params.lenient("peer").unwrap_or(0);
    let id = call.params.lenient("id").unwrap_or(0);
    let cx = call.model_ctx();
    let self_id = call.self_id();
    if hub.newest_first().is_empty() {
        let mut w = hub.watch();
        let _ = tokio::time::timeout(Duration::from_secs(1), w.changed()).await;
    }
    let all = hub.newest_first();
    if peer != 0 && id != 0 {
        for e in &all {
            if let Some((p, Some(mid))) = update_peer(&e.update, self_id) {
                if p == peer && i64::from(mid) == id {
                    if let Some(env) = envelope(e, &cx) {
                        return Ok(res(env.with("exact", true)));
                    }
                }
            }
        }
    }
    Ok(res(match all.first().and_then(|e| envelope(e, &cx)) {
        Some(env) => env,
        // Nothing queued: the last assigned id, exact, so the next poll starts right after it.
        None => Object::new()
            .with("update_id", i64::from(hub.last_id()))
            .with("exact", true),
    }))
}

/// `cancelUpdates` (§8.7): ends the device's open polls.
pub fn cancel_updates(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let done = call.device.is_some_and(|d| hub(call).cancel(d));
    Ok(if call.version.get() >= 11 {
        res(i64::from(done))
    } else {
        res(done)
    })
}

/// Waits, at most `wait`, for a new message in `peer` queued after update `after` (the browser
/// client's live chat, on the same queue as `updates`). Returns the queue's last update id, and
/// whether such a message came.
pub(crate) async fn wait_for_message(
    state: &super::MethodState,
    self_id: i64,
    peer: i64,
    after: u32,
    wait: Duration,
) -> (u32, bool) {
    let hub = &state.updates;
    let mut newest = hub.watch();
    let deadline = tokio::time::Instant::now() + wait;
    // An id from before a restart (or a wrap) is past the end: start from now.
    let mut seen = if after > hub.last_id() {
        hub.last_id()
    } else {
        after
    };
    loop {
        let fresh = hub.after(seen, usize::MAX);
        if let Some(last) = fresh.last() {
            seen = last.id;
        }
        let hit = fresh
            .iter()
            .any(|e| matches!(update_peer(&e.update, self_id), Some((p, Some(_))) if p == peer));
        if hit || hub.closing() {
            return (seen, hit);
        }
        match tokio::time::timeout_at(deadline, newest.changed()).await {
            Ok(Ok(())) => {}
            _ => return (seen, false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The J2ME client's strict parser reads these exact bytes (they were literals before).
    #[test]
    fn empty_and_cancel_answers_keep_their_bytes() {
        let pretty = Encoding {
            unicode: true,
            pretty: true,
        };
        for enc in [Encoding::ASCII, pretty] {
            assert_eq!(&answer(Vec::new(), enc)[..], b"{\"res\":[]}");
        }
        assert_eq!(&cancel_answer()[..], b"{\"cancel\":1}");
    }
}

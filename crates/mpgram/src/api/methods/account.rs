//! Account methods: `me`/`getSelf`, `updateStatus`, `getNotifySettings`, `getServerTimeOffset`
//! (`methods-core.md` §2).

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use grammers_tl_types as tl;

use super::{res, Call};
use crate::api::error::ApiError;
use crate::api::json::{Encoding, Object};
use crate::api::version::ApiVersion;
use crate::model;
use crate::telegram::TelegramError;

/// `me`: the account's own user. Served from the state cache after the first call, since the
/// J2ME client calls it at every start and as a keep-alive. A logged-out PC account answers
/// `Could not get user info` (503, never 401: the phone would forget its token).
///
/// The answer's bytes are kept per way of writing them (version, emoji, `fields`, encoding) next
/// to the cached user, so the keep-alive writes no JSON; a new user starts with no answers.
pub async fn me(call: &Call<'_>) -> Result<Bytes, ApiError> {
    call.auth()?;
    if call.params.flag("status") {
        // Errors ignored, as the reference does. Boxed, as the fetch below: the keep-alive's
        // future stays small (it is moved whole through every future above it).
        let _ =
            Box::pin(call.invoke(&tl::functions::account::UpdateStatus { offline: false })).await;
    }
    // An `Arc`: the keep-alive `me` copies no user object.
    let cached = call
        .state
        .self_user
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let me = match cached {
        Some(me) => me,
        None => Box::pin(fetch_self(call)).await?,
    };
    let cx = call.model_ctx();
    let key = MeKey {
        version: cx.version,
        keep_emoji: cx.keep_emoji,
        user_status: cx.user_status,
        enc: call.params.encoding(call.unicode),
    };
    Ok(me.answer(key, || model::user(&me.user, &cx)))
}

/// The account's own user from Telegram, cached in the state for the next `me`.
async fn fetch_self(call: &Call<'_>) -> Result<Arc<SelfUser>, ApiError> {
    let users = match tokio::time::timeout(
        call.telegram_timeout,
        call.account
            .invoke_caching(&tl::functions::users::GetUsers {
                id: vec![tl::enums::InputUser::UserSelf],
            }),
    )
    .await
    {
        Ok(Ok(users)) => users,
        Ok(Err(TelegramError::LoggedOut)) => return Err(ApiError::CouldNotGetUserInfo),
        Ok(Err(e)) => return Err(super::telegram_error(e)),
        Err(_) => {
            return Err(ApiError::Unavailable(
                "Telegram is taking too long to answer. Try again in a moment.".into(),
            ))
        }
    };
    let Some(u @ tl::enums::User::User(_)) = users.into_iter().next() else {
        return Err(ApiError::CouldNotGetUserInfo);
    };
    let me = Arc::new(SelfUser::new(u));
    *call
        .state
        .self_user
        .write()
        .unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&me));
    Ok(me)
}

/// The account's own user as `me` last fetched it, with the answers written from it.
#[derive(Debug)]
pub(super) struct SelfUser {
    user: tl::enums::User,
    answers: Mutex<Vec<(MeKey, Bytes)>>,
}

/// Everything a `me` answer's bytes depend on besides the user (see [`model::user`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MeKey {
    version: ApiVersion,
    keep_emoji: bool,
    user_status: bool,
    enc: Encoding,
}

/// At most this many ways of writing `me` are kept (a phone uses one; the rest is rare).
const ME_ANSWERS: usize = 8;

impl SelfUser {
    fn new(user: tl::enums::User) -> Self {
        Self {
            user,
            answers: Mutex::new(Vec::new()),
        }
    }

    /// The answer for `key`, written by `write` the first time.
    fn answer(&self, key: MeKey, write: impl FnOnce() -> Object) -> Bytes {
        let lock = || self.answers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, b)) = lock().iter().find(|(k, _)| *k == key) {
            return b.clone();
        }
        let bytes = Bytes::from(write().to_vec(key.enc));
        let mut answers = lock();
        if answers.len() < ME_ANSWERS && !answers.iter().any(|(k, _)| *k == key) {
            answers.push((key, bytes.clone()));
        }
        bytes
    }
}

/// `updateStatus`: `off` non-empty → offline. `{"res":1}`.
pub async fn update_status(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    call.invoke(&tl::functions::account::UpdateStatus {
        offline: call.params.flag("off"),
    })
    .await?;
    Ok(res(1))
}

/// `getNotifySettings`: `mute_until` of the three global scopes, 0 when unset.
pub async fn get_notify_settings(call: &Call<'_>) -> Result<Object, ApiError> {
    use tl::enums::InputNotifyPeer as N;
    call.auth()?;
    let mut o = Object::new();
    for (key, peer) in [
        ("users", N::InputNotifyUsers),
        ("chats", N::InputNotifyChats),
        ("broadcasts", N::InputNotifyBroadcasts),
    ] {
        let tl::enums::PeerNotifySettings::Settings(s) = call
            .invoke(&tl::functions::account::GetNotifySettings { peer })
            .await?;
        o.insert(key, s.mute_until.unwrap_or(0));
    }
    Ok(o)
}

/// `getServerTimeOffset`: the host's UTC offset in seconds now (no token needed).
pub fn get_server_time_offset() -> Object {
    use chrono::Offset as _;
    res(chrono::Local::now().offset().fix().local_minus_utc())
}

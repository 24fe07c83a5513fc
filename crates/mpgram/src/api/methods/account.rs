//! Account methods: `me`/`getSelf`, `updateStatus`, `getNotifySettings`, `getServerTimeOffset`
//! (`methods-core.md` §2).

use grammers_tl_types as tl;

use super::{res, Call};
use crate::api::error::ApiError;
use crate::api::json::Object;
use crate::model;
use crate::telegram::TelegramError;

/// `me`: the account's own user. Served from the state cache after the first call, since the
/// J2ME client calls it at every start and as a keep-alive. A logged-out PC account answers
/// `Could not get user info` (503, never 401: the phone would forget its token).
pub async fn me(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    if call.params.flag("status") {
        // Errors ignored, as the reference does.
        let _ = call
            .invoke(&tl::functions::account::UpdateStatus { offline: false })
            .await;
    }
    // An `Arc`: the keep-alive `me` copies no user object.
    let cached = call
        .state
        .self_user
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let user = if let Some(u) = cached {
        u
    } else {
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
        let u = std::sync::Arc::new(u);
        *call
            .state
            .self_user
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(std::sync::Arc::clone(&u));
        u
    };
    Ok(model::user(&user, &call.model_ctx()))
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

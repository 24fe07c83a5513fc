//! `account.getNotifySettings` and `account.updateStatus`.

use grammers_tl_types::{enums as e, functions as f, types as t};

use super::{resolve_peer, Ctx, RpcResult};

fn settings(mute_until: Option<i32>) -> e::PeerNotifySettings {
    e::PeerNotifySettings::Settings(t::PeerNotifySettings {
        show_previews: None,
        silent: None,
        mute_until,
        ios_sound: None,
        android_sound: None,
        other_sound: None,
        stories_muted: None,
        stories_hide_sender: None,
        stories_ios_sound: None,
        stories_android_sound: None,
        stories_other_sound: None,
    })
}

/// A chat's own setting (left out, like Telegram, when the chat was never muted) or the
/// account-wide default of a kind of chat (never muted in the fake).
pub fn get_notify_settings(
    ctx: &Ctx<'_>,
    req: f::account::GetNotifySettings,
) -> RpcResult<e::PeerNotifySettings> {
    let w = ctx.world();
    Ok(match &req.peer {
        e::InputNotifyPeer::Peer(p) => {
            let peer = resolve_peer(&w, &p.peer)?;
            let mute = w.dialog(peer).map_or(0, |d| d.mute_until);
            settings((mute != 0).then_some(mute))
        }
        _ => settings(Some(0)),
    })
}

pub fn update_status(_: &Ctx<'_>, _: f::account::UpdateStatus) -> RpcResult<bool> {
    super::ok()
}

//! Saving and removing sticker sets (`messages.installStickerSet` / `uninstallStickerSet`).

use grammers_tl_types::{enums as e, functions as f};

use super::{Ctx, RpcErr, RpcResult};
use crate::world::{access_hash_for, StickerSetRec, World};

/// The set an input names, checking the access hash as Telegram does.
pub(super) fn find_set<'a>(
    w: &'a mut World,
    input: &e::InputStickerSet,
) -> RpcResult<&'a mut StickerSetRec> {
    w.sticker_sets
        .iter_mut()
        .find(|s| match input {
            e::InputStickerSet::Id(x) => s.id == x.id && x.access_hash == access_hash_for(s.id),
            e::InputStickerSet::ShortName(x) => s.short_name.eq_ignore_ascii_case(&x.short_name),
            _ => false,
        })
        .ok_or_else(|| RpcErr::bad("STICKERSET_INVALID"))
}

pub fn install_sticker_set(
    ctx: &Ctx<'_>,
    req: f::messages::InstallStickerSet,
) -> RpcResult<e::messages::StickerSetInstallResult> {
    let mut w = ctx.world();
    find_set(&mut w, &req.stickerset)?.installed = !req.archived;
    Ok(e::messages::StickerSetInstallResult::Success)
}

pub fn uninstall_sticker_set(
    ctx: &Ctx<'_>,
    req: f::messages::UninstallStickerSet,
) -> RpcResult<bool> {
    let mut w = ctx.world();
    find_set(&mut w, &req.stickerset)?.installed = false;
    super::ok()
}

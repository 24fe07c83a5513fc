//! upload.* and sticker sets.

use grammers_tl_types::{enums as e, functions as f, types as t};

use super::{resolve_peer, Ctx, RpcErr, RpcResult};
use crate::world::{access_hash_for, tl as wtl, FileKind};

/// Telegram's part limits: 512 KiB per part, 4000 parts.
const MAX_PART: usize = 512 * 1024;
const MAX_PARTS: i32 = 4000;

fn save_part(ctx: &Ctx<'_>, file_id: i64, part: i32, bytes: Vec<u8>) -> RpcResult<bool> {
    if !(0..MAX_PARTS).contains(&part) {
        return Err(RpcErr::bad("FILE_PART_INVALID"));
    }
    if bytes.len() > MAX_PART {
        return Err(RpcErr::bad("FILE_PART_TOO_BIG"));
    }
    ctx.world()
        .uploads
        .entry(file_id)
        .or_default()
        .insert(part, bytes);
    super::ok()
}

pub fn save_file_part(ctx: &Ctx<'_>, req: f::upload::SaveFilePart) -> RpcResult<bool> {
    save_part(ctx, req.file_id, req.file_part, req.bytes)
}

pub fn save_big_file_part(ctx: &Ctx<'_>, req: f::upload::SaveBigFilePart) -> RpcResult<bool> {
    if req.file_part >= req.file_total_parts {
        return Err(RpcErr::bad("FILE_PART_INVALID"));
    }
    save_part(ctx, req.file_id, req.file_part, req.bytes)
}

pub fn get_file(ctx: &Ctx<'_>, req: f::upload::GetFile) -> RpcResult<e::upload::File> {
    let w = ctx.world();
    let (id, access_hash, thumb) = match &req.location {
        e::InputFileLocation::InputPhotoFileLocation(x) => {
            (x.id, Some(x.access_hash), Some(x.thumb_size.clone()))
        }
        e::InputFileLocation::InputDocumentFileLocation(x) => {
            (x.id, Some(x.access_hash), Some(x.thumb_size.clone()))
        }
        e::InputFileLocation::InputPeerPhotoFileLocation(x) => {
            resolve_peer(&w, &x.peer)?;
            (
                x.photo_id,
                None,
                Some(if x.big { "c" } else { "a" }.to_owned()),
            )
        }
        _ => return Err(RpcErr::bad("LOCATION_INVALID")),
    };
    if access_hash.is_some_and(|h| h != access_hash_for(id)) {
        return Err(RpcErr::bad("FILE_REFERENCE_INVALID"));
    }
    // Telegram's rules: limit a multiple of 1 KiB up to 1 MiB, offset a multiple of 1 KiB.
    if req.limit <= 0 || req.limit > 1024 * 1024 || req.limit % 1024 != 0 {
        return Err(RpcErr::bad("LIMIT_INVALID"));
    }
    if req.offset < 0 || req.offset % 1024 != 0 {
        return Err(RpcErr::bad("OFFSET_INVALID"));
    }
    let is_photo = w
        .files
        .get(&id)
        .is_some_and(|f| matches!(f.kind, FileKind::Photo { .. }));
    let bytes = w
        .file_bytes(id, thumb.as_deref())
        .ok_or_else(|| RpcErr::bad("LOCATION_INVALID"))?;
    let start = usize::try_from(req.offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    let end = (start + usize::try_from(req.limit).unwrap_or(0)).min(bytes.len());
    Ok(e::upload::File::File(t::upload::File {
        r#type: if is_photo {
            e::storage::FileType::FileJpeg
        } else {
            e::storage::FileType::FilePartial
        },
        mtime: 0,
        bytes: bytes[start..end].to_vec(),
    }))
}

pub fn get_sticker_set(
    ctx: &Ctx<'_>,
    req: f::messages::GetStickerSet,
) -> RpcResult<e::messages::StickerSet> {
    let w = ctx.world();
    let set = match &req.stickerset {
        e::InputStickerSet::Id(x) => w.sticker_sets.iter().find(|s| s.id == x.id),
        e::InputStickerSet::ShortName(x) => w
            .sticker_sets
            .iter()
            .find(|s| s.short_name.eq_ignore_ascii_case(&x.short_name)),
        _ => None,
    }
    .ok_or_else(|| RpcErr::bad("STICKERSET_INVALID"))?;
    Ok(e::messages::StickerSet::Set(t::messages::StickerSet {
        set: wtl::sticker_set(set),
        packs: Vec::new(),
        keywords: Vec::new(),
        documents: set
            .stickers
            .iter()
            .filter_map(|id| w.files.get(id))
            .map(|f| wtl::document(&w, f))
            .collect(),
    }))
}

pub fn get_all_stickers(
    ctx: &Ctx<'_>,
    _: f::messages::GetAllStickers,
) -> RpcResult<e::messages::AllStickers> {
    let w = ctx.world();
    Ok(e::messages::AllStickers::Stickers(
        t::messages::AllStickers {
            hash: 0,
            sets: w
                .sticker_sets
                .iter()
                .filter(|s| s.installed)
                .map(wtl::sticker_set)
                .collect(),
        },
    ))
}

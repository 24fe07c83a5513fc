//! Sticker sets: `getStickerSets`, `getStickerSet`, `installStickerSet`,
//! `uninstallStickerSet` (`methods-more.md` §7). IDs and access hashes are decimal strings.

use grammers_tl_types as tl;

use super::{res, Call};
use crate::api::error::ApiError;
use crate::api::json::{Object, Value};
use crate::api::params::lenient_int;

/// `getStickerSets`: the installed sets, `{"res":[{id, access_hash, title, short_name}]}`.
pub async fn get_sticker_sets(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let all = call
        .invoke(&tl::functions::messages::GetAllStickers { hash: 0 })
        .await?;
    let sets = match all {
        tl::enums::messages::AllStickers::Stickers(s) => s.sets,
        tl::enums::messages::AllStickers::NotModified => Vec::new(),
    };
    let list = sets
        .iter()
        .map(|s| {
            let tl::enums::StickerSet::Set(s) = s;
            let mut o = Object::new()
                .with("id", s.id.to_string())
                .with("access_hash", s.access_hash.to_string())
                .with("title", s.title.as_str());
            // Telegram always names real sets; an empty name is left out like a missing one.
            if !s.short_name.is_empty() {
                o.insert("short_name", s.short_name.as_str());
            }
            Value::Object(o)
        })
        .collect();
    Ok(res(Value::Array(list)))
}

/// The set a request names (§7.2): `slug` wins; else `id` then `access_hash`, each *set*.
fn input_set(call: &Call<'_>) -> Result<tl::enums::InputStickerSet, ApiError> {
    if let Some(slug) = call.params.non_empty("slug") {
        return Ok(tl::enums::InputStickerSet::ShortName(
            tl::types::InputStickerSetShortName {
                short_name: slug.to_owned(),
            },
        ));
    }
    let id = lenient_int(call.params.required_set("id")?);
    let access_hash = lenient_int(call.params.required_set("access_hash")?);
    Ok(tl::enums::InputStickerSet::Id(
        tl::types::InputStickerSetId { id, access_hash },
    ))
}

/// `getStickerSet`: the stickers of one set with the set's details.
pub async fn get_sticker_set(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let stickerset = input_set(call)?;
    let answer = call
        .invoke(&tl::functions::messages::GetStickerSet {
            stickerset,
            hash: 0,
        })
        .await?;
    let tl::enums::messages::StickerSet::Set(answer) = answer else {
        return Err(ApiError::Internal("STICKERSET_NOT_MODIFIED".into()));
    };
    let stickers = answer
        .documents
        .iter()
        .filter_map(|d| match d {
            tl::enums::Document::Document(d) => {
                // The phone sends a sticker from this list by id and hash only: keep the file
                // reference Telegram needs with them (methods-more.md §1.8).
                call.state.send.remember_document(d);
                Some(Value::Object(
                    Object::new()
                        .with("id", d.id.to_string())
                        .with("access_hash", d.access_hash.to_string())
                        .with("mime", d.mime_type.as_str()),
                ))
            }
            tl::enums::Document::Empty(_) => None,
        })
        .collect();
    let tl::enums::StickerSet::Set(set) = answer.set;
    let mut o = Object::new()
        .with("res", Value::Array(stickers))
        .with("count", set.count)
        .with("title", set.title);
    // Only a set saved to the account has an installation date; the client offers "add"
    // when it is absent.
    o.insert_some("installed", set.installed_date);
    if !set.short_name.is_empty() {
        o.insert("short_name", set.short_name);
    }
    o.insert("id", set.id.to_string());
    o.insert("access_hash", set.access_hash.to_string());
    Ok(o)
}

/// `installStickerSet` / `uninstallStickerSet`: `{"res":"1"}` (a string).
pub async fn install_sticker_set(call: &Call<'_>, install: bool) -> Result<Object, ApiError> {
    call.auth()?;
    let stickerset = input_set(call)?;
    if install {
        call.invoke(&tl::functions::messages::InstallStickerSet {
            stickerset,
            archived: false,
        })
        .await?;
    } else {
        call.invoke(&tl::functions::messages::UninstallStickerSet { stickerset })
            .await?;
    }
    Ok(res("1"))
}

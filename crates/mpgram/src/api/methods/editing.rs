//! Acting on existing messages and chats: `deleteMessage`, `pinMessage`, `setTyping`
//! (`methods-more.md` §2–§4).

use grammers_tl_types as tl;

use super::peers::{input_channel, is_channel, resolve};
use super::{res, Call};
use crate::api::error::ApiError;
use crate::api::json::Object;
use crate::api::params::lenient_int;

/// `deleteMessage`: `{"res":"1"}` (a string). Parameters are checked before auth (§0.5).
pub async fn delete_message(call: &Call<'_>) -> Result<Object, ApiError> {
    let peer = call.params.required("peer")?;
    let ids = call.params.required("id")?;
    call.auth()?;
    // A list with a non-numeric part is refused rather than passed on half-read (§2).
    let ids = ids
        .split(',')
        .map(|p| p.trim().parse::<i32>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| ApiError::NotInteger("id".into()))?;
    let peer = peer.trim();
    match peer.parse::<i64>() {
        // Users and basic groups: message ids are account-wide, the chat is not sent.
        Ok(id) if !is_channel(id) => {
            call.invoke(&tl::functions::messages::DeleteMessages {
                // Reference bug: `revoke` was ignored, so the other side kept the messages.
                revoke: call.params.flag("revoke"),
                id: ids,
            })
            .await?;
        }
        _ => {
            let (id, _) = resolve(call, peer).await?;
            call.invoke(&tl::functions::channels::DeleteMessages {
                channel: input_channel(call, id)?,
                id: ids,
            })
            .await?;
        }
    }
    Ok(res("1"))
}

/// An "int peer" parameter (§0.6): the lenient integer, then the cached input peer.
pub(super) async fn int_peer(
    call: &Call<'_>,
    value: &str,
) -> Result<tl::enums::InputPeer, ApiError> {
    let id = lenient_int(value);
    Ok(resolve(call, &id.to_string()).await?.1)
}

/// `pinMessage`: pins (silently unless `silent` ≠ 1) or, with `unpin`, unpins message `id`.
pub async fn pin_message(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let silent = call.params.lenient("silent").unwrap_or(1) == 1;
    let unpin = call.params.flag("unpin");
    let peer = call.params.required_set("peer")?;
    let id = lenient_int(call.params.required_set("id")?);
    let peer = int_peer(call, peer).await?;
    call.invoke(&tl::functions::messages::UpdatePinnedMessage {
        silent,
        unpin,
        pm_oneside: false,
        peer,
        id: i32::try_from(id).unwrap_or(0),
    })
    .await?;
    Ok(res("1"))
}

/// The `SendMessageAction` named by `setTyping`'s `action` word (case-sensitive, as the
/// reference builds the constructor name from it).
fn chat_action(word: &str) -> Option<tl::enums::SendMessageAction> {
    use tl::enums::SendMessageAction as A;
    Some(match word {
        "Typing" => A::SendMessageTypingAction,
        "Cancel" => A::SendMessageCancelAction,
        "RecordAudio" => A::SendMessageRecordAudioAction,
        "UploadAudio" => {
            A::SendMessageUploadAudioAction(tl::types::SendMessageUploadAudioAction { progress: 0 })
        }
        "RecordVideo" => A::SendMessageRecordVideoAction,
        "UploadVideo" => {
            A::SendMessageUploadVideoAction(tl::types::SendMessageUploadVideoAction { progress: 0 })
        }
        "UploadPhoto" => {
            A::SendMessageUploadPhotoAction(tl::types::SendMessageUploadPhotoAction { progress: 0 })
        }
        "UploadDocument" => {
            A::SendMessageUploadDocumentAction(tl::types::SendMessageUploadDocumentAction {
                progress: 0,
            })
        }
        "RecordRound" => A::SendMessageRecordRoundAction,
        "UploadRound" => {
            A::SendMessageUploadRoundAction(tl::types::SendMessageUploadRoundAction { progress: 0 })
        }
        "GeoLocation" => A::SendMessageGeoLocationAction,
        "ChooseContact" => A::SendMessageChooseContactAction,
        "ChooseSticker" => A::SendMessageChooseStickerAction,
        "GamePlay" => A::SendMessageGamePlayAction,
        "HistoryImport" => {
            A::SendMessageHistoryImportAction(tl::types::SendMessageHistoryImportAction {
                progress: 0,
            })
        }
        _ => return None,
    })
}

/// `setTyping`: `{"res":1}` (a number). `top` (a forum topic) is accepted as an extension.
pub async fn set_typing(call: &Call<'_>) -> Result<Object, ApiError> {
    call.auth()?;
    let action = call.params.required_set("action")?;
    let peer = call.params.required_set("peer")?;
    // The reference fails inside its library (500); a plain answer says what is wrong.
    let action = chat_action(action)
        .ok_or_else(|| ApiError::Message("Given parameter 'action' is not valid".into()))?;
    let peer = int_peer(call, peer).await?;
    let top_msg_id = call
        .params
        .lenient("top")
        .filter(|t| *t != 0)
        .and_then(|t| i32::try_from(t).ok());
    call.invoke(&tl::functions::messages::SetTyping {
        peer,
        top_msg_id,
        action,
    })
    .await?;
    Ok(res(1))
}

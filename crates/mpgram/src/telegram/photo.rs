//! The logged-in account's own small profile picture, for the desktop window's Home screen.

use std::time::Duration;

use grammers_client::media::Downloadable;
use grammers_tl_types as tl;

use super::{Account, TelegramError};

/// Telegram's small profile picture is 160×160; anything much bigger is not what we asked for.
const LIMIT: usize = 256 * 1024;

struct OwnPhoto {
    photo_id: i64,
    dc: i32,
}

impl Downloadable for OwnPhoto {
    fn to_raw_input_location(&self) -> Option<tl::enums::InputFileLocation> {
        Some(tl::enums::InputFileLocation::InputPeerPhotoFileLocation(
            tl::types::InputPeerPhotoFileLocation {
                big: false,
                peer: tl::enums::InputPeer::PeerSelf,
                photo_id: self.photo_id,
            },
        ))
    }
    fn dc_id(&self) -> Option<i32> {
        (self.dc > 0).then_some(self.dc)
    }
}

impl Account {
    /// The small profile picture of `me` (JPEG bytes), `None` when the account has none.
    pub async fn own_small_photo(
        &self,
        me: &tl::types::User,
        timeout: Duration,
    ) -> Result<Option<Vec<u8>>, TelegramError> {
        let Some(tl::enums::UserProfilePhoto::Photo(p)) = &me.photo else {
            return Ok(None);
        };
        let file = OwnPhoto {
            photo_id: p.photo_id,
            dc: p.dc_id,
        };
        let mut it = self.client().iter_download(&file);
        let mut out = Vec::new();
        loop {
            let chunk = tokio::time::timeout(timeout, it.next())
                .await
                .map_err(|_| TelegramError::Network)??;
            let Some(chunk) = chunk else { break };
            if out.len() + chunk.len() > LIMIT {
                return Ok(None);
            }
            out.extend_from_slice(&chunk);
        }
        Ok((!out.is_empty()).then_some(out))
    }
}

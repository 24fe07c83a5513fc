//! The `file` part of a send (`methods-more.md` §1.6, §1.7): checks in the spec's order, photo
//! vs document by extension, voice notes converted to Ogg/Opus off the runtime, then the bytes
//! go to Telegram in 512 KiB parts (`upload.saveFilePart`, `saveBigFilePart` above 10 MiB).

use std::time::Duration;

use grammers_tl_types as tl;
use tokio::sync::Semaphore;

use super::super::{telegram_error, Call};
use crate::api::error::ApiError;
use crate::api::params::{FileData, UploadedFile};
use crate::media::{self, MediaError};
use crate::telegram::TelegramError;

/// `UPLOAD_SIZE_LIMIT` of the reference: 20 MiB, compared with "greater than".
pub const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;
/// An upload to Telegram may take this long (20 MiB on a slow home uplink).
const UPLOAD_TIMEOUT: Duration = Duration::from_mins(10);

/// Voice conversions running at once (each holds one decoded recording's encoder state).
static CONVERSIONS: Semaphore = Semaphore::const_new(2);

fn msg(s: &str) -> ApiError {
    ApiError::Message(s.to_owned())
}

/// What the request asks for besides the bytes.
pub struct Options {
    pub voice: bool,
    pub uncompressed: bool,
    pub spoiler: bool,
}

/// Checks, converts and uploads the file; the `media` argument of the send.
pub async fn media(
    call: &Call<'_>,
    file: &UploadedFile,
    opts: &Options,
) -> Result<tl::enums::InputMedia, ApiError> {
    if file.data.is_empty() {
        return Err(msg("Size error"));
    }
    if file.data.len() > UPLOAD_LIMIT as u64 {
        return Err(msg("File is too large"));
    }
    let name = base_name(&file.file_name);
    let Some((_, ext)) = name.rsplit_once('.') else {
        return Err(msg("Invalid file"));
    };
    let ext = ext.to_ascii_lowercase();
    // `uncompressed` is ignored for voice notes: the reference's unconverted "voice" (no
    // duration) is a file Telegram apps cannot play (§1.6 reference bug).
    if opts.voice {
        if !media::upload::VOICE_EXTENSIONS.contains(&ext.as_str()) {
            return Err(msg("Unsupported audio format"));
        }
        let data = file
            .data
            .to_bytes()
            .await
            .map_err(|e| ApiError::Internal(format!("reading the upload failed: {e}")))?;
        let note = convert_voice(data, name.to_owned()).await?;
        let uploaded = upload(call, &FileData::Memory(note.ogg.into()), "voice.ogg").await?;
        return Ok(tl::types::InputMediaUploadedDocument {
            nosound_video: false,
            force_file: false,
            spoiler: opts.spoiler,
            file: uploaded,
            thumb: None,
            mime_type: "audio/ogg".into(),
            attributes: vec![tl::types::DocumentAttributeAudio {
                voice: true,
                duration: i32::try_from(note.duration).unwrap_or(i32::MAX),
                title: None,
                performer: None,
                waveform: Some(note.waveform),
            }
            .into()],
            stickers: None,
            video_cover: None,
            video_timestamp: None,
            ttl_seconds: None,
        }
        .into());
    }
    if !opts.uncompressed && matches!(ext.as_str(), "jpg" | "jpeg" | "png") {
        let uploaded = upload(call, &file.data, &format!("upload.{ext}")).await?;
        return Ok(tl::types::InputMediaUploadedPhoto {
            spoiler: opts.spoiler,
            live_photo: false,
            file: uploaded,
            stickers: None,
            ttl_seconds: None,
            video: None,
        }
        .into());
    }
    let mime = mime_type(file.data.head(), &ext);
    let uploaded = upload(call, &file.data, "upload").await?;
    Ok(tl::types::InputMediaUploadedDocument {
        nosound_video: false,
        force_file: false,
        spoiler: opts.spoiler,
        file: uploaded,
        thumb: None,
        mime_type: mime,
        attributes: vec![tl::types::DocumentAttributeFilename {
            file_name: name.to_owned(),
        }
        .into()],
        stickers: None,
        video_cover: None,
        video_timestamp: None,
        ttl_seconds: None,
    }
    .into())
}

/// The name without any directory part (`C:\x\a.jpg`, `/e/a.jpg` → `a.jpg`).
fn base_name(name: &str) -> &str {
    name.rsplit(['/', '\\']).next().unwrap_or(name)
}

/// Content first (magic bytes of `data`, the file's first bytes), then the extension, then
/// `application/octet-stream`.
pub fn mime_type(data: &[u8], ext: &str) -> String {
    if let Some(kind) = infer::get(data) {
        return kind.mime_type().to_owned();
    }
    if let Some(m) = mime_guess::from_ext(ext).first() {
        return m.essence_str().to_owned();
    }
    if !data.is_empty() && std::str::from_utf8(&data[..data.len().min(4096)]).is_ok() {
        return "text/plain".into();
    }
    "application/octet-stream".into()
}

async fn convert_voice(
    data: bytes::Bytes,
    name: String,
) -> Result<media::upload::VoiceNote, ApiError> {
    let _slot = CONVERSIONS
        .acquire()
        .await
        .map_err(|_| msg("Conversion failed"))?;
    let done = tokio::task::spawn_blocking(move || media::audio_to_voice_note(&data, &name)).await;
    match done {
        Ok(Ok(note)) => Ok(note),
        Ok(Err(MediaError::TooLong)) => Err(msg("Duration is too long")),
        Ok(Err(MediaError::UnsupportedFormat)) => Err(msg("Unsupported audio format")),
        Ok(Err(MediaError::FfmpegMissing(what))) => Err(ApiError::Message(format!(
            "Conversion failed: {what} audio needs ffmpeg on the PC"
        ))),
        Ok(Err(e)) => {
            tracing::debug!("voice conversion failed: {e}");
            Err(msg("Conversion failed"))
        }
        Err(_) => Err(msg("Conversion failed")),
    }
}

/// Sends the bytes to Telegram in parts (read from memory or from the upload's temporary file);
/// the `inputFile`/`inputFileBig` to reference.
async fn upload(
    call: &Call<'_>,
    data: &FileData,
    name: &str,
) -> Result<tl::enums::InputFile, ApiError> {
    let mut reader = data
        .reader()
        .map_err(|e| ApiError::Internal(format!("reading the upload failed: {e}")))?;
    let size = usize::try_from(data.len()).unwrap_or(usize::MAX);
    let work = call
        .account
        .client()
        .upload_stream(&mut reader, size, name.to_owned());
    match tokio::time::timeout(UPLOAD_TIMEOUT, work).await {
        Ok(Ok(uploaded)) => Ok(uploaded.raw),
        Ok(Err(e)) => {
            let invocation = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<grammers_mtsender::InvocationError>());
            Err(match invocation {
                Some(inv) => telegram_error(TelegramError::from(clone_invocation(inv))),
                None => ApiError::Internal(format!("upload failed: {e}")),
            })
        }
        Err(_) => Err(ApiError::Unavailable(
            "Telegram is taking too long to take the file. Try again in a moment.".into(),
        )),
    }
}

/// `InvocationError` is not `Clone`; the RPC part is all the answer needs.
fn clone_invocation(e: &grammers_mtsender::InvocationError) -> grammers_mtsender::InvocationError {
    match e {
        grammers_mtsender::InvocationError::Rpc(rpc) => {
            grammers_mtsender::InvocationError::Rpc(rpc.clone())
        }
        other => grammers_mtsender::InvocationError::Io(std::io::Error::other(other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_mime_types() {
        assert_eq!(base_name("C:\\phone\\a.b.JPG"), "a.b.JPG");
        assert_eq!(base_name("/e/x/temp.amr"), "temp.amr");
        assert_eq!(
            mime_type(b"PK\x03\x04rest-of-zip", "zip"),
            "application/zip"
        );
        assert_eq!(mime_type(b"hello world", "txt"), "text/plain");
        assert_eq!(mime_type(b"hello world", "zzz"), "text/plain");
        assert_eq!(
            mime_type(&[0xff, 0, 1, 2, 0x80], "zzz"),
            "application/octet-stream"
        );
    }
}

//! Media conversions for legacy phones (spec: `media.md`): pure functions, no Telegram, no HTTP.
//!
//! * [`image`]: `file.php` conversions (`p=r…` JPEG modes, PNG, rotation, stickers) and the
//!   bounded decoder every image goes through;
//! * [`avatar`]: `ava.php` sizes, square and circle crops, the default picture;
//! * [`voice`]: any voice/audio document → MP3 for `voice.php`;
//! * [`upload`]: an uploaded recording → Ogg/Opus voice note + duration + waveform;
//! * [`waveform`]: Telegram's 100-value, 5-bit waveform.
//!
//! Everything here is CPU-bound and synchronous: callers run it in `spawn_blocking` with bounded
//! concurrency. Bad input always ends in a [`MediaError`], never a panic, and memory is bounded by
//! the size and pixel limits below.

mod audio;
pub mod avatar;
mod ffmpeg;
pub mod image;
mod raster;
pub mod upload;
pub mod voice;
pub mod waveform;

pub use avatar::{convert_avatar, default_avatar_png, AvatarConversion};
pub use image::{convert_image, Conversion, FileConversion, ImageSizes, JpegMode};
pub use upload::{audio_to_voice_note, VoiceNote};
pub use voice::voice_to_mp3;

/// `IMAGE_SIZE_LIMIT`: inputs above this many bytes are not decoded (media.md §1.7).
pub const IMAGE_SIZE_LIMIT: usize = 30 * 1024 * 1024;
/// Decoded pixel cap, so a small file claiming a huge canvas (decompression bomb) is refused.
pub const MAX_PIXELS: u64 = 40_000_000;
/// Largest side we ever produce; `s`, `tw`, `th` and avatar sizes are clamped to it.
pub const MAX_OUTPUT_SIDE: u32 = 2048;
/// Longest audio we convert (media.md §5.3: longer uploads → "Duration is too long").
pub const MAX_AUDIO_SECONDS: u32 = 3600;
/// Largest audio input we accept (the upload limit, media.md §7).
pub const AUDIO_SIZE_LIMIT: usize = 20 * 1024 * 1024;

/// A converted file and its `Content-Type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Converted {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
}

/// Why a conversion failed. The server maps these to status codes; the text is safe to show.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// Input bytes over the limit → 400 `File is too large!`.
    #[error("File is too large!")]
    TooLarge,
    /// Decoded size over [`MAX_PIXELS`] (or absurd dimensions) → 400.
    #[error("image is too large: {width}x{height}")]
    TooManyPixels { width: u32, height: u32 },
    /// Not an image/audio format we can read → 415.
    #[error("unsupported format")]
    UnsupportedFormat,
    /// The bytes claim a known format but do not decode → 415/500.
    #[error("corrupt image: {0}")]
    CorruptImage(String),
    #[error("corrupt audio: {0}")]
    CorruptAudio(String),
    /// The audio decodes to nothing at all.
    #[error("no audio in file")]
    NoAudio,
    /// Longer than [`MAX_AUDIO_SECONDS`] → "Duration is too long".
    #[error("Duration is too long")]
    TooLong,
    /// A bad `p`/size parameter → 400.
    #[error("bad parameter: {0}")]
    BadParameter(&'static str),
    /// Lottie (TGS) rendering is not implemented; the server answers 403 as the reference does.
    #[error("TGS conversion disabled")]
    TgsDisabled,
    /// The format needs ffmpeg (e.g. AMR) and none is on `PATH`.
    #[error("{0} audio needs ffmpeg, which is not installed")]
    FfmpegMissing(&'static str),
    #[error("ffmpeg failed: {0}")]
    Ffmpeg(String),
    /// An encoder refused valid input: a bug or resource exhaustion, not the user's fault.
    #[error("encoder failed: {0}")]
    Encode(String),
}

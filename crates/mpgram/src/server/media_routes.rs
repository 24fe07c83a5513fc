//! The media endpoints of `media.md`: `file.php`, `file/NAME`, `ava.php`, `voice.php`.
//!
//! Raw downloads stream Telegram's chunks straight into the HTTP body (with `Range`); conversions
//! download the (size-capped) source, run in `spawn_blocking` behind a semaphore, and are kept in
//! an on-disk cache with a size cap (LRU by modification time). Every failure is a short
//! plain-text answer with the spec's status; a token failure is 401 with an empty body.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, Response, StatusCode};
use base64::Engine as _;
use grammers_client::media::Downloadable;
use grammers_tl_types as tl;
use sha2::{Digest as _, Sha256};
use tokio::sync::Semaphore;

use super::api_php::{caller, peer_ip};
use super::{AppState, ServerConfig};
use crate::api::auth::{check_instance_password, is_well_formed_token, media_token};
use crate::api::headers;
use crate::api::methods::Caller;
use crate::api::params::{is_php_numeric, parse_urlencoded, Params, RequestInput};
use crate::media::{
    convert_avatar, convert_image, default_avatar_png, voice_to_mp3, AvatarConversion, Conversion,
    Converted, FileConversion, ImageSizes, MediaError, AUDIO_SIZE_LIMIT, IMAGE_SIZE_LIMIT,
};
use crate::pairing::DeviceInfo;
use crate::telegram::Account;

/// `DOWNLOAD_SIZE_LIMIT`: raw downloads above this are refused (media.md §1.2).
pub const DOWNLOAD_SIZE_LIMIT: u64 = 1024 * 1024 * 1024;
/// Converted files kept on disk at most.
pub const CACHE_CAP_BYTES: u64 = 256 * 1024 * 1024;
/// Thumbnails are small; a larger one is refused rather than held in memory.
const THUMB_SIZE_LIMIT: usize = 4 * 1024 * 1024;
/// Profile pictures (normally 640×640 JPEG).
const AVATAR_SIZE_LIMIT: usize = 8 * 1024 * 1024;
const CONVERTED_CACHE: &str = "private, max-age=2592000";
const RAW_CACHE: &str = "max-age=31556926";

/// Why a media request failed; each variant is one status and a short safe text.
#[derive(Debug, thiserror::Error)]
pub enum MediaFail {
    #[error("")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(&'static str),
    #[error("{0}")]
    RangeNotSatisfiable(u64),
    #[error("{0}")]
    Unsupported(&'static str),
    #[error("{0}")]
    Internal(String),
}

impl MediaFail {
    fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn into_response(self) -> Response<Body> {
        let status = self.status();
        let mut r = match &self {
            // Empty bodies where the reference sends none (401, TGS 403, 404 of `ava.php?a`).
            Self::Unauthorized => Response::new(Body::empty()),
            Self::Forbidden(t) if t.is_empty() => Response::new(Body::empty()),
            Self::RangeNotSatisfiable(size) => {
                let mut r = text_response("Requested range not satisfiable");
                if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                    r.headers_mut().insert(header::CONTENT_RANGE, v);
                }
                r
            }
            other => text_response(&other.to_string()),
        };
        *r.status_mut() = status;
        r
    }
}

fn text_response(text: &str) -> Response<Body> {
    let mut r = Response::new(Body::from(text.to_owned()));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

impl From<MediaError> for MediaFail {
    fn from(e: MediaError) -> Self {
        match e {
            MediaError::TooLarge => Self::BadRequest("File is too large!".into()),
            MediaError::TooManyPixels { .. } | MediaError::BadParameter(_) => {
                Self::BadRequest(e.to_string())
            }
            MediaError::TgsDisabled => Self::Forbidden(String::new()),
            MediaError::UnsupportedFormat | MediaError::CorruptImage(_) => {
                Self::Unsupported("This file cannot be shown as a picture")
            }
            MediaError::CorruptAudio(_) | MediaError::NoAudio | MediaError::TooLong => {
                Self::Internal("Conversion failed".into())
            }
            MediaError::FfmpegMissing(_) | MediaError::Ffmpeg(_) | MediaError::Encode(_) => {
                tracing::info!("media conversion failed: {e}");
                Self::Internal("Conversion failed".into())
            }
        }
    }
}

fn telegram_fail(e: impl std::fmt::Display) -> MediaFail {
    tracing::info!("media: telegram call failed: {e}");
    MediaFail::Internal("Telegram did not give the file".into())
}

/// Conversion slots and the disk cache, shared by all media requests (of every account: a
/// Telegram file is the same bytes whoever downloads it).
pub(crate) struct MediaState {
    slots: Semaphore,
    cache: DiskCache,
}

impl MediaState {
    pub(crate) fn new(config: &ServerConfig) -> Self {
        let slots = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
        let dir = config.media_cache_dir.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("mpgram-media-{}", std::process::id()))
        });
        Self {
            slots: Semaphore::new(slots),
            cache: DiskCache::new(dir, CACHE_CAP_BYTES),
        }
    }
}

/// One media request on the caller's account (the PC's, or a guest's own).
struct Media<'a> {
    shared: &'a MediaState,
    account: &'a Account,
    timeout: std::time::Duration,
}

/// `file.php`, `file/NAME`, `ava.php`, `voice.php`.
pub(super) async fn handle(state: AppState, ep: Endpoint, req: Request) -> Response<Body> {
    let ip = peer_ip(&req);
    let (parts, _) = req.into_parts();
    if parts.method != Method::GET && parts.method != Method::HEAD {
        let mut r = text_response("Only GET is supported");
        *r.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        return r;
    }
    let query: HashMap<String, String> =
        parse_urlencoded(parts.uri.query().unwrap_or("").as_bytes())
            .into_iter()
            .collect();
    let r = Req {
        query,
        headers: parts.headers,
        head: parts.method == Method::HEAD,
    };
    let result = match authorize(&state, &r, ip) {
        Err(e) => Err(e),
        Ok(account) => {
            let m = Media {
                shared: state.media(),
                account: &account,
                timeout: state.config().telegram_timeout,
            };
            match ep {
                Endpoint::File { named } => m.file(&r, named).await,
                Endpoint::Avatar => m.avatar(&r).await,
                Endpoint::Voice => m.voice(&r).await,
            }
        }
    };
    let mut resp = result.unwrap_or_else(MediaFail::into_response);
    if not_modified(&r.headers, &resp) {
        // The browser has these bytes already: nothing more crosses the phone's link.
        *resp.status_mut() = StatusCode::NOT_MODIFIED;
        resp.headers_mut().remove(header::CONTENT_LENGTH);
        resp.headers_mut().remove(header::CONTENT_TYPE);
        *resp.body_mut() = Body::empty();
    }
    if r.head {
        *resp.body_mut() = Body::empty();
    }
    resp
}

/// A 200 whose `ETag` the request's `If-None-Match` names.
fn not_modified(req: &HeaderMap, resp: &Response<Body>) -> bool {
    let (Some(tag), Some(asked)) = (
        resp.headers().get(header::ETAG),
        req.get(header::IF_NONE_MATCH),
    ) else {
        return false;
    };
    resp.status() == StatusCode::OK
        && asked
            .to_str()
            .is_ok_and(|a| a.split(',').any(|t| t.trim().as_bytes() == tag.as_bytes()))
}

/// media.md §0.2: `user` in the query (no other header needed: native players), else the
/// cookie or header with the instance password as on `api.php`. `Ok`: the account to serve.
fn authorize(state: &AppState, r: &Req, ip: std::net::IpAddr) -> Result<Account, MediaFail> {
    let header = |n: &str| r.headers.get(n).and_then(|v| v.to_str().ok());
    let cookie_params = Params::parse(&RequestInput {
        cookie: header(header::COOKIE.as_str()),
        ..RequestInput::default()
    });
    let query_user = r.get("user");
    // The browser client's cookie last (media.md §0.2: "the web UI's login session"); its
    // pictures are plain `<img>` requests, which carry no header.
    let web = header(header::COOKIE.as_str()).and_then(super::web::token_cookie);
    let token = media_token(
        query_user,
        cookie_params.user(),
        header(headers::X_MPGRAM_USER),
    )
    .or(web.as_deref())
    .filter(|t| is_well_formed_token(t))
    .ok_or(MediaFail::Unauthorized)?;
    let account = match caller(state, ip, Some(token), &DeviceInfo::default(), true) {
        Ok(Caller::Device(_)) => state.account().clone(),
        Ok(Caller::Guest(g)) if g.api().is_some() => g.account.clone(),
        // Unknown, still logging in, or throttled: the media endpoints answer 401 alone.
        _ => return Err(MediaFail::Unauthorized),
    };
    // A paired browser is let in by its pairing, as on its pages.
    if query_user.is_none() && web.as_deref() != Some(token) {
        check_instance_password(
            state.config().instance_password.as_deref(),
            header(headers::X_MPGRAM_INSTANCE_PASSWORD),
        )
        .map_err(|e| MediaFail::Forbidden(e.to_string()))?;
    }
    Ok(account)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Endpoint {
    /// `file.php`; `named` = reached as `file/NAME`.
    File {
        named: bool,
    },
    Avatar,
    Voice,
}

/// The request as the handlers need it.
struct Req {
    query: HashMap<String, String>,
    headers: HeaderMap,
    head: bool,
}

impl Req {
    fn get(&self, k: &str) -> Option<&str> {
        self.query.get(k).map(String::as_str)
    }
}

impl Media<'_> {
    // ---- file.php ----

    async fn file(&self, r: &Req, named: bool) -> Result<Response<Body>, MediaFail> {
        let (source, key) = if let Some(id) = r.get("sticker") {
            let id: i64 = id
                .trim()
                .parse()
                .map_err(|_| MediaFail::BadRequest("Bad sticker id".into()))?;
            let hash: i64 = r
                .get("access_hash")
                .and_then(|h| h.trim().parse().ok())
                .ok_or_else(|| MediaFail::BadRequest("access_hash is required".into()))?;
            (Source::sticker(id, hash), format!("sticker:{id}"))
        } else {
            let (c, m) = chat_and_message(r)?;
            (self.message_media(c, m).await?, format!("msg:{c}:{m}"))
        };
        if source.size().unwrap_or(0) > DOWNLOAD_SIZE_LIMIT {
            return Err(MediaFail::BadRequest("File is too large!".into()));
        }
        let sizes = ImageSizes::from_params(r.get("s"), r.get("tw"), r.get("th"));
        match FileConversion::parse(r.get("p")) {
            FileConversion::Raw => self.stream_raw(r, &source, named).await,
            FileConversion::Thumb(None) => {
                let thumb = source.thumb().ok_or(MediaFail::NotFound("No thumbnail"))?;
                let bytes = self.download(&thumb, THUMB_SIZE_LIMIT).await?;
                let mime = sniff_image(&bytes).unwrap_or("application/octet-stream");
                Ok(bytes_response(bytes, mime, Some(RAW_CACHE)))
            }
            FileConversion::Thumb(Some(conv)) => {
                let key = format!("{key}:thumb:{conv:?}:{sizes:?}");
                self.convert_cached(
                    key,
                    async {
                        let thumb = source.thumb().ok_or(MediaFail::NotFound("No thumbnail"))?;
                        self.download(&thumb, THUMB_SIZE_LIMIT).await
                    },
                    conv,
                    sizes,
                )
                .await
            }
            FileConversion::Convert(conv) => {
                if let Conversion::Tgs { .. } = conv {
                    return Err(MediaError::TgsDisabled.into());
                }
                if source.size().unwrap_or(0) > IMAGE_SIZE_LIMIT as u64 {
                    return Err(MediaFail::BadRequest("File is too large!".into()));
                }
                let key = format!("{key}:{conv:?}:{sizes:?}");
                if let Some(hit) = self.shared.cache.get(&key).await {
                    return Ok(converted_response(hit));
                }
                // Not an image (video, video sticker, PDF…): its thumbnail, as media.md §1.7.
                let result = if source.is_image() {
                    let bytes = self.download(&source.main(), IMAGE_SIZE_LIMIT).await?;
                    self.convert(bytes, conv, sizes).await
                } else {
                    Err(MediaFail::Unsupported(
                        "This file cannot be shown as a picture",
                    ))
                };
                let out = match result {
                    Err(MediaFail::Unsupported(why)) => {
                        let thumb = source.thumb().ok_or(MediaFail::Unsupported(why))?;
                        let bytes = self.download(&thumb, THUMB_SIZE_LIMIT).await?;
                        self.convert(bytes, conv, sizes).await?
                    }
                    other => other?,
                };
                self.shared.cache.put(&key, &out).await;
                Ok(converted_response(out))
            }
        }
    }

    async fn convert_cached(
        &self,
        key: String,
        input: impl std::future::Future<Output = Result<Vec<u8>, MediaFail>>,
        conv: Conversion,
        sizes: ImageSizes,
    ) -> Result<Response<Body>, MediaFail> {
        if let Some(hit) = self.shared.cache.get(&key).await {
            return Ok(converted_response(hit));
        }
        if let Conversion::Tgs { .. } = conv {
            return Err(MediaError::TgsDisabled.into());
        }
        let out = self.convert(input.await?, conv, sizes).await?;
        self.shared.cache.put(&key, &out).await;
        Ok(converted_response(out))
    }

    async fn convert(
        &self,
        bytes: Vec<u8>,
        conv: Conversion,
        sizes: ImageSizes,
    ) -> Result<Converted, MediaFail> {
        self.blocking(move || convert_image(&bytes, conv, sizes))
            .await
    }

    /// Runs a conversion on the blocking pool, at most `slots` at once.
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> Result<T, MediaError> + Send + 'static,
    ) -> Result<T, MediaFail> {
        let _permit = self
            .shared
            .slots
            .acquire()
            .await
            .map_err(|_| MediaFail::Internal("shutting down".into()))?;
        match tokio::task::spawn_blocking(f).await {
            Ok(r) => Ok(r?),
            Err(e) => {
                tracing::warn!("media conversion task failed: {e}");
                Err(MediaFail::Internal("Conversion failed".into()))
            }
        }
    }

    /// The media of message `m` in chat `c` (media.md §1.2).
    async fn message_media(&self, c: i64, m: i32) -> Result<Source, MediaFail> {
        let account = self.account;
        let ids = vec![tl::enums::InputMessage::Id(tl::types::InputMessageId {
            id: m,
        })];
        let timeout = self.timeout;
        let call = async {
            if crate::wire::peer_id::PeerId::new(c).is_channel() {
                let channel = account
                    .input_channel(c)
                    .ok_or(MediaFail::NotFound("Unknown chat"))?;
                account
                    .invoke(&tl::functions::channels::GetMessages { channel, id: ids })
                    .await
                    .map_err(telegram_fail)
            } else {
                account
                    .invoke(&tl::functions::messages::GetMessages { id: ids })
                    .await
                    .map_err(telegram_fail)
            }
        };
        let answer = tokio::time::timeout(timeout, call)
            .await
            .map_err(|_| MediaFail::Internal("Telegram did not answer in time".into()))??;
        let messages = match answer {
            tl::enums::messages::Messages::Messages(x) => x.messages,
            tl::enums::messages::Messages::Slice(x) => x.messages,
            tl::enums::messages::Messages::ChannelMessages(x) => x.messages,
            tl::enums::messages::Messages::NotModified(_) => Vec::new(),
        };
        let media = messages
            .into_iter()
            .find_map(|msg| match msg {
                tl::enums::Message::Message(x) if x.id == m => x.media,
                _ => None,
            })
            .ok_or(MediaFail::NotFound("No such message or no media"))?;
        match media {
            tl::enums::MessageMedia::Photo(tl::types::MessageMediaPhoto {
                photo: Some(tl::enums::Photo::Photo(p)),
                ..
            }) => Ok(Source::Photo(p)),
            tl::enums::MessageMedia::Document(tl::types::MessageMediaDocument {
                document: Some(tl::enums::Document::Document(d)),
                ..
            }) => Ok(Source::Document(d)),
            _ => Err(MediaFail::NotFound("This message has no file")),
        }
    }

    /// Downloads a whole (small) file into memory, refusing more than `limit` bytes.
    async fn download(&self, file: &FileLoc, limit: usize) -> Result<Vec<u8>, MediaFail> {
        if let Some(data) = &file.inline {
            return Ok(data.clone());
        }
        if file.size.is_some_and(|s| s > limit as u64) {
            return Err(MediaFail::BadRequest("File is too large!".into()));
        }
        let mut it = self.account.client().iter_download(file);
        let mut out = Vec::with_capacity(file.size.unwrap_or(0).min(limit as u64) as usize);
        let timeout = self.timeout;
        loop {
            let chunk = tokio::time::timeout(timeout, it.next())
                .await
                .map_err(|_| MediaFail::Internal("Telegram did not answer in time".into()))?
                .map_err(telegram_fail)?;
            let Some(chunk) = chunk else { break };
            if out.len() + chunk.len() > limit {
                return Err(MediaFail::BadRequest("File is too large!".into()));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// media.md §1.8: the original, streamed chunk by chunk, with ranges.
    async fn stream_raw(
        &self,
        r: &Req,
        source: &Source,
        named: bool,
    ) -> Result<Response<Body>, MediaFail> {
        let file = source.main();
        let Some(size) = file.size.filter(|s| *s > 0) else {
            // Size unknown (stickers by id): small files, sent whole with an exact length.
            let bytes = self.download(&file, IMAGE_SIZE_LIMIT).await?;
            let mut resp = bytes_response(bytes, "", Some(RAW_CACHE));
            set(&mut resp, header::CONTENT_TYPE, &source.mime());
            return Ok(resp);
        };
        let (first, last) = match r.headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
            Some(range) => parse_range(range, size)?,
            None => (0, size - 1),
        };
        let len = last - first + 1;
        let partial = len != size;
        let mut resp = Response::new(Body::empty());
        if partial {
            *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
            set(
                &mut resp,
                header::CONTENT_RANGE,
                &format!("bytes {first}-{last}/{size}"),
            );
        }
        set(&mut resp, header::CONTENT_TYPE, &source.mime());
        set(&mut resp, header::CONTENT_LENGTH, &len.to_string());
        set(&mut resp, header::ACCEPT_RANGES, "bytes");
        set(&mut resp, header::CACHE_CONTROL, RAW_CACHE);
        if !named && !r.head {
            if let Some(name) = source.file_name() {
                set(
                    &mut resp,
                    header::CONTENT_DISPOSITION,
                    &content_disposition(&name),
                );
            }
        }
        if r.head {
            return Ok(resp);
        }
        *resp.body_mut() = self.chunk_stream(&file, first, len);
        Ok(resp)
    }

    /// Telegram chunks of 512 KiB from the one containing `first`, trimmed to `len` bytes.
    fn chunk_stream(&self, file: &FileLoc, first: u64, len: u64) -> Body {
        const CHUNK: u64 = 512 * 1024;
        let it = self
            .account
            .client()
            .iter_download(file)
            .skip_chunks((first / CHUNK) as i32);
        let skip = (first % CHUNK) as usize;
        let timeout = self.timeout;
        let stream =
            futures_util::stream::unfold((it, skip, len), move |(mut it, skip, left)| async move {
                if left == 0 {
                    return None;
                }
                let next = tokio::time::timeout(timeout, it.next()).await;
                let chunk = match next {
                    Ok(Ok(Some(c))) => c,
                    Ok(Ok(None)) => return None,
                    Ok(Err(e)) => {
                        tracing::info!("media: download failed mid-stream: {e}");
                        return Some((Err(std::io::Error::other("download failed")), (it, 0, 0)));
                    }
                    Err(_) => {
                        return Some((Err(std::io::Error::other("download timed out")), (it, 0, 0)))
                    }
                };
                let mut bytes = bytes::Bytes::from(chunk);
                bytes = bytes.slice(skip.min(bytes.len())..);
                if bytes.len() as u64 > left {
                    bytes.truncate(left as usize);
                }
                let left = left - bytes.len() as u64;
                Some((Ok(bytes), (it, 0, left)))
            });
        Body::from_stream(stream)
    }

    // ---- ava.php ----

    async fn avatar(&self, r: &Req) -> Result<Response<Body>, MediaFail> {
        let c: i64 = r
            .get("c")
            .and_then(|c| c.trim().parse().ok())
            .ok_or_else(|| MediaFail::BadRequest("c is required".into()))?;
        let conv = AvatarConversion::parse(r.get("p"))?;
        let photo = self.current_photo(c).await?;
        let Some((peer, photo_id, dc_id)) = photo else {
            if r.query.contains_key("a") {
                return Err(MediaFail::NotFound(""));
            }
            let png = default_avatar_png(c < 0);
            return match conv {
                None => Ok(bytes_response(png, "image/png", Some(CONVERTED_CACHE))),
                Some(conv) => {
                    let out = self.blocking(move || convert_avatar(&png, conv)).await?;
                    Ok(converted_response(out))
                }
            };
        };
        let file = FileLoc {
            location: tl::enums::InputFileLocation::InputPeerPhotoFileLocation(
                tl::types::InputPeerPhotoFileLocation {
                    big: true,
                    peer,
                    photo_id,
                },
            ),
            size: None,
            dc: dc_id,
            inline: None,
        };
        let Some(conv) = conv else {
            let bytes = self.download(&file, AVATAR_SIZE_LIMIT).await?;
            let mime = sniff_image(&bytes).unwrap_or("image/jpeg");
            return Ok(bytes_response(bytes, mime, Some(RAW_CACHE)));
        };
        let key = format!("ava:{c}:{photo_id}:{conv:?}");
        if let Some(hit) = self.shared.cache.get(&key).await {
            return Ok(converted_response(hit));
        }
        let bytes = self.download(&file, AVATAR_SIZE_LIMIT).await?;
        let out = self.blocking(move || convert_avatar(&bytes, conv)).await?;
        self.shared.cache.put(&key, &out).await;
        Ok(converted_response(out))
    }

    /// The peer's current profile picture: `(input peer, photo id, dc)`, or `None` without one.
    async fn current_photo(
        &self,
        c: i64,
    ) -> Result<Option<(tl::enums::InputPeer, i64, i32)>, MediaFail> {
        let account = self.account;
        let peer = account
            .input_peer(c)
            .ok_or(MediaFail::NotFound("Unknown peer"))?;
        let timeout = self.timeout;
        let call = async {
            let photo = match &peer {
                tl::enums::InputPeer::User(_) | tl::enums::InputPeer::PeerSelf => {
                    let user = account
                        .input_user(c)
                        .unwrap_or(tl::enums::InputUser::UserSelf);
                    let users = account
                        .invoke(&tl::functions::users::GetUsers { id: vec![user] })
                        .await
                        .map_err(telegram_fail)?;
                    users.into_iter().find_map(|u| match u {
                        tl::enums::User::User(u) => match u.photo {
                            Some(tl::enums::UserProfilePhoto::Photo(p)) => {
                                Some((p.photo_id, p.dc_id))
                            }
                            _ => None,
                        },
                        tl::enums::User::Empty(_) => None,
                    })
                }
                tl::enums::InputPeer::Chat(x) => {
                    let chats = account
                        .invoke(&tl::functions::messages::GetChats {
                            id: vec![x.chat_id],
                        })
                        .await
                        .map_err(telegram_fail)?;
                    chat_photo(chats)
                }
                tl::enums::InputPeer::Channel(_) => {
                    let channel = account
                        .input_channel(c)
                        .ok_or(MediaFail::NotFound("Unknown peer"))?;
                    let chats = account
                        .invoke(&tl::functions::channels::GetChannels { id: vec![channel] })
                        .await
                        .map_err(telegram_fail)?;
                    chat_photo(chats)
                }
                _ => None,
            };
            Ok::<_, MediaFail>(photo)
        };
        let photo = tokio::time::timeout(timeout, call)
            .await
            .map_err(|_| MediaFail::Internal("Telegram did not answer in time".into()))??;
        Ok(photo.map(|(id, dc)| (peer, id, dc)))
    }

    // ---- voice.php ----

    async fn voice(&self, r: &Req) -> Result<Response<Body>, MediaFail> {
        let (c, m) = chat_and_message(r)?;
        let Source::Document(doc) = self.message_media(c, m).await? else {
            return Err(MediaFail::NotFound("This message has no audio"));
        };
        if doc.size > AUDIO_SIZE_LIMIT as i64 {
            return Err(MediaFail::BadRequest("File is too large!".into()));
        }
        let key = format!("voice:{c}:{m}:{}", doc.id);
        let out = if let Some(hit) = self.shared.cache.get(&key).await {
            hit
        } else {
            let ext = ext_for_mime(&doc.mime_type).map(|e| e.trim_start_matches('.').to_owned());
            let source = Source::Document(doc);
            let bytes = self.download(&source.main(), AUDIO_SIZE_LIMIT).await?;
            let mp3 = self
                .blocking(move || voice_to_mp3(&bytes, ext.as_deref()))
                .await?;
            let out = Converted {
                bytes: mp3,
                mime: "audio/mpeg",
            };
            self.shared.cache.put(&key, &out).await;
            out
        };
        Ok(bytes_response(out.bytes, "audio/mpeg", None))
    }
}

fn chat_photo(chats: tl::enums::messages::Chats) -> Option<(i64, i32)> {
    let list = match chats {
        tl::enums::messages::Chats::Chats(x) => x.chats,
        tl::enums::messages::Chats::Slice(x) => x.chats,
    };
    list.into_iter().find_map(|c| {
        let photo = match c {
            tl::enums::Chat::Chat(x) => x.photo,
            tl::enums::Chat::Channel(x) => x.photo,
            _ => return None,
        };
        match photo {
            tl::enums::ChatPhoto::Photo(p) => Some((p.photo_id, p.dc_id)),
            tl::enums::ChatPhoto::Empty => None,
        }
    })
}

/// `c` and `m`, both numeric as PHP's `is_numeric` (else 400, fixing the reference's empty 200).
fn chat_and_message(r: &Req) -> Result<(i64, i32), MediaFail> {
    let bad = || MediaFail::BadRequest("c and m must be numbers".into());
    let c = r.get("c").filter(|c| is_php_numeric(c)).ok_or_else(bad)?;
    let m = r.get("m").filter(|m| is_php_numeric(m)).ok_or_else(bad)?;
    let c: i64 = c.trim().parse().map_err(|_| bad())?;
    let m: i32 = m.trim().parse().map_err(|_| bad())?;
    Ok((c, m))
}

/// `bytes=first-[last]` or `bytes=-suffix` (RFC 9110); only the first of several ranges.
fn parse_range(range: &str, size: u64) -> Result<(u64, u64), MediaFail> {
    let bad = MediaFail::RangeNotSatisfiable(size);
    let Some(spec) = range.trim().strip_prefix("bytes=") else {
        return Err(bad);
    };
    let spec = spec.split(',').next().unwrap_or("").trim();
    let (a, b) = spec
        .split_once('-')
        .ok_or(MediaFail::RangeNotSatisfiable(size))?;
    let (a, b) = (a.trim(), b.trim());
    if a.is_empty() {
        let n: u64 = b
            .parse()
            .map_err(|_| MediaFail::RangeNotSatisfiable(size))?;
        if n == 0 {
            return Err(bad);
        }
        return Ok((size.saturating_sub(n), size - 1));
    }
    let first: u64 = a
        .parse()
        .map_err(|_| MediaFail::RangeNotSatisfiable(size))?;
    let last = if b.is_empty() {
        size - 1
    } else {
        b.parse::<u64>()
            .map_err(|_| MediaFail::RangeNotSatisfiable(size))?
            .min(size - 1)
    };
    if first > last {
        return Err(bad);
    }
    Ok((first, last))
}

fn set(resp: &mut Response<Body>, name: header::HeaderName, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

fn bytes_response(bytes: Vec<u8>, mime: &str, cache: Option<&str>) -> Response<Body> {
    let len = bytes.len();
    // The bytes' own digest: the same picture asked again is a 304 (browsers revalidate).
    let tag = cache.map(|_| {
        let d = Sha256::digest(&bytes);
        format!(
            "\"{}\"",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&d[..12])
        )
    });
    let mut resp = Response::new(Body::from(bytes));
    if !mime.is_empty() {
        set(&mut resp, header::CONTENT_TYPE, mime);
    }
    set(&mut resp, header::CONTENT_LENGTH, &len.to_string());
    if let Some(c) = cache {
        set(&mut resp, header::CACHE_CONTROL, c);
    }
    if let Some(t) = tag {
        set(&mut resp, header::ETAG, &t);
    }
    resp
}

fn converted_response(out: Converted) -> Response<Body> {
    bytes_response(out.bytes, out.mime, Some(CONVERTED_CACHE))
}

fn sniff_image(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(&[0xFF, 0xD8]) {
        Some("image/jpeg")
    } else if b.starts_with(b"\x89PNG") {
        Some("image/png")
    } else if b.len() >= 12 && &b[..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some("image/webp")
    } else if b.starts_with(b"GIF8") {
        Some("image/gif")
    } else {
        None
    }
}

fn ext_for_mime(mime: &str) -> Option<&'static str> {
    Some(match mime {
        "image/jpeg" => ".jpg",
        "image/png" => ".png",
        "image/gif" => ".gif",
        "image/webp" => ".webp",
        "audio/mpeg" | "audio/mp3" => ".mp3",
        "audio/ogg" => ".ogg",
        "audio/mp4" | "audio/m4a" | "audio/x-m4a" => ".m4a",
        "audio/aac" => ".aac",
        "audio/amr" => ".amr",
        "audio/wav" | "audio/x-wav" => ".wav",
        "audio/flac" => ".flac",
        "video/mp4" => ".mp4",
        "video/webm" => ".webm",
        "video/3gpp" => ".3gp",
        "application/pdf" => ".pdf",
        "application/zip" => ".zip",
        "application/x-tgsticker" => ".tgs",
        "text/plain" => ".txt",
        _ => return None,
    })
}

/// `inline; filename="…"` with an ASCII fallback and the RFC 6266 UTF-8 form.
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded =
        percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string();
    format!("inline; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

// ---- sources ----

/// A message's (or sticker's) file.
enum Source {
    Photo(tl::types::Photo),
    Document(tl::types::Document),
}

/// One downloadable location.
struct FileLoc {
    location: tl::enums::InputFileLocation,
    size: Option<u64>,
    dc: i32,
    /// Bytes Telegram already sent inline (`photoCachedSize`).
    inline: Option<Vec<u8>>,
}

impl Downloadable for FileLoc {
    fn to_raw_input_location(&self) -> Option<tl::enums::InputFileLocation> {
        Some(self.location.clone())
    }
    fn to_data(&self) -> Option<Vec<u8>> {
        self.inline.clone()
    }
    fn size(&self) -> Option<usize> {
        self.size.map(|s| s as usize)
    }
    fn dc_id(&self) -> Option<i32> {
        (self.dc > 0).then_some(self.dc)
    }
}

/// `(type, width × height, byte size, inline bytes)` of a downloadable photo size.
type SizeInfo<'a> = (&'a str, u64, Option<u64>, Option<&'a Vec<u8>>);

fn size_info(s: &tl::enums::PhotoSize) -> Option<SizeInfo<'_>> {
    match s {
        tl::enums::PhotoSize::Size(x) => Some((
            &x.r#type,
            u64::from(x.w.unsigned_abs()) * u64::from(x.h.unsigned_abs()),
            Some(x.size.max(0) as u64),
            None,
        )),
        tl::enums::PhotoSize::Progressive(x) => Some((
            &x.r#type,
            u64::from(x.w.unsigned_abs()) * u64::from(x.h.unsigned_abs()),
            x.sizes.iter().max().map(|s| (*s).max(0) as u64),
            None,
        )),
        tl::enums::PhotoSize::PhotoCachedSize(x) => Some((
            &x.r#type,
            u64::from(x.w.unsigned_abs()) * u64::from(x.h.unsigned_abs()),
            Some(x.bytes.len() as u64),
            Some(&x.bytes),
        )),
        _ => None,
    }
}

impl Source {
    fn sticker(id: i64, access_hash: i64) -> Self {
        Self::Document(tl::types::Document {
            id,
            access_hash,
            file_reference: Vec::new(),
            date: 0,
            mime_type: "image/webp".into(),
            size: 0,
            thumbs: None,
            video_thumbs: None,
            dc_id: 0,
            attributes: Vec::new(),
        })
    }

    fn size(&self) -> Option<u64> {
        self.main().size
    }

    fn mime(&self) -> String {
        match self {
            Self::Photo(_) => "image/jpeg".into(),
            Self::Document(d) if d.mime_type.is_empty() => "application/octet-stream".into(),
            Self::Document(d) => d.mime_type.clone(),
        }
    }

    /// Whether the original may be decoded as a picture (else the thumbnail is used).
    fn is_image(&self) -> bool {
        match self {
            Self::Photo(_) => true,
            Self::Document(d) => {
                d.mime_type.starts_with("image/") || d.mime_type == "application/octet-stream"
            }
        }
    }

    fn photo_loc(p: &tl::types::Photo, size: &tl::enums::PhotoSize) -> Option<FileLoc> {
        let (kind, _, bytes, inline) = size_info(size)?;
        Some(FileLoc {
            location: tl::enums::InputFileLocation::InputPhotoFileLocation(
                tl::types::InputPhotoFileLocation {
                    id: p.id,
                    access_hash: p.access_hash,
                    file_reference: p.file_reference.clone(),
                    thumb_size: kind.to_owned(),
                },
            ),
            size: bytes,
            dc: p.dc_id,
            inline: inline.cloned(),
        })
    }

    fn doc_loc(d: &tl::types::Document, thumb: Option<&tl::enums::PhotoSize>) -> FileLoc {
        let (kind, size, inline) = match thumb.and_then(size_info) {
            Some((kind, _, size, inline)) => (kind.to_owned(), size, inline.cloned()),
            None => (String::new(), (d.size > 0).then_some(d.size as u64), None),
        };
        FileLoc {
            location: tl::enums::InputFileLocation::InputDocumentFileLocation(
                tl::types::InputDocumentFileLocation {
                    id: d.id,
                    access_hash: d.access_hash,
                    file_reference: d.file_reference.clone(),
                    thumb_size: kind,
                },
            ),
            size,
            dc: d.dc_id,
            inline,
        }
    }

    /// The original: a document, or a photo's largest size.
    fn main(&self) -> FileLoc {
        match self {
            Self::Photo(p) => p
                .sizes
                .iter()
                .filter_map(|s| size_info(s).map(|i| (i.1, s)))
                .max_by_key(|(area, _)| *area)
                .and_then(|(_, s)| Self::photo_loc(p, s))
                .unwrap_or(FileLoc {
                    location: tl::enums::InputFileLocation::InputPhotoFileLocation(
                        tl::types::InputPhotoFileLocation {
                            id: p.id,
                            access_hash: p.access_hash,
                            file_reference: p.file_reference.clone(),
                            thumb_size: "x".into(),
                        },
                    ),
                    size: None,
                    dc: p.dc_id,
                    inline: None,
                }),
            Self::Document(d) => Self::doc_loc(d, None),
        }
    }

    /// The `m` thumbnail (photo size `m` for photos), else the largest one there is.
    fn thumb(&self) -> Option<FileLoc> {
        let pick = |sizes: &[tl::enums::PhotoSize]| -> Option<usize> {
            let usable: Vec<(usize, &str, u64)> = sizes
                .iter()
                .enumerate()
                .filter_map(|(i, s)| size_info(s).map(|(k, a, _, _)| (i, k, a)))
                .collect();
            usable
                .iter()
                .find(|(_, k, _)| *k == "m")
                .or_else(|| usable.iter().max_by_key(|(_, _, a)| *a))
                .map(|(i, _, _)| *i)
        };
        match self {
            Self::Photo(p) => pick(&p.sizes).and_then(|i| Self::photo_loc(p, &p.sizes[i])),
            Self::Document(d) => {
                let thumbs = d.thumbs.as_deref().unwrap_or(&[]);
                pick(thumbs).map(|i| Self::doc_loc(d, Some(&thumbs[i])))
            }
        }
    }

    /// The reference's download file name (media.md §1.8), when it has both parts.
    fn file_name(&self) -> Option<String> {
        match self {
            Self::Photo(p) => {
                let kind = p
                    .sizes
                    .iter()
                    .filter_map(size_info)
                    .max_by_key(|i| i.1)
                    .map(|i| i.0.to_owned())?;
                Some(format!("{}_{kind}_{}.jpg", p.id, p.dc_id))
            }
            Self::Document(d) => {
                let mut file_name = None;
                let mut audio = None;
                for a in &d.attributes {
                    match a {
                        tl::enums::DocumentAttribute::Filename(f) => {
                            file_name = Some(f.file_name.clone());
                        }
                        tl::enums::DocumentAttribute::Audio(x) => {
                            audio = Some((x.title.clone(), x.performer.clone()));
                        }
                        _ => {}
                    }
                }
                if let Some(n) = file_name.filter(|n| !n.is_empty()) {
                    return Some(match n.rsplit_once('.') {
                        Some((stem, ext)) => format!("{stem}_{}.{ext}", d.id),
                        None => format!("{n}_{}", d.id),
                    });
                }
                let ext = ext_for_mime(&d.mime_type)?;
                let stem = match audio {
                    Some((Some(t), Some(p))) if !t.is_empty() && !p.is_empty() => {
                        format!("{t} - {p}_{}", d.id)
                    }
                    Some((Some(t), _)) if !t.is_empty() => format!("{t}_{}", d.id),
                    _ => format!("{}_{}", d.access_hash, d.id),
                };
                Some(format!("{stem}{ext}"))
            }
        }
    }
}

// ---- disk cache ----

/// Converted files on disk, keyed by a hash of the request, with a total size cap; the least
/// recently used (oldest modification time, refreshed on every hit) go first.
struct DiskCache {
    dir: PathBuf,
    cap: u64,
    lock: Arc<std::sync::Mutex<()>>,
}

impl DiskCache {
    fn new(dir: PathBuf, cap: u64) -> Self {
        Self {
            dir,
            cap,
            lock: Arc::new(std::sync::Mutex::new(())),
        }
    }

    fn path(&self, key: &str) -> PathBuf {
        let hash = Sha256::digest(key.as_bytes());
        let name = hash.iter().take(20).fold(String::new(), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        });
        self.dir.join(name)
    }

    async fn get(&self, key: &str) -> Option<Converted> {
        let path = self.path(key);
        tokio::task::spawn_blocking(move || {
            let data = std::fs::read(&path).ok()?;
            // Touch for LRU; failure only makes the entry look older.
            if let Ok(f) = std::fs::File::options().append(true).open(&path) {
                let _ = f.set_modified(SystemTime::now());
            }
            let nl = data.iter().position(|&b| b == b'\n')?;
            let mime = match &data[..nl] {
                b"image/jpeg" => "image/jpeg",
                b"image/png" => "image/png",
                b"image/gif" => "image/gif",
                b"audio/mpeg" => "audio/mpeg",
                _ => return None,
            };
            Some(Converted {
                bytes: data[nl + 1..].to_vec(),
                mime,
            })
        })
        .await
        .ok()
        .flatten()
    }

    async fn put(&self, key: &str, value: &Converted) {
        let path = self.path(key);
        let dir = self.dir.clone();
        let cap = self.cap;
        let lock = Arc::clone(&self.lock);
        let mut data = Vec::with_capacity(value.mime.len() + 1 + value.bytes.len());
        data.extend_from_slice(value.mime.as_bytes());
        data.push(b'\n');
        data.extend_from_slice(&value.bytes);
        let _ = tokio::task::spawn_blocking(move || {
            let _guard = lock
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Err(e) = write_entry(&dir, &path, &data) {
                tracing::debug!("media cache write failed: {e}");
                return;
            }
            evict(&dir, cap);
        })
        .await;
    }
}

fn write_entry(dir: &Path, path: &Path, data: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, data)?;
    std::fs::rename(&tmp, path)
}

fn evict(dir: &Path, cap: u64) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(SystemTime, u64, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            m.is_file().then(|| {
                (
                    m.modified().unwrap_or(SystemTime::UNIX_EPOCH),
                    m.len(),
                    e.path(),
                )
            })
        })
        .collect();
    let mut total: u64 = files.iter().map(|f| f.1).sum();
    if total <= cap {
        return;
    }
    files.sort_by_key(|f| f.0);
    for (_, len, path) in files {
        if total <= cap {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-99", 1000).ok(), Some((0, 99)));
        assert_eq!(parse_range("bytes=500-", 1000).ok(), Some((500, 999)));
        assert_eq!(parse_range("bytes=900-5000", 1000).ok(), Some((900, 999)));
        assert_eq!(parse_range("bytes=-100", 1000).ok(), Some((900, 999)));
        assert_eq!(parse_range("bytes=0-1,5-9", 1000).ok(), Some((0, 1)));
        assert!(parse_range("bytes=5-1", 1000).is_err());
        assert!(parse_range("bytes=1000-", 1000).is_err());
        assert!(parse_range("items=0-1", 1000).is_err());
    }

    #[test]
    fn disposition_escapes() {
        assert_eq!(
            content_disposition("a\"b é.mp3"),
            "inline; filename=\"a_b _.mp3\"; filename*=UTF-8''a%22b%20%C3%A9%2Emp3"
        );
    }
}

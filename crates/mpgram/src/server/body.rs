//! Reading a request's parameters from the socket, bounded (`protocol.md` §2).
//!
//! Who asks is decided from the headers and the query *before* the body is read, and the caller
//! picks the bound from that: a few KiB for a request without a known token (pairing needs no
//! more), the upload limit for a paired device. Every body read has an idle timeout (a client
//! that announces a length and then stops sending is cut off) and, for unknown callers, a total
//! deadline. A multipart upload streams its `file` part into an unnamed temporary file instead
//! of memory; a large urlencoded body is parsed on the blocking pool, off the async workers.

use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use bytes::{Bytes, BytesMut};
use futures_util::Stream;
use http_body_util::BodyExt as _;
use thiserror::Error;
use tokio::time::Instant;

use crate::api::params::{
    decode_text, multipart_boundary, FileData, Params, RequestInput, UploadedFile, FILE_HEAD,
};

/// Body bound for a request that carries no token we know (pairing and login screens send a
/// few hundred bytes).
pub const ANONYMOUS_BODY_LIMIT: usize = 16 * 1024;
/// An unknown caller gets this long for its whole body.
pub const ANONYMOUS_BODY_DEADLINE: Duration = Duration::from_secs(30);
/// Text fields of a multipart body, together (a message is at most a few tens of KiB).
const MULTIPART_TEXT_LIMIT: usize = 1024 * 1024;
/// How much of an upload is gathered before one write to its temporary file.
const SPOOL_PIECE: usize = 256 * 1024;
/// Urlencoded bodies above this are parsed on the blocking pool.
const PARSE_INLINE_LIMIT: usize = 64 * 1024;

/// Why a body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum BodyError {
    #[error("the body is larger than allowed")]
    TooLarge,
    /// The client closed the connection early, or stopped sending: PHP's upload error 3
    /// ("partially received").
    #[error("the body was cut short")]
    CutShort,
    #[error("the temporary file for the upload failed: {0:?}")]
    TempFile(std::io::ErrorKind),
}

/// How much of a body to read, and how patiently.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub max: usize,
    /// Longest wait for the next piece of the body.
    pub idle: Duration,
    /// When the whole body must have arrived (unknown callers).
    pub deadline: Option<Instant>,
}

impl BodyLimits {
    /// The bounds for a caller whose token is `known` (a paired device's or a guest's, seen
    /// before the body): the upload limit; anyone else the small forms of pairing, in time.
    pub fn for_caller(config: &super::ServerConfig, known: bool) -> Self {
        Self {
            max: if known {
                config.max_body
            } else {
                ANONYMOUS_BODY_LIMIT
            },
            idle: config.body_idle_timeout,
            deadline: (!known).then(|| Instant::now() + ANONYMOUS_BODY_DEADLINE),
        }
    }
}

/// The parts of the request head that parameters come from.
#[derive(Debug, Clone, Copy)]
pub struct Head<'a> {
    pub query: &'a str,
    pub content_type: Option<&'a str>,
    pub cookie: Option<&'a str>,
    /// PHP parses only POST bodies.
    pub is_post: bool,
}

/// The merged parameters of a request: query, body (if POST) and cookie.
pub async fn read_params(
    head: Head<'_>,
    body: Body,
    limits: BodyLimits,
) -> Result<Params, BodyError> {
    if !head.is_post {
        return Ok(Params::parse(&RequestInput {
            query: head.query,
            content_type: None,
            body: &[],
            cookie: head.cookie,
        }));
    }
    let why = Arc::new(Mutex::new(None));
    let stream = frames(body, limits, Arc::clone(&why));
    if let Some(boundary) = multipart_boundary(head.content_type) {
        let (fields, file) = read_multipart(stream, boundary, &why).await?;
        return Ok(Params::assemble(head.query, fields, file, head.cookie));
    }
    let bytes = collect(stream, &why).await?;
    if bytes.len() <= PARSE_INLINE_LIMIT {
        return Ok(Params::parse(&RequestInput {
            query: head.query,
            content_type: head.content_type,
            body: &bytes,
            cookie: head.cookie,
        }));
    }
    let (query, content_type, cookie) = (
        head.query.to_owned(),
        head.content_type.map(str::to_owned),
        head.cookie.map(str::to_owned),
    );
    tokio::task::spawn_blocking(move || {
        Params::parse(&RequestInput {
            query: &query,
            content_type: content_type.as_deref(),
            body: &bytes,
            cookie: cookie.as_deref(),
        })
    })
    .await
    .map_err(|_| BodyError::CutShort)
}

type Why = Arc<Mutex<Option<BodyError>>>;

fn note(why: &Why, e: BodyError) {
    why.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get_or_insert(e);
}

fn reason(why: &Why) -> Option<BodyError> {
    *why.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The body's data frames, each within the idle timeout (and the deadline), at most `max`
/// bytes in all; a failure is recorded in `why` and ends the stream with an error.
fn frames(
    body: Body,
    limits: BodyLimits,
    why: Why,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures_util::stream::unfold((body, 0usize, false), move |(mut body, mut seen, done)| {
        let why = Arc::clone(&why);
        async move {
            if done {
                return None;
            }
            loop {
                let mut until = Instant::now() + limits.idle;
                if let Some(d) = limits.deadline {
                    until = until.min(d);
                }
                match tokio::time::timeout_at(until, body.frame()).await {
                    Err(_) | Ok(Some(Err(_))) => {
                        return Some(fail(&why, BodyError::CutShort, seen))
                    }
                    Ok(None) => return None,
                    Ok(Some(Ok(frame))) => {
                        let Ok(data) = frame.into_data() else {
                            continue; // trailers
                        };
                        seen += data.len();
                        if seen > limits.max {
                            return Some(fail(&why, BodyError::TooLarge, seen));
                        }
                        return Some((Ok(data), (body, seen, false)));
                    }
                }
            }
        }
    })
}

/// The last item of the [`frames`] stream: `e`, recorded in `why`.
fn fail(why: &Why, e: BodyError, seen: usize) -> (Result<Bytes, std::io::Error>, FramesState) {
    note(why, e);
    (Err(std::io::Error::other(e)), (Body::empty(), seen, true))
}

/// The [`frames`] stream's state: the body, bytes seen, ended.
type FramesState = (Body, usize, bool);

async fn collect(
    stream: impl Stream<Item = Result<Bytes, std::io::Error>>,
    why: &Why,
) -> Result<Bytes, BodyError> {
    use futures_util::StreamExt as _;
    let mut stream = std::pin::pin!(stream);
    let mut out = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => out.extend_from_slice(&c),
            Err(_) => return Err(reason(why).unwrap_or(BodyError::CutShort)),
        }
    }
    Ok(out.freeze())
}

/// Text fields in memory, the `file` part into a temporary file. As with PHP, a malformed
/// multipart body keeps what parsed before it; but a body that failed on the socket (cut
/// short, too large) or a `file` part that ends early is an error.
async fn read_multipart(
    stream: impl Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static,
    boundary: String,
    why: &Why,
) -> Result<(Vec<(String, String)>, Option<UploadedFile>), BodyError> {
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = Vec::new();
    let mut text_bytes = 0usize;
    let mut file = None;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                if let Some(r) = reason(why) {
                    return Err(r);
                }
                tracing::debug!("multipart body ends malformed: {e}");
                break;
            }
        };
        let Some(name) = field.name().map(str::to_owned) else {
            continue;
        };
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        match file_name {
            Some(file_name) if name == "file" && file.is_none() => {
                let data = spool(&mut field, why).await?;
                file = Some(UploadedFile {
                    file_name,
                    content_type,
                    data,
                });
            }
            // Other files are not read by any method: skipped without keeping them.
            Some(_) => {
                while let Some(chunk) = field.chunk().await.transpose() {
                    if chunk.is_err() {
                        return Err(reason(why).unwrap_or(BodyError::CutShort));
                    }
                }
            }
            None => {
                let mut value = BytesMut::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(c)) => {
                            text_bytes += c.len();
                            if text_bytes > MULTIPART_TEXT_LIMIT {
                                return Err(BodyError::TooLarge);
                            }
                            value.extend_from_slice(&c);
                        }
                        Ok(None) => break,
                        Err(e) => {
                            if let Some(r) = reason(why) {
                                return Err(r);
                            }
                            tracing::debug!("multipart text field unreadable: {e}");
                            return Ok((fields, file));
                        }
                    }
                }
                fields.push((name, decode_text(&value)));
            }
        }
    }
    Ok((fields, file))
}

/// Writes one part into an unnamed temporary file (removed by the OS when the last handle
/// closes), keeping its first bytes for content sniffing.
async fn spool(field: &mut multer::Field<'static>, why: &Why) -> Result<FileData, BodyError> {
    let temp = |e: std::io::Error| BodyError::TempFile(e.kind());
    let file = tokio::task::spawn_blocking(tempfile::tempfile)
        .await
        .map_err(|_| BodyError::TempFile(std::io::ErrorKind::Other))?
        .map_err(temp)?;
    let file = Arc::new(file);
    let mut head = BytesMut::new();
    let mut pending = BytesMut::new();
    let mut len = 0u64;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(c)) => Some(c),
            Ok(None) => None,
            // The part's data ends without its boundary: the upload is incomplete.
            Err(_) => return Err(reason(why).unwrap_or(BodyError::CutShort)),
        };
        if let Some(c) = &chunk {
            if head.len() < FILE_HEAD {
                let take = (FILE_HEAD - head.len()).min(c.len());
                head.extend_from_slice(&c[..take]);
            }
            len += c.len() as u64;
            pending.extend_from_slice(c);
        }
        // Written in pieces of a few hundred KiB: few trips to the blocking pool, little memory.
        if pending.len() >= SPOOL_PIECE || (chunk.is_none() && !pending.is_empty()) {
            let piece = std::mem::take(&mut pending).freeze();
            let f = Arc::clone(&file);
            tokio::task::spawn_blocking(move || f.as_ref().write_all(&piece))
                .await
                .map_err(|_| BodyError::TempFile(std::io::ErrorKind::Other))?
                .map_err(temp)?;
        }
        if chunk.is_none() {
            break;
        }
    }
    Ok(FileData::Disk {
        file,
        len,
        head: head.freeze(),
    })
}

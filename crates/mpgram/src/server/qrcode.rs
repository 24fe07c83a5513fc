//! `qrcode.php?t=<text>&s=<px per module>` (`media.md` §6): our status picture for texts we
//! handed out, else the QR code of the base64-decoded text.
//!
//! It needs no token, so anyone on the LAN can ask for it: the text and the scale are bounded
//! to what a login QR needs, pictures are drawn off the async workers two at a time, and the
//! last few are kept (the J2ME client asks for the same code again on every refresh).

use std::collections::VecDeque;
use std::io::Cursor;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use bytes::Bytes;
use thiserror::Error;
use tokio::sync::Semaphore;

use crate::api::methods::bots::lenient_base64;
use crate::api::params::{Params, RequestInput};
use crate::pairing::Pairing;

/// Longest `t` we read. A login QR's text is `tg://login?token=` and ~43 base64url characters,
/// ~80 characters once base64-encoded again; 1 KiB leaves room for any real login link.
pub const MAX_T_CHARS: usize = 1024;
/// Largest `s` (pixels per module): the spec's clamp. The client sends 4, 6 or 8.
const MAX_SCALE: i64 = 16;
const DEFAULT_SCALE: i64 = 6;
/// Pictures drawn at once: one, so that on a two-core PC a flood of them leaves a core to the
/// API.
const RENDERS: usize = 1;
/// Pictures remembered.
const CACHED: usize = 16;

#[derive(Debug, Error)]
pub enum QrError {
    #[error("the text does not fit in a QR code")]
    TooLong,
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// A QR picture's text and scale.
type QrKey = (Vec<u8>, u32);

/// The `qrcode.php` renderer: shared by clones.
#[derive(Debug, Clone)]
pub struct QrPictures(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    slots: Semaphore,
    cache: Mutex<VecDeque<(QrKey, Bytes)>>,
}

impl Default for QrPictures {
    fn default() -> Self {
        Self(Arc::new(Inner {
            slots: Semaphore::new(RENDERS),
            cache: Mutex::new(VecDeque::with_capacity(CACHED)),
        }))
    }
}

fn empty(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    r
}

fn png(bytes: Bytes) -> Response<Body> {
    let mut r = Response::new(Body::from(bytes));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    r
}

impl QrPictures {
    /// Answers one `qrcode.php` request.
    pub async fn serve(&self, pairing: &Pairing, query: &str) -> Response<Body> {
        let params = Params::parse(&RequestInput {
            query,
            ..RequestInput::default()
        });
        let Some(t) = params.get("t") else {
            return empty(StatusCode::BAD_REQUEST);
        };
        if t.len() > MAX_T_CHARS {
            return empty(StatusCode::BAD_REQUEST);
        }
        // The client puts `t` raw into the URL: a `+` arrives as a space.
        let t = t.replace(' ', "+");
        if let Some(picture) = pairing.status_picture_kind(&t) {
            let drawn = self.draw(move || picture.render_png().map_err(|e| e.to_string()));
            return match drawn.await {
                Ok(b) => png(Bytes::from(b)),
                Err(e) => {
                    tracing::warn!("status picture failed: {e}");
                    empty(StatusCode::INTERNAL_SERVER_ERROR)
                }
            };
        }
        let scale = params
            .lenient("s")
            .filter(|s| *s > 0)
            .map_or(DEFAULT_SCALE, |s| s.min(MAX_SCALE));
        let scale = u32::try_from(scale).unwrap_or(6);
        // The same lenient base64 as button data and poll options (`methods-more.md` §0.7).
        let key = (lenient_base64(&t), scale);
        if let Some(hit) = self.cached(&key) {
            return png(hit);
        }
        let text = key.0.clone();
        match self
            .draw(move || qr_png(&text, scale).map_err(|e| e.to_string()))
            .await
        {
            Ok(b) => {
                let b = Bytes::from(b);
                self.remember(key, b.clone());
                png(b)
            }
            Err(e) => {
                tracing::info!("qrcode.php: {e}");
                empty(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    /// Runs a drawing on the blocking pool, at most [`RENDERS`] at once.
    async fn draw(
        &self,
        f: impl FnOnce() -> Result<Vec<u8>, String> + Send + 'static,
    ) -> Result<Vec<u8>, String> {
        let _slot = self
            .0
            .slots
            .acquire()
            .await
            .map_err(|_| "shutting down".to_owned())?;
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| format!("drawing failed: {e}"))?
    }

    fn cached(&self, key: &QrKey) -> Option<Bytes> {
        let cache = self.0.cache.lock().unwrap_or_else(PoisonError::into_inner);
        cache.iter().find(|(k, _)| k == key).map(|(_, b)| b.clone())
    }

    fn remember(&self, key: QrKey, png: Bytes) {
        let mut cache = self.0.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.iter().any(|(k, _)| *k == key) {
            return;
        }
        if cache.len() >= CACHED {
            cache.pop_front();
        }
        cache.push_back((key, png));
    }
}

/// A QR code (level L, quiet zone 4 modules, `scale` px per module) as an 8-bit RGB PNG.
fn qr_png(data: &[u8], scale: u32) -> Result<Vec<u8>, QrError> {
    let code = qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::L)
        .map_err(|_| QrError::TooLong)?;
    let modules = u32::try_from(code.width()).map_err(|_| QrError::TooLong)?;
    let colors = code.to_colors();
    let side = (modules + 8) * scale;
    let img = image::RgbImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        let dark = mx >= 4
            && my >= 4
            && mx < modules + 4
            && my < modules + 4
            && colors
                .get(((my - 4) * modules + (mx - 4)) as usize)
                .is_some_and(|c| *c == qrcode::Color::Dark);
        if dark {
            image::Rgb([0, 0, 0])
        } else {
            image::Rgb([255, 255, 255])
        }
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| QrError::Png(e.to_string()))?;
    Ok(out.into_inner())
}

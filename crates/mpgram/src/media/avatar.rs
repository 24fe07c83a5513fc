//! `ava.php` conversions (media.md §3): `p = "r" ["c"] ["p"] ("orig" | size)`, square stretch,
//! JPEG quality 80 or PNG, and a real alpha circle (the reference's black-is-transparent trick is a
//! bug we do not copy).

use image::{DynamicImage, RgbaImage};

use super::raster::{decode, encode_jpeg, encode_png, resize_rgb, resize_rgba, rgb_over_black};
use super::{Converted, MediaError, MAX_OUTPUT_SIDE};

/// Avatar sizes are capped lower than other images: the phone never asks over 120.
pub const MAX_AVATAR_SIDE: u32 = 1024;
const _: () = assert!(MAX_AVATAR_SIDE <= MAX_OUTPUT_SIDE);

/// A parsed `ava.php` `p`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvatarConversion {
    /// `c`: crop to the inscribed circle (PNG with alpha).
    pub circle: bool,
    /// `p`: PNG instead of JPEG.
    pub png: bool,
    /// `None` = `orig` (keep the size), else a square side.
    pub size: Option<u32>,
}

impl AvatarConversion {
    /// `Ok(None)` = raw download (no `p`, or not starting with `r`); a bad size is 400
    /// (`p=r`, `p=r0`, `p=rabc`, or over [`MAX_AVATAR_SIDE`]).
    pub fn parse(p: Option<&str>) -> Result<Option<Self>, MediaError> {
        let Some(rest) = p.and_then(|p| p.strip_prefix('r')) else {
            return Ok(None);
        };
        let (circle, rest) = rest.strip_prefix('c').map_or((false, rest), |r| (true, r));
        let (png, rest) = rest.strip_prefix('p').map_or((false, rest), |r| (true, r));
        let size = if rest == "orig" {
            None
        } else {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let n: u64 = rest[..digits.min(10)]
                .parse()
                .map_err(|_| MediaError::BadParameter("avatar size"))?;
            if n == 0 || n > u64::from(MAX_AVATAR_SIDE) {
                return Err(MediaError::BadParameter("avatar size"));
            }
            Some(n as u32)
        };
        Ok(Some(Self { circle, png, size }))
    }
}

/// Converts a profile picture (normally a 640×640 JPEG). Non-square pictures are stretched, as in
/// the reference.
pub fn convert_avatar(input: &[u8], conv: AvatarConversion) -> Result<Converted, MediaError> {
    let img = decode(input)?;
    let (w, h) = conv.size.map_or((img.width(), img.height()), |s| (s, s));
    if conv.circle {
        let mut rgba = resize_rgba(img.to_rgba8(), w, h)?;
        circle_mask(&mut rgba);
        return Ok(Converted {
            bytes: encode_png(&DynamicImage::ImageRgba8(rgba))?,
            mime: "image/png",
        });
    }
    if conv.png {
        let out = if img.color().has_alpha() {
            DynamicImage::ImageRgba8(resize_rgba(img.to_rgba8(), w, h)?)
        } else {
            DynamicImage::ImageRgb8(resize_rgb(img.to_rgb8(), w, h)?)
        };
        return Ok(Converted {
            bytes: encode_png(&out)?,
            mime: "image/png",
        });
    }
    let rgb = resize_rgb(rgb_over_black(&img), w, h)?;
    Ok(Converted {
        bytes: encode_jpeg(&rgb, 80)?,
        mime: "image/jpeg",
    })
}

/// Makes everything outside the inscribed ellipse transparent, with a one-pixel anti-aliased edge.
fn circle_mask(img: &mut RgbaImage) {
    let (w, h) = img.dimensions();
    let (rx, ry) = (f64::from(w) / 2.0, f64::from(h) / 2.0);
    let scale = rx.min(ry);
    for (x, y, p) in img.enumerate_pixels_mut() {
        let dx = (f64::from(x) + 0.5 - rx) / rx;
        let dy = (f64::from(y) + 0.5 - ry) / ry;
        // Approximate distance to the edge in pixels; 0.5 at the edge gives a smooth rim.
        let inside = (1.0 - (dx * dx + dy * dy).sqrt()) * scale;
        let coverage = (inside + 0.5).clamp(0.0, 1.0);
        p[3] = (f64::from(p[3]) * coverage).round() as u8;
        if p[3] == 0 {
            p.0 = [0, 0, 0, 0];
        }
    }
}

/// Our own default picture (the reference's artwork is AGPL): 36×36 PNG, light blue `#8FBFE9`
/// with a darker `#649FD3` silhouette of one person (users) or two (groups and channels).
pub fn default_avatar_png(group: bool) -> Vec<u8> {
    const SIDE: u32 = 36;
    const BG: [u8; 3] = [0x8F, 0xBF, 0xE9];
    const FG: [u8; 3] = [0x64, 0x9F, 0xD3];
    // (centre x, head centre y, head radius, shoulder half-width) in 0..1 units.
    let people: &[(f32, f32, f32, f32)] = if group {
        &[(0.33, 0.40, 0.12, 0.20), (0.67, 0.40, 0.12, 0.20)]
    } else {
        &[(0.5, 0.38, 0.16, 0.30)]
    };
    let inside = |u: f32, v: f32| {
        people.iter().any(|&(cx, hy, r, sw)| {
            let head = (u - cx).powi(2) + (v - hy).powi(2) < r * r;
            let body = ((u - cx) / sw).powi(2) + ((v - 0.92) / 0.32).powi(2) < 1.0;
            head || body
        })
    };
    let img = image::RgbImage::from_fn(SIDE, SIDE, |x, y| {
        // 4×4 supersampling for smooth edges at this tiny size.
        let mut hits = 0u16;
        for sy in 0..4 {
            for sx in 0..4 {
                let u = (x as f32 + (sx as f32 + 0.5) / 4.0) / SIDE as f32;
                let v = (y as f32 + (sy as f32 + 0.5) / 4.0) / SIDE as f32;
                hits += u16::from(inside(u, v));
            }
        }
        let mixc =
            |i: usize| ((u16::from(FG[i]) * hits + u16::from(BG[i]) * (16 - hits)) / 16) as u8;
        image::Rgb([mixc(0), mixc(1), mixc(2)])
    });
    // Encoding a 36×36 RGB buffer into a Vec cannot fail; an empty Vec would only mean "no image".
    encode_png(&DynamicImage::ImageRgb8(img)).unwrap_or_default()
}

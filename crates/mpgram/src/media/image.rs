//! `file.php` image conversions (media.md §1.3–1.5): the `p` grammar, the JPEG modes with their
//! exact size rules and qualities, rotation, and PNG output for stickers.

use image::imageops;

use super::raster::{decode, encode_jpeg, encode_png, resize_rgb, resize_rgba, rgb_over_black};
use super::{Converted, MediaError, MAX_OUTPUT_SIDE};

/// What `p` asks `file.php` for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileConversion {
    /// No `p`, or one not starting with `thumb`/`r`: stream the original.
    Raw,
    /// `thumb…`: the document's `m` thumbnail, raw (`None`) or converted.
    Thumb(Option<Conversion>),
    /// `r…`: the original, converted.
    Convert(Conversion),
}

/// The part after `r`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conversion {
    /// `tgs…`: Lottie sticker; `still` = flags contain `s`, `png` = flags start with `p`.
    Tgs { still: bool, png: bool },
    /// `stickerp`: PNG, fit width `s`, alpha kept.
    StickerPng,
    /// `png`: PNG, original size.
    Png,
    /// A JPEG mode, optionally turned 90° clockwise first (`r` before the mode).
    Jpeg { rotate: bool, mode: JpegMode },
}

/// The JPEG modes of media.md §1.4; `Other` is any unknown word (quality 50, original size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JpegMode {
    Orig,
    Prev,
    Min,
    Sticker,
    Sprev,
    Audio,
    Sprevs,
    View,
    Other,
}

impl FileConversion {
    /// Parses `p` left to right as the reference does (prefix match for `tgs`, exact words otherwise).
    pub fn parse(p: Option<&str>) -> Self {
        let Some(p) = p else { return Self::Raw };
        if let Some(rest) = p.strip_prefix("thumb") {
            Self::Thumb(rest.strip_prefix('r').map(Conversion::parse))
        } else if let Some(rest) = p.strip_prefix('r') {
            Self::Convert(Conversion::parse(rest))
        } else {
            Self::Raw
        }
    }
}

impl Conversion {
    fn parse(conv: &str) -> Self {
        if let Some(flags) = conv.strip_prefix("tgs") {
            return Self::Tgs {
                still: flags.contains('s'),
                png: flags.starts_with('p'),
            };
        }
        match conv {
            "stickerp" => return Self::StickerPng,
            "png" => return Self::Png,
            _ => {}
        }
        let (rotate, word) = match conv.strip_prefix('r') {
            Some(word) => (true, word),
            None => (false, conv),
        };
        let mode = match word {
            "orig" => JpegMode::Orig,
            "prev" => JpegMode::Prev,
            "min" => JpegMode::Min,
            "sticker" => JpegMode::Sticker,
            "sprev" => JpegMode::Sprev,
            "audio" => JpegMode::Audio,
            "sprevs" => JpegMode::Sprevs,
            "view" => JpegMode::View,
            _ => JpegMode::Other,
        };
        Self::Jpeg { rotate, mode }
    }
}

impl JpegMode {
    /// The reference's quality for this mode (media.md §7).
    pub fn quality(self) -> u8 {
        match self {
            Self::Orig => 80,
            Self::Min | Self::Sprevs => 30,
            Self::Sticker => 75,
            Self::Sprev => 29,
            Self::View => 70,
            Self::Prev | Self::Audio | Self::Other => 50,
        }
    }

    /// The output size for a `w × h` picture (after rotation), or `None` when the mode keeps the
    /// picture as it is. Integer division is the reference's float-then-truncate for these ranges.
    pub fn target_size(self, w: u32, h: u32, sizes: ImageSizes) -> Option<(u32, u32)> {
        let (w, h) = (u64::from(w.max(1)), u64::from(h.max(1)));
        let fit_w = |w: u64, h: u64, x: u64| (x, h * x / w);
        let fit_h = |w: u64, h: u64, y: u64| (w * y / h, y);
        let fit_box = |bw: u64, bh: u64| {
            let (nw, nh) = fit_h(w, h, bh);
            if nw > bw {
                fit_w(w, h, bw)
            } else {
                (nw, nh)
            }
        };
        let s = u64::from(sizes.s);
        let (nw, nh) = match self {
            Self::Orig | Self::Other => return None,
            Self::Prev => fit_box(s, s),
            Self::View => fit_box(u64::from(sizes.tw), u64::from(sizes.th)),
            // Two resamples in the reference, each truncating: keep the intermediate size.
            Self::Min | Self::Audio => {
                let (bw, bh) = if self == Self::Min {
                    (180, 90)
                } else {
                    (36, 36)
                };
                let (w1, h1) = if h > bh { fit_h(w, h, bh) } else { (w, h) };
                let (w1, h1) = (w1.max(1), h1.max(1));
                if w1 > bw {
                    fit_w(w1, h1, bw)
                } else if (w1, h1) == (w, h) {
                    return None;
                } else {
                    (w1, h1)
                }
            }
            // "else": a wide image limited by width keeps its height (media.md §1.4 notes).
            Self::Sticker => either(w, h, (s, 90), fit_w, fit_h)?,
            Self::Sprev => either(w, h, (100, 80), fit_w, fit_h)?,
            Self::Sprevs => either(w, h, (s, s), fit_w, fit_h)?,
        };
        let clamp = |v: u64| v.clamp(1, u64::from(MAX_OUTPUT_SIDE)) as u32;
        Some((clamp(nw), clamp(nh)))
    }
}

type Fit = fn(u64, u64, u64) -> (u64, u64);

fn either(w: u64, h: u64, (bw, bh): (u64, u64), fit_w: Fit, fit_h: Fit) -> Option<(u64, u64)> {
    if w > bw {
        Some(fit_w(w, h, bw))
    } else if h > bh {
        Some(fit_h(w, h, bh))
    } else {
        None
    }
}

/// `s`, `tw` and `th` after the reference's defaults, clamped to [`MAX_OUTPUT_SIDE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageSizes {
    pub s: u32,
    pub tw: u32,
    pub th: u32,
}

impl Default for ImageSizes {
    fn default() -> Self {
        Self {
            s: 180,
            tw: 180,
            th: 180,
        }
    }
}

impl ImageSizes {
    /// `s` defaults to 180 when missing, non-positive or not a number (leading digits count, as
    /// PHP's `(int)` does); `tw`/`th` default to `s` (media.md §1.4, fixing the reference's 500).
    pub fn from_params(s: Option<&str>, tw: Option<&str>, th: Option<&str>) -> Self {
        let s = leading_int(s).unwrap_or(180);
        Self {
            s,
            tw: leading_int(tw).unwrap_or(s),
            th: leading_int(th).unwrap_or(s),
        }
    }
}

/// Positive leading decimal integer of `v`, clamped to [`MAX_OUTPUT_SIDE`].
pub(crate) fn leading_int(v: Option<&str>) -> Option<u32> {
    let v = v?.trim_start();
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    let n: u64 = v[..digits.min(10)].parse().ok()?;
    (n > 0).then(|| n.min(u64::from(MAX_OUTPUT_SIDE)) as u32)
}

/// Converts an image for `file.php` (`Conversion::Tgs` → [`MediaError::TgsDisabled`]).
pub fn convert_image(
    input: &[u8],
    conv: Conversion,
    sizes: ImageSizes,
) -> Result<Converted, MediaError> {
    let png = |bytes| Converted {
        bytes,
        mime: "image/png",
    };
    match conv {
        Conversion::Tgs { .. } => Err(MediaError::TgsDisabled),
        Conversion::Png => Ok(png(encode_png(&decode(input)?)?)),
        Conversion::StickerPng => {
            let img = decode(input)?;
            let (w, h) = (img.width(), img.height());
            if w <= sizes.s {
                return Ok(png(encode_png(&img)?));
            }
            let nh = (u64::from(h) * u64::from(sizes.s) / u64::from(w)) as u32;
            let out = if img.color().has_alpha() {
                image::DynamicImage::ImageRgba8(resize_rgba(img.to_rgba8(), sizes.s, nh)?)
            } else {
                image::DynamicImage::ImageRgb8(resize_rgb(img.to_rgb8(), sizes.s, nh)?)
            };
            Ok(png(encode_png(&out)?))
        }
        Conversion::Jpeg { rotate, mode } => {
            let mut rgb = rgb_over_black(&decode(input)?);
            if rotate {
                rgb = imageops::rotate90(&rgb);
            }
            if let Some((nw, nh)) = mode.target_size(rgb.width(), rgb.height(), sizes) {
                rgb = resize_rgb(rgb, nw, nh)?;
            }
            Ok(Converted {
                bytes: encode_jpeg(&rgb, mode.quality())?,
                mime: "image/jpeg",
            })
        }
    }
}

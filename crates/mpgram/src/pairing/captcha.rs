//! The pictures a phone sees while pairing: the captcha picture (`getCaptchaImg`) and the status
//! picture on the QR screen (`qrcode.php`).
//!
//! The client scales pictures to fill (width − 20) × ¾ height in pure Java, up or down
//! (client-j2me.md §6.5): on a 128×160 screen that is 108×120. A 160×120 picture keeps text at
//! about two thirds of its drawn size there; bold, black on white, no thin strokes.
use std::io::Cursor;

use ab_glyph::{point, Font, FontRef, PxScale, ScaleFont};
use image::{ImageFormat, Rgb, RgbImage};
use thiserror::Error;

pub const PICTURE_WIDTH: u32 = 160;
pub const PICTURE_HEIGHT: u32 = 120;
const MARGIN: f32 = 4.0;
/// Largest and smallest main text size tried; the largest that fits wins.
const MAX_PX: f32 = 24.0;
const MIN_PX: f32 = 9.0;

static FONT_BYTES: &[u8] = include_bytes!("../../assets/DejaVuSansCondensed-Bold-subset.ttf");

/// What a picture says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Picture {
    /// Pairing is open: type the user code into the captcha box.
    EnterCode {
        /// This address just typed a wrong code.
        wrong_before: bool,
    },
    /// Pairing is closed or paused on the PC.
    PairingClosed,
    /// This address is throttled.
    Wait {
        seconds: u64,
    },
    /// The captcha id is unknown or too old.
    CaptchaExpired,
    /// The right code was typed and no approval is needed (or it was given).
    Paired,
    /// The PC must allow this phone; both show `number`.
    WaitingForApproval {
        number: u8,
    },
    Denied,
    Expired,
}

#[derive(Debug, Error)]
pub enum PictureError {
    #[error("the built-in font could not be read")]
    Font,
    #[error("PNG encoding failed: {0}")]
    Encode(#[from] image::ImageError),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Style {
    Main,
    Small,
    /// White on black: the line a person must not miss.
    Alert,
    Huge,
}

impl Style {
    fn factor(self) -> f32 {
        match self {
            Style::Main | Style::Alert => 1.0,
            Style::Small => 0.72,
            Style::Huge => 2.0,
        }
    }
}

impl Picture {
    fn blocks(self) -> Vec<(String, Style)> {
        match self {
            Picture::EnterCode { wrong_before } => {
                let mut v = Vec::new();
                if wrong_before {
                    v.push(("Wrong code \u{2014} try again".to_owned(), Style::Alert));
                }
                v.push((
                    "Type the code shown in MPGram Home on your PC".to_owned(),
                    Style::Main,
                ));
                v.push(("Hold a key to type a digit".to_owned(), Style::Small));
                v
            }
            Picture::PairingClosed => {
                vec![(
                    "Open MPGram Home on your PC to pair".to_owned(),
                    Style::Main,
                )]
            }
            Picture::Wait { seconds } => vec![
                ("Too many wrong codes".to_owned(), Style::Alert),
                (
                    format!("Wait {seconds} seconds, then go back and try again"),
                    Style::Main,
                ),
            ],
            Picture::CaptchaExpired => vec![(
                "This picture is too old. Go back and try again".to_owned(),
                Style::Main,
            )],
            Picture::Paired => vec![("Paired \u{2014} opening your chats".to_owned(), Style::Main)],
            Picture::WaitingForApproval { number } => vec![
                (
                    format!("Waiting for approval on your PC \u{2014} number {number}"),
                    Style::Main,
                ),
                (number.to_string(), Style::Huge),
            ],
            Picture::Denied => vec![("Pairing was refused on the PC".to_owned(), Style::Main)],
            Picture::Expired => vec![(
                "Pairing timed out. Go back and start again".to_owned(),
                Style::Main,
            )],
        }
    }

    /// The picture as a PNG (8-bit RGB, the most widely decoded kind on MIDP phones).
    pub fn render_png(self) -> Result<Vec<u8>, PictureError> {
        let font = FontRef::try_from_slice(FONT_BYTES).map_err(|_| PictureError::Font)?;
        let blocks = self.blocks();
        let (px, lines) = fit(&font, &blocks);
        let mut img = RgbImage::from_pixel(PICTURE_WIDTH, PICTURE_HEIGHT, Rgb([255, 255, 255]));
        let total: f32 = lines.iter().map(|l| l.height).sum();
        let mut y = ((PICTURE_HEIGHT as f32 - total) / 2.0).max(0.0);
        for line in &lines {
            let scale = PxScale::from(px * line.style.factor());
            let scaled = font.as_scaled(scale);
            let x = ((PICTURE_WIDTH as f32 - line.width) / 2.0).max(0.0);
            let inverted = line.style == Style::Alert;
            if inverted {
                fill_rect(&mut img, y, line.height);
            }
            draw_text(
                &mut img,
                &font,
                scale,
                &line.text,
                x,
                y + scaled.ascent(),
                inverted,
            );
            y += line.height;
        }
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png)?;
        Ok(out.into_inner())
    }
}

struct Line {
    text: String,
    style: Style,
    width: f32,
    height: f32,
}

/// Finds the largest main size at which every block word-wraps into the picture.
fn fit(font: &FontRef<'_>, blocks: &[(String, Style)]) -> (f32, Vec<Line>) {
    let max_w = PICTURE_WIDTH as f32 - 2.0 * MARGIN;
    let max_h = PICTURE_HEIGHT as f32 - 2.0 * MARGIN;
    let mut px = MAX_PX;
    loop {
        if let Some(lines) = layout(font, blocks, px, max_w) {
            let total: f32 = lines.iter().map(|l| l.height).sum();
            if total <= max_h || px <= MIN_PX {
                return (px, lines);
            }
        } else if px <= MIN_PX {
            // Even the smallest size has a word too wide: draw it clipped rather than fail.
            let lines = layout_unchecked(font, blocks, px, max_w);
            return (px, lines);
        }
        px -= 1.0;
    }
}

fn layout(
    font: &FontRef<'_>,
    blocks: &[(String, Style)],
    px: f32,
    max_w: f32,
) -> Option<Vec<Line>> {
    let lines = layout_unchecked(font, blocks, px, max_w);
    lines.iter().all(|l| l.width <= max_w).then_some(lines)
}

fn layout_unchecked(
    font: &FontRef<'_>,
    blocks: &[(String, Style)],
    px: f32,
    max_w: f32,
) -> Vec<Line> {
    let mut lines = Vec::new();
    for (text, style) in blocks {
        let scale = PxScale::from(px * style.factor());
        let scaled = font.as_scaled(scale);
        let height = scaled.height() + scaled.line_gap() + 1.0;
        let mut current = String::new();
        for word in text.split(' ') {
            let candidate = if current.is_empty() {
                word.to_owned()
            } else {
                format!("{current} {word}")
            };
            if !current.is_empty() && text_width(font, scale, &candidate) > max_w {
                let width = text_width(font, scale, &current);
                lines.push(Line {
                    text: std::mem::take(&mut current),
                    style: *style,
                    width,
                    height,
                });
                word.clone_into(&mut current);
            } else {
                current = candidate;
            }
        }
        let width = text_width(font, scale, &current);
        lines.push(Line {
            text: current,
            style: *style,
            width,
            height,
        });
    }
    lines
}

fn text_width(font: &FontRef<'_>, scale: PxScale, text: &str) -> f32 {
    let scaled = font.as_scaled(scale);
    let mut width = 0.0;
    let mut prev = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            width += scaled.kern(p, id);
        }
        width += scaled.h_advance(id);
        prev = Some(id);
    }
    width
}

fn fill_rect(img: &mut RgbImage, y: f32, height: f32) {
    let top = y.max(0.0) as u32;
    let bottom = ((y + height) as u32).min(img.height());
    for yy in top..bottom {
        for xx in 0..img.width() {
            img.put_pixel(xx, yy, Rgb([0, 0, 0]));
        }
    }
}

fn draw_text(
    img: &mut RgbImage,
    font: &FontRef<'_>,
    scale: PxScale,
    text: &str,
    x: f32,
    baseline: f32,
    inverted: bool,
) {
    let scaled = font.as_scaled(scale);
    let mut caret = x;
    let mut prev = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = prev {
            caret += scaled.kern(p, id);
        }
        let glyph = id.with_scale_and_position(scale, point(caret, baseline));
        caret += scaled.h_advance(id);
        prev = Some(id);
        let Some(outlined) = font.outline_glyph(glyph) else {
            continue;
        };
        let bounds = outlined.px_bounds();
        outlined.draw(|gx, gy, coverage| {
            let px = bounds.min.x as i64 + i64::from(gx);
            let py = bounds.min.y as i64 + i64::from(gy);
            let (Ok(px), Ok(py)) = (u32::try_from(px), u32::try_from(py)) else {
                return;
            };
            if px >= img.width() || py >= img.height() {
                return;
            }
            // Coverage blends toward the ink colour; the background is pure black or white.
            let ink = if inverted { 255.0 } else { 0.0 };
            let pixel = img.get_pixel_mut(px, py);
            let bg = f32::from(pixel[0]);
            let v = (bg + (ink - bg) * coverage.clamp(0.0, 1.0)).round() as u8;
            *pixel = Rgb([v, v, v]);
        });
    }
}

//! Shared pixel plumbing: bounded decoding, resizing, and the JPEG/PNG writers phones can read.

use std::io::Cursor;

use fast_image_resize as fir;
use image::{DynamicImage, ImageError, ImageReader, Limits, RgbImage, RgbaImage};

use super::{MediaError, IMAGE_SIZE_LIMIT, MAX_PIXELS};

/// Decodes JPEG/PNG/WebP/GIF (first frame) with size, pixel and allocation limits.
pub(crate) fn decode(bytes: &[u8]) -> Result<DynamicImage, MediaError> {
    if bytes.len() > IMAGE_SIZE_LIMIT {
        return Err(MediaError::TooLarge);
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| MediaError::CorruptImage(e.to_string()))?;
    let Some(format) = reader.format() else {
        return Err(MediaError::UnsupportedFormat);
    };
    // Read the header first: refuse a bomb before allocating its canvas.
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(map_image_error)?;
    if width == 0 || height == 0 {
        return Err(MediaError::CorruptImage("zero-sized image".into()));
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(MediaError::TooManyPixels { width, height });
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    // RGBA16 of the cap plus the decoder's working buffers.
    limits.max_alloc = Some(MAX_PIXELS * 8 + 64 * 1024 * 1024);
    let mut reader = reader;
    reader.limits(limits);
    reader.decode().map_err(map_image_error)
}

fn map_image_error(e: ImageError) -> MediaError {
    match e {
        ImageError::Limits(_) => MediaError::TooManyPixels {
            width: 0,
            height: 0,
        },
        ImageError::Unsupported(_) => MediaError::UnsupportedFormat,
        other => MediaError::CorruptImage(other.to_string()),
    }
}

/// RGB with transparency composited over black, as the reference does when it resamples
/// (media.md §1.4). Premultiplying by alpha *is* compositing over black.
pub(crate) fn rgb_over_black(img: &DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.to_rgb8();
    }
    let rgba = img.to_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = Vec::with_capacity(w as usize * h as usize * 3);
    for p in rgba.pixels() {
        let a = u16::from(p[3]);
        for c in &p.0[..3] {
            out.push(((u16::from(*c) * a + 127) / 255) as u8);
        }
    }
    RgbImage::from_raw(w, h, out).unwrap_or_default()
}

fn resizer_options() -> fir::ResizeOptions {
    // Catmull-Rom: sharp enough for tiny phone thumbnails, no Lanczos ringing (media.md §1.4).
    fir::ResizeOptions::new().resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::CatmullRom))
}

fn resize_raw(
    src: Vec<u8>,
    (w, h): (u32, u32),
    (nw, nh): (u32, u32),
    pixel: fir::PixelType,
) -> Result<Vec<u8>, MediaError> {
    let err = |e: &dyn std::fmt::Display| MediaError::Encode(format!("resize: {e}"));
    let src = fir::images::Image::from_vec_u8(w, h, src, pixel).map_err(|e| err(&e))?;
    let mut dst = fir::images::Image::new(nw.max(1), nh.max(1), pixel);
    fir::Resizer::new()
        .resize(&src, &mut dst, &resizer_options())
        .map_err(|e| err(&e))?;
    Ok(dst.into_vec())
}

/// Resizes RGB to exactly `nw × nh` (each at least 1).
pub(crate) fn resize_rgb(img: RgbImage, nw: u32, nh: u32) -> Result<RgbImage, MediaError> {
    let (w, h) = img.dimensions();
    let (nw, nh) = (nw.max(1), nh.max(1));
    if (w, h) == (nw, nh) {
        return Ok(img);
    }
    let raw = resize_raw(img.into_raw(), (w, h), (nw, nh), fir::PixelType::U8x3)?;
    RgbImage::from_raw(nw, nh, raw).ok_or_else(|| MediaError::Encode("resize buffer".into()))
}

/// Resizes RGBA to exactly `nw × nh`; colour is weighted by alpha so edges do not go dark.
pub(crate) fn resize_rgba(img: RgbaImage, nw: u32, nh: u32) -> Result<RgbaImage, MediaError> {
    let (w, h) = img.dimensions();
    let (nw, nh) = (nw.max(1), nh.max(1));
    if (w, h) == (nw, nh) {
        return Ok(img);
    }
    let raw = resize_raw(img.into_raw(), (w, h), (nw, nh), fir::PixelType::U8x4)?;
    RgbaImage::from_raw(nw, nh, raw).ok_or_else(|| MediaError::Encode("resize buffer".into()))
}

/// Baseline (SOF0) JFIF, 4:2:0, as old phones need; never progressive.
pub(crate) fn encode_jpeg(img: &RgbImage, quality: u8) -> Result<Vec<u8>, MediaError> {
    let (w, h) = img.dimensions();
    let (w16, h16) = (
        u16::try_from(w).map_err(|_| MediaError::BadParameter("image too wide for JPEG"))?,
        u16::try_from(h).map_err(|_| MediaError::BadParameter("image too tall for JPEG"))?,
    );
    let mut out = Vec::with_capacity(img.as_raw().len() / 6 + 1024);
    let mut enc = jpeg_encoder::Encoder::new(&mut out, quality);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    enc.set_progressive(false);
    enc.encode(img.as_raw(), w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| MediaError::Encode(e.to_string()))?;
    Ok(out)
}

/// 8-bit, non-interlaced PNG; RGBA only when the picture has an alpha channel.
pub(crate) fn encode_png(img: &DynamicImage) -> Result<Vec<u8>, MediaError> {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    use image::ImageEncoder;
    let (buf, color, (w, h)) = if img.color().has_alpha() {
        let rgba = img.to_rgba8();
        let dims = rgba.dimensions();
        (rgba.into_raw(), image::ExtendedColorType::Rgba8, dims)
    } else {
        let rgb = img.to_rgb8();
        let dims = rgb.dimensions();
        (rgb.into_raw(), image::ExtendedColorType::Rgb8, dims)
    };
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(&buf, w, h, color)
        .map_err(|e| MediaError::Encode(e.to_string()))?;
    Ok(out)
}

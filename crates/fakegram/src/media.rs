//! Deterministic generators of small, valid media files for the fake Telegram world.
//!
//! Every generator is a pure function of its arguments (same seed → same bytes), so the demo world
//! and the tests see stable files. The pictures and sounds are synthetic (gradients, shapes, tones):
//! the point is that real decoders accept them, not that they are art. Encoding is done by crates
//! (image, libopus via `opus`, LAME via `mp3lame-encoder`, `less-avc` + `mp4`); nothing here is a
//! hand-written codec.

use std::fmt::Write as _;
use std::io::Cursor;

use image::codecs::webp::WebPEncoder;
use image::{ExtendedColorType, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};

/// Largest side a generated picture may have; keeps a typo in the world script from allocating gigabytes.
pub const MAX_SIDE: u32 = 4096;
/// Longest generated sound, in seconds.
pub const MAX_SECONDS: f32 = 600.0;
/// Opus works at 48 kHz internally; Telegram voice notes are mono Opus at this rate.
pub const VOICE_RATE: u32 = 48_000;
/// 20 ms Opus frames, as Telegram's own voice notes use.
const OPUS_FRAME: usize = 960;

/// A generated voice note: the Ogg/Opus file plus the attribute values Telegram stores beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceNote {
    /// Ogg/Opus file, mono, 48 kHz.
    pub ogg: Vec<u8>,
    /// Whole seconds (rounded, at least 1), as `documentAttributeAudio.duration`.
    pub duration: u32,
    /// 63 bytes: 100 five-bit values, as `documentAttributeAudio.waveform`.
    pub waveform: Vec<u8>,
}

/// `SplitMix64`: a tiny deterministic generator so the output depends only on `seed`.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0.0..1.0`.
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
    fn colour(&mut self) -> [f32; 3] {
        // HSV with fixed saturation/value gives pleasant, never muddy colours.
        hsv(self.unit(), 0.55, 0.9)
    }
}

#[allow(clippy::many_single_char_names)] // the textbook HSV formula's names
fn hsv(h: f32, s: f32, v: f32) -> [f32; 3] {
    let h6 = (h.fract() * 6.0).max(0.0);
    let i = h6.floor();
    let f = h6 - i;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - s * f), v * (1.0 - s * (1.0 - f)));
    let rgb = match i as u32 {
        0 => [v, t, p],
        1 => [q, v, p],
        2 => [p, v, t],
        3 => [p, q, v],
        4 => [t, p, v],
        _ => [v, p, q],
    };
    rgb.map(|c| c * 255.0)
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    let t = t.clamp(0.0, 1.0);
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

fn to_rgb(c: [f32; 3]) -> Rgb<u8> {
    Rgb(c.map(|v| v.clamp(0.0, 255.0) as u8))
}

fn encode_jpeg(img: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(img.as_raw().len() / 8);
    // jpeg-encoder writes baseline (SOF0) JFIF, which old phones need, and is ~5× faster than
    // image's encoder (the demo world builds its pictures at start-up).
    let mut enc = jpeg_encoder::Encoder::new(&mut out, quality);
    enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
    enc.encode(
        img.as_raw(),
        img.width() as u16,
        img.height() as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .expect("encoding an in-memory RGB image of at most MAX_SIDE pixels a side cannot fail");
    out
}

/// A landscape-like picture (sky gradient, sun, two hills) as a baseline JPEG of exactly
/// `width × height` (each clamped to `1..=MAX_SIDE`).
#[allow(clippy::many_single_char_names)] // pixel maths: x, y, u, v, w, h
pub fn photo_jpeg(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let (w, h) = (width.clamp(1, MAX_SIDE), height.clamp(1, MAX_SIDE));
    let mut rng = Rng::new(seed);
    let (sky_top, sky_bottom, hill, hill2, sun) = (
        rng.colour(),
        rng.colour(),
        rng.colour(),
        rng.colour(),
        [255.0, 236.0, 170.0],
    );
    let (sun_x, sun_y, sun_r) = (
        0.2 + 0.6 * rng.unit(),
        0.15 + 0.25 * rng.unit(),
        0.06 + 0.08 * rng.unit(),
    );
    let (phase, phase2) = (
        rng.unit() * std::f32::consts::TAU,
        rng.unit() * std::f32::consts::TAU,
    );
    let (wf, hf) = (w as f32, h as f32);
    let aspect = wf / hf;
    // The hill outlines depend on the column only: compute them once per column, not per pixel.
    let far: Vec<f32> = (0..w)
        .map(|x| 0.62 + 0.08 * (x as f32 / wf * 7.0 + phase).sin())
        .collect();
    let near: Vec<f32> = (0..w)
        .map(|x| 0.78 + 0.06 * (x as f32 / wf * 4.0 + phase2).sin())
        .collect();
    let img = RgbImage::from_fn(w, h, |x, y| {
        let (u, v) = (x as f32 / wf, y as f32 / hf);
        let mut c = mix(sky_top, sky_bottom, v);
        let (dx, dy) = ((u - sun_x) * aspect, v - sun_y);
        if dx * dx + dy * dy < sun_r * sun_r {
            c = sun;
        }
        let (far, near) = (far[x as usize], near[x as usize]);
        if v > far {
            c = mix(hill, [30.0, 30.0, 40.0], (v - far) * 1.5);
        }
        if v > near {
            c = mix(hill2, [20.0, 25.0, 20.0], (v - near) * 2.0);
        }
        to_rgb(c)
    });
    encode_jpeg(&img, 85)
}

/// A 640×640 baseline JPEG profile picture (Telegram's "big" size): a two-colour diagonal
/// gradient with a light head-and-shoulders silhouette, distinct per seed.
#[allow(clippy::many_single_char_names)] // pixel maths: x, y, u, v
pub fn avatar_jpeg(seed: u64) -> Vec<u8> {
    const SIDE: u32 = 640;
    let mut rng = Rng::new(seed);
    let (a, b) = (rng.colour(), rng.colour());
    let fg = [245.0, 245.0, 250.0];
    let s = SIDE as f32;
    let img = RgbImage::from_fn(SIDE, SIDE, |x, y| {
        let (u, v) = (x as f32 / s, y as f32 / s);
        let mut c = mix(a, b, f32::midpoint(u, v));
        let head = (u - 0.5).powi(2) + (v - 0.40).powi(2) < 0.16 * 0.16;
        let body = (u - 0.5).powi(2) / 0.09 + (v - 0.95).powi(2) / 0.09 < 1.0;
        if head || body {
            c = mix(fg, c, 0.15);
        }
        to_rgb(c)
    });
    encode_jpeg(&img, 85)
}

/// A 512×512 lossless WebP sticker with alpha: a coloured rounded star on a fully transparent
/// background, with a soft semi-transparent shadow so both alpha extremes and mid values occur.
pub fn sticker_webp(seed: u64) -> Vec<u8> {
    const SIDE: u32 = 512;
    let mut rng = Rng::new(seed);
    let (inner, outer) = (rng.colour(), rng.colour());
    let points = 5.0 + (rng.next() % 4) as f32;
    let turn = rng.unit() * std::f32::consts::TAU;
    let s = SIDE as f32;
    let star = |u: f32, v: f32| -> Option<f32> {
        let (dx, dy) = (u - 0.5, v - 0.5);
        let r = (dx * dx + dy * dy).sqrt();
        let edge = 0.32 + 0.1 * (dy.atan2(dx) * points + turn).cos();
        (r < edge).then_some(r / edge)
    };
    let img = RgbaImage::from_fn(SIDE, SIDE, |x, y| {
        let (u, v) = (x as f32 / s, y as f32 / s);
        if let Some(t) = star(u, v) {
            let c = mix(inner, outer, t).map(|v| v.clamp(0.0, 255.0) as u8);
            Rgba([c[0], c[1], c[2], 255])
        } else if star(u - 0.03, v - 0.03).is_some() {
            Rgba([0, 0, 0, 90])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .write_image(img.as_raw(), SIDE, SIDE, ExtendedColorType::Rgba8)
        .expect("encoding an in-memory RGBA image of valid size cannot fail");
    out
}

/// Mono 16-bit samples at `rate`: a few "syllables" of tones with pauses, so waveforms look like speech.
fn tones(seconds: f32, rate: u32, seed: u64) -> Vec<i16> {
    let seconds = if seconds.is_finite() {
        seconds.clamp(0.02, MAX_SECONDS)
    } else {
        1.0
    };
    let n = (seconds * rate as f32) as usize;
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(n);
    let rate_f = rate as f32;
    let mut phase = 0.0_f32;
    while out.len() < n {
        // One syllable (120–400 ms of a gliding tone) then a gap (30–150 ms of silence).
        let len = ((0.12 + 0.28 * rng.unit()) * rate_f) as usize;
        let gap = ((0.03 + 0.12 * rng.unit()) * rate_f) as usize;
        let (f0, f1) = (180.0 + 260.0 * rng.unit(), 180.0 + 260.0 * rng.unit());
        let loud = 0.25 + 0.6 * rng.unit();
        for i in 0..len.min(n - out.len()) {
            let t = i as f32 / len as f32;
            let f = f0 + (f1 - f0) * t;
            phase = (phase + std::f32::consts::TAU * f / rate_f) % std::f32::consts::TAU;
            let env = (std::f32::consts::PI * t).sin();
            // A fundamental plus one overtone: sounds less like a test beep, still compresses well.
            let s = loud * env * (0.8 * phase.sin() + 0.2 * (2.0 * phase).sin());
            out.push((s * 32767.0) as i16);
        }
        let silence = gap.min(n - out.len());
        out.resize(out.len() + silence, 0);
    }
    out
}

/// Telegram's voice waveform for mono samples: 100 peak values in 5 bits each, packed into 63 bytes.
///
/// Follows the spec's "compatible algorithm" (media.md §5.5–5.6): 100 equal time slices, peak per
/// slice, scaled against `max(2500, 1.8 × mean)`. Shorter than 100 samples → all zeros.
pub fn waveform(samples: &[i16]) -> Vec<u8> {
    let mut values = [0u32; 100];
    if samples.len() >= 100 {
        for (i, v) in values.iter_mut().enumerate() {
            let (a, b) = (i * samples.len() / 100, (i + 1) * samples.len() / 100);
            *v = samples[a..b]
                .iter()
                .map(|s| u32::from(s.unsigned_abs()))
                .max()
                .unwrap_or(0);
        }
    }
    let sum: u32 = values.iter().sum();
    let ceiling = (sum * 18 / 1000).max(2500);
    pack_waveform(&values.map(|v| (v.min(ceiling) * 31 / ceiling).min(31) as u8))
}

/// Packs 100 values (0–31, larger ones are clamped) into Telegram's 63-byte little-endian 5-bit stream.
pub fn pack_waveform(values: &[u8; 100]) -> Vec<u8> {
    let mut packed = vec![0u8; 63];
    for (i, &v) in values.iter().enumerate() {
        let five = u32::from(v.min(31));
        let bit = i * 5;
        let word = five << (bit % 8);
        packed[bit / 8] |= word as u8;
        if bit % 8 > 3 {
            packed[bit / 8 + 1] |= (word >> 8) as u8;
        }
    }
    packed
}

/// An Ogg/Opus voice note (mono, 48 kHz, 20 ms frames, ~32 kbit/s) of about `seconds`, with its
/// duration and waveform. `OpusHead` carries the encoder's pre-skip; the last page's granule
/// position trims the padding of the final frame, so decoders play exactly the generated samples.
pub fn voice(seconds: f32, seed: u64) -> VoiceNote {
    let pcm = tones(seconds, VOICE_RATE, seed);
    let duration = ((pcm.len() as f32 / VOICE_RATE as f32).round() as u32).max(1);
    VoiceNote {
        ogg: ogg_opus(&pcm, seed as u32),
        duration,
        waveform: waveform(&pcm),
    }
}

/// Just the Ogg/Opus file of [`voice`].
pub fn voice_ogg_opus(seconds: f32, seed: u64) -> Vec<u8> {
    voice(seconds, seed).ogg
}

fn ogg_opus(pcm: &[i16], serial: u32) -> Vec<u8> {
    use ogg::writing::{PacketWriteEndInfo, PacketWriter};
    let mut enc = opus::Encoder::new(VOICE_RATE, opus::Channels::Mono, opus::Application::Voip)
        .expect("fixed, valid Opus encoder parameters");
    enc.set_bitrate(opus::Bitrate::Bits(32_000))
        .expect("32 kbit/s is in Opus' range");
    // Low complexity: ~4× faster than the default 10, still clean for synthetic tones.
    enc.set_complexity(2).expect("complexity 0-10");
    let pre_skip = enc.get_lookahead().expect("lookahead query") as u16;

    let mut head = Vec::with_capacity(19);
    head.extend_from_slice(b"OpusHead");
    head.push(1); // version
    head.push(1); // channels
    head.extend_from_slice(&pre_skip.to_le_bytes());
    head.extend_from_slice(&VOICE_RATE.to_le_bytes());
    head.extend_from_slice(&0i16.to_le_bytes()); // output gain
    head.push(0); // mapping family 0: mono/stereo, no table
    let vendor = b"fakegram";
    let mut tags = Vec::with_capacity(24);
    tags.extend_from_slice(b"OpusTags");
    tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    tags.extend_from_slice(vendor);
    tags.extend_from_slice(&0u32.to_le_bytes()); // no user comments

    let mut w = PacketWriter::new(Vec::with_capacity(pcm.len() / 10));
    let io = "writing to a Vec cannot fail";
    // The headers must each sit alone on their own page (RFC 7845 §3).
    w.write_packet(head, serial, PacketWriteEndInfo::EndPage, 0)
        .expect(io);
    w.write_packet(tags, serial, PacketWriteEndInfo::EndPage, 0)
        .expect(io);

    // Encode the pre-skip's worth of extra samples too, so the decoder's delay does not cut the tail.
    let total = pcm.len() + usize::from(pre_skip);
    let frames = total.div_ceil(OPUS_FRAME);
    let end_granule = total as u64; // pre-skip + real samples: trims the padded last frame
    let mut frame = [0i16; OPUS_FRAME];
    let mut packet = [0u8; 1500];
    for i in 0..frames {
        let start = i * OPUS_FRAME;
        let end = (start + OPUS_FRAME).min(pcm.len());
        frame.fill(0);
        if start < end {
            frame[..end - start].copy_from_slice(&pcm[start..end]);
        }
        let len = enc
            .encode(&frame, &mut packet)
            .expect("a full 20 ms frame into a 1500-byte buffer");
        let last = i + 1 == frames;
        let granule = if last {
            end_granule
        } else {
            ((i + 1) * OPUS_FRAME) as u64
        };
        // About one page per second keeps page overhead low and seeking cheap.
        let info = if last {
            PacketWriteEndInfo::EndStream
        } else if (i + 1) % 50 == 0 {
            PacketWriteEndInfo::EndPage
        } else {
            PacketWriteEndInfo::NormalPacket
        };
        w.write_packet(packet[..len].to_vec(), serial, info, granule)
            .expect(io);
    }
    w.into_inner()
}

/// An MP3 "song" of about `seconds` (clamped to 0.02–600 s): CBR 64 kbit/s, mono, 44.1 kHz, with a
/// LAME "Info" frame holding the exact frame count. LAME runs ~100× real time, so keep demo songs short.
pub fn audio_mp3(seconds: f32, seed: u64) -> Vec<u8> {
    use mp3lame_encoder::{Bitrate, Builder, FlushNoGap, MonoPcm, Quality};
    const RATE: u32 = 44_100;
    let pcm = tones(seconds, RATE, seed);
    let fixed = "fixed, valid LAME parameters";
    let mut enc = Builder::new()
        .expect("LAME allocation")
        .with_num_channels(1)
        .expect(fixed)
        .with_sample_rate(RATE)
        .expect(fixed)
        .with_brate(Bitrate::Kbps64)
        .expect(fixed)
        .with_quality(Quality::Ok)
        .expect(fixed)
        .with_to_write_vbr_tag(true)
        .expect(fixed)
        .build()
        .expect(fixed);
    let mut out = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(pcm.len()));
    enc.encode_to_vec(MonoPcm(pcm.as_slice()), &mut out)
        .expect("buffer sized by max_required_buffer_size");
    out.reserve(7200);
    enc.flush_to_vec::<FlushNoGap>(&mut out)
        .expect("7200 bytes are enough for a flush");
    // LAME put a placeholder frame first; overwrite it with the real Info frame (frame count etc.).
    let mut tag = Vec::with_capacity(enc.lame_tag_size());
    if enc.lame_tag_encode_to_vec(&mut tag).is_some() && tag.len() <= out.len() {
        out[..tag.len()].copy_from_slice(&tag);
    }
    out
}

/// A small, valid MP4 (ISO BMFF, `isom`/`avc1`): 176×144 (QCIF) H.264, 8 frames at 4 fps (2 s) of a
/// moving colour bar. H.264 comes from `less-avc`, a pure-Rust encoder that writes lossless `I_PCM`
/// macroblocks: big per frame (~38 KB) but accepted by every H.264 decoder and no C toolchain needed.
pub fn video_mp4(seed: u64) -> Vec<u8> {
    use less_avc::ycbcr_image::{DataPlane, Planes, YCbCrImage};
    use less_avc::BitDepth;
    const W: usize = 176;
    const H: usize = 144;
    const FRAMES: usize = 8;
    const FPS: u32 = 4;
    let mut rng = Rng::new(seed);
    let (bg, bar) = (rng.colour(), rng.colour());
    let yuv = |c: [f32; 3]| {
        let [r, g, b] = c;
        (
            (0.257 * r + 0.504 * g + 0.098 * b + 16.0) as u8,
            (-0.148 * r - 0.291 * g + 0.439 * b + 128.0) as u8,
            (0.439 * r - 0.368 * g - 0.071 * b + 128.0) as u8,
        )
    };
    let (bg, bar) = (yuv(bg), yuv(bar));

    let mut samples = Vec::with_capacity(FRAMES);
    let mut sps_pps = None;
    let mut encoder = None;
    for f in 0..FRAMES {
        let bar_x = f * W / FRAMES;
        let in_bar = |x: usize| x >= bar_x && x < bar_x + W / 6;
        let y_plane: Vec<u8> = (0..W * H)
            .map(|i| if in_bar(i % W) { bar.0 } else { bg.0 })
            .collect();
        let (cw, ch) = (W / 2, H / 2);
        let cb: Vec<u8> = (0..cw * ch)
            .map(|i| if in_bar(2 * (i % cw)) { bar.1 } else { bg.1 })
            .collect();
        let cr: Vec<u8> = (0..cw * ch)
            .map(|i| if in_bar(2 * (i % cw)) { bar.2 } else { bg.2 })
            .collect();
        let plane = |data, stride| DataPlane {
            data,
            stride,
            bit_depth: BitDepth::Depth8,
        };
        let image = YCbCrImage {
            planes: Planes::YCbCr((plane(&y_plane, W), plane(&cb, cw), plane(&cr, cw))),
            width: W as u32,
            height: H as u32,
        };
        let nal = match encoder.as_mut() {
            None => {
                let (initial, enc) =
                    less_avc::LessEncoder::new(&image).expect("QCIF 8-bit 4:2:0 is supported");
                encoder = Some(enc);
                sps_pps = Some((initial.sps.to_nal_unit(), initial.pps.to_nal_unit()));
                initial.frame
            }
            Some(enc) => enc.encode(&image).expect("same shape as the first frame"),
        };
        // MP4 stores NAL units length-prefixed (AVCC), not with Annex B start codes.
        let nal = nal.to_nal_unit();
        let mut sample = Vec::with_capacity(nal.len() + 4);
        sample.extend_from_slice(&(nal.len() as u32).to_be_bytes());
        sample.extend_from_slice(&nal);
        samples.push(sample);
    }
    let (sps, pps) = sps_pps.expect("at least one frame was encoded");

    let brand = |s: &[u8; 4]| mp4::FourCC::from(*s);
    let config = mp4::Mp4Config {
        major_brand: brand(b"isom"),
        minor_version: 512,
        compatible_brands: vec![
            brand(b"isom"),
            brand(b"iso2"),
            brand(b"avc1"),
            brand(b"mp41"),
        ],
        timescale: 1000,
    };
    let mp4_err = "muxing into a Vec cannot fail";
    let mut writer = mp4::Mp4Writer::write_start(Cursor::new(Vec::new()), &config).expect(mp4_err);
    writer
        .add_track(&mp4::TrackConfig {
            track_type: mp4::TrackType::Video,
            timescale: FPS * 1000,
            language: "und".into(),
            media_conf: mp4::MediaConfig::AvcConfig(mp4::AvcConfig {
                width: W as u16,
                height: H as u16,
                seq_param_set: sps,
                pic_param_set: pps,
            }),
        })
        .expect(mp4_err);
    for (i, bytes) in samples.into_iter().enumerate() {
        let sample = mp4::Mp4Sample {
            start_time: i as u64 * 1000,
            duration: 1000,
            rendering_offset: 0,
            is_sync: true, // every less-avc frame is an IDR/I frame
            bytes: mp4::Bytes::from(bytes),
        };
        writer.write_sample(1, &sample).expect(mp4_err);
    }
    writer.write_end().expect(mp4_err);
    writer.into_writer().into_inner()
}

/// A one-page PDF 1.4 with `title` as its text (ASCII; other characters become `?`), with a
/// correct cross-reference table so strict readers accept it.
pub fn document_pdf(title: &str) -> Vec<u8> {
    let text: String = title
        .chars()
        .map(|c| match c {
            '(' | ')' | '\\' => '?',
            c if c.is_ascii_graphic() || c == ' ' => c,
            _ => '?',
        })
        .collect();
    let stream = format!("BT /F1 24 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{stream}\nendstream", stream.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        let _ = write!(out, "{} 0 obj\n{body}\nendobj\n", i + 1);
    }
    let xref = out.len();
    let _ = write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for off in offsets {
        let _ = writeln!(out, "{off:010} 00000 n ");
    }
    let _ = write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.into_bytes()
}

/// A plain UTF-8 text document of `lines` numbered lines, distinct per seed.
pub fn document_text(lines: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let words = [
        "alpha", "bravo", "кофе", "delta", "echo", "ёлка", "golf", "hotel",
    ];
    let mut out = String::new();
    for i in 0..lines.min(100_000) {
        let _ = write!(out, "{:>4}:", i + 1);
        for _ in 0..6 {
            out.push(' ');
            out.push_str(words[(rng.next() % words.len() as u64) as usize]);
        }
        out.push('\n');
    }
    out.into_bytes()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn is_baseline_jpeg(bytes: &[u8]) -> bool {
        // SOF0 (baseline) present and SOF2 (progressive) absent among the markers before the scan.
        bytes.windows(2).any(|w| w == [0xFF, 0xC0]) && !bytes.windows(2).any(|w| w == [0xFF, 0xC2])
    }

    #[test]
    fn media_photo_decodes_with_size_and_is_deterministic() {
        let jpeg = photo_jpeg(640, 480, 7);
        assert!(is_baseline_jpeg(&jpeg));
        let img = image::load_from_memory_with_format(&jpeg, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (640, 480));
        assert_eq!(jpeg, photo_jpeg(640, 480, 7));
        assert_ne!(jpeg, photo_jpeg(640, 480, 8));
        assert_eq!(
            image::load_from_memory(&photo_jpeg(0, 5, 1))
                .unwrap()
                .width(),
            1
        );
    }

    #[test]
    fn media_avatar_is_640_square_jpeg() {
        let img =
            image::load_from_memory_with_format(&avatar_jpeg(3), image::ImageFormat::Jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (640, 640));
    }

    #[test]
    fn media_sticker_is_webp_with_alpha() {
        let webp = sticker_webp(5);
        assert_eq!(&webp[..4], b"RIFF");
        assert_eq!(&webp[8..12], b"WEBP");
        let img = image::load_from_memory_with_format(&webp, image::ImageFormat::WebP)
            .unwrap()
            .to_rgba8();
        assert_eq!(img.dimensions(), (512, 512));
        assert_eq!(img.get_pixel(0, 0)[3], 0, "corner is transparent");
        assert_eq!(img.get_pixel(256, 256)[3], 255, "centre is opaque");
    }

    #[test]
    fn media_voice_is_ogg_opus_with_exact_length() {
        let note = voice(3.0, 11);
        assert_eq!(note.duration, 3);
        assert_eq!(note.waveform.len(), 63);
        assert!(note.waveform.iter().any(|&b| b != 0));

        let mut reader = ogg::PacketReader::new(Cursor::new(&note.ogg));
        let head = reader.read_packet_expected().unwrap();
        assert_eq!(&head.data[..8], b"OpusHead");
        assert_eq!(head.data[9], 1, "mono");
        let pre_skip = u16::from_le_bytes([head.data[10], head.data[11]]) as u64;
        assert_eq!(
            u32::from_le_bytes(head.data[12..16].try_into().unwrap()),
            48_000
        );
        let tags = reader.read_packet_expected().unwrap();
        assert_eq!(&tags.data[..8], b"OpusTags");

        let mut dec = opus::Decoder::new(48_000, opus::Channels::Mono).unwrap();
        let mut pcm = vec![0i16; 5760];
        let (mut decoded, mut last_granule, mut eos) = (0u64, 0u64, false);
        while let Some(p) = reader.read_packet().unwrap() {
            decoded += dec.decode(&p.data, &mut pcm, false).unwrap() as u64;
            last_granule = p.absgp_page();
            eos = p.last_in_stream();
        }
        assert!(eos, "last page is marked end-of-stream");
        assert_eq!(
            last_granule - pre_skip,
            3 * 48_000,
            "granule gives the exact sample count"
        );
        assert!(
            decoded >= last_granule,
            "enough audio to cover the granule position"
        );
    }

    #[test]
    fn media_waveform_packing_matches_spec_vectors() {
        // media.md §5.4: 50 loud + 50 quiet peaks → 31 and 3.
        let mut s = vec![10_000i16; 50];
        s.extend(vec![1_000i16; 50]);
        let w = waveform(&s);
        assert_eq!(w.len(), 63);
        // first value 31 in bits 0..5, value 50 (3) in bits 250..255
        assert_eq!(w[0] & 0x1F, 31);
        assert_eq!((u16::from_le_bytes([w[31], w[32]]) >> 2) & 0x1F, 3);
        assert_eq!(waveform(&[0; 10]), vec![0; 63]);
        // media.md §5.6 test vectors
        let full = pack_waveform(&[31; 100]);
        assert!(full[..62].iter().all(|&b| b == 0xFF));
        assert_eq!(full[62], 0x0F);
        let mut first = [0u8; 100];
        first[0] = 31;
        assert_eq!(pack_waveform(&first)[0], 0x1F);
        assert!(pack_waveform(&first)[1..].iter().all(|&b| b == 0));
        let ramp: [u8; 100] = std::array::from_fn(|i| (i % 32) as u8);
        let hex = pack_waveform(&ramp).iter().fold(String::new(), |mut h, b| {
            let _ = write!(h, "{b:02x}");
            h
        });
        assert_eq!(
            hex,
            "2088418a3928a9c59a7b30ca49abbd38ebcdbbff".repeat(3) + "208801"
        );
    }

    #[test]
    fn media_mp3_decodes_to_the_right_duration() {
        use symphonia::core::codecs::DecoderOptions;
        use symphonia::core::formats::FormatOptions;
        use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
        use symphonia::core::meta::MetadataOptions;
        use symphonia::core::probe::Hint;
        let mp3 = audio_mp3(4.0, 2);
        assert_eq!(mp3[0], 0xFF, "starts with an MPEG frame (no ID3)");
        assert!(
            mp3[..400].windows(4).any(|w| w == b"Info"),
            "LAME Info frame"
        );
        let mss = MediaSourceStream::new(
            Box::new(Cursor::new(mp3)),
            MediaSourceStreamOptions::default(),
        );
        let mut hint = Hint::new();
        hint.with_extension("mp3");
        let probed = symphonia::default::get_probe()
            .format(
                &hint,
                mss,
                &FormatOptions::default(),
                &MetadataOptions::default(),
            )
            .unwrap();
        let mut format = probed.format;
        let track = format.default_track().unwrap().clone();
        assert_eq!(track.codec_params.sample_rate, Some(44_100));
        let mut dec = symphonia::default::get_codecs()
            .make(&track.codec_params, &DecoderOptions::default())
            .unwrap();
        let mut frames = 0u64;
        while let Ok(packet) = format.next_packet() {
            frames += dec.decode(&packet).unwrap().frames() as u64;
        }
        let secs = frames as f64 / 44_100.0;
        assert!((secs - 4.0).abs() < 0.1, "decoded {secs} s");
    }

    #[test]
    fn media_mp4_has_an_avc_track_of_8_frames() {
        let bytes = video_mp4(1);
        assert_eq!(&bytes[4..8], b"ftyp");
        let size = bytes.len() as u64;
        let mut reader = mp4::Mp4Reader::read_header(Cursor::new(bytes), size).unwrap();
        let track = reader.tracks().get(&1).unwrap();
        assert_eq!(track.media_type().unwrap(), mp4::MediaType::H264);
        assert_eq!((track.width(), track.height()), (176, 144));
        assert_eq!(reader.sample_count(1).unwrap(), 8);
        assert_eq!(reader.duration().as_secs(), 2);
        let first = reader.read_sample(1, 1).unwrap().unwrap();
        // length prefix, then a NAL header of type 5 (IDR slice)
        assert_eq!(first.bytes[4] & 0x1F, 5);
    }

    #[test]
    fn media_documents_are_well_formed() {
        let pdf = document_pdf("Report (draft) №1");
        assert!(pdf.starts_with(b"%PDF-1.4"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let s = String::from_utf8(pdf).unwrap();
        let startxref: usize = s
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(s[startxref..].starts_with("xref"));
        assert!(
            std::str::from_utf8(&document_text(20, 1))
                .unwrap()
                .lines()
                .count()
                == 20
        );
    }
}

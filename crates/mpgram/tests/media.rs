//! Golden tests of the media conversions on real decoded output (media.md §1.4, §3, §4, §5),
//! fed by fakegram's deterministic generators.
#![allow(clippy::unwrap_used)]

use std::io::Cursor;

use fakegram::media as gen;
use mpgram::media::{
    self, avatar::MAX_AVATAR_SIDE, convert_avatar, convert_image, AvatarConversion, Conversion,
    FileConversion, ImageSizes, JpegMode, MediaError,
};

/// Baseline: SOF0 present, no progressive SOF2, starts with SOI.
fn assert_baseline_jpeg(bytes: &[u8]) {
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "JPEG SOI");
    let mut i = 2;
    let mut sof = None;
    // Walk the marker segments up to the scan.
    while i + 4 <= bytes.len() && bytes[i] == 0xFF {
        let marker = bytes[i + 1];
        if marker == 0xDA {
            break;
        }
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            sof = Some(marker);
        }
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        i += 2 + len;
    }
    assert_eq!(sof, Some(0xC0), "baseline SOF0 only");
}

fn dims(bytes: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(bytes).unwrap();
    (img.width(), img.height())
}

fn convert(input: &[u8], p: &str, sizes: ImageSizes) -> media::Converted {
    let FileConversion::Convert(conv) = FileConversion::parse(Some(p)) else {
        panic!("{p} is not a conversion");
    };
    convert_image(input, conv, sizes).unwrap()
}

/// A source size and the nine expected output sizes.
type Row = ((u32, u32), [(u32, u32); 9]);

#[test]
fn media_size_table_matches_reference() {
    // media.md §1.4 "Size examples" (s=180, tw=240, th=320).
    let sizes = ImageSizes::from_params(Some("180"), Some("240"), Some("320"));
    let modes = [
        "rprev", "rrprev", "rmin", "rsticker", "rsprev", "raudio", "rsprevs", "rview", "rrview",
    ];
    let table: [Row; 6] = [
        (
            (640, 480),
            [
                (180, 135),
                (135, 180),
                (120, 90),
                (180, 135),
                (100, 75),
                (36, 27),
                (180, 135),
                (240, 180),
                (240, 320),
            ],
        ),
        (
            (480, 640),
            [
                (135, 180),
                (180, 135),
                (67, 90),
                (180, 240),
                (100, 133),
                (27, 36),
                (180, 240),
                (240, 320),
                (240, 180),
            ],
        ),
        (
            (100, 50),
            [
                (180, 90),
                (90, 180),
                (100, 50),
                (100, 50),
                (100, 50),
                (36, 18),
                (100, 50),
                (240, 120),
                (160, 320),
            ],
        ),
        (
            (1280, 100),
            [
                (180, 14),
                (14, 180),
                (180, 14),
                (180, 14),
                (100, 7),
                (36, 2),
                (180, 14),
                (240, 18),
                (25, 320),
            ],
        ),
        (
            (30, 300),
            [
                (18, 180),
                (180, 18),
                (9, 90),
                (9, 90),
                (8, 80),
                (3, 36),
                (18, 180),
                (32, 320),
                (240, 24),
            ],
        ),
        (
            (512, 512),
            [
                (180, 180),
                (180, 180),
                (90, 90),
                (180, 180),
                (100, 100),
                (36, 36),
                (180, 180),
                (240, 240),
                (240, 240),
            ],
        ),
    ];
    for ((w, h), expected) in table {
        let src = gen::photo_jpeg(w, h, u64::from(w));
        for (p, want) in modes.iter().zip(expected) {
            let out = convert(&src, p, sizes);
            assert_eq!(out.mime, "image/jpeg");
            assert_baseline_jpeg(&out.bytes);
            assert_eq!(dims(&out.bytes), want, "{w}x{h} p={p}");
        }
    }
}

#[test]
fn media_p_grammar() {
    use Conversion::{Jpeg, Png, StickerPng, Tgs};
    let j = |rotate, mode| FileConversion::Convert(Jpeg { rotate, mode });
    assert_eq!(FileConversion::parse(None), FileConversion::Raw);
    assert_eq!(FileConversion::parse(Some("tgss")), FileConversion::Raw);
    assert_eq!(
        FileConversion::parse(Some("rprev")),
        j(false, JpegMode::Prev)
    );
    assert_eq!(
        FileConversion::parse(Some("rrview")),
        j(true, JpegMode::View)
    );
    assert_eq!(
        FileConversion::parse(Some("rprevx")),
        j(false, JpegMode::Other)
    );
    assert_eq!(
        FileConversion::parse(Some("rrpng")),
        j(true, JpegMode::Other)
    );
    assert_eq!(
        FileConversion::parse(Some("rpng")),
        FileConversion::Convert(Png)
    );
    assert_eq!(
        FileConversion::parse(Some("rstickerp")),
        FileConversion::Convert(StickerPng)
    );
    assert_eq!(
        FileConversion::parse(Some("rtgsps")),
        FileConversion::Convert(Tgs {
            still: true,
            png: true
        })
    );
    assert_eq!(
        FileConversion::parse(Some("thumbrsprevs")),
        FileConversion::Thumb(Some(Jpeg {
            rotate: false,
            mode: JpegMode::Sprevs
        }))
    );
    assert_eq!(
        FileConversion::parse(Some("thumb")),
        FileConversion::Thumb(None)
    );
    // s: default 180 for missing, <= 0, or not a number; tw/th default to s; huge values clamped.
    assert_eq!(ImageSizes::from_params(None, None, None).s, 180);
    assert_eq!(ImageSizes::from_params(Some("-5"), None, None).s, 180);
    assert_eq!(ImageSizes::from_params(Some("abc"), None, None).s, 180);
    let s = ImageSizes::from_params(Some("120x"), Some("0"), None);
    assert_eq!((s.s, s.tw, s.th), (120, 120, 120));
    assert_eq!(
        ImageSizes::from_params(Some("99999999999"), None, None).s,
        media::MAX_OUTPUT_SIDE
    );
}

#[test]
fn media_qualities_and_orig_size() {
    let src = gen::photo_jpeg(300, 200, 1);
    let out = convert(&src, "rorig", ImageSizes::default());
    assert_eq!(dims(&out.bytes), (300, 200));
    assert_eq!(JpegMode::Sprev.quality(), 29);
    assert_eq!(JpegMode::View.quality(), 70);
    // Lower quality → smaller file, so the quality table is really applied.
    let q30 = convert(&src, "rmin", ImageSizes::default()); // 135x90 at q30
    let q50 = convert(
        &src,
        "rprev",
        ImageSizes::from_params(Some("135"), None, None),
    ); // 135x90 at q50
    assert_eq!(dims(&q30.bytes), dims(&q50.bytes));
    assert!(q30.bytes.len() < q50.bytes.len());
}

#[test]
fn media_rotation_is_90_clockwise() {
    // Left half red, right half blue → after a clockwise turn: top red, bottom blue.
    let img = image::RgbImage::from_fn(64, 32, |x, _| {
        if x < 32 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([0, 0, 255])
        }
    });
    let mut png = Vec::new();
    img.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let out = convert(&png, "rrorig", ImageSizes::default());
    let rot = image::load_from_memory(&out.bytes).unwrap().to_rgb8();
    assert_eq!(rot.dimensions(), (32, 64));
    let top = rot.get_pixel(16, 8);
    let bottom = rot.get_pixel(16, 56);
    assert!(top[0] > 200 && top[2] < 60, "top is red: {top:?}");
    assert!(
        bottom[2] > 200 && bottom[0] < 60,
        "bottom is blue: {bottom:?}"
    );
}

#[test]
fn media_sticker_webp_to_png_and_jpeg() {
    let webp = gen::sticker_webp(9);
    let sizes = ImageSizes::from_params(Some("180"), None, None);
    // stickerp: PNG, fit width s, alpha kept.
    let out = convert(&webp, "rstickerp", sizes);
    assert_eq!(out.mime, "image/png");
    assert_eq!(&out.bytes[1..4], b"PNG");
    let png = image::load_from_memory(&out.bytes).unwrap();
    assert_eq!(png.color(), image::ColorType::Rgba8);
    let png = png.to_rgba8();
    assert_eq!(png.dimensions(), (180, 180));
    assert_eq!(png.get_pixel(0, 0)[3], 0);
    assert_eq!(png.get_pixel(90, 90)[3], 255);
    // png: original size, RGBA.
    assert_eq!(dims(&convert(&webp, "rpng", sizes).bytes), (512, 512));
    // sticker JPEG: transparent corners come out black, never WebP.
    let out = convert(&webp, "rsticker", sizes);
    assert_baseline_jpeg(&out.bytes);
    let jpg = image::load_from_memory(&out.bytes).unwrap().to_rgb8();
    assert_eq!(jpg.dimensions(), (180, 180));
    assert!(
        jpg.get_pixel(1, 1).0.iter().all(|&c| c < 16),
        "corner black"
    );
    // JPEG source → RGB PNG.
    let rgb = convert(&gen::photo_jpeg(50, 40, 2), "rpng", sizes);
    assert_eq!(
        image::load_from_memory(&rgb.bytes).unwrap().color(),
        image::ColorType::Rgb8
    );
    // TGS is refused as the reference's default configuration does (403).
    let tgs = convert_image(
        &webp,
        Conversion::Tgs {
            still: true,
            png: false,
        },
        sizes,
    );
    assert!(matches!(tgs, Err(MediaError::TgsDisabled)));
}

#[test]
fn media_avatar_sizes_square_and_circle() {
    let src = gen::avatar_jpeg(4);
    let parse = |p: &str| AvatarConversion::parse(Some(p)).unwrap().unwrap();

    let out = convert_avatar(&src, parse("r48")).unwrap();
    assert_eq!(out.mime, "image/jpeg");
    assert_baseline_jpeg(&out.bytes);
    assert_eq!(dims(&out.bytes), (48, 48));

    let out = convert_avatar(&src, parse("rp36")).unwrap();
    let png = image::load_from_memory(&out.bytes).unwrap();
    assert_eq!(
        (png.width(), png.height(), png.color()),
        (36, 36, image::ColorType::Rgb8)
    );

    for (p, side) in [("rc48", 48), ("rcorig", 640), ("rcp100", 100)] {
        let out = convert_avatar(&src, parse(p)).unwrap();
        assert_eq!(out.mime, "image/png");
        let img = image::load_from_memory(&out.bytes).unwrap();
        assert_eq!(img.color(), image::ColorType::Rgba8, "{p}");
        let img = img.to_rgba8();
        assert_eq!(img.dimensions(), (side, side));
        assert_eq!(img.get_pixel(0, 0)[3], 0, "{p}: corner transparent");
        assert_eq!(img.get_pixel(side - 1, side - 1)[3], 0);
        assert_eq!(
            img.get_pixel(side / 2, side / 2)[3],
            255,
            "{p}: centre opaque"
        );
        assert_eq!(img.get_pixel(side / 2, 1)[3], 255, "{p}: top middle inside");
    }
    // A black picture stays opaque inside the circle (the reference's tRNS bug is not copied).
    let black = image::RgbImage::new(64, 64);
    let mut png = Vec::new();
    black
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let out = convert_avatar(&png, parse("rcorig")).unwrap();
    assert_eq!(
        image::load_from_memory(&out.bytes)
            .unwrap()
            .to_rgba8()
            .get_pixel(32, 32)[3],
        255
    );
    // Stretch for non-square sources.
    let wide = gen::photo_jpeg(300, 100, 3);
    assert_eq!(
        dims(&convert_avatar(&wide, parse("r40")).unwrap().bytes),
        (40, 40)
    );
}

#[test]
fn media_avatar_p_grammar_and_default_picture() {
    assert_eq!(AvatarConversion::parse(None).unwrap(), None);
    assert_eq!(AvatarConversion::parse(Some("x48")).unwrap(), None);
    let c = AvatarConversion::parse(Some("rcp48abc")).unwrap().unwrap();
    assert_eq!((c.circle, c.png, c.size), (true, true, Some(48)));
    for bad in [
        "r",
        "r0",
        "rabc",
        "rpc48",
        "r99999",
        &format!("r{}", MAX_AVATAR_SIDE + 1),
    ] {
        assert!(
            matches!(
                AvatarConversion::parse(Some(bad)),
                Err(MediaError::BadParameter(_))
            ),
            "{bad}"
        );
    }
    for group in [false, true] {
        let png = media::default_avatar_png(group);
        let img = image::load_from_memory(&png).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (36, 36));
        assert_eq!(img.get_pixel(0, 0).0, [0x8F, 0xBF, 0xE9]);
        // and it converts like any picture (r48 upscales it to a 48×48 JPEG)
        let out = convert_avatar(&png, AvatarConversion::parse(Some("r48")).unwrap().unwrap());
        assert_eq!(dims(&out.unwrap().bytes), (48, 48));
    }
    assert_ne!(
        media::default_avatar_png(false),
        media::default_avatar_png(true)
    );
}

#[test]
fn media_bad_images_are_typed_errors() {
    let conv = Conversion::Jpeg {
        rotate: false,
        mode: JpegMode::Prev,
    };
    let sizes = ImageSizes::default();
    assert!(matches!(
        convert_image(b"not an image at all", conv, sizes),
        Err(MediaError::UnsupportedFormat)
    ));
    assert!(convert_image(&[], conv, sizes).is_err());
    // Truncated JPEG / WebP: an error or a (partial) picture, never a panic.
    let jpeg = gen::photo_jpeg(320, 240, 5);
    for cut in [4, 100, jpeg.len() / 2] {
        let _ = convert_image(&jpeg[..cut], conv, sizes);
    }
    let webp = gen::sticker_webp(1);
    assert!(convert_image(&webp[..webp.len() / 3], conv, sizes).is_err());
    // Decompression bomb: a small JPEG whose SOF0 claims 60000×60000.
    let mut bomb = gen::photo_jpeg(16, 16, 1);
    let sof = bomb.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    bomb[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    assert!(matches!(
        convert_image(&bomb, conv, sizes),
        Err(MediaError::TooManyPixels { .. })
    ));
    // Oversized input.
    let huge = vec![0u8; media::IMAGE_SIZE_LIMIT + 1];
    assert!(matches!(
        convert_image(&huge, conv, sizes),
        Err(MediaError::TooLarge)
    ));
    // A huge requested size is clamped, never allocated.
    let big = ImageSizes::from_params(Some("1000000"), None, None);
    let out = convert_image(&gen::photo_jpeg(40, 40, 1), conv, big).unwrap();
    assert_eq!(
        dims(&out.bytes),
        (media::MAX_OUTPUT_SIDE, media::MAX_OUTPUT_SIDE)
    );
}

/// Decodes an MP3 with symphonia: (sample rate, channels, seconds).
fn mp3_info(mp3: &[u8]) -> (u32, usize, f64) {
    use symphonia::core::codecs::DecoderOptions;
    use symphonia::core::formats::FormatOptions;
    use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
    use symphonia::core::meta::MetadataOptions;
    use symphonia::core::probe::Hint;
    let mss = MediaSourceStream::new(
        Box::new(Cursor::new(mp3.to_vec())),
        MediaSourceStreamOptions::default(),
    );
    let mut hint = Hint::new();
    hint.with_extension("mp3");
    let mut format = symphonia::default::get_probe()
        .format(
            &hint,
            mss,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .unwrap()
        .format;
    let track = format.default_track().unwrap().clone();
    let mut dec = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .unwrap();
    let (mut frames, mut rate, mut ch) = (0u64, 0, 0);
    while let Ok(packet) = format.next_packet() {
        let buf = dec.decode(&packet).unwrap();
        rate = buf.spec().rate;
        ch = buf.spec().channels.count();
        frames += buf.frames() as u64;
    }
    (rate, ch, frames as f64 / f64::from(rate))
}

#[test]
fn media_voice_to_mp3_is_64k_mono_48k_with_same_duration() {
    let ogg = gen::voice_ogg_opus(6.0, 21);
    let mp3 = media::voice_to_mp3(&ogg, Some("ogg")).unwrap();
    // First frame header: MPEG-1 Layer III, 64 kbit/s (index 5), 48 kHz (index 1), mono (mode 3).
    assert_eq!(mp3[0], 0xFF);
    assert_eq!(mp3[1] & 0xFE, 0xFA);
    assert_eq!(mp3[2] >> 4, 5, "64 kbit/s");
    assert_eq!((mp3[2] >> 2) & 3, 1, "48 kHz");
    assert_eq!(mp3[3] >> 6, 3, "mono");
    assert!(
        mp3[..200].windows(4).any(|w| w == b"Info"),
        "LAME Info frame (CBR)"
    );
    let (rate, ch, secs) = mp3_info(&mp3);
    assert_eq!((rate, ch), (48_000, 1));
    assert!((secs - 6.0).abs() / 6.0 < 0.05, "duration {secs}");
    // CBR 64 kbit/s → ~8 KB per second.
    assert!(
        (mp3.len() as f64 / 6.0 - 8000.0).abs() < 800.0,
        "{} bytes",
        mp3.len()
    );
}

#[test]
fn media_mp3_music_keeps_rate() {
    let src = gen::audio_mp3(3.0, 4); // 44.1 kHz
    let mp3 = media::voice_to_mp3(&src, Some("mp3")).unwrap();
    let (rate, ch, secs) = mp3_info(&mp3);
    assert_eq!((rate, ch), (44_100, 1));
    assert!((secs - 3.0).abs() / 3.0 < 0.05, "duration {secs}");
    assert_eq!(media::voice::mp3_rate(96_000), 48_000);
    assert_eq!(media::voice::mp3_rate(44_100), 44_100);
    assert_eq!(media::voice::mp3_rate(10_000), 11_025);
}

/// Reads an Ogg/Opus file back: (channels, input rate field, seconds of audio by granule, decoded samples).
fn opus_info(ogg: &[u8]) -> (u8, u32, f64, u64) {
    let mut r = ogg::PacketReader::new(Cursor::new(ogg));
    let head = r.read_packet_expected().unwrap();
    assert_eq!(&head.data[..8], b"OpusHead");
    let pre_skip = u64::from(u16::from_le_bytes([head.data[10], head.data[11]]));
    let input_rate = u32::from_le_bytes(head.data[12..16].try_into().unwrap());
    assert_eq!(&r.read_packet_expected().unwrap().data[..8], b"OpusTags");
    let mut dec = opus::Decoder::new(48_000, opus::Channels::Mono).unwrap();
    let mut pcm = vec![0i16; 5760];
    let (mut decoded, mut granule, mut eos) = (0u64, 0u64, false);
    while let Some(p) = r.read_packet().unwrap() {
        decoded += dec.decode(&p.data, &mut pcm, false).unwrap() as u64;
        granule = p.absgp_page();
        eos = p.last_in_stream();
    }
    assert!(eos);
    assert!(decoded >= granule);
    (
        head.data[9],
        input_rate,
        (granule - pre_skip) as f64 / 48_000.0,
        decoded,
    )
}

fn wav(rate: u32, seconds: f32) -> Vec<u8> {
    let n = (rate as f32 * seconds) as u32;
    let mut out = Vec::new();
    let data_len = n * 2;
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&rate.to_le_bytes());
    out.extend_from_slice(&(rate * 2).to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&16u16.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..n {
        // quiet (peak 0.05) 300 Hz tone, loud only in the second half → normalisation and waveform shape
        let t = i as f32 / rate as f32;
        let amp = if i < n / 2 { 0.01 } else { 0.05 };
        let v = (amp * (t * 300.0 * std::f32::consts::TAU).sin() * 32767.0) as i16;
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

#[test]
fn media_upload_to_ogg_opus_voice_note() {
    // MP3 at 44.1 kHz (resampled to 48 kHz).
    let note = media::audio_to_voice_note(&gen::audio_mp3(4.0, 8), "rec.MP3").unwrap();
    let (ch, input_rate, secs, _) = opus_info(&note.ogg);
    assert_eq!((ch, input_rate), (1, 44_100));
    assert!((secs - 4.0).abs() / 4.0 < 0.05, "{secs}");
    assert_eq!(note.duration, 4);
    assert_eq!(note.waveform.len(), 63);
    assert!(note.waveform.iter().any(|&b| b != 0));

    // WAV at 16 kHz (Opus takes it directly); quiet first half → small values, loud half → 31s.
    let note = media::audio_to_voice_note(&wav(16_000, 3.4), "a.wav").unwrap();
    let (_, input_rate, secs, _) = opus_info(&note.ogg);
    assert_eq!(input_rate, 16_000);
    assert!((secs - 3.4).abs() < 0.05, "{secs}");
    assert_eq!(note.duration, 3);
    let values = media::waveform::unpack(&note.waveform);
    assert!(values[..45].iter().all(|&v| v < 20), "{values:?}");
    assert!(values[55..].iter().all(|&v| v >= 25), "{values:?}");

    // An Ogg/Opus voice note re-uploaded.
    let note = media::audio_to_voice_note(&gen::voice_ogg_opus(2.0, 3), "v.ogg").unwrap();
    assert_eq!(note.duration, 2);
}

#[test]
fn media_bad_audio_is_typed_errors() {
    assert!(matches!(
        media::audio_to_voice_note(&gen::audio_mp3(1.0, 1), "x.flac"),
        Err(MediaError::UnsupportedFormat)
    ));
    assert!(media::voice_to_mp3(b"garbage garbage garbage", None).is_err());
    assert!(media::voice_to_mp3(&[], None).is_err());
    // Truncated files: a shorter result or an error, never a panic.
    let ogg = gen::voice_ogg_opus(3.0, 5);
    for cut in [10, 60, ogg.len() / 2] {
        let _ = media::voice_to_mp3(&ogg[..cut], None);
    }
    let mp3 = gen::audio_mp3(2.0, 5);
    let _ = media::audio_to_voice_note(&mp3[..mp3.len() / 2], "a.mp3");
    let w = wav(8_000, 1.0);
    let _ = media::audio_to_voice_note(&w[..30], "a.wav");
    // AMR needs ffmpeg; without it the error says so.
    let amr = b"#!AMR\n\x3c\x00\x00\x00".repeat(10);
    let r = media::voice_to_mp3(&amr, Some("amr"));
    if std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_err()
    {
        assert!(matches!(r, Err(MediaError::FfmpegMissing("AMR"))), "{r:?}");
    }
}

//! Audio decoding to a stream of mono `f32` chunks: Ogg/Opus with libopus, MP3/AAC/M4A/WAV/
//! Vorbis/FLAC with symphonia, anything else (AMR) through ffmpeg when it is installed.
//!
//! Decoders push chunks into a sink instead of returning one buffer, so an hour of audio never
//! sits in memory, and stop at [`MAX_AUDIO_SECONDS`] so time is bounded too.

use std::io::Cursor;

use super::{ffmpeg, MediaError, AUDIO_SIZE_LIMIT, MAX_AUDIO_SECONDS};

/// Receives `(sample_rate, mono samples in -1.0..=1.0)`; the rate never changes within a stream.
pub(crate) type Sink<'a> = dyn FnMut(u32, &[f32]) -> Result<(), MediaError> + 'a;

/// What came out of a decode.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decoded {
    pub rate: u32,
    pub samples: u64,
}

/// Decodes `input` (format sniffed from the bytes; `ext` is a hint for headerless formats).
pub(crate) fn decode_mono(
    input: &[u8],
    ext: Option<&str>,
    sink: &mut Sink<'_>,
) -> Result<Decoded, MediaError> {
    if input.len() > AUDIO_SIZE_LIMIT {
        return Err(MediaError::TooLarge);
    }
    let mut counted = Counter {
        rate: 0,
        samples: 0,
        sink,
    };
    if input.starts_with(b"OggS") && input.windows(8).take(200).any(|w| w == b"OpusHead") {
        decode_ogg_opus(input, &mut counted)?;
    } else if input.starts_with(b"#!AMR") {
        ffmpeg::decode(input, "AMR", &mut |r, s| counted.push(r, s))?;
    } else {
        match decode_symphonia(input, ext, &mut counted) {
            Err(MediaError::UnsupportedFormat) => {
                ffmpeg::decode(input, "this", &mut |r, s| counted.push(r, s))?;
            }
            other => other?,
        }
    }
    if counted.samples == 0 {
        return Err(MediaError::NoAudio);
    }
    Ok(Decoded {
        rate: counted.rate,
        samples: counted.samples,
    })
}

/// Counts samples and enforces the duration cap before anything reaches the real sink.
struct Counter<'s, 'a> {
    rate: u32,
    samples: u64,
    sink: &'s mut Sink<'a>,
}

impl Counter<'_, '_> {
    fn push(&mut self, rate: u32, samples: &[f32]) -> Result<(), MediaError> {
        if rate == 0 || (self.rate != 0 && self.rate != rate) {
            return Err(MediaError::CorruptAudio(
                "sample rate changes mid-stream".into(),
            ));
        }
        self.rate = rate;
        self.samples += samples.len() as u64;
        // A little slack over the cap so "3600.4 s" is judged by rounding, not cut here.
        if self.samples > (u64::from(MAX_AUDIO_SECONDS) + 1) * u64::from(rate) {
            return Err(MediaError::TooLong);
        }
        (self.sink)(rate, samples)
    }
}

/// Ogg/Opus (RFC 7845): honours pre-skip and the final granule position (end trimming).
fn decode_ogg_opus(input: &[u8], out: &mut Counter<'_, '_>) -> Result<(), MediaError> {
    const RATE: u32 = 48_000;
    let corrupt = |e: &dyn std::fmt::Display| MediaError::CorruptAudio(e.to_string());
    let mut reader = ogg::PacketReader::new(Cursor::new(input));
    let head = reader
        .read_packet()
        .map_err(|e| corrupt(&e))?
        .ok_or_else(|| MediaError::CorruptAudio("empty Ogg stream".into()))?;
    if head.data.len() < 19 || &head.data[..8] != b"OpusHead" {
        return Err(MediaError::CorruptAudio("missing OpusHead".into()));
    }
    let serial = head.stream_serial();
    let mut skip = u64::from(u16::from_le_bytes([head.data[10], head.data[11]]));
    let pre_skip = skip;
    // libopus down-mixes any stream to the channel count we ask for.
    let mut decoder = opus::Decoder::new(RATE, opus::Channels::Mono).map_err(|e| corrupt(&e))?;
    let mut pcm = vec![0f32; 5760]; // 120 ms, Opus' longest packet
    let mut emitted = 0u64; // samples after pre-skip
    let mut seen_tags = false;
    while let Some(packet) = reader.read_packet().map_err(|e| corrupt(&e))? {
        if packet.stream_serial() != serial {
            continue; // another logical stream (e.g. chained video): not ours
        }
        if !seen_tags {
            seen_tags = true;
            if packet.data.starts_with(b"OpusTags") {
                continue;
            }
        }
        let n = decoder
            .decode_float(&packet.data, &mut pcm, false)
            .map_err(|e| corrupt(&e))?;
        let mut chunk = &pcm[..n];
        let drop = skip.min(chunk.len() as u64) as usize;
        skip -= drop as u64;
        chunk = &chunk[drop..];
        if packet.last_in_stream() {
            // The last granule says how many samples are real; the rest is padding.
            let end = packet.absgp_page().saturating_sub(pre_skip);
            let keep = end.saturating_sub(emitted).min(chunk.len() as u64) as usize;
            chunk = &chunk[..keep];
        }
        emitted += chunk.len() as u64;
        if !chunk.is_empty() {
            out.push(RATE, chunk)?;
        }
        if packet.last_in_stream() {
            break;
        }
    }
    Ok(())
}

fn decode_symphonia(
    input: &[u8],
    ext: Option<&str>,
    out: &mut Counter<'_, '_>,
) -> Result<(), MediaError> {
    use symphonia::core::audio::SampleBuffer;
    use symphonia::core::codecs::{DecoderOptions, CODEC_TYPE_NULL};
    use symphonia::core::errors::Error as SymError;
    use symphonia::core::formats::FormatOptions;
    use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
    use symphonia::core::meta::MetadataOptions;
    use symphonia::core::probe::Hint;

    let corrupt = |e: &dyn std::fmt::Display| MediaError::CorruptAudio(e.to_string());
    let mss = MediaSourceStream::new(
        Box::new(Cursor::new(input.to_vec())),
        MediaSourceStreamOptions::default(),
    );
    let mut hint = Hint::new();
    if let Some(ext) = ext {
        hint.with_extension(ext);
    }
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            mss,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| match e {
            SymError::Unsupported(_) => MediaError::UnsupportedFormat,
            other => corrupt(&other),
        })?;
    let mut format = probed.format;
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or(MediaError::UnsupportedFormat)?;
    let track_id = track.id;
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| match e {
            SymError::Unsupported(_) => MediaError::UnsupportedFormat,
            other => corrupt(&other),
        })?;
    let mut buf: Option<SampleBuffer<f32>> = None;
    let mut mono = Vec::new();
    let mut bad_packets = 0u32;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            // End of stream (symphonia reports it as an unexpected EOF) or a chained stream.
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(SymError::ResetRequired) => break,
            Err(e) => return Err(corrupt(&e)),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            // A damaged frame is skipped (players do the same); many of them mean a bad file.
            Err(SymError::DecodeError(_)) if bad_packets < 50 => {
                bad_packets += 1;
                continue;
            }
            Err(e) => return Err(corrupt(&e)),
        };
        let spec = *decoded.spec();
        let channels = spec.channels.count().max(1);
        let needed = decoded.capacity() * channels;
        let sb = match &mut buf {
            Some(b) if b.capacity() >= needed => b,
            _ => buf.insert(SampleBuffer::new(decoded.capacity() as u64, spec)),
        };
        sb.copy_interleaved_ref(decoded);
        mono.clear();
        mono.extend(
            sb.samples()
                .chunks_exact(channels)
                .map(|frame| frame.iter().sum::<f32>() / channels as f32),
        );
        if !mono.is_empty() {
            out.push(spec.rate, &mono)?;
        }
    }
    Ok(())
}

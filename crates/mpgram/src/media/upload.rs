//! Voice uploads (`sendMedia … voice=1`, media.md §5): a recording (AMR, MP3, AAC, Ogg, M4A, WAV)
//! → Ogg/Opus mono 48 kHz ~32 kbit/s, whole-second duration, and the 63-byte waveform.
//!
//! Two decoding passes instead of buffering: the first measures duration and peak (for the peak
//! normalisation the spec accepts in place of `speechnorm`) and the waveform envelope; the second
//! encodes. Decoding is cheap next to encoding, and memory stays flat for an hour of audio.

use ogg::writing::{PacketWriteEndInfo, PacketWriter};

use super::audio::decode_mono;
use super::waveform::Envelope;
use super::{MediaError, MAX_AUDIO_SECONDS};

/// Extensions accepted for voice uploads (media.md §5.1).
pub const VOICE_EXTENSIONS: [&str; 6] = ["amr", "mp3", "aac", "ogg", "m4a", "wav"];

/// The Telegram document to send: `audio/ogg` with `documentAttributeAudio(voice, duration, waveform)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoiceNote {
    pub ogg: Vec<u8>,
    /// Seconds, rounded to nearest, at least 1.
    pub duration: u32,
    /// 63 bytes.
    pub waveform: Vec<u8>,
}

/// Converts an uploaded recording. `file_name` picks the allowed formats by extension, as the
/// reference does; the content itself is sniffed.
pub fn audio_to_voice_note(input: &[u8], file_name: &str) -> Result<VoiceNote, MediaError> {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| VOICE_EXTENSIONS.contains(&e.as_str()))
        .ok_or(MediaError::UnsupportedFormat)?;

    // Pass 1: duration, peak, envelope (10 ms blocks).
    let mut peak = 0f32;
    let mut envelope: Option<Envelope> = None;
    let info = decode_mono(input, Some(&ext), &mut |rate, s| {
        let env = envelope.get_or_insert_with(|| Envelope::new(rate as usize / 100));
        env.push(s);
        peak = s.iter().fold(peak, |p, v| p.max(v.abs()));
        Ok(())
    })?;
    let seconds = info.samples as f64 / f64::from(info.rate);
    if seconds.round() > f64::from(MAX_AUDIO_SECONDS) {
        return Err(MediaError::TooLong);
    }
    let duration = (seconds.round() as u32).max(1);
    // Peak normalisation to 0.9, gain at most 10× (the spec's accepted speechnorm stand-in).
    let gain = if peak > 0.0 {
        (0.9 / peak).min(10.0)
    } else {
        1.0
    };
    let waveform = envelope.map_or_else(|| vec![0; 63], |e| e.waveform(gain));

    // Pass 2: encode.
    let mut writer: Option<OggOpusWriter> = None;
    let mut scaled = Vec::new();
    decode_mono(input, Some(&ext), &mut |rate, s| {
        let w = match &mut writer {
            Some(w) => w,
            None => writer.insert(OggOpusWriter::new(rate)?),
        };
        scaled.clear();
        scaled.extend(s.iter().map(|v| v * gain));
        w.push(&scaled)
    })?;
    let ogg = writer.ok_or(MediaError::NoAudio)?.finish()?;
    Ok(VoiceNote {
        ogg,
        duration,
        waveform,
    })
}

/// Streaming Ogg/Opus writer (RFC 7845): `OpusHead` and `OpusTags` on their own pages, 20 ms
/// packets, ~1 s pages, granule positions in 48 kHz units, end trimming on the last page.
pub(crate) struct OggOpusWriter {
    encoder: opus::Encoder,
    resampler: Option<Linear>,
    pages: PacketWriter<'static, Vec<u8>>,
    /// Encoder-rate samples waiting for a full frame.
    pending: Vec<i16>,
    frame: usize,
    rate: u32,
    /// Encoder lookahead in encoder-rate samples.
    lookahead: usize,
    /// Real samples fed, at the encoder rate.
    fed: u64,
    packets: u64,
    /// Last encoded packet, held back so the final one can carry end-of-stream.
    held: Option<Vec<u8>>,
}

const SERIAL: u32 = 0x6D70_6772; // "mpgr"
const OPUS_RATES: [u32; 5] = [8_000, 12_000, 16_000, 24_000, 48_000];

impl OggOpusWriter {
    pub(crate) fn new(input_rate: u32) -> Result<Self, MediaError> {
        let err = |e: &dyn std::fmt::Display| MediaError::Encode(format!("opus: {e}"));
        // Opus takes 8/12/16/24/48 kHz directly; anything else is resampled to 48 kHz.
        let (rate, resampler) = if OPUS_RATES.contains(&input_rate) {
            (input_rate, None)
        } else {
            (48_000, Some(Linear::new(input_rate, 48_000)))
        };
        let mut encoder = opus::Encoder::new(rate, opus::Channels::Mono, opus::Application::Voip)
            .map_err(|e| err(&e))?;
        encoder
            .set_bitrate(opus::Bitrate::Bits(32_000))
            .map_err(|e| err(&e))?;
        encoder.set_vbr(true).map_err(|e| err(&e))?;
        let lookahead = usize::try_from(encoder.get_lookahead().map_err(|e| err(&e))?).unwrap_or(0);
        let pre_skip = (lookahead as u64 * 48_000 / u64::from(rate)) as u16;

        let mut head = Vec::with_capacity(19);
        head.extend_from_slice(b"OpusHead");
        head.extend_from_slice(&[1, 1]); // version 1, one channel
        head.extend_from_slice(&pre_skip.to_le_bytes());
        head.extend_from_slice(&input_rate.to_le_bytes());
        head.extend_from_slice(&[0, 0, 0]); // output gain 0, mapping family 0
        let vendor = b"MPGram Home (libopus)";
        let mut tags = Vec::with_capacity(16 + vendor.len());
        tags.extend_from_slice(b"OpusTags");
        tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
        tags.extend_from_slice(vendor);
        tags.extend_from_slice(&0u32.to_le_bytes());

        let mut pages = PacketWriter::new(Vec::new());
        let io = |e: std::io::Error| MediaError::Encode(e.to_string());
        pages
            .write_packet(head, SERIAL, PacketWriteEndInfo::EndPage, 0)
            .map_err(io)?;
        pages
            .write_packet(tags, SERIAL, PacketWriteEndInfo::EndPage, 0)
            .map_err(io)?;
        Ok(Self {
            encoder,
            resampler,
            pages,
            pending: Vec::new(),
            frame: rate as usize / 50,
            rate,
            lookahead,
            fed: 0,
            packets: 0,
            held: None,
        })
    }

    pub(crate) fn push(&mut self, samples: &[f32]) -> Result<(), MediaError> {
        let to_i16 = |v: f32| (v.clamp(-1.0, 1.0) * 32767.0) as i16;
        let before = self.pending.len();
        match &mut self.resampler {
            Some(r) => r.process(samples, |v| self.pending.push(to_i16(v))),
            None => self.pending.extend(samples.iter().map(|&v| to_i16(v))),
        }
        self.fed += (self.pending.len() - before) as u64;
        self.encode_full_frames()
    }

    fn encode_full_frames(&mut self) -> Result<(), MediaError> {
        let mut start = 0;
        let mut packet = [0u8; 1500];
        while self.pending.len() - start >= self.frame {
            let frame = &self.pending[start..start + self.frame];
            let n = self
                .encoder
                .encode(frame, &mut packet)
                .map_err(|e| MediaError::Encode(format!("opus: {e}")))?;
            start += self.frame;
            self.write_held(false)?;
            self.held = Some(packet[..n].to_vec());
        }
        self.pending.drain(..start);
        Ok(())
    }

    /// Writes the held packet; its granule is the 48 kHz end of its frame.
    fn write_held(&mut self, last: bool) -> Result<(), MediaError> {
        let Some(packet) = self.held.take() else {
            return Ok(());
        };
        self.packets += 1;
        let per_packet = 48_000 / 50;
        let granule = if last {
            // pre-skip + real samples, all at 48 kHz: decoders drop the padding after it.
            (self.lookahead as u64 + self.fed) * 48_000 / u64::from(self.rate)
        } else {
            self.packets * per_packet
        };
        let info = if last {
            PacketWriteEndInfo::EndStream
        } else if self.packets.is_multiple_of(50) {
            PacketWriteEndInfo::EndPage
        } else {
            PacketWriteEndInfo::NormalPacket
        };
        self.pages
            .write_packet(packet, SERIAL, info, granule)
            .map_err(|e| MediaError::Encode(e.to_string()))
    }

    pub(crate) fn finish(mut self) -> Result<Vec<u8>, MediaError> {
        // Flush the encoder's lookahead with silence, then pad to a whole frame.
        let fed = self.fed;
        self.pending.resize(self.pending.len() + self.lookahead, 0);
        let rem = self.pending.len() % self.frame;
        if rem != 0 {
            self.pending
                .resize(self.pending.len() + self.frame - rem, 0);
        }
        self.encode_full_frames()?;
        self.fed = fed;
        self.write_held(true)?;
        Ok(self.pages.into_inner())
    }
}

/// Linear-interpolation resampler for the rare upload rates Opus lacks (44.1, 22.05, 32 kHz …).
/// Good enough for speech going to a 32 kbit/s voice codec; not a music-grade resampler.
struct Linear {
    step: f64,
    pos: f64,
    prev: f32,
}

impl Linear {
    fn new(from: u32, to: u32) -> Self {
        Self {
            step: f64::from(from) / f64::from(to),
            pos: 0.0,
            prev: 0.0,
        }
    }

    /// `pos` is the output position measured in input samples, relative to `prev` (index -1).
    fn process(&mut self, input: &[f32], mut emit: impl FnMut(f32)) {
        let len = input.len() as f64;
        let at = |i: isize, prev: f32| if i < 0 { prev } else { input[i as usize] };
        while self.pos < len {
            let i = self.pos.floor();
            let frac = (self.pos - i) as f32;
            let a = at(i as isize - 1, self.prev);
            let b = at(i as isize, self.prev);
            emit(a + (b - a) * frac);
            self.pos += self.step;
        }
        self.pos -= len;
        if let Some(&last) = input.last() {
            self.prev = last;
        }
    }
}

//! Telegram's voice-note waveform: 100 values of 5 bits (media.md §5.5–5.6).

/// Streams peaks into fixed blocks so the waveform of an hour of audio costs kilobytes, not the
/// whole signal. 100 slices are later cut from these blocks.
#[derive(Debug, Default)]
pub(crate) struct Envelope {
    block: usize,
    current: f32,
    filled: usize,
    peaks: Vec<f32>,
}

impl Envelope {
    /// `block` samples per stored peak (10 ms at the source rate is plenty for 100 slices).
    pub(crate) fn new(block: usize) -> Self {
        Self {
            block: block.max(1),
            ..Self::default()
        }
    }

    pub(crate) fn push(&mut self, samples: &[f32]) {
        for s in samples {
            self.current = self.current.max(s.abs());
            self.filled += 1;
            if self.filled == self.block {
                self.peaks.push(self.current);
                self.current = 0.0;
                self.filled = 0;
            }
        }
    }

    /// The 63 packed bytes for this signal, after a linear `gain`.
    pub(crate) fn waveform(mut self, gain: f32) -> Vec<u8> {
        if self.filled > 0 {
            self.peaks.push(self.current);
        }
        let n = self.peaks.len();
        if n == 0 || n * self.block < 100 {
            return pack(&[0; 100]);
        }
        let levels: [u32; 100] = std::array::from_fn(|i| {
            let (a, b) = (i * n / 100, ((i + 1) * n / 100).max(i * n / 100 + 1).min(n));
            let peak = self.peaks[a..b].iter().copied().fold(0.0, f32::max);
            ((peak * gain).min(1.0) * 32768.0) as u32
        });
        pack(&scale(&levels))
    }
}

/// Steps 4–5 of media.md §5.4: scale peaks (0–32768) against `max(2500, 1.8 × mean)` to 0–31.
pub fn scale(levels: &[u32; 100]) -> [u8; 100] {
    let sum: u64 = levels.iter().map(|&v| u64::from(v)).sum();
    let ceiling = (sum * 18 / 1000).max(2500);
    levels.map(|v| (u64::from(v).min(ceiling) * 31 / ceiling).min(31) as u8)
}

/// Packs 100 values (0–31) into 63 bytes: value `i` in bits `5i…5i+4`, least significant first.
pub fn pack(values: &[u8; 100]) -> Vec<u8> {
    let mut out = vec![0u8; 63];
    for (i, &v) in values.iter().enumerate() {
        let bits = u16::from(v.min(31)) << ((i * 5) % 8);
        let byte = i * 5 / 8;
        out[byte] |= bits as u8;
        if let Some(next) = out.get_mut(byte + 1) {
            *next |= (bits >> 8) as u8;
        }
    }
    out
}

/// Unpacks 63 bytes back into 100 values (for tests and for `models.md` §7.5 output).
pub fn unpack(bytes: &[u8]) -> [u8; 100] {
    std::array::from_fn(|i| {
        let bit = i * 5;
        let lo = bytes.get(bit / 8).copied().unwrap_or(0);
        let hi = bytes.get(bit / 8 + 1).copied().unwrap_or(0);
        ((u16::from_le_bytes([lo, hi]) >> (bit % 8)) & 0x1F) as u8
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    #[test]
    fn media_waveform_spec_vectors() {
        let mut first = [0u8; 100];
        first[0] = 31;
        let mut expected = vec![0x1F];
        expected.extend([0; 62]);
        assert_eq!(pack(&first), expected);
        let mut all = vec![0xFF; 62];
        all.push(0x0F);
        assert_eq!(pack(&[31; 100]), all);
        let ramp: [u8; 100] = std::array::from_fn(|i| (i % 32) as u8);
        let hex = pack(&ramp).iter().fold(String::new(), |mut h, b| {
            let _ = write!(h, "{b:02x}");
            h
        });
        assert_eq!(
            hex,
            "2088418a3928a9c59a7b30ca49abbd38ebcdbbff".repeat(3) + "208801"
        );
        assert_eq!(unpack(&pack(&ramp)), ramp);
    }

    #[test]
    fn media_waveform_scaling_example() {
        // media.md §5.4: 50 × 10 000 and 50 × 1 000 → ceiling 9 900 → 31 and 3.
        let levels: [u32; 100] = std::array::from_fn(|i| if i < 50 { 10_000 } else { 1_000 });
        let v = scale(&levels);
        assert!(v[..50].iter().all(|&x| x == 31));
        assert!(v[50..].iter().all(|&x| x == 3));
        assert_eq!(scale(&[0; 100]), [0; 100]);
    }

    #[test]
    fn media_waveform_short_or_silent_is_zeros() {
        let mut e = Envelope::new(10);
        e.push(&[0.5; 50]);
        assert_eq!(e.waveform(1.0), vec![0; 63]);
        let mut e = Envelope::new(480);
        e.push(&vec![0.0; 48_000]);
        assert_eq!(e.waveform(1.0), vec![0; 63]);
    }
}

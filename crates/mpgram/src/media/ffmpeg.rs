//! Run-time fallback for audio no crate decodes (AMR above all): `ffmpeg` from `PATH`, if any.
//! It is optional by design, so its absence is a typed error, not a build or start-up failure.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use super::audio::Sink;
use super::{MediaError, MAX_AUDIO_SECONDS};

/// The rate we ask ffmpeg for: Opus' native rate, and one MP3 supports.
const RATE: u32 = 48_000;

/// `ffmpeg` on `PATH`, if present.
pub(crate) fn find() -> Option<PathBuf> {
    let name = if cfg!(windows) {
        "ffmpeg.exe"
    } else {
        "ffmpeg"
    };
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Decodes `input` to mono 48 kHz through ffmpeg, streaming 100 ms chunks into `sink`.
pub(crate) fn decode(
    input: &[u8],
    what: &'static str,
    sink: &mut Sink<'_>,
) -> Result<(), MediaError> {
    let exe = find().ok_or(MediaError::FfmpegMissing(what))?;
    let fail = |e: &dyn std::fmt::Display| MediaError::Ffmpeg(e.to_string());
    let mut child = Command::new(exe)
        .args(["-nostdin", "-v", "error", "-i", "pipe:0", "-vn", "-ac", "1"])
        .args(["-ar", &RATE.to_string()])
        // -t bounds the output (and so time and memory) whatever the input claims.
        .args(["-t", &(MAX_AUDIO_SECONDS + 2).to_string()])
        .args(["-f", "s16le", "pipe:1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(&e))?;
    let (Some(mut stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
        let _ = child.kill();
        return Err(MediaError::Ffmpeg("no pipes".into()));
    };
    let input = input.to_vec();
    // Feed stdin from a thread: ffmpeg writes while it reads, and one thread doing both deadlocks.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let mut bytes = vec![0u8; RATE as usize / 10 * 2];
    let mut samples = Vec::with_capacity(bytes.len() / 2);
    let mut carry: Option<u8> = None;
    let result = loop {
        let n = match stdout.read(&mut bytes) {
            Ok(0) => break Ok(()),
            Ok(n) => n,
            Err(e) => break Err(fail(&e)),
        };
        samples.clear();
        let mut data = &bytes[..n];
        if let Some(lo) = carry.take() {
            samples.push(f32::from(i16::from_le_bytes([lo, data[0]])) / 32768.0);
            data = &data[1..];
        }
        let pairs = data.chunks_exact(2);
        carry = pairs.remainder().first().copied();
        samples.extend(pairs.map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0));
        if let Err(e) = sink(RATE, &samples) {
            break Err(e);
        }
    };
    if result.is_err() {
        let _ = child.kill();
    }
    let _ = writer.join();
    let output = child.wait_with_output().map_err(|e| fail(&e))?;
    result?;
    if !output.status.success() {
        let msg = String::from_utf8_lossy(&output.stderr);
        // First line only: enough to diagnose, no paths of ours in it (input is a pipe).
        return Err(MediaError::Ffmpeg(
            msg.lines().next().unwrap_or("failed").to_owned(),
        ));
    }
    Ok(())
}

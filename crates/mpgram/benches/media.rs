//! Media budgets (design.md): avatar r48 from a 640×640 JPEG < 5 ms; 30 s voice → MP3 < 300 ms.
//! Each is measured beside the same job done by system tools (`ImageMagick` `convert`/`magick`,
//! `ffmpeg`) when they are installed, and the ratio is printed.
//!
//! Run: `CARGO_TARGET_DIR=/work/target cargo bench -p mpgram --bench media`

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use mpgram::media::{self, AvatarConversion};

/// Runs `cmd args` with `input` on stdin; `None` when the tool is missing or fails.
fn pipe(cmd: &str, args: &[&str], input: &[u8]) -> Option<Vec<u8>> {
    let mut child = Command::new(cmd)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let data = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().ok()?;
    let _ = writer.join();
    (out.status.success() && !out.stdout.is_empty()).then_some(out.stdout)
}

fn imagemagick() -> Option<&'static str> {
    ["magick", "convert"].into_iter().find(|c| {
        Command::new(c)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

fn mean(n: u32, mut f: impl FnMut()) -> Duration {
    f();
    let t = Instant::now();
    for _ in 0..n {
        f();
    }
    t.elapsed() / n
}

fn ratio(name: &str, ours: Duration, tool: &str, theirs: Duration) {
    println!(
        "{name}: mpgram {ours:.2?} vs {tool} {theirs:.2?} → {:.1}× faster",
        theirs.as_secs_f64() / ours.as_secs_f64()
    );
}

fn avatar(c: &mut Criterion) {
    let jpeg = fakegram::media::avatar_jpeg(1);
    let conv = AvatarConversion::parse(Some("r48"))
        .ok()
        .flatten()
        .expect("r48 parses");
    let mut g = c.benchmark_group("avatar_r48_from_640_jpeg");
    g.bench_function("mpgram", |b| {
        b.iter(|| media::convert_avatar(&jpeg, conv).expect("converts"));
    });
    let im_args = ["jpg:-", "-resize", "48x48!", "-quality", "80", "jpg:-"];
    if let Some(im) = imagemagick().filter(|im| pipe(im, &im_args, &jpeg).is_some()) {
        g.sample_size(20);
        g.bench_function(im, |b| b.iter(|| pipe(im, &im_args, &jpeg)));
        let ours = mean(200, || {
            let _ = media::convert_avatar(&jpeg, conv);
        });
        let theirs = mean(10, || {
            let _ = pipe(im, &im_args, &jpeg);
        });
        ratio("avatar r48", ours, im, theirs);
    } else {
        println!("avatar r48: ImageMagick not installed, no side-by-side");
    }
    g.finish();
}

fn voice(c: &mut Criterion) {
    let ogg = fakegram::media::voice_ogg_opus(30.0, 1);
    let mut g = c.benchmark_group("voice_30s_to_mp3");
    g.sample_size(10);
    g.bench_function("mpgram", |b| {
        b.iter(|| media::voice_to_mp3(&ogg, Some("ogg")).expect("converts"));
    });
    let ff_args = [
        "-v", "error", "-i", "pipe:0", "-ac", "1", "-b:a", "64k", "-f", "mp3", "pipe:1",
    ];
    if pipe("ffmpeg", &ff_args, &ogg).is_some() {
        g.bench_function("ffmpeg", |b| b.iter(|| pipe("ffmpeg", &ff_args, &ogg)));
        let ours = mean(5, || {
            let _ = media::voice_to_mp3(&ogg, Some("ogg"));
        });
        let theirs = mean(5, || {
            let _ = pipe("ffmpeg", &ff_args, &ogg);
        });
        ratio("voice 30 s → MP3", ours, "ffmpeg", theirs);
    } else {
        println!("voice 30 s → MP3: ffmpeg not installed, no side-by-side");
    }
    g.finish();
}

criterion_group!(benches, avatar, voice);
criterion_main!(benches);

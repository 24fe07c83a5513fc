//! How long the demo world's media generators take (goal: ≤ 50 ms each in release), so building the
//! demo world stays quick: `cargo bench -p fakegram --bench generators`.

use criterion::{criterion_group, criterion_main, Criterion};
use fakegram::media;

fn generators(c: &mut Criterion) {
    let mut g = c.benchmark_group("generators");
    g.sample_size(10);
    g.bench_function("photo 1280x960", |b| {
        b.iter(|| media::photo_jpeg(1280, 960, 1))
    });
    g.bench_function("avatar", |b| b.iter(|| media::avatar_jpeg(1)));
    g.bench_function("sticker", |b| b.iter(|| media::sticker_webp(1)));
    g.bench_function("voice 3 s", |b| b.iter(|| media::voice(3.0, 1).ogg));
    g.bench_function("mp3 3 s", |b| b.iter(|| media::audio_mp3(3.0, 1)));
    g.bench_function("mp4", |b| b.iter(|| media::video_mp4(1)));
    g.bench_function("pdf", |b| b.iter(|| media::document_pdf("x")));
    g.finish();
}

criterion_group!(benches, generators);
criterion_main!(benches);

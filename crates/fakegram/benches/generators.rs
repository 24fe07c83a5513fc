//! How long the demo world's media generators take (goal: ≤ 50 ms each in release), so building the
//! demo world stays quick: `cargo bench -p fakegram --bench generators`.

use criterion::{criterion_group, criterion_main, Criterion};
use fakegram::media;

type Generator = fn() -> Vec<u8>;

fn generators(c: &mut Criterion) {
    let cases: [(&str, Generator); 7] = [
        ("photo 1280x960", || media::photo_jpeg(1280, 960, 1)),
        ("avatar", || media::avatar_jpeg(1)),
        ("sticker", || media::sticker_webp(1)),
        ("voice 3 s", || media::voice(3.0, 1).ogg),
        ("mp3 3 s", || media::audio_mp3(3.0, 1)),
        ("mp4", || media::video_mp4(1)),
        ("pdf", || media::document_pdf("x")),
    ];
    let mut g = c.benchmark_group("generators");
    g.sample_size(10);
    for (name, make) in cases {
        g.bench_function(name, |b| {
            b.iter(make);
        });
    }
    g.finish();
}

criterion_group!(benches, generators);
criterion_main!(benches);

//! The media endpoints end to end over a real socket against fakegram's demo world: formats by
//! magic bytes, sizes, baseline JPEG only, avatars, voice → MP3, tokens, errors.

use fakegram::{demo_world, FakeDc};
use mpgram::pairing::Pairing;
use mpgram::server::{self, AppState, PairingHttp, ServerConfig};
use mpgram::telegram::{Account, ApiCredentials, StoredSession};

const MUM: i64 = 100_000_002;
const ALEX: i64 = 100_000_003;
const MARIA: i64 = 100_000_006;
const JONAS: i64 = 100_000_007;

struct Server {
    _dc: FakeDc,
    base: String,
    token: String,
    http: reqwest::Client,
    _cache: tempfile::TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

struct Got {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn start() -> Server {
    let dc = FakeDc::start(demo_world()).await.expect("fakegram starts");
    let stored = StoredSession::from(dc.session_data(&dc.new_key(true), dc.home_dc()));
    let account = Account::start(
        stored,
        ApiCredentials {
            api_id: mpgram_tests::API_ID,
            api_hash: mpgram_tests::API_HASH.into(),
        },
    );
    // Production pairing, as `mpgram demo` pairs its device.
    let pairing = Pairing::new();
    let token = mpgram_tests::pair_devices(&pairing, 1).remove(0);
    let cache = tempfile::tempdir().expect("tempdir");
    let state = AppState::new(
        account,
        PairingHttp::new(pairing),
        ServerConfig {
            instance_password: Some("pw".into()),
            media_cache_dir: Some(cache.path().to_path_buf()),
            ..ServerConfig::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::run(listener, server::router(state), async move {
        let _ = stopped.await;
    }));
    let s = Server {
        _dc: dc,
        base: format!("http://{addr}/"),
        token,
        http: reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("client"),
        _cache: cache,
        _stop: stop,
    };
    // Warm the peer cache as the phone's start does.
    let a = s.api("v=12&method=getDialogs&limit=50").await;
    assert_eq!(a.status, 200);
    s
}

impl Server {
    async fn api(&self, query: &str) -> Got {
        let req = self
            .http
            .get(format!("{}api.php?{query}", self.base))
            .header("X-mpgram-user", &self.token)
            .header("X-mpgram-instance-password", "pw");
        got(req).await
    }

    /// A media URL with `user=` in the query and no headers at all (a native player).
    async fn plain(&self, path_and_query: &str) -> Got {
        let sep = if path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        let url = format!("{}{path_and_query}{sep}user={}", self.base, self.token);
        got(self.http.get(url)).await
    }

    /// A media URL with the app's headers (token + instance password), no `user=`.
    async fn app(&self, path_and_query: &str) -> Got {
        let req = self
            .http
            .get(format!("{}{path_and_query}", self.base))
            .header("X-mpgram-user", &self.token)
            .header("X-mpgram-instance-password", "pw");
        got(req).await
    }

    /// Message ids with media in a private chat, newest first: `(id, media json)`.
    async fn media_messages(&self, peer: i64) -> Vec<(i64, serde_json::Value)> {
        let a = self
            .api(&format!(
                "v=12&method=getHistory&peer={peer}&limit=50&media=1"
            ))
            .await;
        let j: serde_json::Value = serde_json::from_slice(&a.body).expect("json");
        j["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .filter(|m| m.get("media").is_some())
            .map(|m| {
                let id = m["id"]
                    .as_i64()
                    .or_else(|| m["id"].as_str().and_then(|s| s.parse().ok()))
                    .expect("id");
                (id, m["media"].clone())
            })
            .collect()
    }

    async fn media_id(&self, peer: i64, kind: &str) -> i64 {
        self.media_messages(peer)
            .await
            .into_iter()
            .find(|(_, m)| m["type"] == kind)
            .map_or_else(|| panic!("no {kind} in {peer}"), |(id, _)| id)
    }
}

async fn got(req: reqwest::RequestBuilder) -> Got {
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.expect("body").to_vec();
    if let Some(len) = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
    {
        assert_eq!(len, body.len(), "exact Content-Length");
    }
    Got {
        status,
        headers,
        body,
    }
}

/// Baseline JPEG (SOF0), returning its size; panics on progressive (SOF2) or non-JPEG.
fn baseline_jpeg_size(b: &[u8]) -> (u32, u32) {
    assert!(b.starts_with(&[0xFF, 0xD8]), "not a JPEG");
    let mut i = 2;
    while i + 9 < b.len() {
        assert_eq!(b[i], 0xFF, "bad marker");
        let marker = b[i + 1];
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        assert!(marker != 0xC2, "progressive JPEG");
        if marker == 0xC0 {
            let h = u16::from_be_bytes([b[i + 5], b[i + 6]]);
            let w = u16::from_be_bytes([b[i + 7], b[i + 8]]);
            return (u32::from(w), u32::from(h));
        }
        i += 2 + len;
    }
    panic!("no SOF0 frame");
}

/// PNG size and colour type (2 = RGB, 6 = RGBA).
fn png_info(b: &[u8]) -> (u32, u32, u8) {
    assert!(b.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let w = u32::from_be_bytes([b[16], b[17], b[18], b[19]]);
    let h = u32::from_be_bytes([b[20], b[21], b[22], b[23]]);
    assert_eq!(b[28], 0, "interlaced PNG");
    (w, h, b[25])
}

#[tokio::test]
async fn photo_conversions_have_the_spec_sizes_and_are_baseline() {
    let s = start().await;
    let m = s.media_id(MUM, "photo").await;
    // The demo photo is 1280×960.
    let cases: &[(&str, (u32, u32))] = &[
        ("p=rprev", (180, 135)),
        ("p=rrprev", (135, 180)),
        ("p=rmin", (120, 90)),
        ("p=rsticker", (180, 135)),
        ("p=rsprev", (100, 75)),
        ("p=raudio", (36, 27)),
        ("p=rsprevs", (180, 135)),
        ("p=rview&tw=240&th=320", (240, 180)),
        ("p=rrview&tw=240&th=320", (240, 320)),
        ("p=rview", (180, 135)),
        ("p=rprev&s=64", (64, 48)),
        ("p=rorig", (1280, 960)),
        ("p=rprevx", (1280, 960)),
    ];
    for (p, want) in cases {
        let a = s.app(&format!("file.php?a&c={MUM}&m={m}&{p}")).await;
        assert_eq!(a.status, 200, "{p}");
        assert_eq!(a.header("content-type"), Some("image/jpeg"), "{p}");
        assert_eq!(
            a.header("cache-control"),
            Some("private, max-age=2592000"),
            "{p}"
        );
        assert_eq!(baseline_jpeg_size(&a.body), *want, "{p}");
    }
    // PNG modes.
    let a = s.app(&format!("file.php?c={MUM}&m={m}&p=rpng")).await;
    assert_eq!(png_info(&a.body), (1280, 960, 2));
    let a = s
        .app(&format!("file.php?c={MUM}&m={m}&p=rstickerp&s=100"))
        .await;
    assert_eq!(png_info(&a.body), (100, 75, 2));
    // thumb of a photo: size "m" (320×240), converted.
    let a = s
        .app(&format!("file.php?c={MUM}&m={m}&p=thumbrprev&s=100"))
        .await;
    assert_eq!(baseline_jpeg_size(&a.body), (100, 75));
    let a = s.app(&format!("file.php?c={MUM}&m={m}&p=thumb")).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("image/jpeg"));
    // Served again from the cache, same bytes.
    let a1 = s.app(&format!("file.php?c={MUM}&m={m}&p=rprev")).await;
    let a2 = s.app(&format!("file.php?c={MUM}&m={m}&p=rprev")).await;
    assert_eq!(a1.body, a2.body);
}

#[tokio::test]
async fn raw_downloads_stream_with_ranges_and_names() {
    let s = start().await;
    let pdf = s.media_id(JONAS, "document").await;
    let a = s.plain(&format!("file.php?c={JONAS}&m={pdf}")).await;
    assert_eq!(a.status, 200);
    assert!(a.body.starts_with(b"%PDF"));
    assert_eq!(a.header("content-type"), Some("application/pdf"));
    assert_eq!(a.header("accept-ranges"), Some("bytes"));
    assert_eq!(a.header("cache-control"), Some("max-age=31556926"));
    let cd = a.header("content-disposition").expect("disposition");
    assert!(cd.starts_with("inline; filename=\"Invoice-2041_"), "{cd}");
    assert!(cd.contains(".pdf\""), "{cd}");
    let whole = a.body;
    // file/NAME: same bytes, no Content-Disposition.
    let a = s
        .plain(&format!("file/Invoice-2041.pdf?c={JONAS}&m={pdf}"))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, whole);
    assert!(a.header("content-disposition").is_none());
    // Ranges.
    let r = s
        .http
        .get(format!(
            "{}file.php?c={JONAS}&m={pdf}&user={}",
            s.base, s.token
        ))
        .header("Range", "bytes=10-19");
    let a = got(r).await;
    assert_eq!(a.status, 206);
    assert_eq!(a.body, &whole[10..20]);
    let total = whole.len();
    assert_eq!(
        a.header("content-range"),
        Some(format!("bytes 10-19/{total}").as_str())
    );
    let r = s
        .http
        .get(format!(
            "{}file.php?c={JONAS}&m={pdf}&user={}",
            s.base, s.token
        ))
        .header("Range", "bytes=-5");
    let a = got(r).await;
    assert_eq!(a.status, 206);
    assert_eq!(a.body, &whole[total - 5..]);
    let r = s
        .http
        .get(format!(
            "{}file.php?c={JONAS}&m={pdf}&user={}",
            s.base, s.token
        ))
        .header("Range", format!("bytes={total}-"));
    assert_eq!(got(r).await.status, 416);
    // MP3 raw: the player needs audio/mpeg.
    let mp3 = s.media_id(MARIA, "document").await;
    let a = s.plain(&format!("file.php?c={MARIA}&m={mp3}")).await;
    assert_eq!(a.status, 200);
    assert!(a
        .header("content-type")
        .is_some_and(|t| t.starts_with("audio/") || t.starts_with("video/")));
    // Photo raw: the largest size, JPEG.
    let m = s.media_id(MUM, "photo").await;
    let a = s.plain(&format!("file.php?c={MUM}&m={m}")).await;
    assert_eq!(a.header("content-type"), Some("image/jpeg"));
    assert_eq!(baseline_jpeg_size(&a.body).0, 1280);
}

#[tokio::test]
async fn stickers_by_message_and_by_id() {
    let s = start().await;
    let msgs = s.media_messages(ALEX).await;
    let (sticker_msg, media) = msgs
        .iter()
        .find(|(_, m)| m["mime"] == "image/webp")
        .expect("sticker message");
    let a = s
        .app(&format!(
            "file.php?c={ALEX}&m={sticker_msg}&p=rsticker&s=120"
        ))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(baseline_jpeg_size(&a.body), (120, 120));
    let a = s
        .app(&format!(
            "file.php?c={ALEX}&m={sticker_msg}&p=rstickerp&s=120"
        ))
        .await;
    assert_eq!(png_info(&a.body), (120, 120, 6), "RGBA sticker PNG");
    let a = s
        .app(&format!("file.php?c={ALEX}&m={sticker_msg}&p=rtgss"))
        .await;
    assert_eq!(a.status, 403, "TGS conversion is off");
    // By id.
    let id = media["id"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| media["id"].as_i64().map(|i| i.to_string()));
    let hash = media["access_hash"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| media["access_hash"].as_i64().map(|i| i.to_string()));
    if let (Some(id), Some(hash)) = (id, hash) {
        let a = s
            .app(&format!(
                "file.php?a&sticker={id}&access_hash={hash}&s=60&p=rsprevs"
            ))
            .await;
        assert_eq!(a.status, 200);
        assert_eq!(baseline_jpeg_size(&a.body), (60, 60));
    }
    let a = s.app("file.php?a&sticker=1&p=rsprevs").await;
    assert_eq!(a.status, 400, "access_hash missing");
}

#[tokio::test]
async fn avatars_sizes_crops_and_defaults() {
    let s = start().await;
    let a = s.app(&format!("ava.php?a&c={ALEX}&p=r48")).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("cache-control"), Some("private, max-age=2592000"));
    assert_eq!(baseline_jpeg_size(&a.body), (48, 48));
    let a = s.app(&format!("ava.php?c={ALEX}&p=r36")).await;
    assert_eq!(baseline_jpeg_size(&a.body), (36, 36));
    let a = s.app(&format!("ava.php?c={ALEX}&p=rp48")).await;
    assert_eq!(png_info(&a.body), (48, 48, 2));
    let a = s.app(&format!("ava.php?c={ALEX}&p=rc48")).await;
    let (w, h, ct) = png_info(&a.body);
    assert_eq!((w, h, ct), (48, 48, 6));
    let img = image::load_from_memory(&a.body).expect("png").to_rgba8();
    assert_eq!(img.get_pixel(0, 0)[3], 0, "corner transparent");
    assert_eq!(img.get_pixel(24, 24)[3], 255, "centre opaque");
    let a = s.app(&format!("ava.php?c={ALEX}&p=rorig")).await;
    assert_eq!(baseline_jpeg_size(&a.body), (640, 640));
    let a = s.app(&format!("ava.php?c={ALEX}&p=rcorig")).await;
    assert_eq!(png_info(&a.body), (640, 640, 6));
    // Raw.
    let a = s.app(&format!("ava.php?c={ALEX}")).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.header("content-type"), Some("image/jpeg"));
    // Bad sizes → 400.
    for p in ["r", "r0", "rabc", "r5000"] {
        let a = s.app(&format!("ava.php?c={ALEX}&p={p}")).await;
        assert_eq!(a.status, 400, "{p}");
    }
    // Dmitry (index 2 of the people) has no photo: 404 with `a`, the default picture without.
    let dmitry = 100_000_004;
    let a = s.app(&format!("ava.php?a&c={dmitry}&p=r48")).await;
    assert_eq!(a.status, 404);
    assert!(a.body.is_empty());
    let a = s.app(&format!("ava.php?c={dmitry}&p=r48")).await;
    assert_eq!(baseline_jpeg_size(&a.body), (48, 48));
    let a = s.app(&format!("ava.php?c={dmitry}")).await;
    assert_eq!(png_info(&a.body), (36, 36, 2));
    assert_eq!(a.header("cache-control"), Some("private, max-age=2592000"));
}

#[tokio::test]
async fn voice_becomes_mp3_of_the_same_length() {
    let s = start().await;
    let voice = s.media_id(ALEX, "document").await;
    let msgs = s.media_messages(ALEX).await;
    let voice = msgs
        .iter()
        .find(|(_, m)| m["mime"] == "audio/ogg")
        .map_or(voice, |(id, _)| *id);
    let a = s.plain(&format!("voice.php?c={ALEX}&m={voice}")).await;
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.header("content-type"), Some("audio/mpeg"));
    assert!(a.header("cache-control").is_none());
    let b = &a.body;
    // First MPEG frame: sync, MPEG-1 Layer III, 64 kbit/s, 48 kHz, mono.
    assert_eq!(b[0], 0xFF);
    assert_eq!(b[1] & 0xFE, 0xFA, "MPEG-1 layer III");
    assert_eq!(b[2] >> 4, 0b0101, "64 kbit/s");
    assert_eq!((b[2] >> 2) & 3, 1, "48 kHz");
    assert_eq!(b[3] >> 6, 3, "mono");
    // 64 kbit/s CBR: 8000 bytes per second; the demo note is 4 s.
    let secs = b.len() as f64 / 8000.0;
    assert!((3.7..4.5).contains(&secs), "{secs} s");
    // A document without audio → an error answer, not a crash.
    let pdf = s.media_id(JONAS, "document").await;
    let a = s.plain(&format!("voice.php?c={JONAS}&m={pdf}")).await;
    assert!(a.status >= 400, "{}", a.status);
}

#[tokio::test]
async fn tokens_and_bad_input() {
    let s = start().await;
    let m = s.media_id(MUM, "photo").await;
    let unknown = "A".repeat(43);
    for path in [
        format!("file.php?c={MUM}&m={m}&p=rprev&user={unknown}"),
        format!("voice.php?c={MUM}&m={m}&user={unknown}"),
        format!("ava.php?c={MUM}&p=r48&user={unknown}"),
        format!("file.php?c={MUM}&m={m}"),
    ] {
        let a = got(s.http.get(format!("{}{path}", s.base))).await;
        assert_eq!(a.status, 401, "{path}");
        assert!(a.body.is_empty());
    }
    // Header auth needs the instance password; `user=` does not.
    let a = got(s
        .http
        .get(format!("{}file.php?c={MUM}&m={m}&p=rprev", s.base))
        .header("X-mpgram-user", &s.token))
    .await;
    assert_eq!(a.status, 403);
    // Bad c/m, no such message, non-image conversions.
    assert_eq!(s.plain("file.php?c=abc&m=1").await.status, 400);
    assert_eq!(s.plain("file.php?m=1").await.status, 400);
    let a = s.plain(&format!("file.php?c={MUM}&m=999999&p=rprev")).await;
    assert_eq!(a.status, 404);
    assert_eq!(a.header("content-type"), Some("text/plain; charset=utf-8"));
    let pdf = s.media_id(JONAS, "document").await;
    let a = s
        .plain(&format!("file.php?c={JONAS}&m={pdf}&p=rprev"))
        .await;
    assert_eq!(a.status, 415, "a PDF is not a picture and has no thumbnail");
    let a = s
        .plain(&format!("file.php?c={JONAS}&m={pdf}&p=thumb"))
        .await;
    assert_eq!(a.status, 404);
    // A text message has no media.
    let a = s.plain(&format!("voice.php?c=abc&m={m}")).await;
    assert_eq!(a.status, 400);
    // API answers advertise both features.
    let a = s.api("v=12&method=me").await;
    assert_eq!(a.header("x-file-rewrite-supported"), Some("1"));
    assert_eq!(a.header("x-voice-conversion-supported"), Some("1"));
}

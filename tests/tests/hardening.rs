//! What a hostile client on the LAN tried, and what a phone must still get (issue "Real-client
//! fixes and hardening"): each test plays the attack over a real socket against the server built
//! as `mpgram demo` builds it, and reads every JSON answer through the strict J2ME parser.

// A failed unwrap is a failed test here, with the panic message pointing at the line.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::time::Duration;

use mpgram::server::ServerConfig;
use mpgram_tests::strict::{self, error_message, Json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ALEX: i64 = 100_000_003;

/// Bound on how long any step may take before the test calls it a hang (not a speed target).
const HANG: Duration = Duration::from_mins(1);

struct Answer {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Answer {
    /// The JSON after any keep-alive spaces, as the client reads it.
    fn json(&self) -> Json {
        let start = self.body.iter().position(|&b| b != b' ').unwrap_or(0);
        strict::assert_client_ok(&self.body[start..], false)
    }
}

/// Splits a whole `Connection: close` HTTP/1.1 answer (chunked bodies de-chunked).
fn parse_answer(raw: &[u8]) -> Answer {
    let text_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8_lossy(&raw[..text_end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let mut body = raw[text_end + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let n = usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap().trim(), 16)
                .unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + n]);
            rest = &rest[eol + 2 + n + 2..];
        }
        body = out;
    }
    Answer { status, head, body }
}

/// Sends `request` as is and reads the answer until the server closes the connection.
async fn raw(addr: SocketAddr, request: &[u8]) -> Answer {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(HANG, s.read_to_end(&mut out))
        .await
        .expect("the server answers")
        .unwrap();
    parse_answer(&out)
}

async fn get(addr: SocketAddr, query: &str, token: Option<&str>) -> Answer {
    let auth = token.map_or(String::new(), |t| format!("X-mpgram-user: {t}\r\n"));
    raw(
        addr,
        format!(
            "GET /api.php?{query} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{auth}Connection: close\r\n\r\n",
            addr.port()
        )
        .as_bytes(),
    )
    .await
}

fn addr_of(base: &str) -> SocketAddr {
    base.trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap()
}

/// Item 3: a `delay` that overflows `Instant + Duration` panicked inside the streamed poll (the
/// phone got one space and a 200); every such number now gives a normal, empty answer.
#[tokio::test]
async fn huge_update_delays_answer_json_not_a_panic() {
    let s = mpgram_tests::serve_demo(ServerConfig::default(), 1).await;
    let addr = addr_of(&s.base);
    let token = s.tokens[0].as_str();
    for delay in ["9223372036854775807", "1e19", "18446744073709551615", "-5"] {
        let a = get(
            addr,
            &format!("v=12&method=updates&offset=999999&timeout=1&delay={delay}"),
            Some(token),
        )
        .await;
        assert_eq!(a.status, 200, "delay={delay}");
        let j = a.json();
        assert!(
            j.get_array("res").is_ok(),
            "delay={delay}: {:?}",
            String::from_utf8_lossy(&a.body)
        );
    }
    // And the server is still there.
    let me = get(addr, "v=12&method=me", Some(token)).await;
    assert_eq!(me.status, 200);
    assert!(me.json().has("id"));
}

/// Item 4: a POST that announces a body and stops sending is answered `File error: 3` and cut
/// off after the idle timeout, with a token and without; it no longer holds its connection.
#[tokio::test]
async fn a_stalled_body_is_cut_off() {
    let config = ServerConfig {
        body_idle_timeout: Duration::from_secs(2),
        ..ServerConfig::default()
    };
    let s = mpgram_tests::serve_demo(config, 1).await;
    let addr = addr_of(&s.base);
    for token in [None, Some(s.tokens[0].as_str())] {
        let auth = token.map_or(String::new(), |t| format!("X-mpgram-user: {t}\r\n"));
        let mut sock = TcpStream::connect(addr).await.unwrap();
        sock.write_all(
            format!(
                "POST /api.php?v=12&method=sendMessage&peer=me HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{auth}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000000\r\n\r\ntext=hello",
                addr.port()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        let mut out = Vec::new();
        // The server closes the connection itself: read_to_end returns.
        tokio::time::timeout(HANG, sock.read_to_end(&mut out))
            .await
            .expect("the server cuts the stalled body off")
            .unwrap();
        let a = parse_answer(&out);
        assert_eq!(
            error_message(&a.json()).as_deref(),
            Some("File error: 3"),
            "token: {}",
            token.is_some()
        );
    }
}

/// Item 4: with every connection slot taken by clients that send nothing, a new phone waits
/// instead of the process running out of descriptors, and is served as soon as one goes.
#[tokio::test]
async fn the_connection_cap_holds_and_frees() {
    use mpgram::pairing::{Auth, DeviceInfo, Pairing};
    use mpgram::server::{http::ConnectionSlots, AppState, PairingHttp};

    let demo = mpgram_tests::serve_demo(ServerConfig::default(), 0).await;
    // A second listener on the same account, built as `mpgram demo` does, with 8 slots.
    let pairing = Pairing::new();
    let token = pairing.create_import_code().code;
    let ip = std::net::IpAddr::from([127, 0, 0, 1]);
    assert!(matches!(
        pairing.authenticate(ip, &token, &DeviceInfo::default()),
        Auth::Device(_)
    ));
    let state = AppState::new(
        demo.account.clone(),
        PairingHttp::new(pairing),
        ServerConfig::default(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let slots = ConnectionSlots::new(8);
    tokio::spawn(mpgram::server::http::run_with_slots(
        listener,
        mpgram::server::router(state),
        std::future::pending(),
        slots,
    ));
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    // The ninth waits in the backlog while the eight hold their slots …
    let waiting =
        tokio::spawn(async move { get(addr, "v=12&method=getServerTimeOffset", None).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiting.is_finished(), "a ninth connection was served");
    // … and is answered once they go.
    drop(idle);
    let a = tokio::time::timeout(HANG, waiting).await.unwrap().unwrap();
    assert_eq!(a.status, 200);
    assert!(a.json().has("res"));
    // The process may now open as many descriptors as it is allowed to at all.
    let (soft, hard) = rlimit_nofile();
    assert_eq!(
        soft, hard,
        "the soft open-files limit was raised to the hard one"
    );
}

fn rlimit_nofile() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/self/limits").unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let nums: Vec<u64> = line
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (nums[0], nums[1])
}

/// Item 5: a 20 MiB body without a token is not read: the answer (401, the error object) comes
/// after a few KiB and the server closes the connection while the sender is far from done.
#[tokio::test]
async fn a_big_body_without_a_token_is_refused_early() {
    let s = mpgram_tests::serve_demo(ServerConfig::default(), 1).await;
    let addr = addr_of(&s.base);
    let size = 20 * 1024 * 1024;
    let mut sock = TcpStream::connect(addr).await.unwrap();
    sock.write_all(
        format!(
            "POST /api.php?v=12&method=me HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {size}\r\n\r\n",
            addr.port()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let (mut rd, mut wr) = sock.into_split();
    let sender = tokio::spawn(async move {
        let chunk = vec![b'a'; 64 * 1024];
        let mut sent = 0usize;
        while sent < size {
            if wr.write_all(&chunk).await.is_err() {
                break;
            }
            sent += chunk.len();
        }
        sent
    });
    let mut out = Vec::new();
    tokio::time::timeout(HANG, rd.read_to_end(&mut out))
        .await
        .expect("answered")
        .ok();
    let a = parse_answer(&out);
    assert_eq!(a.status, 401);
    assert_eq!(
        error_message(&a.json()).as_deref(),
        Some("Invalid authorization")
    );
    let sent = tokio::time::timeout(HANG, sender).await.unwrap().unwrap();
    assert!(
        sent < size,
        "the server read all {sent} bytes of an unauthenticated body"
    );
}

/// The J2ME upload form with `len` bytes of file, framed as the client frames it.
fn upload_form(boundary: &str, file: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nhi\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--").as_bytes());
    body
}

/// Item 5: an upload whose body ends early (the phone lost its signal) answers `File error: 3`,
/// not "File is too large", and a whole one still goes through from the temporary file.
#[tokio::test]
async fn a_cut_upload_is_a_file_error_and_a_whole_one_arrives() {
    let s = mpgram_tests::serve_demo(ServerConfig::default(), 1).await;
    let addr = addr_of(&s.base);
    let token = s.tokens[0].as_str();
    let boundary = "---------------------------7d33a816d302b6";
    let file: Vec<u8> = (0..300_000u32)
        .map(|i| b"abcdefgh"[(i % 8) as usize])
        .collect();
    let body = upload_form(boundary, &file);
    let head = |len: usize| {
        format!(
            "POST /api.php?v=12&method=sendMedia&peer={ALEX} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nX-mpgram-user: {token}\r\nContent-Type: multipart/form-data; charset=UTF-8; boundary={boundary}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n",
            addr.port()
        )
    };
    // Cut: the announced length, half the bytes, then the phone's side closes.
    let mut sock = TcpStream::connect(addr).await.unwrap();
    sock.write_all(head(body.len()).as_bytes()).await.unwrap();
    sock.write_all(&body[..body.len() / 2]).await.unwrap();
    sock.shutdown().await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(HANG, sock.read_to_end(&mut out))
        .await
        .expect("answered")
        .unwrap();
    let a = parse_answer(&out);
    assert_eq!(
        error_message(&a.json()).as_deref(),
        Some("File error: 3"),
        "{}",
        a.head
    );
    // Whole: posted, with the same bytes on Telegram's side.
    let mut request = head(body.len()).into_bytes();
    request.extend_from_slice(&body);
    let a = raw(addr, &request).await;
    assert!(
        strict::res_is_one(&a.json()),
        "{:?}",
        String::from_utf8_lossy(&a.body)
    );
    let w = s.dc.world();
    let newest = w
        .messages
        .get(&fakegram::Peer::User(ALEX))
        .and_then(|m| m.values().next_back())
        .cloned()
        .unwrap();
    let Some(fakegram::world::Media::Document(id)) = newest.media else {
        panic!("no document: {:?}", newest.media)
    };
    let sent = &w.files[&id];
    assert_eq!(sent.name.as_deref(), Some("notes.txt"));
    assert_eq!(sent.bytes.len(), file.len());
    assert!(
        *sent.bytes == file,
        "the document's bytes differ from the upload"
    );
}

/// Item 6: `qrcode.php` needs no token, so its text and scale are bounded: an oversized text is
/// refused at once, a huge scale is clamped, and a flood of renders leaves the API answering.
#[tokio::test]
async fn qrcode_is_bounded_and_does_not_starve_the_api() {
    use base64::Engine as _;
    let s = mpgram_tests::serve_demo(ServerConfig::default(), 1).await;
    let addr = addr_of(&s.base);
    let qr = |q: String| async move {
        raw(
            addr,
            format!(
                "GET /qrcode.php?{q} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                addr.port()
            )
            .as_bytes(),
        )
        .await
    };
    // What the client sends: a login link.
    let login = base64::engine::general_purpose::STANDARD
        .encode("tg://login?token=AQID0kZpbWZhY2Vib29rX2xvZ2luX3Rva2VuX2V4YW1wbGU");
    let ok = qr(format!("t={login}&s=8")).await;
    assert_eq!(ok.status, 200);
    let img = image::load_from_memory(&ok.body).unwrap();
    assert!(img.width() > 100, "a real QR picture");
    // A scale of 1000 is drawn at the largest allowed one, not 1000 px per module.
    let big = qr(format!("t={login}&s=1000")).await;
    let side = image::load_from_memory(&big.body).unwrap().width();
    assert_eq!(side, img.width() / 8 * 16);
    // 2,900 random bytes: refused without drawing.
    let junk: Vec<u8> = (0..2900u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let junk = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(junk);
    let refused = qr(format!("t={junk}&s=16")).await;
    assert_eq!(refused.status, 400);
    // 40 renders in flight, and a phone's call is still answered.
    let mut flood = Vec::new();
    for i in 0..40 {
        let text =
            base64::engine::general_purpose::STANDARD.encode(format!("tg://login?token={i:0>200}"));
        flood.push(tokio::spawn(qr(format!("t={text}&s=16"))));
    }
    let me = get(addr, "v=12&method=me", Some(&s.tokens[0])).await;
    assert_eq!(me.status, 200);
    assert!(me.json().has("id"));
    for f in flood {
        assert_eq!(f.await.unwrap().status, 200);
    }
}

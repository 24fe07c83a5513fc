//! What a hostile LAN and big uploads cost the server (issue "Real-client fixes and hardening"):
//! the server as `mpgram demo` builds it (pairing, a device paired with an import code) runs in
//! this process, fakegram in its own, and raw-socket clients that hold nothing themselves.
//! Prints, for the server process:
//! - peak RSS growth while an unauthenticated 20 MiB urlencoded body is sent (goal ≤ 8 MB);
//! - peak RSS growth while a paired phone uploads 20 MiB through `sendMedia` (goal ≤ 25 MB);
//! - the latency of a phone's `me` while 8 such bodies and 8 of the largest `qrcode.php`
//!   renders allowed are in flight (goal: p99 ≤ 100 ms).
//!
//! Run: `cargo build --release -p fakegram -p mpgram-tests --bins && target/release/hostile-bench`

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use base64::Engine as _;
use mpgram::pairing::{Auth, DeviceInfo, Pairing};
use mpgram::server::{self, AppState, PairingHttp, ServerConfig};
use mpgram::telegram::{Account, ApiCredentials};
use mpgram_tests::external::{reset_peak, rss_kib, ExternalFakegram};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SIZE: usize = 20 * 1024 * 1024;
const BOUNDARY: &str = "---------------------------48213390571";
const ROUNDS: usize = 3;

fn host(addr: SocketAddr) -> String {
    format!("127.0.0.1:{}", addr.port())
}

/// A POST of `SIZE` urlencoded bytes without a token; returns how many bytes the server took.
async fn anonymous_body(addr: SocketAddr) -> anyhow::Result<usize> {
    let mut sock = TcpStream::connect(addr).await?;
    sock.write_all(
        format!(
            "POST /api.php?v=12&method=sendMessage&peer=me HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {SIZE}\r\nConnection: close\r\n\r\ntext=",
            host(addr)
        )
        .as_bytes(),
    )
    .await?;
    let chunk = vec![b'a'; 64 * 1024];
    let mut sent = 5;
    while sent < SIZE {
        let n = (SIZE - sent).min(chunk.len());
        if sock.write_all(&chunk[..n]).await.is_err() {
            break;
        }
        sent += n;
    }
    let mut answer = Vec::new();
    let _ = sock.read_to_end(&mut answer).await;
    Ok(sent)
}

/// One `sendMedia` of a 20 MiB file over a fresh connection, streamed in 64 KiB pieces; the
/// answer's body.
async fn upload(addr: SocketAddr, token: &str, r: usize) -> anyhow::Result<String> {
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nbench\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.zip\"\r\n\r\nPK\x03\x04"
    );
    let tail = format!("\r\n--{BOUNDARY}--");
    let len = head.len() + (SIZE - 4) + tail.len();
    let mut sock = TcpStream::connect(addr).await?;
    sock.write_all(
        format!(
            "POST /api.php?v=12&method=sendMedia&peer=me&r={r} HTTP/1.1\r\nHost: {}\r\nX-mpgram-user: {token}\r\nContent-Type: multipart/form-data; charset=UTF-8; boundary={BOUNDARY}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n",
            host(addr)
        )
        .as_bytes(),
    )
    .await?;
    sock.write_all(head.as_bytes()).await?;
    let chunk = vec![7u8; 64 * 1024];
    let mut left = SIZE - 4;
    while left > 0 {
        let n = left.min(chunk.len());
        sock.write_all(&chunk[..n]).await?;
        left -= n;
    }
    sock.write_all(tail.as_bytes()).await?;
    let mut answer = Vec::new();
    sock.read_to_end(&mut answer).await?;
    let text = String::from_utf8_lossy(&answer).into_owned();
    Ok(text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned())
}

/// A GET over a fresh connection; the whole answer.
async fn get(addr: SocketAddr, path_query: &str, token: Option<&str>) -> anyhow::Result<Vec<u8>> {
    let auth = token.map_or(String::new(), |t| format!("X-mpgram-user: {t}\r\n"));
    let mut sock = TcpStream::connect(addr).await?;
    sock.write_all(
        format!(
            "GET /{path_query} HTTP/1.1\r\nHost: {}\r\n{auth}Connection: close\r\n\r\n",
            host(addr)
        )
        .as_bytes(),
    )
    .await?;
    let mut answer = Vec::new();
    sock.read_to_end(&mut answer).await?;
    Ok(answer)
}

/// The largest `qrcode.php` request the server draws: a 1 KiB text at 16 px per module.
fn largest_qr_query(i: usize) -> String {
    let text = format!("tg://login?token={i:0>700}");
    let t = base64::engine::general_purpose::STANDARD.encode(text);
    format!("qrcode.php?t={}&s=16", &t[..t.len().min(1000)])
}

fn mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let fake = ExternalFakegram::start()?;
    let account = Account::start(
        fake.session.clone(),
        ApiCredentials {
            api_id: mpgram_tests::API_ID,
            api_hash: mpgram_tests::API_HASH.into(),
        },
    );
    account.me().await?;
    // Wired as `mpgram demo` wires it: a pairing core, a device paired with an import code.
    let pairing = Pairing::new();
    let token = pairing.create_import_code().code;
    let loopback = std::net::IpAddr::from([127, 0, 0, 1]);
    if !matches!(
        pairing.authenticate(loopback, &token, &DeviceInfo::default()),
        Auth::Device(_)
    ) {
        bail!("the bench device could not be paired");
    }
    let state = AppState::new(account, PairingHttp::new(pairing), ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(server::run(
        listener,
        server::router(state),
        std::future::pending::<()>(),
    ));

    // Warm-up (first-use allocations), then the measured rounds.
    let first = upload(addr, &token, 1).await?;
    if first.trim() != r#"{"res":"1"}"# {
        bail!("upload failed: {first}");
    }
    anonymous_body(addr).await?;
    for round in 0..ROUNDS {
        let (base, _) = rss_kib();
        reset_peak();
        let took = anonymous_body(addr).await.context("anonymous body")?;
        let (_, peak) = rss_kib();
        println!(
            "unauthenticated 20 MiB body: server peak RSS growth {:.1} MB (idle {:.1} MB; {:.2} MiB got into the socket before the server closed it)",
            mb(peak.saturating_sub(base)),
            mb(base),
            took as f64 / 1_048_576.0
        );
        let (base, _) = rss_kib();
        reset_peak();
        let body = upload(addr, &token, round + 2).await.context("upload")?;
        let (_, peak) = rss_kib();
        if body.trim() != r#"{"res":"1"}"# {
            bail!("upload failed: {body}");
        }
        println!(
            "20 MiB sendMedia upload: server peak RSS growth {:.1} MB (idle {:.1} MB)",
            mb(peak.saturating_sub(base)),
            mb(base)
        );
    }

    // Latency of a phone's call under load.
    let stop = Arc::new(AtomicBool::new(false));
    let mut load = Vec::new();
    for i in 0..8 {
        let halt = Arc::clone(&stop);
        load.push(tokio::spawn(async move {
            while !halt.load(Ordering::Relaxed) {
                let _ = anonymous_body(addr).await;
            }
        }));
        let halt = Arc::clone(&stop);
        load.push(tokio::spawn(async move {
            let mut n = i;
            while !halt.load(Ordering::Relaxed) {
                // A new text each time: the cache must not make this cheap.
                let _ = get(addr, &largest_qr_query(n), None).await;
                n += 8;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let a = get(addr, "api.php?v=12&method=me", Some(&token)).await?;
        times.push(t.elapsed());
        if !a.starts_with(b"HTTP/1.1 200") {
            bail!("me failed: {}", String::from_utf8_lossy(&a));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::Relaxed);
    times.sort();
    let pct = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
    println!(
        "me under load (8 unauthenticated 20 MiB bodies + 8 largest qrcode.php renders): p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (200 calls)",
        pct(50).as_secs_f64() * 1000.0,
        pct(99).as_secs_f64() * 1000.0,
        times.last().map_or(0.0, |t| t.as_secs_f64() * 1000.0)
    );
    for t in load {
        t.abort();
    }
    drop(fake);
    Ok(())
}

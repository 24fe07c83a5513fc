//! Peak RSS of the server while a 20 MiB multipart upload goes through `sendMedia`
//! (`methods-more.md` §1.6): our HTTP server and gateway in this process, fakegram in its own,
//! and the client streaming the J2ME-shaped body from a raw socket in 64 KiB pieces (so the
//! client side holds nothing). Prints the peak RSS growth over the idle server.
//!
//! Run: `cargo build --release -p fakegram -p mpgram-tests --bin upload-rss && target/release/upload-rss`

use std::sync::Arc;

use anyhow::{bail, Context};
use mpgram::server::{self, AppState, MemoryDevices, ServerConfig};
use mpgram::telegram::{Account, ApiCredentials};
use mpgram_tests::external::{reset_peak, rss_kib, ExternalFakegram};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SIZE: usize = 20 * 1024 * 1024;
const BOUNDARY: &str = "---------------------------48213390571";

/// One `sendMedia` POST over a fresh connection; the answer's body.
async fn upload(addr: std::net::SocketAddr, token: &str, r: u32) -> anyhow::Result<String> {
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nbench\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.zip\"\r\n\r\nPK\x03\x04"
    );
    let tail = format!("\r\n--{BOUNDARY}--");
    let len = head.len() + (SIZE - 4) + tail.len();
    let mut sock = tokio::net::TcpStream::connect(addr).await?;
    sock.write_all(
        format!(
            "POST /api.php?v=12&method=sendMedia&peer=me&r={r} HTTP/1.1\r\nHost: pc\r\nX-mpgram-user: {token}\r\nContent-Type: multipart/form-data; charset=UTF-8; boundary={BOUNDARY}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
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
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned();
    Ok(body)
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
    let devices = Arc::new(MemoryDevices::new());
    let token = devices.pair();
    let state = AppState::new(account, devices, ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(server::run(
        listener,
        server::router(state),
        std::future::pending::<()>(),
    ));

    // A warm-up upload (first-use allocations), then the measured ones.
    let first = upload(addr, &token, 1).await?;
    if first.trim() != r#"{"res":"1"}"# {
        bail!("upload failed: {first}");
    }
    let mut peaks = Vec::new();
    for r in 2..5 {
        let (base, _) = rss_kib();
        reset_peak();
        let body = upload(addr, &token, r).await.context("upload")?;
        let (_, peak) = rss_kib();
        if body.trim() != r#"{"res":"1"}"# {
            bail!("upload failed: {body}");
        }
        peaks.push((peak.saturating_sub(base), base));
    }
    for (growth, base) in &peaks {
        println!(
            "20 MiB sendMedia upload: server peak RSS growth {:.1} MB (idle {:.1} MB)",
            *growth as f64 / 1024.0,
            *base as f64 / 1024.0
        );
    }
    drop(fake);
    Ok(())
}

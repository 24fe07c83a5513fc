//! 1,000 paired devices each hold an open `updates` long poll on loopback; fakegram (in its
//! own process, so its memory is not counted) pushes one incoming message. Prints the RSS
//! growth of this process while the polls are open and the delivery latency (p50/p99/max)
//! of that message to every poll.
//!
//! The clients are raw sockets in this process (a few KiB each), so the RSS figure is an upper
//! bound for the server's own growth.
//!
//! Run: `cargo build --release -p fakegram && cargo run --release -p mpgram-tests --bin longpoll-bench [-- POLLS]`

use std::io::{BufRead, Write as _};
use std::net::SocketAddrV4;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use mpgram::server::{self, AppState, PairingHttp, ServerConfig};
use mpgram::telegram::{Account, ApiCredentials, StoredSession};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const ALEX: i64 = 100_000_003;

/// Current resident set size of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn raise_fd_limit(want: u64) -> anyhow::Result<()> {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    if soft < want {
        setrlimit(Resource::RLIMIT_NOFILE, want.min(hard), hard)?;
    }
    Ok(())
}

/// Starts `fakegram` next to this binary; its stdin takes `push` commands.
fn start_fakegram() -> anyhow::Result<(std::process::Child, StoredSession)> {
    let exe = std::env::current_exe()?;
    let fake = exe.parent().context("exe dir")?.join("fakegram");
    if !fake.exists() {
        bail!(
            "{} is missing: build it with `cargo build -p fakegram` (same profile)",
            fake.display()
        );
    }
    let mut child = Command::new(&fake)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("start fakegram")?;
    let out = child.stdout.take().context("stdout")?;
    let (mut addrs, mut key, mut home) = (Vec::new(), None, 2);
    for line in std::io::BufReader::new(out).lines() {
        let line = line?;
        match line.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["dc", id, addr] => addrs.push((id.parse::<i32>()?, addr.parse::<SocketAddrV4>()?)),
            ["key", hex] => {
                let mut k = [0u8; 256];
                for (i, b) in k.iter_mut().enumerate() {
                    *b = u8::from_str_radix(hex.get(i * 2..i * 2 + 2).context("key")?, 16)?;
                }
                key = Some(fakegram::AuthKey::new(k));
            }
            ["home", id] => {
                home = id.parse()?;
                break;
            }
            _ => {}
        }
    }
    let key = key.context("no key from fakegram")?;
    Ok((
        child,
        StoredSession::from(fakegram::session_data_for(&addrs, &key, home)),
    ))
}

/// One phone: opens the poll, reports when its first keep-alive space arrived, then the
/// instant the update arrived.
async fn phone(
    addr: std::net::SocketAddr,
    token: String,
    offset: i64,
    opened: tokio::sync::mpsc::Sender<()>,
) -> anyhow::Result<Instant> {
    let mut s = TcpStream::connect(addr).await?;
    let req = format!(
        "GET /api.php?v=12&method=updates&offset={offset}&timeout=120 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-mpgram-user: {token}\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await?;
    let mut buf = [0u8; 2048];
    let mut seen = Vec::new();
    let mut open = false;
    loop {
        let n = s.read(&mut buf).await?;
        if n == 0 {
            bail!("connection closed before the update");
        }
        seen.extend_from_slice(&buf[..n]);
        if !open {
            if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
                if seen[end + 4..].contains(&b' ') {
                    open = true;
                    let _ = opened.send(()).await;
                }
            }
        }
        if seen.windows(9).any(|w| w == b"update_id") {
            return Ok(Instant::now());
        }
        // Keep only a tail long enough to find the marker across reads.
        if seen.len() > 4096 {
            seen.drain(..seen.len() - 16);
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let polls: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(1000);
    raise_fd_limit(polls as u64 * 2 + 256)?;
    let (mut child, session) = start_fakegram()?;
    let account = Account::start(
        session,
        ApiCredentials {
            api_id: mpgram_tests::API_ID,
            api_hash: mpgram_tests::API_HASH.into(),
        },
    );
    account.me().await.context("log in to fakegram")?;
    account.updates_ready().await;
    // Devices paired as `mpgram demo` pairs its own (production pairing, import codes).
    let pairing = mpgram::pairing::Pairing::new();
    let tokens = mpgram_tests::pair_devices(&pairing, polls);
    let state = AppState::new(account, PairingHttp::new(pairing), ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(server::run(
        listener,
        server::router(state),
        std::future::pending::<()>(),
    ));

    // Warm up (starts the update queue), then the baseline.
    let mut s = TcpStream::connect(addr).await?;
    let req = format!(
        "GET /api.php?v=12&method=getLastUpdate HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-mpgram-user: {}\r\n\r\n",
        tokens[0]
    );
    s.write_all(req.as_bytes()).await?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await?;
    let body = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| &answer[i + 4..])
        .context("no HTTP body")?;
    let last: serde_json::Value = serde_json::from_slice(body)?;
    let offset = last["update_id"].as_i64().context("update_id")?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib();

    let (opened_tx, mut opened_rx) = tokio::sync::mpsc::channel(polls);
    let mut tasks = Vec::with_capacity(polls);
    for t in tokens {
        tasks.push(tokio::spawn(phone(addr, t, offset, opened_tx.clone())));
    }
    drop(opened_tx);
    for i in 0..polls {
        tokio::time::timeout(Duration::from_mins(1), opened_rx.recv())
            .await
            .with_context(|| format!("only {i} polls opened"))?;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let open = rss_kib();

    let pushed = Instant::now();
    let stdin = child.stdin.as_mut().context("fakegram stdin")?;
    writeln!(stdin, "push {ALEX} hello to all the phones")?;
    stdin.flush()?;
    let mut lat = Vec::with_capacity(polls);
    for t in tasks {
        let got = tokio::time::timeout(Duration::from_mins(1), t)
            .await
            .context("a poll never got the update")???;
        lat.push(got.duration_since(pushed));
    }
    lat.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("open long polls:        {polls} (one paired device each)");
    println!("RSS before polls:       {:.1} MiB", before as f64 / 1024.0);
    println!(
        "RSS with polls open:    {:.1} MiB (growth {:.1} MiB, {:.1} KiB per poll)",
        open as f64 / 1024.0,
        (open.saturating_sub(before)) as f64 / 1024.0,
        (open.saturating_sub(before)) as f64 / polls as f64
    );
    println!(
        "delivery latency:       p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms (push in fakegram → update bytes at every phone)",
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.99)),
        ms(percentile(&lat, 1.0))
    );
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
    Ok(())
}

//! Measures the memory a 100 MB upload and download cost the gateway: fakegram runs in its
//! own process (`target/<profile>/fakegram`, build it with `cargo build -p fakegram`), so
//! only our side is counted. Prints peak RSS growth for each direction.
//!
//! Run: `cargo build -p fakegram && cargo run -p mpgram-tests --bin transfer-rss`

use std::io::BufRead;
use std::net::SocketAddrV4;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};
use grammers_client::message::InputMessage;
use mpgram::telegram::{Account, ApiCredentials, StoredSession};
use tokio::io::AsyncReadExt;

const SIZE: usize = 100 * 1024 * 1024;

/// Current and peak resident set size of this process, in KiB.
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Resets the peak so each phase measures its own (Linux `clear_refs` 5).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let exe = std::env::current_exe()?;
    let dir = exe.parent().context("exe dir")?;
    let fake = dir.join("fakegram");
    if !fake.exists() {
        bail!(
            "{} is missing: run `cargo build -p fakegram` first",
            fake.display()
        );
    }
    let mut child = Command::new(&fake)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .context("start fakegram")?;
    let out = child.stdout.take().context("stdout")?;
    let mut addrs = Vec::new();
    let mut key = None;
    let mut home = 2;
    for line in std::io::BufReader::new(out).lines() {
        let line = line?;
        let parts: Vec<&str> = line.split_whitespace().collect();
        match parts.as_slice() {
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
    let session = StoredSession::from(fakegram::session_data_for(&addrs, &key, home));
    let account = Account::start(
        session,
        ApiCredentials {
            api_id: mpgram_tests::API_ID,
            api_hash: mpgram_tests::API_HASH.into(),
        },
    );
    let me = account.me().await?;
    let me_peer = account
        .input_peer(me.id)
        .map(grammers_client::session::types::PeerRef::from)
        .context("self peer")?;

    let (base, _) = rss_kib();
    reset_peak();
    let mut source = tokio::io::repeat(7).take(SIZE as u64);
    let uploaded = account
        .client()
        .upload_stream(&mut source, SIZE, "big.bin".into())
        .await?;
    let (_, up_peak) = rss_kib();
    // The send future is large; box it rather than keep it on the stack.
    let msg = Box::pin(account.client().send_message(
        me_peer,
        InputMessage::new().text("100 MB").document(uploaded),
    ))
    .await?;
    let media = msg.media().context("media")?;

    let (base2, _) = rss_kib();
    reset_peak();
    let mut dl = account.client().iter_download(&media);
    let mut total = 0usize;
    while let Some(chunk) = dl.next().await? {
        if chunk.iter().any(|b| *b != 7) {
            bail!("downloaded bytes differ");
        }
        total += chunk.len();
    }
    let (_, down_peak) = rss_kib();
    if total != SIZE {
        bail!("downloaded {total} bytes, expected {SIZE}");
    }
    println!(
        "100 MB upload: peak RSS growth {:.1} MB; download: {:.1} MB (baseline {:.1} MB)",
        up_peak.saturating_sub(base) as f64 / 1024.0,
        down_peak.saturating_sub(base2) as f64 / 1024.0,
        base as f64 / 1024.0
    );
    drop(child.stdin.take());
    let _ = child.kill();
    Ok(())
}

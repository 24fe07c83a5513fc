//! fakegram's demo world on loopback, in its own process, for measuring a logged-in desktop app
//! without counting the fake Telegram's memory (`scripts/bench-desktop.sh`, `MODE=account`).
//! Writes a not-yet-logged-in session for its DCs to the file given as the argument (point
//! `MPGRAM_LOGIN_SESSION` at it, then log in with +10000000000, code 12345, password "demo"),
//! prints `ready`, and serves until its standard input closes.
//!
//! Run: `cargo build --release -p mpgram-tests --bin login-fakegram`

use anyhow::Context as _;
use mpgram::telegram::StoredSession;
use tokio::io::AsyncReadExt as _;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let file = std::env::args_os()
        .nth(1)
        .context("usage: login-fakegram SESSION_FILE")?;
    let dc = fakegram::FakeDc::start(fakegram::demo_world()).await?;
    let key = dc.new_key(false);
    let start = StoredSession::from(dc.session_data(&key, dc.home_dc()));
    std::fs::write(&file, serde_json::to_vec(&start)?)?;
    println!("ready");
    let mut rest = Vec::new();
    let _ = tokio::io::stdin().read_to_end(&mut rest).await;
    drop(dc);
    Ok(())
}

//! Measures the memory a 100 MB upload and download cost the gateway: fakegram runs in its
//! own process (`target/<profile>/fakegram`, build it with `cargo build -p fakegram`), so
//! only our side is counted. Prints peak RSS growth for each direction.
//!
//! Run: `cargo build -p fakegram && cargo run -p mpgram-tests --bin transfer-rss`

use anyhow::{bail, Context};
use grammers_client::message::InputMessage;
use mpgram::telegram::{Account, ApiCredentials};
use mpgram_tests::external::{reset_peak, rss_kib, ExternalFakegram};
use tokio::io::AsyncReadExt;

const SIZE: usize = 100 * 1024 * 1024;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let fake = ExternalFakegram::start()?;
    let session = fake.session.clone();
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
    drop(fake);
    Ok(())
}

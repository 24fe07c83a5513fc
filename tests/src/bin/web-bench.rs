//! What the browser client's pages weigh and what they cost Telegram (issue "MPGram in any
//! browser"): the server as `mpgram demo` wires it, over fakegram's demo world in this process;
//! a browser paired with the 6-digit code; 25 text messages added to one chat so a chat page
//! holds a full page of 20. Prints, per page: HTML bytes, gzipped bytes (what a browser that
//! takes gzip receives), and the Telegram calls it made (fakegram's log, the update loop's own
//! calls left out). Goals: a chat of 20 text messages ≤ 12 KB of HTML, the chat list of 20
//! chats ≤ 10 KB, one `getHistory`-equivalent call per chat page.
//!
//! Run: `cargo run -p mpgram-tests --bin web-bench` (exits non-zero when a goal is missed).

use std::collections::BTreeMap;
use std::io::Write as _;

use anyhow::{bail, Context};
use fakegram::Peer;
use mpgram::server::ServerConfig;

const ALEX: i64 = 100_000_003;

/// One page: its path, and its limit (0: none).
const PAGES: &[(&str, &str, usize)] = &[
    ("pairing page (not paired)", "-", 0),
    ("chat list, 20 chats", "", 10 * 1024),
    ("chat, 20 text messages", "chat?p=100000003", 12 * 1024),
    ("chat with a poll and a group", "chat?p=-500001", 0),
    ("chat with a link preview", "chat?p=100000009", 0),
    ("forum chat, all messages", "chat?p=-1001500000001", 0),
    ("forum's topics", "topics?p=-1001500000001", 0),
    ("a bot's buttons", "chat?p=100000101", 0),
    ("archived chats", "?f=1", 0),
    ("folders", "folders", 0),
    ("contacts", "contacts", 0),
    ("search \"echo\"", "search?q=echo", 0),
    ("search in a chat", "chat?p=100000003&q=meetup", 0),
    ("chat info", "info?p=-1001500000001", 0),
    ("write (reply)", "write?p=100000003&reply=1", 0),
    ("settings", "settings", 0),
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let d = mpgram_tests::serve_demo(ServerConfig::default(), 0).await;
    d.pairing.open();
    let code = d.pairing.status().user_code.context("pairing open")?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("Opera/9.80 (J2ME/MIDP; Opera Mini/4.2.14912/870; U; en) Presto/2.4.15")
        .build()?;
    let login = http
        .post(format!("{}login", d.base))
        .form(&[("code", code.as_str())])
        .send()
        .await?;
    let cookie = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .find(|c| c.starts_with("mpw="))
        .context("the browser got its cookie")?;
    for i in 0..25 {
        d.dc.push_incoming(
            Peer::User(ALEX),
            ALEX,
            &format!("Message number {i} about the meetup on Friday, bring the old phones"),
        );
    }
    // Warm up: the account's own user and the peer cache, as after a few minutes of use.
    http.get(&d.base).header("Cookie", &cookie).send().await?;

    println!(
        "{:<30} {:>9} {:>9}  Telegram calls",
        "page", "HTML (B)", "gzip (B)"
    );
    let mut missed = Vec::new();
    for (name, path, limit) in PAGES {
        d.dc.clear_calls();
        let req = http.get(format!(
            "{}{}",
            d.base,
            if *path == "-" { "" } else { path }
        ));
        let req = if *path == "-" {
            req
        } else {
            req.header("Cookie", &cookie)
        };
        let r = req.send().await?;
        if !r.status().is_success() {
            bail!("{name}: HTTP {}", r.status());
        }
        let html = r.bytes().await?;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&html)?;
        let gz = enc.finish()?.len();
        let mut calls: BTreeMap<String, usize> = BTreeMap::new();
        for c in d.dc.calls() {
            if !c.method.starts_with("updates.") {
                *calls.entry(c.method).or_default() += 1;
            }
        }
        let list: Vec<String> = calls
            .iter()
            .map(|(m, n)| {
                if *n == 1 {
                    m.clone()
                } else {
                    format!("{m} ×{n}")
                }
            })
            .collect();
        let ok = *limit == 0 || html.len() <= *limit;
        println!(
            "{name:<30} {:>9} {gz:>9}  {}{}",
            html.len(),
            if list.is_empty() {
                "none".to_owned()
            } else {
                list.join(", ")
            },
            if *limit > 0 {
                format!(
                    "  (goal ≤ {} B: {})",
                    limit,
                    if ok { "met" } else { "MISSED" }
                )
            } else {
                String::new()
            }
        );
        if !ok {
            missed.push(*name);
        }
        if path.starts_with("chat?p=100000003") && !path.contains("&q=") {
            let history = calls.get("messages.getHistory").copied().unwrap_or(0);
            if history != 1 || calls.len() != 1 {
                missed.push("one getHistory per chat page");
            }
        }
    }
    if !missed.is_empty() {
        bail!("goals missed: {}", missed.join(", "));
    }
    Ok(())
}

//! Runs the demo world as a stand-alone fake Telegram on loopback, for measurements that must
//! not count the fake's own memory. Prints `dc ID ADDR` lines, `key HEX` (a logged-in auth
//! key) and `home ID`, then serves until its standard input closes. A line
//! `push USER_ID TEXT` on standard input makes that user write to the account (benchmarks).

use std::fmt::Write as _;

use tokio::io::AsyncBufReadExt;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let dc = fakegram::FakeDc::start(fakegram::demo_world()).await?;
    let key = dc.new_key(true);
    for (id, addr) in dc.addrs() {
        println!("dc {id} {addr}");
    }
    let hex = key.bytes().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    println!("key {hex}");
    println!("home {}", dc.home_dc());
    // Serve until the parent goes away.
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut parts = line.splitn(3, ' ');
        if let (Some("push"), Some(user), Some(text)) = (parts.next(), parts.next(), parts.next()) {
            if let Ok(user) = user.parse::<i64>() {
                dc.push_incoming(fakegram::Peer::User(user), user, text);
            }
        }
    }
    Ok(())
}

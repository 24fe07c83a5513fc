//! Runs the demo world as a stand-alone fake Telegram on loopback, for measurements that must
//! not count the fake's own memory. Prints `dc ID ADDR` lines, `key HEX` (a logged-in auth
//! key) and `home ID`, then serves until its standard input closes.

use std::fmt::Write as _;

use tokio::io::AsyncReadExt;

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
    let mut sink = Vec::new();
    // Serve until the parent goes away.
    let _ = tokio::io::stdin().read_to_end(&mut sink).await;
    Ok(())
}

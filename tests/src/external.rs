//! fakegram in its own process (`target/<profile>/fakegram`), so a benchmark's RSS counts only
//! our side. Build it first with `cargo build -p fakegram`.

use std::io::BufRead;
use std::net::SocketAddrV4;
use std::process::{Child, Command, Stdio};

use anyhow::{bail, Context};
use mpgram::telegram::StoredSession;

/// The running fakegram process; killed on drop.
pub struct ExternalFakegram {
    child: Child,
    /// A logged-in session for its demo account.
    pub session: StoredSession,
}

impl ExternalFakegram {
    /// Starts the `fakegram` binary next to the running executable and reads its addresses
    /// and key from its first lines.
    pub fn start() -> anyhow::Result<Self> {
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
                ["dc", id, addr] => {
                    addrs.push((id.parse::<i32>()?, addr.parse::<SocketAddrV4>()?));
                }
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
        Ok(Self { child, session })
    }
}

impl Drop for ExternalFakegram {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Current and peak resident set size of this process, in KiB.
pub fn rss_kib() -> (u64, u64) {
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
pub fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

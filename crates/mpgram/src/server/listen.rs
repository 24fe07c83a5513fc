//! Where to listen by default: the LAN address and loopback, port 8080 or the next free one
//! (`design.md`, "Pairing"); the URL shown to people is the LAN one, never 127.0.0.1 when a LAN
//! address exists.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use tokio::net::TcpListener;

pub const DEFAULT_PORT: u16 = 8080;
/// How many ports after the default to try.
const PORT_TRIES: u16 = 20;

/// The machine's LAN address, if it has one (not loopback, not link-local).
pub fn lan_ip() -> Option<IpAddr> {
    let ip = local_ip_address::local_ip().ok()?;
    let usable = match ip {
        IpAddr::V4(v4) => !v4.is_loopback() && !v4.is_link_local() && !v4.is_unspecified(),
        IpAddr::V6(_) => false,
    };
    usable.then_some(ip)
}

/// Listeners on the LAN address and loopback sharing one port: `port`, or the next port that is
/// free on both. Returns the listeners and the URL to show.
pub async fn bind_default(port: u16) -> std::io::Result<(Vec<TcpListener>, String)> {
    let lan = lan_ip();
    let mut last_err = None;
    for p in port..port.saturating_add(PORT_TRIES) {
        let loopback = match TcpListener::bind((Ipv4Addr::LOCALHOST, p)).await {
            Ok(l) => l,
            Err(e) => {
                last_err = Some(e);
                continue;
            }
        };
        let Some(lan) = lan else {
            return Ok((
                vec![loopback],
                url(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), p)),
            ));
        };
        match TcpListener::bind((lan, p)).await {
            Ok(l) => return Ok((vec![l, loopback], url(SocketAddr::new(lan, p)))),
            Err(e) => last_err = Some(e),
        }
    }
    Err(last_err.unwrap_or_else(|| std::io::Error::other("no free port")))
}

/// Listens on an explicit address; the URL shows the LAN address when bound to 0.0.0.0.
pub async fn bind_exact(addr: SocketAddr) -> std::io::Result<(Vec<TcpListener>, String)> {
    let l = TcpListener::bind(addr).await?;
    let local = l.local_addr()?;
    let shown = if local.ip().is_unspecified() {
        SocketAddr::new(lan_ip().unwrap_or(Ipv4Addr::LOCALHOST.into()), local.port())
    } else {
        local
    };
    Ok((vec![l], url(shown)))
}

/// The instance URL as the phone's "Instance URL" box wants it (trailing slash).
pub fn url(addr: SocketAddr) -> String {
    format!("http://{addr}/")
}

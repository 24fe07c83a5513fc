//! Host header check against DNS rebinding: a web page on some other site cannot reach us through
//! a name it controls, because we only answer to our own addresses, `localhost` and names the
//! person configured.
use std::net::IpAddr;

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HostError {
    /// Answer 403 (or 421) with a short text; never the API.
    #[error("this server only answers to its own addresses; the Host header names {0}")]
    Foreign(String),
    #[error("malformed Host header")]
    Malformed,
}

/// Checks a `Host` header. `local` are this machine's addresses (loopback is always accepted);
/// `names` are extra host names the person configured (case-insensitive).
///
/// A missing header is accepted: browsers, the only tool of a rebinding attack, always send one,
/// and some old phone HTTP/1.0 stacks omit it.
pub fn check_host(
    host: Option<&str>,
    local: &[IpAddr],
    names: &[impl AsRef<str>],
) -> Result<(), HostError> {
    let Some(host) = host else {
        return Ok(());
    };
    let host = host.trim();
    let name = strip_port(host).ok_or(HostError::Malformed)?;
    if name.is_empty() {
        return Err(HostError::Malformed);
    }
    if let Some(ip) = parse_ip(name) {
        let ip = canonical(ip);
        return if ip.is_loopback() || local.iter().any(|l| canonical(*l) == ip) {
            Ok(())
        } else {
            Err(HostError::Foreign(name.to_owned()))
        };
    }
    let name_lc = name.trim_end_matches('.').to_ascii_lowercase();
    if name_lc == "localhost"
        || names.iter().any(|n| {
            n.as_ref()
                .trim_end_matches('.')
                .eq_ignore_ascii_case(&name_lc)
        })
    {
        Ok(())
    } else {
        Err(HostError::Foreign(name.to_owned()))
    }
}

/// `host[:port]` or `[v6][:port]` → the host part; `None` if the port is not a number.
fn strip_port(host: &str) -> Option<&str> {
    if let Some(rest) = host.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        return match after {
            "" => Some(inside),
            p => valid_port(p.strip_prefix(':')?).then_some(inside),
        };
    }
    match host.rsplit_once(':') {
        // More than one colon and no brackets: a bare IPv6 literal (not valid in Host, but harmless
        // to understand).
        Some((h, _)) if h.contains(':') => Some(host),
        Some((h, p)) => valid_port(p).then_some(h),
        None => Some(host),
    }
}

fn valid_port(p: &str) -> bool {
    !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit())
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    // Zone ids (`fe80::1%eth0`, percent-encoded in URLs as `%25`) do not change which address it is.
    let s = s.split('%').next().unwrap_or(s);
    s.parse().ok()
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

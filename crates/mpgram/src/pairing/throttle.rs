//! Per-address back-off for wrong tokens and codes.
//!
//! The answer while throttled is HTTP 429 with an MPGram error object (see
//! [`Throttled::message`]): the J2ME client shows the message and does nothing else. It does not
//! retry (only 502/504 are retried) and does not drop its token (only 401 on `me` does), so a
//! throttled phone neither loops nor forgets its pairing (client-j2me.md §4.1–4.2).
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Wrong tries an address gets before any waiting: enough for a person's typos.
pub const FREE_FAILURES: u32 = 3;
/// The first wait; each further failure doubles it.
pub const BASE_DELAY: Duration = Duration::from_secs(2);
/// The longest wait.
pub const MAX_DELAY: Duration = Duration::from_mins(15);
/// An address with no failure for this long starts afresh.
pub const FORGET_AFTER: Duration = Duration::from_hours(1);
/// Bounds memory when many addresses fail (IPv6 privacy addresses, spoofed LAN hosts).
const MAX_ENTRIES: usize = 4096;

/// The caller must answer HTTP 429 with [`Throttled::message`] and `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: Duration,
}

impl Throttled {
    /// Whole seconds for `Retry-After` and the message (at least 1).
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0)
    }

    /// The `error.message` to send (status 429).
    pub fn message(&self) -> String {
        format!(
            "Too many wrong codes from this phone. Wait {} seconds, then try again.",
            self.retry_after_secs()
        )
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: Instant,
    blocked_until: Option<Instant>,
}

#[derive(Debug, Default)]
pub(crate) struct Throttle {
    entries: HashMap<IpAddr, Entry>,
}

/// Addresses that one attacker controls together count as one: an IPv6 host picks freely within
/// its /64, and an IPv4-mapped address is the IPv4 host. The captcha table counts the same way.
pub(crate) fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let mut seg = v6.segments();
            seg[4..].fill(0);
            IpAddr::V6(seg.into())
        }
        v4 @ IpAddr::V4(_) => v4,
    }
}

impl Throttle {
    /// `Err` if this address must wait before its next try is even looked at.
    pub(crate) fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Throttled> {
        match self
            .entries
            .get(&address_key(ip))
            .and_then(|e| e.blocked_until)
        {
            Some(until) if now < until => Err(Throttled {
                retry_after: until - now,
            }),
            _ => Ok(()),
        }
    }

    /// Records a wrong token or code; returns the wait it imposes, if any.
    pub(crate) fn failure(&mut self, ip: IpAddr, now: Instant) -> Option<Throttled> {
        self.evict(now);
        let entry = self.entries.entry(address_key(ip)).or_insert(Entry {
            failures: 0,
            last_failure: now,
            blocked_until: None,
        });
        if now.duration_since(entry.last_failure) > FORGET_AFTER {
            entry.failures = 0;
        }
        entry.failures = entry.failures.saturating_add(1);
        entry.last_failure = now;
        if entry.failures <= FREE_FAILURES {
            return None;
        }
        let doublings = (entry.failures - FREE_FAILURES - 1).min(20);
        let delay = BASE_DELAY.saturating_mul(1 << doublings).min(MAX_DELAY);
        entry.blocked_until = Some(now + delay);
        Some(Throttled { retry_after: delay })
    }

    /// A right code or token from this address: its earlier typos are forgiven.
    pub(crate) fn success(&mut self, ip: IpAddr) {
        self.entries.remove(&address_key(ip));
    }

    fn evict(&mut self, now: Instant) {
        if self.entries.len() < MAX_ENTRIES {
            return;
        }
        self.entries
            .retain(|_, e| now.duration_since(e.last_failure) <= FORGET_AFTER);
        if self.entries.len() >= MAX_ENTRIES {
            // Still full of recent failures: drop the oldest, keeping the map bounded.
            if let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.last_failure)
                .map(|(ip, _)| *ip)
            {
                self.entries.remove(&oldest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    #[test]
    fn ipv6_addresses_in_one_64_share_a_budget() {
        let a: Ipv6Addr = "fd00:1:2:3::10".parse().unwrap_or(Ipv6Addr::LOCALHOST);
        let b: Ipv6Addr = "fd00:1:2:3:abcd::99".parse().unwrap_or(Ipv6Addr::LOCALHOST);
        assert_eq!(address_key(a.into()), address_key(b.into()));
        let mapped: Ipv6Addr = "::ffff:192.168.1.5".parse().unwrap_or(Ipv6Addr::LOCALHOST);
        assert_eq!(address_key(mapped.into()), IpAddr::from([192, 168, 1, 5]));
    }

    #[test]
    fn memory_stays_bounded() {
        let now = Instant::now();
        let mut t = Throttle::default();
        for i in 0..(MAX_ENTRIES as u32 + 100) {
            t.failure(IpAddr::from(i.to_be_bytes()), now);
        }
        assert!(t.entries.len() <= MAX_ENTRIES);
    }
}

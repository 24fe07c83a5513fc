//! Shared helpers for the pairing tests (included with `#[path]`, not a test target by itself).
#![allow(dead_code)]
use std::net::IpAddr;
use std::sync::Arc;

use mpgram::pairing::{DeviceInfo, ManualClock, Pairing, SubmitOutcome, CODE_SPACE};

pub const PHONE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 168, 1, 23));
pub const OTHER_PHONE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 168, 1, 24));
pub const ATTACKER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 168, 1, 66));

pub fn setup() -> (Pairing, ManualClock) {
    let clock = ManualClock::new(1_700_000_000);
    (Pairing::with_clock(Arc::new(clock.clone())), clock)
}

/// Headers the real J2ME client sends (client-j2me.md §3.2).
pub fn nokia() -> DeviceInfo {
    DeviceInfo {
        model: Some("NokiaE52-1".into()),
        system: Some("S60 3rd Edition FP2".into()),
        app_version: Some("1.5.13".into()),
        user_agent: Some("mpgram4/1.5.13 (https://github.com/shinovon/mpgram-client)".into()),
    }
}

pub fn current_code(p: &Pairing) -> String {
    p.status().user_code.unwrap_or_default()
}

/// A 6-digit answer that is certainly not the current code.
pub fn wrong_code(p: &Pairing) -> String {
    let n: u32 = current_code(p).parse().unwrap_or(0);
    format!("{:06}", (n + 1) % CODE_SPACE)
}

/// The client's captcha screen: `initLogin&qr=1`, then the answer with the window visible.
pub fn type_code(p: &Pairing, ip: IpAddr, code: &str) -> SubmitOutcome {
    let captcha_id = p.begin_login(ip);
    p.submit_code(ip, &captcha_id, code, &nokia())
}

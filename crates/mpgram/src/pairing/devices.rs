//! The paired-device list: what the PC window shows and the vault persists.
use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::tokens::TokenHash;

/// Longest device name kept (the window's list and the CLI print it on one line).
pub const MAX_NAME_CHARS: usize = 48;

/// Stable number of a device (or of a pairing request waiting for approval, which keeps the number
/// once allowed). Small so the CLI can say `mpgram revoke 3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeviceId(pub u32);

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// How a device was paired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairedVia {
    UserCode,
    /// User code, then Allow on the PC.
    Approval,
    ImportCode,
}

/// What the phone says about itself, from the request headers (client-j2me.md §3.2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInfo {
    /// `X-mpgram-device`, e.g. `NokiaE52-1`.
    pub model: Option<String>,
    /// `X-mpgram-system`, e.g. `S60 3rd Edition FP2`.
    pub system: Option<String>,
    /// `X-mpgram-app-version`, e.g. `1.5.13`.
    pub app_version: Option<String>,
    /// `User-Agent`, e.g. `mpgram4/1.5.13 (https://github.com/shinovon/mpgram-client)`.
    pub user_agent: Option<String>,
}

impl DeviceInfo {
    /// A name for the list: the model if the phone sent one, else the client named in the
    /// User-Agent, else "Phone". Header text is untrusted: control characters are dropped and the
    /// length is capped.
    pub fn suggested_name(&self) -> String {
        if let Some(model) = self.model.as_deref().and_then(clean) {
            return model;
        }
        if let Some(ua) = self.user_agent.as_deref() {
            // `mpgram4/1.5.13 (…)` → "MPGram 1.5.13"; any other agent → its product token.
            let product = ua.split_whitespace().next().unwrap_or_default();
            if let Some(version) = product.strip_prefix("mpgram4/") {
                if let Some(name) = clean(&format!("MPGram {version}")) {
                    return name;
                }
            } else if let Some(name) = clean(product) {
                return name;
            }
        }
        "Phone".to_owned()
    }

    pub(crate) fn clean_app_version(&self) -> Option<String> {
        self.app_version.as_deref().and_then(clean)
    }

    pub(crate) fn clean_system(&self) -> Option<String> {
        self.system.as_deref().and_then(clean)
    }
}

/// Printable text only, trimmed, at most [`MAX_NAME_CHARS`] characters; `None` if nothing is left.
pub(crate) fn clean(s: &str) -> Option<String> {
    let kept: String = s
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let trimmed = kept.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// One paired device. The token itself is never kept, only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub id: DeviceId,
    /// From the phone's headers at pairing time; the person can rename it.
    pub name: String,
    pub via: PairedVia,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds of the last authenticated request.
    pub last_seen_at: u64,
    pub last_ip: Option<IpAddr>,
    pub app_version: Option<String>,
    pub system: Option<String>,
    pub(crate) token_hash: TokenHash,
}

/// Everything the vault must persist for pairing to survive a restart. Short-lived things (the
/// user code, open captchas, pending approvals, import codes, back-off) are deliberately absent:
/// a restart ends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevicesState {
    pub devices: Vec<Device>,
    /// Next [`DeviceId`] to hand out, so a revoked device's number is never reused.
    pub next_id: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_phone_headers() {
        let mut info = DeviceInfo {
            model: Some("NokiaE52-1".into()),
            user_agent: Some("mpgram4/1.5.13 (https://github.com/shinovon/mpgram-client)".into()),
            ..DeviceInfo::default()
        };
        assert_eq!(info.suggested_name(), "NokiaE52-1");
        info.model = None;
        assert_eq!(info.suggested_name(), "MPGram 1.5.13");
        info.user_agent = None;
        assert_eq!(info.suggested_name(), "Phone");
        info.model = Some(format!("\u{1b}[31m{}", "x".repeat(100)));
        let name = info.suggested_name();
        assert!(!name.contains('\u{1b}'));
        assert!(name.chars().count() <= MAX_NAME_CHARS);
    }
}

//! Which device tokens may use the API.
//!
//! The pairing engineer replaces [`MemoryDevices`] with the real device table (hashed tokens in the
//! vault, last-seen, revoke); the server only needs [`Devices::check`].

use std::collections::HashMap;
use std::sync::RwLock;

use base64::Engine as _;

use crate::api::auth::constant_time_eq;

/// A paired device, as the server sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeviceId(pub u64);

/// The device table the server asks on every authenticated call.
pub trait Devices: Send + Sync + 'static {
    /// The device a well-formed token belongs to, or `None` when it is unknown or revoked
    /// (the only case that answers HTTP 401).
    fn check(&self, token: &str) -> Option<DeviceId>;
}

/// An in-memory token set: the demo device, tests, and the placeholder until pairing lands.
#[derive(Debug, Default)]
pub struct MemoryDevices {
    tokens: RwLock<HashMap<String, DeviceId>>,
}

impl MemoryDevices {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a device with a fresh random token and returns that token.
    pub fn pair(&self) -> String {
        let token = new_token();
        self.insert(token.clone());
        token
    }

    /// Adds a device with a given token (tests).
    pub fn insert(&self, token: String) -> DeviceId {
        let mut map = self
            .tokens
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let id = DeviceId(map.len() as u64 + 1);
        map.insert(token, id);
        id
    }

    /// Forgets a token (revoke).
    pub fn revoke(&self, token: &str) -> bool {
        self.tokens
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(token)
            .is_some()
    }
}

impl Devices for MemoryDevices {
    fn check(&self, token: &str) -> Option<DeviceId> {
        let map = self
            .tokens
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Compare every entry in constant time: a hash lookup would leak timing per prefix.
        let mut found = None;
        for (known, id) in map.iter() {
            if constant_time_eq(known.as_bytes(), token.as_bytes()) {
                found = Some(*id);
            }
        }
        found
    }
}

/// A random 256-bit token in base64url without padding: 43 characters from `[A-Za-z0-9_-]`,
/// safe raw in URLs and headers (`client-j2me.md` §2.3) and ≥ 32 characters for "Import session".
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::auth::is_well_formed_token;

    #[test]
    fn tokens_are_well_formed_and_distinct() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(is_well_formed_token(&a));
    }

    #[test]
    fn check_and_revoke() {
        let d = MemoryDevices::new();
        let t = d.pair();
        assert!(d.check(&t).is_some());
        assert!(d.check(&new_token()).is_none());
        assert!(d.revoke(&t));
        assert!(d.check(&t).is_none());
    }
}

//! The one-time code for the client's "Import existing session" box: 32 digits (the box refuses
//! fewer than 32 characters, client-j2me.md §2.3), valid [`IMPORT_CODE_TTL`]. On first use it
//! becomes the new device's token; it can never create a second device.
use std::time::{Duration, Instant};

use rand::Rng;

use super::tokens::{Token, TokenHash};

pub const IMPORT_CODE_DIGITS: usize = 32;
pub const IMPORT_CODE_TTL: Duration = Duration::from_mins(10);

/// A freshly made import code, to show on the PC once.
#[derive(Clone)]
pub struct ImportCode {
    pub code: String,
    /// Unix seconds after which the code no longer works.
    pub expires_at: u64,
}

impl std::fmt::Debug for ImportCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportCode")
            .field("code", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[derive(Debug, Default)]
pub(crate) struct ImportCodes {
    /// At most one live code: making a new one replaces the old, so a code shown and forgotten
    /// on the PC stops working.
    active: Option<(TokenHash, Instant)>,
}

impl ImportCodes {
    pub(crate) fn create(&mut self, now: Instant) -> String {
        let mut rng = rand::rng();
        let code: String = (0..IMPORT_CODE_DIGITS)
            .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
            .collect();
        self.active = Some((TokenHash::of(&code), now + IMPORT_CODE_TTL));
        code
    }

    /// Takes the code if `typed` is the live one: it works once.
    pub(crate) fn redeem(&mut self, typed: &str, now: Instant) -> Option<Token> {
        let (hash, expires) = self.active?;
        if now >= expires {
            self.active = None;
            return None;
        }
        if !hash.matches(&TokenHash::of(typed)) {
            return None;
        }
        self.active = None;
        Some(Token::from_trusted(typed.to_owned()))
    }

    pub(crate) fn cancel(&mut self) {
        self.active = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pairing::tokens::is_well_formed;

    #[test]
    fn import_codes_are_32_digits_and_valid_tokens() {
        let mut c = ImportCodes::default();
        let code = c.create(Instant::now());
        assert_eq!(code.len(), 32);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        assert!(is_well_formed(&code));
    }
}

//! Device tokens (the MPGram `user` value): generation, the allowed alphabet, and the SHA-256 hash
//! that is all we keep of them.
use std::fmt;

use rand::RngCore;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Random bytes in a device token: 256 bits, so guessing one is hopeless even without throttling.
const TOKEN_BYTES: usize = 32;
/// The client's limits for a token (client-j2me.md §2.3, §12).
/// Shortest token we accept (the reference's rule; the J2ME "Import session" box also wants ≥ 32).
pub const MIN_LEN: usize = 32;
/// Longest token: the client's text boxes hold 200 characters.
pub const MAX_LEN: usize = 200;

/// A secret the phone sends as `X-mpgram-user` (or `&user=` in URLs). Debug never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// A fresh device token: 64 lowercase hex characters (URL-, header- and keypad-safe).
    pub(crate) fn generate() -> Self {
        let mut bytes = [0u8; TOKEN_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(hex(&bytes))
    }

    /// Wraps a string that is already a valid token (e.g. an import code that became one).
    pub(crate) fn from_trusted(s: String) -> Self {
        Self(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Whether `s` can be a token we issued: 32–200 characters of `[A-Za-z0-9_-]`. Anything else is
/// rejected before hashing (and cannot be one of ours).
pub fn is_well_formed(s: &str) -> bool {
    (MIN_LEN..=MAX_LEN).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The one constant-time comparison of secrets (tokens, codes, passwords, the control secret):
/// timing does not tell how much of a guess matched. Only a length difference shows, which
/// secrets of one fixed length do not reveal.
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// SHA-256 of a token or code. Stored instead of the secret so a leaked vault or device list does
/// not let anyone in.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    pub(crate) fn of(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }

    /// Constant-time comparison, so response timing says nothing about how close a guess was.
    pub(crate) fn matches(&self, other: &Self) -> bool {
        same_secret(&self.0, &other.0)
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(..)")
    }
}

impl Serialize for TokenHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&hex(&self.0))
    }
}

impl<'de> Deserialize<'de> for TokenHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        unhex32(&s)
            .map(Self)
            .ok_or_else(|| serde::de::Error::custom("token hash must be 64 hex characters"))
    }
}

/// Finds the entry whose hash matches `secret`, comparing against every entry (no early exit) so
/// the time taken does not depend on where, or whether, it matched.
pub(crate) fn find<'a, T>(
    secret: &str,
    items: impl IntoIterator<Item = &'a T>,
    hash_of: impl Fn(&T) -> &TokenHash,
) -> Option<usize>
where
    T: 'a,
{
    let wanted = TokenHash::of(secret);
    let mut found = None;
    for (i, item) in items.into_iter().enumerate() {
        if hash_of(item).matches(&wanted) {
            found = Some(i);
        }
    }
    found
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    let bytes = s.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

/// Random lowercase hex of `bytes` random bytes: captcha ids and status texts (URL-safe, not secret
/// enough to need hashing).
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex(&buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_pass_the_client_and_reference_rules() {
        let t = Token::generate();
        assert_eq!(t.as_str().len(), 64);
        assert!(is_well_formed(t.as_str()));
        // Characters the reference's api.php / file.php / ava.php reject (client-j2me.md §2.3).
        assert!(!t
            .as_str()
            .contains(['\\', '/', '.', ';', ':', ' ', '?', '=', '&', '+', '%']));
        assert_ne!(Token::generate(), t);
    }

    #[test]
    fn debug_output_hides_secrets() {
        let t = Token::generate();
        assert!(!format!("{t:?}").contains(t.as_str()));
        assert!(!format!("{:?}", t.hash()).contains(&hex(&t.hash().0)));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        assert!(!is_well_formed("short"));
        assert!(!is_well_formed(&"a".repeat(201)));
        assert!(!is_well_formed(&format!("{}.", "a".repeat(40))));
        assert!(is_well_formed(&"7".repeat(32)));
    }

    #[test]
    fn hash_round_trips_through_hex() {
        let h = TokenHash::of("abc");
        assert_eq!(unhex32(&hex(&h.0)), Some(h.0));
        assert_eq!(unhex32("zz"), None);
    }
}

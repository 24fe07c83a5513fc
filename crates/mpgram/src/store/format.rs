//! The vault file format, with no IO: `seal` turns a payload into file bytes, `unseal` turns
//! file bytes back into the payload.
//!
//! Layout (integers little-endian), 80 header bytes then the ciphertext:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0  | 8  | magic `MPGVAULT` |
//! | 8  | 1  | format version: 2 for a keyring vault with a vault id, else 1 |
//! | 9  | 1  | key kind: 1 keyring, 2 passphrase, 3 key file |
//! | 10 | 2  | reserved, zero |
//! | 12 | 8  | key id: first 8 bytes of SHA-256(label ‖ key) |
//! | 20 | 12 | argon2id m, t, p costs (u32 each; zero unless the kind is passphrase) |
//! | 32 | 16 | argon2id salt for a passphrase; the vault id in version 2; else zero |
//! | 48 | 24 | `XChaCha20` nonce, fresh for every write |
//! | 72 | 8  | ciphertext length (payload + 16-byte Poly1305 tag) |
//! | 80 | …  | ciphertext |
//!
//! The whole header is the AEAD associated data, so no field can be changed unnoticed.
//! The key id exists only to tell "another key" (or a wrong passphrase) from "damaged file":
//! the AEAD alone cannot tell them apart. It costs an attacker nothing new: checking a
//! guess against it is exactly as expensive as checking it against the tag.
//! The length field turns a cut-short file into its own error instead of a failed tag.
//! The vault id (random, made with the vault) names the vault's keyring entry, so the entry
//! follows the folder when it is moved or copied. Version 1 keyring vaults, from before it,
//! named the entry after the folder's path; they are rewritten as version 2 when opened.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::KeyKind;

pub(crate) const MAGIC: [u8; 8] = *b"MPGVAULT";
/// Without a vault id (passphrase and key-file vaults, and keyring vaults made before ids).
pub(crate) const VERSION: u8 = 1;
/// A keyring vault with its vault id in the salt slot.
pub(crate) const VERSION_WITH_ID: u8 = 2;
pub(crate) const HEADER_LEN: usize = 80;
const TAG_LEN: usize = 16;
const KEY_ID_LABEL: &[u8] = b"mpgram-home vault key id v1\0";

/// The 32-byte symmetric key; wiped from memory when dropped.
pub(crate) struct VaultKey(Zeroizing<[u8; 32]>);

impl VaultKey {
    pub(crate) fn from_bytes(bytes: Zeroizing<[u8; 32]>) -> Self {
        Self(bytes)
    }

    pub(crate) fn random() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        rand::rng().fill_bytes(bytes.as_mut());
        Self(bytes)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn id(&self) -> [u8; 8] {
        let digest = Sha256::new()
            .chain_update(KEY_ID_LABEL)
            .chain_update(self.0.as_ref())
            .finalize();
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        id
    }
}

/// A keyring vault's random id, recorded in its header.
pub(crate) type VaultId = [u8; 16];

pub(crate) fn new_vault_id() -> VaultId {
    let mut id = [0u8; 16];
    rand::rng().fill_bytes(&mut id);
    id
}

/// Argon2id settings stored in the header of a passphrase vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KdfParams {
    pub(crate) m_cost: u32,
    pub(crate) t_cost: u32,
    pub(crate) p_cost: u32,
    pub(crate) salt: [u8; 16],
}

/// The parsed header (everything but the ciphertext).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) kind: KeyKind,
    key_id: [u8; 8],
    pub(crate) kdf: Option<KdfParams>,
    /// Names the keyring entry (keyring vaults of version 2 only).
    pub(crate) vault_id: Option<VaultId>,
    nonce: [u8; 24],
    ct_len: u64,
}

/// Why file bytes are not a readable vault; `vault.rs` adds the path and picks the sentence.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FormatError {
    NotAVault,
    UnsupportedVersion(u8),
    Truncated,
    /// Bytes were changed, added or removed after the file was written.
    Damaged,
    /// Sealed with another key.
    WrongKey,
    /// The payload is beyond what the cipher can encrypt under one nonce (256 GiB).
    TooLarge,
}

impl Header {
    fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        out[0..8].copy_from_slice(&MAGIC);
        out[8] = VERSION;
        out[9] = self.kind.code();
        out[12..20].copy_from_slice(&self.key_id);
        if let Some(kdf) = &self.kdf {
            out[20..24].copy_from_slice(&kdf.m_cost.to_le_bytes());
            out[24..28].copy_from_slice(&kdf.t_cost.to_le_bytes());
            out[28..32].copy_from_slice(&kdf.p_cost.to_le_bytes());
            out[32..48].copy_from_slice(&kdf.salt);
        } else if let Some(id) = &self.vault_id {
            out[8] = VERSION_WITH_ID;
            out[32..48].copy_from_slice(id);
        }
        out[48..72].copy_from_slice(&self.nonce);
        out[72..80].copy_from_slice(&self.ct_len.to_le_bytes());
        out
    }
}

/// Parses and checks the header only; needs no key (used to find the salt and key kind).
pub(crate) fn read_header(bytes: &[u8]) -> Result<Header, FormatError> {
    let magic_len = bytes.len().min(MAGIC.len());
    if bytes[..magic_len] != MAGIC[..magic_len] {
        return Err(FormatError::NotAVault);
    }
    if bytes.len() < HEADER_LEN {
        return Err(FormatError::Truncated);
    }
    let version = bytes[8];
    if version != VERSION && version != VERSION_WITH_ID {
        return Err(FormatError::UnsupportedVersion(version));
    }
    let kind = KeyKind::from_code(bytes[9]).ok_or(FormatError::Damaged)?;
    let u32_at =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let kdf = KdfParams {
        m_cost: u32_at(20),
        t_cost: u32_at(24),
        p_cost: u32_at(28),
        salt: array_at(bytes, 32),
    };
    let (kdf, vault_id) = match (kind, version) {
        (KeyKind::Passphrase, VERSION) => (Some(kdf), None),
        (KeyKind::Keyring, VERSION_WITH_ID) if bytes[20..32].iter().all(|&b| b == 0) => {
            (None, Some(array_at(bytes, 32)))
        }
        // A version 1 keyring or key-file vault has zeros there; anything else is a changed byte.
        (KeyKind::Keyring | KeyKind::KeyFile, VERSION) if bytes[20..48].iter().all(|&b| b == 0) => {
            (None, None)
        }
        _ => return Err(FormatError::Damaged),
    };
    if bytes[10..12] != [0, 0] {
        return Err(FormatError::Damaged);
    }
    let ct_len = u64::from_le_bytes(array_at(bytes, 72));
    let actual = (bytes.len() - HEADER_LEN) as u64;
    if actual < ct_len {
        return Err(FormatError::Truncated);
    }
    if actual > ct_len || ct_len < TAG_LEN as u64 {
        return Err(FormatError::Damaged);
    }
    Ok(Header {
        kind,
        key_id: array_at(bytes, 12),
        kdf,
        vault_id,
        nonce: array_at(bytes, 48),
        ct_len,
    })
}

fn array_at<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes[at..at + N]);
    out
}

/// Encrypts `payload` into complete vault file bytes with a fresh random nonce. `vault_id` is
/// recorded for a keyring vault only.
pub(crate) fn seal(
    key: &VaultKey,
    kind: KeyKind,
    kdf: Option<KdfParams>,
    vault_id: Option<VaultId>,
    payload: &[u8],
) -> Result<Vec<u8>, FormatError> {
    let mut nonce = [0u8; 24];
    // 24 random bytes make a nonce collision negligible, which is why XChaCha is used.
    rand::rng().fill_bytes(&mut nonce);
    let header = Header {
        kind,
        key_id: key.id(),
        kdf: if kind == KeyKind::Passphrase {
            kdf
        } else {
            None
        },
        vault_id: if kind == KeyKind::Keyring {
            vault_id
        } else {
            None
        },
        nonce,
        ct_len: (payload.len() + TAG_LEN) as u64,
    };
    let aad = header.encode();
    let cipher = XChaCha20Poly1305::new(key.as_bytes().into());
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: payload,
                aad: &aad,
            },
        )
        .map_err(|_| FormatError::TooLarge)?;
    let mut out = Vec::with_capacity(HEADER_LEN + ciphertext.len());
    out.extend_from_slice(&aad);
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Checks that `key` is the key the header names, without decrypting anything.
pub(crate) fn check_key(header: &Header, key: &VaultKey) -> Result<(), FormatError> {
    if header.key_id == key.id() {
        Ok(())
    } else {
        Err(FormatError::WrongKey)
    }
}

/// Authenticates and decrypts complete vault file bytes.
pub(crate) fn unseal(key: &VaultKey, bytes: &[u8]) -> Result<Zeroizing<Vec<u8>>, FormatError> {
    let header = read_header(bytes)?;
    check_key(&header, key)?;
    let cipher = XChaCha20Poly1305::new(key.as_bytes().into());
    cipher
        .decrypt(
            &XNonce::from(header.nonce),
            Payload {
                msg: &bytes[HEADER_LEN..],
                aad: &bytes[..HEADER_LEN],
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| FormatError::Damaged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kdf() -> KdfParams {
        KdfParams {
            m_cost: 64,
            t_cost: 1,
            p_cost: 1,
            salt: [7; 16],
        }
    }

    #[test]
    fn store_format_round_trip_for_every_kind() {
        let key = VaultKey::random();
        for kind in [KeyKind::Keyring, KeyKind::Passphrase, KeyKind::KeyFile] {
            for payload in [&b""[..], b"x", &[0xAB; 5000]] {
                let sealed = seal(&key, kind, Some(kdf()), None, payload).expect("seal");
                assert_eq!(sealed.len(), HEADER_LEN + payload.len() + TAG_LEN);
                let header = read_header(&sealed).expect("header");
                assert_eq!(header.kind, kind);
                assert_eq!(header.kdf.is_some(), kind == KeyKind::Passphrase);
                assert_eq!(unseal(&key, &sealed).expect("unseal").as_slice(), payload);
            }
        }
    }

    #[test]
    fn store_format_keyring_vault_keeps_its_id() {
        let key = VaultKey::random();
        let id = new_vault_id();
        let sealed = seal(&key, KeyKind::Keyring, None, Some(id), b"x").expect("seal");
        assert_eq!(sealed[8], VERSION_WITH_ID);
        assert_eq!(read_header(&sealed).expect("header").vault_id, Some(id));
        assert_eq!(unseal(&key, &sealed).expect("unseal").as_slice(), b"x");
        // Other kinds have no entry to name: no id, version 1.
        let sealed = seal(&key, KeyKind::KeyFile, None, Some(id), b"x").expect("seal");
        assert_eq!(sealed[8], VERSION);
        assert_eq!(read_header(&sealed).expect("header").vault_id, None);
    }

    #[test]
    fn store_format_nonce_is_fresh_per_write() {
        let key = VaultKey::random();
        let a = seal(&key, KeyKind::Keyring, None, None, b"same").expect("seal");
        let b = seal(&key, KeyKind::Keyring, None, None, b"same").expect("seal");
        assert_ne!(a[48..72], b[48..72]);
        assert_ne!(a, b);
    }

    #[test]
    fn store_format_every_flipped_bit_is_caught() {
        let key = VaultKey::random();
        let sealed = seal(
            &key,
            KeyKind::Passphrase,
            Some(kdf()),
            None,
            b"session bytes",
        )
        .expect("seal");
        for at in 0..sealed.len() {
            for bit in [0x01, 0x80] {
                let mut bad = sealed.clone();
                bad[at] ^= bit;
                assert!(
                    unseal(&key, &bad).is_err(),
                    "flip at byte {at} went unnoticed"
                );
            }
        }
    }

    #[test]
    fn store_format_every_truncation_is_caught() {
        let key = VaultKey::random();
        let sealed = seal(&key, KeyKind::Keyring, None, None, b"session bytes").expect("seal");
        for len in 0..sealed.len() {
            let err = unseal(&key, &sealed[..len]).expect_err("truncated vault opened");
            assert_eq!(err, FormatError::Truncated, "cut at {len}");
        }
    }

    #[test]
    fn store_format_appended_bytes_are_caught() {
        let key = VaultKey::random();
        let mut sealed = seal(&key, KeyKind::Keyring, None, None, b"x").expect("seal");
        sealed.push(0);
        assert_eq!(unseal(&key, &sealed), Err(FormatError::Damaged));
    }

    #[test]
    fn store_format_other_key_is_named_as_such() {
        let sealed = seal(&VaultKey::random(), KeyKind::Keyring, None, None, b"x").expect("seal");
        assert_eq!(
            unseal(&VaultKey::random(), &sealed),
            Err(FormatError::WrongKey)
        );
    }

    #[test]
    fn store_format_foreign_files_are_not_vaults() {
        let key = VaultKey::random();
        assert_eq!(
            unseal(&key, b"{\"json\": true}"),
            Err(FormatError::NotAVault)
        );
        let mut newer = seal(&key, KeyKind::Keyring, None, None, b"x").expect("seal");
        newer[8] = 3;
        assert_eq!(
            unseal(&key, &newer),
            Err(FormatError::UnsupportedVersion(3))
        );
    }
}

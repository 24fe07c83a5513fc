//! The server side of MTProto 2.0 message encryption.
//!
//! grammers-crypto derives message keys for the client only (x = 0 to encrypt, x = 8 to
//! decrypt); a data-centre does the mirror image, so these few lines are ours.

use grammers_crypto::aes;
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// A permanent authorization key shared by fakegram and a pre-seeded client session.
#[derive(Clone)]
pub struct AuthKey {
    data: [u8; 256],
    id: [u8; 8],
}

impl std::fmt::Debug for AuthKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuthKey({:016x})", u64::from_le_bytes(self.id))
    }
}

impl AuthKey {
    pub fn new(data: [u8; 256]) -> Self {
        let sha = Sha1::digest(data);
        let mut id = [0; 8];
        id.copy_from_slice(&sha[12..20]);
        Self { data, id }
    }

    /// A fresh random key.
    pub fn random() -> Self {
        let mut data = [0u8; 256];
        rand::Rng::fill(&mut rand::rng(), &mut data[..]);
        Self::new(data)
    }

    pub fn bytes(&self) -> [u8; 256] {
        self.data
    }

    pub fn id(&self) -> [u8; 8] {
        self.id
    }
}

/// Why an incoming packet could not be decrypted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("encrypted packet has a bad length ({0} bytes)")]
    BadLength(usize),
    #[error("packet is for an unknown auth key")]
    UnknownKey,
    #[error("msg_key does not match the plaintext")]
    BadMsgKey,
}

/// `x` from the MTProto 2.0 description: 0 for client→server, 8 for server→client.
const FROM_CLIENT: usize = 0;
const FROM_SERVER: usize = 8;

fn calc_key(key: &AuthKey, msg_key: &[u8; 16], x: usize) -> ([u8; 32], [u8; 32]) {
    let a = Sha256::new()
        .chain_update(msg_key)
        .chain_update(&key.data[x..x + 36])
        .finalize();
    let b = Sha256::new()
        .chain_update(&key.data[40 + x..40 + x + 36])
        .chain_update(msg_key)
        .finalize();
    let mut aes_key = [0u8; 32];
    aes_key[..8].copy_from_slice(&a[..8]);
    aes_key[8..24].copy_from_slice(&b[8..24]);
    aes_key[24..].copy_from_slice(&a[24..]);
    let mut aes_iv = [0u8; 32];
    aes_iv[..8].copy_from_slice(&b[..8]);
    aes_iv[8..24].copy_from_slice(&a[8..24]);
    aes_iv[24..].copy_from_slice(&b[24..]);
    (aes_key, aes_iv)
}

fn msg_key_for(key: &AuthKey, plaintext: &[u8], x: usize) -> [u8; 16] {
    let large = Sha256::new()
        .chain_update(&key.data[88 + x..88 + x + 32])
        .chain_update(plaintext)
        .finalize();
    let mut out = [0u8; 16];
    out.copy_from_slice(&large[8..24]);
    out
}

/// Reads the auth_key_id of an encrypted packet.
pub fn key_id_of(packet: &[u8]) -> Option<[u8; 8]> {
    packet.get(..8).and_then(|s| s.try_into().ok())
}

/// Decrypts a client's packet (`auth_key_id ‖ msg_key ‖ encrypted_data`) in place and returns
/// the plaintext (salt, session_id, message…, padding).
pub fn decrypt_from_client<'a>(
    key: &AuthKey,
    packet: &'a mut [u8],
) -> Result<&'a [u8], CryptoError> {
    if packet.len() < 24 + 32 || !(packet.len() - 24).is_multiple_of(16) {
        return Err(CryptoError::BadLength(packet.len()));
    }
    if packet[..8] != key.id {
        return Err(CryptoError::UnknownKey);
    }
    let mut msg_key = [0u8; 16];
    msg_key.copy_from_slice(&packet[8..24]);
    let (aes_key, aes_iv) = calc_key(key, &msg_key, FROM_CLIENT);
    let body = &mut packet[24..];
    aes::ige_decrypt(body, &aes_key, &aes_iv);
    if msg_key_for(key, body, FROM_CLIENT) != msg_key {
        return Err(CryptoError::BadMsgKey);
    }
    Ok(&packet[24..])
}

/// Encrypts a server plaintext (salt, session_id, message) for the client, adding 12–1024
/// bytes of random padding as MTProto 2.0 requires.
pub fn encrypt_for_client(key: &AuthKey, plaintext: &[u8]) -> Vec<u8> {
    let mut rng = rand::rng();
    // 12..=1024 bytes and a multiple of 16 overall: pick a base of 12..=27, then round up.
    let mut padding = 12 + rand::Rng::random_range(&mut rng, 0..16usize);
    padding += (16 - (plaintext.len() + padding) % 16) % 16;
    let mut body = Vec::with_capacity(plaintext.len() + padding);
    body.extend_from_slice(plaintext);
    let mut pad = vec![0u8; padding];
    rand::Rng::fill(&mut rng, &mut pad[..]);
    body.extend_from_slice(&pad);
    let msg_key = msg_key_for(key, &body, FROM_SERVER);
    let (aes_key, aes_iv) = calc_key(key, &msg_key, FROM_SERVER);
    aes::ige_encrypt(&mut body, &aes_key, &aes_iv);
    let mut out = Vec::with_capacity(24 + body.len());
    out.extend_from_slice(&key.id);
    out.extend_from_slice(&msg_key);
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use grammers_crypto::{decrypt_data_v2, encrypt_data_v2, DequeBuffer};

    fn key() -> AuthKey {
        let mut data = [0u8; 256];
        for (i, b) in data.iter_mut().enumerate() {
            *b = (i * 7 + 3) as u8;
        }
        AuthKey::new(data)
    }

    #[test]
    fn decrypts_what_the_grammers_client_encrypts() {
        let key = key();
        let client_key = grammers_crypto::AuthKey::from_bytes(key.bytes());
        let plaintext: Vec<u8> = (0..64u8).collect();
        let mut buf = DequeBuffer::with_capacity(128, 64);
        buf.extend(plaintext.iter().copied());
        encrypt_data_v2(&mut buf, &client_key);
        let mut packet = buf.as_ref().to_vec();
        let got = decrypt_from_client(&key, &mut packet).expect("decrypts");
        assert_eq!(&got[..64], &plaintext[..]);
    }

    #[test]
    fn the_grammers_client_decrypts_what_we_encrypt() {
        let key = key();
        let client_key = grammers_crypto::AuthKey::from_bytes(key.bytes());
        let plaintext: Vec<u8> = (0..100u8).map(|i| i.wrapping_mul(3)).collect();
        let mut packet = encrypt_for_client(&key, &plaintext);
        assert!(packet.len() - 24 - plaintext.len() >= 12);
        let got = decrypt_data_v2(&mut packet, &client_key).expect("client decrypts");
        assert_eq!(&got[..100], &plaintext[..]);
    }

    #[test]
    fn tampered_packet_is_rejected() {
        let key = key();
        let client_key = grammers_crypto::AuthKey::from_bytes(key.bytes());
        let mut buf = DequeBuffer::with_capacity(64, 64);
        buf.extend([1u8; 32]);
        encrypt_data_v2(&mut buf, &client_key);
        let mut packet = buf.as_ref().to_vec();
        let last = packet.len() - 1;
        packet[last] ^= 1;
        assert_eq!(
            decrypt_from_client(&key, &mut packet),
            Err(CryptoError::BadMsgKey)
        );
    }
}

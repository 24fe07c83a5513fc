//! The server side of Telegram's SRP 2FA check (<https://core.telegram.org/api/srp>).
//!
//! The fake knows the password, derives the verifier `v` from it, and checks the client's
//! proof `M1` the way Telegram does: it never sees the password on the wire.

use num_bigint::BigUint;
use sha2::{Digest, Sha256, Sha512};

/// Telegram's published 2048-bit safe prime; with g = 3 it passes grammers' checks.
const PRIME_HEX: &str = "C71CAEB9C6B1C9048E6C522F70F13F73980D40238E3E21C14934D037563D930F48198A0AA7C14058229493D22530F4DBFA336F6E0AC925139543AED44CCE7C3720FD51F69458705AC68CD4FE6B6B13ABDC9746512969328454F18FAF8C595F642477FE96BB2A941D5BCD1D4AC8CC49880708FA9B378E3C4F3A9060BEE67CF9A4A4A695811051907E162753B56B0F6B410DBA74D8A84B2A14B3144E0EF1284754FD17ED950D5965B4B9DD46582DB1178D169C6BC465B0D6FF9CA3928FEF5B9AE4E418FC15E83EBEA0F87FA9FF5EED70050DED2849F47BF959D956850CE929851F0D8115F635B105EE2E4E15D04B2454BF6F4FADF034B10403119CD8E3B92FCC5B";
pub const G: i32 = 3;

pub fn prime() -> Vec<u8> {
    (0..PRIME_HEX.len())
        .step_by(2)
        .filter_map(|i| u8::from_str_radix(&PRIME_HEX[i..i + 2], 16).ok())
        .collect()
}

fn pad256(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 256usize.saturating_sub(bytes.len())];
    out.extend_from_slice(bytes);
    out
}

fn h(parts: &[&[u8]]) -> [u8; 32] {
    let mut d = Sha256::new();
    for p in parts {
        d.update(p);
    }
    d.finalize().into()
}

fn sh(data: &[u8], salt: &[u8]) -> [u8; 32] {
    h(&[salt, data, salt])
}

/// PH2(password, salt1, salt2) from the SRP description.
fn ph2(password: &[u8], salt1: &[u8], salt2: &[u8]) -> [u8; 32] {
    let ph1 = sh(&sh(password, salt1), salt2);
    let mut out = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<Sha512>(&ph1, salt1, 100_000, &mut out);
    sh(&out, salt2)
}

/// The account's password parameters.
#[derive(Clone)]
pub struct Params {
    pub salt1: Vec<u8>,
    pub salt2: Vec<u8>,
    v: BigUint,
}

impl Params {
    pub fn new(password: &str) -> Self {
        let salt1: Vec<u8> = (0..40).map(|_| rand::random::<u8>()).collect();
        let salt2: Vec<u8> = (0..16).map(|_| rand::random::<u8>()).collect();
        let p = BigUint::from_bytes_be(&prime());
        let x = BigUint::from_bytes_be(&ph2(password.as_bytes(), &salt1, &salt2));
        let v = BigUint::from(G as u32).modpow(&x, &p);
        Self { salt1, salt2, v }
    }
}

/// One login attempt's server secret and public value.
pub struct Challenge {
    pub srp_id: i64,
    pub params: Params,
    b: BigUint,
    pub g_b: Vec<u8>,
}

fn k() -> BigUint {
    let p = prime();
    BigUint::from_bytes_be(&h(&[&p, &pad256(&[G as u8])]))
}

impl Challenge {
    pub fn new(params: Params) -> Self {
        let p = BigUint::from_bytes_be(&prime());
        let b_bytes: Vec<u8> = (0..256).map(|_| rand::random::<u8>()).collect();
        let b = BigUint::from_bytes_be(&b_bytes);
        let g = BigUint::from(G as u32);
        let g_b = (k() * &params.v + g.modpow(&b, &p)) % &p;
        Self {
            srp_id: rand::random(),
            params,
            b,
            g_b: pad256(&g_b.to_bytes_be()),
        }
    }

    /// Checks the client's `A` and `M1`.
    pub fn verify(&self, g_a: &[u8], m1: &[u8]) -> bool {
        let p_bytes = prime();
        let p = BigUint::from_bytes_be(&p_bytes);
        let a = BigUint::from_bytes_be(g_a);
        if a == BigUint::ZERO || a >= p {
            return false;
        }
        let g_a = pad256(g_a);
        let u = BigUint::from_bytes_be(&h(&[&g_a, &self.g_b]));
        // S = (A · v^u)^b mod p
        let s = (a * self.params.v.modpow(&u, &p) % &p).modpow(&self.b, &p);
        let k_s = h(&[&pad256(&s.to_bytes_be())]);
        let h_p = h(&[&p_bytes]);
        let h_g = h(&[&pad256(&[G as u8])]);
        let xor: Vec<u8> = h_p.iter().zip(h_g.iter()).map(|(x, y)| x ^ y).collect();
        let expected = h(&[
            &xor,
            &h(&[&self.params.salt1]),
            &h(&[&self.params.salt2]),
            &g_a,
            &self.g_b,
            &k_s,
        ]);
        expected.as_slice() == m1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammers_proof_for_the_right_password_verifies_and_a_wrong_one_does_not() {
        let params = Params::new("demo");
        let ch = Challenge::new(params.clone());
        let a: Vec<u8> = (0..256).map(|i| (i * 31 + 7) as u8).collect();
        let (m1, g_a) = grammers_crypto::two_factor_auth::calculate_2fa(
            &params.salt1,
            &params.salt2,
            &prime(),
            &G,
            ch.g_b.clone(),
            a.clone(),
            "demo",
        );
        assert!(ch.verify(&g_a, &m1));
        let (m1, g_a) = grammers_crypto::two_factor_auth::calculate_2fa(
            &params.salt1,
            &params.salt2,
            &prime(),
            &G,
            ch.g_b.clone(),
            a,
            "wrong",
        );
        assert!(!ch.verify(&g_a, &m1));
    }

    #[test]
    fn prime_passes_the_clients_safety_check() {
        assert!(grammers_crypto::two_factor_auth::check_p_and_g(
            &prime(),
            &G
        ));
    }
}

//! Argon2id hashes for user passwords and API client secrets.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;

pub fn hash(secret: &str) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default()
        .hash_password(secret.as_bytes(), &salt)?
        .to_string())
}

pub fn verify(secret: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Verified against when the account does not exist, so that an unknown email costs
/// the same time as a wrong password and response times do not reveal accounts.
static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash("decoy password never matched").unwrap_or_default());

pub fn verify_decoy(secret: &str) {
    verify(secret, &DECOY_HASH);
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hash_verifies_its_secret_only() {
        let stored = super::hash("correct horse battery staple").expect("hash");
        assert!(stored.starts_with("$argon2id$"));
        assert!(super::verify("correct horse battery staple", &stored));
        assert!(!super::verify("Correct horse battery staple", &stored));
        assert!(!super::verify("anything", "not a hash"));
    }
}

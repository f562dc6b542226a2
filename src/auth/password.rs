//! Argon2id hashes for user passwords and API client secrets, computed in working
//! memory the caller may keep from one hash to the next.

use std::sync::LazyLock;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;

/// Argon2's working memory (19 MiB with the default parameters). A server keeps one per
/// hashing turn: allocated afresh for every hash, it left the allocator holding over a
/// gigabyte after a minute of login flood (bench/), memory it never gave back.
#[derive(Default)]
pub struct Memory(Vec<Block>);

impl Memory {
    fn blocks(&mut self, params: &Params) -> &mut [Block] {
        let count = params.block_count();
        if self.0.len() < count {
            self.0.resize(count, Block::default());
        }
        &mut self.0[..count]
    }
}

/// Hashes `secret` with a fresh salt into `memory`; the PHC string to store.
pub fn hash_in(secret: &str, memory: &mut Memory) -> Result<String, argon2::password_hash::Error> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt_string = SaltString::encode_b64(&salt)?;
    let params = Params::default();
    let mut out = vec![0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            secret.as_bytes(),
            &salt,
            &mut out,
            memory.blocks(&params),
        )?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt_string.as_salt()),
        hash: Some(Output::new(&out)?),
    };
    Ok(phc.to_string())
}

/// Whether `secret` matches the PHC string `stored`, computed in `memory` with the
/// parameters `stored` names; a string that is no argon2 hash matches nothing.
pub fn verify_in(secret: &str, stored: &str, memory: &mut Memory) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let version = parsed
        .version
        .map_or(Ok(Version::V0x13), Version::try_from)
        .unwrap_or(Version::V0x13);
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let computed = Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        secret.as_bytes(),
        salt,
        &mut out,
        memory.blocks(&params),
    );
    // `Output` compares in constant time.
    computed.is_ok() && Output::new(&out).is_ok_and(|out| out == expected)
}

pub fn hash(secret: &str) -> Result<String, argon2::password_hash::Error> {
    hash_in(secret, &mut Memory::default())
}

pub fn verify(secret: &str, stored_hash: &str) -> bool {
    verify_in(secret, stored_hash, &mut Memory::default())
}

/// Verified against when the account does not exist, so that an unknown email costs
/// the same time as a wrong password and response times do not reveal accounts.
static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash("decoy password never matched").unwrap_or_default());

pub fn verify_decoy_in(secret: &str, memory: &mut Memory) {
    verify_in(secret, &DECOY_HASH, memory);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_secret_only() {
        let stored = hash("correct horse battery staple").expect("hash");
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery staple", &stored));
        assert!(!verify("Correct horse battery staple", &stored));
        assert!(!verify("anything", "not a hash"));
    }

    #[test]
    fn hashes_agree_with_the_argon2_crate_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let ours = hash("s3cret enough").expect("hash");
        let parsed = PasswordHash::new(&ours).expect("a PHC string");
        assert!(
            Argon2::default()
                .verify_password(b"s3cret enough", &parsed)
                .is_ok()
        );
        let salt = SaltString::encode_b64(b"sixteen byte slt").expect("salt");
        let theirs = Argon2::default()
            .hash_password(b"s3cret enough", &salt)
            .expect("hash")
            .to_string();
        let mut memory = Memory::default();
        assert!(verify_in("s3cret enough", &theirs, &mut memory));
        assert!(!verify_in("s3cret enougH", &theirs, &mut memory));
    }
}

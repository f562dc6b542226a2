//! Checkpoints of the ledger's hash chain: the text a checkpoint signs, the Ed25519 key
//! that signs it, and the check of a signature under a published public key.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};

/// Text a checkpoint signs: "ose-ledger-checkpoint-v1\n{seq}\n{hash}\n{signed_at}" with
/// signed_at formatted %Y-%m-%dT%H:%M:%S%.6fZ (UTC), no trailing newline.
pub fn message(seq: i64, hash: &str, signed_at: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "ose-ledger-checkpoint-v1\n{seq}\n{hash}\n{}",
        super::ledger::canonical_time(signed_at.naive_utc())
    )
}

/// The key that signs checkpoints. Its seed never leaves it (tests read it back).
pub struct Signer {
    key: SigningKey,
}

impl Signer {
    /// From the base64 (standard alphabet, padded) of a 32-byte Ed25519 seed; Err(String)
    /// with a clear reason otherwise.
    pub fn from_base64(seed: &str) -> Result<Signer, String> {
        // The decoder's own error names the offending character: part of a secret, so
        // it is not repeated.
        let bytes = STANDARD
            .decode(seed)
            .map_err(|_| "the signing seed is not base64 (standard alphabet, padded)".to_owned())?;
        let seed: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            format!(
                "the signing seed must be 32 bytes (44 base64 characters), got {} bytes",
                bytes.len()
            )
        })?;
        Ok(Signer {
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// A fresh random key (32 bytes from the thread's cryptographic generator).
    pub fn generate() -> Signer {
        // `rand::random`, not `SigningKey::generate`: that one needs ed25519-dalek's
        // rand_core feature, whose rand_core version differs from rand 0.9's.
        Signer {
            key: SigningKey::from_bytes(&rand::random::<[u8; 32]>()),
        }
    }

    /// The public key, base64 (standard, padded) of its 32 bytes.
    pub fn public_key(&self) -> String {
        STANDARD.encode(self.key.verifying_key().as_bytes())
    }

    /// The seed as base64 (tests check that it round-trips and never shows).
    #[cfg(test)]
    pub fn seed_base64(&self) -> String {
        STANDARD.encode(self.key.as_bytes())
    }

    /// Base64 of the 64-byte signature of `message`.
    pub fn sign(&self, message: &str) -> String {
        STANDARD.encode(self.key.sign(message.as_bytes()).to_bytes())
    }
}

impl std::fmt::Debug for Signer {
    /// The public key only: a logged configuration must not reveal the seed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("public_key", &self.public_key())
            .finish_non_exhaustive()
    }
}

/// Why a signature is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadSignature {
    #[error("the public key is not the base64 of an Ed25519 public key")]
    Key,
    #[error("the signature is not the base64 of 64 bytes")]
    Signature,
    #[error("the signature does not verify")]
    Mismatch,
}

/// Checks `signature` (base64) of `message` under `public_key` (base64), strictly
/// (`verify_strict`: weak keys and non-canonical signatures are refused, so a signature
/// cannot be altered into another valid one).
pub fn verify(public_key: &str, message: &str, signature: &str) -> Result<(), BadSignature> {
    let key: [u8; 32] = STANDARD
        .decode(public_key)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(BadSignature::Key)?;
    let key = VerifyingKey::from_bytes(&key).map_err(|_| BadSignature::Key)?;
    let signature: [u8; 64] = STANDARD
        .decode(signature)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(BadSignature::Signature)?;
    key.verify_strict(message.as_bytes(), &Signature::from_bytes(&signature))
        .map_err(|_| BadSignature::Mismatch)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    const SEED_OF_SEVENS: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

    fn signed_at() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 1, 10, 0, 0).unwrap() + chrono::Duration::milliseconds(500)
    }

    const HEAD: &str = "42a9c41f419e4490a12ee707b11c1e72fa00619d3f7e72c44ee572547759cab4";

    #[test]
    fn the_message_is_versioned_lines_without_a_trailing_newline() {
        assert_eq!(
            message(42, HEAD, signed_at()),
            format!("ose-ledger-checkpoint-v1\n42\n{HEAD}\n2027-03-01T10:00:00.500000Z")
        );
        let whole_second = Utc.with_ymd_and_hms(2027, 12, 31, 23, 59, 59).unwrap();
        assert!(message(0, HEAD, whole_second).ends_with("\n2027-12-31T23:59:59.000000Z"));
    }

    #[test]
    fn a_fixed_seed_gives_a_stable_key_and_signature() {
        // Public key and signature computed with Python's `cryptography` (the key also
        // with `openssl pkey`): Ed25519 signatures are deterministic.
        let signer = Signer::from_base64(SEED_OF_SEVENS).unwrap();
        assert_eq!(signer.seed_base64(), SEED_OF_SEVENS);
        assert_eq!(
            signer.public_key(),
            "6kpsY+KcUgq+9VB7Ey7F+ZVHdq6+vnuSQh7qaRRG0iw="
        );
        let signature = signer.sign(&message(42, HEAD, signed_at()));
        assert_eq!(
            signature,
            "lx3Qfj90Therua6tRBH394Cdz6NtP8pPCTYik/JZv7ov+LPF0QQQb1e6d+M4uR8xZbYgsX7MdVQhSs2ObVD3CA=="
        );
    }

    #[test]
    fn a_signature_verifies_and_any_change_fails() {
        let signer = Signer::generate();
        let key = signer.public_key();
        let signed = message(42, HEAD, signed_at());
        let signature = signer.sign(&signed);
        assert_eq!(verify(&key, &signed, &signature), Ok(()));

        let other_hash = format!("{}5", &HEAD[..63]);
        let later = signed_at() + chrono::Duration::microseconds(1);
        for changed in [
            message(43, HEAD, signed_at()),
            message(42, &other_hash, signed_at()),
            message(42, HEAD, later),
            format!("{signed}\n"),
        ] {
            assert_eq!(
                verify(&key, &changed, &signature),
                Err(BadSignature::Mismatch)
            );
        }
        let mut bytes = STANDARD.decode(&signature).unwrap();
        for index in [0, 31, 32, 63] {
            bytes[index] ^= 1;
            assert_eq!(
                verify(&key, &signed, &STANDARD.encode(&bytes)),
                Err(BadSignature::Mismatch)
            );
            bytes[index] ^= 1;
        }
        let another = Signer::generate().public_key();
        assert_ne!(another, key);
        assert_eq!(
            verify(&another, &signed, &signature),
            Err(BadSignature::Mismatch)
        );
    }

    #[test]
    fn unreadable_keys_and_signatures_are_told_apart() {
        let signer = Signer::from_base64(SEED_OF_SEVENS).unwrap();
        let key = signer.public_key();
        let signature = signer.sign("m");
        assert_eq!(verify(&key, "m", &signature), Ok(()));
        assert_eq!(
            verify("not base64!", "m", &signature),
            Err(BadSignature::Key)
        );
        assert_eq!(
            verify(&STANDARD.encode([7; 31]), "m", &signature),
            Err(BadSignature::Key)
        );
        assert_eq!(verify(&key, "m", "***"), Err(BadSignature::Signature));
        assert_eq!(
            verify(&key, "m", &STANDARD.encode([0; 63])),
            Err(BadSignature::Signature)
        );
        // Unpadded base64 is not the documented form.
        assert_eq!(
            verify(key.trim_end_matches('='), "m", &signature),
            Err(BadSignature::Key)
        );
    }

    #[test]
    fn from_base64_refuses_what_is_not_a_padded_32_byte_seed() {
        for (seed, reason) in [
            (STANDARD.encode([7; 31]), "got 31 bytes"),
            (STANDARD.encode([7; 33]), "got 33 bytes"),
            (String::new(), "got 0 bytes"),
            (
                "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc".to_owned(),
                "not base64",
            ),
            (
                "Bwc-BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=".to_owned(),
                "not base64",
            ),
        ] {
            let error = Signer::from_base64(&seed).unwrap_err();
            assert!(error.contains(reason), "{seed:?}: {error}");
        }
    }

    #[test]
    fn debug_shows_the_public_key_and_never_the_seed() {
        let signer = Signer::from_base64(SEED_OF_SEVENS).unwrap();
        let shown = format!("{signer:?}");
        assert!(shown.contains(&signer.public_key()), "{shown}");
        assert!(!shown.contains(SEED_OF_SEVENS), "{shown}");
        assert!(
            !shown.contains("BwcH") && !shown.contains("7, 7"),
            "{shown}"
        );

        let generated = Signer::generate();
        let shown = format!("{generated:#?}");
        assert!(!shown.contains(&generated.seed_base64()), "{shown}");
        assert_eq!(
            Signer::from_base64(&generated.seed_base64())
                .unwrap()
                .public_key(),
            generated.public_key()
        );
    }
}

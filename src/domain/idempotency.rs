//! Idempotency keys: what a key may look like, how a request is fingerprinted, and what
//! a retried request gets depending on what the first one left behind.

use chrono::{Duration, NaiveDateTime};
use sha2::{Digest, Sha256};

/// How long a key answers for its first request.
pub const RETENTION_HOURS: i64 = 24;
/// An in-flight key older than this belongs to a request that died with its process;
/// a retry may take it over.
pub const ABANDONED_AFTER_SECONDS: i64 = 300;
pub const MAX_KEY_CHARS: usize = 255;

/// Keys are opaque to the server: 1 to 255 visible ASCII characters.
pub fn is_valid_key(key: &str) -> bool {
    (1..=MAX_KEY_CHARS).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The request as far as idempotency cares: method, path and (canonical) body.
pub fn fingerprint(method: &str, path: &str, canonical_body: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [method, path, canonical_body] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What the store holds for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub fingerprint: String,
    pub completed: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The key is free (never used, expired or abandoned): run the request.
    Run,
    /// The first request with this key completed: answer what it answered.
    Replay,
    /// The key was used for another request.
    Mismatch,
    /// The first request is still running.
    InFlight,
}

pub fn decide(stored: Option<&Stored>, fingerprint: &str, now: NaiveDateTime) -> Decision {
    let Some(stored) = stored else {
        return Decision::Run;
    };
    let age = now - stored.created_at;
    if age >= Duration::hours(RETENTION_HOURS) {
        return Decision::Run;
    }
    if stored.fingerprint != fingerprint {
        return Decision::Mismatch;
    }
    if stored.completed {
        Decision::Replay
    } else if age >= Duration::seconds(ABANDONED_AFTER_SECONDS) {
        Decision::Run
    } else {
        Decision::InFlight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            + Duration::minutes(minutes)
    }

    fn stored(fingerprint: &str, completed: bool, minutes: i64) -> Stored {
        Stored {
            fingerprint: fingerprint.to_owned(),
            completed,
            created_at: at(minutes),
        }
    }

    #[test]
    fn keys_are_visible_ascii_up_to_255_characters() {
        assert!(is_valid_key("a") && is_valid_key(&"k".repeat(255)));
        assert!(is_valid_key("0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa"));
        assert!(!is_valid_key("") && !is_valid_key(&"k".repeat(256)));
        assert!(!is_valid_key("with space") && !is_valid_key("clé"));
    }

    #[test]
    fn fingerprints_tell_method_path_and_body_apart() {
        let base = fingerprint("POST", "/a", "{}");
        assert_eq!(base, fingerprint("POST", "/a", "{}"));
        assert_eq!(base.len(), 64);
        assert_ne!(base, fingerprint("POST", "/b", "{}"));
        assert_ne!(base, fingerprint("PUT", "/a", "{}"));
        assert_ne!(base, fingerprint("POST", "/a", "{ }"));
        // Parts cannot bleed into each other.
        assert_ne!(
            fingerprint("POST", "/a", "b"),
            fingerprint("POST", "/ab", "")
        );
    }

    #[test]
    fn a_retry_replays_mismatches_or_waits() {
        assert_eq!(decide(None, "f", at(0)), Decision::Run);
        assert_eq!(
            decide(Some(&stored("f", true, 0)), "f", at(1)),
            Decision::Replay
        );
        assert_eq!(
            decide(Some(&stored("f", true, 0)), "g", at(1)),
            Decision::Mismatch
        );
        assert_eq!(
            decide(Some(&stored("f", false, 0)), "g", at(1)),
            Decision::Mismatch
        );
        assert_eq!(
            decide(Some(&stored("f", false, 0)), "f", at(1)),
            Decision::InFlight
        );
    }

    #[test]
    fn keys_expire_and_abandoned_requests_are_taken_over() {
        assert_eq!(
            decide(Some(&stored("f", false, 0)), "f", at(5)),
            Decision::Run
        );
        assert_eq!(
            decide(Some(&stored("f", false, 0)), "f", at(4)),
            Decision::InFlight
        );
        let day = 24 * 60;
        assert_eq!(
            decide(Some(&stored("f", true, 0)), "f", at(day - 1)),
            Decision::Replay
        );
        assert_eq!(
            decide(Some(&stored("f", true, 0)), "g", at(day)),
            Decision::Run
        );
    }
}

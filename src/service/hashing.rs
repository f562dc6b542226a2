//! Password and client-secret hashes: argon2 runs on the blocking pool, never on the
//! async executor nor while a database connection is held, and at most
//! `CONCURRENT_HASHES` at once; a caller that cannot get a turn soon is told to retry.

use std::time::Duration;

use super::{ServiceError, ServiceResult};
use crate::auth::password;
use crate::state::AppState;

/// How long a hash waits for its turn before the caller is told to retry (503).
const TURN_WAIT: Duration = Duration::from_secs(2);

/// Runs `work` on the blocking pool once a hashing permit is free.
async fn in_turn<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> ServiceResult<T> {
    let permit = tokio::time::timeout(TURN_WAIT, state.hashing.clone().acquire_owned())
        .await
        .map_err(|_| ServiceError::Overloaded)?
        .map_err(|e| ServiceError::Internal(format!("hashing permits: {e}")))?;
    let outcome = tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ServiceError::Internal(format!("hashing task: {e}")));
    drop(permit);
    outcome
}

/// The hash to store for `secret`.
pub async fn hash(state: &AppState, secret: String) -> ServiceResult<String> {
    in_turn(state, move || password::hash(&secret))
        .await?
        .map_err(|e| ServiceError::Internal(format!("secret hashing: {e}")))
}

/// Whether `secret` matches `stored`. Without a stored hash (unknown, deactivated or
/// revoked account) a decoy is verified instead, so that the answer takes as long and
/// timing tells nothing about the account.
pub async fn verify(
    state: &AppState,
    secret: String,
    stored: Option<String>,
) -> ServiceResult<bool> {
    in_turn(state, move || match stored {
        Some(stored) => password::verify(&secret, &stored),
        None => {
            password::verify_decoy(&secret);
            false
        }
    })
    .await
}

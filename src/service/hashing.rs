//! Password and client-secret hashes: argon2 runs on the blocking pool, never on the
//! async executor nor while a database connection is held, and at most
//! `CONCURRENT_HASHES` at once, each turn in working memory kept from one hash to the
//! next; a caller that cannot get a turn soon is told to retry.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::{ServiceError, ServiceResult};
use crate::auth::password::{self, Memory};
use crate::state::AppState;

/// The hashing turns and their working memory: as many memories as turns taken at once.
pub struct Hashing {
    turns: Arc<Semaphore>,
    memories: Mutex<Vec<Memory>>,
}

impl Hashing {
    pub fn new(turns: usize) -> Hashing {
        Hashing {
            turns: Arc::new(Semaphore::new(turns)),
            memories: Mutex::new(Vec::new()),
        }
    }

    fn take_memory(&self) -> Memory {
        self.memories
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default()
    }

    fn give_back(&self, memory: Memory) {
        self.memories
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(memory);
    }
}

/// How long a hash waits for its turn before the caller is told to retry (503).
const TURN_WAIT: Duration = Duration::from_secs(2);

/// Runs `work` on the blocking pool, in a turn's memory, once a turn is free.
async fn in_turn<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(&mut Memory) -> T + Send + 'static,
) -> ServiceResult<T> {
    let hashing = state.hashing.clone();
    let turn = tokio::time::timeout(TURN_WAIT, hashing.turns.clone().acquire_owned())
        .await
        .map_err(|_| ServiceError::Overloaded)?
        .map_err(|e| ServiceError::Internal(format!("hashing turns: {e}")))?;
    // The turn ends with the work, not with the request: a client that goes away does
    // not free a turn whose hash is still running.
    tokio::task::spawn_blocking(move || {
        let mut memory = hashing.take_memory();
        let result = work(&mut memory);
        hashing.give_back(memory);
        drop(turn);
        result
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("hashing task: {e}")))
}

/// The hash to store for `secret`.
pub async fn hash(state: &AppState, secret: String) -> ServiceResult<String> {
    in_turn(state, move |memory| password::hash_in(&secret, memory))
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
    in_turn(state, move |memory| match stored {
        Some(stored) => password::verify_in(&secret, &stored, memory),
        None => {
            password::verify_decoy_in(&secret, memory);
            false
        }
    })
    .await
}

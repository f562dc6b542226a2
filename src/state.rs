//! What every request shares: the database, the token keys, the clock and the limits.

use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::auth::jwt::JwtKeys;
use crate::clock::Clock;
use crate::config::{Config, Limits, RevenueShareDefaults};
use crate::db::Db;
use crate::domain::checkpoint::Signer;
use crate::service::hashing::Hashing;
use crate::service::ledger;

/// Cheap to clone: every field is shared.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub jwt: Arc<JwtKeys>,
    pub clock: Arc<dyn Clock>,
    pub limits: Limits,
    /// Turns to hash a password or secret: argon2 is meant to be expensive, so only so
    /// many run at once.
    pub hashing: Arc<Hashing>,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
    /// How far a member's share may exceed its covered weight before it is flagged.
    pub value_chain_margin_bps: i64,
    /// What agreements made at award start with, and the upstream floor.
    pub revenue_share: RevenueShareDefaults,
    /// Signs the ledger's checkpoints.
    pub ledger_signer: Arc<Signer>,
    /// Turns to post to the ledger (`service::ledger::posting_turns`).
    pub posting_turns: Arc<Semaphore>,
}

impl AppState {
    pub fn new(config: &Config, clock: Arc<dyn Clock>) -> AppState {
        AppState {
            db: config.database(),
            jwt: Arc::new(JwtKeys::new(
                &config.jwt_secret,
                config.token_ttl.as_secs() as i64,
            )),
            clock,
            limits: config.limits,
            hashing: Arc::new(Hashing::new(config.concurrent_hashes)),
            trusted_proxies: config.trusted_proxies.clone().into(),
            value_chain_margin_bps: config.value_chain_margin_bps,
            revenue_share: config.revenue_share,
            ledger_signer: config.ledger_signer.clone(),
            posting_turns: Arc::new(Semaphore::new(ledger::posting_turns(config.backend))),
        }
    }
}

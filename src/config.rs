//! Runtime configuration: read from the environment (documented by `ose-api --help`)
//! and checked once at start.

use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use rand::RngCore;

use crate::db::{Backend, Db, PoolSettings};
use crate::domain::checkpoint::Signer;
use crate::domain::money::WHOLE_BPS;

/// Shortest JWT signing secret accepted, in bytes (HS256 wants at least its output size).
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    /// Developer machine: a missing JWT secret is generated for the process.
    Dev,
    /// Production: every secret must be given.
    Prod,
}

/// Settings shared by every subcommand, each from a flag or its environment variable.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database: `sqlite://PATH` (embedded) or `postgres://USER@HOST/DB`.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://ose.db",
        global = true
    )]
    pub database_url: String,

    /// Address and port the HTTP server listens on.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: String,

    /// HS256 secret signing access tokens, at least 32 bytes. Required in prod.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<String>,

    /// `dev` generates a missing JWT secret; `prod` refuses to start without one.
    #[arg(
        long = "env",
        env = "OSE_ENV",
        value_enum,
        default_value = "dev",
        global = true
    )]
    pub environment: Environment,

    /// Comma-separated origins allowed by CORS (`*` for any); empty allows none.
    #[arg(long, env = "CORS_ORIGINS", default_value = "", global = true)]
    pub cors_origins: String,

    /// Lifetime of issued access tokens, in seconds.
    #[arg(long, env = "TOKEN_TTL_SECONDS", default_value_t = 900, global = true)]
    pub token_ttl_seconds: u64,

    /// Comma-separated addresses of the reverse proxies in front of the service, whose
    /// `X-Forwarded-For` is believed; from anyone else it is ignored.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "", global = true)]
    pub trusted_proxies: String,

    /// HTTP worker threads [default: the number of CPU cores].
    #[arg(long, env = "WORKERS", global = true)]
    pub workers: Option<usize>,

    /// Most database connections held open at once [default: 4 per worker, 8 to 32].
    #[arg(long, env = "DB_POOL_SIZE", global = true)]
    pub db_pool_size: Option<u32>,

    /// Most password or secret hashes computed at once [default: the number of CPU
    /// cores]; others wait briefly, then get 503.
    #[arg(long, env = "CONCURRENT_HASHES", global = true)]
    pub concurrent_hashes: Option<usize>,

    /// Most connections one worker keeps open; beyond, new connections wait unaccepted
    /// and established ones are served as before [default: 10000, or what the
    /// open-file limit holds]. Lowered at start (with a warning) when the open-file
    /// limit, raised to its hard ceiling, cannot hold every worker at this cap.
    #[arg(long, env = "MAX_CONNECTIONS", global = true)]
    pub max_connections: Option<usize>,

    /// Longest a request body may take to arrive, in ms; a slower one is answered 408
    /// and its connection closed.
    #[arg(long, env = "BODY_TIMEOUT_MS", default_value_t = 10_000, global = true)]
    pub body_timeout_ms: u64,

    /// Longest a PostgreSQL statement may run before it is cancelled (503), in ms.
    #[arg(
        long,
        env = "STATEMENT_TIMEOUT_MS",
        default_value_t = 5000,
        global = true
    )]
    pub statement_timeout_ms: u64,

    /// How far (in basis points) a consortium member's share may exceed its share of
    /// the covered weight before the value-chain check flags it.
    #[arg(
        long,
        env = "VALUE_CHAIN_MARGIN_BPS",
        default_value_t = 2000,
        global = true
    )]
    pub value_chain_margin_bps: i64,

    /// The network's governance fee on each payment, in basis points, for agreements
    /// made at award.
    #[arg(long, env = "PLATFORM_FEE_BPS", default_value_t = RevenueShareDefaults::DEFAULT.platform_fee_bps, global = true)]
    pub platform_fee_bps: u32,

    /// The part of each payment that goes to upstream projects, in basis points, for
    /// agreements made at award.
    #[arg(long, env = "UPSTREAM_BPS", default_value_t = RevenueShareDefaults::DEFAULT.upstream_bps, global = true)]
    pub upstream_bps: u32,

    /// The least `upstream_bps` any agreement may have: the upstream guarantee.
    #[arg(long, env = "UPSTREAM_FLOOR_BPS", default_value_t = RevenueShareDefaults::DEFAULT.upstream_floor_bps, global = true)]
    pub upstream_floor_bps: u32,

    /// Base64 of the 32-byte Ed25519 seed that signs ledger checkpoints. Required in
    /// prod; in dev a missing key is generated for the process.
    #[arg(
        long,
        env = "LEDGER_SIGNING_KEY",
        hide_env_values = true,
        global = true
    )]
    pub ledger_signing_key: Option<String>,

    /// How often the ledger's head is signed when it moved, in seconds.
    #[arg(
        long,
        env = "CHECKPOINT_INTERVAL_SECONDS",
        default_value_t = 3600,
        global = true
    )]
    pub checkpoint_interval_seconds: u64,

    /// Most values one query parameter may repeat (`?skill=a&skill=b…`).
    #[arg(long, env = "MAX_FILTER_VALUES", default_value_t = 20, global = true)]
    pub max_filter_values: usize,

    /// Longest value of a query parameter (`q` and every other filter), in characters.
    #[arg(long, env = "MAX_FILTER_CHARS", default_value_t = 200, global = true)]
    pub max_filter_chars: usize,
}

/// The checked configuration the service runs with.
#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    pub backend: Backend,
    pub bind: String,
    pub jwt_secret: Vec<u8>,
    /// True when no secret was configured and a random one was made for this process.
    pub jwt_secret_generated: bool,
    pub environment: Environment,
    pub cors_origins: Vec<String>,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    pub token_ttl: Duration,
    /// How long a request waits for a database connection before answering 503.
    pub db_connect_timeout: Duration,
    pub workers: usize,
    /// Connections per worker as configured; `None` takes the default, lowered to
    /// what the open-file limit holds (`open_files`).
    pub max_connections: Option<usize>,
    pub db_pool_size: u32,
    pub statement_timeout: Duration,
    pub concurrent_hashes: usize,
    pub value_chain_margin_bps: i64,
    pub revenue_share: RevenueShareDefaults,
    /// Signs the ledger's checkpoints.
    pub ledger_signer: Arc<Signer>,
    /// True when no key was configured and one was made for this process.
    pub ledger_signer_generated: bool,
    pub checkpoint_interval: Duration,
    pub limits: Limits,
}

/// What an agreement made at award starts with, and the floor no agreement goes below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RevenueShareDefaults {
    pub platform_fee_bps: u32,
    pub upstream_bps: u32,
    pub upstream_floor_bps: u32,
}

impl RevenueShareDefaults {
    /// The settings' defaults (the migration that backfilled agreements used them too).
    pub const DEFAULT: RevenueShareDefaults = RevenueShareDefaults {
        platform_fee_bps: 500,
        upstream_bps: 300,
        upstream_floor_bps: 100,
    };
}

impl Default for RevenueShareDefaults {
    fn default() -> RevenueShareDefaults {
        RevenueShareDefaults::DEFAULT
    }
}

/// What one request may ask of a list, whatever the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most values one query parameter may repeat.
    pub filter_values: usize,
    /// Longest value of a query parameter, in characters (cursors excepted: they are
    /// ours, and a sort key can be longer).
    pub filter_chars: usize,
    /// Longest a request body may take to arrive.
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            filter_values: 20,
            filter_chars: 200,
            body_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("JWT_SECRET is required when OSE_ENV=prod")]
    MissingSecret,
    #[error("JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes, got {0}")]
    ShortSecret(usize),
    #[error("DATABASE_URL must start with sqlite:// or postgres://, got {0:?}")]
    UnknownDatabase(String),
    #[error("TOKEN_TTL_SECONDS must be between 60 and 86400, got {0}")]
    TokenTtl(u64),
    #[error("WORKERS must be between 1 and 256, got {0}")]
    Workers(usize),
    #[error("DB_POOL_SIZE must be between 1 and 1000, got {0}")]
    PoolSize(u32),
    #[error("CONCURRENT_HASHES must be between 1 and 256, got {0}")]
    ConcurrentHashes(usize),
    #[error("TRUSTED_PROXIES must list IP addresses, got {0:?}")]
    TrustedProxy(String),
    #[error("MAX_CONNECTIONS must be between 16 and 100000, got {0}")]
    MaxConnections(usize),
    #[error("VALUE_CHAIN_MARGIN_BPS must be between 0 and 10000, got {0}")]
    ValueChainMargin(i64),
    #[error("BODY_TIMEOUT_MS must be between 100 and 600000, got {0}")]
    BodyTimeout(u64),
    #[error("STATEMENT_TIMEOUT_MS must be between 100 and 600000, got {0}")]
    StatementTimeout(u64),
    #[error(
        "PLATFORM_FEE_BPS + UPSTREAM_BPS must not exceed 10000 and UPSTREAM_BPS must be at \
         least UPSTREAM_FLOOR_BPS, got {0:?}"
    )]
    RevenueShare(RevenueShareDefaults),
    #[error("LEDGER_SIGNING_KEY is required when OSE_ENV=prod")]
    MissingLedgerKey,
    #[error("LEDGER_SIGNING_KEY: {0}")]
    LedgerKey(String),
    #[error("CHECKPOINT_INTERVAL_SECONDS must be between 10 and 604800, got {0}")]
    CheckpointInterval(u64),
    #[error("MAX_FILTER_VALUES must be between 1 and 100, got {0}")]
    FilterValues(usize),
    #[error("MAX_FILTER_CHARS must be between 10 and 10000, got {0}")]
    FilterChars(usize),
}

impl Config {
    /// The database this configuration names, behind its pool (not connected yet).
    pub fn database(&self) -> Db {
        Db::new(
            &self.database_url,
            self.backend,
            PoolSettings {
                size: self.db_pool_size,
                connect_timeout: self.db_connect_timeout,
                statement_timeout: self.statement_timeout,
            },
        )
    }

    pub fn from_settings(settings: &Settings) -> Result<Config, ConfigError> {
        let backend = Backend::from_url(&settings.database_url)
            .ok_or_else(|| ConfigError::UnknownDatabase(settings.database_url.clone()))?;
        let jwt_secret_generated = settings.jwt_secret.is_none();
        let jwt_secret = match (&settings.jwt_secret, settings.environment) {
            (Some(secret), _) if secret.len() < MIN_SECRET_BYTES => {
                return Err(ConfigError::ShortSecret(secret.len()));
            }
            (Some(secret), _) => secret.as_bytes().to_vec(),
            (None, Environment::Prod) => return Err(ConfigError::MissingSecret),
            (None, Environment::Dev) => {
                let mut secret = vec![0u8; 48];
                rand::rng().fill_bytes(&mut secret);
                secret
            }
        };
        if !(60..=86_400).contains(&settings.token_ttl_seconds) {
            return Err(ConfigError::TokenTtl(settings.token_ttl_seconds));
        }
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let workers = settings.workers.unwrap_or(cores);
        let concurrent_hashes = settings.concurrent_hashes.unwrap_or(cores);
        if !(1..=256).contains(&concurrent_hashes) {
            return Err(ConfigError::ConcurrentHashes(concurrent_hashes));
        }
        if !(1..=256).contains(&workers) {
            return Err(ConfigError::Workers(workers));
        }
        // Each worker's requests wait on their database work: a few connections per
        // worker keep them busy without swamping a small database server.
        let db_pool_size = settings
            .db_pool_size
            .unwrap_or_else(|| u32::try_from(workers * 4).unwrap_or(32).clamp(8, 32));
        if !(1..=1000).contains(&db_pool_size) {
            return Err(ConfigError::PoolSize(db_pool_size));
        }
        if let Some(max) = settings.max_connections
            && !(16..=100_000).contains(&max)
        {
            return Err(ConfigError::MaxConnections(max));
        }
        if !(100..=600_000).contains(&settings.body_timeout_ms) {
            return Err(ConfigError::BodyTimeout(settings.body_timeout_ms));
        }
        if !(100..=600_000).contains(&settings.statement_timeout_ms) {
            return Err(ConfigError::StatementTimeout(settings.statement_timeout_ms));
        }
        if !(0..=10_000).contains(&settings.value_chain_margin_bps) {
            return Err(ConfigError::ValueChainMargin(
                settings.value_chain_margin_bps,
            ));
        }
        if !(1..=100).contains(&settings.max_filter_values) {
            return Err(ConfigError::FilterValues(settings.max_filter_values));
        }
        if !(10..=10_000).contains(&settings.max_filter_chars) {
            return Err(ConfigError::FilterChars(settings.max_filter_chars));
        }
        let revenue_share = RevenueShareDefaults {
            platform_fee_bps: settings.platform_fee_bps,
            upstream_bps: settings.upstream_bps,
            upstream_floor_bps: settings.upstream_floor_bps,
        };
        if i64::from(settings.platform_fee_bps) + i64::from(settings.upstream_bps)
            > i64::from(WHOLE_BPS)
            || settings.upstream_bps < settings.upstream_floor_bps
        {
            return Err(ConfigError::RevenueShare(revenue_share));
        }
        let ledger_signer_generated = settings.ledger_signing_key.is_none();
        let ledger_signer = match (&settings.ledger_signing_key, settings.environment) {
            (Some(seed), _) => Signer::from_base64(seed).map_err(ConfigError::LedgerKey)?,
            (None, Environment::Prod) => return Err(ConfigError::MissingLedgerKey),
            (None, Environment::Dev) => Signer::generate(),
        };
        if !(10..=604_800).contains(&settings.checkpoint_interval_seconds) {
            return Err(ConfigError::CheckpointInterval(
                settings.checkpoint_interval_seconds,
            ));
        }
        let trusted_proxies = settings
            .trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|proxy| !proxy.is_empty())
            .map(|proxy| {
                proxy
                    .parse()
                    .map_err(|_| ConfigError::TrustedProxy(proxy.to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let cors_origins = settings
            .cors_origins
            .split(',')
            .map(str::trim)
            .filter(|origin| !origin.is_empty())
            .map(str::to_owned)
            .collect();
        Ok(Config {
            database_url: settings.database_url.clone(),
            backend,
            bind: settings.bind.clone(),
            jwt_secret,
            jwt_secret_generated,
            environment: settings.environment,
            cors_origins,
            trusted_proxies,
            token_ttl: Duration::from_secs(settings.token_ttl_seconds),
            db_connect_timeout: Duration::from_secs(5),
            workers,
            max_connections: settings.max_connections,
            db_pool_size,
            statement_timeout: Duration::from_millis(settings.statement_timeout_ms),
            concurrent_hashes,
            value_chain_margin_bps: settings.value_chain_margin_bps,
            revenue_share,
            ledger_signer: Arc::new(ledger_signer),
            ledger_signer_generated,
            checkpoint_interval: Duration::from_secs(settings.checkpoint_interval_seconds),
            limits: Limits {
                filter_values: settings.max_filter_values,
                filter_chars: settings.max_filter_chars,
                body_timeout: Duration::from_millis(settings.body_timeout_ms),
            },
        })
    }
}

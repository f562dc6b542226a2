//! Database access: one connection type over SQLite and PostgreSQL, the pool that
//! hands connections out, and the embedded migrations of each backend.

pub mod api_clients;
pub mod bids;
pub mod buyers;
pub mod contracts;
pub mod idempotency;
pub mod login_failures;
pub mod partner_skills;
pub mod partners;
pub mod projects;
pub mod schema;
pub mod skills;
pub mod tenders;
pub mod users;

use std::time::Duration;

use actix_web::web;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{ApiError, ApiResult};

/// A connection to whichever backend `DATABASE_URL` names; queries are written once.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a URL names by its scheme. Chosen here rather than by trying each
    /// driver in turn, so that a dead server reports its own error.
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else if url.starts_with("sqlite://") {
            Some(Backend::Sqlite)
        } else {
            None
        }
    }
}

/// Applied to every SQLite connection: concurrent readers beside one writer, waits
/// instead of instant `SQLITE_BUSY`, and enforced foreign keys.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Serialises migrations when several replicas start against one PostgreSQL.
const MIGRATION_LOCK_KEY: i64 = 0x05E_A91;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Connection(#[from] diesel::ConnectionError),
    #[error("{0}")]
    Query(#[from] diesel::result::Error),
}

pub struct ConnectionManager {
    url: String,
    backend: Backend,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        match self.backend {
            Backend::Postgres => Ok(DbConnection::Postgresql(PgConnection::establish(
                &self.url,
            )?)),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url)?;
                conn.batch_execute(SQLITE_PRAGMAS)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        Ok(conn.ping()?)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

pub type PoolError = r2d2::PoolError;
pub type PooledConnection = r2d2::PooledConnection<ConnectionManager>;

/// The pool and the backend it talks to; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<ConnectionManager>,
    pub backend: Backend,
}

impl Db {
    /// Builds the pool without connecting: a database that is down at this moment makes
    /// requests answer 503 until it comes back, instead of killing the process.
    pub fn new(url: &str, backend: Backend, connect_timeout: Duration) -> Db {
        let manager = ConnectionManager {
            url: url.to_owned(),
            backend,
        };
        let pool = r2d2::Pool::builder()
            .max_size(match backend {
                Backend::Postgres => 16,
                Backend::Sqlite => 8,
            })
            .min_idle(Some(0))
            .connection_timeout(connect_timeout)
            .test_on_check_out(true)
            .build_unchecked(manager);
        Db { pool, backend }
    }

    pub fn conn(&self) -> Result<PooledConnection, PoolError> {
        self.pool.get()
    }

    /// Runs blocking database work on actix's thread pool, off the async executor.
    pub async fn run<T, F>(&self, work: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get()?;
            work(&mut conn)
        })
        .await
        .map_err(|e| ApiError::Internal(format!("blocking pool: {e}")))?
    }

    /// Applies pending migrations; returns how many ran.
    pub fn migrate(&self) -> Result<usize, MigrationError> {
        let mut conn = self.conn().map_err(|e| MigrationError(e.to_string()))?;
        run_migrations(&mut conn)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MigrationError(String);

pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, MigrationError> {
    let fail = |e: &dyn std::fmt::Display| MigrationError(e.to_string());
    match conn {
        DbConnection::Sqlite(conn) => conn
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|applied| applied.len())
            .map_err(|e| fail(&e)),
        DbConnection::Postgresql(conn) => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                .map_err(|e| fail(&e))?;
            let applied = conn
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|applied| applied.len())
                .map_err(|e| fail(&e));
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})"))
                .map_err(|e| fail(&e))?;
            applied
        }
    }
}

/// Runs `work` in a transaction meant to write. On SQLite it begins `IMMEDIATE`, taking
/// the write lock up front: a transaction that reads before it writes could otherwise not
/// be upgraded while another writer holds the lock, and would fail with "database is
/// locked" instead of waiting (busy_timeout). PostgreSQL needs nothing special.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    match conn {
        DbConnection::Postgresql(_) => return conn.transaction(work),
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?
        }
    }
    // Nested `transaction` calls inside `work` see this one and use savepoints.
    let outcome = work(conn);
    if let DbConnection::Sqlite(inner) = conn {
        match &outcome {
            Ok(_) => AnsiTransactionManager::commit_transaction(inner)?,
            Err(_) => AnsiTransactionManager::rollback_transaction(inner)?,
        }
    }
    outcome
}

/// A fresh opaque id: UUID v7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A LIKE pattern matching `needle` anywhere, with LIKE's wildcards escaped by `\`
/// (queries pair it with `.escape('\\')`).
pub fn contains_pattern(needle: &str) -> String {
    let escaped = needle
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

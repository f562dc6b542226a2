//! Database access: one connection type over SQLite and PostgreSQL, the pool that
//! hands connections out, and the embedded migrations of each backend.

pub mod api_clients;
pub mod bids;
pub mod buyers;
pub mod contracts;
pub mod idempotency;
pub mod ledger;
pub mod login_failures;
pub mod partner_projects;
pub mod partner_skills;
pub mod partners;
pub mod projects;
pub mod revenue_shares;
pub mod schema;
pub mod skills;
pub mod tenders;
pub mod types;
pub mod users;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel::result::{DatabaseErrorKind, Error as QueryError};
use diesel::sql_types::Text;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

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

/// A list of URLs as its column holds it: a JSON array.
pub fn encode_urls(urls: &[String]) -> String {
    serde_json::Value::from(urls.to_vec()).to_string()
}

/// The URLs of a column [`encode_urls`] wrote; anything else is a broken row, reported
/// as such (never read as no URL).
pub fn decode_urls(column: &str) -> serde_json::Result<Vec<String>> {
    serde_json::from_str(column)
}

/// Applied to every SQLite connection: concurrent readers beside one writer, waits
/// instead of instant `SQLITE_BUSY`, and enforced foreign keys.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Serialises migrations when several replicas start against one PostgreSQL: an
/// advisory lock keyed by the schema migrated, so that migrations of other schemas (other
/// deployments, or tests, on the same server) need not wait for each other.
const MIGRATION_LOCK_KEY: &str = "hashtext('ose-api migrations in ' || current_schema())";

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
    statement_timeout: Duration,
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&self.url)?;
                // A statement that runs longer is cancelled: the connection goes back to
                // the pool instead of holding it for as long as a hostile query lasts.
                conn.batch_execute(&format!(
                    "SET statement_timeout = {}",
                    self.statement_timeout.as_millis()
                ))?;
                Ok(DbConnection::Postgresql(conn))
            }
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

/// What can go wrong between the service and its database, classified so that callers
/// can answer each case without reading driver messages.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had (the database is down or the pool exhausted).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Another transaction won a race the database refused to interleave (PostgreSQL
    /// serialization failure or deadlock, SQLite still busy after `busy_timeout`), and
    /// retrying did not help.
    #[error("database busy: {0}")]
    Busy(String),
    #[error(transparent)]
    Query(#[from] QueryError),
    /// The blocking task running the work died (a panic in it, or a shutdown).
    #[error("database task failed: {0}")]
    Task(String),
}

impl DbError {
    /// Whether the same work, run again in a new transaction, may well succeed.
    fn is_transient(error: &QueryError) -> bool {
        match error {
            QueryError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
            QueryError::DatabaseError(_, info) => {
                let message = info.message();
                message.starts_with("deadlock detected") || message.contains("database is locked")
            }
            _ => false,
        }
    }
}

/// How often a transaction that lost a race is run again before `DbError::Busy`.
const ATTEMPTS: u32 = 5;

/// How the pool holds its connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// Most connections open at once.
    pub size: u32,
    /// How long a request waits for a connection before the database is unavailable.
    pub connect_timeout: Duration,
    /// Longest a PostgreSQL statement may run (migrations excepted).
    pub statement_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> PoolSettings {
        PoolSettings {
            size: 4,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
        }
    }
}

/// The pool and the backend it talks to; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<ConnectionManager>,
    pub backend: Backend,
    statement_timeout: Duration,
}

impl Db {
    /// Builds the pool without connecting: a database that is down at this moment makes
    /// requests answer 503 until it comes back, instead of killing the process.
    pub fn new(url: &str, backend: Backend, settings: PoolSettings) -> Db {
        let manager = ConnectionManager {
            url: url.to_owned(),
            backend,
            statement_timeout: settings.statement_timeout,
        };
        let pool = r2d2::Pool::builder()
            .max_size(settings.size.max(1))
            .min_idle(Some(0))
            .connection_timeout(settings.connect_timeout)
            .test_on_check_out(true)
            .build_unchecked(manager);
        Db {
            pool,
            backend,
            statement_timeout: settings.statement_timeout,
        }
    }

    pub fn conn(&self) -> Result<PooledConnection, PoolError> {
        self.pool.get()
    }

    /// Runs blocking database work on the runtime's blocking pool, off the async
    /// executor, with a pooled connection.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool
                .get()
                .map_err(|e| E::from(DbError::Unavailable(e.to_string())))?;
            work(&mut conn)
        })
        .await
        .map_err(|e| E::from(DbError::Task(e.to_string())))?
    }

    /// Runs `work` as one write transaction (see [`write_transaction`]) off the async
    /// executor. A transaction that loses a race the database refuses to interleave is
    /// rolled back and run again, a bounded number of times with jittered backoff; then
    /// the caller gets `DbError::Busy`.
    pub async fn write<T, E, F>(&self, mut work: F) -> Result<T, E>
    where
        F: FnMut(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Retryable + Send + 'static,
    {
        self.run(move |conn| {
            let mut attempt = 1;
            loop {
                match write_transaction(conn, &mut work) {
                    Err(error) if attempt < ATTEMPTS && error.is_transient() => {
                        log::info!("transaction lost a race (attempt {attempt}); retrying");
                        std::thread::sleep(backoff(attempt));
                        attempt += 1;
                    }
                    Err(error) if error.is_transient() => {
                        return Err(E::from(DbError::Busy(format!(
                            "still conflicting after {ATTEMPTS} attempts"
                        ))));
                    }
                    outcome => return outcome,
                }
            }
        })
        .await
    }

    /// Applies pending migrations; returns how many ran.
    pub fn migrate(&self) -> Result<usize, MigrationError> {
        let mut conn = self.conn().map_err(|e| MigrationError(e.to_string()))?;
        run_migrations(&mut conn, self.statement_timeout)
    }
}

/// Errors that may carry a transient database failure, so that [`Db::write`] can tell
/// when running the transaction again is worth it.
pub trait Retryable {
    fn is_transient(&self) -> bool;
}

impl Retryable for DbError {
    fn is_transient(&self) -> bool {
        matches!(self, DbError::Query(error) if DbError::is_transient(error))
    }
}

/// Exponential backoff from 10 ms with full jitter, so that racing retries spread out.
fn backoff(attempt: u32) -> Duration {
    let ceiling_ms = 10u64 << attempt.min(6);
    Duration::from_millis(rand::random_range(1..=ceiling_ms))
}

/// The rows [`lock`] can lock: one variant per table whose rows a use case changes
/// after checking them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lockable {
    Users,
    ApiClients,
    Skills,
    Projects,
    Partners,
    Buyers,
    Tenders,
    Bids,
    Contracts,
}

impl Lockable {
    fn table(self) -> &'static str {
        match self {
            Lockable::Users => "users",
            Lockable::ApiClients => "api_clients",
            Lockable::Skills => "skills",
            Lockable::Projects => "projects",
            Lockable::Partners => "partners",
            Lockable::Buyers => "buyers",
            Lockable::Tenders => "tenders",
            Lockable::Bids => "bids",
            Lockable::Contracts => "contracts",
        }
    }
}

/// Locks the row of `target` whose id is `id` until the end of the current transaction,
/// so that what a use case checks is still true when it writes. PostgreSQL takes
/// `FOR UPDATE` row locks (a concurrent writer waits, then reads the committed row);
/// SQLite needs nothing, its write transactions being serialised by `BEGIN IMMEDIATE`.
/// Call it before reading what will be checked.
pub fn lock(conn: &mut DbConnection, target: Lockable, id: &str) -> QueryResult<()> {
    if let DbConnection::Postgresql(pg) = conn {
        let sql = format!(
            "SELECT 1 AS locked FROM {} WHERE id = $1 FOR UPDATE",
            target.table()
        );
        diesel::sql_query(sql).bind::<Text, _>(id).execute(pg)?;
    }
    Ok(())
}

/// Locks every active admin (in id order, so that concurrent lockers never deadlock):
/// the check "an admin remains" then holds until the transaction ends.
pub fn lock_active_admins(conn: &mut DbConnection) -> QueryResult<()> {
    if let DbConnection::Postgresql(pg) = conn {
        pg.batch_execute(
            "SELECT 1 FROM users WHERE role = 'admin' AND active ORDER BY id FOR UPDATE",
        )?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MigrationError(String);

/// Applies pending migrations on `conn`; on PostgreSQL without a statement timeout
/// (migrations may run longer than any request should), then back to `statement_timeout`.
fn run_migrations(
    conn: &mut DbConnection,
    statement_timeout: Duration,
) -> Result<usize, MigrationError> {
    let fail = |e: &dyn std::fmt::Display| MigrationError(e.to_string());
    match conn {
        DbConnection::Sqlite(conn) => conn
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|applied| applied.len())
            .map_err(|e| fail(&e)),
        DbConnection::Postgresql(conn) => {
            conn.batch_execute("SET statement_timeout = 0")
                .map_err(|e| fail(&e))?;
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                .map_err(|e| fail(&e))?;
            let applied = conn
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|applied| applied.len())
                .map_err(|e| fail(&e));
            conn.batch_execute(&format!(
                "SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY}); SET statement_timeout = {}",
                statement_timeout.as_millis()
            ))
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
    E: From<DbError>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let fail = |e: QueryError| E::from(DbError::Query(e));
    match conn {
        DbConnection::Postgresql(_) => {
            return conn
                .transaction(|conn| work(conn).map_err(Rollback::Work))
                .map_err(|e| match e {
                    Rollback::Work(e) => e,
                    Rollback::Query(e) => fail(e),
                });
        }
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE").map_err(fail)?
        }
    }
    // Nested `transaction` calls inside `work` see this one and use savepoints.
    let outcome = work(conn);
    if let DbConnection::Sqlite(inner) = conn {
        match &outcome {
            Ok(_) => AnsiTransactionManager::commit_transaction(inner).map_err(fail)?,
            Err(_) => AnsiTransactionManager::rollback_transaction(inner).map_err(fail)?,
        }
    }
    outcome
}

/// Why a PostgreSQL transaction ended early: the work refused, or the database did
/// (`Connection::transaction` needs an error that can hold the latter).
enum Rollback<E> {
    Work(E),
    Query(QueryError),
}

impl<E> From<QueryError> for Rollback<E> {
    fn from(error: QueryError) -> Self {
        Rollback::Query(error)
    }
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

#[cfg(test)]
mod tests {
    use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error as QueryError};

    use super::{DbError, Retryable, backoff};

    struct Info(&'static str);

    impl DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn failure(kind: DatabaseErrorKind, message: &'static str) -> DbError {
        DbError::Query(QueryError::DatabaseError(kind, Box::new(Info(message))))
    }

    #[test]
    fn lost_races_are_retried_and_refusals_are_not() {
        let serialization = failure(
            DatabaseErrorKind::SerializationFailure,
            "could not serialize access due to concurrent update",
        );
        let deadlock = failure(DatabaseErrorKind::Unknown, "deadlock detected");
        assert!(serialization.is_transient() && deadlock.is_transient());
        for refusal in [
            failure(DatabaseErrorKind::UniqueViolation, "duplicate key value"),
            failure(
                DatabaseErrorKind::CheckViolation,
                "violates check constraint",
            ),
            failure(
                DatabaseErrorKind::ForeignKeyViolation,
                "violates foreign key",
            ),
            DbError::Busy("still conflicting".to_owned()),
            DbError::Unavailable("connection refused".to_owned()),
            DbError::Query(QueryError::NotFound),
        ] {
            assert!(!refusal.is_transient(), "{refusal}");
        }
    }

    #[test]
    fn backoff_is_jittered_below_a_ceiling_that_grows() {
        for attempt in 1..=8 {
            let ceiling = 10u64 << attempt.min(6);
            for _ in 0..50 {
                let wait = backoff(attempt).as_millis() as u64;
                assert!(
                    (1..=ceiling).contains(&wait),
                    "attempt {attempt}: {wait} ms"
                );
            }
        }
    }
}

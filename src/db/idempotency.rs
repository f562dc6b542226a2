//! Queries on `idempotency_keys`: the first answer to each caller's key, kept a day.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::idempotency_keys;
use crate::domain::idempotency::Stored;

const IN_FLIGHT: &str = "in_flight";
const COMPLETED: &str = "completed";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys)]
pub struct KeyRow {
    pub scope: String,
    pub idempotency_key: String,
    pub fingerprint: String,
    pub state: String,
    pub response_status: Option<i32>,
    pub response_headers: Option<String>,
    pub response_body: Option<String>,
    pub created_at: NaiveDateTime,
}

impl KeyRow {
    pub fn stored(&self) -> Stored {
        Stored {
            fingerprint: self.fingerprint.clone(),
            completed: self.state == COMPLETED,
            created_at: self.created_at,
        }
    }
}

pub fn find(conn: &mut DbConnection, scope: &str, key: &str) -> QueryResult<Option<KeyRow>> {
    idempotency_keys::table
        .find((scope, key))
        .select(KeyRow::as_select())
        .first(conn)
        .optional()
}

/// Claims the key for a request that is about to run. Fails with a unique violation when
/// another request claimed it first.
pub fn claim(
    conn: &mut DbConnection,
    scope: &str,
    key: &str,
    fingerprint: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::scope.eq(scope),
            idempotency_keys::idempotency_key.eq(key),
            idempotency_keys::fingerprint.eq(fingerprint),
            idempotency_keys::state.eq(IN_FLIGHT),
            idempotency_keys::created_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Records the answer of the request that holds the key.
pub fn complete(
    conn: &mut DbConnection,
    scope: &str,
    key: &str,
    status: i32,
    headers: &str,
    body: &str,
) -> QueryResult<()> {
    diesel::update(idempotency_keys::table.find((scope, key)))
        .set((
            idempotency_keys::state.eq(COMPLETED),
            idempotency_keys::response_status.eq(status),
            idempotency_keys::response_headers.eq(headers),
            idempotency_keys::response_body.eq(body),
        ))
        .execute(conn)
        .map(drop)
}

/// Frees the key (its request failed, or its record expired).
pub fn release(conn: &mut DbConnection, scope: &str, key: &str) -> QueryResult<()> {
    diesel::delete(idempotency_keys::table.find((scope, key)))
        .execute(conn)
        .map(drop)
}

/// Forgets every key created before `before`.
pub fn purge(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(before)))
        .execute(conn)
}

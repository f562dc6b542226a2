//! Queries on `login_failures`, the shared memory of login throttling across replicas.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::login_failures;

/// The failures recorded under any of `throttle_keys` after `window_start`, each with
/// its key.
pub fn since(
    conn: &mut DbConnection,
    throttle_keys: &[String],
    window_start: NaiveDateTime,
) -> QueryResult<Vec<(String, NaiveDateTime)>> {
    login_failures::table
        .filter(login_failures::throttle_key.eq_any(throttle_keys))
        .filter(login_failures::failed_at.gt(window_start))
        .select((login_failures::throttle_key, login_failures::failed_at))
        .load(conn)
}

/// Serialises sign-in attempts on the same keys until the transaction ends, so that the
/// failures counted are all the failures recorded (PostgreSQL: transaction advisory
/// locks, taken in key order; SQLite: already serialised by `BEGIN IMMEDIATE`).
pub fn lock_keys(conn: &mut DbConnection, throttle_keys: &[String]) -> QueryResult<()> {
    if let DbConnection::Postgresql(pg) = conn {
        let mut keys: Vec<&String> = throttle_keys.iter().collect();
        keys.sort();
        for key in keys {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
                .bind::<diesel::sql_types::Text, _>(key)
                .execute(pg)?;
        }
    }
    Ok(())
}

/// Records one failure under each key (returning their ids, so that an attempt that
/// turns out right can take them back) and forgets failures older than the window.
pub fn record(
    conn: &mut DbConnection,
    throttle_keys: &[String],
    now: NaiveDateTime,
    window_start: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    let mut ids = Vec::with_capacity(throttle_keys.len());
    // One statement per key: batch inserts are not available through `DbConnection`.
    for key in throttle_keys {
        let id = super::new_id();
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::id.eq(&id),
                login_failures::throttle_key.eq(key),
                login_failures::failed_at.eq(now),
            ))
            .execute(conn)?;
        ids.push(id);
    }
    diesel::delete(login_failures::table.filter(login_failures::failed_at.le(window_start)))
        .execute(conn)?;
    Ok(ids)
}

/// Takes back the failures recorded for an attempt that succeeded.
pub fn forget(conn: &mut DbConnection, ids: &[String]) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::id.eq_any(ids)))
        .execute(conn)
        .map(drop)
}

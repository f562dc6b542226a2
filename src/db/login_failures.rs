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

/// Records one failure under each key and forgets failures older than the window.
pub fn record(
    conn: &mut DbConnection,
    throttle_keys: &[String],
    now: NaiveDateTime,
    window_start: NaiveDateTime,
) -> QueryResult<()> {
    // One statement per key: batch inserts are not available through `DbConnection`.
    for key in throttle_keys {
        diesel::insert_into(login_failures::table)
            .values((
                login_failures::id.eq(super::new_id()),
                login_failures::throttle_key.eq(key),
                login_failures::failed_at.eq(now),
            ))
            .execute(conn)?;
    }
    diesel::delete(login_failures::table.filter(login_failures::failed_at.le(window_start)))
        .execute(conn)
        .map(drop)
}

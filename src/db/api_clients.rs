//! Queries on `api_clients`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::api_clients;
use crate::domain::access::Role;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = api_clients, treat_none_as_null = true)]
pub struct ApiClientRow {
    pub id: String,
    pub client_id: String,
    pub name: String,
    pub secret_hash: String,
    pub role: Role,
    pub partner_id: Option<String>,
    pub buyer_id: Option<String>,
    pub revoked_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ApiClientRow>> {
    api_clients::table
        .find(id)
        .select(ApiClientRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_client_id(
    conn: &mut DbConnection,
    client_id: &str,
) -> QueryResult<Option<ApiClientRow>> {
    api_clients::table
        .filter(api_clients::client_id.eq(client_id))
        .select(ApiClientRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &ApiClientRow) -> QueryResult<()> {
    diesel::insert_into(api_clients::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Marks the client revoked; false when it was already revoked or does not exist.
pub fn revoke(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        api_clients::table
            .filter(api_clients::id.eq(id))
            .filter(api_clients::revoked_at.is_null()),
    )
    .set((
        api_clients::revoked_at.eq(Some(now)),
        api_clients::updated_at.eq(now),
        api_clients::version.eq(api_clients::version + 1),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn list(
    conn: &mut DbConnection,
    include_revoked: bool,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ApiClientRow>> {
    let mut query = api_clients::table
        .select(ApiClientRow::as_select())
        .into_boxed();
    if !include_revoked {
        query = query.filter(api_clients::revoked_at.is_null());
    }
    if let Some(after) = after {
        query = query.filter(api_clients::id.gt(after.to_owned()));
    }
    query.order(api_clients::id.asc()).limit(limit).load(conn)
}

//! Queries on `users`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::users;
use crate::domain::access::Role;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users, treat_none_as_null = true)]
pub struct UserRow {
    pub id: String,
    /// Stored lower-cased: emails are unique regardless of case.
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub partner_id: Option<String>,
    pub buyer_id: Option<String>,
    pub active: bool,
    pub token_generation: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Default)]
pub struct UserFilter {
    pub role: Option<Role>,
    pub active: Option<bool>,
    pub q: Option<String>,
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &UserRow) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Writes `row` if the stored version is still `row.version - 1`; false when it moved.
pub fn update_versioned(conn: &mut DbConnection, row: &UserRow) -> QueryResult<bool> {
    diesel::update(
        users::table
            .filter(users::id.eq(&row.id))
            .filter(users::version.eq(row.version - 1)),
    )
    .set(row)
    .execute(conn)
    .map(|n| n == 1)
}

/// One page in id order (ids are UUID v7, so creation order), after `after`.
pub fn list(
    conn: &mut DbConnection,
    filter: &UserFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    let mut query = users::table.select(UserRow::as_select()).into_boxed();
    if let Some(role) = filter.role {
        query = query.filter(users::role.eq(role));
    }
    if let Some(active) = filter.active {
        query = query.filter(users::active.eq(active));
    }
    if let Some(q) = &filter.q {
        query = query.filter(
            users::email
                .like(super::contains_pattern(&q.to_lowercase()))
                .escape('\\'),
        );
    }
    if let Some(after) = after {
        query = query.filter(users::id.gt(after.to_owned()));
    }
    query.order(users::id.asc()).limit(limit).load(conn)
}

/// How many admins can sign in.
pub fn count_admins(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table
        .filter(users::role.eq(Role::Admin))
        .filter(users::active.eq(true))
        .count()
        .get_result(conn)
}

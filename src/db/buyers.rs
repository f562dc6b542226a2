//! Queries on `buyers`: the contracting authorities and companies that issue tenders.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::buyers;
use super::{DbConnection, contains_pattern};
use crate::domain::directory::BuyerKind;
use crate::domain::search;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = buyers, treat_none_as_null = true)]
pub struct BuyerRow {
    pub id: String,
    pub name: String,
    pub siret: String,
    pub kind: BuyerKind,
    pub contact_email: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Default)]
pub struct BuyerFilter {
    /// Case-insensitive substring of the name.
    pub q: Option<String>,
    pub kind: Option<BuyerKind>,
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<BuyerRow>> {
    buyers::table
        .find(id)
        .select(BuyerRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_siret(conn: &mut DbConnection, siret: &str) -> QueryResult<Option<BuyerRow>> {
    buyers::table
        .filter(buyers::siret.eq(siret))
        .select(BuyerRow::as_select())
        .first(conn)
        .optional()
}

pub fn exists(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(buyers::table.find(id))).get_result(conn)
}

/// The searched column, written with the row so no writer can forget it.
fn derived(row: &BuyerRow) -> diesel::dsl::Eq<buyers::search_text, String> {
    buyers::search_text.eq(search::fold(&row.name))
}

pub fn insert(conn: &mut DbConnection, row: &BuyerRow) -> QueryResult<()> {
    diesel::insert_into(buyers::table)
        .values((row, derived(row)))
        .execute(conn)
        .map(drop)
}

/// Writes `row` if the stored version is still `row.version - 1`; false when it moved.
pub fn update_versioned(conn: &mut DbConnection, row: &BuyerRow) -> QueryResult<bool> {
    diesel::update(
        buyers::table
            .filter(buyers::id.eq(&row.id))
            .filter(buyers::version.eq(row.version - 1)),
    )
    .set((row, derived(row)))
    .execute(conn)
    .map(|n| n == 1)
}

/// One page in id order (ids are UUID v7, so creation order), after `after`.
pub fn list(
    conn: &mut DbConnection,
    filter: &BuyerFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<BuyerRow>> {
    let mut query = buyers::table.select(BuyerRow::as_select()).into_boxed();
    if let Some(q) = &filter.q {
        let pattern = contains_pattern(&search::fold(q));
        query = query.filter(buyers::search_text.like(pattern).escape('\\'));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(buyers::kind.eq(kind));
    }
    if let Some(after) = after {
        query = query.filter(buyers::id.gt(after.to_owned()));
    }
    query.order(buyers::id.asc()).limit(limit).load(conn)
}

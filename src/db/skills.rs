//! Queries on `skills`, the catalogue tree.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::skills;
use super::{DbConnection, Lockable, contains_pattern, lock};
use crate::domain::search;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = skills, treat_none_as_null = true)]
pub struct SkillRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub category: String,
    pub parent_id: Option<String>,
    pub description: String,
    pub esco_uri: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Default)]
pub struct SkillFilter {
    /// Case-insensitive substring of slug, name or description.
    pub q: Option<String>,
    pub category: Option<String>,
    pub parent_id: Option<String>,
}

/// Skills answer to their id and to their slug.
pub fn find(conn: &mut DbConnection, id_or_slug: &str) -> QueryResult<Option<SkillRow>> {
    skills::table
        .filter(skills::id.eq(id_or_slug).or(skills::slug.eq(id_or_slug)))
        .select(SkillRow::as_select())
        .first(conn)
        .optional()
}

/// The skill with this id (never a slug): a row read again once locked.
pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<Option<SkillRow>> {
    skills::table
        .find(id)
        .select(SkillRow::as_select())
        .first(conn)
        .optional()
}

/// The skills named by `keys` (ids or slugs), as `(id, slug)`: one query for any number.
pub fn resolve(conn: &mut DbConnection, keys: &[&str]) -> QueryResult<Vec<(String, String)>> {
    skills::table
        .filter(skills::id.eq_any(keys).or(skills::slug.eq_any(keys)))
        .select((skills::id, skills::slug))
        .load(conn)
}

/// The searched column, written with the row so no writer can forget it.
fn derived(row: &SkillRow) -> diesel::dsl::Eq<skills::search_text, String> {
    skills::search_text.eq(search::search_text(&[
        &row.slug,
        &row.name,
        &row.description,
    ]))
}

pub fn insert(conn: &mut DbConnection, row: &SkillRow) -> QueryResult<()> {
    diesel::insert_into(skills::table)
        .values((row, derived(row)))
        .execute(conn)
        .map(drop)
}

/// Writes `row` if the stored version is still `row.version - 1`; false when it moved.
pub fn update_versioned(conn: &mut DbConnection, row: &SkillRow) -> QueryResult<bool> {
    diesel::update(
        skills::table
            .filter(skills::id.eq(&row.id))
            .filter(skills::version.eq(row.version - 1)),
    )
    .set((row, derived(row)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Deletes the skill if it is still at `version`; false when it moved.
pub fn delete_versioned(conn: &mut DbConnection, id: &str, version: i32) -> QueryResult<bool> {
    diesel::delete(
        skills::table
            .filter(skills::id.eq(id))
            .filter(skills::version.eq(version)),
    )
    .execute(conn)
    .map(|n| n == 1)
}

pub fn count_children(conn: &mut DbConnection, id: &str) -> QueryResult<i64> {
    skills::table
        .filter(skills::parent_id.eq(id))
        .count()
        .get_result(conn)
}

/// The ids above `id`, nearest first, at most `max` of them; `None` when `id` is no skill.
/// `id` and each ancestor are locked for the transaction as they are read, so that no
/// concurrent move of one of them can close a cycle the caller checked against.
pub fn lock_ancestors(
    conn: &mut DbConnection,
    id: &str,
    max: usize,
) -> QueryResult<Option<Vec<String>>> {
    let Some(mut next) = locked_parent(conn, id)? else {
        return Ok(None);
    };
    let mut chain = Vec::new();
    while let Some(parent) = next {
        next = if chain.len() + 1 < max {
            locked_parent(conn, &parent)?.flatten()
        } else {
            None
        };
        chain.push(parent);
    }
    Ok(Some(chain))
}

/// Locks the skill `id` and reads its parent: `None` when there is no such skill.
fn locked_parent(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Option<String>>> {
    lock(conn, Lockable::Skills, id)?;
    skills::table
        .find(id)
        .select(skills::parent_id)
        .first(conn)
        .optional()
}

/// One page in slug order, after the slug `after`.
pub fn list(
    conn: &mut DbConnection,
    filter: &SkillFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<SkillRow>> {
    let mut query = skills::table.select(SkillRow::as_select()).into_boxed();
    if let Some(q) = &filter.q {
        let pattern = contains_pattern(&search::fold(q));
        query = query.filter(skills::search_text.like(pattern).escape('\\'));
    }
    if let Some(category) = &filter.category {
        query = query.filter(skills::category.eq(category.clone()));
    }
    if let Some(parent_id) = &filter.parent_id {
        query = query.filter(skills::parent_id.eq(parent_id.clone()));
    }
    if let Some(after) = after {
        query = query.filter(skills::slug.gt(after.to_owned()));
    }
    query.order(skills::slug.asc()).limit(limit).load(conn)
}

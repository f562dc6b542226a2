//! Queries on `projects` and `project_skills`: the upstream open source components.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{project_skills, projects, skills};
use super::{DbConnection, contains_pattern};
use crate::domain::search;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = projects, treat_none_as_null = true)]
pub struct ProjectRow {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub repository_url: String,
    pub website: Option<String>,
    pub license: String,
    /// The expression's license ids, space-separated with a space at each end.
    pub license_ids: String,
    pub description: String,
    pub steward_partner_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl ProjectRow {
    pub fn encode_license_ids(ids: &[String]) -> String {
        format!(" {} ", ids.join(" "))
    }
}

#[derive(Debug, Default)]
pub struct ProjectFilter {
    /// Case-insensitive substring of slug, name or description.
    pub q: Option<String>,
    /// Only projects linked to this skill id.
    pub skill_id: Option<String>,
    /// Only projects whose expression names this SPDX license id.
    pub license_id: Option<String>,
    pub steward_partner_id: Option<String>,
}

/// Projects answer to their id and to their slug.
pub fn find(conn: &mut DbConnection, id_or_slug: &str) -> QueryResult<Option<ProjectRow>> {
    projects::table
        .filter(
            projects::id
                .eq(id_or_slug)
                .or(projects::slug.eq(id_or_slug)),
        )
        .select(ProjectRow::as_select())
        .first(conn)
        .optional()
}

/// The project with this id (never a slug): a row read again once locked.
pub fn get(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ProjectRow>> {
    projects::table
        .find(id)
        .select(ProjectRow::as_select())
        .first(conn)
        .optional()
}

/// The names of the projects with these ids.
pub fn names(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<std::collections::HashMap<String, String>> {
    Ok(projects::table
        .filter(projects::id.eq_any(ids))
        .select((projects::id, projects::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// The searched column, written with the row so no writer can forget it.
fn derived(row: &ProjectRow) -> diesel::dsl::Eq<projects::search_text, String> {
    projects::search_text.eq(search::search_text(&[
        &row.slug,
        &row.name,
        &row.description,
    ]))
}

pub fn insert(conn: &mut DbConnection, row: &ProjectRow) -> QueryResult<()> {
    diesel::insert_into(projects::table)
        .values((row, derived(row)))
        .execute(conn)
        .map(drop)
}

/// Writes `row` if the stored version is still `row.version - 1`; false when it moved.
pub fn update_versioned(conn: &mut DbConnection, row: &ProjectRow) -> QueryResult<bool> {
    diesel::update(
        projects::table
            .filter(projects::id.eq(&row.id))
            .filter(projects::version.eq(row.version - 1)),
    )
    .set((row, derived(row)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Deletes the project (and its skill links) if it is still at `version`.
pub fn delete_versioned(conn: &mut DbConnection, id: &str, version: i32) -> QueryResult<bool> {
    diesel::delete(
        projects::table
            .filter(projects::id.eq(id))
            .filter(projects::version.eq(version)),
    )
    .execute(conn)
    .map(|n| n == 1)
}

/// Replaces the project's linked skills with `skill_ids`.
pub fn set_skills(
    conn: &mut DbConnection,
    project_id: &str,
    skill_ids: &[String],
) -> QueryResult<()> {
    diesel::delete(project_skills::table.filter(project_skills::project_id.eq(project_id)))
        .execute(conn)?;
    // One statement per link: MultiConnection has no batch insert.
    for skill_id in skill_ids {
        diesel::insert_into(project_skills::table)
            .values((
                project_skills::project_id.eq(project_id),
                project_skills::skill_id.eq(skill_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// `(project id, skill slug)` for each of `project_ids`, by project then slug: one query
/// for a whole page.
pub fn skill_slugs(
    conn: &mut DbConnection,
    project_ids: &[String],
) -> QueryResult<Vec<(String, String)>> {
    project_skills::table
        .inner_join(skills::table)
        .filter(project_skills::project_id.eq_any(project_ids))
        .select((project_skills::project_id, skills::slug))
        .order((project_skills::project_id.asc(), skills::slug.asc()))
        .load(conn)
}

/// How many projects are linked to the skill (a skill in use cannot be deleted).
pub fn count_linked_to_skill(conn: &mut DbConnection, skill_id: &str) -> QueryResult<i64> {
    project_skills::table
        .filter(project_skills::skill_id.eq(skill_id))
        .count()
        .get_result(conn)
}

/// One page in slug order, after the slug `after`.
pub fn list(
    conn: &mut DbConnection,
    filter: &ProjectFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<ProjectRow>> {
    let mut query = projects::table.select(ProjectRow::as_select()).into_boxed();
    if let Some(q) = &filter.q {
        let pattern = contains_pattern(&search::fold(q));
        query = query.filter(projects::search_text.like(pattern).escape('\\'));
    }
    if let Some(skill_id) = &filter.skill_id {
        query = query.filter(
            projects::id.eq_any(
                project_skills::table
                    .filter(project_skills::skill_id.eq(skill_id.clone()))
                    .select(project_skills::project_id),
            ),
        );
    }
    if let Some(license_id) = &filter.license_id {
        let pattern = contains_pattern(&format!(" {license_id} "));
        query = query.filter(projects::license_ids.like(pattern).escape('\\'));
    }
    if let Some(steward) = &filter.steward_partner_id {
        query = query.filter(projects::steward_partner_id.eq(steward.clone()));
    }
    if let Some(after) = after {
        query = query.filter(projects::slug.gt(after.to_owned()));
    }
    query.order(projects::slug.asc()).limit(limit).load(conn)
}

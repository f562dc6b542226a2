//! Queries on `partner_projects`: the upstream projects a partner contributes to,
//! maintains or stewards, on what evidence; and the upstream links matching reads.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::projects::ProjectRow;
use super::schema::{partner_projects, partners, project_skills, projects};
use crate::domain::directory::{PartnerKind, PartnerStatus, ProjectRole};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = partner_projects, treat_none_as_null = true)]
pub struct PartnerProjectRow {
    pub partner_id: String,
    pub project_id: String,
    /// `steward` only as the mirror of `projects.steward_partner_id`.
    pub role: ProjectRole,
    /// A JSON array of URLs ([`super::encode_urls`]).
    pub evidence_urls: String,
    pub verified: bool,
    pub verified_at: Option<NaiveDateTime>,
    pub verified_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl PartnerProjectRow {
    /// The link that makes `partner_id` the steward of `project`: verified by whoever
    /// named the steward (an admin; `None` for the demo data), its evidence the
    /// project's repository.
    pub fn steward(
        partner_id: &str,
        project: &ProjectRow,
        verified_by: Option<String>,
        now: NaiveDateTime,
    ) -> PartnerProjectRow {
        PartnerProjectRow {
            partner_id: partner_id.to_owned(),
            project_id: project.id.clone(),
            role: ProjectRole::Steward,
            evidence_urls: super::encode_urls(std::slice::from_ref(&project.repository_url)),
            verified: true,
            verified_at: Some(now),
            verified_by,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }
}

/// A partner's link with the project it names.
#[derive(Debug, Clone, Queryable)]
pub struct HeldProject {
    pub row: PartnerProjectRow,
    pub slug: String,
    pub name: String,
}

/// An active partner's link to a project linked to a skill: what matching reads.
#[derive(Debug, Clone, Queryable)]
pub struct UpstreamLinkRow {
    pub partner_id: String,
    pub partner_name: String,
    pub partner_kind: PartnerKind,
    pub project_id: String,
    pub project_name: String,
    pub role: ProjectRole,
    pub verified: bool,
    pub skill_id: String,
}

pub fn find(
    conn: &mut DbConnection,
    partner_id: &str,
    project_id: &str,
) -> QueryResult<Option<HeldProject>> {
    partner_projects::table
        .inner_join(projects::table)
        .filter(partner_projects::partner_id.eq(partner_id))
        .filter(partner_projects::project_id.eq(project_id))
        .select((
            PartnerProjectRow::as_select(),
            projects::slug,
            projects::name,
        ))
        .first(conn)
        .optional()
}

/// One page of a partner's projects in slug order, after the slug `after`.
pub fn list(
    conn: &mut DbConnection,
    partner_id: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<HeldProject>> {
    let mut query = partner_projects::table
        .inner_join(projects::table)
        .filter(partner_projects::partner_id.eq(partner_id))
        .select((
            PartnerProjectRow::as_select(),
            projects::slug,
            projects::name,
        ))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(projects::slug.gt(after.to_owned()));
    }
    query.order(projects::slug.asc()).limit(limit).load(conn)
}

pub fn insert(conn: &mut DbConnection, row: &PartnerProjectRow) -> QueryResult<()> {
    diesel::insert_into(partner_projects::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Writes `row` if the stored version is still `row.version - 1`; false when it moved.
pub fn update_versioned(conn: &mut DbConnection, row: &PartnerProjectRow) -> QueryResult<bool> {
    diesel::update(
        partner_projects::table
            .filter(partner_projects::partner_id.eq(&row.partner_id))
            .filter(partner_projects::project_id.eq(&row.project_id))
            .filter(partner_projects::version.eq(row.version - 1)),
    )
    .set(row)
    .execute(conn)
    .map(|n| n == 1)
}

/// Deletes the link if it is still at `version`; false when it moved.
pub fn delete_versioned(
    conn: &mut DbConnection,
    partner_id: &str,
    project_id: &str,
    version: i32,
) -> QueryResult<bool> {
    diesel::delete(
        partner_projects::table
            .filter(partner_projects::partner_id.eq(partner_id))
            .filter(partner_projects::project_id.eq(project_id))
            .filter(partner_projects::version.eq(version)),
    )
    .execute(conn)
    .map(|n| n == 1)
}

/// The project's steward link, whoever holds it.
pub fn steward_link(
    conn: &mut DbConnection,
    project_id: &str,
) -> QueryResult<Option<PartnerProjectRow>> {
    partner_projects::table
        .filter(partner_projects::project_id.eq(project_id))
        .filter(partner_projects::role.eq(ProjectRole::Steward))
        .select(PartnerProjectRow::as_select())
        .first(conn)
        .optional()
}

/// Every link of an active partner to a project linked to one of `skill_ids`, once per
/// (link, skill): one query for a whole lot. Stewards are always read, as the value
/// chain asks whether they are in a team; other links only of `partner_ids` when given.
pub fn upstream_links(
    conn: &mut DbConnection,
    skill_ids: &[String],
    partner_ids: Option<&[String]>,
) -> QueryResult<Vec<UpstreamLinkRow>> {
    let mut query = partner_projects::table
        .inner_join(partners::table)
        .inner_join(projects::table)
        .inner_join(
            project_skills::table.on(project_skills::project_id.eq(partner_projects::project_id)),
        )
        .filter(project_skills::skill_id.eq_any(skill_ids))
        .filter(partners::status.eq(PartnerStatus::Active))
        .into_boxed();
    if let Some(partner_ids) = partner_ids {
        query = query.filter(
            partner_projects::partner_id
                .eq_any(partner_ids)
                .or(partner_projects::role.eq(ProjectRole::Steward)),
        );
    }
    query
        .select((
            partner_projects::partner_id,
            partners::name,
            partners::kind,
            partner_projects::project_id,
            projects::name,
            partner_projects::role,
            partner_projects::verified,
            project_skills::skill_id,
        ))
        .order((partner_projects::partner_id, partner_projects::project_id))
        .load(conn)
}

//! Queries on `partner_skills`: which skills a partner holds, at what level, with what evidence.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{partner_skills, skills};
use crate::domain::directory::SkillLevel;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = partner_skills, treat_none_as_null = true)]
pub struct PartnerSkillRow {
    pub partner_id: String,
    pub skill_id: String,
    /// Stored as its rank, so that levels compare in SQL.
    pub level: SkillLevel,
    pub certified_experts: i32,
    /// A JSON array of URLs.
    pub evidence_urls: String,
    pub verified: bool,
    pub verified_at: Option<NaiveDateTime>,
    pub verified_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

/// A partner skill with the catalogue entry it refers to.
#[derive(Debug, Clone, Queryable)]
pub struct HeldSkill {
    pub row: PartnerSkillRow,
    pub slug: String,
    pub name: String,
}

impl PartnerSkillRow {
    /// The evidence URLs. The column only ever holds arrays [`Self::encode_evidence`]
    /// wrote: anything else is a broken row, reported as such (never read as no evidence).
    pub fn evidence(&self) -> serde_json::Result<Vec<String>> {
        serde_json::from_str(&self.evidence_urls)
    }

    pub fn encode_evidence(urls: &[String]) -> String {
        serde_json::Value::from(urls.to_vec()).to_string()
    }
}

pub fn find(
    conn: &mut DbConnection,
    partner_id: &str,
    skill_id: &str,
) -> QueryResult<Option<HeldSkill>> {
    partner_skills::table
        .inner_join(skills::table)
        .filter(partner_skills::partner_id.eq(partner_id))
        .filter(partner_skills::skill_id.eq(skill_id))
        .select((PartnerSkillRow::as_select(), skills::slug, skills::name))
        .first(conn)
        .optional()
}

/// The skills of each of `partner_ids`, by partner then slug: one query for a whole page.
pub fn for_partners(
    conn: &mut DbConnection,
    partner_ids: &[String],
) -> QueryResult<Vec<HeldSkill>> {
    partner_skills::table
        .inner_join(skills::table)
        .filter(partner_skills::partner_id.eq_any(partner_ids))
        .select((PartnerSkillRow::as_select(), skills::slug, skills::name))
        .order((partner_skills::partner_id.asc(), skills::slug.asc()))
        .load(conn)
}

/// One page of a partner's skills in slug order, after the slug `after`.
pub fn list(
    conn: &mut DbConnection,
    partner_id: &str,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<HeldSkill>> {
    let mut query = partner_skills::table
        .inner_join(skills::table)
        .filter(partner_skills::partner_id.eq(partner_id))
        .select((PartnerSkillRow::as_select(), skills::slug, skills::name))
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(skills::slug.gt(after.to_owned()));
    }
    query.order(skills::slug.asc()).limit(limit).load(conn)
}

pub fn insert(conn: &mut DbConnection, row: &PartnerSkillRow) -> QueryResult<()> {
    diesel::insert_into(partner_skills::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Writes `row` if the stored version is still `row.version - 1`; false when it moved.
pub fn update_versioned(conn: &mut DbConnection, row: &PartnerSkillRow) -> QueryResult<bool> {
    diesel::update(
        partner_skills::table
            .filter(partner_skills::partner_id.eq(&row.partner_id))
            .filter(partner_skills::skill_id.eq(&row.skill_id))
            .filter(partner_skills::version.eq(row.version - 1)),
    )
    .set(row)
    .execute(conn)
    .map(|n| n == 1)
}

/// Deletes the partner skill if it is still at `version`; false when it moved.
pub fn delete_versioned(
    conn: &mut DbConnection,
    partner_id: &str,
    skill_id: &str,
    version: i32,
) -> QueryResult<bool> {
    diesel::delete(
        partner_skills::table
            .filter(partner_skills::partner_id.eq(partner_id))
            .filter(partner_skills::skill_id.eq(skill_id))
            .filter(partner_skills::version.eq(version)),
    )
    .execute(conn)
    .map(|n| n == 1)
}

/// How many partners hold the skill (a skill in use cannot be deleted).
pub fn count_holders(conn: &mut DbConnection, skill_id: &str) -> QueryResult<i64> {
    partner_skills::table
        .filter(partner_skills::skill_id.eq(skill_id))
        .count()
        .get_result(conn)
}

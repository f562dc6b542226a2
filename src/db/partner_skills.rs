//! Queries on `partner_skills`: which skills a partner holds, at what level, with what evidence.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{partner_skills, partners, skills};
use crate::domain::directory::{PartnerKind, PartnerStatus, SkillLevel};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = partner_skills, treat_none_as_null = true)]
pub struct PartnerSkillRow {
    pub partner_id: String,
    pub skill_id: String,
    /// Stored as its rank, so that levels compare in SQL.
    pub level: SkillLevel,
    pub certified_experts: i32,
    /// A JSON array of URLs ([`super::encode_urls`]).
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

/// An active partner's claim on a skill, with the partner's name and kind: what
/// matching reads.
#[derive(Debug, Clone, Queryable)]
pub struct HolderRow {
    pub partner_id: String,
    pub partner_name: String,
    pub partner_kind: PartnerKind,
    pub skill_id: String,
    pub level: SkillLevel,
    pub verified: bool,
}

/// Every active partner's claims on any of `skill_ids` (only those of `partner_ids`
/// when given), by partner: one query for a whole lot.
pub fn holders_of(
    conn: &mut DbConnection,
    skill_ids: &[String],
    partner_ids: Option<&[String]>,
) -> QueryResult<Vec<HolderRow>> {
    let mut query = partner_skills::table
        .inner_join(partners::table)
        .filter(partner_skills::skill_id.eq_any(skill_ids))
        .filter(partners::status.eq(PartnerStatus::Active))
        .select((
            partner_skills::partner_id,
            partners::name,
            partners::kind,
            partner_skills::skill_id,
            partner_skills::level,
            partner_skills::verified,
        ))
        .into_boxed();
    if let Some(partner_ids) = partner_ids {
        query = query.filter(partner_skills::partner_id.eq_any(partner_ids));
    }
    query
        .order((partner_skills::partner_id, partner_skills::skill_id))
        .load(conn)
}

/// How many partners hold the skill (a skill in use cannot be deleted).
pub fn count_holders(conn: &mut DbConnection, skill_id: &str) -> QueryResult<i64> {
    partner_skills::table
        .filter(partner_skills::skill_id.eq(skill_id))
        .count()
        .get_result(conn)
}

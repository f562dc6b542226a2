//! Queries on `partners`: the directory's keyset-paginated search and what refers to a partner.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_clients, partner_skills, partners, projects, skills, users};
use super::{DbConnection, contains_pattern};
use crate::domain::directory::{Membership, PartnerKind, PartnerSort, PartnerStatus, SkillLevel};
use crate::domain::search;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = partners, treat_none_as_null = true)]
pub struct PartnerRow {
    pub id: String,
    pub name: String,
    pub legal_name: String,
    pub siren: String,
    pub kind: PartnerKind,
    pub membership: Membership,
    pub status: PartnerStatus,
    pub verified: bool,
    pub website: Option<String>,
    pub contact_email: String,
    pub region: String,
    pub headcount: Option<i32>,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

/// The directory's search; every field narrows the result.
#[derive(Debug)]
pub struct PartnerFilter {
    /// Case-insensitive substring of name, legal name or description.
    pub q: Option<String>,
    pub kind: Option<PartnerKind>,
    pub region: Option<String>,
    pub membership: Option<Membership>,
    /// The statuses listed: a partner in none of them is not.
    pub statuses: Vec<PartnerStatus>,
    pub verified: Option<bool>,
    /// Skills (slugs or ids) the partner must all hold, each at `min_level` or above; a
    /// skill the catalogue does not have is held by nobody.
    pub skills: Vec<String>,
    /// With no skill, the partner must hold some skill at this level or above.
    pub min_level: Option<SkillLevel>,
}

/// Where a page starts: after this row of the chosen order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum After {
    Name { key: String, id: String },
    Created { at: NaiveDateTime, id: String },
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<PartnerRow>> {
    partners::table
        .find(id)
        .select(PartnerRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_siren(conn: &mut DbConnection, siren: &str) -> QueryResult<Option<PartnerRow>> {
    partners::table
        .filter(partners::siren.eq(siren))
        .select(PartnerRow::as_select())
        .first(conn)
        .optional()
}

pub fn exists(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(partners::table.find(id))).get_result(conn)
}

type Derived = (
    diesel::dsl::Eq<partners::name_key, String>,
    diesel::dsl::Eq<partners::search_text, String>,
);

/// The columns computed from the row, written with it so no writer can forget them.
fn derived(row: &PartnerRow) -> Derived {
    (
        partners::name_key.eq(search::fold(&row.name)),
        partners::search_text.eq(search::search_text(&[
            &row.name,
            &row.legal_name,
            &row.description,
        ])),
    )
}

pub fn insert(conn: &mut DbConnection, row: &PartnerRow) -> QueryResult<()> {
    diesel::insert_into(partners::table)
        .values((row, derived(row)))
        .execute(conn)
        .map(drop)
}

/// Writes `row` if the stored version is still `row.version - 1`; false when it moved.
pub fn update_versioned(conn: &mut DbConnection, row: &PartnerRow) -> QueryResult<bool> {
    diesel::update(
        partners::table
            .filter(partners::id.eq(&row.id))
            .filter(partners::version.eq(row.version - 1)),
    )
    .set((row, derived(row)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Marks the partner changed (its skills are part of it): a new version, so a new ETag.
pub fn touch(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(partners::table.find(id))
        .set((
            partners::version.eq(partners::version + 1),
            partners::updated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

/// Deletes the partner if it is still at `version`; false when it moved.
pub fn delete_versioned(conn: &mut DbConnection, id: &str, version: i32) -> QueryResult<bool> {
    diesel::delete(
        partners::table
            .filter(partners::id.eq(id))
            .filter(partners::version.eq(version)),
    )
    .execute(conn)
    .map(|n| n == 1)
}

/// What keeps a partner from being deleted: the records that act for it or cite it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PartnerReferences {
    pub users: i64,
    pub api_clients: i64,
    pub stewarded_projects: i64,
    pub bids: i64,
    pub contracts: i64,
}

impl PartnerReferences {
    pub fn is_empty(&self) -> bool {
        *self == PartnerReferences::default()
    }
}

pub fn references(conn: &mut DbConnection, id: &str) -> QueryResult<PartnerReferences> {
    Ok(PartnerReferences {
        users: users::table
            .filter(users::partner_id.eq(id))
            .count()
            .get_result(conn)?,
        api_clients: api_clients::table
            .filter(api_clients::partner_id.eq(id))
            .count()
            .get_result(conn)?,
        stewarded_projects: projects::table
            .filter(projects::steward_partner_id.eq(id))
            .count()
            .get_result(conn)?,
        bids: super::bids::count_for_partner(conn, id)?,
        contracts: super::contracts::count_for_partner(conn, id)?,
    })
}

/// One page of the directory in `sort` order, after `after`; `limit` rows at most.
pub fn list(
    conn: &mut DbConnection,
    filter: &PartnerFilter,
    sort: PartnerSort,
    after: Option<&After>,
    limit: i64,
) -> QueryResult<Vec<PartnerRow>> {
    let mut query = partners::table.select(PartnerRow::as_select()).into_boxed();
    if let Some(q) = &filter.q {
        let pattern = contains_pattern(&search::fold(q));
        query = query.filter(partners::search_text.like(pattern).escape('\\'));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(partners::kind.eq(kind));
    }
    if let Some(region) = &filter.region {
        query = query.filter(partners::region.eq(region.clone()));
    }
    if let Some(membership) = filter.membership {
        query = query.filter(partners::membership.eq(membership));
    }
    query = query.filter(partners::status.eq_any(filter.statuses.clone()));
    if let Some(verified) = filter.verified {
        query = query.filter(partners::verified.eq(verified));
    }
    let min_level = filter.min_level.unwrap_or(SkillLevel::Practitioner);
    for skill in &filter.skills {
        query = query.filter(
            partners::id.eq_any(
                partner_skills::table
                    .inner_join(skills::table)
                    .filter(
                        skills::id
                            .eq(skill.clone())
                            .or(skills::slug.eq(skill.clone())),
                    )
                    .filter(partner_skills::level.ge(min_level))
                    .select(partner_skills::partner_id),
            ),
        );
    }
    if filter.skills.is_empty() && filter.min_level.is_some() {
        query = query.filter(
            partners::id.eq_any(
                partner_skills::table
                    .filter(partner_skills::level.ge(min_level))
                    .select(partner_skills::partner_id),
            ),
        );
    }
    query = match after {
        Some(After::Name { key, id }) if sort.descending() => query.filter(
            partners::name_key.lt(key.clone()).or(partners::name_key
                .eq(key.clone())
                .and(partners::id.lt(id.clone()))),
        ),
        Some(After::Name { key, id }) => query.filter(
            partners::name_key.gt(key.clone()).or(partners::name_key
                .eq(key.clone())
                .and(partners::id.gt(id.clone()))),
        ),
        Some(After::Created { at, id }) if sort.descending() => query.filter(
            partners::created_at.lt(*at).or(partners::created_at
                .eq(*at)
                .and(partners::id.lt(id.clone()))),
        ),
        Some(After::Created { at, id }) => query.filter(
            partners::created_at.gt(*at).or(partners::created_at
                .eq(*at)
                .and(partners::id.gt(id.clone()))),
        ),
        None => query,
    };
    query = match sort {
        PartnerSort::NameAscending => query.order((partners::name_key.asc(), partners::id.asc())),
        PartnerSort::NameDescending => {
            query.order((partners::name_key.desc(), partners::id.desc()))
        }
        PartnerSort::CreatedAscending => {
            query.order((partners::created_at.asc(), partners::id.asc()))
        }
        PartnerSort::CreatedDescending => {
            query.order((partners::created_at.desc(), partners::id.desc()))
        }
    };
    query.limit(limit).load(conn)
}

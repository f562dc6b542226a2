//! Queries on `tenders`, `lots` and `lot_skills`: calls for tenders with their lots and
//! the skills each lot requires.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{lot_skills, lots, skills, tenders};
use super::{DbConnection, contains_pattern};
use crate::domain::directory::SkillLevel;
use crate::domain::search;
use crate::domain::tender::{Procedure, TenderStatus};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = tenders, treat_none_as_null = true)]
pub struct TenderRow {
    pub id: String,
    pub buyer_id: String,
    pub reference: String,
    pub title: String,
    pub description: String,
    pub procedure: Procedure,
    pub currency: String,
    pub estimated_value_minor: i64,
    pub submission_deadline: NaiveDateTime,
    /// As stored: see [`crate::domain::tender::effective_status`].
    pub status: TenderStatus,
    pub published_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl TenderRow {
    /// The status callers see at `now`.
    pub fn status_at(&self, now: NaiveDateTime) -> TenderStatus {
        crate::domain::tender::effective_status(self.status, self.submission_deadline, now)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = lots)]
pub struct LotRow {
    pub id: String,
    pub tender_id: String,
    pub position: i32,
    pub title: String,
    pub description: String,
    pub estimated_value_minor: i64,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = lot_skills)]
pub struct LotSkillRow {
    pub lot_id: String,
    pub skill_id: String,
    pub position: i32,
    pub min_level: SkillLevel,
    pub weight: i32,
}

/// A lot with its required skills (and their slugs), in order.
#[derive(Debug, Clone)]
pub struct Lot {
    pub row: LotRow,
    pub required_skills: Vec<(LotSkillRow, String)>,
}

/// Who is asking, as far as which tenders exist for them.
#[derive(Debug, Clone)]
pub enum TenderVisibility {
    /// Admins.
    All,
    /// Tenders once published, and those of this buyer (if any) in every status.
    PublicAnd(Option<String>),
}

#[derive(Debug, Default)]
pub struct TenderFilter {
    /// Effective status: a published tender past its deadline counts as evaluation.
    pub status: Option<TenderStatus>,
    pub buyer_id: Option<String>,
    /// Only tenders with a lot requiring this skill id.
    pub skill_id: Option<String>,
    /// Case-insensitive substring of reference, title or description.
    pub q: Option<String>,
    pub deadline_after: Option<NaiveDateTime>,
    pub deadline_before: Option<NaiveDateTime>,
}

/// The searched column, written with the row so no writer can forget it.
fn derived(row: &TenderRow) -> diesel::dsl::Eq<tenders::search_text, String> {
    tenders::search_text.eq(search::search_text(&[
        &row.reference,
        &row.title,
        &row.description,
    ]))
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<TenderRow>> {
    tenders::table
        .find(id)
        .select(TenderRow::as_select())
        .first(conn)
        .optional()
}

/// How many lots require the skill (a skill in use stays in the catalogue).
pub fn count_lots_requiring(conn: &mut DbConnection, skill_id: &str) -> QueryResult<i64> {
    lot_skills::table
        .filter(lot_skills::skill_id.eq(skill_id))
        .count()
        .get_result(conn)
}

pub fn reference_taken(
    conn: &mut DbConnection,
    buyer_id: &str,
    reference: &str,
    except_id: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        tenders::table
            .filter(tenders::buyer_id.eq(buyer_id))
            .filter(tenders::reference.eq(reference))
            .filter(tenders::id.ne(except_id)),
    ))
    .get_result(conn)
}

pub fn insert(conn: &mut DbConnection, row: &TenderRow) -> QueryResult<()> {
    diesel::insert_into(tenders::table)
        .values((row, derived(row)))
        .execute(conn)
        .map(drop)
}

/// Writes `row` if the stored version is still `row.version - 1`; false when it moved.
pub fn update_versioned(conn: &mut DbConnection, row: &TenderRow) -> QueryResult<bool> {
    diesel::update(
        tenders::table
            .filter(tenders::id.eq(&row.id))
            .filter(tenders::version.eq(row.version - 1)),
    )
    .set((row, derived(row)))
    .execute(conn)
    .map(|n| n == 1)
}

/// Deletes the tender (its lots go with it) if it is still at `version`.
pub fn delete_versioned(conn: &mut DbConnection, id: &str, version: i32) -> QueryResult<bool> {
    diesel::delete(
        tenders::table
            .filter(tenders::id.eq(id))
            .filter(tenders::version.eq(version)),
    )
    .execute(conn)
    .map(|n| n == 1)
}

/// Replaces the tender's lots and their required skills.
pub fn replace_lots(conn: &mut DbConnection, tender_id: &str, lots_: &[Lot]) -> QueryResult<()> {
    diesel::delete(lots::table.filter(lots::tender_id.eq(tender_id))).execute(conn)?;
    // One statement per row: MultiConnection has no batch insert.
    for lot in lots_ {
        diesel::insert_into(lots::table)
            .values(&lot.row)
            .execute(conn)?;
        for (required, _) in &lot.required_skills {
            diesel::insert_into(lot_skills::table)
                .values(required)
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The lots of each of `tender_ids` with their required skills, by tender then position:
/// two queries for any number of tenders.
pub fn lots_of(conn: &mut DbConnection, tender_ids: &[String]) -> QueryResult<Vec<Lot>> {
    let rows: Vec<LotRow> = lots::table
        .filter(lots::tender_id.eq_any(tender_ids))
        .select(LotRow::as_select())
        .order((lots::tender_id.asc(), lots::position.asc()))
        .load(conn)?;
    let lot_ids: Vec<&String> = rows.iter().map(|lot| &lot.id).collect();
    let required: Vec<(LotSkillRow, String)> = lot_skills::table
        .inner_join(skills::table)
        .filter(lot_skills::lot_id.eq_any(lot_ids))
        .select((LotSkillRow::as_select(), skills::slug))
        .order((lot_skills::lot_id.asc(), lot_skills::position.asc()))
        .load(conn)?;
    let mut by_lot: HashMap<String, Vec<(LotSkillRow, String)>> = HashMap::new();
    for (skill, slug) in required {
        by_lot
            .entry(skill.lot_id.clone())
            .or_default()
            .push((skill, slug));
    }
    Ok(rows
        .into_iter()
        .map(|row| Lot {
            required_skills: by_lot.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// One page, newest first, after the id `before` (ids are UUID v7: creation order).
pub fn list(
    conn: &mut DbConnection,
    visibility: &TenderVisibility,
    filter: &TenderFilter,
    now: NaiveDateTime,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<TenderRow>> {
    let mut query = tenders::table.select(TenderRow::as_select()).into_boxed();
    if let TenderVisibility::PublicAnd(own) = visibility {
        let public = tenders::published_at.is_not_null();
        query = match own {
            Some(buyer_id) => query.filter(public.or(tenders::buyer_id.eq(buyer_id.clone()))),
            None => query.filter(public),
        };
    }
    let stored = |status: TenderStatus| tenders::status.eq(status);
    query = match filter.status {
        Some(TenderStatus::Published) => {
            query.filter(stored(TenderStatus::Published).and(tenders::submission_deadline.gt(now)))
        }
        Some(TenderStatus::Evaluation) => query.filter(
            stored(TenderStatus::Evaluation)
                .or(stored(TenderStatus::Published).and(tenders::submission_deadline.le(now))),
        ),
        Some(status) => query.filter(stored(status)),
        None => query,
    };
    if let Some(buyer_id) = &filter.buyer_id {
        query = query.filter(tenders::buyer_id.eq(buyer_id.clone()));
    }
    if let Some(skill_id) = &filter.skill_id {
        query = query.filter(
            tenders::id.eq_any(
                lots::table
                    .inner_join(lot_skills::table)
                    .filter(lot_skills::skill_id.eq(skill_id.clone()))
                    .select(lots::tender_id),
            ),
        );
    }
    if let Some(q) = &filter.q {
        let pattern = contains_pattern(&search::fold(q));
        query = query.filter(tenders::search_text.like(pattern).escape('\\'));
    }
    if let Some(after) = filter.deadline_after {
        query = query.filter(tenders::submission_deadline.ge(after));
    }
    if let Some(before) = filter.deadline_before {
        query = query.filter(tenders::submission_deadline.lt(before));
    }
    if let Some(before) = before {
        query = query.filter(tenders::id.lt(before.to_owned()));
    }
    query.order(tenders::id.desc()).limit(limit).load(conn)
}

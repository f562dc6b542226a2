//! Tenders: calls for tenders with their lots, and their lifecycle (edit, delete,
//! publish, close, cancel, award). Every move locks the tender row first, so that bids,
//! closes and awards of one tender happen one after the other on what is current.

use std::collections::HashMap;

use chrono::{DateTime, FixedOffset, NaiveDateTime, SubsecRound, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::contracts::{Contract, contract_for};
use super::patch::{Given, Patch};
use super::schemas::Currency;
use super::skills::filter_skill_id;
use super::validation::{checked, findings_of, invalid, non_blank, one_of, valid_currency};
use super::{Findings, Page, ServiceError, ServiceResult, Slice, check_version, written};
use crate::db::tenders::{
    Lot as LotRecord, LotRow, LotSkillRow, TenderFilter, TenderRow, TenderVisibility,
};
use crate::db::{self, DbConnection, Lockable};
use crate::domain::access::{self, Principal, Role};
use crate::domain::bid::BidStatus;
use crate::domain::directory::SkillLevel;
use crate::domain::money::DEFAULT_CURRENCY;
use crate::domain::tender::{
    self as lifecycle, AwardChoice, Procedure, SubmittedBid, TenderAction, TenderStatus,
};
use crate::domain::version::Expected;
use crate::state::AppState;

/// Most lots in a tender, and required skills in a lot.
const MAX_LOTS: u64 = 50;
const MAX_REQUIRED_SKILLS: u64 = 30;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RequiredSkill {
    /// The skill's slug.
    pub skill: String,
    pub min_level: SkillLevel,
    /// 1 to 10: how much the skill counts in matching.
    pub weight: i32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Lot {
    pub id: String,
    pub title: String,
    pub description: String,
    pub estimated_value_minor: i64,
    pub required_skills: Vec<RequiredSkill>,
}

impl From<LotRecord> for Lot {
    fn from(lot: LotRecord) -> Lot {
        Lot {
            id: lot.row.id,
            title: lot.row.title,
            description: lot.row.description,
            estimated_value_minor: lot.row.estimated_value_minor,
            required_skills: lot
                .required_skills
                .into_iter()
                .map(|(row, slug)| RequiredSkill {
                    skill: slug,
                    min_level: row.min_level,
                    weight: row.weight,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-111111111111", "buyer_id": "0193a5b2-7c1e-7d3a-9f10-bbbbbbbbbbbb",
    "reference": "DEMO-2027-001", "title": "Support for the open source database estate",
    "description": "Third-level support and upstream fixes for PostgreSQL and PostGIS.",
    "procedure": "open", "currency": "EUR", "estimated_value_minor": 120000000,
    "submission_deadline": "2027-01-31T12:00:00Z", "status": "published",
    "published_at": "2026-12-01T09:00:00Z", "closed_at": null,
    "lots": [{
        "id": "0193a5b2-7c1e-7d3a-9f10-222222222222", "title": "PostgreSQL support",
        "description": "", "estimated_value_minor": 80000000,
        "required_skills": [{"skill": "postgresql", "min_level": "contributor", "weight": 8}]
    }],
    "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-12-01T09:00:00Z", "version": 2
}))]
pub struct Tender {
    pub id: String,
    pub buyer_id: String,
    /// Unique per buyer.
    pub reference: String,
    pub title: String,
    pub description: String,
    pub procedure: Procedure,
    /// ISO 4217.
    pub currency: String,
    pub estimated_value_minor: i64,
    pub submission_deadline: DateTime<Utc>,
    /// A published tender past its deadline reads as `evaluation`.
    pub status: TenderStatus,
    #[schema(required = true)]
    pub published_at: Option<DateTime<Utc>>,
    /// When bidding ended early (`close`) or the tender was concluded.
    #[schema(required = true)]
    pub closed_at: Option<DateTime<Utc>>,
    pub lots: Vec<Lot>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl Tender {
    fn new(row: TenderRow, lots: Vec<LotRecord>, now: NaiveDateTime) -> Tender {
        Tender {
            status: row.status_at(now),
            id: row.id,
            buyer_id: row.buyer_id,
            reference: row.reference,
            title: row.title,
            description: row.description,
            procedure: row.procedure,
            currency: row.currency,
            estimated_value_minor: row.estimated_value_minor,
            submission_deadline: row.submission_deadline.and_utc(),
            published_at: row.published_at.map(|at| at.and_utc()),
            closed_at: row.closed_at.map(|at| at.and_utc()),
            lots: lots.into_iter().map(Lot::from).collect(),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

/// A deadline a tender could mean (see [`lifecycle::PLAUSIBLE_YEARS`]), by the year as
/// written, which is what the document's pattern reads.
fn plausible_instant(
    value: &(impl Given<DateTime<FixedOffset>> + ?Sized),
) -> Result<(), ValidationError> {
    match value.given() {
        Some(at) if !lifecycle::is_plausible(at.naive_local()) => {
            Err(invalid("range", "must fall in the years 2000 to 2199"))
        }
        _ => Ok(()),
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequiredSkill {
    /// Slug or id of a catalogue skill.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub skill: String,
    #[validate(custom(function = "one_of::<SkillLevel>"))]
    #[schema(value_type = SkillLevel)]
    pub min_level: String,
    #[validate(range(min = 1, max = 10))]
    #[schema(minimum = 1, maximum = 10)]
    pub weight: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLot {
    #[validate(length(max = 300), custom(function = "non_blank"))]
    #[schema(max_length = 300, pattern = r"\S")]
    pub title: String,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub estimated_value_minor: i64,
    /// At least one is needed to publish; at most 30.
    #[serde(default)]
    #[validate(length(max = MAX_REQUIRED_SKILLS), nested)]
    #[schema(max_items = 30)]
    pub required_skills: Vec<NewRequiredSkill>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "buyer_id": "0193a5b2-7c1e-7d3a-9f10-bbbbbbbbbbbb",
    "reference": "DEMO-2027-001", "title": "Support for the open source database estate",
    "description": "Third-level support and upstream fixes for PostgreSQL and PostGIS.",
    "procedure": "open", "currency": "EUR", "estimated_value_minor": 120000000,
    "submission_deadline": "2027-01-31T12:00:00Z",
    "lots": [
        {"title": "PostgreSQL support", "estimated_value_minor": 80000000,
         "required_skills": [{"skill": "postgresql", "min_level": "contributor", "weight": 8}]},
        {"title": "GIS", "estimated_value_minor": 40000000,
         "required_skills": [{"skill": "postgis", "min_level": "expert", "weight": 5},
                             {"skill": "qgis", "min_level": "expert", "weight": 3}]}
    ]
}))]
pub struct NewTender {
    /// The buyer the tender is for: an admin names it; a buyer's tenders are its own,
    /// so a buyer leaves it out or names itself.
    pub buyer_id: Option<String>,
    #[validate(length(max = 100), custom(function = "non_blank"))]
    #[schema(max_length = 100, pattern = r"\S")]
    pub reference: String,
    #[validate(length(max = 300), custom(function = "non_blank"))]
    #[schema(max_length = 300, pattern = r"\S")]
    pub title: String,
    #[validate(length(max = 20000))]
    #[schema(max_length = 20000)]
    pub description: Option<String>,
    #[validate(custom(function = "one_of::<Procedure>"))]
    #[schema(value_type = Procedure)]
    pub procedure: String,
    /// ISO 4217; defaults to EUR.
    #[validate(custom(function = "valid_currency"))]
    #[schema(value_type = Option<Currency>)]
    pub currency: Option<String>,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub estimated_value_minor: i64,
    /// Must be in the future when the tender is published; years 2000 to 2199.
    #[validate(custom(function = "plausible_instant"))]
    #[schema(value_type = DateTime<Utc>, pattern = "^2[01][0-9]{2}-")]
    pub submission_deadline: DateTime<FixedOffset>,
    /// At least one is needed to publish; at most 50.
    #[serde(default)]
    #[validate(length(max = MAX_LOTS), nested)]
    #[schema(max_items = 50)]
    pub lots: Vec<NewLot>,
}

/// A draft's changes; `lots`, when given, replaces every lot (their ids change).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Support for the database estate", "submission_deadline": "2027-02-15T12:00:00Z"}))]
pub struct TenderPatch {
    #[validate(length(max = 100), custom(function = "non_blank"))]
    #[schema(max_length = 100, pattern = r"\S", value_type = String)]
    #[serde(default)]
    pub reference: Patch<String>,
    #[validate(length(max = 300), custom(function = "non_blank"))]
    #[schema(max_length = 300, pattern = r"\S", value_type = String)]
    #[serde(default)]
    pub title: Patch<String>,
    #[validate(length(max = 20000))]
    #[schema(max_length = 20000, value_type = String)]
    #[serde(default)]
    pub description: Patch<String>,
    #[validate(custom(function = "one_of::<Procedure>"))]
    #[serde(default)]
    #[schema(value_type = Procedure)]
    pub procedure: Patch<String>,
    #[validate(custom(function = "valid_currency"))]
    #[schema(value_type = Currency)]
    #[serde(default)]
    pub currency: Patch<String>,
    #[validate(range(min = 0))]
    #[schema(minimum = 0, value_type = i64)]
    #[serde(default)]
    pub estimated_value_minor: Patch<i64>,
    #[validate(custom(function = "plausible_instant"))]
    #[serde(default)]
    #[schema(value_type = DateTime<Utc>, pattern = "^2[01][0-9]{2}-")]
    pub submission_deadline: Patch<DateTime<FixedOffset>>,
    #[validate(length(max = MAX_LOTS), nested)]
    #[schema(max_items = 50, value_type = Vec<NewLot>)]
    #[serde(default)]
    pub lots: Patch<Vec<NewLot>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TenderListQuery {
    /// The status as callers see it (a published tender past its deadline is in
    /// `evaluation`).
    pub status: Option<TenderStatus>,
    pub buyer_id: Option<String>,
    /// Only tenders with a lot requiring this skill (slug or id).
    #[param(example = "postgresql")]
    pub skill: Option<String>,
    /// Case-insensitive substring of the reference, title or description.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Only tenders whose deadline is at or after this instant.
    pub deadline_after: Option<DateTime<Utc>>,
    /// Only tenders whose deadline is before this instant.
    pub deadline_before: Option<DateTime<Utc>>,
}

/// One lot to award: the bid chosen for it.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LotAward {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub lot_id: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub bid_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"awards": [{"lot_id": "0193a5b2-7c1e-7d3a-9f10-222222222222",
                                      "bid_id": "0193a5b2-7c1e-7d3a-9f10-333333333333"}]}))]
pub struct Award {
    /// One submitted bid per lot awarded; lots left out get no contract.
    #[validate(length(min = 1, max = MAX_LOTS), nested)]
    #[schema(min_items = 1, max_items = 50)]
    pub awards: Vec<LotAward>,
}

/// The awarded tender and the contracts it created.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AwardOutcome {
    pub tender: Tender,
    pub contracts: Vec<Contract>,
}

/// Stored timestamps are microseconds; so is what callers send, once stored.
fn stored_instant<Zone: TimeZone>(at: DateTime<Zone>) -> NaiveDateTime {
    at.naive_utc().trunc_subsecs(6)
}

fn not_found(id: &str) -> ServiceError {
    ServiceError::NotFound(format!("no tender `{id}`"))
}

/// The tender as `caller` may see it: drafts (never published) are private to their
/// buyer and admins, and answer 404 to anyone else.
pub(super) fn visible(
    conn: &mut DbConnection,
    caller: Option<&Principal>,
    id: &str,
) -> ServiceResult<TenderRow> {
    let row = db::tenders::find(conn, id)?.ok_or_else(|| not_found(id))?;
    access::can_read_tender(caller, &row.buyer_id, row.published_at.is_some())
        .map_err(|refusal| ServiceError::refusal(refusal, || not_found(id).to_string()))?;
    Ok(row)
}

/// Locks the tender for the rest of the transaction and reads it as `caller` may see it.
/// Every change to a tender or to one of its bids starts here, so they happen one at a
/// time and each sees what the previous one committed.
pub(super) fn lock_visible(
    conn: &mut DbConnection,
    caller: &Principal,
    id: &str,
) -> ServiceResult<TenderRow> {
    db::lock(conn, Lockable::Tenders, id)?;
    visible(conn, Some(caller), id)
}

/// The locked tender, which `principal` must manage (its buyer or an admin).
fn lock_managed(
    conn: &mut DbConnection,
    principal: &Principal,
    id: &str,
) -> ServiceResult<TenderRow> {
    let row = lock_visible(conn, principal, id)?;
    access::can_manage_tender(principal, &row.buyer_id)
        .map_err(|refusal| ServiceError::refusal(refusal, || not_found(id).to_string()))?;
    Ok(row)
}

/// Runs `work` as one write transaction on the tender `id`, locked and managed by
/// `principal`, at the transaction's "now" (read once the lock is held: waiting for it
/// must not move a deadline).
async fn on_managed_tender<T, F>(
    state: &AppState,
    principal: &Principal,
    id: String,
    mut work: F,
) -> ServiceResult<T>
where
    F: FnMut(&mut DbConnection, TenderRow, NaiveDateTime) -> ServiceResult<T> + Send + 'static,
    T: Send + 'static,
{
    let principal = principal.clone();
    let clock = state.clock.clone();
    state
        .db
        .write(move |conn| {
            let current = lock_managed(conn, &principal, &id)?;
            work(conn, current, clock.now_naive())
        })
        .await
}

/// A 409 naming the status that refuses the action.
pub(super) fn refused(refusal: lifecycle::Refused) -> ServiceError {
    ServiceError::refused_in(refusal.status.as_str(), refusal.to_string())
}

fn lots_of_one(conn: &mut DbConnection, row: &TenderRow) -> ServiceResult<Vec<LotRecord>> {
    Ok(db::tenders::lots_of(conn, std::slice::from_ref(&row.id))?)
}

/// Lots as rows, their required skills resolved in the catalogue in one query; unknown
/// or repeated skills are findings at their place in the body.
fn build_lots(
    conn: &mut DbConnection,
    tender_id: &str,
    lots: &[NewLot],
    findings: &mut Findings,
) -> ServiceResult<Vec<LotRecord>> {
    let keys: Vec<&str> = lots
        .iter()
        .flat_map(|lot| lot.required_skills.iter().map(|r| r.skill.as_str()))
        .collect();
    let known = db::skills::resolve(conn, &keys)?;
    let lookup = |key: &str| known.iter().find(|(id, slug)| id == key || slug == key);
    let mut built = Vec::with_capacity(lots.len());
    for (lot_index, lot) in lots.iter().enumerate() {
        let lot_id = db::new_id();
        let mut required: Vec<(LotSkillRow, String)> = Vec::new();
        for (index, wanted) in lot.required_skills.iter().enumerate() {
            let pointer = format!("#/lots/{lot_index}/required_skills/{index}/skill");
            let Some((skill_id, slug)) = lookup(&wanted.skill) else {
                findings.add(
                    pointer,
                    crate::domain::NOT_FOUND,
                    format!("no skill `{}`", wanted.skill),
                );
                continue;
            };
            if required.iter().any(|(row, _)| row.skill_id == *skill_id) {
                findings.add(
                    pointer,
                    "duplicate",
                    "each skill may be required once per lot",
                );
                continue;
            }
            // A level validation refused is reported there; the row is never written.
            let Some(min_level) = SkillLevel::parse(&wanted.min_level) else {
                continue;
            };
            required.push((
                LotSkillRow {
                    lot_id: lot_id.clone(),
                    skill_id: skill_id.clone(),
                    position: index as i32,
                    min_level,
                    weight: wanted.weight,
                },
                slug.clone(),
            ));
        }
        built.push(LotRecord {
            row: LotRow {
                id: lot_id,
                tender_id: tender_id.to_owned(),
                position: lot_index as i32,
                title: lot.title.trim().to_owned(),
                description: lot.description.clone().unwrap_or_default(),
                estimated_value_minor: lot.estimated_value_minor,
            },
            required_skills: required,
        });
    }
    Ok(built)
}

fn reference_taken(reference: &str) -> ServiceError {
    ServiceError::conflict(format!(
        "this buyer already has a tender with reference `{reference}`"
    ))
}

fn check_reference(conn: &mut DbConnection, row: &TenderRow) -> ServiceResult<()> {
    if db::tenders::reference_taken(conn, &row.buyer_id, &row.reference, &row.id)? {
        Err(reference_taken(&row.reference))
    } else {
        Ok(())
    }
}

/// Tenders the caller may see, newest first: anonymous callers and partners see them
/// once published; a buyer also sees its own drafts; admins see all.
pub async fn list_tenders(
    state: &AppState,
    caller: Option<&Principal>,
    query: TenderListQuery,
    page: Page,
) -> ServiceResult<Slice<Tender>> {
    let visibility = match caller {
        Some(p) if p.is_admin() => TenderVisibility::All,
        Some(p) if p.role == Role::Buyer => TenderVisibility::PublicAnd(p.buyer_id.clone()),
        _ => TenderVisibility::PublicAnd(None),
    };
    let now = state.clock.now_naive();
    let (before, fetch) = (page.after.clone(), page.fetch());
    let (rows, lots) = state
        .db
        .run(move |conn| {
            let skill_id = match query.skill.as_ref().filter(|s| !s.trim().is_empty()) {
                // An unknown skill is required by no lot: the page is empty.
                Some(skill) => filter_skill_id(conn, Some(skill))?,
                None => None,
            };
            let filter = TenderFilter {
                status: query.status,
                buyer_id: query.buyer_id,
                skill_id,
                q: query.q.filter(|q| !q.trim().is_empty()),
                deadline_after: query.deadline_after.map(stored_instant),
                deadline_before: query.deadline_before.map(stored_instant),
            };
            let rows =
                db::tenders::list(conn, &visibility, &filter, now, before.as_deref(), fetch)?;
            let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
            let lots = db::tenders::lots_of(conn, &ids)?;
            Ok::<_, ServiceError>((rows, lots))
        })
        .await?;
    let mut lots_by_tender: HashMap<String, Vec<LotRecord>> = HashMap::new();
    for lot in lots {
        lots_by_tender
            .entry(lot.row.tender_id.clone())
            .or_default()
            .push(lot);
    }
    Ok(Slice::of(
        &page,
        rows,
        |row| row.id.clone(),
        |row| {
            let lots = lots_by_tender.remove(&row.id).unwrap_or_default();
            Tender::new(row, lots, now)
        },
    ))
}

/// One tender with its lots, as the caller may see it.
pub async fn get_tender(
    state: &AppState,
    caller: Option<&Principal>,
    id: String,
) -> ServiceResult<Tender> {
    let caller = caller.cloned();
    let now = state.clock.now_naive();
    state
        .db
        .run(move |conn| {
            let row = visible(conn, caller.as_ref(), &id)?;
            let lots = lots_of_one(conn, &row)?;
            Ok(Tender::new(row, lots, now))
        })
        .await
}

/// A draft tender with its lots. A buyer creates tenders for itself; an admin names
/// the buyer.
pub async fn create_tender(
    state: &AppState,
    principal: &Principal,
    body: NewTender,
) -> ServiceResult<Tender> {
    let mut findings = Findings::new(findings_of(&body));
    let buyer_id = match (principal.role, &principal.buyer_id, &body.buyer_id) {
        (Role::Buyer, Some(own), None) => Some(own.clone()),
        (Role::Buyer, Some(own), Some(named)) if named == own => Some(own.clone()),
        (Role::Buyer, _, Some(_)) => {
            findings.add(
                "#/buyer_id",
                "not_allowed",
                "a buyer creates tenders for itself only",
            );
            None
        }
        (Role::Admin, _, Some(buyer_id)) => Some(buyer_id.clone()),
        (Role::Admin, _, None) => {
            findings.add(
                "#/buyer_id",
                "required",
                "an admin names the buyer the tender is for",
            );
            None
        }
        _ => {
            return Err(ServiceError::Forbidden(
                "only buyers and admins create tenders".to_owned(),
            ));
        }
    };
    let found = findings.into_violations();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let mut findings = Findings::new(found.clone());
            if let Some(buyer_id) = &buyer_id
                && !db::buyers::exists(conn, buyer_id)?
            {
                findings.add(
                    "#/buyer_id",
                    crate::domain::NOT_FOUND,
                    format!("no buyer `{buyer_id}`"),
                );
            }
            let id = db::new_id();
            let lots = build_lots(conn, &id, &body.lots, &mut findings)?;
            // Without a buyer there is a finding already.
            let buyer_id = findings.or_value(buyer_id.clone())?.unwrap_or_default();
            let row = TenderRow {
                id,
                buyer_id,
                reference: body.reference.trim().to_owned(),
                title: body.title.trim().to_owned(),
                description: body.description.clone().unwrap_or_default(),
                procedure: checked(&body.procedure)?,
                currency: body
                    .currency
                    .clone()
                    .unwrap_or_else(|| DEFAULT_CURRENCY.to_owned()),
                estimated_value_minor: body.estimated_value_minor,
                submission_deadline: stored_instant(body.submission_deadline),
                status: TenderStatus::Draft,
                published_at: None,
                closed_at: None,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            check_reference(conn, &row)?;
            db::tenders::insert(conn, &row)?;
            db::tenders::replace_lots(conn, &row.id, &lots)?;
            let lots = lots_of_one(conn, &row)?;
            Ok(Tender::new(row, lots, now))
        })
        .await
}

/// Changes a draft; `If-Match` is required.
pub async fn update_tender(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
    patch: TenderPatch,
) -> ServiceResult<Tender> {
    on_managed_tender(state, principal, id, move |conn, current, now| {
        let mut findings = Findings::new(findings_of(&patch));
        let lots = match patch.lots.as_given() {
            Some(lots) => Some(build_lots(conn, &current.id, lots, &mut findings)?),
            None => None,
        };
        findings.done()?;
        check_version(&expected, &current.id, current.version, true)?;
        lifecycle::transition(current.status_at(now), TenderAction::Edit, false)
            .map_err(refused)?;
        let mut next = current;
        if let Some(reference) = patch.reference.as_given() {
            next.reference = reference.trim().to_owned();
            check_reference(conn, &next)?;
        }
        if let Some(title) = patch.title.as_given() {
            next.title = title.trim().to_owned();
        }
        if let Some(description) = patch.description.as_given() {
            next.description.clone_from(description);
        }
        if let Some(procedure) = patch.procedure.as_given() {
            next.procedure = checked(procedure)?;
        }
        if let Some(currency) = patch.currency.as_given() {
            next.currency.clone_from(currency);
        }
        if let Some(&value) = patch.estimated_value_minor.as_given() {
            next.estimated_value_minor = value;
        }
        if let Some(&deadline) = patch.submission_deadline.as_given() {
            next.submission_deadline = stored_instant(deadline);
        }
        next.updated_at = now;
        next.version += 1;
        written(db::tenders::update_versioned(conn, &next)?, "tender")?;
        if let Some(lots) = lots {
            db::tenders::replace_lots(conn, &next.id, &lots)?;
        }
        let lots = lots_of_one(conn, &next)?;
        Ok(Tender::new(next, lots, now))
    })
    .await
}

/// Deletes a draft with its lots; `If-Match` is required.
pub async fn delete_tender(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
) -> ServiceResult<()> {
    on_managed_tender(state, principal, id, move |conn, current, now| {
        check_version(&expected, &current.id, current.version, true)?;
        lifecycle::transition(current.status_at(now), TenderAction::Delete, false)
            .map_err(refused)?;
        written(
            db::tenders::delete_versioned(conn, &current.id, current.version)?,
            "tender",
        )
    })
    .await
}

/// Publishes a draft: at least one lot, a required skill in every lot and a deadline
/// ahead.
pub async fn publish_tender(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
) -> ServiceResult<Tender> {
    move_tender(state, principal, id, expected, TenderAction::Publish).await
}

/// Ends bidding: to `evaluation` when bids were submitted, to `unsuccessful` when none
/// was.
pub async fn close_tender(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
) -> ServiceResult<Tender> {
    move_tender(state, principal, id, expected, TenderAction::Close).await
}

/// Cancels a tender that is not final yet.
pub async fn cancel_tender(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
) -> ServiceResult<Tender> {
    move_tender(state, principal, id, expected, TenderAction::Cancel).await
}

/// Moves the locked tender by `action`: the lifecycle decides on the current status
/// (and, for a close, on the bids submitted so far, which cannot change meanwhile).
async fn move_tender(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
    action: TenderAction,
) -> ServiceResult<Tender> {
    on_managed_tender(state, principal, id, move |conn, current, now| {
        check_version(&expected, &current.id, current.version, false)?;
        let lots = lots_of_one(conn, &current)?;
        let submitted =
            action == TenderAction::Close && db::bids::count_submitted(conn, &current.id)? > 0;
        let to =
            lifecycle::transition(current.status_at(now), action, submitted).map_err(refused)?;
        if action == TenderAction::Publish {
            let skills: Vec<usize> = lots.iter().map(|l| l.required_skills.len()).collect();
            Findings::new(lifecycle::publish_problems(
                &skills,
                current.submission_deadline,
                now,
            ))
            .unmet()?;
        }
        let mut next = current;
        next.status = to;
        match action {
            TenderAction::Publish => next.published_at = Some(now),
            TenderAction::Close => next.closed_at = Some(now),
            _ => {}
        }
        next.updated_at = now;
        next.version += 1;
        written(db::tenders::update_versioned(conn, &next)?, "tender")?;
        Ok(Tender::new(next, lots, now))
    })
    .await
}

/// Awards a tender in evaluation, one submitted bid per lot, in one transaction: the
/// tender becomes `awarded`, the chosen bids `awarded`, every other submitted bid
/// `rejected`, and each awarded lot gets its contract. The tender is locked first, so a
/// bid cannot be submitted, nor a second award made, while this one decides.
pub async fn award_tender(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
    award: Award,
) -> ServiceResult<AwardOutcome> {
    let defaults = state.revenue_share;
    on_managed_tender(state, principal, id, move |conn, current, now| {
        award.validate()?;
        check_version(&expected, &current.id, current.version, false)?;
        let lots = lots_of_one(conn, &current)?;
        let submitted = db::bids::with_status(conn, &current.id, BidStatus::Submitted)?;
        lifecycle::transition(
            current.status_at(now),
            TenderAction::Award,
            !submitted.is_empty(),
        )
        .map_err(refused)?;
        check_awards(&lots, &award, &submitted)?;
        let mut tender = current;
        tender.status = TenderStatus::Awarded;
        tender.closed_at = tender.closed_at.or(Some(now));
        tender.updated_at = now;
        tender.version += 1;
        written(db::tenders::update_versioned(conn, &tender)?, "tender")?;
        let mut contracts = Vec::new();
        for mut bid in submitted {
            let chosen = award.awards.iter().any(|a| a.bid_id == bid.row.id);
            bid.row.set_status(if chosen {
                BidStatus::Awarded
            } else {
                BidStatus::Rejected
            });
            bid.row.updated_at = now;
            bid.row.version += 1;
            written(db::bids::update_versioned(conn, &bid.row)?, "bid")?;
            if chosen {
                let contract = contract_for(&tender, &bid, now);
                db::contracts::insert(conn, &contract)?;
                super::revenue_shares::agreement_for(conn, &contract, defaults, now)?;
                contracts.push(Contract::from(contract));
            }
        }
        // In the order the awards were asked for.
        contracts.sort_by_key(|contract: &Contract| {
            award
                .awards
                .iter()
                .position(|a| a.lot_id == contract.lot_id)
        });
        Ok(AwardOutcome {
            tender: Tender::new(tender, lots, now),
            contracts,
        })
    })
    .await
}

/// The award's choices checked by the lifecycle's rules; each problem is a finding.
fn check_awards(
    lots: &[LotRecord],
    award: &Award,
    submitted: &[db::bids::Bid],
) -> ServiceResult<()> {
    let lot_ids: Vec<&str> = lots.iter().map(|lot| lot.row.id.as_str()).collect();
    let submitted: Vec<SubmittedBid> = submitted
        .iter()
        .map(|bid| SubmittedBid {
            id: &bid.row.id,
            lot_id: &bid.row.lot_id,
        })
        .collect();
    let choices: Vec<AwardChoice> = award
        .awards
        .iter()
        .map(|a| AwardChoice {
            lot_id: &a.lot_id,
            bid_id: &a.bid_id,
        })
        .collect();
    Findings::new(lifecycle::award_problems(&lot_ids, &submitted, &choices)).done()
}

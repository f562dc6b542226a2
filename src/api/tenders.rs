//! `/tenders`: calls for tenders with their lots, and the lifecycle actions (publish,
//! close, cancel, award); buyers manage their own, anyone reads them once published.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::{Validate, ValidationError};

use super::contracts::Contract;
use super::pagination::{ListResponse, PageQuery};
use super::preconditions::{check_if_match, etag, tagged};
use super::request::{created, given, invalid, location, non_blank, one_of, validate_with};
use super::responses as r;
use crate::app::AppState;
use crate::auth::{MaybePrincipal, Principal};
use crate::db::tenders::{
    Lot as LotRecord, LotRow, LotSkillRow, TenderFilter, TenderRow, TenderVisibility,
};
use crate::db::{self, DbConnection};
use crate::domain::access::Role;
use crate::domain::bid::BidStatus;
use crate::domain::directory::SkillLevel;
use crate::domain::money::{self, DEFAULT_CURRENCY};
use crate::domain::tender::{
    self as lifecycle, AwardChoice, Procedure, SubmittedBid, TenderAction, TenderStatus,
};
use crate::error::{ApiError, ApiResult, FieldError};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_tenders)
        .service(create_tender)
        .service(get_tender)
        .service(update_tender)
        .service(delete_tender)
        .service(publish_tender)
        .service(close_tender)
        .service(cancel_tender)
        .service(award_tender);
}

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
                    min_level: SkillLevel::from_rank(row.min_level)
                        .unwrap_or(SkillLevel::Practitioner),
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
    #[schema(value_type = Procedure)]
    pub procedure: String,
    /// ISO 4217.
    pub currency: String,
    pub estimated_value_minor: i64,
    pub submission_deadline: DateTime<Utc>,
    /// A published tender past its deadline reads as `evaluation`.
    pub status: TenderStatus,
    pub published_at: Option<DateTime<Utc>>,
    /// When bidding ended early (`close`) or the tender was concluded.
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

fn valid_currency(code: &str) -> Result<(), ValidationError> {
    if money::is_currency(code) {
        Ok(())
    } else {
        Err(invalid(
            "currency",
            "must be an ISO 4217 currency code such as EUR",
        ))
    }
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequiredSkill {
    /// Slug or id of a catalogue skill.
    #[validate(length(min = 1, max = 100))]
    pub skill: String,
    #[validate(custom(function = "one_of::<SkillLevel>"))]
    #[schema(value_type = SkillLevel)]
    pub min_level: String,
    #[validate(range(min = 1, max = 10))]
    pub weight: i32,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLot {
    #[validate(length(max = 300), custom(function = "non_blank"))]
    pub title: String,
    #[validate(length(max = 10000))]
    pub description: Option<String>,
    #[validate(range(min = 0))]
    pub estimated_value_minor: i64,
    /// At least one is needed to publish; at most 30.
    #[serde(default)]
    #[validate(length(max = MAX_REQUIRED_SKILLS), nested)]
    pub required_skills: Vec<NewRequiredSkill>,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
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
    /// Admins only: the buyer the tender is for. A buyer's tenders are its own.
    pub buyer_id: Option<String>,
    #[validate(length(max = 100), custom(function = "non_blank"))]
    pub reference: String,
    #[validate(length(max = 300), custom(function = "non_blank"))]
    pub title: String,
    #[validate(length(max = 20000))]
    pub description: Option<String>,
    #[validate(custom(function = "one_of::<Procedure>"))]
    #[schema(value_type = Procedure)]
    pub procedure: String,
    /// ISO 4217; defaults to EUR.
    #[validate(custom(function = "valid_currency"))]
    pub currency: Option<String>,
    #[validate(range(min = 0))]
    pub estimated_value_minor: i64,
    /// Must be in the future when the tender is published.
    pub submission_deadline: DateTime<Utc>,
    /// At least one is needed to publish; at most 50.
    #[serde(default)]
    #[validate(length(max = MAX_LOTS), nested)]
    pub lots: Vec<NewLot>,
}

/// A draft's changes; `lots`, when given, replaces every lot (their ids change).
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Support for the database estate", "submission_deadline": "2027-02-15T12:00:00Z"}))]
pub struct TenderPatch {
    #[validate(length(max = 100), custom(function = "non_blank"))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub reference: Option<String>,
    #[validate(length(max = 300), custom(function = "non_blank"))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub title: Option<String>,
    #[validate(length(max = 20000))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub description: Option<String>,
    #[validate(custom(function = "one_of::<Procedure>"))]
    #[schema(value_type = Procedure)]
    #[serde(default, deserialize_with = "given")]
    pub procedure: Option<String>,
    #[validate(custom(function = "valid_currency"))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub currency: Option<String>,
    #[validate(range(min = 0))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub estimated_value_minor: Option<i64>,
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub submission_deadline: Option<DateTime<Utc>>,
    #[validate(length(max = MAX_LOTS), nested)]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub lots: Option<Vec<NewLot>>,
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
    pub q: Option<String>,
    /// Only tenders whose deadline is at or after this instant.
    pub deadline_after: Option<DateTime<Utc>>,
    /// Only tenders whose deadline is before this instant.
    pub deadline_before: Option<DateTime<Utc>>,
}

/// One lot to award: the bid chosen for it.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LotAward {
    #[validate(length(min = 1, max = 100))]
    pub lot_id: String,
    #[validate(length(min = 1, max = 100))]
    pub bid_id: String,
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"awards": [{"lot_id": "0193a5b2-7c1e-7d3a-9f10-222222222222",
                                      "bid_id": "0193a5b2-7c1e-7d3a-9f10-333333333333"}]}))]
pub struct Award {
    /// One submitted bid per lot awarded; lots left out get no contract.
    #[validate(length(min = 1, max = MAX_LOTS), nested)]
    pub awards: Vec<LotAward>,
}

/// The awarded tender and the contracts it created.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AwardOutcome {
    pub tender: Tender,
    pub contracts: Vec<Contract>,
}

/// Stored timestamps are microseconds; so is what callers send, once stored.
fn stored_instant(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc().trunc_subsecs(6)
}

pub(super) fn respond_tender(
    builder: HttpResponseBuilder,
    row: TenderRow,
    lots: Vec<LotRecord>,
    now: NaiveDateTime,
) -> HttpResponse {
    let tag = etag(&row.id, row.version);
    tagged(builder, tag, &Tender::new(row, lots, now))
}

fn lots_of_one(conn: &mut DbConnection, row: &TenderRow) -> ApiResult<Vec<LotRecord>> {
    Ok(db::tenders::lots_of(conn, std::slice::from_ref(&row.id))?)
}

fn can_manage(caller: Option<&Principal>, row: &TenderRow) -> bool {
    caller.is_some_and(|p| p.is_admin() || p.buyer_id.as_deref() == Some(row.buyer_id.as_str()))
}

/// The tender as `caller` may see it: drafts (never published) are private to their
/// buyer and admins, and answer 404 to anyone else.
pub(super) fn visible_tender(
    conn: &mut DbConnection,
    caller: Option<&Principal>,
    id: &str,
) -> ApiResult<TenderRow> {
    db::tenders::find(conn, id)?
        .filter(|row| row.published_at.is_some() || can_manage(caller, row))
        .ok_or_else(|| ApiError::NotFound(format!("no tender `{id}`")))
}

/// The tender's buyer and admins manage it; others may read a published one, not change it.
pub(super) fn require_manager(principal: &Principal, row: &TenderRow) -> ApiResult<()> {
    if can_manage(Some(principal), row) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the tender's buyer or an admin may do this".to_owned(),
        ))
    }
}

/// A 409 naming the status that refuses the action.
pub(super) fn refused(refusal: lifecycle::Refused) -> ApiError {
    ApiError::Conflict {
        detail: refusal.to_string(),
        current_state: Some(refusal.status.as_str().to_owned()),
    }
}

/// Lots as rows, each required skill resolved in the catalogue; unknown or repeated
/// skills are 422 entries at their place in the body.
fn build_lots(
    conn: &mut DbConnection,
    tender_id: &str,
    lots: &[NewLot],
) -> ApiResult<Result<Vec<LotRecord>, Vec<FieldError>>> {
    let mut built = Vec::with_capacity(lots.len());
    let mut problems = Vec::new();
    for (lot_index, lot) in lots.iter().enumerate() {
        let lot_id = db::new_id();
        let mut required: Vec<(LotSkillRow, String)> = Vec::new();
        for (index, wanted) in lot.required_skills.iter().enumerate() {
            let pointer = format!("#/lots/{lot_index}/required_skills/{index}/skill");
            let Some(skill) = db::skills::find(conn, &wanted.skill)? else {
                problems.push(FieldError::body(
                    pointer,
                    "not_found",
                    format!("no skill `{}`", wanted.skill),
                ));
                continue;
            };
            if required.iter().any(|(row, _)| row.skill_id == skill.id) {
                problems.push(FieldError::body(
                    pointer,
                    "duplicate",
                    "each skill may be required once per lot",
                ));
                continue;
            }
            let min_level =
                SkillLevel::parse(&wanted.min_level).unwrap_or(SkillLevel::Practitioner);
            required.push((
                LotSkillRow {
                    lot_id: lot_id.clone(),
                    skill_id: skill.id,
                    position: index as i32,
                    min_level: min_level.rank(),
                    weight: wanted.weight,
                },
                skill.slug,
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
    Ok(if problems.is_empty() {
        Ok(built)
    } else {
        Err(problems)
    })
}

fn reference_taken(reference: &str) -> ApiError {
    ApiError::conflict(format!(
        "this buyer already has a tender with reference `{reference}`"
    ))
}

/// List tenders, newest first.
///
/// Anonymous callers and partners see tenders once published; a buyer also sees its own
/// drafts; admins see all. Bids are never part of a tender.
#[utoipa::path(
    tag = "tenders",
    params(TenderListQuery, PageQuery),
    responses(
        (status = 200, description = "A page of tenders", body = ListResponse<Tender>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/tenders")]
pub async fn list_tenders(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    query: web::Query<TenderListQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let query = query.into_inner();
    let visibility = match &caller.0 {
        Some(p) if p.is_admin() => TenderVisibility::All,
        Some(p) if p.role == Role::Buyer => TenderVisibility::PublicAnd(p.buyer_id.clone()),
        _ => TenderVisibility::PublicAnd(None),
    };
    let now = state.clock.now_naive();
    let (before, limit) = (page.after.clone(), page.limit + 1);
    let (rows, lots) = state
        .db
        .run(move |conn| {
            let skill_id = match query.skill.as_ref().filter(|s| !s.trim().is_empty()) {
                // An unknown skill is required by no lot: the page is empty.
                Some(skill) => Some(
                    db::skills::find(conn, skill)?
                        .map(|s| s.id)
                        .unwrap_or_else(|| skill.clone()),
                ),
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
                db::tenders::list(conn, &visibility, &filter, now, before.as_deref(), limit)?;
            let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
            Ok((rows, db::tenders::lots_of(conn, &ids)?))
        })
        .await?;
    let mut lots_by_tender: HashMap<String, Vec<LotRecord>> = HashMap::new();
    for lot in lots {
        lots_by_tender
            .entry(lot.row.tender_id.clone())
            .or_default()
            .push(lot);
    }
    Ok(super::pagination::respond(
        &req,
        &page,
        rows,
        |row| row.id.clone(),
        |row| {
            let lots = lots_by_tender.remove(&row.id).unwrap_or_default();
            Tender::new(row, lots, now)
        },
    ))
}

/// Read one tender with its lots.
#[utoipa::path(
    tag = "tenders",
    params(("id" = String, Path, description = "The tender's id")),
    responses(
        (status = 200, description = "The tender", body = Tender, headers(("ETag" = String))),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/tenders/{id}")]
pub async fn get_tender(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (row, lots) = state
        .db
        .run(move |conn| {
            let row = visible_tender(conn, caller.0.as_ref(), &id)?;
            let lots = lots_of_one(conn, &row)?;
            Ok((row, lots))
        })
        .await?;
    Ok(respond_tender(
        HttpResponse::Ok(),
        row,
        lots,
        state.clock.now_naive(),
    ))
}

/// Create a draft tender with its lots.
///
/// A buyer creates tenders for itself (`buyer_id` comes from its token and may not be
/// sent); an admin names the buyer.
#[utoipa::path(
    tag = "tenders",
    request_body = NewTender,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The created draft", body = Tender,
            headers(("Location" = String), ("ETag" = String))),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/tenders")]
pub async fn create_tender(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewTender>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let buyer = match (principal.role, &principal.buyer_id, &body.buyer_id) {
        (Role::Buyer, Some(own), None) => Ok(own.clone()),
        (Role::Buyer, _, Some(_)) => Err(FieldError::body(
            "#/buyer_id",
            "not_allowed",
            "a buyer creates tenders for itself only",
        )),
        (Role::Admin, _, Some(buyer_id)) => Ok(buyer_id.clone()),
        (Role::Admin, _, None) => Err(FieldError::body(
            "#/buyer_id",
            "required",
            "an admin names the buyer the tender is for",
        )),
        _ => {
            return Err(ApiError::Forbidden(
                "only buyers and admins create tenders".to_owned(),
            ));
        }
    };
    validate_with(&body, buyer.clone().err().into_iter().collect())?;
    let buyer_id = buyer.map_err(|e| ApiError::Validation(vec![e]))?;
    let now = state.clock.now_naive();
    let row = TenderRow {
        id: db::new_id(),
        buyer_id,
        reference: body.reference.trim().to_owned(),
        title: body.title.trim().to_owned(),
        description: body.description.clone().unwrap_or_default(),
        procedure: body.procedure.clone(),
        currency: body
            .currency
            .clone()
            .unwrap_or_else(|| DEFAULT_CURRENCY.to_owned()),
        estimated_value_minor: body.estimated_value_minor,
        submission_deadline: stored_instant(body.submission_deadline),
        status: TenderStatus::Draft.as_str().to_owned(),
        published_at: None,
        closed_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let (row, lots) = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                let mut problems = Vec::new();
                if !db::buyers::exists(conn, &row.buyer_id)? {
                    problems.push(FieldError::body(
                        "#/buyer_id",
                        "not_found",
                        format!("no buyer `{}`", row.buyer_id),
                    ));
                }
                let lots = build_lots(conn, &row.id, &body.lots)?;
                if let Err(lot_problems) = &lots {
                    problems.extend(lot_problems.iter().cloned());
                }
                let lots = match lots {
                    Ok(lots) if problems.is_empty() => lots,
                    _ => return Err(ApiError::Validation(problems)),
                };
                if db::tenders::reference_taken(conn, &row.buyer_id, &row.reference, &row.id)? {
                    return Err(reference_taken(&row.reference));
                }
                db::tenders::insert(conn, &row)?;
                db::tenders::replace_lots(conn, &row.id, &lots)?;
                let lots = lots_of_one(conn, &row)?;
                Ok((row, lots))
            })
        })
        .await?;
    let builder = created(location(&req, &row.id));
    Ok(respond_tender(builder, row, lots, now))
}

async fn load_managed(state: &AppState, principal: &Principal, id: String) -> ApiResult<TenderRow> {
    let caller = principal.clone();
    let row = state
        .db
        .run(move |conn| visible_tender(conn, Some(&caller), &id))
        .await?;
    require_manager(principal, &row)?;
    Ok(row)
}

/// Change a draft; `If-Match` is required.
#[utoipa::path(
    tag = "tenders",
    params(
        ("id" = String, Path, description = "The tender's id"),
        ("If-Match" = String, Header, description = "The ETag last read; 412 when stale, 428 when missing"),
    ),
    request_body = TenderPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated draft", body = Tender, headers(("ETag" = String))),
        (status = 428, response = r::PreconditionRequired),
        r::MoveErrors,
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[patch("/tenders/{id}")]
pub async fn update_tender(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Json<TenderPatch>,
) -> ApiResult<HttpResponse> {
    let patch = body.into_inner();
    let current = load_managed(&state, &principal, id.into_inner()).await?;
    patch.validate()?;
    check_if_match(&req, &etag(&current.id, current.version), true)?;
    let now = state.clock.now_naive();
    lifecycle::transition(current.status_at(now), TenderAction::Edit, false).map_err(refused)?;
    let (row, lots) = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                let lots = match &patch.lots {
                    Some(lots) => {
                        Some(build_lots(conn, &current.id, lots)?.map_err(ApiError::Validation)?)
                    }
                    None => None,
                };
                let mut next = current;
                if let Some(reference) = patch.reference {
                    next.reference = reference.trim().to_owned();
                    if db::tenders::reference_taken(
                        conn,
                        &next.buyer_id,
                        &next.reference,
                        &next.id,
                    )? {
                        return Err(reference_taken(&next.reference));
                    }
                }
                if let Some(title) = patch.title {
                    next.title = title.trim().to_owned();
                }
                if let Some(description) = patch.description {
                    next.description = description;
                }
                if let Some(procedure) = patch.procedure {
                    next.procedure = procedure;
                }
                if let Some(currency) = patch.currency {
                    next.currency = currency;
                }
                if let Some(value) = patch.estimated_value_minor {
                    next.estimated_value_minor = value;
                }
                if let Some(deadline) = patch.submission_deadline {
                    next.submission_deadline = stored_instant(deadline);
                }
                next.updated_at = now;
                next.version += 1;
                if !db::tenders::update_versioned(conn, &next)? {
                    return Err(ApiError::PreconditionFailed);
                }
                if let Some(lots) = lots {
                    db::tenders::replace_lots(conn, &next.id, &lots)?;
                }
                let lots = lots_of_one(conn, &next)?;
                Ok((next, lots))
            })
        })
        .await?;
    Ok(respond_tender(HttpResponse::Ok(), row, lots, now))
}

/// Delete a draft; `If-Match` is required.
#[utoipa::path(
    tag = "tenders",
    params(
        ("id" = String, Path, description = "The tender's id"),
        ("If-Match" = String, Header, description = "The ETag last read; 412 when stale, 428 when missing"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted with its lots"),
        (status = 428, response = r::PreconditionRequired),
        r::MoveErrors,
        r::CallerErrors,
    )
)]
#[delete("/tenders/{id}")]
pub async fn delete_tender(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let current = load_managed(&state, &principal, id.into_inner()).await?;
    check_if_match(&req, &etag(&current.id, current.version), true)?;
    let now = state.clock.now_naive();
    lifecycle::transition(current.status_at(now), TenderAction::Delete, false).map_err(refused)?;
    state
        .db
        .run(move |conn| {
            if db::tenders::delete_versioned(conn, &current.id, current.version)? {
                Ok(())
            } else {
                Err(ApiError::PreconditionFailed)
            }
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Moves a tender by `action` in one transaction: the lifecycle decides, `extra` checks
/// what the move needs (and may refuse it), and the stored version guards against races.
async fn move_tender(
    req: HttpRequest,
    state: &AppState,
    principal: Principal,
    id: String,
    action: TenderAction,
) -> ApiResult<HttpResponse> {
    let current = load_managed(state, &principal, id).await?;
    check_if_match(&req, &etag(&current.id, current.version), false)?;
    let now = state.clock.now_naive();
    let (row, lots) = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                let lots = lots_of_one(conn, &current)?;
                let submitted = action == TenderAction::Close
                    && db::bids::count_submitted(conn, &current.id)? > 0;
                let to = lifecycle::transition(current.status_at(now), action, submitted)
                    .map_err(refused)?;
                if action == TenderAction::Publish {
                    let skills: Vec<usize> = lots.iter().map(|l| l.required_skills.len()).collect();
                    let problems =
                        lifecycle::publish_problems(&skills, current.submission_deadline, now);
                    if !problems.is_empty() {
                        return Err(ApiError::Validation(
                            problems.into_iter().map(FieldError::from).collect(),
                        ));
                    }
                }
                let mut next = current;
                next.status = to.as_str().to_owned();
                match action {
                    TenderAction::Publish => next.published_at = Some(now),
                    TenderAction::Close => next.closed_at = Some(now),
                    _ => {}
                }
                next.updated_at = now;
                next.version += 1;
                if !db::tenders::update_versioned(conn, &next)? {
                    return Err(ApiError::PreconditionFailed);
                }
                Ok((next, lots))
            })
        })
        .await?;
    Ok(respond_tender(HttpResponse::Ok(), row, lots, now))
}

/// Publish a draft: it becomes public and open to bids until its deadline.
///
/// Needs at least one lot, a required skill in every lot and a deadline ahead (422 names
/// what is missing). `If-Match` is honoured.
#[utoipa::path(
    tag = "tenders",
    params(
        ("id" = String, Path, description = "The tender's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The published tender", body = Tender, headers(("ETag" = String))),
        (status = 422, response = r::ValidationFailed),
        r::MoveErrors,
        r::CallerErrors,
    )
)]
#[post("/tenders/{id}/publish")]
pub async fn publish_tender(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    move_tender(
        req,
        &state,
        principal,
        id.into_inner(),
        TenderAction::Publish,
    )
    .await
}

/// End bidding: to `evaluation` when bids were submitted, to `unsuccessful` when none
/// was (also from `evaluation`, to conclude a tender without a valid bid).
#[utoipa::path(
    tag = "tenders",
    params(
        ("id" = String, Path, description = "The tender's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The closed tender", body = Tender, headers(("ETag" = String))),
        r::MoveErrors,
        r::CallerErrors,
    )
)]
#[post("/tenders/{id}/close")]
pub async fn close_tender(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    move_tender(req, &state, principal, id.into_inner(), TenderAction::Close).await
}

/// Cancel a tender that is not final yet.
#[utoipa::path(
    tag = "tenders",
    params(
        ("id" = String, Path, description = "The tender's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cancelled tender", body = Tender, headers(("ETag" = String))),
        r::MoveErrors,
        r::CallerErrors,
    )
)]
#[post("/tenders/{id}/cancel")]
pub async fn cancel_tender(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    move_tender(
        req,
        &state,
        principal,
        id.into_inner(),
        TenderAction::Cancel,
    )
    .await
}

/// Award a tender in evaluation: one submitted bid per lot.
///
/// In one transaction: the tender becomes `awarded`, the chosen bids `awarded`, every
/// other submitted bid on the tender `rejected`, and one contract per awarded lot is
/// created with the bid's members, shares and price. Lots left out get no contract.
#[utoipa::path(
    tag = "tenders",
    params(
        ("id" = String, Path, description = "The tender's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    request_body = Award,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The awarded tender and its contracts", body = AwardOutcome,
            headers(("ETag" = String))),
        r::MoveErrors,
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/tenders/{id}/award")]
pub async fn award_tender(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Json<Award>,
) -> ApiResult<HttpResponse> {
    let award = body.into_inner();
    let current = load_managed(&state, &principal, id.into_inner()).await?;
    award.validate()?;
    check_if_match(&req, &etag(&current.id, current.version), false)?;
    let now = state.clock.now_naive();
    let (row, lots, contracts) = state
        .db
        .run(move |conn| db::write_transaction(conn, |conn| award_lots(conn, current, &award, now)))
        .await?;
    let tag = etag(&row.id, row.version);
    let outcome = AwardOutcome {
        tender: Tender::new(row, lots, now),
        contracts,
    };
    Ok(tagged(HttpResponse::Ok(), tag, &outcome))
}

/// Awards `award` on `current` (already checked to be managed by the caller) inside the
/// caller's transaction: any failure leaves every status as it was.
fn award_lots(
    conn: &mut DbConnection,
    current: TenderRow,
    award: &Award,
    now: NaiveDateTime,
) -> ApiResult<(TenderRow, Vec<LotRecord>, Vec<Contract>)> {
    let lots = lots_of_one(conn, &current)?;
    let submitted = db::bids::with_status(conn, &current.id, BidStatus::Submitted)?;
    lifecycle::transition(
        current.status_at(now),
        TenderAction::Award,
        !submitted.is_empty(),
    )
    .map_err(refused)?;
    check_awards(&lots, award, &submitted)?;
    let mut tender = current;
    tender.status = TenderStatus::Awarded.as_str().to_owned();
    tender.closed_at = tender.closed_at.or(Some(now));
    tender.updated_at = now;
    tender.version += 1;
    if !db::tenders::update_versioned(conn, &tender)? {
        return Err(ApiError::PreconditionFailed);
    }
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
        if !db::bids::update_versioned(conn, &bid)? {
            return Err(ApiError::PreconditionFailed);
        }
        if chosen {
            let contract = super::contracts::contract_for(&tender, &bid, now);
            db::contracts::insert(conn, &contract)?;
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
    Ok((tender, lots, contracts))
}

/// The award's choices checked by the lifecycle's rules; each problem is a 422 entry.
fn check_awards(lots: &[LotRecord], award: &Award, submitted: &[db::bids::Bid]) -> ApiResult<()> {
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
    let problems = lifecycle::award_problems(&lot_ids, &submitted, &choices);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(
            problems.into_iter().map(FieldError::from).collect(),
        ))
    }
}

//! `/tenders/{id}/bids` and `/bids`: consortium bids on lots. The lead creates, edits,
//! submits and withdraws; members confirm or decline; bids are sealed from the buyer
//! until evaluation.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, get, patch, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::idempotency::{Outcome, run_once};
use super::pagination::{ListResponse, PageQuery};
use super::preconditions::{check_if_match, etag, tagged};
use super::request::{given, validate_with};
use super::responses as r;
use super::tenders::{refused, visible_tender};
use crate::app::AppState;
use crate::auth::Principal;
use crate::db::bids::{Bid as BidRecord, BidMemberRow, BidRow, BidVisibility};
use crate::db::tenders::TenderRow;
use crate::db::{self, DbConnection};
use crate::domain::access::Role;
use crate::domain::bid::{self as rules, BidAction, BidStatus, MemberResponse, Share};
use crate::domain::directory::PartnerStatus;
use crate::domain::tender::{self as lifecycle, TenderAction};
use crate::error::{ApiError, ApiResult, FieldError};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_bids)
        .service(create_bid)
        .service(get_bid)
        .service(update_bid)
        .service(confirm_bid)
        .service(decline_bid)
        .service(submit_bid)
        .service(withdraw_bid);
}

/// Most members in a consortium.
const MAX_MEMBERS: u64 = 20;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BidMember {
    pub partner_id: String,
    pub share_bps: i32,
    /// True once the member has agreed to the bid (the lead always has).
    pub confirmed: bool,
    pub response: MemberResponse,
    pub responded_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-333333333333", "tender_id": "0193a5b2-7c1e-7d3a-9f10-111111111111",
    "lot_id": "0193a5b2-7c1e-7d3a-9f10-222222222222",
    "lead_partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa",
    "members": [
        {"partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "share_bps": 7000, "confirmed": true,
         "response": "confirmed", "responded_at": "2027-01-10T09:00:00Z"},
        {"partner_id": "0193a5b2-7c1e-7d3a-9f10-cccccccccccc", "share_bps": 3000, "confirmed": true,
         "response": "confirmed", "responded_at": "2027-01-11T15:30:00Z"}
    ],
    "price_minor": 75000000, "currency": "EUR",
    "technical_summary": "Dalibo leads PostgreSQL support; Oslandia covers PostGIS.",
    "status": "submitted", "submitted_at": "2027-01-12T10:00:00Z",
    "created_at": "2027-01-10T09:00:00Z", "updated_at": "2027-01-12T10:00:00Z", "version": 4
}))]
pub struct Bid {
    pub id: String,
    pub tender_id: String,
    pub lot_id: String,
    pub lead_partner_id: String,
    pub members: Vec<BidMember>,
    pub price_minor: i64,
    pub currency: String,
    pub technical_summary: String,
    pub status: BidStatus,
    pub submitted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<BidRecord> for Bid {
    fn from(bid: BidRecord) -> Bid {
        let row = bid.row;
        Bid {
            status: row.status(),
            members: bid
                .members
                .into_iter()
                .map(|m| BidMember {
                    confirmed: m.response() == MemberResponse::Confirmed,
                    response: m.response(),
                    partner_id: m.partner_id,
                    share_bps: m.share_bps,
                    responded_at: m.responded_at.map(|at| at.and_utc()),
                })
                .collect(),
            id: row.id,
            tender_id: row.tender_id,
            lot_id: row.lot_id,
            lead_partner_id: row.lead_partner_id,
            price_minor: row.price_minor,
            currency: row.currency,
            technical_summary: row.technical_summary,
            submitted_at: row.submitted_at.map(|at| at.and_utc()),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    #[validate(length(min = 1, max = 100))]
    pub partner_id: String,
    pub share_bps: i32,
}

impl NewMember {
    fn share(&self) -> Share {
        Share {
            partner_id: self.partner_id.clone(),
            share_bps: self.share_bps,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "lot_id": "0193a5b2-7c1e-7d3a-9f10-222222222222",
    "members": [{"partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "share_bps": 7000},
                {"partner_id": "0193a5b2-7c1e-7d3a-9f10-cccccccccccc", "share_bps": 3000}],
    "price_minor": 75000000, "currency": "EUR",
    "technical_summary": "Dalibo leads PostgreSQL support; Oslandia covers PostGIS."
}))]
pub struct NewBid {
    #[validate(length(min = 1, max = 100))]
    pub lot_id: String,
    /// Admins only: the lead partner. A partner leads its own bids.
    pub lead_partner_id: Option<String>,
    /// The consortium, lead included, shares summing to 10000; defaults to the lead
    /// alone with 10000.
    #[validate(length(min = 1, max = MAX_MEMBERS), nested)]
    pub members: Option<Vec<NewMember>>,
    #[validate(range(min = 1))]
    pub price_minor: i64,
    /// Must be the tender's currency.
    pub currency: String,
    #[validate(length(max = 20000))]
    pub technical_summary: Option<String>,
}

/// The lead's changes to a draft. New members (or new shares) ask every other member
/// to confirm again.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"price_minor": 72000000}))]
pub struct BidPatch {
    #[validate(length(min = 1, max = MAX_MEMBERS), nested)]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub members: Option<Vec<NewMember>>,
    #[validate(range(min = 1))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub price_minor: Option<i64>,
    #[validate(length(max = 20000))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub technical_summary: Option<String>,
}

fn respond_bid(builder: HttpResponseBuilder, bid: BidRecord) -> HttpResponse {
    let tag = etag(&bid.row.id, bid.row.version);
    tagged(builder, tag, &Bid::from(bid))
}

/// The tender must take bids now: published and before its deadline.
fn require_open(tender: &TenderRow, now: NaiveDateTime) -> ApiResult<()> {
    lifecycle::transition(tender.status_at(now), TenderAction::Bid, false)
        .map(drop)
        .map_err(refused)
}

fn bid_refused(bid: &BidRow, what: &str) -> ApiError {
    ApiError::Conflict {
        detail: format!("a bid in status `{}` cannot be {what}", bid.status),
        current_state: Some(bid.status.clone()),
    }
}

/// Members as rows, each checked to be an active partner, with the shares rules of the
/// domain; every problem is a 422 entry at its place in the body.
fn build_members(
    conn: &mut DbConnection,
    bid_id: &str,
    lead_partner_id: &str,
    members: &[NewMember],
    now: NaiveDateTime,
) -> ApiResult<Result<Vec<BidMemberRow>, Vec<FieldError>>> {
    let shares: Vec<Share> = members.iter().map(NewMember::share).collect();
    let mut problems: Vec<FieldError> = rules::share_problems(lead_partner_id, &shares)
        .into_iter()
        .map(FieldError::from)
        .collect();
    for (index, member) in members.iter().enumerate() {
        let pointer = format!("#/members/{index}/partner_id");
        match db::partners::find(conn, &member.partner_id)? {
            None => problems.push(FieldError::body(pointer, "not_found", "no such partner")),
            Some(p) if p.status != PartnerStatus::Active.as_str() => problems.push(
                FieldError::body(pointer, "inactive", "only active partners may bid"),
            ),
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    Ok(Ok(members
        .iter()
        .enumerate()
        .map(|(index, member)| {
            let is_lead = member.partner_id == lead_partner_id;
            BidMemberRow {
                bid_id: bid_id.to_owned(),
                partner_id: member.partner_id.clone(),
                position: index as i32,
                share_bps: member.share_bps,
                response: if is_lead {
                    MemberResponse::Confirmed
                } else {
                    MemberResponse::Pending
                }
                .as_str()
                .to_owned(),
                responded_at: is_lead.then_some(now),
            }
        })
        .collect()))
}

/// Who the bid is led by: a partner leads its own bids; an admin names the lead.
fn lead_of(principal: &Principal, body: &NewBid) -> ApiResult<Result<String, FieldError>> {
    match (principal.role, &principal.partner_id, &body.lead_partner_id) {
        (Role::Partner, Some(own), None) => Ok(Ok(own.clone())),
        (Role::Partner, Some(own), Some(lead)) if lead == own => Ok(Ok(own.clone())),
        (Role::Partner, _, Some(_)) => Ok(Err(FieldError::body(
            "#/lead_partner_id",
            "not_allowed",
            "a partner leads its own bids only",
        ))),
        (Role::Admin, _, Some(lead)) => Ok(Ok(lead.clone())),
        (Role::Admin, _, None) => Ok(Err(FieldError::body(
            "#/lead_partner_id",
            "required",
            "an admin names the lead partner",
        ))),
        _ => Err(ApiError::Forbidden(
            "only partners (and admins) create bids".to_owned(),
        )),
    }
}

/// The lead must be an active partner: an admin naming another one gets a 422 at
/// `#/lead_partner_id`; a partner that is not active may not bid at all (403).
fn check_lead(
    conn: &mut DbConnection,
    principal: &Principal,
    lead_partner_id: &str,
) -> ApiResult<()> {
    let status = db::partners::find(conn, lead_partner_id)?.map(|p| p.status);
    let active = status.as_deref() == Some(PartnerStatus::Active.as_str());
    match (active, principal.is_admin(), status) {
        (true, ..) => Ok(()),
        (false, true, None) => Err(ApiError::validation_one(
            "#/lead_partner_id",
            "not_found",
            "no such partner",
        )),
        (false, true, Some(_)) => Err(ApiError::validation_one(
            "#/lead_partner_id",
            "inactive",
            "only active partners may bid",
        )),
        (false, false, _) => Err(ApiError::Forbidden(
            "only active partners may bid".to_owned(),
        )),
    }
}

/// Bid on a lot of a published tender, alone or as the lead of a consortium.
///
/// Honours `Idempotency-Key`: a retry with the same key and body replays the first answer
/// (`Idempotent-Replayed: true`), another body with that key is a 422, and a retry while
/// the first request runs is a 409. A lead has one live bid per lot (409).
#[utoipa::path(
    tag = "bids",
    params(
        ("id" = String, Path, description = "The tender's id"),
        ("Idempotency-Key" = Option<String>, Header,
            description = "Makes retries safe: 1 to 255 visible ASCII characters, kept 24 h"),
    ),
    request_body = NewBid,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The draft bid (or the first answer, replayed)", body = Bid,
            headers(("Location" = String), ("ETag" = String),
                ("Idempotent-Replayed" = String, description = "`true` on a replayed answer"))),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/tenders/{id}/bids")]
pub async fn create_bid(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Json<NewBid>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let lead = lead_of(&principal, &body)?;
    validate_with(&body, lead.clone().err().into_iter().collect())?;
    let lead_partner_id = lead.map_err(|e| ApiError::Validation(vec![e]))?;
    let tender_id = id.into_inner();
    let now = state.clock.now_naive();
    let caller = principal.clone();
    let fingerprint_body = serde_json::to_value(&body)
        .map_err(|e| ApiError::Internal(format!("serialising a request: {e}")))?;
    run_once(&state, &req, &principal, &fingerprint_body, move |conn| {
        let tender = visible_tender(conn, Some(&caller), &tender_id)?;
        require_open(&tender, now)?;
        check_lead(conn, &caller, &lead_partner_id)?;
        let bid_id = db::new_id();
        let members = body.members.unwrap_or_else(|| {
            vec![NewMember {
                partner_id: lead_partner_id.clone(),
                share_bps: crate::domain::money::WHOLE_BPS,
            }]
        });
        let mut problems = Vec::new();
        let lots = db::tenders::lots_of(conn, std::slice::from_ref(&tender.id))?;
        if !lots.iter().any(|lot| lot.row.id == body.lot_id) {
            problems.push(FieldError::body(
                "#/lot_id",
                "not_found",
                "no such lot in this tender",
            ));
        }
        if body.currency != tender.currency {
            problems.push(FieldError::body(
                "#/currency",
                "currency",
                format!("bids on this tender are in {}", tender.currency),
            ));
        }
        let members = build_members(conn, &bid_id, &lead_partner_id, &members, now)?;
        let members = match members {
            Ok(members) if problems.is_empty() => members,
            Ok(_) => return Err(ApiError::Validation(problems)),
            Err(member_problems) => {
                problems.extend(member_problems);
                return Err(ApiError::Validation(problems));
            }
        };
        let mut row = BidRow {
            id: bid_id,
            tender_id: tender.id,
            lot_id: body.lot_id,
            lead_partner_id,
            price_minor: body.price_minor,
            currency: body.currency,
            technical_summary: body.technical_summary.unwrap_or_default(),
            status: String::new(),
            submitted_at: None,
            live_key: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        row.set_status(BidStatus::Draft);
        let bid = BidRecord { row, members };
        if let Some(key) = &bid.row.live_key
            && db::bids::live_key_taken(conn, key)?
        {
            return Err(ApiError::conflict(
                "this partner already has a live bid on this lot; withdraw it or edit it",
            ));
        }
        db::bids::insert(conn, &bid)?;
        let location = format!("/api/v1/bids/{}", bid.row.id);
        let tag = etag(&bid.row.id, bid.row.version);
        Outcome::created(location, tag, &Bid::from(bid))
    })
    .await
}

/// The bids of a tender the caller may see, oldest first.
///
/// Admins see all; the tender's buyer sees submitted bids from `evaluation` on (409
/// before: bids are sealed); a partner sees the bids it is a member of.
#[utoipa::path(
    tag = "bids",
    params(("id" = String, Path, description = "The tender's id"), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of bids", body = ListResponse<Bid>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/tenders/{id}/bids")]
pub async fn list_bids(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let tender_id = id.into_inner();
    let now = state.clock.now_naive();
    let (after, limit) = (page.after.clone(), page.limit + 1);
    let bids = state
        .db
        .run(move |conn| {
            let tender = visible_tender(conn, Some(&principal), &tender_id)?;
            let visibility = match (principal.role, &principal.partner_id, &principal.buyer_id) {
                (Role::Admin, ..) => BidVisibility::All,
                (Role::Partner, Some(partner_id), _) => BidVisibility::MemberOf(partner_id.clone()),
                (Role::Buyer, _, Some(buyer_id)) if *buyer_id == tender.buyer_id => {
                    let status = tender.status_at(now);
                    if !status.unseals_bids() {
                        return Err(ApiError::Conflict {
                            detail: "bids are sealed until the tender reaches evaluation"
                                .to_owned(),
                            current_state: Some(status.as_str().to_owned()),
                        });
                    }
                    BidVisibility::Submitted
                }
                _ => {
                    return Err(ApiError::Forbidden(
                        "only the tender's buyer, bidders and admins see its bids".to_owned(),
                    ));
                }
            };
            Ok(db::bids::list_for_tender(
                conn,
                &tender.id,
                &visibility,
                after.as_deref(),
                limit,
            )?)
        })
        .await?;
    Ok(super::pagination::respond(
        &req,
        &page,
        bids,
        |bid| bid.row.id.clone(),
        Bid::from,
    ))
}

/// The bid as `principal` may see it: its members and admins always, the tender's buyer
/// once bids are unsealed and only what was submitted. Anyone else: 404.
fn visible_bid(
    conn: &mut DbConnection,
    principal: &Principal,
    id: &str,
    now: NaiveDateTime,
) -> ApiResult<(BidRecord, TenderRow)> {
    let not_found = || ApiError::NotFound(format!("no bid `{id}`"));
    let bid = db::bids::find(conn, id)?.ok_or_else(not_found)?;
    let tender = db::tenders::find(conn, &bid.row.tender_id)?.ok_or_else(not_found)?;
    let visible = principal.is_admin()
        || principal
            .partner_id
            .as_deref()
            .is_some_and(|partner| bid.is_member(partner))
        || (principal.buyer_id.as_deref() == Some(tender.buyer_id.as_str())
            && tender.status_at(now).unseals_bids()
            && !matches!(bid.row.status(), BidStatus::Draft | BidStatus::Withdrawn));
    if visible {
        Ok((bid, tender))
    } else {
        Err(not_found())
    }
}

/// Read one bid.
#[utoipa::path(
    tag = "bids",
    params(("id" = String, Path, description = "The bid's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The bid", body = Bid, headers(("ETag" = String))),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/bids/{id}")]
pub async fn get_bid(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.clock.now_naive();
    let (bid, _) = state
        .db
        .run(move |conn| visible_bid(conn, &principal, &id, now))
        .await?;
    Ok(respond_bid(HttpResponse::Ok(), bid))
}

/// Who acts on a bid, as its lead or as one of its other members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Actor {
    Lead,
    Member,
}

fn require_actor(principal: &Principal, bid: &BidRecord, actor: Actor) -> ApiResult<()> {
    let partner = principal.partner_id.as_deref();
    let allowed = match actor {
        Actor::Lead => principal.is_admin() || partner == Some(bid.row.lead_partner_id.as_str()),
        Actor::Member => partner.is_some_and(|p| p != bid.row.lead_partner_id && bid.is_member(p)),
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(match actor {
            Actor::Lead => "only the bid's lead partner may do this".to_owned(),
            Actor::Member => "only a member other than the lead may answer".to_owned(),
        }))
    }
}

/// Loads the bid for `principal`, checks who may act and `If-Match`, then applies
/// `change` in one transaction while the tender still takes bids.
async fn change_bid<F>(
    req: &HttpRequest,
    state: &AppState,
    principal: Principal,
    id: String,
    actor: Actor,
    if_match_required: bool,
    change: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut DbConnection, &mut BidRecord, NaiveDateTime) -> ApiResult<()> + Send + 'static,
{
    let now = state.clock.now_naive();
    let caller = principal.clone();
    let (bid, tender) = state
        .db
        .run(move |conn| visible_bid(conn, &caller, &id, now))
        .await?;
    require_actor(&principal, &bid, actor)?;
    check_if_match(req, &etag(&bid.row.id, bid.row.version), if_match_required)?;
    require_open(&tender, now)?;
    let bid = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                let mut next = bid;
                change(conn, &mut next, now)?;
                next.row.updated_at = now;
                next.row.version += 1;
                if !db::bids::update_versioned(conn, &next)? {
                    return Err(ApiError::PreconditionFailed);
                }
                Ok(next)
            })
        })
        .await?;
    Ok(respond_bid(HttpResponse::Ok(), bid))
}

fn step(bid: &mut BidRecord, action: BidAction, what: &str) -> ApiResult<()> {
    let to =
        rules::transition(bid.row.status(), action).ok_or_else(|| bid_refused(&bid.row, what))?;
    bid.row.set_status(to);
    Ok(())
}

/// Change a draft bid (lead); `If-Match` is required.
#[utoipa::path(
    tag = "bids",
    params(
        ("id" = String, Path, description = "The bid's id"),
        ("If-Match" = String, Header, description = "The ETag last read; 412 when stale, 428 when missing"),
    ),
    request_body = BidPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated bid", body = Bid, headers(("ETag" = String))),
        (status = 428, response = r::PreconditionRequired),
        r::MoveErrors,
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[patch("/bids/{id}")]
pub async fn update_bid(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Json<BidPatch>,
) -> ApiResult<HttpResponse> {
    let patch = body.into_inner();
    patch.validate()?;
    change_bid(
        &req,
        &state,
        principal,
        id.into_inner(),
        Actor::Lead,
        true,
        move |conn, bid, now| {
            step(bid, BidAction::Edit, "edited")?;
            if let Some(members) = &patch.members {
                let lead = bid.row.lead_partner_id.clone();
                bid.members = build_members(conn, &bid.row.id, &lead, members, now)?
                    .map_err(ApiError::Validation)?;
            }
            if let Some(price) = patch.price_minor {
                bid.row.price_minor = price;
            }
            if let Some(summary) = patch.technical_summary {
                bid.row.technical_summary = summary;
            }
            Ok(())
        },
    )
    .await
}

/// Answer the lead's invitation to a consortium as `response`.
async fn respond_as_member(
    req: HttpRequest,
    state: &AppState,
    principal: Principal,
    id: String,
    response: MemberResponse,
) -> ApiResult<HttpResponse> {
    let partner_id = principal.partner_id.clone().unwrap_or_default();
    change_bid(
        &req,
        state,
        principal,
        id,
        Actor::Member,
        false,
        move |_, bid, now| {
            step(bid, BidAction::Respond, "answered")?;
            if let Some(member) = bid.members.iter_mut().find(|m| m.partner_id == partner_id) {
                member.response = response.as_str().to_owned();
                member.responded_at = Some(now);
            }
            Ok(())
        },
    )
    .await
}

/// Confirm taking part in a draft bid (a member other than the lead).
#[utoipa::path(
    tag = "bids",
    params(
        ("id" = String, Path, description = "The bid's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The bid with the member confirmed", body = Bid, headers(("ETag" = String))),
        r::MoveErrors,
        r::CallerErrors,
    )
)]
#[post("/bids/{id}/confirm")]
pub async fn confirm_bid(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    respond_as_member(
        req,
        &state,
        principal,
        id.into_inner(),
        MemberResponse::Confirmed,
    )
    .await
}

/// Decline taking part in a draft bid (a member other than the lead); the lead must
/// change the members before it can submit.
#[utoipa::path(
    tag = "bids",
    params(
        ("id" = String, Path, description = "The bid's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The bid with the member declined", body = Bid, headers(("ETag" = String))),
        r::MoveErrors,
        r::CallerErrors,
    )
)]
#[post("/bids/{id}/decline")]
pub async fn decline_bid(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    respond_as_member(
        req,
        &state,
        principal,
        id.into_inner(),
        MemberResponse::Declined,
    )
    .await
}

/// Submit a draft bid (lead) once every member has confirmed; before the deadline only.
#[utoipa::path(
    tag = "bids",
    params(
        ("id" = String, Path, description = "The bid's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The submitted bid", body = Bid, headers(("ETag" = String))),
        r::MoveErrors,
        r::CallerErrors,
    )
)]
#[post("/bids/{id}/submit")]
pub async fn submit_bid(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    change_bid(
        &req,
        &state,
        principal,
        id.into_inner(),
        Actor::Lead,
        false,
        |_, bid, now| {
            let responses: Vec<MemberResponse> =
                bid.members.iter().map(BidMemberRow::response).collect();
            if bid.row.status() == BidStatus::Draft && !rules::all_confirmed(&responses) {
                let waiting: Vec<&str> = bid
                    .members
                    .iter()
                    .filter(|m| m.response() != MemberResponse::Confirmed)
                    .map(|m| m.partner_id.as_str())
                    .collect();
                return Err(ApiError::Conflict {
                    detail: format!(
                        "every member must confirm before submission; waiting for {}",
                        waiting.join(", ")
                    ),
                    current_state: Some(bid.row.status.clone()),
                });
            }
            step(bid, BidAction::Submit, "submitted")?;
            bid.row.submitted_at = Some(now);
            Ok(())
        },
    )
    .await
}

/// Withdraw a draft or submitted bid (lead); before the deadline only.
#[utoipa::path(
    tag = "bids",
    params(
        ("id" = String, Path, description = "The bid's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The withdrawn bid", body = Bid, headers(("ETag" = String))),
        r::MoveErrors,
        r::CallerErrors,
    )
)]
#[post("/bids/{id}/withdraw")]
pub async fn withdraw_bid(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    change_bid(
        &req,
        &state,
        principal,
        id.into_inner(),
        Actor::Lead,
        false,
        |_, bid, _| step(bid, BidAction::Withdraw, "withdrawn"),
    )
    .await
}

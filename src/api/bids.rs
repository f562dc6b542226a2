//! `/tenders/{id}/bids` and `/bids`: consortium bids on lots. The lead creates, edits,
//! submits and withdraws; members confirm or decline; bids are sealed from the buyer
//! until evaluation.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{IdempotencyKey, IfMatch, PageParams};
use super::idempotency::{self, keyed};
use super::pagination::{self, ListResponse, PageQuery};
use super::preconditions::{etag, tagged};
use super::responses as r;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::service::bids::{self, Bid, BidPatch, NewBid};
use crate::state::AppState;

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

/// A bid with its ETag.
fn respond(bid: &Bid) -> HttpResponse {
    tagged(HttpResponse::Ok(), etag(&bid.id, bid.version), bid)
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
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$",
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
    IdempotencyKey(key): IdempotencyKey,
    body: web::Json<NewBid>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let keyed = keyed(&req, &principal, key, &body)?;
    let answer = bids::create_bid(&state, &principal, id.into_inner(), body, keyed).await?;
    Ok(idempotency::respond(answer))
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
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let slice = bids::list_bids(&state, &principal, id.into_inner(), page).await?;
    Ok(pagination::respond(&req, slice))
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
    let bid = bids::get_bid(&state, &principal, id.into_inner()).await?;
    Ok(respond(&bid))
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
    body: web::Json<BidPatch>,
) -> ApiResult<HttpResponse> {
    let bid = bids::update_bid(
        &state,
        &principal,
        id.into_inner(),
        expected,
        body.into_inner(),
    )
    .await?;
    Ok(respond(&bid))
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    let bid = bids::confirm_bid(&state, &principal, id.into_inner(), expected).await?;
    Ok(respond(&bid))
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    let bid = bids::decline_bid(&state, &principal, id.into_inner(), expected).await?;
    Ok(respond(&bid))
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    let bid = bids::submit_bid(&state, &principal, id.into_inner(), expected).await?;
    Ok(respond(&bid))
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    let bid = bids::withdraw_bid(&state, &principal, id.into_inner(), expected).await?;
    Ok(respond(&bid))
}

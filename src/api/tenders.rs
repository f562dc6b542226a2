//! `/tenders`: calls for tenders with their lots, and the lifecycle actions (publish,
//! close, cancel, award); buyers manage their own, anyone reads them once published.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{IfMatch, PageParams};
use super::pagination::{self, ListResponse, PageQuery};
use super::preconditions::{etag, tagged};
use super::request::{created, location};
use super::responses as r;
use crate::auth::{MaybePrincipal, Principal};
use crate::error::ApiResult;
use crate::service::tenders::{
    self, Award, AwardOutcome, NewTender, Tender, TenderListQuery, TenderPatch,
};
use crate::state::AppState;

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

/// A tender with its ETag.
fn respond(builder: HttpResponseBuilder, tender: &Tender) -> HttpResponse {
    tagged(builder, etag(&tender.id, tender.version), tender)
}

/// List tenders, newest first.
///
/// Anonymous callers and partners see tenders once published; a buyer also sees its own
/// drafts; admins see all. Bids are never part of a tender.
#[utoipa::path(
    tag = "tenders",
    security((), ("bearer" = [])),
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
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let slice = tenders::list_tenders(&state, caller.0.as_ref(), query.into_inner(), page).await?;
    Ok(pagination::respond(&req, slice))
}

/// Read one tender with its lots.
#[utoipa::path(
    tag = "tenders",
    security((), ("bearer" = [])),
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
    let tender = tenders::get_tender(&state, caller.0.as_ref(), id.into_inner()).await?;
    Ok(respond(HttpResponse::Ok(), &tender))
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
    let tender = tenders::create_tender(&state, &principal, body.into_inner()).await?;
    Ok(respond(created(location(&req, &tender.id)), &tender))
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
    body: web::Json<TenderPatch>,
) -> ApiResult<HttpResponse> {
    let tender = tenders::update_tender(
        &state,
        &principal,
        id.into_inner(),
        expected,
        body.into_inner(),
    )
    .await?;
    Ok(respond(HttpResponse::Ok(), &tender))
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    tenders::delete_tender(&state, &principal, id.into_inner(), expected).await?;
    Ok(HttpResponse::NoContent().finish())
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    let tender = tenders::publish_tender(&state, &principal, id.into_inner(), expected).await?;
    Ok(respond(HttpResponse::Ok(), &tender))
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    let tender = tenders::close_tender(&state, &principal, id.into_inner(), expected).await?;
    Ok(respond(HttpResponse::Ok(), &tender))
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    let tender = tenders::cancel_tender(&state, &principal, id.into_inner(), expected).await?;
    Ok(respond(HttpResponse::Ok(), &tender))
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
    body: web::Json<Award>,
) -> ApiResult<HttpResponse> {
    let outcome = tenders::award_tender(
        &state,
        &principal,
        id.into_inner(),
        expected,
        body.into_inner(),
    )
    .await?;
    let tag = etag(&outcome.tender.id, outcome.tender.version);
    Ok(tagged(HttpResponse::Ok(), tag, &outcome))
}

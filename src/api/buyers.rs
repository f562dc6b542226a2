//! `/buyers`: the contracting authorities and companies that issue tenders; admins manage
//! them, a buyer reads its own.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{IfMatch, PageParams};
use super::pagination::{self, ListResponse, PageQuery};
use super::preconditions::{etag, tagged};
use super::request::{created, location};
use super::responses as r;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::service::buyers::{self, Buyer, BuyerListQuery, BuyerPatch, NewBuyer};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_buyers)
        .service(create_buyer)
        .service(get_buyer)
        .service(update_buyer);
}

/// A buyer with its ETag.
fn respond(builder: HttpResponseBuilder, buyer: &Buyer) -> HttpResponse {
    tagged(builder, etag(&buyer.id, buyer.version), buyer)
}

/// List buyers, oldest first (admin).
#[utoipa::path(
    tag = "buyers",
    params(BuyerListQuery, PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of buyers", body = ListResponse<Buyer>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[get("/buyers")]
pub async fn list_buyers(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<BuyerListQuery>,
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let slice = buyers::list_buyers(&state, &principal, query.into_inner(), page).await?;
    Ok(pagination::respond(&req, slice))
}

/// Register a buyer (admin).
#[utoipa::path(
    tag = "buyers",
    request_body = NewBuyer,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The created buyer", body = Buyer,
            headers(("Location" = String), ("ETag" = String))),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/buyers")]
pub async fn create_buyer(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewBuyer>,
) -> ApiResult<HttpResponse> {
    let buyer = buyers::create_buyer(&state, &principal, body.into_inner()).await?;
    Ok(respond(created(location(&req, &buyer.id)), &buyer))
}

/// Read one buyer (admin, or the buyer itself).
#[utoipa::path(
    tag = "buyers",
    params(("id" = String, Path, description = "The buyer's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The buyer", body = Buyer, headers(("ETag" = String))),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/buyers/{id}")]
pub async fn get_buyer(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let buyer = buyers::get_buyer(&state, &principal, &id).await?;
    Ok(respond(HttpResponse::Ok(), &buyer))
}

/// Change a buyer (admin); `If-Match` is honoured.
#[utoipa::path(
    tag = "buyers",
    params(
        ("id" = String, Path, description = "The buyer's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    request_body = BuyerPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated buyer", body = Buyer, headers(("ETag" = String))),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[patch("/buyers/{id}")]
pub async fn update_buyer(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
    body: web::Json<BuyerPatch>,
) -> ApiResult<HttpResponse> {
    let buyer = buyers::update_buyer(&state, &principal, &id, expected, body.into_inner()).await?;
    Ok(respond(HttpResponse::Ok(), &buyer))
}

//! `/partners`: the directory of the network's expert companies, searchable by skill;
//! anyone reads active partners, admins manage them, a partner edits its own profile.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{IfMatch, PageParams};
use super::pagination::{self, ListResponse, PageQuery};
use super::preconditions::{etag, tagged};
use super::request::{created, location, repeatable_query};
use super::responses as r;
use crate::auth::{MaybePrincipal, Principal};
use crate::error::ApiResult;
use crate::service::partners::{self, NewPartner, Partner, PartnerListQuery, PartnerPatch};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_partners)
        .service(create_partner)
        .service(get_partner)
        .service(update_partner)
        .service(delete_partner);
}

/// A partner with its ETag.
fn respond(builder: HttpResponseBuilder, partner: &Partner) -> HttpResponse {
    tagged(builder, etag(&partner.id, partner.version), partner)
}

/// Search the directory.
///
/// Anonymous callers, buyers and partners see active partners; admins see all and may
/// filter by `status`. Each item carries its skills.
#[utoipa::path(
    tag = "partners",
    security((), ("bearer" = [])),
    params(PartnerListQuery, PageQuery),
    responses(
        (status = 200, description = "A page of partners", body = ListResponse<Partner>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/partners")]
pub async fn list_partners(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let query: PartnerListQuery = repeatable_query(&req)?;
    let slice = partners::list_partners(&state, caller.0.as_ref(), query, page).await?;
    Ok(pagination::respond(&req, slice))
}

/// Read one partner with its skills.
///
/// A partner that is not active is visible to admins and to itself only (404 otherwise).
#[utoipa::path(
    tag = "partners",
    security((), ("bearer" = [])),
    params(("id" = String, Path, description = "The partner's id")),
    responses(
        (status = 200, description = "The partner", body = Partner, headers(("ETag" = String))),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/partners/{id}")]
pub async fn get_partner(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let partner = partners::get_partner(&state, caller.0.as_ref(), &id).await?;
    Ok(respond(HttpResponse::Ok(), &partner))
}

/// Add a partner to the directory.
#[utoipa::path(
    tag = "partners",
    request_body = NewPartner,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The created partner", body = Partner,
            headers(("Location" = String), ("ETag" = String))),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/partners")]
pub async fn create_partner(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewPartner>,
) -> ApiResult<HttpResponse> {
    let partner = partners::create_partner(&state, &principal, body.into_inner()).await?;
    Ok(respond(created(location(&req, &partner.id)), &partner))
}

/// Change a partner's profile; `If-Match` is required.
///
/// Admins change any field. A partner changes its own profile except `siren`,
/// `status`, `membership` and `verified`.
#[utoipa::path(
    tag = "partners",
    params(
        ("id" = String, Path, description = "The partner's id"),
        ("If-Match" = String, Header, description = "The ETag last read; 412 when stale, 428 when missing"),
    ),
    request_body = PartnerPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated partner", body = Partner, headers(("ETag" = String))),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 428, response = r::PreconditionRequired),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[patch("/partners/{id}")]
pub async fn update_partner(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
    body: web::Json<PartnerPatch>,
) -> ApiResult<HttpResponse> {
    let partner =
        partners::update_partner(&state, &principal, &id, expected, body.into_inner()).await?;
    Ok(respond(HttpResponse::Ok(), &partner))
}

/// Remove a partner that nothing refers to; `If-Match` is required.
///
/// A partner that users, API clients, projects, bids or contracts refer to (later also
/// ledger entries) answers 409: suspend it instead (`status: suspended`).
#[utoipa::path(
    tag = "partners",
    params(
        ("id" = String, Path, description = "The partner's id"),
        ("If-Match" = String, Header, description = "The ETag last read; 412 when stale, 428 when missing"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted, with its skills"),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 428, response = r::PreconditionRequired),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[delete("/partners/{id}")]
pub async fn delete_partner(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    partners::delete_partner(&state, &principal, &id, expected).await?;
    Ok(HttpResponse::NoContent().finish())
}

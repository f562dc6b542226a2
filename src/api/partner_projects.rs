//! `/partners/{id}/projects`: the upstream projects a partner contributes to, maintains
//! or stewards; anyone reads them, the partner and admins write the claims, admins
//! verify them.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{IfMatch, PageParams};
use super::pagination::{self, ListResponse, PageQuery};
use super::preconditions::{etag, tagged};
use super::request::created;
use super::responses as r;
use crate::auth::{MaybePrincipal, Principal};
use crate::error::ApiResult;
use crate::service::partner_projects::{
    self, PartnerProject, PartnerProjectClaim, PartnerProjectPath,
};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_partner_projects)
        .service(get_partner_project)
        .service(put_partner_project)
        .service(delete_partner_project);
}

/// A link with its ETag.
fn respond(builder: HttpResponseBuilder, link: &PartnerProject) -> HttpResponse {
    tagged(builder, etag(&link.tag_id(), link.version), link)
}

/// List a partner's upstream projects in slug order.
#[utoipa::path(
    tag = "partners",
    security((), ("bearer" = [])),
    params(("id" = String, Path, description = "The partner's id"), PageQuery),
    responses(
        (status = 200, description = "A page of the partner's projects", body = ListResponse<PartnerProject>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/partners/{id}/projects")]
pub async fn list_partner_projects(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    id: web::Path<String>,
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let slice =
        partner_projects::list_partner_projects(&state, caller.0.as_ref(), &id, page).await?;
    Ok(pagination::respond(&req, slice))
}

/// Read a partner's link to a project.
#[utoipa::path(
    tag = "partners",
    security((), ("bearer" = [])),
    params(PartnerProjectPath),
    responses(
        (status = 200, description = "The partner's link to the project", body = PartnerProject,
            headers(("ETag" = String))),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/partners/{id}/projects/{project}")]
pub async fn get_partner_project(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    path: web::Path<PartnerProjectPath>,
) -> ApiResult<HttpResponse> {
    let link =
        partner_projects::get_partner_project(&state, caller.0.as_ref(), path.into_inner()).await?;
    Ok(respond(HttpResponse::Ok(), &link))
}

/// Set a partner's claim on a project: contributor or maintainer, with evidence.
///
/// Creates the claim (201) or replaces it (200). Replacing needs `If-Match` with the
/// claim's ETag; creating needs none. A partner changing the role or the evidence of a
/// verified claim clears `verified`; only an admin sends `verified`. The `steward` link
/// is the project's `steward_partner_id` and is changed there (409 here).
#[utoipa::path(
    tag = "partners",
    params(
        PartnerProjectPath,
        ("If-Match" = Option<String>, Header,
            description = "The claim's ETag: required to replace (428 when missing, 412 when stale)"),
    ),
    request_body = PartnerProjectClaim,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The replaced claim", body = PartnerProject, headers(("ETag" = String))),
        (status = 201, description = "The created claim", body = PartnerProject,
            headers(("Location" = String), ("ETag" = String))),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 428, response = r::PreconditionRequired),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[put("/partners/{id}/projects/{project}")]
pub async fn put_partner_project(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<PartnerProjectPath>,
    IfMatch(expected): IfMatch,
    body: web::Json<PartnerProjectClaim>,
) -> ApiResult<HttpResponse> {
    let put = partner_projects::put_partner_project(
        &state,
        &principal,
        path.into_inner(),
        expected,
        body.into_inner(),
    )
    .await?;
    let builder = if put.created {
        created(req.path().to_owned())
    } else {
        HttpResponse::Ok()
    };
    Ok(respond(builder, &put.link))
}

/// Remove a partner's claim on a project; `If-Match` is required. A steward link goes
/// when the project names another steward, or none (409 here).
#[utoipa::path(
    tag = "partners",
    params(
        PartnerProjectPath,
        ("If-Match" = String, Header, description = "The claim's ETag; 412 when stale, 428 when missing"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 428, response = r::PreconditionRequired),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[delete("/partners/{id}/projects/{project}")]
pub async fn delete_partner_project(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<PartnerProjectPath>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    partner_projects::delete_partner_project(&state, &principal, path.into_inner(), expected)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

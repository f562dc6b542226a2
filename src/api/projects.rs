//! `/projects`: the upstream open source components the network's work relies on, with
//! their SPDX license, linked skills and steward; public reads, admin writes.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{IfMatch, PageParams};
use super::pagination::{self, ListResponse, PageQuery};
use super::preconditions::{etag, tagged};
use super::request::{created, location};
use super::responses as r;
use crate::auth::{MaybePrincipal, Principal};
use crate::error::ApiResult;
use crate::service::projects::{
    self as service, NewProject, Project, ProjectListQuery, ProjectPatch,
};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_projects)
        .service(create_project)
        .service(get_project)
        .service(update_project)
        .service(delete_project);
}

fn respond(builder: HttpResponseBuilder, project: &Project) -> HttpResponse {
    tagged(builder, etag(&project.id, project.version), project)
}

/// List upstream projects in slug order.
#[utoipa::path(
    tag = "projects",
    security((), ("bearer" = [])),
    params(ProjectListQuery, PageQuery),
    responses(
        (status = 200, description = "A page of projects", body = ListResponse<Project>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/projects")]
pub async fn list_projects(
    req: HttpRequest,
    state: web::Data<AppState>,
    _caller: MaybePrincipal,
    query: web::Query<ProjectListQuery>,
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let slice = service::list_projects(&state, query.into_inner(), page).await?;
    Ok(pagination::respond(&req, slice))
}

/// Read one project by id or slug.
#[utoipa::path(
    tag = "projects",
    security((), ("bearer" = [])),
    params(("id" = String, Path, description = "The project's id or slug", example = "postgis")),
    responses(
        (status = 200, description = "The project", body = Project, headers(("ETag" = String))),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/projects/{id}")]
pub async fn get_project(
    state: web::Data<AppState>,
    _caller: MaybePrincipal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let project = service::get_project(&state, &id).await?;
    Ok(respond(HttpResponse::Ok(), &project))
}

/// Add an upstream project (admin).
#[utoipa::path(
    tag = "projects",
    request_body = NewProject,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The created project", body = Project,
            headers(("Location" = String), ("ETag" = String))),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/projects")]
pub async fn create_project(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewProject>,
) -> ApiResult<HttpResponse> {
    let project = service::create_project(&state, &principal, body.into_inner()).await?;
    Ok(respond(created(location(&req, &project.id)), &project))
}

/// Change a project (admin); `If-Match` is honoured.
#[utoipa::path(
    tag = "projects",
    params(
        ("id" = String, Path, description = "The project's id or slug", example = "postgis"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    request_body = ProjectPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated project", body = Project, headers(("ETag" = String))),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[patch("/projects/{id}")]
pub async fn update_project(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
    body: web::Json<ProjectPatch>,
) -> ApiResult<HttpResponse> {
    let project =
        service::update_project(&state, &principal, &id, expected, body.into_inner()).await?;
    Ok(respond(HttpResponse::Ok(), &project))
}

/// Remove a project and its skill links (admin); `If-Match` is honoured. A project that
/// revenue-share agreements or the ledger name stays (409).
#[utoipa::path(
    tag = "projects",
    params(
        ("id" = String, Path, description = "The project's id or slug", example = "postgis"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[delete("/projects/{id}")]
pub async fn delete_project(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    service::delete_project(&state, &principal, &id, expected).await?;
    Ok(HttpResponse::NoContent().finish())
}

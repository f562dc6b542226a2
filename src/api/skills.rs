//! `/skills`: the catalogue of skills, a tree; public reads, admin writes.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{IfMatch, PageParams};
use super::pagination::{self, ListResponse, PageQuery};
use super::preconditions::{etag, tagged};
use super::request::{created, location};
use super::responses as r;
use crate::auth::{MaybePrincipal, Principal};
use crate::error::ApiResult;
use crate::service::skills::{self as service, NewSkill, Skill, SkillListQuery, SkillPatch};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_skills)
        .service(create_skill)
        .service(get_skill)
        .service(update_skill)
        .service(delete_skill);
}

fn respond(builder: HttpResponseBuilder, skill: &Skill) -> HttpResponse {
    tagged(builder, etag(&skill.id, skill.version), skill)
}

/// List skills in slug order.
#[utoipa::path(
    tag = "skills",
    security((), ("bearer" = [])),
    params(SkillListQuery, PageQuery),
    responses(
        (status = 200, description = "A page of skills", body = ListResponse<Skill>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/skills")]
pub async fn list_skills(
    req: HttpRequest,
    state: web::Data<AppState>,
    _caller: MaybePrincipal,
    query: web::Query<SkillListQuery>,
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let slice = service::list_skills(&state, query.into_inner(), page).await?;
    Ok(pagination::respond(&req, slice))
}

/// Read one skill by id or slug.
#[utoipa::path(
    tag = "skills",
    security((), ("bearer" = [])),
    params(("id" = String, Path, description = "The skill's id or slug", example = "postgresql")),
    responses(
        (status = 200, description = "The skill", body = Skill, headers(("ETag" = String))),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/skills/{id}")]
pub async fn get_skill(
    state: web::Data<AppState>,
    _caller: MaybePrincipal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let skill = service::get_skill(&state, &id).await?;
    Ok(respond(HttpResponse::Ok(), &skill))
}

/// Add a skill to the catalogue.
#[utoipa::path(
    tag = "skills",
    request_body = NewSkill,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The created skill", body = Skill,
            headers(("Location" = String), ("ETag" = String))),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/skills")]
pub async fn create_skill(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewSkill>,
) -> ApiResult<HttpResponse> {
    let skill = service::create_skill(&state, &principal, body.into_inner()).await?;
    Ok(respond(created(location(&req, &skill.id)), &skill))
}

/// Change a skill; `If-Match` is honoured.
#[utoipa::path(
    tag = "skills",
    params(
        ("id" = String, Path, description = "The skill's id or slug", example = "postgis"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    request_body = SkillPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated skill", body = Skill, headers(("ETag" = String))),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[patch("/skills/{id}")]
pub async fn update_skill(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
    body: web::Json<SkillPatch>,
) -> ApiResult<HttpResponse> {
    let skill = service::update_skill(&state, &principal, &id, expected, body.into_inner()).await?;
    Ok(respond(HttpResponse::Ok(), &skill))
}

/// Remove a skill that nothing uses (no child skill, partner, project or tender lot); `If-Match` is honoured.
#[utoipa::path(
    tag = "skills",
    params(
        ("id" = String, Path, description = "The skill's id or slug", example = "postgis"),
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
#[delete("/skills/{id}")]
pub async fn delete_skill(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    service::delete_skill(&state, &principal, &id, expected).await?;
    Ok(HttpResponse::NoContent().finish())
}

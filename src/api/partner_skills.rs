//! `/partners/{id}/skills`: the skills a partner holds, at what level and on what evidence;
//! anyone reads them, the partner and admins write them, admins verify them.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, post, put, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{IfMatch, PageParams};
use super::pagination::{self, ListResponse, PageQuery};
use super::preconditions::{etag, tagged};
use super::request::created;
use super::responses as r;
use crate::auth::{MaybePrincipal, Principal};
use crate::error::ApiResult;
use crate::service::partner_skills::{self, PartnerSkill, PartnerSkillClaim, PartnerSkillPath};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_partner_skills)
        .service(get_partner_skill)
        .service(put_partner_skill)
        .service(delete_partner_skill)
        .service(verify_partner_skill);
}

/// A claim with its ETag.
fn respond(builder: HttpResponseBuilder, claim: &PartnerSkill) -> HttpResponse {
    tagged(builder, etag(&claim.tag_id(), claim.version), claim)
}

/// List a partner's skills in slug order.
#[utoipa::path(
    tag = "partners",
    security((), ("bearer" = [])),
    params(("id" = String, Path, description = "The partner's id"), PageQuery),
    responses(
        (status = 200, description = "A page of the partner's skills", body = ListResponse<PartnerSkill>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/partners/{id}/skills")]
pub async fn list_partner_skills(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    id: web::Path<String>,
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let slice = partner_skills::list_partner_skills(&state, caller.0.as_ref(), &id, page).await?;
    Ok(pagination::respond(&req, slice))
}

/// Read one of a partner's skills.
#[utoipa::path(
    tag = "partners",
    security((), ("bearer" = [])),
    params(PartnerSkillPath),
    responses(
        (status = 200, description = "The partner's claim on the skill", body = PartnerSkill,
            headers(("ETag" = String))),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/partners/{id}/skills/{skill}")]
pub async fn get_partner_skill(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    path: web::Path<PartnerSkillPath>,
) -> ApiResult<HttpResponse> {
    let claim =
        partner_skills::get_partner_skill(&state, caller.0.as_ref(), path.into_inner()).await?;
    Ok(respond(HttpResponse::Ok(), &claim))
}

/// Set a partner's claim on a skill: level, certified experts, evidence.
///
/// Creates the claim (201) or replaces it (200). Replacing needs `If-Match` with the
/// claim's ETag; creating needs none. Changing the level of a verified claim clears
/// `verified`. The partner's own version moves too, since its skills are part of it.
#[utoipa::path(
    tag = "partners",
    params(
        PartnerSkillPath,
        ("If-Match" = Option<String>, Header,
            description = "The claim's ETag: required to replace (428 when missing, 412 when stale)"),
    ),
    request_body = PartnerSkillClaim,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The replaced claim", body = PartnerSkill, headers(("ETag" = String))),
        (status = 201, description = "The created claim", body = PartnerSkill,
            headers(("Location" = String), ("ETag" = String))),
        (status = 404, response = r::NotFound),
        (status = 412, response = r::PreconditionFailed),
        (status = 428, response = r::PreconditionRequired),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[put("/partners/{id}/skills/{skill}")]
pub async fn put_partner_skill(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<PartnerSkillPath>,
    IfMatch(expected): IfMatch,
    body: web::Json<PartnerSkillClaim>,
) -> ApiResult<HttpResponse> {
    let put = partner_skills::put_partner_skill(
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
    Ok(respond(builder, &put.claim))
}

/// Remove a partner's claim on a skill; `If-Match` is required.
#[utoipa::path(
    tag = "partners",
    params(
        PartnerSkillPath,
        ("If-Match" = String, Header, description = "The claim's ETag; 412 when stale, 428 when missing"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, response = r::NotFound),
        (status = 412, response = r::PreconditionFailed),
        (status = 428, response = r::PreconditionRequired),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[delete("/partners/{id}/skills/{skill}")]
pub async fn delete_partner_skill(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<PartnerSkillPath>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    partner_skills::delete_partner_skill(&state, &principal, path.into_inner(), expected).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Mark a partner's claim on a skill as verified by the network (admin).
///
/// Records when and by whom; `If-Match` is honoured when sent.
#[utoipa::path(
    tag = "partners",
    params(
        PartnerSkillPath,
        ("If-Match" = Option<String>, Header, description = "The claim's ETag; 412 when stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The verified claim", body = PartnerSkill, headers(("ETag" = String))),
        (status = 404, response = r::NotFound),
        (status = 412, response = r::PreconditionFailed),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[post("/partners/{id}/skills/{skill}/verify")]
pub async fn verify_partner_skill(
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<PartnerSkillPath>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    let claim =
        partner_skills::verify_partner_skill(&state, &principal, path.into_inner(), expected)
            .await?;
    Ok(respond(HttpResponse::Ok(), &claim))
}

//! `/partners/{id}/skills`: the skills a partner holds, at what level and on what evidence;
//! anyone reads them, the partner and admins write them, admins verify them.

use actix_web::http::header;
use actix_web::http::header::EntityTag;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::pagination::{ListResponse, PageQuery};
use super::partners::{require_partner_writer, visible_partner};
use super::preconditions::{check_if_match, tagged};
use super::request::{created, one_of, validate_with, web_url};
use super::responses as r;
use crate::app::AppState;
use crate::auth::{MaybePrincipal, Principal};
use crate::db::partner_skills::{HeldSkill, PartnerSkillRow};
use crate::db::{self, DbConnection, skills::SkillRow};
use crate::domain::directory::SkillLevel;
use crate::error::{ApiError, ApiResult, FieldError};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_partner_skills)
        .service(get_partner_skill)
        .service(put_partner_skill)
        .service(delete_partner_skill)
        .service(verify_partner_skill);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "skill": "postgresql",
    "skill_id": "0193a5b2-7c1e-7d3a-9f10-dddddddddddd", "skill_name": "PostgreSQL",
    "level": "contributor", "certified_experts": 12,
    "evidence_urls": ["https://www.postgresql.org/community/contributors/"],
    "verified": false, "verified_at": null, "verified_by": null,
    "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z", "version": 1
}))]
pub struct PartnerSkill {
    pub partner_id: String,
    /// The skill's slug.
    pub skill: String,
    pub skill_id: String,
    pub skill_name: String,
    pub level: SkillLevel,
    pub certified_experts: i32,
    pub evidence_urls: Vec<String>,
    /// Set by an admin (`POST …/verify`); cleared when the level changes.
    pub verified: bool,
    pub verified_at: Option<DateTime<Utc>>,
    /// The admin user or API client that verified it.
    pub verified_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<HeldSkill> for PartnerSkill {
    fn from(held: HeldSkill) -> PartnerSkill {
        let row = held.row;
        PartnerSkill {
            level: row.level(),
            evidence_urls: row.evidence(),
            partner_id: row.partner_id,
            skill: held.slug,
            skill_id: row.skill_id,
            skill_name: held.name,
            certified_experts: row.certified_experts,
            verified: row.verified,
            verified_at: row.verified_at.map(|at| at.and_utc()),
            verified_by: row.verified_by,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

/// What a partner claims for a skill; the whole claim is replaced on each `PUT`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "level": "contributor", "certified_experts": 12,
    "evidence_urls": ["https://www.postgresql.org/community/contributors/",
                      "https://github.com/dalibo/pg_activity"]
}))]
pub struct PartnerSkillClaim {
    /// `contributor` and `maintainer` need at least one evidence URL.
    #[validate(custom(function = "one_of::<SkillLevel>"))]
    #[schema(value_type = SkillLevel)]
    pub level: String,
    /// People holding a certification in the skill; defaults to 0.
    #[validate(range(min = 0, max = 100_000))]
    pub certified_experts: Option<i32>,
    /// Public pages that show the work (commits, contributor lists, releases); at most 20.
    #[serde(default)]
    #[validate(length(max = 20))]
    pub evidence_urls: Vec<String>,
}

impl PartnerSkillClaim {
    /// Each bad evidence URL by its index, and a missing one for upstream levels.
    fn evidence_errors(&self) -> Vec<FieldError> {
        let mut errors: Vec<FieldError> = self
            .evidence_urls
            .iter()
            .enumerate()
            .filter_map(|(index, url)| {
                web_url(url).err().map(|e| {
                    FieldError::body(
                        format!("#/evidence_urls/{index}"),
                        &e.code,
                        e.message.map(|m| m.to_string()).unwrap_or_default(),
                    )
                })
            })
            .collect();
        let needs_evidence = SkillLevel::parse(&self.level).is_some_and(SkillLevel::needs_evidence);
        if needs_evidence && self.evidence_urls.is_empty() {
            errors.push(FieldError::body(
                "#/evidence_urls",
                "required",
                "levels contributor and maintainer need at least one evidence URL",
            ));
        }
        errors
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PartnerSkillPath {
    /// The partner's id.
    pub id: String,
    /// The skill's slug or id.
    #[param(example = "postgresql")]
    pub skill: String,
}

fn partner_skill_etag(row: &PartnerSkillRow) -> EntityTag {
    super::preconditions::etag(&format!("{}/{}", row.partner_id, row.skill_id), row.version)
}

fn respond_partner_skill(builder: HttpResponseBuilder, held: HeldSkill) -> HttpResponse {
    let tag = partner_skill_etag(&held.row);
    tagged(builder, tag, &PartnerSkill::from(held))
}

fn find_skill(conn: &mut DbConnection, skill: &str) -> ApiResult<SkillRow> {
    db::skills::find(conn, skill)?.ok_or_else(|| ApiError::NotFound(format!("no skill `{skill}`")))
}

fn not_held(partner_id: &str, skill: &str) -> ApiError {
    ApiError::NotFound(format!(
        "partner `{partner_id}` does not hold skill `{skill}`"
    ))
}

/// The partner (as `caller` may see it), the skill, and the partner's claim on it if any.
fn load_claim(
    conn: &mut DbConnection,
    caller: Option<&Principal>,
    path: &PartnerSkillPath,
) -> ApiResult<(String, SkillRow, Option<HeldSkill>)> {
    let partner = visible_partner(conn, caller, &path.id)?;
    let skill = find_skill(conn, &path.skill)?;
    let held = db::partner_skills::find(conn, &partner.id, &skill.id)?;
    Ok((partner.id, skill, held))
}

/// List a partner's skills in slug order.
#[utoipa::path(
    tag = "partners",
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
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let (id, after, limit) = (id.into_inner(), page.after.clone(), page.limit + 1);
    let rows = state
        .db
        .run(move |conn| {
            let partner = visible_partner(conn, caller.0.as_ref(), &id)?;
            Ok(db::partner_skills::list(
                conn,
                &partner.id,
                after.as_deref(),
                limit,
            )?)
        })
        .await?;
    Ok(super::pagination::respond(
        &req,
        &page,
        rows,
        |held| held.slug.clone(),
        PartnerSkill::from,
    ))
}

/// Read one of a partner's skills.
#[utoipa::path(
    tag = "partners",
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
    let path = path.into_inner();
    let held = state
        .db
        .run(move |conn| {
            let (partner_id, _, held) = load_claim(conn, caller.0.as_ref(), &path)?;
            held.ok_or_else(|| not_held(&partner_id, &path.skill))
        })
        .await?;
    Ok(respond_partner_skill(HttpResponse::Ok(), held))
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
    body: web::Json<PartnerSkillClaim>,
) -> ApiResult<HttpResponse> {
    let claim = body.into_inner();
    let (partner_id, skill, current) =
        load_claim_for(&state, &principal, path.into_inner()).await?;
    require_partner_writer(&principal, &partner_id)?;
    validate_with(&claim, claim.evidence_errors())?;
    match &current {
        Some(held) => check_if_match(&req, &partner_skill_etag(&held.row), true)?,
        // Nothing to match yet: an If-Match names a version that does not exist.
        None if req.headers().contains_key(header::IF_MATCH) => {
            return Err(ApiError::PreconditionFailed);
        }
        None => {}
    }
    let level = SkillLevel::parse(&claim.level)
        .ok_or_else(|| ApiError::validation_one("#/level", "enum", "unknown level"))?;
    let now = state.clock.now_naive();
    let is_new = current.is_none();
    let row = match current {
        Some(held) => {
            let previous = held.row;
            let level_changed = previous.level != level.rank();
            PartnerSkillRow {
                level: level.rank(),
                certified_experts: claim.certified_experts.unwrap_or(0),
                evidence_urls: PartnerSkillRow::encode_evidence(&claim.evidence_urls),
                verified: previous.verified && !level_changed,
                verified_at: previous.verified_at.filter(|_| !level_changed),
                verified_by: previous.verified_by.clone().filter(|_| !level_changed),
                updated_at: now,
                version: previous.version + 1,
                ..previous
            }
        }
        None => PartnerSkillRow {
            partner_id: partner_id.clone(),
            skill_id: skill.id.clone(),
            level: level.rank(),
            certified_experts: claim.certified_experts.unwrap_or(0),
            evidence_urls: PartnerSkillRow::encode_evidence(&claim.evidence_urls),
            verified: false,
            verified_at: None,
            verified_by: None,
            created_at: now,
            updated_at: now,
            version: 1,
        },
    };
    let held = HeldSkill {
        row,
        slug: skill.slug,
        name: skill.name,
    };
    let held = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                if is_new {
                    db::partner_skills::insert(conn, &held.row)?;
                } else if !db::partner_skills::update_versioned(conn, &held.row)? {
                    return Err(ApiError::PreconditionFailed);
                }
                db::partners::touch(conn, &held.row.partner_id, now)?;
                Ok(held)
            })
        })
        .await?;
    if is_new {
        let builder = created(req.path().to_owned());
        Ok(respond_partner_skill(builder, held))
    } else {
        Ok(respond_partner_skill(HttpResponse::Ok(), held))
    }
}

/// [`load_claim`] off the async executor, for a principal about to write.
async fn load_claim_for(
    state: &AppState,
    principal: &Principal,
    path: PartnerSkillPath,
) -> ApiResult<(String, SkillRow, Option<HeldSkill>)> {
    let caller = principal.clone();
    state
        .db
        .run(move |conn| load_claim(conn, Some(&caller), &path))
        .await
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
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<PartnerSkillPath>,
) -> ApiResult<HttpResponse> {
    let path = path.into_inner();
    let skill_name = path.skill.clone();
    let (partner_id, _, current) = load_claim_for(&state, &principal, path).await?;
    require_partner_writer(&principal, &partner_id)?;
    let current = current
        .ok_or_else(|| not_held(&partner_id, &skill_name))?
        .row;
    check_if_match(&req, &partner_skill_etag(&current), true)?;
    let now = state.clock.now_naive();
    state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                if !db::partner_skills::delete_versioned(
                    conn,
                    &current.partner_id,
                    &current.skill_id,
                    current.version,
                )? {
                    return Err(ApiError::PreconditionFailed);
                }
                db::partners::touch(conn, &current.partner_id, now)?;
                Ok(())
            })
        })
        .await?;
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
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    path: web::Path<PartnerSkillPath>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let path = path.into_inner();
    let skill_name = path.skill.clone();
    let (partner_id, _, current) = load_claim_for(&state, &principal, path).await?;
    let held = current.ok_or_else(|| not_held(&partner_id, &skill_name))?;
    check_if_match(&req, &partner_skill_etag(&held.row), false)?;
    let now = state.clock.now_naive();
    let held = HeldSkill {
        row: PartnerSkillRow {
            verified: true,
            verified_at: Some(now),
            verified_by: Some(principal.id.clone()),
            updated_at: now,
            version: held.row.version + 1,
            ..held.row
        },
        ..held
    };
    let held = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                if !db::partner_skills::update_versioned(conn, &held.row)? {
                    return Err(ApiError::PreconditionFailed);
                }
                db::partners::touch(conn, &held.row.partner_id, now)?;
                Ok(held)
            })
        })
        .await?;
    Ok(respond_partner_skill(HttpResponse::Ok(), held))
}

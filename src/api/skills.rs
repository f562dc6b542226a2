//! `/skills`: the catalogue of skills, a tree; public reads, admin writes.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::{Validate, ValidationError};

use super::pagination::{ListResponse, PageQuery};
use super::preconditions::{check_if_match, etag, tagged};
use super::request::{created, given, invalid, location};
use super::responses as r;
use crate::app::AppState;
use crate::auth::Principal;
use crate::db::{self, DbConnection, skills::SkillFilter, skills::SkillRow};
use crate::domain::skill::{self as rules, ParentError};
use crate::error::{ApiError, ApiResult};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_skills)
        .service(create_skill)
        .service(get_skill)
        .service(update_skill)
        .service(delete_skill);
}

const ESCO_PREFIX: &str = "http://data.europa.eu/esco/";

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-dddddddddddd", "slug": "postgresql", "name": "PostgreSQL",
    "category": "databases", "parent_id": null,
    "description": "Administration, tuning and development of PostgreSQL databases",
    "esco_uri": null, "created_at": "2026-11-28T09:00:00Z",
    "updated_at": "2026-11-28T09:00:00Z", "version": 1
}))]
pub struct Skill {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub category: String,
    pub parent_id: Option<String>,
    pub description: String,
    pub esco_uri: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<SkillRow> for Skill {
    fn from(row: SkillRow) -> Skill {
        Skill {
            id: row.id,
            slug: row.slug,
            name: row.name,
            category: row.category,
            parent_id: row.parent_id,
            description: row.description,
            esco_uri: row.esco_uri,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

/// The catalogue's slug rule, shared by skills and projects.
pub(super) fn valid_slug(slug: &str) -> Result<(), ValidationError> {
    if rules::is_valid_slug(slug) {
        Ok(())
    } else {
        Err(invalid("pattern", "must match ^[a-z0-9][a-z0-9-]{1,62}$"))
    }
}

fn valid_esco_uri(uri: &str) -> Result<(), ValidationError> {
    if uri.starts_with(ESCO_PREFIX)
        && uri.len() > ESCO_PREFIX.len()
        && !uri.contains(char::is_whitespace)
    {
        Ok(())
    } else {
        Err(invalid(
            "esco_uri",
            "must be an ESCO URI (http://data.europa.eu/esco/…)",
        ))
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "slug": "postgis", "name": "PostGIS", "category": "gis", "parent_id": "postgresql",
    "description": "Spatial extension of PostgreSQL"
}))]
pub struct NewSkill {
    #[validate(custom(function = "valid_slug"))]
    pub slug: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[validate(length(min = 1, max = 100))]
    pub category: String,
    /// The parent skill, by id or slug.
    pub parent_id: Option<String>,
    #[validate(length(max = 5000))]
    pub description: Option<String>,
    #[validate(custom(function = "valid_esco_uri"))]
    pub esco_uri: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "PostGIS (spatial SQL)", "parent_id": null}))]
pub struct SkillPatch {
    #[validate(custom(function = "valid_slug"))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub slug: Option<String>,
    #[validate(length(min = 1, max = 200))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub name: Option<String>,
    #[validate(length(min = 1, max = 100))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub category: Option<String>,
    /// The parent skill by id or slug, or `null` to make it a root.
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>)]
    pub parent_id: Option<Option<String>>,
    #[validate(length(max = 5000))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "given")]
    #[validate(custom(function = "valid_esco_uri"))]
    #[schema(value_type = Option<String>)]
    pub esco_uri: Option<Option<String>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SkillListQuery {
    /// Case-insensitive substring of slug, name or description.
    #[param(example = "sql")]
    pub q: Option<String>,
    /// Only skills of this category.
    #[param(example = "databases")]
    pub category: Option<String>,
    /// Only direct children of this skill (id or slug).
    #[param(example = "postgresql")]
    pub parent: Option<String>,
}

fn respond_skill(builder: HttpResponseBuilder, row: SkillRow) -> HttpResponse {
    let tag = etag(&row.id, row.version);
    tagged(builder, tag, &Skill::from(row))
}

/// Resolves a parent given by id or slug and checks the tree stays acyclic and bounded.
fn resolve_parent(conn: &mut DbConnection, skill_id: &str, parent: &str) -> ApiResult<String> {
    let parent = db::skills::find(conn, parent)?.ok_or_else(|| {
        ApiError::validation_one("#/parent_id", "not_found", format!("no skill `{parent}`"))
    })?;
    let chain = db::skills::ancestors(conn, &parent.id, rules::MAX_DEPTH)?;
    rules::check_parent(skill_id, &parent.id, &chain).map_err(|e| match e {
        ParentError::Cycle => ApiError::validation_one(
            "#/parent_id",
            "cycle",
            "the skill would become its own ancestor",
        ),
        ParentError::TooDeep => ApiError::validation_one(
            "#/parent_id",
            "depth",
            format!("the skill tree may not be deeper than {}", rules::MAX_DEPTH),
        ),
    })?;
    Ok(parent.id)
}

fn slug_taken(slug: &str) -> ApiError {
    ApiError::conflict(format!("a skill with slug `{slug}` already exists"))
}

/// List skills in slug order.
#[utoipa::path(
    tag = "skills",
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
    _caller: crate::auth::MaybePrincipal,
    query: web::Query<SkillListQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let query = query.into_inner();
    let (after, limit) = (page.after.clone(), page.limit + 1);
    let rows = state
        .db
        .run(move |conn| {
            let parent_id = match &query.parent {
                // An unknown parent has no children: the page is empty, not an error.
                Some(parent) => Some(
                    db::skills::find(conn, parent)?
                        .map(|p| p.id)
                        .unwrap_or_else(|| parent.clone()),
                ),
                None => None,
            };
            let filter = SkillFilter {
                q: query.q.filter(|q| !q.trim().is_empty()),
                category: query.category,
                parent_id,
            };
            Ok(db::skills::list(conn, &filter, after.as_deref(), limit)?)
        })
        .await?;
    Ok(super::pagination::respond(
        &req,
        &page,
        rows,
        |row| row.slug.clone(),
        Skill::from,
    ))
}

/// Read one skill by id or slug.
#[utoipa::path(
    tag = "skills",
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
    _caller: crate::auth::MaybePrincipal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = load_skill(&state, id.into_inner()).await?;
    Ok(respond_skill(HttpResponse::Ok(), row))
}

async fn load_skill(state: &AppState, id_or_slug: String) -> ApiResult<SkillRow> {
    state
        .db
        .run(move |conn| {
            db::skills::find(conn, &id_or_slug)?
                .ok_or_else(|| ApiError::NotFound(format!("no skill `{id_or_slug}`")))
        })
        .await
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
    principal.require_admin()?;
    let body = body.into_inner();
    body.validate()?;
    let now = state.clock.now_naive();
    let mut row = SkillRow {
        id: db::new_id(),
        slug: body.slug,
        name: body.name.trim().to_owned(),
        category: body.category.trim().to_owned(),
        parent_id: None,
        description: body.description.unwrap_or_default(),
        esco_uri: body.esco_uri,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let row = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                if let Some(parent) = &body.parent_id {
                    row.parent_id = Some(resolve_parent(conn, &row.id, parent)?);
                }
                if db::skills::find(conn, &row.slug)?.is_some() {
                    return Err(slug_taken(&row.slug));
                }
                db::skills::insert(conn, &row)?;
                Ok(row)
            })
        })
        .await?;
    let builder = created(location(&req, &row.id));
    Ok(respond_skill(builder, row))
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
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Json<SkillPatch>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let patch = body.into_inner();
    patch.validate()?;
    let current = load_skill(&state, id.into_inner()).await?;
    check_if_match(&req, &etag(&current.id, current.version), false)?;
    let now = state.clock.now_naive();
    let row = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                let mut next = current.clone();
                if let Some(slug) = patch.slug {
                    if slug != current.slug && db::skills::find(conn, &slug)?.is_some() {
                        return Err(slug_taken(&slug));
                    }
                    next.slug = slug;
                }
                if let Some(name) = patch.name {
                    next.name = name.trim().to_owned();
                }
                if let Some(category) = patch.category {
                    next.category = category.trim().to_owned();
                }
                if let Some(parent) = patch.parent_id {
                    next.parent_id = parent
                        .map(|parent| resolve_parent(conn, &current.id, &parent))
                        .transpose()?;
                }
                if let Some(description) = patch.description {
                    next.description = description;
                }
                if let Some(esco_uri) = patch.esco_uri {
                    next.esco_uri = esco_uri;
                }
                next.updated_at = now;
                next.version += 1;
                if !db::skills::update_versioned(conn, &next)? {
                    return Err(ApiError::PreconditionFailed);
                }
                Ok(next)
            })
        })
        .await?;
    Ok(respond_skill(HttpResponse::Ok(), row))
}

/// Remove a skill that nothing uses (no child skill, partner or project); `If-Match` is honoured.
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
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let current = load_skill(&state, id.into_inner()).await?;
    check_if_match(&req, &etag(&current.id, current.version), false)?;
    state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                let children = db::skills::count_children(conn, &current.id)?;
                let holders = db::partner_skills::count_holders(conn, &current.id)?;
                let projects = db::projects::count_linked_to_skill(conn, &current.id)?;
                if children + holders + projects > 0 {
                    return Err(ApiError::conflict(format!(
                        "skill `{}` is in use: parent of {children} skill(s), held by {holders} \
                         partner(s), linked to {projects} project(s)",
                        current.slug
                    )));
                }
                if !db::skills::delete_versioned(conn, &current.id, current.version)? {
                    return Err(ApiError::PreconditionFailed);
                }
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

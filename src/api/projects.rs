//! `/projects`: the upstream open source components the network's work relies on, with
//! their SPDX license, linked skills and steward; public reads, admin writes.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::pagination::{ListResponse, PageQuery};
use super::preconditions::{check_if_match, etag, tagged};
use super::request::{created, given, location, non_blank, validate_with, web_url};
use super::responses as r;
use super::skills::valid_slug;
use crate::app::AppState;
use crate::auth::{MaybePrincipal, Principal};
use crate::db::projects::{ProjectFilter, ProjectRow};
use crate::db::{self, DbConnection};
use crate::domain::license::{self, License};
use crate::error::{ApiError, ApiResult, FieldError};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_projects)
        .service(create_project)
        .service(get_project)
        .service(update_project)
        .service(delete_project);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-cccccccccccc", "slug": "opam", "name": "opam",
    "repository_url": "https://github.com/ocaml/opam", "website": "https://opam.ocaml.org",
    "license": "LGPL-2.1-only WITH OCaml-LGPL-linking-exception",
    "license_ids": ["LGPL-2.1-only"], "description": "The OCaml package manager.",
    "skills": ["ocaml"], "steward_partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa",
    "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z", "version": 1
}))]
pub struct Project {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub repository_url: String,
    pub website: Option<String>,
    /// SPDX license expression.
    pub license: String,
    /// The SPDX license ids the expression names.
    pub license_ids: Vec<String>,
    pub description: String,
    /// Slugs of the linked skills.
    pub skills: Vec<String>,
    /// The partner that publishes the project, when one of the network does.
    pub steward_partner_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl Project {
    fn new(row: ProjectRow, skills: Vec<String>) -> Project {
        Project {
            license_ids: row
                .license_ids
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            id: row.id,
            slug: row.slug,
            name: row.name,
            repository_url: row.repository_url,
            website: row.website,
            license: row.license,
            description: row.description,
            skills,
            steward_partner_id: row.steward_partner_id,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

/// The parsed license, or the 422 entry saying why it does not parse.
fn parse_license(expression: &str) -> Result<License, FieldError> {
    license::parse(expression).map_err(|detail| FieldError::body("#/license", "spdx", detail))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "slug": "postgis", "name": "PostGIS", "repository_url": "https://github.com/postgis/postgis",
    "website": "https://postgis.net", "license": "GPL-2.0-or-later",
    "description": "Spatial and geographic objects for PostgreSQL.",
    "skills": ["postgis", "postgresql"], "steward_partner_id": null
}))]
pub struct NewProject {
    #[validate(custom(function = "valid_slug"))]
    pub slug: String,
    #[validate(length(max = 200), custom(function = "non_blank"))]
    pub name: String,
    #[validate(custom(function = "web_url"))]
    pub repository_url: String,
    #[validate(custom(function = "web_url"))]
    pub website: Option<String>,
    /// SPDX license expression, e.g. `MIT OR Apache-2.0`, checked against the SPDX list.
    pub license: String,
    #[validate(length(max = 5000))]
    pub description: Option<String>,
    /// Skills (slugs or ids) the project relates to; at most 50.
    #[serde(default)]
    #[validate(length(max = 50))]
    pub skills: Vec<String>,
    /// The partner that publishes the project.
    pub steward_partner_id: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"license": "GPL-2.0-or-later", "skills": ["postgis"]}))]
pub struct ProjectPatch {
    #[validate(custom(function = "valid_slug"))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub slug: Option<String>,
    #[validate(length(max = 200), custom(function = "non_blank"))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub name: Option<String>,
    #[validate(custom(function = "web_url"))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub repository_url: Option<String>,
    /// A URL, or `null` to remove it.
    #[serde(default, deserialize_with = "given")]
    #[validate(custom(function = "web_url"))]
    #[schema(value_type = Option<String>)]
    pub website: Option<Option<String>>,
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub license: Option<String>,
    #[validate(length(max = 5000))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub description: Option<String>,
    /// Replaces the linked skills.
    #[validate(length(max = 50))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub skills: Option<Vec<String>>,
    /// A partner id, or `null` when no partner of the network publishes it.
    #[serde(default, deserialize_with = "given")]
    #[schema(value_type = Option<String>)]
    pub steward_partner_id: Option<Option<String>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectListQuery {
    /// Case-insensitive substring of slug, name or description.
    #[param(example = "gis")]
    pub q: Option<String>,
    /// Only projects linked to this skill (slug or id).
    #[param(example = "postgresql")]
    pub skill: Option<String>,
    /// Only projects whose license expression names this SPDX license id, in any case
    /// (`mit` finds `MIT OR Apache-2.0`, not `MIT-0`).
    #[param(example = "GPL-2.0-or-later")]
    pub license: Option<String>,
    /// Only projects this partner stewards.
    pub steward_partner_id: Option<String>,
}

/// Skill slugs per project: one query for any number of projects.
fn skills_of(
    conn: &mut DbConnection,
    rows: &[ProjectRow],
) -> ApiResult<HashMap<String, Vec<String>>> {
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let mut grouped: HashMap<String, Vec<String>> = HashMap::new();
    for (project_id, slug) in db::projects::skill_slugs(conn, &ids)? {
        grouped.entry(project_id).or_default().push(slug);
    }
    Ok(grouped)
}

fn with_skills(conn: &mut DbConnection, row: ProjectRow) -> ApiResult<(ProjectRow, Vec<String>)> {
    let mut grouped = skills_of(conn, std::slice::from_ref(&row))?;
    let skills = grouped.remove(&row.id).unwrap_or_default();
    Ok((row, skills))
}

fn respond_project(
    builder: HttpResponseBuilder,
    (row, skills): (ProjectRow, Vec<String>),
) -> HttpResponse {
    let tag = etag(&row.id, row.version);
    tagged(builder, tag, &Project::new(row, skills))
}

/// Resolves skills given by slug or id, in order, without duplicates; each unknown one is
/// a 422 entry at its index.
fn resolve_skills(
    conn: &mut DbConnection,
    given: &[String],
) -> ApiResult<Result<Vec<String>, Vec<FieldError>>> {
    let mut ids: Vec<String> = Vec::with_capacity(given.len());
    let mut unknown = Vec::new();
    for (index, skill) in given.iter().enumerate() {
        match db::skills::find(conn, skill)? {
            Some(found) if !ids.contains(&found.id) => ids.push(found.id),
            Some(_) => {}
            None => unknown.push(FieldError::body(
                format!("#/skills/{index}"),
                "not_found",
                format!("no skill `{skill}`"),
            )),
        }
    }
    Ok(if unknown.is_empty() {
        Ok(ids)
    } else {
        Err(unknown)
    })
}

/// The 422 entry for a steward that is not a partner.
fn unknown_steward(
    conn: &mut DbConnection,
    steward: Option<&str>,
) -> ApiResult<Option<FieldError>> {
    Ok(match steward {
        Some(id) if !db::partners::exists(conn, id)? => Some(FieldError::body(
            "#/steward_partner_id",
            "not_found",
            format!("no partner `{id}`"),
        )),
        _ => None,
    })
}

/// The linked skills' ids, once every reference of the body (skills, steward) is known
/// to exist; otherwise one 422 naming each unknown one.
fn resolve_references(
    conn: &mut DbConnection,
    skills: Option<&[String]>,
    steward: Option<&str>,
) -> ApiResult<Option<Vec<String>>> {
    let skills = skills
        .map(|given| resolve_skills(conn, given))
        .transpose()?;
    let mut errors: Vec<FieldError> = unknown_steward(conn, steward)?.into_iter().collect();
    let skill_ids = match skills {
        Some(Err(unknown)) => {
            errors.splice(0..0, unknown);
            None
        }
        Some(Ok(ids)) => Some(ids),
        None => None,
    };
    if errors.is_empty() {
        Ok(skill_ids)
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn slug_taken(slug: &str) -> ApiError {
    ApiError::conflict(format!("a project with slug `{slug}` already exists"))
}

/// List upstream projects in slug order.
#[utoipa::path(
    tag = "projects",
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
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let query = query.into_inner();
    let license_id = query
        .license
        .as_deref()
        .map(|id| {
            license::canonical_id(id).ok_or_else(|| {
                ApiError::InvalidParameters(vec![FieldError::parameter(
                    "license",
                    "spdx",
                    format!("`{id}` is not an SPDX license id"),
                )])
            })
        })
        .transpose()?;
    let (after, limit) = (page.after.clone(), page.limit + 1);
    let (rows, mut skills) = state
        .db
        .run(move |conn| {
            let skill_id = match &query.skill {
                // An unknown skill has no projects: the page is empty, not an error.
                Some(skill) => Some(
                    db::skills::find(conn, skill)?
                        .map(|s| s.id)
                        .unwrap_or_else(|| skill.clone()),
                ),
                None => None,
            };
            let filter = ProjectFilter {
                q: query.q.filter(|q| !q.trim().is_empty()),
                skill_id,
                license_id,
                steward_partner_id: query.steward_partner_id,
            };
            let rows = db::projects::list(conn, &filter, after.as_deref(), limit)?;
            let skills = skills_of(conn, &rows)?;
            Ok((rows, skills))
        })
        .await?;
    Ok(super::pagination::respond(
        &req,
        &page,
        rows,
        |row| row.slug.clone(),
        |row| {
            let linked = skills.remove(&row.id).unwrap_or_default();
            Project::new(row, linked)
        },
    ))
}

async fn load_project(state: &AppState, id_or_slug: String) -> ApiResult<ProjectRow> {
    state
        .db
        .run(move |conn| {
            db::projects::find(conn, &id_or_slug)?
                .ok_or_else(|| ApiError::NotFound(format!("no project `{id_or_slug}`")))
        })
        .await
}

/// Read one project by id or slug.
#[utoipa::path(
    tag = "projects",
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
    let id = id.into_inner();
    let project = state
        .db
        .run(move |conn| {
            let row = db::projects::find(conn, &id)?
                .ok_or_else(|| ApiError::NotFound(format!("no project `{id}`")))?;
            with_skills(conn, row)
        })
        .await?;
    Ok(respond_project(HttpResponse::Ok(), project))
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
    principal.require_admin()?;
    let body = body.into_inner();
    let license = parse_license(&body.license);
    validate_with(&body, license.clone().err().into_iter().collect())?;
    let license = license.map_err(|e| ApiError::Validation(vec![e]))?;
    let now = state.clock.now_naive();
    let row = ProjectRow {
        id: db::new_id(),
        slug: body.slug,
        name: body.name.trim().to_owned(),
        repository_url: body.repository_url,
        website: body.website,
        license_ids: ProjectRow::encode_license_ids(&license.ids),
        license: license.expression,
        description: body.description.unwrap_or_default(),
        steward_partner_id: body.steward_partner_id,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let project = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                let skill_ids = resolve_references(
                    conn,
                    Some(&body.skills),
                    row.steward_partner_id.as_deref(),
                )?
                .unwrap_or_default();
                if db::projects::find(conn, &row.slug)?.is_some() {
                    return Err(slug_taken(&row.slug));
                }
                db::projects::insert(conn, &row)?;
                db::projects::set_skills(conn, &row.id, &skill_ids)?;
                with_skills(conn, row)
            })
        })
        .await?;
    let builder = created(location(&req, &project.0.id));
    Ok(respond_project(builder, project))
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
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Json<ProjectPatch>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let patch = body.into_inner();
    let license = patch.license.as_deref().map(parse_license).transpose();
    validate_with(&patch, license.clone().err().into_iter().collect())?;
    let license = license.map_err(|e| ApiError::Validation(vec![e]))?;
    let current = load_project(&state, id.into_inner()).await?;
    check_if_match(&req, &etag(&current.id, current.version), false)?;
    let now = state.clock.now_naive();
    let project = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                let skill_ids = resolve_references(
                    conn,
                    patch.skills.as_deref(),
                    patch.steward_partner_id.clone().flatten().as_deref(),
                )?;
                let mut next = current.clone();
                if let Some(slug) = patch.slug {
                    if slug != current.slug && db::projects::find(conn, &slug)?.is_some() {
                        return Err(slug_taken(&slug));
                    }
                    next.slug = slug;
                }
                if let Some(name) = patch.name {
                    next.name = name.trim().to_owned();
                }
                if let Some(repository_url) = patch.repository_url {
                    next.repository_url = repository_url;
                }
                if let Some(website) = patch.website {
                    next.website = website;
                }
                if let Some(license) = license {
                    next.license_ids = ProjectRow::encode_license_ids(&license.ids);
                    next.license = license.expression;
                }
                if let Some(description) = patch.description {
                    next.description = description;
                }
                if let Some(steward) = patch.steward_partner_id {
                    next.steward_partner_id = steward;
                }
                next.updated_at = now;
                next.version += 1;
                if !db::projects::update_versioned(conn, &next)? {
                    return Err(ApiError::PreconditionFailed);
                }
                if let Some(skill_ids) = skill_ids {
                    db::projects::set_skills(conn, &next.id, &skill_ids)?;
                }
                with_skills(conn, next)
            })
        })
        .await?;
    Ok(respond_project(HttpResponse::Ok(), project))
}

/// Remove a project and its skill links (admin); `If-Match` is honoured.
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
        (status = 412, response = r::PreconditionFailed),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[delete("/projects/{id}")]
pub async fn delete_project(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let current = load_project(&state, id.into_inner()).await?;
    check_if_match(&req, &etag(&current.id, current.version), false)?;
    state
        .db
        .run(move |conn| {
            if db::projects::delete_versioned(conn, &current.id, current.version)? {
                Ok(())
            } else {
                Err(ApiError::PreconditionFailed)
            }
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

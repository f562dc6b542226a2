//! Upstream projects: the open source components the network's work relies on, with
//! their SPDX license, linked skills and steward partner; read by anyone, changed by admins.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::partner_projects::mirror_steward;
use super::patch::Patch;
use super::schemas::WebUrl;
use super::skills::{filter_skill_id, valid_slug};
use super::validation::{findings_of, non_blank, web_url};
use super::{
    BadParameter, Findings, Page, ServiceError, ServiceResult, Slice, check_version, require_admin,
    written,
};
use crate::db::projects::{ProjectFilter, ProjectRow};
use crate::db::{self, DbConnection, Lockable};
use crate::domain::Violation;
use crate::domain::access::Principal;
use crate::domain::license::{self, License};
use crate::domain::version::Expected;
use crate::state::AppState;

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
    #[schema(required = true)]
    pub website: Option<String>,
    /// SPDX license expression.
    pub license: String,
    /// The SPDX license ids the expression names.
    pub license_ids: Vec<String>,
    pub description: String,
    /// Slugs of the linked skills.
    pub skills: Vec<String>,
    /// The partner that publishes the project, when one of the network does.
    #[schema(required = true)]
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

/// The parsed license, or the finding saying why it does not parse.
fn parse_license(expression: &str) -> Result<License, Violation> {
    license::parse(expression).map_err(|detail| Violation::at("#/license", "spdx", detail))
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
    #[schema(pattern = r"^[a-z0-9][a-z0-9-]{1,62}$")]
    pub slug: String,
    #[validate(length(max = 200), custom(function = "non_blank"))]
    #[schema(max_length = 200, pattern = r"\S")]
    pub name: String,
    #[validate(custom(function = "web_url"))]
    #[schema(value_type = WebUrl)]
    pub repository_url: String,
    #[validate(custom(function = "web_url"))]
    #[schema(value_type = Option<WebUrl>)]
    pub website: Option<String>,
    /// SPDX license expression, e.g. `MIT OR Apache-2.0`, checked against the SPDX list.
    #[schema(
        pattern = r"^[ A-Za-z0-9.+:()_-]*[A-Za-z0-9][ A-Za-z0-9.+:()_-]*$",
        example = "MIT OR Apache-2.0"
    )]
    pub license: String,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    /// Skills (slugs or ids) the project relates to; at most 50.
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub skills: Vec<String>,
    /// The partner that publishes the project.
    pub steward_partner_id: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"license": "GPL-2.0-or-later", "skills": ["postgis"]}))]
pub struct ProjectPatch {
    #[validate(custom(function = "valid_slug"))]
    #[schema(pattern = r"^[a-z0-9][a-z0-9-]{1,62}$", value_type = String)]
    #[serde(default)]
    pub slug: Patch<String>,
    #[validate(length(max = 200), custom(function = "non_blank"))]
    #[schema(max_length = 200, pattern = r"\S", value_type = String)]
    #[serde(default)]
    pub name: Patch<String>,
    #[validate(custom(function = "web_url"))]
    #[schema(value_type = WebUrl)]
    #[serde(default)]
    pub repository_url: Patch<String>,
    /// A URL, or `null` to remove it.
    #[validate(custom(function = "web_url"))]
    #[schema(value_type = Option<WebUrl>)]
    #[serde(default)]
    pub website: Patch<Option<String>>,
    /// SPDX license expression, checked against the SPDX list.
    #[serde(default)]
    #[schema(
        value_type = String,
        pattern = r"^[ A-Za-z0-9.+:()_-]*[A-Za-z0-9][ A-Za-z0-9.+:()_-]*$",
        example = "GPL-2.0-or-later"
    )]
    pub license: Patch<String>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000, value_type = String)]
    #[serde(default)]
    pub description: Patch<String>,
    /// Replaces the linked skills.
    #[validate(length(max = 50))]
    #[schema(max_items = 50, value_type = Vec<String>)]
    #[serde(default)]
    pub skills: Patch<Vec<String>>,
    /// A partner id, or `null` when no partner of the network publishes it.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub steward_partner_id: Patch<Option<String>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectListQuery {
    /// Case-insensitive substring of slug, name or description.
    #[param(example = "gis", max_length = 200)]
    pub q: Option<String>,
    /// Only projects linked to this skill (slug or id).
    #[param(example = "postgresql")]
    pub skill: Option<String>,
    /// Only projects whose license expression names this SPDX license id, in any case
    /// (`mit` finds `MIT OR Apache-2.0`, not `MIT-0`). One id, not an expression; an id
    /// the SPDX list does not have matches nothing.
    #[param(example = "GPL-2.0-or-later", pattern = "^[A-Za-z0-9.+-]+$")]
    pub license: Option<String>,
    /// Only projects this partner stewards.
    pub steward_partner_id: Option<String>,
}

fn not_found(key: &str) -> ServiceError {
    ServiceError::NotFound(format!("no project `{key}`"))
}

fn slug_taken(slug: &str) -> ServiceError {
    ServiceError::conflict(format!("a project with slug `{slug}` already exists"))
}

/// Skill slugs per project: one query for any number of projects.
fn skills_of(
    conn: &mut DbConnection,
    rows: &[ProjectRow],
) -> ServiceResult<HashMap<String, Vec<String>>> {
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let mut grouped: HashMap<String, Vec<String>> = HashMap::new();
    for (project_id, slug) in db::projects::skill_slugs(conn, &ids)? {
        grouped.entry(project_id).or_default().push(slug);
    }
    Ok(grouped)
}

fn with_skills(conn: &mut DbConnection, row: ProjectRow) -> ServiceResult<Project> {
    let mut grouped = skills_of(conn, std::slice::from_ref(&row))?;
    let skills = grouped.remove(&row.id).unwrap_or_default();
    Ok(Project::new(row, skills))
}

/// The project named by `key` (id or slug), locked for the transaction and read again
/// under the lock: a concurrent writer may have changed or deleted it meanwhile.
pub(super) fn lock_project(conn: &mut DbConnection, key: &str) -> ServiceResult<ProjectRow> {
    let id = db::projects::find(conn, key)?
        .ok_or_else(|| not_found(key))?
        .id;
    db::lock(conn, Lockable::Projects, &id)?;
    db::projects::get(conn, &id)?.ok_or_else(|| not_found(key))
}

/// The ids of the skills `given` names (slugs or ids), in order and without duplicates;
/// each unknown one is a finding at its index.
fn resolve_skills(
    conn: &mut DbConnection,
    given: &[String],
    findings: &mut Findings,
) -> ServiceResult<Vec<String>> {
    if given.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<&str> = given.iter().map(String::as_str).collect();
    let known = db::skills::resolve(conn, &keys)?;
    let mut ids: Vec<String> = Vec::with_capacity(given.len());
    for (index, key) in given.iter().enumerate() {
        let found = known
            .iter()
            .find(|(id, _)| id == key)
            .or_else(|| known.iter().find(|(_, slug)| slug == key));
        match found {
            Some((id, _)) if !ids.contains(id) => ids.push(id.clone()),
            Some(_) => {}
            None => findings.add(
                format!("#/skills/{index}"),
                crate::domain::NOT_FOUND,
                format!("no skill `{key}`"),
            ),
        }
    }
    Ok(ids)
}

/// A finding when the steward named is not a partner.
fn check_steward(
    conn: &mut DbConnection,
    steward: Option<&str>,
    findings: &mut Findings,
) -> ServiceResult<()> {
    if let Some(id) = steward
        && !db::partners::exists(conn, id)?
    {
        findings.add(
            "#/steward_partner_id",
            crate::domain::NOT_FOUND,
            format!("no partner `{id}`"),
        );
    }
    Ok(())
}

/// The license once every finding is cleared (its own included, so it parsed).
fn checked<T: Clone>(findings: Findings, license: &Result<T, Violation>) -> ServiceResult<T> {
    findings.done()?;
    license
        .clone()
        .map_err(|violation| ServiceError::Invalid(vec![violation]))
}

/// The `license` filter as the SPDX list spells its id, or `None` for an id the list
/// does not have (it matches nothing, as an unknown skill does). What is not one id at
/// all (an expression, a space) is refused: it is a mistake, not a search.
fn license_filter(id: &str) -> Result<Option<String>, BadParameter> {
    if !license::is_id_syntax(id) {
        return Err(BadParameter {
            parameter: "license",
            code: "spdx",
            detail: format!("`{id}` is not one SPDX license id"),
        });
    }
    Ok(license::canonical_id(id))
}

pub async fn list_projects(
    state: &AppState,
    query: ProjectListQuery,
    page: Page,
) -> ServiceResult<Slice<Project>> {
    let license_id = match query.license.as_deref().map(license_filter).transpose()? {
        Some(None) => return Ok(Slice::default()),
        Some(Some(id)) => Some(id),
        None => None,
    };
    state
        .db
        .run(move |conn| {
            let filter = ProjectFilter {
                skill_id: filter_skill_id(conn, query.skill.as_deref())?,
                q: query.q.filter(|q| !q.trim().is_empty()),
                license_id,
                steward_partner_id: query.steward_partner_id,
            };
            let rows = db::projects::list(conn, &filter, page.after.as_deref(), page.fetch())?;
            let mut skills = skills_of(conn, &rows)?;
            Ok(Slice::of(
                &page,
                rows,
                |row| row.slug.clone(),
                |row| {
                    let linked = skills.remove(&row.id).unwrap_or_default();
                    Project::new(row, linked)
                },
            ))
        })
        .await
}

/// One project, by id or slug.
pub async fn get_project(state: &AppState, key: &str) -> ServiceResult<Project> {
    let key = key.to_owned();
    state
        .db
        .run(move |conn| {
            let row = db::projects::find(conn, &key)?.ok_or_else(|| not_found(&key))?;
            with_skills(conn, row)
        })
        .await
}

/// Adds a project with its linked skills.
pub async fn create_project(
    state: &AppState,
    principal: &Principal,
    body: NewProject,
) -> ServiceResult<Project> {
    require_admin(principal)?;
    let license = parse_license(&body.license);
    let mut found = findings_of(&body);
    found.extend(license.as_ref().err().cloned());
    let now = state.clock.now_naive();
    let id = db::new_id();
    let admin = principal.clone();
    state
        .db
        .write(move |conn| {
            let mut findings = Findings::new(found.clone());
            let skill_ids = resolve_skills(conn, &body.skills, &mut findings)?;
            check_steward(conn, body.steward_partner_id.as_deref(), &mut findings)?;
            let license = checked(findings, &license)?;
            if db::projects::find(conn, &body.slug)?.is_some() {
                return Err(slug_taken(&body.slug));
            }
            let row = ProjectRow {
                id: id.clone(),
                slug: body.slug.clone(),
                name: body.name.trim().to_owned(),
                repository_url: body.repository_url.clone(),
                website: body.website.clone(),
                license_ids: ProjectRow::encode_license_ids(&license.ids),
                license: license.expression,
                description: body.description.clone().unwrap_or_default(),
                steward_partner_id: body.steward_partner_id.clone(),
                created_at: now,
                updated_at: now,
                version: 1,
            };
            db::projects::insert(conn, &row)?;
            db::projects::set_skills(conn, &row.id, &skill_ids)?;
            mirror_steward(conn, &row, &admin, now)?;
            with_skills(conn, row)
        })
        .await
}

/// Changes a project; without `If-Match` the change applies to the current version.
pub async fn update_project(
    state: &AppState,
    principal: &Principal,
    key: &str,
    expected: Expected,
    patch: ProjectPatch,
) -> ServiceResult<Project> {
    require_admin(principal)?;
    let license = patch
        .license
        .as_given()
        .map(String::as_str)
        .map(parse_license)
        .transpose();
    let mut found = findings_of(&patch);
    found.extend(license.as_ref().err().cloned());
    let now = state.clock.now_naive();
    let key = key.to_owned();
    let admin = principal.clone();
    state
        .db
        .write(move |conn| {
            let current = lock_project(conn, &key)?;
            check_version(&expected, &current.id, current.version, false)?;
            let mut findings = Findings::new(found.clone());
            let skill_ids = patch
                .skills
                .as_given()
                .map(Vec::as_slice)
                .map(|given| resolve_skills(conn, given, &mut findings))
                .transpose()?;
            let steward = patch
                .steward_partner_id
                .as_given()
                .and_then(Option::as_deref);
            check_steward(conn, steward, &mut findings)?;
            let license = checked(findings, &license)?;
            let mut next = current.clone();
            if let Some(slug) = patch.slug.as_given() {
                if *slug != current.slug && db::projects::find(conn, slug)?.is_some() {
                    return Err(slug_taken(slug));
                }
                next.slug = slug.clone();
            }
            if let Some(name) = patch.name.as_given() {
                next.name = name.trim().to_owned();
            }
            if let Some(repository_url) = patch.repository_url.as_given() {
                next.repository_url = repository_url.clone();
            }
            if let Some(website) = patch.website.as_given() {
                next.website = website.clone();
            }
            if let Some(license) = license {
                next.license_ids = ProjectRow::encode_license_ids(&license.ids);
                next.license = license.expression;
            }
            if let Some(description) = patch.description.as_given() {
                next.description = description.clone();
            }
            if let Some(steward) = patch.steward_partner_id.as_given() {
                next.steward_partner_id = steward.clone();
            }
            next.updated_at = now;
            next.version += 1;
            written(db::projects::update_versioned(conn, &next)?, "project")?;
            if let Some(skill_ids) = &skill_ids {
                db::projects::set_skills(conn, &next.id, skill_ids)?;
            }
            mirror_steward(conn, &next, &admin, now)?;
            with_skills(conn, next)
        })
        .await
}

/// Removes a project and its skill links.
pub async fn delete_project(
    state: &AppState,
    principal: &Principal,
    key: &str,
    expected: Expected,
) -> ServiceResult<()> {
    require_admin(principal)?;
    let key = key.to_owned();
    state
        .db
        .write(move |conn| {
            let current = lock_project(conn, &key)?;
            check_version(&expected, &current.id, current.version, false)?;
            if db::revenue_shares::project_in_use(conn, &current.id)? {
                return Err(ServiceError::conflict(
                    "revenue-share agreements or the ledger name this project: it stays",
                ));
            }
            written(
                db::projects::delete_versioned(conn, &current.id, current.version)?,
                "project",
            )
        })
        .await
}

//! The skills catalogue: a tree of skills answering to their id or their slug, read by
//! anyone and changed by admins; and the slug rule the whole catalogue shares.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::patch::{Given, Patch};
use super::validation::{findings_of, invalid};
use super::{
    Findings, Page, ServiceError, ServiceResult, Slice, check_version, require_admin, written,
};
use crate::db::skills::{SkillFilter, SkillRow};
use crate::db::{self, DbConnection, Lockable};
use crate::domain::access::Principal;
use crate::domain::skill::{self as rules, ParentError};
use crate::domain::version::Expected;
use crate::state::AppState;

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
    #[schema(required = true)]
    pub parent_id: Option<String>,
    pub description: String,
    #[schema(required = true)]
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
pub(super) fn valid_slug(slug: &(impl Given<str> + ?Sized)) -> Result<(), ValidationError> {
    match slug.given() {
        Some(slug) if !rules::is_valid_slug(slug) => {
            Err(invalid("pattern", "must match ^[a-z0-9][a-z0-9-]{1,62}$"))
        }
        _ => Ok(()),
    }
}

fn valid_esco_uri(uri: &(impl Given<str> + ?Sized)) -> Result<(), ValidationError> {
    match uri.given() {
        Some(uri)
            if !uri.strip_prefix(ESCO_PREFIX).is_some_and(|rest| {
                !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_graphic())
            }) =>
        {
            Err(invalid(
                "esco_uri",
                "must be an ESCO URI (http://data.europa.eu/esco/…)",
            ))
        }
        _ => Ok(()),
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
    #[schema(pattern = r"^[a-z0-9][a-z0-9-]{1,62}$")]
    pub slug: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub category: String,
    /// The parent skill, by id or slug.
    pub parent_id: Option<String>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub description: Option<String>,
    #[validate(custom(function = "valid_esco_uri"))]
    #[schema(pattern = r"^http://data\.europa\.eu/esco/[!-~]+$")]
    pub esco_uri: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "PostGIS (spatial SQL)", "parent_id": null}))]
pub struct SkillPatch {
    #[validate(custom(function = "valid_slug"))]
    #[schema(pattern = r"^[a-z0-9][a-z0-9-]{1,62}$", value_type = String)]
    #[serde(default)]
    pub slug: Patch<String>,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200, value_type = String)]
    #[serde(default)]
    pub name: Patch<String>,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100, value_type = String)]
    #[serde(default)]
    pub category: Patch<String>,
    /// The parent skill by id or slug, or `null` to make it a root.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub parent_id: Patch<Option<String>>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000, value_type = String)]
    #[serde(default)]
    pub description: Patch<String>,
    #[validate(custom(function = "valid_esco_uri"))]
    #[schema(pattern = r"^http://data\.europa\.eu/esco/[!-~]+$", value_type = Option<String>)]
    #[serde(default)]
    pub esco_uri: Patch<Option<String>>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SkillListQuery {
    /// Case-insensitive substring of slug, name or description.
    #[param(example = "sql", max_length = 200)]
    pub q: Option<String>,
    /// Only skills of this category.
    #[param(example = "databases")]
    pub category: Option<String>,
    /// Only direct children of this skill (id or slug).
    #[param(example = "postgresql")]
    pub parent: Option<String>,
}

/// The id of the skill a list filter names by id or slug. An unknown skill is kept as
/// given: it matches nothing, so the page comes back empty rather than as an error.
pub(super) fn filter_skill_id(
    conn: &mut DbConnection,
    key: Option<&str>,
) -> ServiceResult<Option<String>> {
    let Some(key) = key else { return Ok(None) };
    Ok(Some(
        db::skills::find(conn, key)?.map_or_else(|| key.to_owned(), |skill| skill.id),
    ))
}

fn not_found(key: &str) -> ServiceError {
    ServiceError::NotFound(format!("no skill `{key}`"))
}

fn slug_taken(slug: &str) -> ServiceError {
    ServiceError::conflict(format!("a skill with slug `{slug}` already exists"))
}

/// The skill named by `key` (id or slug), locked for the transaction and read again
/// under the lock: a concurrent writer may have changed or deleted it meanwhile.
fn lock_skill(conn: &mut DbConnection, key: &str) -> ServiceResult<SkillRow> {
    let id = db::skills::find(conn, key)?
        .ok_or_else(|| not_found(key))?
        .id;
    db::lock(conn, Lockable::Skills, &id)?;
    db::skills::get(conn, &id)?.ok_or_else(|| not_found(key))
}

/// The id of the parent named by `parent` (id or slug), once the tree stays acyclic and
/// bounded with it; otherwise a finding at `#/parent_id` and `None`.
fn resolve_parent(
    conn: &mut DbConnection,
    skill_id: &str,
    parent: &str,
    findings: &mut Findings,
) -> ServiceResult<Option<String>> {
    let unknown = |findings: &mut Findings| {
        findings.add(
            "#/parent_id",
            crate::domain::NOT_FOUND,
            format!("no skill `{parent}`"),
        );
        Ok(None)
    };
    let Some(parent_id) = db::skills::find(conn, parent)?.map(|row| row.id) else {
        return unknown(findings);
    };
    let Some(chain) = db::skills::lock_ancestors(conn, &parent_id, rules::MAX_DEPTH)? else {
        // Deleted since it was found.
        return unknown(findings);
    };
    match rules::check_parent(skill_id, &parent_id, &chain) {
        Ok(()) => return Ok(Some(parent_id)),
        Err(ParentError::Cycle) => findings.add(
            "#/parent_id",
            "cycle",
            "the skill would become its own ancestor",
        ),
        Err(ParentError::TooDeep) => findings.add(
            "#/parent_id",
            "depth",
            format!("the skill tree may not be deeper than {}", rules::MAX_DEPTH),
        ),
    }
    Ok(None)
}

/// Skills in slug order, filtered.
pub async fn list_skills(
    state: &AppState,
    query: SkillListQuery,
    page: Page,
) -> ServiceResult<Slice<Skill>> {
    state
        .db
        .run(move |conn| {
            let filter = SkillFilter {
                parent_id: filter_skill_id(conn, query.parent.as_deref())?,
                q: query.q.filter(|q| !q.trim().is_empty()),
                category: query.category,
            };
            let rows = db::skills::list(conn, &filter, page.after.as_deref(), page.fetch())?;
            Ok(Slice::of(&page, rows, |row| row.slug.clone(), Skill::from))
        })
        .await
}

/// One skill, by id or slug.
pub async fn get_skill(state: &AppState, key: &str) -> ServiceResult<Skill> {
    let key = key.to_owned();
    state
        .db
        .run(move |conn| {
            db::skills::find(conn, &key)?
                .map(Skill::from)
                .ok_or_else(|| not_found(&key))
        })
        .await
}

/// Adds a skill under its parent, if any.
pub async fn create_skill(
    state: &AppState,
    principal: &Principal,
    body: NewSkill,
) -> ServiceResult<Skill> {
    require_admin(principal)?;
    let found = findings_of(&body);
    let now = state.clock.now_naive();
    let id = db::new_id();
    state
        .db
        .write(move |conn| {
            let mut findings = Findings::new(found.clone());
            let parent_id = match &body.parent_id {
                Some(parent) => resolve_parent(conn, &id, parent, &mut findings)?,
                None => None,
            };
            findings.done()?;
            if db::skills::find(conn, &body.slug)?.is_some() {
                return Err(slug_taken(&body.slug));
            }
            let row = SkillRow {
                id: id.clone(),
                slug: body.slug.clone(),
                name: body.name.trim().to_owned(),
                category: body.category.trim().to_owned(),
                parent_id,
                description: body.description.clone().unwrap_or_default(),
                esco_uri: body.esco_uri.clone(),
                created_at: now,
                updated_at: now,
                version: 1,
            };
            db::skills::insert(conn, &row)?;
            Ok(Skill::from(row))
        })
        .await
}

/// Changes a skill; without `If-Match` the change applies to the current version.
pub async fn update_skill(
    state: &AppState,
    principal: &Principal,
    key: &str,
    expected: Expected,
    patch: SkillPatch,
) -> ServiceResult<Skill> {
    require_admin(principal)?;
    let found = findings_of(&patch);
    let now = state.clock.now_naive();
    let key = key.to_owned();
    state
        .db
        .write(move |conn| {
            let current = lock_skill(conn, &key)?;
            check_version(&expected, &current.id, current.version, false)?;
            let mut findings = Findings::new(found.clone());
            let parent_id = match patch.parent_id.as_given() {
                Some(Some(parent)) => {
                    Some(resolve_parent(conn, &current.id, parent, &mut findings)?)
                }
                Some(None) => Some(None),
                None => None,
            };
            findings.done()?;
            let mut next = current.clone();
            if let Some(slug) = patch.slug.as_given() {
                if *slug != current.slug && db::skills::find(conn, slug)?.is_some() {
                    return Err(slug_taken(slug));
                }
                next.slug = slug.clone();
            }
            if let Some(name) = patch.name.as_given() {
                next.name = name.trim().to_owned();
            }
            if let Some(category) = patch.category.as_given() {
                next.category = category.trim().to_owned();
            }
            if let Some(parent_id) = parent_id {
                next.parent_id = parent_id;
            }
            if let Some(description) = patch.description.as_given() {
                next.description = description.clone();
            }
            if let Some(esco_uri) = patch.esco_uri.as_given() {
                next.esco_uri = esco_uri.clone();
            }
            next.updated_at = now;
            next.version += 1;
            written(db::skills::update_versioned(conn, &next)?, "skill")?;
            Ok(Skill::from(next))
        })
        .await
}

/// Removes a skill nothing uses (no child skill, partner, project or tender lot).
pub async fn delete_skill(
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
            let current = lock_skill(conn, &key)?;
            check_version(&expected, &current.id, current.version, false)?;
            let children = db::skills::count_children(conn, &current.id)?;
            let holders = db::partner_skills::count_holders(conn, &current.id)?;
            let projects = db::projects::count_linked_to_skill(conn, &current.id)?;
            let lots = db::tenders::count_lots_requiring(conn, &current.id)?;
            if children + holders + projects + lots > 0 {
                return Err(ServiceError::conflict(format!(
                    "skill `{}` is in use: parent of {children} skill(s), held by {holders} \
                     partner(s), linked to {projects} project(s), required by {lots} lot(s)",
                    current.slug
                )));
            }
            written(
                db::skills::delete_versioned(conn, &current.id, current.version)?,
                "skill",
            )
        })
        .await
}

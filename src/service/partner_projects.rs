//! Partner projects: the upstream projects a partner contributes to, maintains or
//! stewards, on what evidence. Partners claim `contributor` and `maintainer` (the
//! partner's own write rules, from [`super::partners`]); `steward` mirrors the project's
//! `steward_partner_id` and is written with it; admins verify.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::partners::{locked_partner, may_write, visible_partner};
use super::projects::lock_project;
use super::schemas::WebUrl;
use super::validation::{checked, findings_of, one_of, url_violations};
use super::{Findings, Page, ServiceError, ServiceResult, Slice, check_version, written};
use crate::db::partner_projects::{HeldProject, PartnerProjectRow};
use crate::db::projects::ProjectRow;
use crate::db::{self, DbConnection, Lockable};
use crate::domain::Violation;
use crate::domain::access::{Principal, Role};
use crate::domain::directory::{ClaimedProjectRole, ProjectRole};
use crate::domain::version::Expected;
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "project": "postgresql",
    "project_id": "0193a5b2-7c1e-7d3a-9f10-eeeeeeeeeeee", "project_name": "PostgreSQL",
    "role": "contributor",
    "evidence_urls": ["https://www.postgresql.org/community/contributors/"],
    "verified": true, "verified_at": "2026-11-29T10:00:00Z",
    "verified_by": "0193a5b2-7c1e-7d3a-9f10-ffffffffffff",
    "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-29T10:00:00Z", "version": 2
}))]
pub struct PartnerProject {
    pub partner_id: String,
    /// The project's slug.
    pub project: String,
    pub project_id: String,
    pub project_name: String,
    /// `steward` when the project names this partner as its steward.
    pub role: ProjectRole,
    pub evidence_urls: Vec<String>,
    /// Set by an admin; cleared when a partner changes the role or the evidence.
    pub verified: bool,
    #[schema(required = true)]
    pub verified_at: Option<DateTime<Utc>>,
    /// The admin user or API client that verified it.
    #[schema(required = true)]
    pub verified_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl PartnerProject {
    /// The id its ETag is made of: a link is named by its partner and its project.
    pub fn tag_id(&self) -> String {
        link_id(&self.partner_id, &self.project_id)
    }
}

fn link_id(partner_id: &str, project_id: &str) -> String {
    format!("{partner_id}/{project_id}")
}

impl TryFrom<HeldProject> for PartnerProject {
    type Error = ServiceError;

    /// Fails only on a row whose evidence column is not what this service writes.
    fn try_from(held: HeldProject) -> ServiceResult<PartnerProject> {
        let row = held.row;
        let evidence_urls = db::decode_urls(&row.evidence_urls).map_err(|e| {
            ServiceError::Internal(format!(
                "partner project {} has unreadable evidence_urls: {e}",
                link_id(&row.partner_id, &row.project_id)
            ))
        })?;
        Ok(PartnerProject {
            evidence_urls,
            role: row.role,
            partner_id: row.partner_id,
            project: held.slug,
            project_id: row.project_id,
            project_name: held.name,
            verified: row.verified,
            verified_at: row.verified_at.map(|at| at.and_utc()),
            verified_by: row.verified_by,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        })
    }
}

/// What a partner claims on a project; the whole claim is replaced on each `PUT`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "role": "maintainer",
    "evidence_urls": ["https://github.com/dalibo/pg_activity/graphs/contributors"]
}))]
pub struct PartnerProjectClaim {
    /// `steward` is not claimed: it is the project's `steward_partner_id`.
    #[validate(custom(function = "one_of::<ClaimedProjectRole>"))]
    #[schema(value_type = ClaimedProjectRole)]
    pub role: String,
    /// Public pages that show the work (commits, maintainer lists, releases); 1 to 20.
    #[validate(length(min = 1, max = 20))]
    #[schema(min_items = 1, max_items = 20, value_type = Vec<WebUrl>)]
    pub evidence_urls: Vec<String>,
    /// Admins only: marks the claim verified (or not). Left out, a claim stays verified
    /// while its role and evidence stay the same.
    pub verified: Option<bool>,
}

impl PartnerProjectClaim {
    fn violations(&self, principal: &Principal) -> Vec<Violation> {
        let mut violations = findings_of(self);
        violations.extend(url_violations("evidence_urls", &self.evidence_urls));
        if self.verified.is_some() && principal.role != Role::Admin {
            violations.push(Violation::at(
                "#/verified",
                "not_allowed",
                "only an admin may verify a claim",
            ));
        }
        violations
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct PartnerProjectPath {
    /// The partner's id.
    pub id: String,
    /// The project's slug or id.
    #[param(example = "postgresql")]
    pub project: String,
}

/// What a `PUT` did: created the claim (201) or replaced it (200).
#[derive(Debug)]
pub struct PutLink {
    pub link: PartnerProject,
    pub created: bool,
}

fn find_project(conn: &mut DbConnection, project: &str) -> ServiceResult<ProjectRow> {
    db::projects::find(conn, project)?
        .ok_or_else(|| ServiceError::NotFound(format!("no project `{project}`")))
}

fn not_linked(partner_id: &str, project: &str) -> ServiceError {
    ServiceError::NotFound(format!(
        "partner `{partner_id}` has no link to project `{project}`"
    ))
}

/// A steward link is the project's to change, never the partner's.
fn stewarded(project: &ProjectRow) -> ServiceError {
    ServiceError::refused_in(
        ProjectRole::Steward.as_str(),
        format!(
            "this partner is the steward of `{}`: the project's `steward_partner_id` sets \
             the link (PATCH /api/v1/projects/{})",
            project.slug, project.id
        ),
    )
}

/// A claim may be replaced or removed: it is no steward link, and the caller names its
/// current version (required).
fn check_changeable(
    project: &ProjectRow,
    link: &PartnerProjectRow,
    expected: &Expected,
) -> ServiceResult<()> {
    if link.role == ProjectRole::Steward {
        return Err(stewarded(project));
    }
    check_version(
        expected,
        &link_id(&link.partner_id, &link.project_id),
        link.version,
        true,
    )
}

/// The project the path names and the partner's link to it, for a reader.
fn link_on(
    conn: &mut DbConnection,
    partner_id: &str,
    path: &PartnerProjectPath,
) -> ServiceResult<(ProjectRow, Option<HeldProject>)> {
    let project = find_project(conn, &path.project)?;
    let held = db::partner_projects::find(conn, partner_id, &project.id)?;
    Ok((project, held))
}

/// What a writer works on: the project, the partner's id and its link to the project.
struct LockedLink {
    project: ProjectRow,
    partner_id: String,
    held: Option<HeldProject>,
}

/// For a writer: the project then the partner are locked (the order every writer of
/// these links takes), the caller may write the partner, and its link is read.
fn locked_link(
    conn: &mut DbConnection,
    principal: &Principal,
    path: &PartnerProjectPath,
) -> ServiceResult<LockedLink> {
    let project = lock_project(conn, &path.project)?;
    let partner = locked_partner(conn, principal, &path.id)?;
    may_write(principal, &partner)?;
    let held = db::partner_projects::find(conn, &partner.id, &project.id)?;
    Ok(LockedLink {
        project,
        partner_id: partner.id,
        held,
    })
}

/// A page of a partner's projects in slug order.
pub async fn list_partner_projects(
    state: &AppState,
    caller: Option<&Principal>,
    partner_id: &str,
    page: Page,
) -> ServiceResult<Slice<PartnerProject>> {
    let (caller, partner_id) = (caller.cloned(), partner_id.to_owned());
    let (after, limit) = (page.after.clone(), page.fetch());
    let links = state
        .db
        .run(move |conn| {
            let partner = visible_partner(conn, caller.as_ref(), &partner_id)?;
            db::partner_projects::list(conn, &partner.id, after.as_deref(), limit)?
                .into_iter()
                .map(PartnerProject::try_from)
                .collect::<ServiceResult<Vec<_>>>()
        })
        .await?;
    Ok(Slice::of(
        &page,
        links,
        |link| link.project.clone(),
        |link| link,
    ))
}

/// One of a partner's projects.
pub async fn get_partner_project(
    state: &AppState,
    caller: Option<&Principal>,
    path: PartnerProjectPath,
) -> ServiceResult<PartnerProject> {
    let caller = caller.cloned();
    state
        .db
        .run(move |conn| {
            let partner = visible_partner(conn, caller.as_ref(), &path.id)?;
            let (_, held) = link_on(conn, &partner.id, &path)?;
            PartnerProject::try_from(held.ok_or_else(|| not_linked(&partner.id, &path.project))?)
        })
        .await
}

/// Sets a partner's claim on a project. Creating needs no `If-Match` (and fails on one:
/// there is no version to match yet); replacing requires it.
pub async fn put_partner_project(
    state: &AppState,
    principal: &Principal,
    path: PartnerProjectPath,
    expected: Expected,
    claim: PartnerProjectClaim,
) -> ServiceResult<PutLink> {
    let violations = claim.violations(principal);
    let principal = principal.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let LockedLink {
                project,
                partner_id,
                held: current,
            } = locked_link(conn, &principal, &path)?;
            Findings::new(violations.clone()).done()?;
            let role = checked::<ClaimedProjectRole>(&claim.role)?.role();
            let evidence_urls = db::encode_urls(&claim.evidence_urls);
            let verification = |verified: bool| {
                if verified {
                    (true, Some(now), Some(principal.id.clone()))
                } else {
                    (false, None, None)
                }
            };
            let created = current.is_none();
            let row = match current {
                Some(held) => {
                    let previous = held.row;
                    check_changeable(&project, &previous, &expected)?;
                    let unchanged =
                        previous.role == role && previous.evidence_urls == evidence_urls;
                    let (verified, verified_at, verified_by) = match claim.verified {
                        Some(verified) => verification(verified),
                        None if unchanged => (
                            previous.verified,
                            previous.verified_at,
                            previous.verified_by.clone(),
                        ),
                        None => verification(false),
                    };
                    let row = PartnerProjectRow {
                        role,
                        evidence_urls,
                        verified,
                        verified_at,
                        verified_by,
                        updated_at: now,
                        version: previous.version + 1,
                        ..previous
                    };
                    written(
                        db::partner_projects::update_versioned(conn, &row)?,
                        "partner project",
                    )?;
                    row
                }
                // Nothing to match yet: any If-Match (even `*`) names a version that
                // does not exist.
                None if expected.is_conditional() => return Err(ServiceError::StaleVersion),
                None => {
                    let (verified, verified_at, verified_by) =
                        verification(claim.verified.unwrap_or(false));
                    let row = PartnerProjectRow {
                        partner_id,
                        project_id: project.id.clone(),
                        role,
                        evidence_urls,
                        verified,
                        verified_at,
                        verified_by,
                        created_at: now,
                        updated_at: now,
                        version: 1,
                    };
                    db::partner_projects::insert(conn, &row)?;
                    row
                }
            };
            let held = HeldProject {
                row,
                slug: project.slug,
                name: project.name,
            };
            Ok(PutLink {
                link: PartnerProject::try_from(held)?,
                created,
            })
        })
        .await
}

/// Removes a partner's claim on a project; `If-Match` is required.
pub async fn delete_partner_project(
    state: &AppState,
    principal: &Principal,
    path: PartnerProjectPath,
    expected: Expected,
) -> ServiceResult<()> {
    let principal = principal.clone();
    state
        .db
        .write(move |conn| {
            let LockedLink {
                project,
                partner_id,
                held,
            } = locked_link(conn, &principal, &path)?;
            let current = held
                .ok_or_else(|| not_linked(&partner_id, &path.project))?
                .row;
            check_changeable(&project, &current, &expected)?;
            let deleted = db::partner_projects::delete_versioned(
                conn,
                &current.partner_id,
                &current.project_id,
                current.version,
            )?;
            written(deleted, "partner project")
        })
        .await
}

/// Makes the steward links say what `project` says, in the transaction that wrote it:
/// its steward holds its one `steward` link (created, or raised from a claim, verified
/// by the admin who named it); a former steward's link goes. Partners are locked after
/// the project, the order every writer of these links takes.
pub(super) fn mirror_steward(
    conn: &mut DbConnection,
    project: &ProjectRow,
    admin: &Principal,
    now: NaiveDateTime,
) -> ServiceResult<()> {
    let current = db::partner_projects::steward_link(conn, &project.id)?;
    let wanted = project.steward_partner_id.as_deref();
    if current.as_ref().map(|link| link.partner_id.as_str()) == wanted {
        return Ok(());
    }
    if let Some(former) = current {
        db::lock(conn, Lockable::Partners, &former.partner_id)?;
        let deleted = db::partner_projects::delete_versioned(
            conn,
            &former.partner_id,
            &former.project_id,
            former.version,
        )?;
        written(deleted, "partner project")?;
    }
    let Some(steward) = wanted else {
        return Ok(());
    };
    db::lock(conn, Lockable::Partners, steward)?;
    match db::partner_projects::find(conn, steward, &project.id)? {
        // A claim the steward made keeps its evidence.
        Some(held) => {
            let row = PartnerProjectRow {
                role: ProjectRole::Steward,
                verified: true,
                verified_at: Some(now),
                verified_by: Some(admin.id.clone()),
                updated_at: now,
                version: held.row.version + 1,
                ..held.row
            };
            written(
                db::partner_projects::update_versioned(conn, &row)?,
                "partner project",
            )
        }
        None => Ok(db::partner_projects::insert(
            conn,
            &PartnerProjectRow::steward(steward, project, Some(admin.id.clone()), now),
        )?),
    }
}

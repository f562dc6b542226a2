//! Partner skills: the skills a partner claims, at what level and on what evidence; who
//! reads and writes them (the partner's own rules, from [`super::partners`]) and their
//! verification by admins. Each write moves the partner's version too.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::partners::{locked_partner, may_write, visible_partner};
use super::schemas::WebUrl;
use super::validation::{checked, findings_of, one_of, url_violations};
use super::{
    Findings, Page, ServiceError, ServiceResult, Slice, check_version, require_admin, written,
};
use crate::db::partner_skills::{HeldSkill, PartnerSkillRow};
use crate::db::{self, DbConnection, skills::SkillRow};
use crate::domain::Violation;
use crate::domain::access::Principal;
use crate::domain::directory::SkillLevel;
use crate::domain::version::Expected;
use crate::state::AppState;

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
    #[schema(required = true)]
    pub verified_at: Option<DateTime<Utc>>,
    /// The admin user or API client that verified it.
    #[schema(required = true)]
    pub verified_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl PartnerSkill {
    /// The id its ETag is made of: a claim is named by its partner and its skill.
    pub fn tag_id(&self) -> String {
        claim_id(&self.partner_id, &self.skill_id)
    }
}

fn claim_id(partner_id: &str, skill_id: &str) -> String {
    format!("{partner_id}/{skill_id}")
}

impl TryFrom<HeldSkill> for PartnerSkill {
    type Error = ServiceError;

    /// Fails only on a row whose evidence column is not what this service writes.
    fn try_from(held: HeldSkill) -> ServiceResult<PartnerSkill> {
        let row = held.row;
        let evidence_urls = db::decode_urls(&row.evidence_urls).map_err(|e| {
            ServiceError::Internal(format!(
                "partner skill {} has unreadable evidence_urls: {e}",
                claim_id(&row.partner_id, &row.skill_id)
            ))
        })?;
        Ok(PartnerSkill {
            level: row.level,
            evidence_urls,
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
        })
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
    #[schema(minimum = 0, maximum = 100_000)]
    pub certified_experts: Option<i32>,
    /// Public pages that show the work (commits, contributor lists, releases); at most 20.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20, value_type = Vec<WebUrl>)]
    pub evidence_urls: Vec<String>,
}

impl PartnerSkillClaim {
    /// Each bad evidence URL by its index, and a missing one for upstream levels.
    fn evidence_errors(&self) -> Vec<Violation> {
        let mut errors = url_violations("evidence_urls", &self.evidence_urls);
        let needs_evidence = SkillLevel::parse(&self.level).is_some_and(SkillLevel::needs_evidence);
        if needs_evidence && self.evidence_urls.is_empty() {
            errors.push(Violation::at(
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

/// What a `PUT` did: created the claim (201) or replaced it (200).
#[derive(Debug)]
pub struct PutClaim {
    pub claim: PartnerSkill,
    pub created: bool,
}

fn find_skill(conn: &mut DbConnection, skill: &str) -> ServiceResult<SkillRow> {
    db::skills::find(conn, skill)?
        .ok_or_else(|| ServiceError::NotFound(format!("no skill `{skill}`")))
}

fn not_held(partner_id: &str, skill: &str) -> ServiceError {
    ServiceError::NotFound(format!(
        "partner `{partner_id}` does not hold skill `{skill}`"
    ))
}

/// The skill the path names, and the partner's claim on it if any.
fn claim_on(
    conn: &mut DbConnection,
    partner_id: &str,
    path: &PartnerSkillPath,
) -> ServiceResult<(SkillRow, Option<HeldSkill>)> {
    let skill = find_skill(conn, &path.skill)?;
    let held = db::partner_skills::find(conn, partner_id, &skill.id)?;
    Ok((skill, held))
}

/// The claim the path names, which must exist.
fn held_claim(
    conn: &mut DbConnection,
    partner_id: &str,
    path: &PartnerSkillPath,
) -> ServiceResult<HeldSkill> {
    claim_on(conn, partner_id, path)?
        .1
        .ok_or_else(|| not_held(partner_id, &path.skill))
}

/// Writes a changed claim at its next version, and moves the partner's version with it.
fn replace(
    conn: &mut DbConnection,
    row: &PartnerSkillRow,
    now: NaiveDateTime,
) -> ServiceResult<()> {
    written(
        db::partner_skills::update_versioned(conn, row)?,
        "partner skill",
    )?;
    db::partners::touch(conn, &row.partner_id, now)?;
    Ok(())
}

/// A page of a partner's skills in slug order.
pub async fn list_partner_skills(
    state: &AppState,
    caller: Option<&Principal>,
    partner_id: &str,
    page: Page,
) -> ServiceResult<Slice<PartnerSkill>> {
    let (caller, partner_id) = (caller.cloned(), partner_id.to_owned());
    let (after, limit) = (page.after.clone(), page.fetch());
    let claims = state
        .db
        .run(move |conn| {
            let partner = visible_partner(conn, caller.as_ref(), &partner_id)?;
            db::partner_skills::list(conn, &partner.id, after.as_deref(), limit)?
                .into_iter()
                .map(PartnerSkill::try_from)
                .collect::<ServiceResult<Vec<_>>>()
        })
        .await?;
    Ok(Slice::of(
        &page,
        claims,
        |claim| claim.skill.clone(),
        |claim| claim,
    ))
}

/// One of a partner's skills.
pub async fn get_partner_skill(
    state: &AppState,
    caller: Option<&Principal>,
    path: PartnerSkillPath,
) -> ServiceResult<PartnerSkill> {
    let caller = caller.cloned();
    state
        .db
        .run(move |conn| {
            let partner = visible_partner(conn, caller.as_ref(), &path.id)?;
            PartnerSkill::try_from(held_claim(conn, &partner.id, &path)?)
        })
        .await
}

/// Sets a partner's claim on a skill. Creating needs no `If-Match` (and fails on one:
/// there is no version to match yet); replacing requires it. A new level clears the
/// verification.
pub async fn put_partner_skill(
    state: &AppState,
    principal: &Principal,
    path: PartnerSkillPath,
    expected: Expected,
    claim: PartnerSkillClaim,
) -> ServiceResult<PutClaim> {
    let mut violations = findings_of(&claim);
    violations.extend(claim.evidence_errors());
    let principal = principal.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let partner = locked_partner(conn, &principal, &path.id)?;
            let (skill, current) = claim_on(conn, &partner.id, &path)?;
            may_write(&principal, &partner)?;
            Findings::new(violations.clone()).done()?;
            let level: SkillLevel = checked(&claim.level)?;
            let certified_experts = claim.certified_experts.unwrap_or(0);
            let evidence_urls = db::encode_urls(&claim.evidence_urls);
            let created = current.is_none();
            let row = match current {
                Some(held) => {
                    let previous = held.row;
                    check_version(
                        &expected,
                        &claim_id(&previous.partner_id, &previous.skill_id),
                        previous.version,
                        true,
                    )?;
                    let kept = previous.level == level;
                    let row = PartnerSkillRow {
                        level,
                        certified_experts,
                        evidence_urls,
                        verified: previous.verified && kept,
                        verified_at: previous.verified_at.filter(|_| kept),
                        verified_by: previous.verified_by.clone().filter(|_| kept),
                        updated_at: now,
                        version: previous.version + 1,
                        ..previous
                    };
                    replace(conn, &row, now)?;
                    row
                }
                // Nothing to match yet: any If-Match (even `*`) names a version that
                // does not exist.
                None if expected.is_conditional() => return Err(ServiceError::StaleVersion),
                None => {
                    let row = PartnerSkillRow {
                        partner_id: partner.id.clone(),
                        skill_id: skill.id.clone(),
                        level,
                        certified_experts,
                        evidence_urls,
                        verified: false,
                        verified_at: None,
                        verified_by: None,
                        created_at: now,
                        updated_at: now,
                        version: 1,
                    };
                    db::partner_skills::insert(conn, &row)?;
                    db::partners::touch(conn, &row.partner_id, now)?;
                    row
                }
            };
            let held = HeldSkill {
                row,
                slug: skill.slug.clone(),
                name: skill.name.clone(),
            };
            Ok(PutClaim {
                claim: PartnerSkill::try_from(held)?,
                created,
            })
        })
        .await
}

/// Removes a partner's claim on a skill; `If-Match` is required.
pub async fn delete_partner_skill(
    state: &AppState,
    principal: &Principal,
    path: PartnerSkillPath,
    expected: Expected,
) -> ServiceResult<()> {
    let principal = principal.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let partner = locked_partner(conn, &principal, &path.id)?;
            let (_, held) = claim_on(conn, &partner.id, &path)?;
            may_write(&principal, &partner)?;
            let current = held.ok_or_else(|| not_held(&partner.id, &path.skill))?.row;
            check_version(
                &expected,
                &claim_id(&current.partner_id, &current.skill_id),
                current.version,
                true,
            )?;
            let deleted = db::partner_skills::delete_versioned(
                conn,
                &current.partner_id,
                &current.skill_id,
                current.version,
            )?;
            written(deleted, "partner skill")?;
            db::partners::touch(conn, &current.partner_id, now)?;
            Ok(())
        })
        .await
}

/// Marks a partner's claim as verified by the network (admin), recording when and by
/// whom; `If-Match` is honoured when sent.
pub async fn verify_partner_skill(
    state: &AppState,
    principal: &Principal,
    path: PartnerSkillPath,
    expected: Expected,
) -> ServiceResult<PartnerSkill> {
    require_admin(principal)?;
    let principal = principal.clone();
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let partner = locked_partner(conn, &principal, &path.id)?;
            let held = held_claim(conn, &partner.id, &path)?;
            let current = &held.row;
            check_version(
                &expected,
                &claim_id(&current.partner_id, &current.skill_id),
                current.version,
                false,
            )?;
            let row = PartnerSkillRow {
                verified: true,
                verified_at: Some(now),
                verified_by: Some(principal.id.clone()),
                updated_at: now,
                version: current.version + 1,
                ..current.clone()
            };
            replace(conn, &row, now)?;
            PartnerSkill::try_from(HeldSkill { row, ..held })
        })
        .await
}

//! Partners: the directory's profiles and their search, and the partner rules that the
//! partner-skill use cases share (who sees a partner, who writes it, its skills).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::partner_skills::PartnerSkill;
use super::patch::{Given, Patch};
use super::schemas::{Region, WebUrl};
use super::validation::{
    checked, findings_of, invalid, non_blank, on_text, one_of, validate_with, web_url,
};
use super::{
    BadParameter, Findings, Page, ServiceError, ServiceResult, Slice, UNKNOWN_CURSOR,
    check_version, require_admin, written,
};
use crate::db::partners::{After, PartnerFilter, PartnerRow};
use crate::db::{self, DbConnection, Lockable};
use crate::domain::access::{
    Decision, Principal, admin_only, can_read_partner, can_write_partner, listed_partner_statuses,
};
use crate::domain::directory::{
    self as rules, Membership, PartnerKind, PartnerSort, PartnerStatus, SkillLevel,
};
use crate::domain::identifiers::{self, IdentifierError};
use crate::domain::version::Expected;
use crate::domain::{Violation, search};
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "name": "Dalibo", "legal_name": "Dalibo SCOP",
    "siren": "900000035", "kind": "integrator", "membership": "member", "status": "active",
    "verified": true, "website": "https://www.dalibo.com", "contact_email": "contact@dalibo.example",
    "region": "FR-IDF", "headcount": 60,
    "description": "PostgreSQL experts: support, training and open source tools.",
    "skills": [{
        "partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "skill": "postgresql",
        "skill_id": "0193a5b2-7c1e-7d3a-9f10-dddddddddddd", "skill_name": "PostgreSQL",
        "level": "contributor", "certified_experts": 12,
        "evidence_urls": ["https://www.postgresql.org/community/contributors/"],
        "verified": true, "verified_at": "2026-11-28T10:00:00Z",
        "verified_by": "0193a5b2-7c1e-7d3a-9f10-eeeeeeeeeeee",
        "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T10:00:00Z", "version": 2
    }],
    "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T10:00:00Z", "version": 3
}))]
pub struct Partner {
    pub id: String,
    pub name: String,
    pub legal_name: String,
    /// 9 digits with a Luhn key.
    pub siren: String,
    #[schema(value_type = PartnerKind)]
    pub kind: String,
    #[schema(value_type = Membership)]
    pub membership: String,
    #[schema(value_type = PartnerStatus)]
    pub status: String,
    /// Set by an admin once the network has checked the company.
    pub verified: bool,
    #[schema(required = true)]
    pub website: Option<String>,
    pub contact_email: String,
    #[schema(value_type = Region)]
    pub region: String,
    #[schema(required = true)]
    pub headcount: Option<i32>,
    pub description: String,
    /// The skills the partner holds, in slug order.
    pub skills: Vec<PartnerSkill>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl Partner {
    fn new(row: PartnerRow, skills: Vec<PartnerSkill>) -> Partner {
        Partner {
            id: row.id,
            name: row.name,
            legal_name: row.legal_name,
            siren: row.siren,
            kind: row.kind.as_str().to_owned(),
            membership: row.membership.as_str().to_owned(),
            status: row.status.as_str().to_owned(),
            verified: row.verified,
            website: row.website,
            contact_email: row.contact_email,
            region: row.region,
            headcount: row.headcount,
            description: row.description,
            skills,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

pub fn valid_siren(siren: &(impl Given<str> + ?Sized)) -> Result<(), ValidationError> {
    on_text(siren, |siren| {
        identifiers::check_siren(siren).map_err(|e| match e {
            IdentifierError::Format => invalid("format", "must be 9 digits"),
            IdentifierError::Checksum => invalid("checksum", "fails the SIREN (Luhn) check"),
        })
    })
}

pub fn valid_region(region: &(impl Given<str> + ?Sized)) -> Result<(), ValidationError> {
    on_text(region, |region| {
        if rules::is_region(region) {
            Ok(())
        } else {
            Err(invalid(
                "region",
                "must be an ISO 3166-2:FR region code such as FR-IDF",
            ))
        }
    })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Oslandia", "legal_name": "Oslandia SAS", "siren": "900000050",
    "kind": "integrator", "membership": "member", "status": "active",
    "website": "https://oslandia.com", "contact_email": "contact@oslandia.example",
    "region": "FR-ARA", "headcount": 40,
    "description": "QGIS and PostGIS core contributors."
}))]
pub struct NewPartner {
    #[validate(length(max = 200), custom(function = "non_blank"))]
    #[schema(max_length = 200, pattern = r"\S")]
    pub name: String,
    #[validate(length(max = 300), custom(function = "non_blank"))]
    #[schema(max_length = 300, pattern = r"\S")]
    pub legal_name: String,
    #[validate(custom(function = "valid_siren"))]
    #[schema(pattern = r"^[0-9]{9}$")]
    pub siren: String,
    #[validate(custom(function = "one_of::<PartnerKind>"))]
    #[schema(value_type = PartnerKind)]
    pub kind: String,
    /// Defaults to `member`.
    #[validate(custom(function = "one_of::<Membership>"))]
    #[schema(value_type = Option<Membership>)]
    pub membership: Option<String>,
    /// Defaults to `pending`: the partner is not public until it is `active`.
    #[validate(custom(function = "one_of::<PartnerStatus>"))]
    #[schema(value_type = Option<PartnerStatus>)]
    pub status: Option<String>,
    /// Defaults to false.
    pub verified: Option<bool>,
    #[validate(custom(function = "web_url"))]
    #[schema(value_type = Option<WebUrl>)]
    pub website: Option<String>,
    #[validate(email, length(max = 254))]
    #[schema(max_length = 254, format = Email)]
    pub contact_email: String,
    #[validate(custom(function = "valid_region"))]
    #[schema(value_type = Region)]
    pub region: String,
    #[validate(range(min = 0, max = 1_000_000))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub headcount: Option<i32>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000)]
    pub description: Option<String>,
}

/// A profile change. A partner editing its own profile may not send `siren`, `status`,
/// `membership` or `verified` (422 names each one sent): those are the network's call.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"headcount": 45, "website": "https://oslandia.com/en/"}))]
pub struct PartnerPatch {
    #[validate(length(max = 200), custom(function = "non_blank"))]
    #[schema(max_length = 200, pattern = r"\S", value_type = String)]
    #[serde(default)]
    pub name: Patch<String>,
    #[validate(length(max = 300), custom(function = "non_blank"))]
    #[schema(max_length = 300, pattern = r"\S", value_type = String)]
    #[serde(default)]
    pub legal_name: Patch<String>,
    /// Admin only.
    #[validate(custom(function = "valid_siren"))]
    #[schema(pattern = r"^[0-9]{9}$", value_type = String)]
    #[serde(default)]
    pub siren: Patch<String>,
    #[validate(custom(function = "one_of::<PartnerKind>"))]
    #[serde(default)]
    #[schema(value_type = PartnerKind)]
    pub kind: Patch<String>,
    /// Admin only.
    #[validate(custom(function = "one_of::<Membership>"))]
    #[serde(default)]
    #[schema(value_type = Membership)]
    pub membership: Patch<String>,
    /// Admin only.
    #[validate(custom(function = "one_of::<PartnerStatus>"))]
    #[serde(default)]
    #[schema(value_type = PartnerStatus)]
    pub status: Patch<String>,
    /// Admin only.
    #[serde(default)]
    #[schema(value_type = bool)]
    pub verified: Patch<bool>,
    /// A URL, or `null` to remove it.
    #[validate(custom(function = "web_url"))]
    #[schema(value_type = Option<WebUrl>)]
    #[serde(default)]
    pub website: Patch<Option<String>>,
    #[validate(email, length(max = 254))]
    #[schema(max_length = 254, format = Email, value_type = String)]
    #[serde(default)]
    pub contact_email: Patch<String>,
    #[validate(custom(function = "valid_region"))]
    #[serde(default)]
    #[schema(value_type = Region)]
    pub region: Patch<String>,
    /// A number, or `null` to remove it.
    #[validate(range(min = 0, max = 1_000_000))]
    #[schema(minimum = 0, maximum = 1_000_000, value_type = Option<i32>)]
    #[serde(default)]
    pub headcount: Patch<Option<i32>>,
    #[validate(length(max = 5000))]
    #[schema(max_length = 5000, value_type = String)]
    #[serde(default)]
    pub description: Patch<String>,
}

impl PartnerPatch {
    /// The admin-only fields this patch sends, as 422 entries.
    fn admin_fields_sent(&self) -> Vec<Violation> {
        [
            ("siren", self.siren.is_given()),
            ("membership", self.membership.is_given()),
            ("status", self.status.is_given()),
            ("verified", self.verified.is_given()),
        ]
        .into_iter()
        .filter(|(_, sent)| *sent)
        .map(|(field, _)| {
            Violation::at(
                format!("#/{field}"),
                "not_allowed",
                "only an admin may change this field",
            )
        })
        .collect()
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnerListQuery {
    /// Case-insensitive substring of the name, legal name or description.
    #[param(example = "postgres", max_length = 200)]
    pub q: Option<String>,
    pub kind: Option<PartnerKind>,
    #[param(value_type = Option<Region>)]
    pub region: Option<String>,
    pub membership: Option<Membership>,
    /// Admins only: other callers always see active partners.
    pub status: Option<PartnerStatus>,
    /// Partners the network has verified (true) or not (false).
    pub verified: Option<bool>,
    /// A skill (slug or id) the partner must hold; repeat it to require several
    /// (`?skill=postgresql&skill=postgis`): all must match.
    #[serde(default)]
    #[param(example = json!(["postgresql"]), max_items = 20)]
    pub skill: Vec<String>,
    /// The lowest level each `skill` must be held at (`practitioner` < `expert` <
    /// `contributor` < `maintainer`). Without `skill`: some skill at this level.
    pub min_level: Option<SkillLevel>,
    /// `name` (default), `-name`, `created_at` or `-created_at`; ties go by id.
    pub sort: Option<PartnerSort>,
}

/// A directory search whose parameters were checked: one page of it, in one order.
#[derive(Debug)]
struct PartnerSearch {
    query: PartnerListQuery,
    sort: PartnerSort,
    after: Option<After>,
    page: Page,
}

impl PartnerSearch {
    /// Checks what the parameters' types cannot: the region, and that the cursor was
    /// issued for this sort order.
    fn new(query: PartnerListQuery, page: Page) -> ServiceResult<PartnerSearch> {
        let sort = query.sort.unwrap_or(PartnerSort::NameAscending);
        let after = page
            .after
            .as_deref()
            .map(|key| parse_after(sort, key))
            .transpose()?;
        if query
            .region
            .as_deref()
            .is_some_and(|r| valid_region(r).is_err())
        {
            return Err(BadParameter {
                parameter: "region",
                code: "region",
                detail: "must be an ISO 3166-2:FR region code such as FR-IDF".to_owned(),
            }
            .into());
        }
        Ok(PartnerSearch {
            query,
            sort,
            after,
            page,
        })
    }
}

/// The partner's cursor names its order, so that a cursor is never read in another one.
fn cursor_key(sort: PartnerSort, row: &PartnerRow) -> String {
    let key = match sort {
        PartnerSort::NameAscending | PartnerSort::NameDescending => search::fold(&row.name),
        PartnerSort::CreatedAscending | PartnerSort::CreatedDescending => {
            row.created_at.format(TIMESTAMP_KEY).to_string()
        }
    };
    format!("{}\n{}\n{key}", sort.as_str(), row.id)
}

const TIMESTAMP_KEY: &str = "%Y-%m-%dT%H:%M:%S%.6f";

fn parse_after(sort: PartnerSort, cursor_key: &str) -> ServiceResult<After> {
    let unknown = || ServiceError::NotFound(UNKNOWN_CURSOR.to_owned());
    let mut parts = cursor_key.splitn(3, '\n');
    let (Some(order), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(unknown());
    };
    if order != sort.as_str() {
        return Err(unknown());
    }
    let id = id.to_owned();
    Ok(match sort {
        PartnerSort::NameAscending | PartnerSort::NameDescending => After::Name {
            key: key.to_owned(),
            id,
        },
        PartnerSort::CreatedAscending | PartnerSort::CreatedDescending => After::Created {
            at: NaiveDateTime::parse_from_str(key, TIMESTAMP_KEY).map_err(|_| unknown())?,
            id,
        },
    })
}

fn no_partner(id: &str) -> String {
    format!("no partner `{id}`")
}

/// The policy's answer about partner `id`; a partner hidden from the caller is missing.
fn allowed(decision: Decision, id: &str) -> ServiceResult<()> {
    decision.map_err(|refusal| ServiceError::refusal(refusal, || no_partner(id)))
}

/// The partner as `caller` may see it: a partner that is not active is private to
/// admins and to itself, and answers 404 to anyone else.
pub(super) fn visible_partner(
    conn: &mut DbConnection,
    caller: Option<&Principal>,
    id: &str,
) -> ServiceResult<PartnerRow> {
    let row =
        db::partners::find(conn, id)?.ok_or_else(|| ServiceError::NotFound(no_partner(id)))?;
    allowed(can_read_partner(caller, &row.id, row.status), id)?;
    Ok(row)
}

/// [`visible_partner`] for a writer, in its transaction: the partner row is locked first,
/// so that what is checked on it still holds when the write commits.
pub(super) fn locked_partner(
    conn: &mut DbConnection,
    principal: &Principal,
    id: &str,
) -> ServiceResult<PartnerRow> {
    db::lock(conn, Lockable::Partners, id)?;
    visible_partner(conn, Some(principal), id)
}

/// Admins write any partner (and its skills), a partner principal its own.
pub(super) fn may_write(principal: &Principal, partner: &PartnerRow) -> ServiceResult<()> {
    allowed(can_write_partner(principal, &partner.id), &partner.id)
}

/// The skills of `rows`, grouped by partner: one query for any number of partners.
fn skills_of(
    conn: &mut DbConnection,
    rows: &[PartnerRow],
) -> ServiceResult<HashMap<String, Vec<PartnerSkill>>> {
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let mut grouped: HashMap<String, Vec<PartnerSkill>> = HashMap::new();
    for held in db::partner_skills::for_partners(conn, &ids)? {
        let skill = PartnerSkill::try_from(held)?;
        grouped
            .entry(skill.partner_id.clone())
            .or_default()
            .push(skill);
    }
    Ok(grouped)
}

/// The partner with its skills.
fn with_skills(conn: &mut DbConnection, row: PartnerRow) -> ServiceResult<Partner> {
    let mut skills = skills_of(conn, std::slice::from_ref(&row))?;
    let held = skills.remove(&row.id).unwrap_or_default();
    Ok(Partner::new(row, held))
}

fn siren_taken(siren: &str) -> ServiceError {
    ServiceError::conflict(format!("a partner with SIREN {siren} already exists"))
}

/// Search the directory: everyone but admins sees active partners only.
pub async fn list_partners(
    state: &AppState,
    caller: Option<&Principal>,
    query: PartnerListQuery,
    page: Page,
) -> ServiceResult<Slice<Partner>> {
    let PartnerSearch {
        query,
        sort,
        after,
        page,
    } = PartnerSearch::new(query, page)?;
    let statuses = listed_partner_statuses(caller)
        .iter()
        .copied()
        .filter(|status| query.status.is_none_or(|asked| asked == *status))
        .collect();
    let filter = PartnerFilter {
        q: query.q.filter(|q| !q.trim().is_empty()),
        kind: query.kind,
        region: query.region,
        membership: query.membership,
        statuses,
        verified: query.verified,
        skills: query.skill,
        min_level: query.min_level,
    };
    let limit = page.fetch();
    let (rows, mut skills) = state
        .db
        .run(move |conn| {
            let rows = db::partners::list(conn, &filter, sort, after.as_ref(), limit)?;
            let skills = skills_of(conn, &rows)?;
            Ok::<_, ServiceError>((rows, skills))
        })
        .await?;
    Ok(Slice::of(
        &page,
        rows,
        |row| cursor_key(sort, row),
        |row| {
            let held = skills.remove(&row.id).unwrap_or_default();
            Partner::new(row, held)
        },
    ))
}

/// One partner with its skills, if `caller` may see it.
pub async fn get_partner(
    state: &AppState,
    caller: Option<&Principal>,
    id: &str,
) -> ServiceResult<Partner> {
    let (caller, id) = (caller.cloned(), id.to_owned());
    state
        .db
        .run(move |conn| {
            let row = visible_partner(conn, caller.as_ref(), &id)?;
            with_skills(conn, row)
        })
        .await
}

/// Adds a partner to the directory (admin).
pub async fn create_partner(
    state: &AppState,
    principal: &Principal,
    body: NewPartner,
) -> ServiceResult<Partner> {
    require_admin(principal)?;
    validate_with(&body, Vec::new())?;
    let now = state.clock.now_naive();
    let row = PartnerRow {
        id: db::new_id(),
        name: body.name.trim().to_owned(),
        legal_name: body.legal_name.trim().to_owned(),
        kind: checked(&body.kind)?,
        membership: body
            .membership
            .as_deref()
            .map(checked)
            .transpose()?
            .unwrap_or(Membership::Member),
        status: body
            .status
            .as_deref()
            .map(checked)
            .transpose()?
            .unwrap_or(PartnerStatus::Pending),
        siren: body.siren,
        verified: body.verified.unwrap_or(false),
        website: body.website,
        contact_email: body.contact_email.trim().to_owned(),
        region: body.region,
        headcount: body.headcount,
        description: body.description.unwrap_or_default(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let row = state
        .db
        .write(move |conn| {
            if db::partners::find_by_siren(conn, &row.siren)?.is_some() {
                return Err(siren_taken(&row.siren));
            }
            db::partners::insert(conn, &row)?;
            Ok(row.clone())
        })
        .await?;
    Ok(Partner::new(row, Vec::new()))
}

/// Changes a partner's profile; `If-Match` is required. Admins change any field, a
/// partner its own profile except the network's fields (each one sent is a 422 entry).
pub async fn update_partner(
    state: &AppState,
    principal: &Principal,
    id: &str,
    expected: Expected,
    patch: PartnerPatch,
) -> ServiceResult<Partner> {
    let mut violations = findings_of(&patch);
    if admin_only(principal).is_err() {
        violations.extend(patch.admin_fields_sent());
    }
    let (principal, id) = (principal.clone(), id.to_owned());
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            let current = locked_partner(conn, &principal, &id)?;
            may_write(&principal, &current)?;
            Findings::new(violations.clone()).done()?;
            check_version(&expected, &current.id, current.version, true)?;
            let next = apply_patch(conn, current, &patch, now)?;
            written(db::partners::update_versioned(conn, &next)?, "partner")?;
            with_skills(conn, next)
        })
        .await
}

/// The partner as `patch` leaves it, at its next version.
fn apply_patch(
    conn: &mut DbConnection,
    current: PartnerRow,
    patch: &PartnerPatch,
    now: NaiveDateTime,
) -> ServiceResult<PartnerRow> {
    let mut next = current;
    if let Some(siren) = patch.siren.as_given() {
        if *siren != next.siren && db::partners::find_by_siren(conn, siren)?.is_some() {
            return Err(siren_taken(siren));
        }
        next.siren = siren.clone();
    }
    if let Some(name) = patch.name.as_given() {
        next.name = name.trim().to_owned();
    }
    if let Some(legal_name) = patch.legal_name.as_given() {
        next.legal_name = legal_name.trim().to_owned();
    }
    if let Some(kind) = patch.kind.as_given() {
        next.kind = checked(kind)?;
    }
    if let Some(membership) = patch.membership.as_given() {
        next.membership = checked(membership)?;
    }
    if let Some(status) = patch.status.as_given() {
        next.status = checked(status)?;
    }
    if let Some(&verified) = patch.verified.as_given() {
        next.verified = verified;
    }
    if let Some(website) = patch.website.as_given() {
        next.website = website.clone();
    }
    if let Some(contact_email) = patch.contact_email.as_given() {
        next.contact_email = contact_email.trim().to_owned();
    }
    if let Some(region) = patch.region.as_given() {
        next.region = region.clone();
    }
    if let Some(&headcount) = patch.headcount.as_given() {
        next.headcount = headcount;
    }
    if let Some(description) = patch.description.as_given() {
        next.description = description.clone();
    }
    next.updated_at = now;
    next.version += 1;
    Ok(next)
}

/// Removes a partner (and its skills) that nothing refers to (admin); `If-Match` is
/// required. A partner in use is a 409: suspend it instead.
pub async fn delete_partner(
    state: &AppState,
    principal: &Principal,
    id: &str,
    expected: Expected,
) -> ServiceResult<()> {
    require_admin(principal)?;
    let (principal, id) = (principal.clone(), id.to_owned());
    state
        .db
        .write(move |conn| {
            let current = locked_partner(conn, &principal, &id)?;
            check_version(&expected, &current.id, current.version, true)?;
            let references = db::partners::references(conn, &current.id)?;
            if !references.is_empty() {
                return Err(ServiceError::conflict(format!(
                    "partner `{}` is referred to by {} user(s), {} API client(s), {} \
                     stewarded project(s), {} bid(s) and {} contract(s); suspend it instead",
                    current.name,
                    references.users,
                    references.api_clients,
                    references.stewarded_projects,
                    references.bids,
                    references.contracts
                )));
            }
            let deleted = db::partners::delete_versioned(conn, &current.id, current.version)?;
            written(deleted, "partner")
        })
        .await
}

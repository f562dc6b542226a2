//! `/partners`: the directory of the network's expert companies, searchable by skill;
//! anyone reads active partners, admins manage them, a partner edits its own profile.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::{Validate, ValidationError};

use super::pagination::{ListResponse, PageQuery};
use super::partner_skills::PartnerSkill;
use super::preconditions::{check_if_match, etag, tagged};
use super::request::{
    created, given, invalid, location, non_blank, one_of, repeatable_query, validate_with, web_url,
};
use super::responses as r;
use crate::app::AppState;
use crate::auth::{MaybePrincipal, Principal};
use crate::db::partners::{After, PartnerFilter, PartnerRow};
use crate::db::{self, DbConnection};
use crate::domain::directory::{
    self as rules, Membership, PartnerKind, PartnerSort, PartnerStatus, SkillLevel,
};
use crate::domain::identifiers::{self, IdentifierError};
use crate::domain::search;
use crate::error::{ApiError, ApiResult, FieldError};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_partners)
        .service(create_partner)
        .service(get_partner)
        .service(update_partner)
        .service(delete_partner);
}

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
    pub website: Option<String>,
    pub contact_email: String,
    /// ISO 3166-2:FR region code.
    pub region: String,
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
            kind: row.kind,
            membership: row.membership,
            status: row.status,
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

pub fn valid_siren(siren: &str) -> Result<(), ValidationError> {
    identifiers::check_siren(siren).map_err(|e| match e {
        IdentifierError::Format => invalid("format", "must be 9 digits"),
        IdentifierError::Checksum => invalid("checksum", "fails the SIREN (Luhn) check"),
    })
}

pub fn valid_region(region: &str) -> Result<(), ValidationError> {
    if rules::is_region(region) {
        Ok(())
    } else {
        Err(invalid(
            "region",
            "must be an ISO 3166-2:FR region code such as FR-IDF",
        ))
    }
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
    pub name: String,
    #[validate(length(max = 300), custom(function = "non_blank"))]
    pub legal_name: String,
    #[validate(custom(function = "valid_siren"))]
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
    pub website: Option<String>,
    #[validate(email, length(max = 254))]
    pub contact_email: String,
    #[validate(custom(function = "valid_region"))]
    pub region: String,
    #[validate(range(min = 0, max = 1_000_000))]
    pub headcount: Option<i32>,
    #[validate(length(max = 5000))]
    pub description: Option<String>,
}

/// A profile change. A partner editing its own profile may not send `siren`, `status`,
/// `membership` or `verified` (422 names each one sent): those are the network's call.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"headcount": 45, "website": "https://oslandia.com/en/"}))]
pub struct PartnerPatch {
    #[validate(length(max = 200), custom(function = "non_blank"))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub name: Option<String>,
    #[validate(length(max = 300), custom(function = "non_blank"))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub legal_name: Option<String>,
    /// Admin only.
    #[validate(custom(function = "valid_siren"))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub siren: Option<String>,
    #[validate(custom(function = "one_of::<PartnerKind>"))]
    #[schema(value_type = PartnerKind)]
    #[serde(default, deserialize_with = "given")]
    pub kind: Option<String>,
    /// Admin only.
    #[validate(custom(function = "one_of::<Membership>"))]
    #[schema(value_type = Membership)]
    #[serde(default, deserialize_with = "given")]
    pub membership: Option<String>,
    /// Admin only.
    #[validate(custom(function = "one_of::<PartnerStatus>"))]
    #[schema(value_type = PartnerStatus)]
    #[serde(default, deserialize_with = "given")]
    pub status: Option<String>,
    /// Admin only.
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub verified: Option<bool>,
    /// A URL, or `null` to remove it.
    #[serde(default, deserialize_with = "given")]
    #[validate(custom(function = "web_url"))]
    #[schema(value_type = Option<String>)]
    pub website: Option<Option<String>>,
    #[validate(email, length(max = 254))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub contact_email: Option<String>,
    #[validate(custom(function = "valid_region"))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub region: Option<String>,
    /// A number, or `null` to remove it.
    #[serde(default, deserialize_with = "given")]
    #[validate(range(min = 0, max = 1_000_000))]
    #[schema(value_type = Option<i32>)]
    pub headcount: Option<Option<i32>>,
    #[validate(length(max = 5000))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub description: Option<String>,
}

impl PartnerPatch {
    /// The admin-only fields this patch sends, as 422 entries.
    fn admin_fields_sent(&self) -> Vec<FieldError> {
        [
            ("siren", self.siren.is_some()),
            ("membership", self.membership.is_some()),
            ("status", self.status.is_some()),
            ("verified", self.verified.is_some()),
        ]
        .into_iter()
        .filter(|(_, sent)| *sent)
        .map(|(field, _)| {
            FieldError::body(
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
    #[param(example = "postgres")]
    pub q: Option<String>,
    pub kind: Option<PartnerKind>,
    /// ISO 3166-2:FR region code.
    #[param(example = "FR-IDF")]
    pub region: Option<String>,
    pub membership: Option<Membership>,
    /// Admins only: other callers always see active partners.
    pub status: Option<PartnerStatus>,
    /// Partners the network has verified (true) or not (false).
    pub verified: Option<bool>,
    /// A skill (slug or id) the partner must hold; repeat it to require several
    /// (`?skill=postgresql&skill=postgis`): all must match.
    #[serde(default)]
    #[param(example = json!(["postgresql"]))]
    pub skill: Vec<String>,
    /// The lowest level each `skill` must be held at (`practitioner` < `expert` <
    /// `contributor` < `maintainer`). Without `skill`: some skill at this level.
    pub min_level: Option<SkillLevel>,
    /// `name` (default), `-name`, `created_at` or `-created_at`; ties go by id.
    pub sort: Option<PartnerSort>,
}

/// The skills of `rows`, grouped by partner: one query for any number of partners.
fn skills_of(
    conn: &mut DbConnection,
    rows: &[PartnerRow],
) -> ApiResult<HashMap<String, Vec<PartnerSkill>>> {
    let ids: Vec<String> = rows.iter().map(|row| row.id.clone()).collect();
    let mut grouped: HashMap<String, Vec<PartnerSkill>> = HashMap::new();
    for held in db::partner_skills::for_partners(conn, &ids)? {
        grouped
            .entry(held.row.partner_id.clone())
            .or_default()
            .push(PartnerSkill::from(held));
    }
    Ok(grouped)
}

/// A partner with its skills, and its ETag.
pub(super) fn respond_partner(
    builder: HttpResponseBuilder,
    row: PartnerRow,
    skills: Vec<PartnerSkill>,
) -> HttpResponse {
    let tag = etag(&row.id, row.version);
    tagged(builder, tag, &Partner::new(row, skills))
}

fn can_see(caller: Option<&Principal>, row: &PartnerRow) -> bool {
    row.status == PartnerStatus::Active.as_str()
        || caller.is_some_and(|p| p.is_admin() || p.partner_id.as_deref() == Some(&row.id))
}

/// The partner as `caller` may see it: a partner that is not active is private to
/// admins and to itself, and answers 404 to anyone else.
pub(super) fn visible_partner(
    conn: &mut DbConnection,
    caller: Option<&Principal>,
    id: &str,
) -> ApiResult<PartnerRow> {
    db::partners::find(conn, id)?
        .filter(|row| can_see(caller, row))
        .ok_or_else(|| ApiError::NotFound(format!("no partner `{id}`")))
}

/// Admins write any partner, a partner principal its own; others may read, not write.
pub(super) fn require_partner_writer(principal: &Principal, partner_id: &str) -> ApiResult<()> {
    if principal.is_admin() || principal.partner_id.as_deref() == Some(partner_id) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the partner itself or an admin may change this partner".to_owned(),
        ))
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

fn parse_after(sort: PartnerSort, cursor_key: &str) -> ApiResult<After> {
    let bad_cursor = || {
        ApiError::InvalidParameters(vec![FieldError::parameter(
            "cursor",
            "invalid",
            "is not a cursor of this list in this sort order",
        )])
    };
    let mut parts = cursor_key.splitn(3, '\n');
    let (Some(order), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad_cursor());
    };
    if order != sort.as_str() {
        return Err(bad_cursor());
    }
    let id = id.to_owned();
    Ok(match sort {
        PartnerSort::NameAscending | PartnerSort::NameDescending => After::Name {
            key: key.to_owned(),
            id,
        },
        PartnerSort::CreatedAscending | PartnerSort::CreatedDescending => After::Created {
            at: NaiveDateTime::parse_from_str(key, TIMESTAMP_KEY).map_err(|_| bad_cursor())?,
            id,
        },
    })
}

/// Search the directory.
///
/// Anonymous callers, buyers and partners see active partners; admins see all and may
/// filter by `status`. Each item carries its skills.
#[utoipa::path(
    tag = "partners",
    params(PartnerListQuery, PageQuery),
    responses(
        (status = 200, description = "A page of partners", body = ListResponse<Partner>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/partners")]
pub async fn list_partners(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: MaybePrincipal,
) -> ApiResult<HttpResponse> {
    let query: PartnerListQuery = repeatable_query(&req)?;
    let page = repeatable_query::<PageQuery>(&req)?.page()?;
    let sort = query.sort.unwrap_or(PartnerSort::NameAscending);
    let after = page
        .after
        .as_deref()
        .map(|key| parse_after(sort, key))
        .transpose()?;
    if let Some(region) = &query.region {
        valid_region(region).map_err(|_| {
            ApiError::InvalidParameters(vec![FieldError::parameter(
                "region",
                "region",
                "must be an ISO 3166-2:FR region code such as FR-IDF",
            )])
        })?;
    }
    let is_admin = caller.0.as_ref().is_some_and(Principal::is_admin);
    let limit = page.limit + 1;
    let (rows, mut skills) = state
        .db
        .run(move |conn| {
            // Everyone but admins sees active partners only.
            let status = if is_admin {
                query.status
            } else if query.status.is_none_or(|s| s == PartnerStatus::Active) {
                Some(PartnerStatus::Active)
            } else {
                return Ok((Vec::new(), HashMap::new()));
            };
            let mut skill_ids = Vec::with_capacity(query.skill.len());
            for skill in &query.skill {
                match db::skills::find(conn, skill)? {
                    Some(found) => skill_ids.push(found.id),
                    // Nobody holds a skill the catalogue does not have.
                    None => return Ok((Vec::new(), HashMap::new())),
                }
            }
            let filter = PartnerFilter {
                q: query.q.filter(|q| !q.trim().is_empty()),
                kind: query.kind.map(|k| k.as_str().to_owned()),
                region: query.region,
                membership: query.membership.map(|m| m.as_str().to_owned()),
                status: status.map(|s| s.as_str().to_owned()),
                verified: query.verified,
                skill_ids,
                min_level_rank: query.min_level.map(SkillLevel::rank),
            };
            let rows = db::partners::list(conn, &filter, sort, after.as_ref(), limit)?;
            let skills = skills_of(conn, &rows)?;
            Ok((rows, skills))
        })
        .await?;
    Ok(super::pagination::respond(
        &req,
        &page,
        rows,
        |row| cursor_key(sort, row),
        |row| {
            let held = skills.remove(&row.id).unwrap_or_default();
            Partner::new(row, held)
        },
    ))
}

/// Read one partner with its skills.
///
/// A partner that is not active is visible to admins and to itself only (404 otherwise).
#[utoipa::path(
    tag = "partners",
    params(("id" = String, Path, description = "The partner's id")),
    responses(
        (status = 200, description = "The partner", body = Partner, headers(("ETag" = String))),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/partners/{id}")]
pub async fn get_partner(
    state: web::Data<AppState>,
    caller: MaybePrincipal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let (row, skills) = state
        .db
        .run(move |conn| {
            let row = visible_partner(conn, caller.0.as_ref(), &id)?;
            let mut skills = skills_of(conn, std::slice::from_ref(&row))?;
            let held = skills.remove(&row.id).unwrap_or_default();
            Ok((row, held))
        })
        .await?;
    Ok(respond_partner(HttpResponse::Ok(), row, skills))
}

fn siren_taken(siren: &str) -> ApiError {
    ApiError::conflict(format!("a partner with SIREN {siren} already exists"))
}

/// Add a partner to the directory.
#[utoipa::path(
    tag = "partners",
    request_body = NewPartner,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The created partner", body = Partner,
            headers(("Location" = String), ("ETag" = String))),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/partners")]
pub async fn create_partner(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewPartner>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let body = body.into_inner();
    body.validate()?;
    let now = state.clock.now_naive();
    let name = body.name.trim().to_owned();
    let row = PartnerRow {
        id: db::new_id(),
        name,
        legal_name: body.legal_name.trim().to_owned(),
        siren: body.siren,
        kind: body.kind,
        membership: body
            .membership
            .unwrap_or_else(|| Membership::Member.as_str().to_owned()),
        status: body
            .status
            .unwrap_or_else(|| PartnerStatus::Pending.as_str().to_owned()),
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
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                if db::partners::find_by_siren(conn, &row.siren)?.is_some() {
                    return Err(siren_taken(&row.siren));
                }
                db::partners::insert(conn, &row)?;
                Ok(row)
            })
        })
        .await?;
    let builder = created(location(&req, &row.id));
    Ok(respond_partner(builder, row, Vec::new()))
}

/// Change a partner's profile; `If-Match` is required.
///
/// Admins change any field. A partner changes its own profile except `siren`,
/// `status`, `membership` and `verified`.
#[utoipa::path(
    tag = "partners",
    params(
        ("id" = String, Path, description = "The partner's id"),
        ("If-Match" = String, Header, description = "The ETag last read; 412 when stale, 428 when missing"),
    ),
    request_body = PartnerPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated partner", body = Partner, headers(("ETag" = String))),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 428, response = r::PreconditionRequired),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[patch("/partners/{id}")]
pub async fn update_partner(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Json<PartnerPatch>,
) -> ApiResult<HttpResponse> {
    let patch = body.into_inner();
    let current = load_visible(&state, &principal, id.into_inner()).await?;
    require_partner_writer(&principal, &current.id)?;
    let admin_only = if principal.is_admin() {
        Vec::new()
    } else {
        patch.admin_fields_sent()
    };
    validate_with(&patch, admin_only)?;
    check_if_match(&req, &etag(&current.id, current.version), true)?;
    let now = state.clock.now_naive();
    let (row, skills) = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                let next = apply_patch(conn, current, patch, now)?;
                if !db::partners::update_versioned(conn, &next)? {
                    return Err(ApiError::PreconditionFailed);
                }
                let mut skills = skills_of(conn, std::slice::from_ref(&next))?;
                let held = skills.remove(&next.id).unwrap_or_default();
                Ok((next, held))
            })
        })
        .await?;
    Ok(respond_partner(HttpResponse::Ok(), row, skills))
}

/// [`visible_partner`] off the async executor.
async fn load_visible(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> ApiResult<PartnerRow> {
    let caller = principal.clone();
    state
        .db
        .run(move |conn| visible_partner(conn, Some(&caller), &id))
        .await
}

fn apply_patch(
    conn: &mut DbConnection,
    current: PartnerRow,
    patch: PartnerPatch,
    now: NaiveDateTime,
) -> ApiResult<PartnerRow> {
    let mut next = current;
    if let Some(siren) = patch.siren {
        if siren != next.siren && db::partners::find_by_siren(conn, &siren)?.is_some() {
            return Err(siren_taken(&siren));
        }
        next.siren = siren;
    }
    if let Some(name) = patch.name {
        next.name = name.trim().to_owned();
    }
    if let Some(legal_name) = patch.legal_name {
        next.legal_name = legal_name.trim().to_owned();
    }
    if let Some(kind) = patch.kind {
        next.kind = kind;
    }
    if let Some(membership) = patch.membership {
        next.membership = membership;
    }
    if let Some(status) = patch.status {
        next.status = status;
    }
    if let Some(verified) = patch.verified {
        next.verified = verified;
    }
    if let Some(website) = patch.website {
        next.website = website;
    }
    if let Some(contact_email) = patch.contact_email {
        next.contact_email = contact_email.trim().to_owned();
    }
    if let Some(region) = patch.region {
        next.region = region;
    }
    if let Some(headcount) = patch.headcount {
        next.headcount = headcount;
    }
    if let Some(description) = patch.description {
        next.description = description;
    }
    next.updated_at = now;
    next.version += 1;
    Ok(next)
}

/// Remove a partner that nothing refers to; `If-Match` is required.
///
/// A partner that users, API clients, projects, bids or contracts refer to (later also
/// ledger entries) answers 409: suspend it instead (`status: suspended`).
#[utoipa::path(
    tag = "partners",
    params(
        ("id" = String, Path, description = "The partner's id"),
        ("If-Match" = String, Header, description = "The ETag last read; 412 when stale, 428 when missing"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted, with its skills"),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 428, response = r::PreconditionRequired),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[delete("/partners/{id}")]
pub async fn delete_partner(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let current = load_visible(&state, &principal, id.into_inner()).await?;
    check_if_match(&req, &etag(&current.id, current.version), true)?;
    state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                let references = db::partners::references(conn, &current.id)?;
                if !references.is_empty() {
                    return Err(ApiError::conflict(format!(
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
                if !db::partners::delete_versioned(conn, &current.id, current.version)? {
                    return Err(ApiError::PreconditionFailed);
                }
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

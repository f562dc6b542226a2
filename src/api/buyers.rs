//! `/buyers`: the contracting authorities and companies that issue tenders; admins manage
//! them, a buyer reads its own.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::{Validate, ValidationError};

use super::pagination::{ListResponse, PageQuery};
use super::preconditions::{check_if_match, etag, tagged};
use super::request::{created, given, invalid, location, non_blank, one_of};
use super::responses as r;
use crate::app::AppState;
use crate::auth::Principal;
use crate::db::{self, buyers::BuyerFilter, buyers::BuyerRow};
use crate::domain::directory::BuyerKind;
use crate::domain::identifiers::{self, IdentifierError};
use crate::error::{ApiError, ApiResult};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_buyers)
        .service(create_buyer)
        .service(get_buyer)
        .service(update_buyer);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-bbbbbbbbbbbb", "name": "Ministère de la Démo numérique (demo)",
    "siret": "90000100900019", "kind": "public_body", "contact_email": "achats@ministere-demo.example",
    "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z", "version": 1
}))]
pub struct Buyer {
    pub id: String,
    pub name: String,
    /// 14 digits with a Luhn key (La Poste's establishments: digit sum a multiple of 5).
    pub siret: String,
    #[schema(value_type = BuyerKind)]
    pub kind: String,
    pub contact_email: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<BuyerRow> for Buyer {
    fn from(row: BuyerRow) -> Buyer {
        Buyer {
            id: row.id,
            name: row.name,
            siret: row.siret,
            kind: row.kind,
            contact_email: row.contact_email,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

fn valid_siret(siret: &str) -> Result<(), ValidationError> {
    identifiers::check_siret(siret).map_err(|e| match e {
        IdentifierError::Format => invalid("format", "must be 14 digits"),
        IdentifierError::Checksum => invalid("checksum", "fails the SIRET (Luhn) check"),
    })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Ministère de la Démo numérique (demo)", "siret": "90000100900019",
    "kind": "public_body", "contact_email": "achats@ministere-demo.example"
}))]
pub struct NewBuyer {
    #[validate(length(max = 200), custom(function = "non_blank"))]
    pub name: String,
    #[validate(custom(function = "valid_siret"))]
    pub siret: String,
    #[validate(custom(function = "one_of::<BuyerKind>"))]
    #[schema(value_type = BuyerKind)]
    pub kind: String,
    #[validate(email, length(max = 254))]
    pub contact_email: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"contact_email": "marches@ministere-demo.example"}))]
pub struct BuyerPatch {
    #[validate(length(max = 200), custom(function = "non_blank"))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub name: Option<String>,
    #[validate(custom(function = "valid_siret"))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub siret: Option<String>,
    #[validate(custom(function = "one_of::<BuyerKind>"))]
    #[schema(value_type = BuyerKind)]
    #[serde(default, deserialize_with = "given")]
    pub kind: Option<String>,
    #[validate(email, length(max = 254))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub contact_email: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BuyerListQuery {
    /// Case-insensitive substring of the name.
    pub q: Option<String>,
    pub kind: Option<BuyerKind>,
}

fn respond_buyer(builder: HttpResponseBuilder, row: BuyerRow) -> HttpResponse {
    let tag = etag(&row.id, row.version);
    tagged(builder, tag, &Buyer::from(row))
}

fn siret_taken(siret: &str) -> ApiError {
    ApiError::conflict(format!("a buyer with SIRET {siret} already exists"))
}

/// List buyers, oldest first (admin).
#[utoipa::path(
    tag = "buyers",
    params(BuyerListQuery, PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of buyers", body = ListResponse<Buyer>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[get("/buyers")]
pub async fn list_buyers(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<BuyerListQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let page = page.page()?;
    let query = query.into_inner();
    let filter = BuyerFilter {
        q: query.q.filter(|q| !q.trim().is_empty()),
        kind: query.kind.map(|k| k.as_str().to_owned()),
    };
    let (after, limit) = (page.after.clone(), page.limit + 1);
    let rows = state
        .db
        .run(move |conn| Ok(db::buyers::list(conn, &filter, after.as_deref(), limit)?))
        .await?;
    Ok(super::pagination::respond(
        &req,
        &page,
        rows,
        |row| row.id.clone(),
        Buyer::from,
    ))
}

/// Register a buyer (admin).
#[utoipa::path(
    tag = "buyers",
    request_body = NewBuyer,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The created buyer", body = Buyer,
            headers(("Location" = String), ("ETag" = String))),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/buyers")]
pub async fn create_buyer(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewBuyer>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let body = body.into_inner();
    body.validate()?;
    let now = state.clock.now_naive();
    let row = BuyerRow {
        id: db::new_id(),
        name: body.name.trim().to_owned(),
        siret: body.siret,
        kind: body.kind,
        contact_email: body.contact_email.trim().to_owned(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let row = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                if db::buyers::find_by_siret(conn, &row.siret)?.is_some() {
                    return Err(siret_taken(&row.siret));
                }
                db::buyers::insert(conn, &row)?;
                Ok(row)
            })
        })
        .await?;
    let builder = created(location(&req, &row.id));
    Ok(respond_buyer(builder, row))
}

/// The buyer as `principal` may see it: admins see all, a buyer principal its own;
/// anyone else gets 404, whether or not it exists.
async fn load_buyer(state: &AppState, principal: &Principal, id: String) -> ApiResult<BuyerRow> {
    if !principal.is_admin() && principal.buyer_id.as_deref() != Some(id.as_str()) {
        return Err(ApiError::NotFound(format!("no buyer `{id}`")));
    }
    state
        .db
        .run(move |conn| {
            db::buyers::find(conn, &id)?
                .ok_or_else(|| ApiError::NotFound(format!("no buyer `{id}`")))
        })
        .await
}

/// Read one buyer (admin, or the buyer itself).
#[utoipa::path(
    tag = "buyers",
    params(("id" = String, Path, description = "The buyer's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The buyer", body = Buyer, headers(("ETag" = String))),
        (status = 401, response = r::Unauthorized),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/buyers/{id}")]
pub async fn get_buyer(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let row = load_buyer(&state, &principal, id.into_inner()).await?;
    Ok(respond_buyer(HttpResponse::Ok(), row))
}

/// Change a buyer (admin); `If-Match` is honoured.
#[utoipa::path(
    tag = "buyers",
    params(
        ("id" = String, Path, description = "The buyer's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    request_body = BuyerPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated buyer", body = Buyer, headers(("ETag" = String))),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[patch("/buyers/{id}")]
pub async fn update_buyer(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Json<BuyerPatch>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let patch = body.into_inner();
    patch.validate()?;
    let current = load_buyer(&state, &principal, id.into_inner()).await?;
    check_if_match(&req, &etag(&current.id, current.version), false)?;
    let now = state.clock.now_naive();
    let row = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                let mut next = current;
                if let Some(siret) = patch.siret {
                    if siret != next.siret && db::buyers::find_by_siret(conn, &siret)?.is_some() {
                        return Err(siret_taken(&siret));
                    }
                    next.siret = siret;
                }
                if let Some(name) = patch.name {
                    next.name = name.trim().to_owned();
                }
                if let Some(kind) = patch.kind {
                    next.kind = kind;
                }
                if let Some(contact_email) = patch.contact_email {
                    next.contact_email = contact_email.trim().to_owned();
                }
                next.updated_at = now;
                next.version += 1;
                if !db::buyers::update_versioned(conn, &next)? {
                    return Err(ApiError::PreconditionFailed);
                }
                Ok(next)
            })
        })
        .await?;
    Ok(respond_buyer(HttpResponse::Ok(), row))
}

//! `/api-clients`: machine access for procurement systems, managed by admins.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::pagination::{ListResponse, PageQuery};
use super::preconditions::{check_if_match, etag, tagged};
use super::request::{created, location};
use super::responses as r;
use super::users::{check_organisation_exists, valid_id, validate_binding};
use crate::app::AppState;
use crate::auth::{Principal, password};
use crate::db::{self, api_clients::ApiClientRow};
use crate::domain::access::Role;
use crate::error::{ApiError, ApiResult};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_clients)
        .service(create_client)
        .service(get_client)
        .service(revoke_client);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-cccccccccccc", "client_id": "osec_3f9a1c2b7d4e5f60a1b2c3d4",
    "name": "UGAP procurement gateway", "role": "buyer", "partner_id": null,
    "buyer_id": "0193a5b2-7c1e-7d3a-9f10-bbbbbbbbbbbb", "revoked_at": null,
    "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z", "version": 1
}))]
pub struct ApiClient {
    pub id: String,
    /// The `client_id` of the client-credentials grant.
    pub client_id: String,
    pub name: String,
    pub role: Role,
    pub partner_id: Option<String>,
    pub buyer_id: Option<String>,
    /// Set once revoked; its tokens stop working at once.
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<ApiClientRow> for ApiClient {
    fn from(row: ApiClientRow) -> ApiClient {
        ApiClient {
            role: row.role(),
            id: row.id,
            client_id: row.client_id,
            name: row.name,
            partner_id: row.partner_id,
            buyer_id: row.buyer_id,
            revoked_at: row.revoked_at.map(|at| at.and_utc()),
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

/// A newly created client with its secret, shown this once and never again.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedApiClient {
    #[serde(flatten)]
    pub client: ApiClient,
    #[schema(example = "kY3v9Qm2…")]
    pub client_secret: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "UGAP procurement gateway", "role": "buyer",
    "buyer_id": "0193a5b2-7c1e-7d3a-9f10-bbbbbbbbbbbb"
}))]
pub struct NewApiClient {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub role: Role,
    #[validate(custom(function = "valid_id"))]
    pub partner_id: Option<String>,
    #[validate(custom(function = "valid_id"))]
    pub buyer_id: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClientListQuery {
    /// Include revoked clients (default false).
    pub include_revoked: Option<bool>,
}

fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// List API clients, oldest first.
#[utoipa::path(
    tag = "api-clients",
    params(ClientListQuery, PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of API clients", body = ListResponse<ApiClient>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[get("/api-clients")]
pub async fn list_clients(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    filter: web::Query<ClientListQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let page = page.page()?;
    let include_revoked = filter.include_revoked.unwrap_or(false);
    let (after, limit) = (page.after.clone(), page.limit + 1);
    let rows = state
        .db
        .run(move |conn| {
            Ok(db::api_clients::list(
                conn,
                include_revoked,
                after.as_deref(),
                limit,
            )?)
        })
        .await?;
    Ok(super::pagination::respond(
        &req,
        &page,
        rows,
        |row| row.id.clone(),
        ApiClient::from,
    ))
}

/// Create an API client; the response is the only time its secret is shown.
#[utoipa::path(
    tag = "api-clients",
    request_body = NewApiClient,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The client and its secret", body = CreatedApiClient,
            headers(("Location" = String), ("ETag" = String))),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/api-clients")]
pub async fn create_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewApiClient>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let body = body.into_inner();
    validate_binding(
        &body,
        body.role,
        body.partner_id.as_deref(),
        body.buyer_id.as_deref(),
    )?;
    let client_secret = random_token(32);
    let secret_hash = password::hash(&client_secret)
        .map_err(|e| ApiError::Internal(format!("secret hashing: {e}")))?;
    let now = state.clock.now_naive();
    let row = ApiClientRow {
        id: db::new_id(),
        client_id: format!("osec_{}", random_token(12)),
        name: body.name.trim().to_owned(),
        secret_hash,
        role: body.role.as_str().to_owned(),
        partner_id: body.partner_id,
        buyer_id: body.buyer_id,
        revoked_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let row = state
        .db
        .run(move |conn| {
            check_organisation_exists(conn, row.partner_id.as_deref(), row.buyer_id.as_deref())?;
            db::api_clients::insert(conn, &row)?;
            Ok(row)
        })
        .await?;
    let tag = etag(&row.id, row.version);
    let builder = created(location(&req, &row.id));
    let created = CreatedApiClient {
        client: ApiClient::from(row),
        client_secret,
    };
    Ok(tagged(builder, tag, &created))
}

async fn load_client(state: &AppState, id: String) -> ApiResult<ApiClientRow> {
    state
        .db
        .run(move |conn| {
            db::api_clients::find(conn, &id)?
                .ok_or_else(|| ApiError::NotFound(format!("no API client `{id}`")))
        })
        .await
}

/// Read one API client (never its secret).
#[utoipa::path(
    tag = "api-clients",
    params(("id" = String, Path, description = "The API client's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The API client", body = ApiClient, headers(("ETag" = String))),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[get("/api-clients/{id}")]
pub async fn get_client(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let row = load_client(&state, id.into_inner()).await?;
    let tag = etag(&row.id, row.version);
    Ok(tagged(HttpResponse::Ok(), tag, &ApiClient::from(row)))
}

/// Revoke an API client: its tokens stop working at once. Revoking twice is harmless.
#[utoipa::path(
    tag = "api-clients",
    params(
        ("id" = String, Path, description = "The API client's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, response = r::NotFound),
        (status = 412, response = r::PreconditionFailed),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[delete("/api-clients/{id}")]
pub async fn revoke_client(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let row = load_client(&state, id.into_inner()).await?;
    check_if_match(&req, &etag(&row.id, row.version), false)?;
    let now = state.clock.now_naive();
    state
        .db
        .run(move |conn| Ok(db::api_clients::revoke(conn, &row.id, now)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

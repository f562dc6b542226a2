//! API clients: machine access for procurement systems, created and revoked by admins.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::users::{check_organisation_exists, validate_binding};
use super::validation::valid_id;
use super::{
    Findings, Page, ServiceError, ServiceResult, Slice, check_version, require_admin, written,
};
use crate::db::api_clients::ApiClientRow;
use crate::db::{self, DbConnection, Lockable};
use crate::domain::access::{Principal, Role};
use crate::domain::version::Expected;
use crate::state::AppState;

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
    #[schema(required = true)]
    pub partner_id: Option<String>,
    #[schema(required = true)]
    pub buyer_id: Option<String>,
    /// Set once revoked; its tokens stop working at once.
    #[schema(required = true)]
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<ApiClientRow> for ApiClient {
    fn from(row: ApiClientRow) -> ApiClient {
        ApiClient {
            id: row.id,
            client_id: row.client_id,
            name: row.name,
            role: row.role,
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
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub role: Role,
    #[validate(custom(function = "valid_id"))]
    #[schema(format = "uuid")]
    pub partner_id: Option<String>,
    #[validate(custom(function = "valid_id"))]
    #[schema(format = "uuid")]
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

fn find_client(conn: &mut DbConnection, id: &str) -> ServiceResult<ApiClientRow> {
    db::api_clients::find(conn, id)?
        .ok_or_else(|| ServiceError::NotFound(format!("no API client `{id}`")))
}

/// List API clients, oldest first.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    query: ClientListQuery,
    page: Page,
) -> ServiceResult<Slice<ApiClient>> {
    require_admin(principal)?;
    let include_revoked = query.include_revoked.unwrap_or(false);
    state
        .db
        .run(move |conn| {
            let rows =
                db::api_clients::list(conn, include_revoked, page.after.as_deref(), page.fetch())?;
            Ok(Slice::of(
                &page,
                rows,
                |row| row.id.clone(),
                ApiClient::from,
            ))
        })
        .await
}

/// Create an API client; the answer is the only time its secret is shown.
pub async fn create(
    state: &AppState,
    principal: &Principal,
    body: NewApiClient,
) -> ServiceResult<CreatedApiClient> {
    require_admin(principal)?;
    let client_secret = random_token(32);
    let secret_hash = super::hashing::hash(state, client_secret.clone()).await?;
    let now = state.clock.now_naive();
    let row = ApiClientRow {
        id: db::new_id(),
        client_id: format!("osec_{}", random_token(12)),
        name: body.name.trim().to_owned(),
        secret_hash,
        role: body.role,
        partner_id: body.partner_id.clone(),
        buyer_id: body.buyer_id.clone(),
        revoked_at: None,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let row = state
        .db
        .write(move |conn| -> ServiceResult<ApiClientRow> {
            let partner_id = row.partner_id.as_deref();
            let buyer_id = row.buyer_id.as_deref();
            let mut found = validate_binding(&body, row.role, partner_id, buyer_id);
            check_organisation_exists(conn, &mut found, partner_id, buyer_id)?;
            Findings::new(found).done()?;
            db::api_clients::insert(conn, &row)?;
            Ok(row.clone())
        })
        .await?;
    Ok(CreatedApiClient {
        client: ApiClient::from(row),
        client_secret,
    })
}

/// Read one API client (never its secret).
pub async fn get(state: &AppState, principal: &Principal, id: String) -> ServiceResult<ApiClient> {
    require_admin(principal)?;
    state
        .db
        .run(move |conn| find_client(conn, &id).map(ApiClient::from))
        .await
}

/// Revoke an API client: its tokens stop working at once. Revoking twice is harmless.
pub async fn revoke(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
) -> ServiceResult<()> {
    require_admin(principal)?;
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            db::lock(conn, Lockable::ApiClients, &id)?;
            let client = find_client(conn, &id)?;
            check_version(&expected, &client.id, client.version, false)?;
            if client.revoked_at.is_none() {
                written(db::api_clients::revoke(conn, &id, now)?, "API client")?;
            }
            Ok(())
        })
        .await
}

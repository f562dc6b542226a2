//! `POST /auth/token` and `GET /me`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::responses as r;
use crate::app::AppState;
use crate::auth::login::{self, Credentials};
use crate::auth::{Principal, PrincipalKind};
use crate::domain::access::Role;
use crate::error::{ApiError, ApiResult};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(token).service(me);
}

/// The two grants: a person's email and password, or a machine's client credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(tag = "grant_type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TokenRequest {
    #[schema(example = json!({"grant_type": "password", "email": "admin@example.org", "password": "change-me-now-please"}))]
    Password { email: String, password: String },
    #[schema(example = json!({"grant_type": "client_credentials", "client_id": "osec_3f9a1c2b7d4e5f60", "client_secret": "kY3…"}))]
    ClientCredentials {
        client_id: String,
        client_secret: String,
    },
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    #[schema(example = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJzdWIiOi…")]
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    #[schema(example = 900)]
    pub expires_in: i64,
}

/// Exchange credentials for an access token.
///
/// After 5 failures within a minute for one account (or client) or one address, further
/// attempts answer 429 with `Retry-After` until the window moves on.
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 413, response = r::PayloadTooLarge),
        (status = 415, response = r::UnsupportedMediaType),
        (status = 429, response = r::TooManyRequests),
        (status = 503, response = r::Unavailable),
    )
)]
#[post("/auth/token")]
pub async fn token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let credentials = match body.into_inner() {
        TokenRequest::Password { email, password } => Credentials::Password { email, password },
        TokenRequest::ClientCredentials {
            client_id,
            client_secret,
        } => Credentials::ClientSecret {
            client_id,
            secret: client_secret,
        },
    };
    // The socket's address, not X-Forwarded-For, which any caller could forge.
    let address = req
        .peer_addr()
        .map(|addr| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned());
    let now = state.clock.now();
    let authenticated = state
        .db
        .run(move |conn| login::authenticate(conn, &credentials, &address, now))
        .await?;
    let (access_token, expires_at) = state
        .jwt
        .issue(
            now,
            authenticated.subject,
            &authenticated.id,
            authenticated.role,
            authenticated.generation,
        )
        .map_err(|e| ApiError::Internal(format!("token signing: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer".to_owned(),
            expires_in: expires_at - now.timestamp(),
        }))
}

/// The principal a token acts as.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "principal_type": "user", "id": "0193a5b2-7c1e-7d3a-9f10-2b3c4d5e6f70", "role": "partner",
    "partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "buyer_id": null,
    "token_expires_at": "2026-11-28T18:45:00Z"
}))]
pub struct Me {
    pub principal_type: PrincipalKind,
    /// The user's or API client's id.
    pub id: String,
    pub role: Role,
    pub partner_id: Option<String>,
    pub buyer_id: Option<String>,
    pub token_expires_at: chrono::DateTime<chrono::Utc>,
}

/// Who the bearer token acts as.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The calling principal", body = Me),
        (status = 401, response = r::Unauthorized),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/me")]
pub async fn me(principal: Principal) -> HttpResponse {
    HttpResponse::Ok().json(Me {
        principal_type: principal.kind,
        token_expires_at: chrono::DateTime::from_timestamp(principal.expires_at, 0)
            .unwrap_or_default(),
        id: principal.id,
        role: principal.role,
        partner_id: principal.partner_id,
        buyer_id: principal.buyer_id,
    })
}

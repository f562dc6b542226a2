//! Sessions: credentials exchanged for an access token, with repeated failures throttled
//! per account and per address (kept in the database, so it holds across replicas); and
//! a token resolved to the principal it acts as, as the database says now.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::normalise_email;
use super::{ServiceError, ServiceResult};
use crate::auth::jwt::{Claims, TokenSubject};
use crate::auth::password;
use crate::db::{self, DbConnection};
use crate::domain::access::{Principal, PrincipalKind, Role};
use crate::domain::throttle;
use crate::state::AppState;

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

impl From<Principal> for Me {
    fn from(principal: Principal) -> Me {
        Me {
            principal_type: principal.kind,
            token_expires_at: DateTime::from_timestamp(principal.expires_at, 0).unwrap_or_default(),
            id: principal.id,
            role: principal.role,
            partner_id: principal.partner_id,
            buyer_id: principal.buyer_id,
        }
    }
}

/// Who the credentials proved to be, ready to be put in a token.
struct Authenticated {
    subject: TokenSubject,
    id: String,
    role: Role,
    generation: i32,
}

/// Exchange credentials for an access token. `address` is the caller's, the second key
/// failures are throttled by.
pub async fn issue_token(
    state: &AppState,
    credentials: TokenRequest,
    address: String,
) -> ServiceResult<TokenResponse> {
    let now = state.clock.now();
    // Argon2 runs in there too, on the blocking pool.
    let authenticated = state
        .db
        .run(move |conn| authenticate(conn, &credentials, &address, now))
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
        .map_err(|e| ServiceError::Internal(format!("token signing: {e}")))?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: expires_at - now.timestamp(),
    })
}

fn authenticate(
    conn: &mut DbConnection,
    credentials: &TokenRequest,
    address: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Authenticated> {
    let account_key = match credentials {
        TokenRequest::Password { email, .. } => format!("account:{}", normalise_email(email)),
        TokenRequest::ClientCredentials { client_id, .. } => format!("client:{client_id}"),
    };
    let keys = [account_key, format!("address:{address}")];
    let window_start = throttle::window_start(now).naive_utc();
    let failures = db::login_failures::since(conn, &keys, window_start)?;
    for key in &keys {
        let of_key: Vec<DateTime<Utc>> = failures
            .iter()
            .filter(|(failed_key, _)| failed_key == key)
            .map(|(_, at)| at.and_utc())
            .collect();
        if let Some(retry_after_secs) = throttle::retry_after(&of_key, now) {
            return Err(ServiceError::TooManyRequests { retry_after_secs });
        }
    }
    match check(conn, credentials)? {
        Some(authenticated) => Ok(authenticated),
        None => {
            db::login_failures::record(conn, &keys, now.naive_utc(), window_start)?;
            Err(ServiceError::Unauthorized("invalid credentials".to_owned()))
        }
    }
}

/// Who the credentials prove to be, if they do. An unknown account costs the same time
/// as a wrong secret, so that response times do not reveal which accounts exist.
fn check(
    conn: &mut DbConnection,
    credentials: &TokenRequest,
) -> ServiceResult<Option<Authenticated>> {
    Ok(match credentials {
        TokenRequest::Password { email, password } => {
            match db::users::find_by_email(conn, &normalise_email(email))? {
                Some(user) if user.active && password::verify(password, &user.password_hash) => {
                    Some(Authenticated {
                        subject: TokenSubject::User,
                        id: user.id,
                        role: user.role,
                        generation: user.token_generation,
                    })
                }
                Some(_) => None,
                None => {
                    password::verify_decoy(password);
                    None
                }
            }
        }
        TokenRequest::ClientCredentials {
            client_id,
            client_secret,
        } => match db::api_clients::find_by_client_id(conn, client_id)? {
            Some(client)
                if client.revoked_at.is_none()
                    && password::verify(client_secret, &client.secret_hash) =>
            {
                Some(Authenticated {
                    subject: TokenSubject::ApiClient,
                    id: client.id,
                    role: client.role,
                    generation: 0,
                })
            }
            Some(_) => None,
            None => {
                password::verify_decoy(client_secret);
                None
            }
        },
    })
}

/// The principal a verified token acts as: its user while active and at the token's
/// generation, or its API client while not revoked. Anything else: the token is revoked.
pub async fn principal_for(state: &AppState, claims: Claims) -> ServiceResult<Principal> {
    state
        .db
        .run(move |conn| {
            let principal = match claims.sub_type {
                TokenSubject::User => db::users::find(conn, &claims.sub)?
                    .filter(|user| user.active && user.token_generation == claims.generation)
                    .map(|user| Principal {
                        kind: PrincipalKind::User,
                        id: user.id,
                        role: user.role,
                        partner_id: user.partner_id,
                        buyer_id: user.buyer_id,
                        expires_at: claims.exp,
                    }),
                TokenSubject::ApiClient => db::api_clients::find(conn, &claims.sub)?
                    .filter(|client| client.revoked_at.is_none())
                    .map(|client| Principal {
                        kind: PrincipalKind::ApiClient,
                        id: client.id,
                        role: client.role,
                        partner_id: client.partner_id,
                        buyer_id: client.buyer_id,
                        expires_at: claims.exp,
                    }),
            };
            principal
                .ok_or_else(|| ServiceError::Unauthorized("the token has been revoked".to_owned()))
        })
        .await
}

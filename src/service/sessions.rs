//! Sessions: credentials exchanged for an access token, with repeated failures throttled
//! (kept in the database, so it holds across replicas); and
//! a token resolved to the principal it acts as, as the database says now.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::users::normalise_email;
use super::{ServiceError, ServiceResult};
use crate::auth::jwt::{Claims, TokenSubject};
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
    #[schema(required = true)]
    pub partner_id: Option<String>,
    #[schema(required = true)]
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

/// Who the credentials claim to be, ready to be put in a token once the secret checks,
/// with the hash to check it against (`None` when the account cannot sign in: unknown,
/// deactivated or revoked).
struct Claimed {
    subject: TokenSubject,
    id: String,
    role: Role,
    generation: i32,
    stored_hash: Option<String>,
}

/// Exchange credentials for an access token. `address` is the caller's: failures are
/// throttled per account and address, per account, and per address (see
/// [`throttle::Scope`]).
///
/// The attempt is counted as a failure before the secret is checked, in the same
/// transaction that counts the earlier ones, so parallel guesses cannot exceed the
/// limit; a right secret takes it back. The secret is checked off any database
/// connection, in turn with other hashes.
pub async fn issue_token(
    state: &AppState,
    credentials: TokenRequest,
    address: String,
) -> ServiceResult<TokenResponse> {
    let now = state.clock.now();
    let (account, secret) = match &credentials {
        TokenRequest::Password { email, password } => (
            format!("account:{}", normalise_email(email)),
            password.clone(),
        ),
        TokenRequest::ClientCredentials {
            client_id,
            client_secret,
        } => (format!("client:{client_id}"), client_secret.clone()),
    };
    let keys: Vec<String> = throttle::Scope::ALL
        .iter()
        .map(|scope| scope.key(&account, &address))
        .collect();
    let attempt = {
        let keys = keys.clone();
        state
            .db
            .write(move |conn| count_attempt(conn, &keys, &credentials, now))
            .await?
    };
    let (claimed, recorded) = attempt;
    let stored_hash = claimed.as_ref().and_then(|c| c.stored_hash.clone());
    let right = super::hashing::verify(state, secret, stored_hash).await?;
    let Some(claimed) = claimed.filter(|_| right) else {
        return Err(ServiceError::Unauthorized("invalid credentials".to_owned()));
    };
    state
        .db
        .write(move |conn| Ok::<_, ServiceError>(db::login_failures::forget(conn, &recorded)?))
        .await?;
    let (access_token, expires_at) = state
        .jwt
        .issue(
            now,
            claimed.subject,
            &claimed.id,
            claimed.role,
            claimed.generation,
        )
        .map_err(|e| ServiceError::Internal(format!("token signing: {e}")))?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer".to_owned(),
        expires_in: expires_at - now.timestamp(),
    })
}

/// In one transaction on the throttle keys: refuses (429) when any key has reached its
/// limit, else records this attempt as a failure under each key and reads the account
/// claimed. Returns the account (if any) and the failures recorded.
fn count_attempt(
    conn: &mut DbConnection,
    keys: &[String],
    credentials: &TokenRequest,
    now: DateTime<Utc>,
) -> ServiceResult<(Option<Claimed>, Vec<String>)> {
    db::login_failures::lock_keys(conn, keys)?;
    let window_start = throttle::window_start(now).naive_utc();
    let failures = db::login_failures::since(conn, keys, window_start)?;
    for (scope, key) in throttle::Scope::ALL.iter().zip(keys) {
        let of_key: Vec<DateTime<Utc>> = failures
            .iter()
            .filter(|(failed_key, _)| failed_key == key)
            .map(|(_, at)| at.and_utc())
            .collect();
        if let Some(retry_after_secs) = throttle::retry_after(&of_key, scope.limit(), now) {
            return Err(ServiceError::TooManyRequests { retry_after_secs });
        }
    }
    let recorded = db::login_failures::record(conn, keys, now.naive_utc(), window_start)?;
    Ok((claimed(conn, credentials)?, recorded))
}

/// The account the credentials name, with the hash its secret must match.
fn claimed(conn: &mut DbConnection, credentials: &TokenRequest) -> ServiceResult<Option<Claimed>> {
    Ok(match credentials {
        TokenRequest::Password { email, .. } => {
            db::users::find_by_email(conn, &normalise_email(email))?.map(|user| Claimed {
                subject: TokenSubject::User,
                stored_hash: user.active.then_some(user.password_hash),
                id: user.id,
                role: user.role,
                generation: user.token_generation,
            })
        }
        TokenRequest::ClientCredentials { client_id, .. } => {
            db::api_clients::find_by_client_id(conn, client_id)?.map(|client| Claimed {
                subject: TokenSubject::ApiClient,
                stored_hash: client.revoked_at.is_none().then_some(client.secret_hash),
                id: client.id,
                role: client.role,
                generation: 0,
            })
        }
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

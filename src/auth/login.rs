//! Checking credentials for the token endpoint, with throttling of repeated failures
//! per account and per address (kept in the database, so it holds across replicas).

use chrono::{DateTime, Utc};

use crate::auth::jwt::TokenSubject;
use crate::auth::password;
use crate::db::{self, DbConnection};
use crate::domain::access::Role;
use crate::domain::throttle;
use crate::error::{ApiError, ApiResult};

pub enum Credentials {
    Password { email: String, password: String },
    ClientSecret { client_id: String, secret: String },
}

/// Who the credentials proved to be, ready to be put in a token.
pub struct Authenticated {
    pub subject: TokenSubject,
    pub id: String,
    pub role: Role,
    pub generation: i32,
}

pub fn authenticate(
    conn: &mut DbConnection,
    credentials: &Credentials,
    address: &str,
    now: DateTime<Utc>,
) -> ApiResult<Authenticated> {
    let account_key = match credentials {
        Credentials::Password { email, .. } => format!("account:{}", email.trim().to_lowercase()),
        Credentials::ClientSecret { client_id, .. } => format!("client:{client_id}"),
    };
    let keys = [account_key, format!("address:{address}")];
    let window_start = throttle::window_start(now).naive_utc();
    for key in &keys {
        let failures: Vec<DateTime<Utc>> = db::login_failures::since(conn, key, window_start)?
            .into_iter()
            .map(|at| at.and_utc())
            .collect();
        if let Some(retry_after_secs) = throttle::retry_after(&failures, now) {
            return Err(ApiError::TooManyRequests { retry_after_secs });
        }
    }
    match check(conn, credentials)? {
        Some(authenticated) => Ok(authenticated),
        None => {
            db::login_failures::record(conn, &keys, now.naive_utc(), window_start)?;
            Err(ApiError::Unauthorized("invalid credentials".to_owned()))
        }
    }
}

fn check(conn: &mut DbConnection, credentials: &Credentials) -> ApiResult<Option<Authenticated>> {
    Ok(match credentials {
        Credentials::Password { email, password } => {
            match db::users::find_by_email(conn, &email.trim().to_lowercase())? {
                Some(user) if user.active && password::verify(password, &user.password_hash) => {
                    Some(Authenticated {
                        subject: TokenSubject::User,
                        role: user.role(),
                        id: user.id,
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
        Credentials::ClientSecret { client_id, secret } => {
            match db::api_clients::find_by_client_id(conn, client_id)? {
                Some(client)
                    if client.revoked_at.is_none()
                        && password::verify(secret, &client.secret_hash) =>
                {
                    Some(Authenticated {
                        subject: TokenSubject::ApiClient,
                        role: client.role(),
                        id: client.id,
                        generation: 0,
                    })
                }
                Some(_) => None,
                None => {
                    password::verify_decoy(secret);
                    None
                }
            }
        }
    })
}

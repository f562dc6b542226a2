//! The authenticated caller of a request, extracted from its bearer token and checked
//! against the database so that deactivation, role changes and revocation bite at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::jwt::TokenSubject;
use crate::db;
use crate::domain::access::Role;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    User,
    ApiClient,
}

/// Who a request acts as, as the database says now (not as the token said then).
#[derive(Debug, Clone)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub id: String,
    pub role: Role,
    pub partner_id: Option<String>,
    pub buyer_id: Option<String>,
    pub expires_at: i64,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    pub fn require_admin(&self) -> ApiResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "this operation needs the admin role".to_owned(),
            ))
        }
    }
}

/// The caller when a token is sent, `None` for anonymous calls. A token that is sent
/// but invalid is still a 401: a broken client should learn it, not be served less.
pub struct MaybePrincipal(pub Option<Principal>);

fn bearer_token(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| {
        ApiError::Unauthorized("the Authorization header is not readable".to_owned())
    })?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_owned()))
        }
        _ => Err(ApiError::Unauthorized(
            "the Authorization header must be `Bearer <token>`".to_owned(),
        )),
    }
}

async fn authenticate(req: HttpRequest) -> ApiResult<Option<Principal>> {
    let Some(token) = bearer_token(&req)? else {
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("application state missing".to_owned()))?
        .clone();
    let claims = state.jwt.verify(&token).map_err(ApiError::Unauthorized)?;
    let revoked = || ApiError::Unauthorized("the token has been revoked".to_owned());
    let principal = state
        .db
        .run(move |conn| {
            Ok(match claims.sub_type {
                TokenSubject::User => db::users::find(conn, &claims.sub)?
                    .filter(|user| user.active && user.token_generation == claims.generation)
                    .map(|user| Principal {
                        kind: PrincipalKind::User,
                        role: user.role(),
                        id: user.id,
                        partner_id: user.partner_id,
                        buyer_id: user.buyer_id,
                        expires_at: claims.exp,
                    }),
                TokenSubject::ApiClient => db::api_clients::find(conn, &claims.sub)?
                    .filter(|client| client.revoked_at.is_none())
                    .map(|client| Principal {
                        kind: PrincipalKind::ApiClient,
                        role: client.role(),
                        id: client.id,
                        partner_id: client.partner_id,
                        buyer_id: client.buyer_id,
                        expires_at: claims.exp,
                    }),
            })
        })
        .await?;
    principal.map(Some).ok_or_else(revoked)
}

impl FromRequest for MaybePrincipal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(req).await.map(MaybePrincipal) })
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            authenticate(req)
                .await?
                .ok_or_else(|| ApiError::Unauthorized("a bearer token is required".to_owned()))
        })
    }
}

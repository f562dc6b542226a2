//! The authenticated caller of a request, extracted from its bearer token and checked
//! against the database so that deactivation, role changes and revocation bite at once.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};

use crate::domain::access::Principal;
use crate::error::{ApiError, ApiResult};
use crate::service::sessions;
use crate::state::AppState;

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
    Ok(Some(sessions::principal_for(&state, claims).await?))
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

//! `POST /auth/token` and `GET /me`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::responses as r;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::service::sessions::{self, Me, TokenRequest, TokenResponse};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(token).service(me);
}

/// Exchange credentials for an access token.
///
/// Failures are throttled per minute: 5 on one account (or client) from one address, 20
/// on one account from anywhere, 50 from one address; beyond, attempts answer 429 with
/// `Retry-After` until the window moves on. Too many sign-ins at once answer 503.
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
    // The socket's address, not X-Forwarded-For, which any caller could forge.
    let address = req
        .peer_addr()
        .map(|addr| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned());
    let token = sessions::issue_token(&state, body.into_inner(), address).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(token))
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
    HttpResponse::Ok().json(Me::from(principal))
}

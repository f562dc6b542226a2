//! `POST /auth/token` and `GET /me`.

use std::net::IpAddr;

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

/// The caller's address: the socket's, unless it is a trusted proxy, in which case
/// `X-Forwarded-For` is read from the right, past the trusted proxies, to the first
/// address they did not add themselves. From anyone else the header is ignored: any
/// caller could forge it.
fn client_address(req: &HttpRequest, trusted: &[IpAddr]) -> String {
    let Some(mut address) = req.peer_addr().map(|addr| addr.ip()) else {
        return "unknown".to_owned();
    };
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|hop| hop.trim().parse().ok())
        .collect();
    for hop in forwarded.into_iter().rev() {
        if !trusted.contains(&address) {
            break;
        }
        address = hop;
    }
    address.to_string()
}

/// Exchange credentials for an access token.
///
/// Failures are throttled per minute: 5 on one account (or client) from one address, 20
/// on one account from anywhere, 50 from one address; beyond, attempts answer 429 with
/// `Retry-After` until the window moves on. Too many sign-ins at once answer 503.
#[utoipa::path(
    tag = "auth",
    // Anonymous by design: this is where a token comes from.
    security(()),
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
    let address = client_address(&req, &state.trusted_proxies);
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

//! `/api-clients`: machine access for procurement systems, managed by admins.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{IfMatch, PageParams};
use super::pagination::{self, ListResponse, PageQuery};
use super::preconditions::{etag, tagged};
use super::request::{created, location};
use super::responses as r;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::service::api_clients::{
    self, ApiClient, ClientListQuery, CreatedApiClient, NewApiClient,
};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_clients)
        .service(create_client)
        .service(get_client)
        .service(revoke_client);
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
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let slice = api_clients::list(&state, &principal, filter.into_inner(), page).await?;
    Ok(pagination::respond(&req, slice))
}

/// Create an API client; the response is the only time its secret is shown.
#[utoipa::path(
    tag = "api-clients",
    request_body = NewApiClient,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The client and its secret", body = CreatedApiClient,
            headers(("Location" = String), ("ETag" = String))),
        (status = 409, response = r::Conflict),
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
    let created_client = api_clients::create(&state, &principal, body.into_inner()).await?;
    let client = &created_client.client;
    let builder = created(location(&req, &client.id));
    Ok(tagged(
        builder,
        etag(&client.id, client.version),
        &created_client,
    ))
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
    let client = api_clients::get(&state, &principal, id.into_inner()).await?;
    Ok(tagged(
        HttpResponse::Ok(),
        etag(&client.id, client.version),
        &client,
    ))
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
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
) -> ApiResult<HttpResponse> {
    api_clients::revoke(&state, &principal, id.into_inner(), expected).await?;
    Ok(HttpResponse::NoContent().finish())
}

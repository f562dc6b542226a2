//! `/users`: people who sign in, managed by admins.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, get, patch, post, web};
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::{IfMatch, PageParams};
use super::pagination::{self, ListResponse, PageQuery};
use super::preconditions::{etag, tagged};
use super::request::{created, location};
use super::responses as r;
use crate::auth::Principal;
use crate::error::ApiResult;
use crate::service::users::{self, NewUser, User, UserListQuery, UserPatch};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user);
}

/// A user with its ETag.
fn respond_user(builder: HttpResponseBuilder, user: &User) -> HttpResponse {
    tagged(builder, etag(&user.id, user.version), user)
}

/// List users, oldest first.
#[utoipa::path(
    tag = "users",
    params(UserListQuery, PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of users", body = ListResponse<User>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[get("/users")]
pub async fn list_users(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    filter: web::Query<UserListQuery>,
    PageParams(page): PageParams,
) -> ApiResult<HttpResponse> {
    let slice = users::list(&state, &principal, filter.into_inner(), page).await?;
    Ok(pagination::respond(&req, slice))
}

/// Create a user bound to its organisation.
#[utoipa::path(
    tag = "users",
    request_body = NewUser,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The created user", body = User,
            headers(("Location" = String), ("ETag" = String))),
        (status = 409, response = r::Conflict),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[post("/users")]
pub async fn create_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewUser>,
) -> ApiResult<HttpResponse> {
    let user = users::create(&state, &principal, body.into_inner()).await?;
    Ok(respond_user(created(location(&req, &user.id)), &user))
}

/// Read one user.
#[utoipa::path(
    tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = User, headers(("ETag" = String))),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
    )
)]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let user = users::get(&state, &principal, id.into_inner()).await?;
    Ok(respond_user(HttpResponse::Ok(), &user))
}

/// Change a user. Deactivating, changing the role or setting a password revokes the
/// tokens issued before; the last active admin cannot be deactivated or demoted.
#[utoipa::path(
    tag = "users",
    params(
        ("id" = String, Path, description = "The user's id"),
        ("If-Match" = Option<String>, Header, description = "The ETag last read; 412 when stale"),
    ),
    request_body = UserPatch,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated user", body = User, headers(("ETag" = String))),
        (status = 404, response = r::NotFound),
        (status = 409, response = r::Conflict),
        (status = 412, response = r::PreconditionFailed),
        (status = 503, response = r::Unavailable),
        r::CallerErrors,
        r::BodyErrors,
    )
)]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    IfMatch(expected): IfMatch,
    body: web::Json<UserPatch>,
) -> ApiResult<HttpResponse> {
    let user = users::update(
        &state,
        &principal,
        id.into_inner(),
        expected,
        body.into_inner(),
    )
    .await?;
    Ok(respond_user(HttpResponse::Ok(), &user))
}

//! `/users`: people who sign in, managed by admins.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::pagination::{ListResponse, PageQuery};
use super::preconditions::{check_if_match, etag, tagged};
use super::request::{created, given, location, validate_with};
use super::responses as r;
use crate::app::AppState;
use crate::auth::{Principal, password};
use crate::db::{self, DbConnection, users::UserFilter, users::UserRow};
use crate::domain::access::{MIN_PASSWORD_CHARS, Role, check_binding};
use crate::error::{ApiError, ApiResult, FieldError};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(update_user);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-2b3c4d5e6f70", "email": "jeanne@dalibo.example",
    "role": "partner", "partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "buyer_id": null,
    "active": true, "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z",
    "version": 1
}))]
pub struct User {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub partner_id: Option<String>,
    pub buyer_id: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> User {
        User {
            role: row.role(),
            id: row.id,
            email: row.email,
            partner_id: row.partner_id,
            buyer_id: row.buyer_id,
            active: row.active,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "email": "jeanne@dalibo.example", "password": "a long passphrase",
    "role": "partner", "partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa"
}))]
pub struct NewUser {
    #[validate(email, length(max = 254))]
    pub email: String,
    #[validate(length(min = MIN_PASSWORD_CHARS, max = 1024))]
    pub password: String,
    pub role: Role,
    #[validate(custom(function = "valid_id"))]
    pub partner_id: Option<String>,
    #[validate(custom(function = "valid_id"))]
    pub buyer_id: Option<String>,
    /// Defaults to true.
    pub active: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "buyer", "partner_id": null, "buyer_id": "0193a5b2-7c1e-7d3a-9f10-bbbbbbbbbbbb"}))]
pub struct UserPatch {
    #[validate(email, length(max = 254))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub email: Option<String>,
    /// Setting a password revokes the user's existing tokens.
    #[validate(length(min = MIN_PASSWORD_CHARS, max = 1024))]
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub password: Option<String>,
    /// Changing the role revokes the user's existing tokens.
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub role: Option<Role>,
    #[serde(default, deserialize_with = "given")]
    #[validate(custom(function = "valid_id"))]
    #[schema(value_type = Option<String>)]
    pub partner_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "given")]
    #[validate(custom(function = "valid_id"))]
    #[schema(value_type = Option<String>)]
    pub buyer_id: Option<Option<String>>,
    /// Deactivating revokes the user's existing tokens.
    #[schema(nullable = false)]
    #[serde(default, deserialize_with = "given")]
    pub active: Option<bool>,
}

/// Organisation ids are the API's opaque ids (UUIDs).
pub fn valid_id(id: &str) -> Result<(), validator::ValidationError> {
    uuid::Uuid::parse_str(id)
        .map(drop)
        .map_err(|_| super::request::invalid("format", "must be an id issued by this API"))
}

/// Validates a body whose role must fit its organisation ids, reporting both kinds of
/// finding in one 422.
pub fn validate_binding(
    body: &impl Validate,
    role: Role,
    partner_id: Option<&str>,
    buyer_id: Option<&str>,
) -> ApiResult<()> {
    let binding = check_binding(role, partner_id, buyer_id)
        .err()
        .map(|e| FieldError::body(format!("#/{}", e.field), e.code, e.detail));
    validate_with(body, binding.into_iter().collect())
}

/// The partner or buyer a principal is bound to must exist: 422 naming the field if not.
pub fn check_organisation_exists(
    conn: &mut DbConnection,
    partner_id: Option<&str>,
    buyer_id: Option<&str>,
) -> ApiResult<()> {
    let mut missing = Vec::new();
    if let Some(id) = partner_id
        && !db::partners::exists(conn, id)?
    {
        missing.push(FieldError::body(
            "#/partner_id",
            "not_found",
            format!("no partner `{id}`"),
        ));
    }
    if let Some(id) = buyer_id
        && !db::buyers::exists(conn, id)?
    {
        missing.push(FieldError::body(
            "#/buyer_id",
            "not_found",
            format!("no buyer `{id}`"),
        ));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(missing))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Only users with this role.
    pub role: Option<Role>,
    /// Only active (true) or deactivated (false) users.
    pub active: Option<bool>,
    /// Substring of the email, case-insensitive.
    pub q: Option<String>,
}

fn respond_user(builder: HttpResponseBuilder, row: UserRow) -> HttpResponse {
    let tag = etag(&row.id, row.version);
    tagged(builder, tag, &User::from(row))
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
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let page = page.page()?;
    let filter = filter.into_inner();
    let filter = UserFilter {
        role: filter.role,
        active: filter.active,
        q: filter.q,
    };
    let (after, limit) = (page.after.clone(), page.limit + 1);
    let rows = state
        .db
        .run(move |conn| Ok(db::users::list(conn, &filter, after.as_deref(), limit)?))
        .await?;
    Ok(super::pagination::respond(
        &req,
        &page,
        rows,
        |row| row.id.clone(),
        User::from,
    ))
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
    principal.require_admin()?;
    let body = body.into_inner();
    validate_binding(
        &body,
        body.role,
        body.partner_id.as_deref(),
        body.buyer_id.as_deref(),
    )?;
    let password_hash = password::hash(&body.password)
        .map_err(|e| ApiError::Internal(format!("password hashing: {e}")))?;
    let now = state.clock.now_naive();
    let row = UserRow {
        id: db::new_id(),
        email: body.email.trim().to_lowercase(),
        password_hash,
        role: body.role.as_str().to_owned(),
        partner_id: body.partner_id,
        buyer_id: body.buyer_id,
        active: body.active.unwrap_or(true),
        token_generation: 0,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let row = state
        .db
        .run(move |conn| {
            check_organisation_exists(conn, row.partner_id.as_deref(), row.buyer_id.as_deref())?;
            if db::users::find_by_email(conn, &row.email)?.is_some() {
                return Err(ApiError::conflict(format!(
                    "a user with email `{}` already exists",
                    row.email
                )));
            }
            db::users::insert(conn, &row)?;
            Ok(row)
        })
        .await?;
    let builder = created(location(&req, &row.id));
    Ok(respond_user(builder, row))
}

async fn load_user(state: &AppState, id: String) -> ApiResult<UserRow> {
    state
        .db
        .run(move |conn| {
            db::users::find(conn, &id)?.ok_or_else(|| ApiError::NotFound(format!("no user `{id}`")))
        })
        .await
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
    principal.require_admin()?;
    let row = load_user(&state, id.into_inner()).await?;
    Ok(respond_user(HttpResponse::Ok(), row))
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
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
    body: web::Json<UserPatch>,
) -> ApiResult<HttpResponse> {
    principal.require_admin()?;
    let patch = body.into_inner();
    let current = load_user(&state, id.into_inner()).await?;
    check_if_match(&req, &etag(&current.id, current.version), false)?;

    let mut next = current.clone();
    if let Some(email) = &patch.email {
        next.email = email.trim().to_lowercase();
    }
    if let Some(role) = patch.role {
        next.role = role.as_str().to_owned();
    }
    if let Some(partner_id) = patch.partner_id.clone() {
        next.partner_id = partner_id;
    }
    if let Some(buyer_id) = patch.buyer_id.clone() {
        next.buyer_id = buyer_id;
    }
    if let Some(active) = patch.active {
        next.active = active;
    }
    validate_binding(
        &patch,
        next.role(),
        next.partner_id.as_deref(),
        next.buyer_id.as_deref(),
    )?;
    if let Some(new_password) = &patch.password {
        next.password_hash = password::hash(new_password)
            .map_err(|e| ApiError::Internal(format!("password hashing: {e}")))?;
    }
    let revokes_tokens =
        next.role != current.role || (current.active && !next.active) || patch.password.is_some();
    if revokes_tokens {
        next.token_generation += 1;
    }
    next.updated_at = state.clock.now_naive();
    next.version += 1;

    let loses_admin = current.role() == Role::Admin
        && current.active
        && (next.role() != Role::Admin || !next.active);
    let row = state
        .db
        .run(move |conn| {
            db::write_transaction(conn, |conn| {
                check_organisation_exists(
                    conn,
                    next.partner_id
                        .as_deref()
                        .filter(|_| next.partner_id != current.partner_id),
                    next.buyer_id
                        .as_deref()
                        .filter(|_| next.buyer_id != current.buyer_id),
                )?;
                if next.email != current.email
                    && db::users::find_by_email(conn, &next.email)?.is_some()
                {
                    return Err(ApiError::conflict(format!(
                        "a user with email `{}` already exists",
                        next.email
                    )));
                }
                if loses_admin && db::users::count_admins(conn)? <= 1 {
                    return Err(ApiError::conflict(
                        "the last active admin cannot be deactivated or demoted",
                    ));
                }
                if !db::users::update_versioned(conn, &next)? {
                    return Err(ApiError::PreconditionFailed);
                }
                Ok(next)
            })
        })
        .await?;
    Ok(respond_user(HttpResponse::Ok(), row))
}

//! Users: the people who sign in, managed by admins; and the rules users share with API
//! clients (a role bound to existing organisations, secrets hashed off the executor).

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::patch::Patch;
use super::validation::{findings_of, valid_id};
use super::{
    Findings, Page, ServiceError, ServiceResult, Slice, check_version, require_admin, written,
};
use crate::db::users::{UserFilter, UserRow};
use crate::db::{self, DbConnection, Lockable};
use crate::domain::Violation;
use crate::domain::access::{
    MIN_PASSWORD_CHARS, Principal, Role, check_binding, takes_buyer, takes_partner,
};
use crate::domain::version::Expected;
use crate::state::AppState;

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
    #[schema(required = true)]
    pub partner_id: Option<String>,
    #[schema(required = true)]
    pub buyer_id: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> User {
        User {
            id: row.id,
            email: row.email,
            role: row.role,
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
    #[schema(max_length = 254, format = Email)]
    pub email: String,
    #[validate(length(min = MIN_PASSWORD_CHARS, max = 1024))]
    #[schema(min_length = 12, max_length = 1024)]
    pub password: String,
    pub role: Role,
    #[validate(custom(function = "valid_id"))]
    #[schema(format = "uuid")]
    pub partner_id: Option<String>,
    #[validate(custom(function = "valid_id"))]
    #[schema(format = "uuid")]
    pub buyer_id: Option<String>,
    /// Defaults to true.
    pub active: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"role": "buyer", "partner_id": null, "buyer_id": "0193a5b2-7c1e-7d3a-9f10-bbbbbbbbbbbb"}))]
pub struct UserPatch {
    #[validate(email, length(max = 254))]
    #[schema(max_length = 254, format = Email, value_type = String)]
    #[serde(default)]
    pub email: Patch<String>,
    /// Setting a password revokes the user's existing tokens.
    #[validate(length(min = MIN_PASSWORD_CHARS, max = 1024))]
    #[schema(min_length = 12, max_length = 1024, value_type = String)]
    #[serde(default)]
    pub password: Patch<String>,
    /// Changing the role revokes the user's existing tokens.
    #[serde(default)]
    #[schema(value_type = Role)]
    pub role: Patch<Role>,
    #[validate(custom(function = "valid_id"))]
    #[schema(format = "uuid", value_type = Option<String>)]
    #[serde(default)]
    pub partner_id: Patch<Option<String>>,
    #[validate(custom(function = "valid_id"))]
    #[schema(format = "uuid", value_type = Option<String>)]
    #[serde(default)]
    pub buyer_id: Patch<Option<String>>,
    /// Deactivating revokes the user's existing tokens.
    #[serde(default)]
    #[schema(value_type = bool)]
    pub active: Patch<bool>,
}

impl UserPatch {
    /// Whether this patch, applied to an active admin, would leave it no longer one.
    fn may_remove_admin(&self) -> bool {
        self.role
            .as_given()
            .is_some_and(|role| *role != Role::Admin)
            || self.active == Patch::Given(false)
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
    #[param(max_length = 200)]
    pub q: Option<String>,
}

/// Emails are stored lower-cased and compared so: unique regardless of case.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The findings of a body whose role must fit its organisation ids: its own rules and
/// the binding's, to be reported in one 422 with those found in the database.
pub fn validate_binding(
    body: &impl Validate,
    role: Role,
    partner_id: Option<&str>,
    buyer_id: Option<&str>,
) -> Vec<Violation> {
    let mut found = findings_of(body);
    if let Err(e) = check_binding(role, partner_id, buyer_id) {
        found.push(Violation::at(format!("#/{}", e.field), e.code, e.detail));
    }
    found
}

/// Adds a `not_found` finding for the partner or buyer a principal is bound to, if it
/// does not exist. A field already found invalid is not looked up: one finding a field.
pub fn check_organisation_exists(
    conn: &mut DbConnection,
    found: &mut Vec<Violation>,
    partner_id: Option<&str>,
    buyer_id: Option<&str>,
) -> ServiceResult<()> {
    let unflagged = |found: &[Violation], pointer: &str| found.iter().all(|v| v.pointer != pointer);
    if let Some(id) = partner_id
        && unflagged(found, "#/partner_id")
        && !db::partners::exists(conn, id)?
    {
        found.push(Violation::at(
            "#/partner_id",
            crate::domain::NOT_FOUND,
            format!("no partner `{id}`"),
        ));
    }
    if let Some(id) = buyer_id
        && unflagged(found, "#/buyer_id")
        && !db::buyers::exists(conn, id)?
    {
        found.push(Violation::at(
            "#/buyer_id",
            crate::domain::NOT_FOUND,
            format!("no buyer `{id}`"),
        ));
    }
    Ok(())
}

fn ensure_email_free(conn: &mut DbConnection, email: &str) -> ServiceResult<()> {
    match db::users::find_by_email(conn, email)? {
        Some(_) => Err(ServiceError::conflict(format!(
            "a user with email `{email}` already exists"
        ))),
        None => Ok(()),
    }
}

fn find_user(conn: &mut DbConnection, id: &str) -> ServiceResult<UserRow> {
    db::users::find(conn, id)?.ok_or_else(|| ServiceError::NotFound(format!("no user `{id}`")))
}

/// List users, oldest first.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    query: UserListQuery,
    page: Page,
) -> ServiceResult<Slice<User>> {
    require_admin(principal)?;
    let filter = UserFilter {
        role: query.role,
        active: query.active,
        q: query.q,
    };
    state
        .db
        .run(move |conn| {
            let rows = db::users::list(conn, &filter, page.after.as_deref(), page.fetch())?;
            Ok(Slice::of(&page, rows, |row| row.id.clone(), User::from))
        })
        .await
}

/// Create a user bound to its organisation.
pub async fn create(state: &AppState, principal: &Principal, body: NewUser) -> ServiceResult<User> {
    require_admin(principal)?;
    let password_hash = super::hashing::hash(state, body.password.clone()).await?;
    let now = state.clock.now_naive();
    let row = UserRow {
        id: db::new_id(),
        email: normalise_email(&body.email),
        password_hash,
        role: body.role,
        partner_id: body.partner_id.clone(),
        buyer_id: body.buyer_id.clone(),
        active: body.active.unwrap_or(true),
        token_generation: 0,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    state
        .db
        .write(move |conn| {
            let partner_id = row.partner_id.as_deref();
            let buyer_id = row.buyer_id.as_deref();
            let mut found = validate_binding(&body, row.role, partner_id, buyer_id);
            check_organisation_exists(conn, &mut found, partner_id, buyer_id)?;
            Findings::new(found).done()?;
            ensure_email_free(conn, &row.email)?;
            db::users::insert(conn, &row)?;
            Ok(User::from(row.clone()))
        })
        .await
}

/// Read one user.
pub async fn get(state: &AppState, principal: &Principal, id: String) -> ServiceResult<User> {
    require_admin(principal)?;
    state
        .db
        .run(move |conn| find_user(conn, &id).map(User::from))
        .await
}

/// Change a user. Deactivating, changing the role or setting a password revokes the
/// tokens issued before; the last active admin cannot be deactivated or demoted.
pub async fn update(
    state: &AppState,
    principal: &Principal,
    id: String,
    expected: Expected,
    patch: UserPatch,
) -> ServiceResult<User> {
    require_admin(principal)?;
    let password_hash = match patch.password.as_given() {
        Some(new_password) => Some(super::hashing::hash(state, new_password.clone()).await?),
        None => None,
    };
    let now = state.clock.now_naive();
    state
        .db
        .write(move |conn| {
            // The admins first, then the target (itself maybe one of them): every writer
            // that may remove an admin locks in this order, so that two admins demoting
            // each other are serialised and the second sees the first's change.
            if patch.may_remove_admin() {
                db::lock_active_admins(conn)?;
            }
            db::lock(conn, Lockable::Users, &id)?;
            let current = find_user(conn, &id)?;
            check_version(&expected, &current.id, current.version, false)?;
            let next = patched(&current, &patch, password_hash.as_deref(), now);

            let mut found = findings_of(&patch);
            found.extend(contradictions(&patch));
            found.extend(unfit_binding(&next, &found));
            // Only a newly bound organisation is looked up: the current one was checked.
            check_organisation_exists(
                conn,
                &mut found,
                next.partner_id
                    .as_deref()
                    .filter(|_| next.partner_id != current.partner_id),
                next.buyer_id
                    .as_deref()
                    .filter(|_| next.buyer_id != current.buyer_id),
            )?;
            Findings::new(found).done()?;
            if next.email != current.email {
                ensure_email_free(conn, &next.email)?;
            }
            if loses_admin(&current, &next) && db::users::count_admins(conn)? <= 1 {
                return Err(ServiceError::conflict(
                    "the last active admin cannot be deactivated or demoted",
                ));
            }
            written(db::users::update_versioned(conn, &next)?, "user")?;
            Ok(User::from(next))
        })
        .await
}

/// What a patch contradicts by itself, whoever it is applied to: a role given with an
/// organisation it does not take, or both organisations at once.
fn contradictions(patch: &UserPatch) -> Vec<Violation> {
    let partner = patch.partner_id.as_given().is_some_and(Option::is_some);
    let buyer = patch.buyer_id.as_given().is_some_and(Option::is_some);
    let refused = |field: &str| {
        Violation::at(
            format!("#/{field}"),
            "not_allowed",
            "not allowed for this role",
        )
    };
    match patch.role.as_given() {
        Some(&role) => [
            (partner && !takes_partner(role)).then(|| refused("partner_id")),
            (buyer && !takes_buyer(role)).then(|| refused("buyer_id")),
        ]
        .into_iter()
        .flatten()
        .collect(),
        None if partner && buyer => vec![Violation::at(
            "#/buyer_id",
            "not_allowed",
            "a user acts for a partner or for a buyer, not both",
        )],
        None => Vec::new(),
    }
}

/// What the patched user lacks or holds against its role, unless the patch itself was
/// found wrong there: the stored user decides it (409), as when a role is given without
/// the organisation it needs and the user has none.
fn unfit_binding(next: &UserRow, found: &[Violation]) -> Option<Violation> {
    let unfit = check_binding(
        next.role,
        next.partner_id.as_deref(),
        next.buyer_id.as_deref(),
    )
    .err()?;
    let pointer = format!("#/{}", unfit.field);
    if found.iter().any(|v| v.pointer == pointer) {
        return None;
    }
    let (code, detail) = if unfit.code == "required" {
        ("unbound", "the user's role needs it, and the user has none")
    } else {
        ("role_mismatch", "the user's role does not take it")
    };
    Some(Violation::at(pointer, code, detail))
}

/// `current` with `patch` applied, at its next version. A new role drops the
/// organisation it does not take, unless the patch names one (and is refused for it).
fn patched(
    current: &UserRow,
    patch: &UserPatch,
    password_hash: Option<&str>,
    now: NaiveDateTime,
) -> UserRow {
    let mut next = current.clone();
    if let Some(email) = patch.email.as_given() {
        next.email = normalise_email(email);
    }
    if let Some(&role) = patch.role.as_given() {
        next.role = role;
        if !takes_partner(role) {
            next.partner_id = None;
        }
        if !takes_buyer(role) {
            next.buyer_id = None;
        }
    }
    if let Some(partner_id) = patch.partner_id.as_given() {
        next.partner_id.clone_from(partner_id);
    }
    if let Some(buyer_id) = patch.buyer_id.as_given() {
        next.buyer_id.clone_from(buyer_id);
    }
    if let Some(&active) = patch.active.as_given() {
        next.active = active;
    }
    if let Some(hash) = password_hash {
        next.password_hash = hash.to_owned();
    }
    // Tokens carry the generation they were issued at: bumping it revokes them.
    let revokes_tokens =
        next.role != current.role || (current.active && !next.active) || password_hash.is_some();
    if revokes_tokens {
        next.token_generation += 1;
    }
    next.updated_at = now;
    next.version += 1;
    next
}

/// Whether the change takes an active admin out of the admins who can act.
fn loses_admin(current: &UserRow, next: &UserRow) -> bool {
    current.role == Role::Admin && current.active && (next.role != Role::Admin || !next.active)
}

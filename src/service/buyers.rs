//! Buyers: the contracting authorities and companies that issue tenders; admins manage
//! them, a buyer reads its own record, and to anyone else another buyer does not exist.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

use super::patch::{Given, Patch};
use super::validation::{checked, invalid, non_blank, on_text, one_of, validate_with};
use super::{Page, ServiceError, ServiceResult, Slice, check_version, require_admin, written};
use crate::db::{self, Lockable, buyers::BuyerFilter, buyers::BuyerRow};
use crate::domain::access::{Principal, can_read_buyer};
use crate::domain::directory::BuyerKind;
use crate::domain::identifiers::{self, IdentifierError};
use crate::domain::version::Expected;
use crate::state::AppState;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-bbbbbbbbbbbb", "name": "Ministère de la Démo numérique (demo)",
    "siret": "90000100900019", "kind": "public_body", "contact_email": "achats@ministere-demo.example",
    "created_at": "2026-11-28T09:00:00Z", "updated_at": "2026-11-28T09:00:00Z", "version": 1
}))]
pub struct Buyer {
    pub id: String,
    pub name: String,
    /// 14 digits with a Luhn key (La Poste's establishments: digit sum a multiple of 5).
    pub siret: String,
    #[schema(value_type = BuyerKind)]
    pub kind: String,
    pub contact_email: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<BuyerRow> for Buyer {
    fn from(row: BuyerRow) -> Buyer {
        Buyer {
            id: row.id,
            name: row.name,
            siret: row.siret,
            kind: row.kind.as_str().to_owned(),
            contact_email: row.contact_email,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

fn valid_siret(siret: &(impl Given<str> + ?Sized)) -> Result<(), ValidationError> {
    on_text(siret, |siret| {
        identifiers::check_siret(siret).map_err(|e| match e {
            IdentifierError::Format => invalid("format", "must be 14 digits"),
            IdentifierError::Checksum => invalid("checksum", "fails the SIRET (Luhn) check"),
        })
    })
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Ministère de la Démo numérique (demo)", "siret": "90000100900019",
    "kind": "public_body", "contact_email": "achats@ministere-demo.example"
}))]
pub struct NewBuyer {
    #[validate(length(max = 200), custom(function = "non_blank"))]
    #[schema(max_length = 200, pattern = r"\S")]
    pub name: String,
    #[validate(custom(function = "valid_siret"))]
    #[schema(pattern = r"^[0-9]{14}$")]
    pub siret: String,
    #[validate(custom(function = "one_of::<BuyerKind>"))]
    #[schema(value_type = BuyerKind)]
    pub kind: String,
    #[validate(email, length(max = 254))]
    #[schema(max_length = 254, format = Email)]
    pub contact_email: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"contact_email": "marches@ministere-demo.example"}))]
pub struct BuyerPatch {
    #[validate(length(max = 200), custom(function = "non_blank"))]
    #[schema(max_length = 200, pattern = r"\S", value_type = String)]
    #[serde(default)]
    pub name: Patch<String>,
    #[validate(custom(function = "valid_siret"))]
    #[schema(pattern = r"^[0-9]{14}$", value_type = String)]
    #[serde(default)]
    pub siret: Patch<String>,
    #[validate(custom(function = "one_of::<BuyerKind>"))]
    #[serde(default)]
    #[schema(value_type = BuyerKind)]
    pub kind: Patch<String>,
    #[validate(email, length(max = 254))]
    #[schema(max_length = 254, format = Email, value_type = String)]
    #[serde(default)]
    pub contact_email: Patch<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BuyerListQuery {
    /// Case-insensitive substring of the name.
    #[param(max_length = 200)]
    pub q: Option<String>,
    pub kind: Option<BuyerKind>,
}

fn no_buyer(id: &str) -> String {
    format!("no buyer `{id}`")
}

fn siret_taken(siret: &str) -> ServiceError {
    ServiceError::conflict(format!("a buyer with SIRET {siret} already exists"))
}

/// A page of buyers, oldest first (admin).
pub async fn list_buyers(
    state: &AppState,
    principal: &Principal,
    query: BuyerListQuery,
    page: Page,
) -> ServiceResult<Slice<Buyer>> {
    require_admin(principal)?;
    let filter = BuyerFilter {
        q: query.q.filter(|q| !q.trim().is_empty()),
        kind: query.kind,
    };
    let (after, limit) = (page.after.clone(), page.fetch());
    let rows = state
        .db
        .run(move |conn| {
            db::buyers::list(conn, &filter, after.as_deref(), limit).map_err(ServiceError::from)
        })
        .await?;
    Ok(Slice::of(&page, rows, |row| row.id.clone(), Buyer::from))
}

/// Registers a buyer (admin).
pub async fn create_buyer(
    state: &AppState,
    principal: &Principal,
    body: NewBuyer,
) -> ServiceResult<Buyer> {
    require_admin(principal)?;
    validate_with(&body, Vec::new())?;
    let now = state.clock.now_naive();
    let row = BuyerRow {
        id: db::new_id(),
        name: body.name.trim().to_owned(),
        kind: checked(&body.kind)?,
        siret: body.siret,
        contact_email: body.contact_email.trim().to_owned(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    let row = state
        .db
        .write(move |conn| {
            if db::buyers::find_by_siret(conn, &row.siret)?.is_some() {
                return Err(siret_taken(&row.siret));
            }
            db::buyers::insert(conn, &row)?;
            Ok(row.clone())
        })
        .await?;
    Ok(Buyer::from(row))
}

/// One buyer, to an admin or to the buyer itself; anyone else is told it does not exist.
pub async fn get_buyer(state: &AppState, principal: &Principal, id: &str) -> ServiceResult<Buyer> {
    can_read_buyer(principal, id)
        .map_err(|refusal| ServiceError::refusal(refusal, || no_buyer(id)))?;
    let id = id.to_owned();
    state
        .db
        .run(move |conn| {
            db::buyers::find(conn, &id)?
                .map(Buyer::from)
                .ok_or_else(|| ServiceError::NotFound(no_buyer(&id)))
        })
        .await
}

/// Changes a buyer (admin); `If-Match` is honoured when sent.
pub async fn update_buyer(
    state: &AppState,
    principal: &Principal,
    id: &str,
    expected: Expected,
    patch: BuyerPatch,
) -> ServiceResult<Buyer> {
    require_admin(principal)?;
    validate_with(&patch, Vec::new())?;
    let id = id.to_owned();
    let now = state.clock.now_naive();
    let row = state
        .db
        .write(move |conn| {
            db::lock(conn, Lockable::Buyers, &id)?;
            let mut next = db::buyers::find(conn, &id)?
                .ok_or_else(|| ServiceError::NotFound(no_buyer(&id)))?;
            check_version(&expected, &next.id, next.version, false)?;
            if let Some(siret) = patch.siret.as_given() {
                if *siret != next.siret && db::buyers::find_by_siret(conn, siret)?.is_some() {
                    return Err(siret_taken(siret));
                }
                next.siret = siret.clone();
            }
            if let Some(name) = patch.name.as_given() {
                next.name = name.trim().to_owned();
            }
            if let Some(kind) = patch.kind.as_given() {
                next.kind = checked(kind)?;
            }
            if let Some(contact_email) = patch.contact_email.as_given() {
                next.contact_email = contact_email.trim().to_owned();
            }
            next.updated_at = now;
            next.version += 1;
            written(db::buyers::update_versioned(conn, &next)?, "buyer")?;
            Ok(next)
        })
        .await?;
    Ok(Buyer::from(row))
}

//! `/contracts`: what each award binds, lot by lot; admins read all, a buyer its own,
//! a partner those it is a member of.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use super::pagination::{ListResponse, PageQuery};
use super::preconditions::{etag, tagged};
use super::responses as r;
use crate::app::AppState;
use crate::auth::Principal;
use crate::db::bids::Bid;
use crate::db::contracts::{
    Contract as ContractRecord, ContractFilter, ContractMemberRow, ContractRow, ContractVisibility,
};
use crate::db::tenders::TenderRow;
use crate::db::{self};
use crate::domain::access::Role;
use crate::error::{ApiError, ApiResult};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_contracts).service(get_contract);
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ContractMember {
    pub partner_id: String,
    pub share_bps: i32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-444444444444", "tender_id": "0193a5b2-7c1e-7d3a-9f10-111111111111",
    "lot_id": "0193a5b2-7c1e-7d3a-9f10-222222222222", "bid_id": "0193a5b2-7c1e-7d3a-9f10-333333333333",
    "buyer_id": "0193a5b2-7c1e-7d3a-9f10-bbbbbbbbbbbb",
    "members": [{"partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "share_bps": 7000},
                {"partner_id": "0193a5b2-7c1e-7d3a-9f10-cccccccccccc", "share_bps": 3000}],
    "value_minor": 75000000, "currency": "EUR",
    "created_at": "2027-02-10T09:00:00Z", "updated_at": "2027-02-10T09:00:00Z", "version": 1
}))]
pub struct Contract {
    pub id: String,
    pub tender_id: String,
    pub lot_id: String,
    pub bid_id: String,
    pub buyer_id: String,
    /// The winning bid's members and shares.
    pub members: Vec<ContractMember>,
    /// The winning bid's price.
    pub value_minor: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl From<ContractRecord> for Contract {
    fn from(contract: ContractRecord) -> Contract {
        let row = contract.row;
        Contract {
            id: row.id,
            tender_id: row.tender_id,
            lot_id: row.lot_id,
            bid_id: row.bid_id,
            buyer_id: row.buyer_id,
            members: contract
                .members
                .into_iter()
                .map(|m| ContractMember {
                    partner_id: m.partner_id,
                    share_bps: m.share_bps,
                })
                .collect(),
            value_minor: row.value_minor,
            currency: row.currency,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

/// The contract an award of `bid` on `tender` creates: the buyer, the lot, the bid's
/// members and shares, and its price as the value.
pub(super) fn contract_for(tender: &TenderRow, bid: &Bid, now: NaiveDateTime) -> ContractRecord {
    let id = db::new_id();
    ContractRecord {
        members: bid
            .members
            .iter()
            .map(|member| ContractMemberRow {
                contract_id: id.clone(),
                partner_id: member.partner_id.clone(),
                position: member.position,
                share_bps: member.share_bps,
            })
            .collect(),
        row: ContractRow {
            id,
            tender_id: tender.id.clone(),
            lot_id: bid.row.lot_id.clone(),
            bid_id: bid.row.id.clone(),
            buyer_id: tender.buyer_id.clone(),
            value_minor: bid.row.price_minor,
            currency: bid.row.currency.clone(),
            created_at: now,
            updated_at: now,
            version: 1,
        },
    }
}

/// Admins read every contract, a buyer its own, a partner those it is a member of.
fn visibility(principal: &Principal) -> ApiResult<ContractVisibility> {
    match (principal.role, &principal.buyer_id, &principal.partner_id) {
        (Role::Admin, ..) => Ok(ContractVisibility::All),
        (Role::Buyer, Some(buyer_id), _) => Ok(ContractVisibility::Buyer(buyer_id.clone())),
        (Role::Partner, _, Some(partner_id)) => Ok(ContractVisibility::Member(partner_id.clone())),
        _ => Err(ApiError::Forbidden(
            "this principal acts for no organisation".to_owned(),
        )),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContractListQuery {
    pub tender_id: Option<String>,
    /// Only contracts this partner is a member of.
    pub partner_id: Option<String>,
}

/// List the contracts the caller may read, oldest first.
#[utoipa::path(
    tag = "contracts",
    params(ContractListQuery, PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of contracts", body = ListResponse<Contract>,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when more pages follow"))),
        (status = 400, response = r::BadRequest),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/contracts")]
pub async fn list_contracts(
    req: HttpRequest,
    state: web::Data<AppState>,
    principal: Principal,
    query: web::Query<ContractListQuery>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.page()?;
    let query = query.into_inner();
    let visibility = visibility(&principal)?;
    let filter = ContractFilter {
        tender_id: query.tender_id,
        partner_id: query.partner_id,
    };
    let (after, limit) = (page.after.clone(), page.limit + 1);
    let rows = state
        .db
        .run(move |conn| {
            Ok(db::contracts::list(
                conn,
                &visibility,
                &filter,
                after.as_deref(),
                limit,
            )?)
        })
        .await?;
    Ok(super::pagination::respond(
        &req,
        &page,
        rows,
        |contract| contract.row.id.clone(),
        Contract::from,
    ))
}

/// Read one contract (admin, its buyer, or one of its members).
#[utoipa::path(
    tag = "contracts",
    params(("id" = String, Path, description = "The contract's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The contract", body = Contract, headers(("ETag" = String))),
        (status = 401, response = r::Unauthorized),
        (status = 403, response = r::Forbidden),
        (status = 404, response = r::NotFound),
        (status = 503, response = r::Unavailable),
    )
)]
#[get("/contracts/{id}")]
pub async fn get_contract(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let visibility = visibility(&principal)?;
    let contract = state
        .db
        .run(move |conn| {
            db::contracts::find(conn, &id)?
                .filter(|contract| match &visibility {
                    ContractVisibility::All => true,
                    ContractVisibility::Buyer(buyer_id) => contract.row.buyer_id == *buyer_id,
                    ContractVisibility::Member(partner_id) => {
                        contract.members.iter().any(|m| m.partner_id == *partner_id)
                    }
                })
                .ok_or_else(|| ApiError::NotFound(format!("no contract `{id}`")))
        })
        .await?;
    let tag = etag(&contract.row.id, contract.row.version);
    Ok(tagged(HttpResponse::Ok(), tag, &Contract::from(contract)))
}

//! Contracts: what each award binds, lot by lot; admins read all, a buyer its own, a
//! partner those it is a member of.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Page, ServiceError, ServiceResult, Slice};
use crate::db::bids::Bid;
use crate::db::contracts::{
    Contract as ContractRecord, ContractFilter, ContractMemberRow, ContractRow,
};
use crate::db::tenders::TenderRow;
use crate::db::{self, DbConnection};
use crate::domain::access::{self, ContractView, Principal};
use crate::state::AppState;

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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContractListQuery {
    pub tender_id: Option<String>,
    /// Only contracts this partner is a member of.
    pub partner_id: Option<String>,
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

/// How the caller sees contracts (and the ledger): all, its buyer's, or its partner's.
pub(super) fn view_of(principal: &Principal) -> ServiceResult<ContractView> {
    access::contract_view(principal).map_err(|refusal| ServiceError::refusal(refusal, String::new))
}

/// The contract, if `view` shows it; anyone else gets 404.
pub(super) fn readable(
    conn: &mut DbConnection,
    view: &ContractView,
    id: &str,
) -> ServiceResult<ContractRecord> {
    db::contracts::find(conn, id)?
        .filter(|contract| {
            let members: Vec<&str> = contract
                .members
                .iter()
                .map(|m| m.partner_id.as_str())
                .collect();
            view.shows(&contract.row.buyer_id, &members)
        })
        .ok_or_else(|| ServiceError::NotFound(format!("no contract `{id}`")))
}

/// The contracts the caller may read, oldest first.
pub async fn list_contracts(
    state: &AppState,
    principal: &Principal,
    query: ContractListQuery,
    page: Page,
) -> ServiceResult<Slice<Contract>> {
    let view = view_of(principal)?;
    let filter = ContractFilter {
        tender_id: query.tender_id,
        partner_id: query.partner_id,
    };
    let (after, fetch) = (page.after.clone(), page.fetch());
    let rows = state
        .db
        .run(move |conn| {
            Ok::<_, ServiceError>(db::contracts::list(
                conn,
                &view,
                &filter,
                after.as_deref(),
                fetch,
            )?)
        })
        .await?;
    Ok(Slice::of(&page, rows, |c| c.row.id.clone(), Contract::from))
}

/// One contract, for admins, its buyer and its members; anyone else: 404.
pub async fn get_contract(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> ServiceResult<Contract> {
    let view = view_of(principal)?;
    state
        .db
        .run(move |conn| readable(conn, &view, &id).map(Contract::from))
        .await
}

//! Revenue-share agreements: made with each contract at award, read by the contract's
//! readers, changed by admins until the contract's first posting freezes them.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::{Findings, ServiceError, ServiceResult, check_version, written};
use crate::config::RevenueShareDefaults;
use crate::db::contracts::Contract as ContractRecord;
use crate::db::revenue_shares::{AllocationRow, RevenueShare as Record, RevenueShareRow, ShareRow};
use crate::db::{self, DbConnection, Lockable};
use crate::domain::access::Principal;
use crate::domain::ledger::{MAX_MEMBERS, MAX_PROJECT_WEIGHT, MAX_PROJECTS};
use crate::domain::money::WHOLE_BPS;
use crate::domain::version::Expected;
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct Allocation {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub project_id: String,
    /// The project's weight within the upstream part.
    #[validate(range(min = 1, max = 1000))]
    #[schema(minimum = 1, maximum = 1000)]
    pub weight: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct MemberShare {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub partner_id: String,
    /// This member's share of the members' part, in basis points; shares sum to 10000.
    #[validate(range(min = 1, max = 10000))]
    #[schema(minimum = 1, maximum = 10000)]
    pub share_bps: i32,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-444444444444",
    "contract_id": "0193a5b2-7c1e-7d3a-9f10-444444444444",
    "platform_fee_bps": 500, "upstream_bps": 300, "upstream_floor_bps": 100,
    "upstream_allocation": [{"project_id": "0193a5b2-7c1e-7d3a-9f10-555555555555", "weight": 8}],
    "members": [{"partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "share_bps": 7000},
                {"partner_id": "0193a5b2-7c1e-7d3a-9f10-cccccccccccc", "share_bps": 3000}],
    "frozen": false,
    "created_at": "2027-02-10T09:00:00Z", "updated_at": "2027-02-10T09:00:00Z", "version": 1
}))]
pub struct RevenueShare {
    /// The agreement's id: its contract's.
    pub id: String,
    pub contract_id: String,
    /// The network's governance fee, in basis points of each payment.
    pub platform_fee_bps: i32,
    /// The upstream projects' part, in basis points of each payment.
    pub upstream_bps: i32,
    /// The least `upstream_bps` this network allows.
    pub upstream_floor_bps: i32,
    /// How the upstream part is split among projects, by weight.
    pub upstream_allocation: Vec<Allocation>,
    /// How the members' part (what remains after fees and upstream) is split.
    pub members: Vec<MemberShare>,
    /// True once a payment was posted on the contract: the agreement no longer changes.
    pub frozen: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

impl RevenueShare {
    fn new(record: Record, floor_bps: u32) -> RevenueShare {
        let row = record.row;
        RevenueShare {
            id: row.contract_id.clone(),
            contract_id: row.contract_id,
            platform_fee_bps: row.platform_fee_bps,
            upstream_bps: row.upstream_bps,
            upstream_floor_bps: floor_bps as i32,
            upstream_allocation: record
                .projects
                .into_iter()
                .map(|p| Allocation {
                    project_id: p.project_id,
                    weight: p.weight,
                })
                .collect(),
            members: record
                .members
                .into_iter()
                .map(|m| MemberShare {
                    partner_id: m.partner_id,
                    share_bps: m.share_bps,
                })
                .collect(),
            frozen: row.frozen,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.version,
        }
    }
}

/// The whole agreement, as a PUT replaces it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "platform_fee_bps": 500, "upstream_bps": 400,
    "upstream_allocation": [{"project_id": "0193a5b2-7c1e-7d3a-9f10-555555555555", "weight": 8},
                            {"project_id": "0193a5b2-7c1e-7d3a-9f10-666666666666", "weight": 2}],
    "members": [{"partner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "share_bps": 6000},
                {"partner_id": "0193a5b2-7c1e-7d3a-9f10-cccccccccccc", "share_bps": 4000}]
}))]
pub struct RevenueShareUpdate {
    #[validate(range(min = 0, max = 10000))]
    #[schema(minimum = 0, maximum = 10000)]
    pub platform_fee_bps: i32,
    /// At least the network's floor (`upstream_floor_bps`, 100 by default: 422 below);
    /// with the fee, at most 10000.
    #[validate(range(min = 0, max = 10000))]
    #[schema(minimum = 0, maximum = 10000)]
    pub upstream_bps: i32,
    /// Distinct projects; at least one when `upstream_bps` is above zero.
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub upstream_allocation: Vec<Allocation>,
    /// Exactly the contract's members, each once, shares summing to 10000.
    #[validate(length(min = 1, max = 50), nested)]
    #[schema(min_items = 1, max_items = 50)]
    pub members: Vec<MemberShare>,
}

const _: () = assert!(MAX_PROJECTS == 50 && MAX_MEMBERS == 50 && MAX_PROJECT_WEIGHT == 1000);

/// Locks the projects an agreement will name, in id order (as every locker of several
/// projects does), so that none is deleted before the agreement naming it commits.
fn lock_projects<'a>(
    conn: &mut DbConnection,
    ids: impl IntoIterator<Item = &'a str>,
) -> ServiceResult<()> {
    let ids: std::collections::BTreeSet<&str> = ids.into_iter().collect();
    for id in ids {
        db::lock(conn, Lockable::Projects, id)?;
    }
    Ok(())
}

/// The agreement made with `contract` at award: the configured fee and upstream part,
/// the projects linked to the lot's required skills weighted by those skills' weights
/// (the heaviest `MAX_PROJECTS`), and the bid's members and shares. The projects are
/// locked first, so none can be deleted under the agreement naming it.
pub(super) fn agreement_for(
    conn: &mut DbConnection,
    contract: &ContractRecord,
    defaults: RevenueShareDefaults,
    now: NaiveDateTime,
) -> ServiceResult<()> {
    let contract_id = &contract.row.id;
    let candidates = db::revenue_shares::lot_projects(conn, &contract.row.lot_id)?;
    lock_projects(conn, candidates.iter().map(|(id, _)| id.as_str()))?;
    // Read again under the locks: a project deleted meanwhile is gone from the answer.
    let projects = db::revenue_shares::lot_projects(conn, &contract.row.lot_id)?;
    let record = Record {
        row: RevenueShareRow {
            contract_id: contract_id.clone(),
            platform_fee_bps: defaults.platform_fee_bps as i32,
            upstream_bps: defaults.upstream_bps as i32,
            frozen: false,
            created_at: now,
            updated_at: now,
            version: 1,
        },
        projects: projects
            .into_iter()
            .take(MAX_PROJECTS)
            .enumerate()
            .map(|(position, (project_id, weight))| AllocationRow {
                contract_id: contract_id.clone(),
                project_id,
                position: position as i32,
                weight: weight.clamp(1, MAX_PROJECT_WEIGHT as i64) as i32,
            })
            .collect(),
        members: contract
            .members
            .iter()
            .map(|member| ShareRow {
                contract_id: contract_id.clone(),
                partner_id: member.partner_id.clone(),
                position: member.position,
                share_bps: member.share_bps,
            })
            .collect(),
    };
    Ok(db::revenue_shares::insert(conn, &record)?)
}

/// The contract, if the caller may read it; anyone else gets 404.
fn readable_contract(
    conn: &mut DbConnection,
    principal: &Principal,
    contract_id: &str,
) -> ServiceResult<ContractRecord> {
    super::contracts::readable(conn, &super::contracts::view_of(principal)?, contract_id)
}

fn stored(conn: &mut DbConnection, contract_id: &str) -> ServiceResult<Record> {
    db::revenue_shares::find(conn, contract_id)?.ok_or_else(|| {
        ServiceError::Internal(format!("contract {contract_id} has no revenue share"))
    })
}

/// A contract's agreement, for the contract's readers.
pub async fn get_revenue_share(
    state: &AppState,
    principal: &Principal,
    contract_id: String,
) -> ServiceResult<RevenueShare> {
    let principal = principal.clone();
    let floor = state.revenue_share.upstream_floor_bps;
    state
        .db
        .run(move |conn| {
            readable_contract(conn, &principal, &contract_id)?;
            Ok(RevenueShare::new(stored(conn, &contract_id)?, floor))
        })
        .await
}

/// Replaces a contract's agreement (admins; `If-Match` required), until its first
/// posting.
pub async fn put_revenue_share(
    state: &AppState,
    principal: &Principal,
    contract_id: String,
    expected: Expected,
    update: RevenueShareUpdate,
) -> ServiceResult<RevenueShare> {
    let principal = principal.clone();
    let defaults = state.revenue_share;
    let clock = state.clock.clone();
    state
        .db
        .write(move |conn| {
            // The lock a payment also takes: the freeze and this change never cross.
            db::lock(conn, Lockable::Contracts, &contract_id)?;
            let contract = readable_contract(conn, &principal, &contract_id)?;
            super::require_admin(&principal)?;
            let current = stored(conn, &contract_id)?;
            check_version(
                &expected,
                &current.row.contract_id,
                current.row.version,
                true,
            )?;
            if current.row.frozen {
                return Err(ServiceError::refused_in(
                    "frozen",
                    "a payment was posted on this contract: its agreement no longer changes",
                ));
            }
            check_update(conn, &update, &contract, defaults)?;
            let now = clock.now_naive();
            let record = Record {
                row: RevenueShareRow {
                    platform_fee_bps: update.platform_fee_bps,
                    upstream_bps: update.upstream_bps,
                    updated_at: now,
                    version: current.row.version + 1,
                    ..current.row
                },
                projects: update
                    .upstream_allocation
                    .iter()
                    .enumerate()
                    .map(|(position, allocation)| AllocationRow {
                        contract_id: contract_id.clone(),
                        project_id: allocation.project_id.clone(),
                        position: position as i32,
                        weight: allocation.weight,
                    })
                    .collect(),
                members: update
                    .members
                    .iter()
                    .enumerate()
                    .map(|(position, member)| ShareRow {
                        contract_id: contract_id.clone(),
                        partner_id: member.partner_id.clone(),
                        position: position as i32,
                        share_bps: member.share_bps,
                    })
                    .collect(),
            };
            written(
                db::revenue_shares::replace_versioned(conn, &record)?,
                "revenue share",
            )?;
            Ok(RevenueShare::new(record, defaults.upstream_floor_bps))
        })
        .await
}

/// Every rule a new agreement breaks, in one error: the floor, the whole, distinct
/// projects that exist, and exactly the contract's members with shares summing to 10000.
fn check_update(
    conn: &mut DbConnection,
    update: &RevenueShareUpdate,
    contract: &ContractRecord,
    defaults: RevenueShareDefaults,
) -> ServiceResult<()> {
    let mut findings = Findings::new(super::validation::findings_of(update));
    let floor = defaults.upstream_floor_bps as i32;
    if update.upstream_bps < floor {
        findings.add(
            "#/upstream_bps",
            "below_floor",
            format!("the upstream part may not be below the network's floor of {floor} bps"),
        );
    }
    if update.platform_fee_bps + update.upstream_bps > WHOLE_BPS {
        findings.add(
            "#/upstream_bps",
            "over_whole",
            "the fee and the upstream part together may not exceed 10000 bps",
        );
    }
    if update.upstream_bps > 0 && update.upstream_allocation.is_empty() {
        findings.add(
            "#/upstream_allocation",
            "required",
            "an upstream part needs at least one project to go to",
        );
    }
    lock_projects(
        conn,
        update
            .upstream_allocation
            .iter()
            .map(|a| a.project_id.as_str()),
    )?;
    for (index, allocation) in update.upstream_allocation.iter().enumerate() {
        let pointer = format!("#/upstream_allocation/{index}/project_id");
        if update.upstream_allocation[..index]
            .iter()
            .any(|earlier| earlier.project_id == allocation.project_id)
        {
            findings.add(pointer, "duplicate", "each project appears once");
        } else if db::projects::get(conn, &allocation.project_id)?.is_none() {
            findings.add(pointer, crate::domain::NOT_FOUND, "no such project");
        }
    }
    let shares: i64 = update.members.iter().map(|m| i64::from(m.share_bps)).sum();
    if shares != i64::from(WHOLE_BPS) {
        findings.add(
            "#/members",
            "share_sum",
            format!("members' shares sum to {shares}, not 10000"),
        );
    }
    for (index, member) in update.members.iter().enumerate() {
        let pointer = format!("#/members/{index}/partner_id");
        if update.members[..index]
            .iter()
            .any(|earlier| earlier.partner_id == member.partner_id)
        {
            findings.add(pointer, "duplicate", "each member appears once");
        } else if !contract
            .members
            .iter()
            .any(|m| m.partner_id == member.partner_id)
        {
            findings.add(pointer, "not_member", "not a member of this contract");
        }
    }
    for member in &contract.members {
        if !update
            .members
            .iter()
            .any(|m| m.partner_id == member.partner_id)
        {
            findings.add(
                "#/members",
                "member_missing",
                format!("the contract's member {} needs a share", member.partner_id),
            );
        }
    }
    findings.done()
}

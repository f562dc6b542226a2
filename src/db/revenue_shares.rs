//! Queries on `revenue_shares` and their projects and members: each contract's
//! revenue-share agreement.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{
    ledger_accounts, lot_skills, project_skills, revenue_share_members, revenue_share_projects,
    revenue_shares,
};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = revenue_shares)]
pub struct RevenueShareRow {
    pub contract_id: String,
    pub platform_fee_bps: i32,
    pub upstream_bps: i32,
    pub frozen: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = revenue_share_projects)]
pub struct AllocationRow {
    pub contract_id: String,
    pub project_id: String,
    pub position: i32,
    pub weight: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = revenue_share_members)]
pub struct ShareRow {
    pub contract_id: String,
    pub partner_id: String,
    pub position: i32,
    pub share_bps: i32,
}

/// An agreement with its upstream allocation and members, each in order.
#[derive(Debug, Clone)]
pub struct RevenueShare {
    pub row: RevenueShareRow,
    pub projects: Vec<AllocationRow>,
    pub members: Vec<ShareRow>,
}

pub fn find(conn: &mut DbConnection, contract_id: &str) -> QueryResult<Option<RevenueShare>> {
    let Some(row) = revenue_shares::table
        .find(contract_id)
        .select(RevenueShareRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let projects = revenue_share_projects::table
        .filter(revenue_share_projects::contract_id.eq(contract_id))
        .order(revenue_share_projects::position.asc())
        .select(AllocationRow::as_select())
        .load(conn)?;
    let members = revenue_share_members::table
        .filter(revenue_share_members::contract_id.eq(contract_id))
        .order(revenue_share_members::position.asc())
        .select(ShareRow::as_select())
        .load(conn)?;
    Ok(Some(RevenueShare {
        row,
        projects,
        members,
    }))
}

pub fn insert(conn: &mut DbConnection, share: &RevenueShare) -> QueryResult<()> {
    diesel::insert_into(revenue_shares::table)
        .values(&share.row)
        .execute(conn)?;
    insert_parts(conn, share)
}

/// One statement per row: MultiConnection has no batch insert.
fn insert_parts(conn: &mut DbConnection, share: &RevenueShare) -> QueryResult<()> {
    for project in &share.projects {
        diesel::insert_into(revenue_share_projects::table)
            .values(project)
            .execute(conn)?;
    }
    for member in &share.members {
        diesel::insert_into(revenue_share_members::table)
            .values(member)
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the agreement (terms, allocation and members) if its stored version is
/// `share.row.version - 1`; false when it is not.
pub fn replace_versioned(conn: &mut DbConnection, share: &RevenueShare) -> QueryResult<bool> {
    let id = &share.row.contract_id;
    let updated = diesel::update(
        revenue_shares::table
            .filter(revenue_shares::contract_id.eq(id))
            .filter(revenue_shares::version.eq(share.row.version - 1)),
    )
    .set(&share.row)
    .execute(conn)?;
    if updated == 0 {
        return Ok(false);
    }
    diesel::delete(
        revenue_share_projects::table.filter(revenue_share_projects::contract_id.eq(id)),
    )
    .execute(conn)?;
    diesel::delete(revenue_share_members::table.filter(revenue_share_members::contract_id.eq(id)))
        .execute(conn)?;
    insert_parts(conn, share)?;
    Ok(true)
}

/// Marks the agreement as used by a posting: it never changes again.
pub fn freeze(conn: &mut DbConnection, contract_id: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(
        revenue_shares::table
            .filter(revenue_shares::contract_id.eq(contract_id))
            .filter(revenue_shares::frozen.eq(false)),
    )
    .set((
        revenue_shares::frozen.eq(true),
        revenue_shares::updated_at.eq(now),
        revenue_shares::version.eq(revenue_shares::version + 1),
    ))
    .execute(conn)?;
    Ok(())
}

/// The upstream projects of a lot: those linked to its required skills, each with the
/// sum of the weights of those skills, heaviest first (then by id).
pub fn lot_projects(conn: &mut DbConnection, lot_id: &str) -> QueryResult<Vec<(String, i64)>> {
    let links: Vec<(String, i32)> = project_skills::table
        .inner_join(lot_skills::table.on(lot_skills::skill_id.eq(project_skills::skill_id)))
        .filter(lot_skills::lot_id.eq(lot_id))
        .select((project_skills::project_id, lot_skills::weight))
        .load(conn)?;
    let mut weights: std::collections::BTreeMap<String, i64> = std::collections::BTreeMap::new();
    for (project_id, weight) in links {
        *weights.entry(project_id).or_default() += i64::from(weight);
    }
    let mut projects: Vec<(String, i64)> = weights.into_iter().collect();
    projects.sort_by(|(id_a, weight_a), (id_b, weight_b)| {
        weight_b.cmp(weight_a).then_with(|| id_a.cmp(id_b))
    });
    Ok(projects)
}

/// Whether an agreement allocates to the project, or the ledger holds a fund of it:
/// either way the project stays.
pub fn project_in_use(conn: &mut DbConnection, project_id: &str) -> QueryResult<bool> {
    let allocations: i64 = revenue_share_projects::table
        .filter(revenue_share_projects::project_id.eq(project_id))
        .count()
        .get_result(conn)?;
    let funds: i64 = ledger_accounts::table
        .filter(ledger_accounts::kind.eq("project_fund"))
        .filter(ledger_accounts::owner_id.eq(project_id))
        .count()
        .get_result(conn)?;
    Ok(allocations + funds > 0)
}

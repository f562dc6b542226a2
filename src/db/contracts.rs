//! Queries on `contracts` and `contract_members`: what an award binds, lot by lot.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{contract_members, contracts};
use crate::domain::access::ContractView;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = contracts)]
pub struct ContractRow {
    pub id: String,
    pub tender_id: String,
    pub lot_id: String,
    pub bid_id: String,
    pub buyer_id: String,
    pub value_minor: i64,
    pub currency: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = contract_members)]
pub struct ContractMemberRow {
    pub contract_id: String,
    pub partner_id: String,
    pub position: i32,
    pub share_bps: i32,
}

/// A contract with its members in order.
#[derive(Debug, Clone)]
pub struct Contract {
    pub row: ContractRow,
    pub members: Vec<ContractMemberRow>,
}

#[derive(Debug, Default)]
pub struct ContractFilter {
    pub tender_id: Option<String>,
    pub partner_id: Option<String>,
}

pub fn insert(conn: &mut DbConnection, contract: &Contract) -> QueryResult<()> {
    diesel::insert_into(contracts::table)
        .values(&contract.row)
        .execute(conn)?;
    // One statement per row: MultiConnection has no batch insert.
    for member in &contract.members {
        diesel::insert_into(contract_members::table)
            .values(member)
            .execute(conn)?;
    }
    Ok(())
}

fn with_members(conn: &mut DbConnection, rows: Vec<ContractRow>) -> QueryResult<Vec<Contract>> {
    let ids: Vec<&String> = rows.iter().map(|row| &row.id).collect();
    let members: Vec<ContractMemberRow> = contract_members::table
        .filter(contract_members::contract_id.eq_any(ids))
        .select(ContractMemberRow::as_select())
        .order((
            contract_members::contract_id.asc(),
            contract_members::position.asc(),
        ))
        .load(conn)?;
    let mut grouped: HashMap<String, Vec<ContractMemberRow>> = HashMap::new();
    for member in members {
        grouped
            .entry(member.contract_id.clone())
            .or_default()
            .push(member);
    }
    Ok(rows
        .into_iter()
        .map(|row| Contract {
            members: grouped.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Contract>> {
    let row = contracts::table
        .find(id)
        .select(ContractRow::as_select())
        .first(conn)
        .optional()?;
    Ok(with_members(conn, row.into_iter().collect())?.pop())
}

/// One page in id order (creation order), after `after`.
pub fn list(
    conn: &mut DbConnection,
    view: &ContractView,
    filter: &ContractFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Contract>> {
    let mut query = contracts::table
        .select(ContractRow::as_select())
        .into_boxed();
    let partners: Vec<&String> = match view {
        ContractView::All => Vec::new(),
        ContractView::Buyer(buyer_id) => {
            query = query.filter(contracts::buyer_id.eq(buyer_id.clone()));
            Vec::new()
        }
        ContractView::Member(partner_id) => vec![partner_id],
    }
    .into_iter()
    .chain(filter.partner_id.as_ref())
    .collect();
    for partner_id in partners {
        query = query.filter(
            contracts::id.eq_any(
                contract_members::table
                    .filter(contract_members::partner_id.eq(partner_id.clone()))
                    .select(contract_members::contract_id),
            ),
        );
    }
    if let Some(tender_id) = &filter.tender_id {
        query = query.filter(contracts::tender_id.eq(tender_id.clone()));
    }
    if let Some(after) = after {
        query = query.filter(contracts::id.gt(after.to_owned()));
    }
    let rows = query.order(contracts::id.asc()).limit(limit).load(conn)?;
    with_members(conn, rows)
}

/// How many contracts the partner is a member of (a partner with contracts stays).
pub fn count_for_partner(conn: &mut DbConnection, partner_id: &str) -> QueryResult<i64> {
    contract_members::table
        .filter(contract_members::partner_id.eq(partner_id))
        .count()
        .get_result(conn)
}

//! Queries on `bids` and `bid_members`: consortium bids on lots and their members' answers.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{bid_members, bids, partners};
use crate::domain::access::BidView;
use crate::domain::bid::{BidStatus, MemberResponse};
use crate::domain::directory::PartnerStatus;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = bids, treat_none_as_null = true)]
pub struct BidRow {
    pub id: String,
    pub tender_id: String,
    pub lot_id: String,
    pub lead_partner_id: String,
    pub price_minor: i64,
    pub currency: String,
    pub technical_summary: String,
    pub status: BidStatus,
    pub submitted_at: Option<NaiveDateTime>,
    /// Set while live, so that the database keeps one live bid per lead per lot.
    pub live_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
    /// The value-chain flags as JSON, written at submission.
    pub value_chain: Option<String>,
}

impl BidRow {
    /// Moves the bid to `status`, freeing its lead's place on the lot when it stops
    /// being live.
    pub fn set_status(&mut self, status: BidStatus) {
        self.status = status;
        self.live_key = status
            .is_live()
            .then(|| live_key(&self.lot_id, &self.lead_partner_id));
    }
}

pub fn live_key(lot_id: &str, lead_partner_id: &str) -> String {
    format!("{lot_id}/{lead_partner_id}")
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = bid_members, treat_none_as_null = true)]
pub struct BidMemberRow {
    pub bid_id: String,
    pub partner_id: String,
    pub position: i32,
    pub share_bps: i32,
    pub response: MemberResponse,
    pub responded_at: Option<NaiveDateTime>,
}

/// A bid with its members in order.
#[derive(Debug, Clone)]
pub struct Bid {
    pub row: BidRow,
    pub members: Vec<BidMemberRow>,
}

impl Bid {
    pub fn is_member(&self, partner_id: &str) -> bool {
        self.members.iter().any(|m| m.partner_id == partner_id)
    }
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Bid>> {
    let row = bids::table
        .find(id)
        .select(BidRow::as_select())
        .first(conn)
        .optional()?;
    Ok(with_members(conn, row.into_iter().collect())?.pop())
}

/// The tender a bid is on.
pub fn tender_of(conn: &mut DbConnection, id: &str) -> QueryResult<Option<String>> {
    bids::table
        .find(id)
        .select(bids::tender_id)
        .first(conn)
        .optional()
}

/// `rows` with their members in order: one query for any number of bids.
fn with_members(conn: &mut DbConnection, rows: Vec<BidRow>) -> QueryResult<Vec<Bid>> {
    let ids: Vec<&String> = rows.iter().map(|row| &row.id).collect();
    let members: Vec<BidMemberRow> = bid_members::table
        .filter(bid_members::bid_id.eq_any(ids))
        .select(BidMemberRow::as_select())
        .order((bid_members::bid_id.asc(), bid_members::position.asc()))
        .load(conn)?;
    let mut grouped: HashMap<String, Vec<BidMemberRow>> = HashMap::new();
    for member in members {
        grouped
            .entry(member.bid_id.clone())
            .or_default()
            .push(member);
    }
    Ok(rows
        .into_iter()
        .map(|row| Bid {
            members: grouped.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// Whether a live bid holds this lead's place on the lot.
pub fn live_key_taken(conn: &mut DbConnection, key: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        bids::table.filter(bids::live_key.eq(key)),
    ))
    .get_result(conn)
}

pub fn insert(conn: &mut DbConnection, bid: &Bid) -> QueryResult<()> {
    diesel::insert_into(bids::table)
        .values(&bid.row)
        .execute(conn)?;
    insert_members(conn, &bid.members)
}

fn insert_members(conn: &mut DbConnection, members: &[BidMemberRow]) -> QueryResult<()> {
    // One statement per row: MultiConnection has no batch insert.
    for member in members {
        diesel::insert_into(bid_members::table)
            .values(member)
            .execute(conn)?;
    }
    Ok(())
}

/// Writes the bid's own row if the stored version is still `row.version - 1`.
pub fn update_versioned(conn: &mut DbConnection, row: &BidRow) -> QueryResult<bool> {
    diesel::update(
        bids::table
            .filter(bids::id.eq(&row.id))
            .filter(bids::version.eq(row.version - 1)),
    )
    .set(row)
    .execute(conn)
    .map(|n| n == 1)
}

/// Replaces the bid's members (when the lead changed the consortium).
pub fn replace_members(
    conn: &mut DbConnection,
    bid_id: &str,
    members: &[BidMemberRow],
) -> QueryResult<()> {
    diesel::delete(bid_members::table.filter(bid_members::bid_id.eq(bid_id))).execute(conn)?;
    insert_members(conn, members)
}

/// Records one member's answer.
pub fn record_response(conn: &mut DbConnection, member: &BidMemberRow) -> QueryResult<()> {
    diesel::update(
        bid_members::table
            .filter(bid_members::bid_id.eq(&member.bid_id))
            .filter(bid_members::partner_id.eq(&member.partner_id)),
    )
    .set((
        bid_members::response.eq(member.response),
        bid_members::responded_at.eq(member.responded_at),
    ))
    .execute(conn)
    .map(drop)
}

/// The status of each of `partner_ids` that exists: one query for a whole consortium.
pub fn partner_statuses(
    conn: &mut DbConnection,
    partner_ids: &[&str],
) -> QueryResult<HashMap<String, PartnerStatus>> {
    Ok(partners::table
        .filter(partners::id.eq_any(partner_ids))
        .select((partners::id, partners::status))
        .load::<(String, PartnerStatus)>(conn)?
        .into_iter()
        .collect())
}

/// One page of a tender's bids in id order (creation order), after `after`.
pub fn list_for_tender(
    conn: &mut DbConnection,
    tender_id: &str,
    view: &BidView,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Bid>> {
    let mut query = bids::table
        .filter(bids::tender_id.eq(tender_id))
        .select(BidRow::as_select())
        .into_boxed();
    match view {
        BidView::All => {}
        BidView::Submitted => {
            let shown = [
                BidStatus::Submitted,
                BidStatus::Awarded,
                BidStatus::Rejected,
            ];
            query = query.filter(bids::status.eq_any(shown));
        }
        BidView::MemberOf(partner_id) => {
            query = query.filter(
                bids::id.eq_any(
                    bid_members::table
                        .filter(bid_members::partner_id.eq(partner_id.clone()))
                        .select(bid_members::bid_id),
                ),
            );
        }
    }
    if let Some(after) = after {
        query = query.filter(bids::id.gt(after.to_owned()));
    }
    let rows: Vec<BidRow> = query.order(bids::id.asc()).limit(limit).load(conn)?;
    with_members(conn, rows)
}

/// Every bid of the tender in `status`, with members.
pub fn with_status(
    conn: &mut DbConnection,
    tender_id: &str,
    status: BidStatus,
) -> QueryResult<Vec<Bid>> {
    let rows: Vec<BidRow> = bids::table
        .filter(bids::tender_id.eq(tender_id))
        .filter(bids::status.eq(status))
        .select(BidRow::as_select())
        .order(bids::id.asc())
        .load(conn)?;
    with_members(conn, rows)
}

/// How many bids of the tender were submitted (and are still submitted).
pub fn count_submitted(conn: &mut DbConnection, tender_id: &str) -> QueryResult<i64> {
    bids::table
        .filter(bids::tender_id.eq(tender_id))
        .filter(bids::status.eq(BidStatus::Submitted))
        .count()
        .get_result(conn)
}

/// How many bids the partner leads or joins (a partner with bids cannot be deleted).
pub fn count_for_partner(conn: &mut DbConnection, partner_id: &str) -> QueryResult<i64> {
    bid_members::table
        .filter(bid_members::partner_id.eq(partner_id))
        .count()
        .get_result(conn)
}

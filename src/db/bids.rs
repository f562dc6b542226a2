//! Queries on `bids` and `bid_members`: consortium bids on lots and their members' answers.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{bid_members, bids};
use crate::domain::bid::{BidStatus, MemberResponse};

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
    pub status: String,
    pub submitted_at: Option<NaiveDateTime>,
    /// Set while live, so that the database keeps one live bid per lead per lot.
    pub live_key: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub version: i32,
}

impl BidRow {
    /// The column only ever holds names of [`BidStatus`] (and a CHECK says so).
    pub fn status(&self) -> BidStatus {
        BidStatus::parse(&self.status).unwrap_or(BidStatus::Draft)
    }

    /// Moves the bid to `status`, freeing its lead's place on the lot when it stops
    /// being live.
    pub fn set_status(&mut self, status: BidStatus) {
        self.status = status.as_str().to_owned();
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
    pub response: String,
    pub responded_at: Option<NaiveDateTime>,
}

impl BidMemberRow {
    /// The column only ever holds names of [`MemberResponse`] (and a CHECK says so).
    pub fn response(&self) -> MemberResponse {
        MemberResponse::parse(&self.response).unwrap_or(MemberResponse::Pending)
    }
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

/// Which bids of a tender a caller may see.
#[derive(Debug, Clone)]
pub enum BidVisibility {
    All,
    /// The buyer, from evaluation on: what was submitted (and what became of it).
    Submitted,
    /// A partner: the bids it is a member of.
    MemberOf(String),
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Bid>> {
    let row = bids::table
        .find(id)
        .select(BidRow::as_select())
        .first(conn)
        .optional()?;
    Ok(with_members(conn, row.into_iter().collect())?.pop())
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

/// Writes the bid and its members if the stored version is still `version - 1`.
pub fn update_versioned(conn: &mut DbConnection, bid: &Bid) -> QueryResult<bool> {
    let updated = diesel::update(
        bids::table
            .filter(bids::id.eq(&bid.row.id))
            .filter(bids::version.eq(bid.row.version - 1)),
    )
    .set(&bid.row)
    .execute(conn)?;
    if updated != 1 {
        return Ok(false);
    }
    diesel::delete(bid_members::table.filter(bid_members::bid_id.eq(&bid.row.id))).execute(conn)?;
    insert_members(conn, &bid.members)?;
    Ok(true)
}

/// One page of a tender's bids in id order (creation order), after `after`.
pub fn list_for_tender(
    conn: &mut DbConnection,
    tender_id: &str,
    visibility: &BidVisibility,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<Bid>> {
    let mut query = bids::table
        .filter(bids::tender_id.eq(tender_id))
        .select(BidRow::as_select())
        .into_boxed();
    match visibility {
        BidVisibility::All => {}
        BidVisibility::Submitted => {
            let shown = [
                BidStatus::Submitted,
                BidStatus::Awarded,
                BidStatus::Rejected,
            ]
            .map(BidStatus::as_str);
            query = query.filter(bids::status.eq_any(shown));
        }
        BidVisibility::MemberOf(partner_id) => {
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
        .filter(bids::status.eq(status.as_str()))
        .select(BidRow::as_select())
        .order(bids::id.asc())
        .load(conn)?;
    with_members(conn, rows)
}

/// How many bids of the tender were submitted (and are still submitted).
pub fn count_submitted(conn: &mut DbConnection, tender_id: &str) -> QueryResult<i64> {
    bids::table
        .filter(bids::tender_id.eq(tender_id))
        .filter(bids::status.eq(BidStatus::Submitted.as_str()))
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

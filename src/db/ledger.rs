//! Queries on the ledger: accounts and their stored balances, hash-chained transactions
//! and their postings, the chain's head, and signed checkpoints.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::DbConnection;
use super::schema::{
    contract_members, contracts, ledger_accounts, ledger_checkpoints, ledger_head, ledger_postings,
    ledger_transactions,
};
use crate::domain::access::ContractView;
use crate::domain::ledger::{AccountKind, Direction, TransactionKind};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ledger_accounts)]
pub struct AccountRow {
    pub id: String,
    pub kind: AccountKind,
    pub owner_id: Option<String>,
    pub currency: String,
    pub account_key: String,
    pub balance_minor: i64,
    pub entries: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ledger_transactions)]
pub struct TransactionRow {
    pub id: String,
    pub seq: i64,
    pub kind: TransactionKind,
    pub contract_id: Option<String>,
    pub reverses_id: Option<String>,
    pub reference: String,
    pub received_on: Option<NaiveDate>,
    pub recorded_at: NaiveDateTime,
    pub recorded_by: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ledger_postings)]
pub struct PostingRow {
    pub transaction_id: String,
    pub position: i32,
    pub account_id: String,
    pub direction: Direction,
    pub amount_minor: i64,
    pub currency: String,
    pub seq: i64,
    pub balance_after_minor: i64,
}

/// A transaction with its postings in order, and the transaction reversing it (its id
/// and when it was recorded) if any.
#[derive(Debug, Clone)]
pub struct Transaction {
    pub row: TransactionRow,
    pub postings: Vec<PostingRow>,
    pub reversal: Option<(String, NaiveDateTime)>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = ledger_checkpoints)]
pub struct CheckpointRow {
    pub id: String,
    pub seq: i64,
    pub hash: String,
    pub signed_at: NaiveDateTime,
    pub public_key: String,
    pub signature: String,
}

/// The chain's last transaction: its seq (0 before the first) and hash.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Head {
    #[diesel(sql_type = BigInt)]
    pub seq: i64,
    #[diesel(sql_type = Text)]
    pub hash: String,
}

/// Reads the head and, on PostgreSQL, locks it until the transaction ends: every posting
/// transaction takes this one lock first, so postings never interleave and `seq` has no
/// gap. (SQLite's write transactions are serialised by `BEGIN IMMEDIATE`.)
pub fn lock_head(conn: &mut DbConnection) -> QueryResult<Head> {
    let sql = match conn {
        DbConnection::Postgresql(_) => "SELECT seq, hash FROM ledger_head WHERE id = 1 FOR UPDATE",
        DbConnection::Sqlite(_) => "SELECT seq, hash FROM ledger_head WHERE id = 1",
    };
    diesel::sql_query(sql).get_result(conn)
}

/// The head as last committed, without a lock.
pub fn head(conn: &mut DbConnection) -> QueryResult<Head> {
    diesel::sql_query("SELECT seq, hash FROM ledger_head WHERE id = 1").get_result(conn)
}

/// Moves the head onto the transaction just written (the database checks that it
/// balances and follows the previous one).
pub fn advance_head(conn: &mut DbConnection, head: &Head) -> QueryResult<()> {
    diesel::update(ledger_head::table.filter(ledger_head::id.eq(1)))
        .set((
            ledger_head::seq.eq(head.seq),
            ledger_head::hash.eq(&head.hash),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn account_by_key(conn: &mut DbConnection, key: &str) -> QueryResult<Option<AccountRow>> {
    ledger_accounts::table
        .filter(ledger_accounts::account_key.eq(key))
        .select(AccountRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_account(conn: &mut DbConnection, id: &str) -> QueryResult<Option<AccountRow>> {
    ledger_accounts::table
        .find(id)
        .select(AccountRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_account(conn: &mut DbConnection, account: &AccountRow) -> QueryResult<()> {
    diesel::insert_into(ledger_accounts::table)
        .values(account)
        .execute(conn)?;
    Ok(())
}

/// Stores an account's new balance and entry count.
pub fn set_balance(
    conn: &mut DbConnection,
    account: &AccountRow,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(ledger_accounts::table.find(&account.id))
        .set((
            ledger_accounts::balance_minor.eq(account.balance_minor),
            ledger_accounts::entries.eq(account.entries),
            ledger_accounts::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct AccountFilter {
    pub kind: Option<AccountKind>,
    pub owner_id: Option<String>,
    pub currency: Option<String>,
}

/// One page of the accounts in view, in id order, after `after`.
pub fn list_accounts(
    conn: &mut DbConnection,
    view: &ContractView,
    filter: &AccountFilter,
    after: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<AccountRow>> {
    let mut query = ledger_accounts::table
        .select(AccountRow::as_select())
        .into_boxed();
    match view {
        ContractView::All => {}
        ContractView::Buyer(buyer_id) => {
            query = query
                .filter(ledger_accounts::kind.eq(AccountKind::BuyerReceivable.as_str()))
                .filter(ledger_accounts::owner_id.eq(buyer_id.clone()));
        }
        ContractView::Member(partner_id) => {
            query = query
                .filter(ledger_accounts::kind.eq(AccountKind::PartnerPayable.as_str()))
                .filter(ledger_accounts::owner_id.eq(partner_id.clone()));
        }
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(ledger_accounts::kind.eq(kind.as_str()));
    }
    if let Some(owner_id) = &filter.owner_id {
        query = query.filter(ledger_accounts::owner_id.eq(owner_id.clone()));
    }
    if let Some(currency) = &filter.currency {
        query = query.filter(ledger_accounts::currency.eq(currency.clone()));
    }
    if let Some(after) = after {
        query = query.filter(ledger_accounts::id.gt(after.to_owned()));
    }
    query
        .order(ledger_accounts::id.asc())
        .limit(limit)
        .load(conn)
}

/// One line of an account's statement: a posting with its transaction.
#[derive(Debug, Clone, Queryable)]
pub struct Entry {
    pub posting: PostingRow,
    pub kind: TransactionKind,
    pub contract_id: Option<String>,
    pub reference: String,
    pub recorded_at: NaiveDateTime,
}

/// One page of an account's postings in seq order, after seq `after`, recorded in
/// `[from, to)`.
pub fn entries(
    conn: &mut DbConnection,
    account_id: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Entry>> {
    let mut query = ledger_postings::table
        .inner_join(ledger_transactions::table)
        .filter(ledger_postings::account_id.eq(account_id))
        .select((
            PostingRow::as_select(),
            ledger_transactions::kind,
            ledger_transactions::contract_id,
            ledger_transactions::reference,
            ledger_transactions::recorded_at,
        ))
        .into_boxed();
    query = query
        .filter(ledger_transactions::recorded_at.ge(from))
        .filter(ledger_transactions::recorded_at.lt(to));
    if let Some(after) = after {
        query = query.filter(ledger_postings::seq.gt(after));
    }
    query
        .order((ledger_postings::seq.asc(), ledger_postings::position.asc()))
        .limit(limit)
        .load(conn)
}

pub fn insert_transaction(conn: &mut DbConnection, transaction: &Transaction) -> QueryResult<()> {
    diesel::insert_into(ledger_transactions::table)
        .values(&transaction.row)
        .execute(conn)?;
    // One statement per row: MultiConnection has no batch insert.
    for posting in &transaction.postings {
        diesel::insert_into(ledger_postings::table)
            .values(posting)
            .execute(conn)?;
    }
    Ok(())
}

/// Postings grouped by their transaction, each group in the order given.
fn by_transaction(postings: Vec<PostingRow>) -> HashMap<String, Vec<PostingRow>> {
    let mut grouped: HashMap<String, Vec<PostingRow>> = HashMap::new();
    for posting in postings {
        grouped
            .entry(posting.transaction_id.clone())
            .or_default()
            .push(posting);
    }
    grouped
}

/// The transactions of `rows` with their postings and reversals.
fn complete(conn: &mut DbConnection, rows: Vec<TransactionRow>) -> QueryResult<Vec<Transaction>> {
    let ids: Vec<&String> = rows.iter().map(|row| &row.id).collect();
    let postings: Vec<PostingRow> = ledger_postings::table
        .filter(ledger_postings::transaction_id.eq_any(&ids))
        .select(PostingRow::as_select())
        .order((ledger_postings::seq.asc(), ledger_postings::position.asc()))
        .load(conn)?;
    let reversals: Vec<(Option<String>, String, NaiveDateTime)> = ledger_transactions::table
        .filter(ledger_transactions::reverses_id.eq_any(&ids))
        .select((
            ledger_transactions::reverses_id,
            ledger_transactions::id,
            ledger_transactions::recorded_at,
        ))
        .load(conn)?;
    let mut reversed_by: HashMap<String, (String, NaiveDateTime)> = reversals
        .into_iter()
        .filter_map(|(original, id, at)| original.map(|original| (original, (id, at))))
        .collect();
    let mut grouped = by_transaction(postings);
    Ok(rows
        .into_iter()
        .map(|row| Transaction {
            postings: grouped.remove(&row.id).unwrap_or_default(),
            reversal: reversed_by.remove(&row.id),
            row,
        })
        .collect())
}

pub fn find_transaction(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Transaction>> {
    let row = ledger_transactions::table
        .find(id)
        .select(TransactionRow::as_select())
        .first(conn)
        .optional()?;
    Ok(complete(conn, row.into_iter().collect())?.pop())
}

#[derive(Debug, Default)]
pub struct TransactionFilter {
    pub contract_id: Option<String>,
    pub kind: Option<TransactionKind>,
}

/// One page of the transactions in view, in seq order, after seq `after`. A buyer sees
/// those of its contracts; a partner those of the contracts it is a member of, and those
/// that post to its accounts (its payouts).
pub fn list_transactions(
    conn: &mut DbConnection,
    view: &ContractView,
    filter: &TransactionFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Transaction>> {
    let mut query = ledger_transactions::table
        .select(TransactionRow::as_select())
        .into_boxed();
    match view {
        ContractView::All => {}
        ContractView::Buyer(buyer_id) => {
            query = query.filter(
                ledger_transactions::contract_id.eq_any(
                    contracts::table
                        .filter(contracts::buyer_id.eq(buyer_id.clone()))
                        .select(contracts::id.nullable()),
                ),
            );
        }
        ContractView::Member(partner_id) => {
            query = query.filter(
                ledger_transactions::contract_id
                    .eq_any(
                        contract_members::table
                            .filter(contract_members::partner_id.eq(partner_id.clone()))
                            .select(contract_members::contract_id.nullable()),
                    )
                    .or(ledger_transactions::id.eq_any(
                        ledger_postings::table
                            .inner_join(ledger_accounts::table)
                            .filter(ledger_accounts::owner_id.eq(partner_id.clone()))
                            .select(ledger_postings::transaction_id),
                    )),
            );
        }
    }
    if let Some(contract_id) = &filter.contract_id {
        query = query.filter(ledger_transactions::contract_id.eq(contract_id.clone()));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(ledger_transactions::kind.eq(kind.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(ledger_transactions::seq.gt(after));
    }
    let rows = query
        .order(ledger_transactions::seq.asc())
        .limit(limit)
        .load(conn)?;
    complete(conn, rows)
}

/// Whether a transaction is in view (see [`list_transactions`]).
pub fn shows_transaction(
    conn: &mut DbConnection,
    view: &ContractView,
    transaction: &Transaction,
) -> QueryResult<bool> {
    match view {
        ContractView::All => Ok(true),
        ContractView::Buyer(buyer_id) => match &transaction.row.contract_id {
            None => Ok(false),
            Some(contract_id) => Ok(contracts::table
                .filter(contracts::id.eq(contract_id))
                .filter(contracts::buyer_id.eq(buyer_id))
                .count()
                .get_result::<i64>(conn)?
                > 0),
        },
        ContractView::Member(partner_id) => {
            if let Some(contract_id) = &transaction.row.contract_id
                && contract_members::table
                    .filter(contract_members::contract_id.eq(contract_id))
                    .filter(contract_members::partner_id.eq(partner_id))
                    .count()
                    .get_result::<i64>(conn)?
                    > 0
            {
                return Ok(true);
            }
            let accounts: Vec<&String> = transaction
                .postings
                .iter()
                .map(|posting| &posting.account_id)
                .collect();
            Ok(ledger_accounts::table
                .filter(ledger_accounts::id.eq_any(accounts))
                .filter(ledger_accounts::owner_id.eq(partner_id))
                .count()
                .get_result::<i64>(conn)?
                > 0)
        }
    }
}

/// The chain from seq `after` on, `limit` transactions at a time (for verification).
pub fn chain_after(
    conn: &mut DbConnection,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<(TransactionRow, Vec<PostingRow>)>> {
    let rows: Vec<TransactionRow> = ledger_transactions::table
        .filter(ledger_transactions::seq.gt(after))
        .order(ledger_transactions::seq.asc())
        .limit(limit)
        .select(TransactionRow::as_select())
        .load(conn)?;
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Ok(Vec::new());
    };
    let postings: Vec<PostingRow> = ledger_postings::table
        .filter(ledger_postings::seq.between(first.seq, last.seq))
        .order((ledger_postings::seq.asc(), ledger_postings::position.asc()))
        .select(PostingRow::as_select())
        .load(conn)?;
    let mut grouped = by_transaction(postings);
    Ok(rows
        .into_iter()
        .map(|row| {
            let postings = grouped.remove(&row.id).unwrap_or_default();
            (row, postings)
        })
        .collect())
}

/// Every account in id order, `limit` at a time after `after` (for verification).
pub fn accounts_after(
    conn: &mut DbConnection,
    after: &str,
    limit: i64,
) -> QueryResult<Vec<AccountRow>> {
    ledger_accounts::table
        .filter(ledger_accounts::id.gt(after))
        .order(ledger_accounts::id.asc())
        .limit(limit)
        .select(AccountRow::as_select())
        .load(conn)
}

/// The hash stored at `seq`, if the chain reaches it.
pub fn hash_at(conn: &mut DbConnection, seq: i64) -> QueryResult<Option<String>> {
    ledger_transactions::table
        .filter(ledger_transactions::seq.eq(seq))
        .select(ledger_transactions::hash)
        .first(conn)
        .optional()
}

pub fn insert_checkpoint(conn: &mut DbConnection, checkpoint: &CheckpointRow) -> QueryResult<()> {
    diesel::insert_into(ledger_checkpoints::table)
        .values(checkpoint)
        .execute(conn)?;
    Ok(())
}

/// The latest checkpoint, if any.
pub fn last_checkpoint(conn: &mut DbConnection) -> QueryResult<Option<CheckpointRow>> {
    ledger_checkpoints::table
        .order(ledger_checkpoints::id.desc())
        .select(CheckpointRow::as_select())
        .first(conn)
        .optional()
}

/// One page of checkpoints, newest first, before id `before`.
pub fn list_checkpoints(
    conn: &mut DbConnection,
    before: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<CheckpointRow>> {
    let mut query = ledger_checkpoints::table
        .select(CheckpointRow::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(ledger_checkpoints::id.lt(before.to_owned()));
    }
    query
        .order(ledger_checkpoints::id.desc())
        .limit(limit)
        .load(conn)
}

/// Sums of postings for the transparency report, grouped by account and by what the
/// posting did: its transaction's kind and, for a reversal, the kind it undid.
#[derive(Debug, Clone, QueryableByName)]
pub struct PostingTotal {
    #[diesel(sql_type = Text)]
    pub account_kind: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub owner_id: Option<String>,
    #[diesel(sql_type = Text)]
    pub transaction_kind: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub reversed_kind: Option<String>,
    #[diesel(sql_type = Text)]
    pub direction: String,
    #[diesel(sql_type = BigInt)]
    pub amount_minor: i64,
}

/// Posting sums in `currency` for transactions recorded in `[from, to)`, for every
/// account kind the report reads (cash, platform fees, project funds).
pub fn posting_totals(
    conn: &mut DbConnection,
    currency: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<PostingTotal>> {
    // Placeholders as each backend numbers them; the SQL is otherwise the same.
    let sql = "SELECT a.kind AS account_kind, a.owner_id AS owner_id, t.kind AS transaction_kind, \
               o.kind AS reversed_kind, p.direction AS direction, \
               CAST(SUM(p.amount_minor) AS BIGINT) AS amount_minor \
               FROM ledger_postings p \
               JOIN ledger_accounts a ON a.id = p.account_id \
               JOIN ledger_transactions t ON t.id = p.transaction_id \
               LEFT JOIN ledger_transactions o ON o.id = t.reverses_id \
               WHERE a.currency = $1 AND t.recorded_at >= $2 AND t.recorded_at < $3 \
               AND a.kind IN ('cash', 'platform_fees', 'project_fund') \
               GROUP BY a.kind, a.owner_id, t.kind, o.kind, p.direction";
    diesel::sql_query(sql)
        .bind::<Text, _>(currency)
        .bind::<diesel::sql_types::Timestamp, _>(from)
        .bind::<diesel::sql_types::Timestamp, _>(to)
        .load(conn)
}

/// The balances of project funds in `currency` as they stood at `at` (the balance after
/// each fund's last posting recorded before it).
pub fn fund_balances_at(
    conn: &mut DbConnection,
    currency: &str,
    at: NaiveDateTime,
) -> QueryResult<Vec<(String, i64)>> {
    let funds: Vec<(String, Option<String>)> = ledger_accounts::table
        .filter(ledger_accounts::kind.eq(AccountKind::ProjectFund.as_str()))
        .filter(ledger_accounts::currency.eq(currency))
        .select((ledger_accounts::id, ledger_accounts::owner_id))
        .load(conn)?;
    let mut balances = Vec::with_capacity(funds.len());
    for (account_id, owner_id) in funds {
        let last: Option<i64> = ledger_postings::table
            .inner_join(ledger_transactions::table)
            .filter(ledger_postings::account_id.eq(&account_id))
            .filter(ledger_transactions::recorded_at.lt(at))
            .order(ledger_postings::seq.desc())
            .select(ledger_postings::balance_after_minor)
            .first(conn)
            .optional()?;
        if let Some(owner_id) = owner_id {
            balances.push((owner_id, last.unwrap_or(0)));
        }
    }
    Ok(balances)
}

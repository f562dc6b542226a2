//! The revenue-share ledger's use cases: payments split by their contract's agreement,
//! payouts, reversals, each posted as one hash-chained transaction under the ledger's
//! head lock; reading accounts, statements and transactions; verifying the chain and
//! every balance; signing checkpoints and checking them; the public transparency report.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::idempotency::{self, Answer, Keyed, Recorded};
use super::schemas::Currency;
use super::validation::{findings_of, non_blank, valid_currency};
use super::{
    BadParameter, Findings, Page, ServiceError, ServiceResult, Slice, UNKNOWN_CURSOR, require_admin,
};
use crate::db::ledger::{
    AccountFilter, AccountRow, CheckpointRow, Head, PostingRow, TransactionFilter, TransactionRow,
};
use crate::db::{self, Backend, DbConnection, Lockable};
use crate::domain::access::{self, ContractView, Principal};
use crate::domain::checkpoint::{self, Signer};
use crate::domain::ledger::{
    self, AccountKind, ChainEntry, ChainPosting, Direction, MAX_AMOUNT_MINOR, PaymentTerms,
    SplitError, TransactionKind,
};
use crate::domain::money::{WHOLE_BPS, is_currency};
use crate::domain::version::tag;
use crate::domain::{NOT_FOUND, Violation};
use crate::state::AppState;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-777777777777", "kind": "partner_payable",
    "owner_id": "0193a5b2-7c1e-7d3a-9f10-aaaaaaaaaaaa", "currency": "EUR",
    "balance_minor": 1662500, "entries": 1,
    "created_at": "2027-03-01T10:00:00Z", "updated_at": "2027-03-01T10:00:00Z", "version": 2
}))]
pub struct Account {
    pub id: String,
    pub kind: AccountKind,
    /// The partner, project or buyer; null for the network's cash and fees.
    pub owner_id: Option<String>,
    #[schema(value_type = Currency)]
    pub currency: String,
    /// On the account's normal side (debits for cash and receivables, credits for
    /// what the network owes); never below zero.
    pub balance_minor: i64,
    /// How many postings the balance sums.
    pub entries: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// One more than `entries`: it changes with every posting.
    pub version: i32,
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Account {
        Account {
            kind: row.kind,
            id: row.id,
            owner_id: row.owner_id,
            currency: row.currency,
            balance_minor: row.balance_minor,
            entries: row.entries,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
            version: row.entries + 1,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Posting {
    pub account_id: String,
    pub direction: Direction,
    pub amount_minor: i64,
    #[schema(value_type = Currency)]
    pub currency: String,
    /// The account's balance once this posting applied.
    pub balance_after_minor: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-888888888888", "seq": 1, "kind": "payment",
    "contract_id": "0193a5b2-7c1e-7d3a-9f10-444444444444",
    "reference": "INV-2027-0042", "received_on": "2027-03-01",
    "postings": [
        {"account_id": "0193a5b2-7c1e-7d3a-9f10-999999999991", "direction": "debit", "amount_minor": 1750000, "currency": "EUR", "balance_after_minor": 1750000},
        {"account_id": "0193a5b2-7c1e-7d3a-9f10-999999999992", "direction": "credit", "amount_minor": 87500, "currency": "EUR", "balance_after_minor": 87500},
        {"account_id": "0193a5b2-7c1e-7d3a-9f10-999999999993", "direction": "credit", "amount_minor": 52500, "currency": "EUR", "balance_after_minor": 52500},
        {"account_id": "0193a5b2-7c1e-7d3a-9f10-777777777777", "direction": "credit", "amount_minor": 1610000, "currency": "EUR", "balance_after_minor": 1610000}
    ],
    "reverses_id": null, "reversed_by_id": null,
    "prev_hash": "0000000000000000000000000000000000000000000000000000000000000000",
    "hash": "5f0c6a0d2b1c0e7e6d8f6b1f3b4f0b7c9a2d1e3f4a5b6c7d8e9f0a1b2c3d4e5f",
    "recorded_by": "0193a5b2-7c1e-7d3a-9f10-bbbbbbbbbbb0",
    "recorded_at": "2027-03-01T10:00:00.000000Z",
    "created_at": "2027-03-01T10:00:00Z", "updated_at": "2027-03-01T10:00:00Z", "version": 1
}))]
pub struct Transaction {
    pub id: String,
    /// Position in the chain: 1, 2, 3… without gaps.
    pub seq: i64,
    pub kind: TransactionKind,
    /// The contract a payment (or its reversal) is on.
    pub contract_id: Option<String>,
    pub reference: String,
    /// When the buyer's money arrived (payments only).
    pub received_on: Option<NaiveDate>,
    /// In the order they were posted and hashed.
    pub postings: Vec<Posting>,
    /// The transaction this one reverses.
    pub reverses_id: Option<String>,
    /// The transaction that reversed this one.
    pub reversed_by_id: Option<String>,
    /// The previous transaction's hash (64 zeros for the first).
    pub prev_hash: String,
    /// SHA-256 of `prev_hash` and the canonical encoding (see the README).
    pub hash: String,
    /// The user or API client who posted it.
    pub recorded_by: String,
    /// When it was posted, exactly as the hash covers it (UTC, six fractional digits).
    #[schema(
        example = "2027-03-01T10:00:00.000000Z",
        pattern = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$"
    )]
    pub recorded_at: String,
    /// When it was posted.
    pub created_at: DateTime<Utc>,
    /// When it was reversed, else as `created_at`.
    pub updated_at: DateTime<Utc>,
    /// 1, or 2 once reversed.
    pub version: i32,
}

impl From<db::ledger::Transaction> for Transaction {
    fn from(record: db::ledger::Transaction) -> Transaction {
        let row = record.row;
        let postings = record
            .postings
            .into_iter()
            .map(|p| Posting {
                direction: p.direction,
                account_id: p.account_id,
                amount_minor: p.amount_minor,
                currency: p.currency,
                balance_after_minor: p.balance_after_minor,
            })
            .collect();
        let (reversed_by_id, updated_at) = match record.reversal {
            Some((id, at)) => (Some(id), at),
            None => (None, row.recorded_at),
        };
        Transaction {
            version: if reversed_by_id.is_some() { 2 } else { 1 },
            id: row.id,
            seq: row.seq,
            kind: row.kind,
            contract_id: row.contract_id,
            reference: row.reference,
            received_on: row.received_on,
            postings,
            reverses_id: row.reverses_id,
            reversed_by_id,
            prev_hash: row.prev_hash,
            hash: row.hash,
            recorded_by: row.recorded_by,
            recorded_at: ledger::canonical_time(row.recorded_at),
            created_at: row.recorded_at.and_utc(),
            updated_at: updated_at.and_utc(),
        }
    }
}

/// One line of a statement: what one posting did to the account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Entry {
    pub seq: i64,
    pub transaction_id: String,
    pub kind: TransactionKind,
    pub contract_id: Option<String>,
    pub reference: String,
    pub direction: Direction,
    pub amount_minor: i64,
    /// The account's balance once this entry applied.
    pub balance_after_minor: i64,
    pub recorded_at: DateTime<Utc>,
}

impl From<db::ledger::Entry> for Entry {
    fn from(entry: db::ledger::Entry) -> Entry {
        Entry {
            seq: entry.posting.seq,
            transaction_id: entry.posting.transaction_id,
            kind: entry.kind,
            contract_id: entry.contract_id,
            reference: entry.reference,
            direction: entry.posting.direction,
            amount_minor: entry.posting.amount_minor,
            balance_after_minor: entry.posting.balance_after_minor,
            recorded_at: entry.recorded_at.and_utc(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "amount_minor": 1750000, "currency": "EUR", "received_on": "2027-03-01",
    "reference": "INV-2027-0042"
}))]
pub struct NewPayment {
    /// What the buyer paid, in minor units: 1 to 2^53 − 1.
    #[validate(range(min = 1, max = MAX_AMOUNT_MINOR))]
    #[schema(minimum = 1, maximum = 9_007_199_254_740_991_i64)]
    pub amount_minor: i64,
    /// The contract's currency.
    #[validate(custom(function = "valid_currency"))]
    #[schema(value_type = Currency)]
    pub currency: String,
    /// When the money arrived.
    pub received_on: NaiveDate,
    /// The buyer's or the bank's reference for this payment.
    #[validate(length(min = 1, max = 140), custom(function = "non_blank"))]
    #[schema(min_length = 1, max_length = 140, pattern = r"\S")]
    pub reference: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "account_id": "0193a5b2-7c1e-7d3a-9f10-777777777777", "amount_minor": 1000000,
    "currency": "EUR", "reference": "SEPA-2027-03-15-001"
}))]
pub struct NewPayout {
    /// A partner's payable or a project's fund.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub account_id: String,
    /// At most the account's balance: 1 to 2^53 − 1.
    #[validate(range(min = 1, max = MAX_AMOUNT_MINOR))]
    #[schema(minimum = 1, maximum = 9_007_199_254_740_991_i64)]
    pub amount_minor: i64,
    /// The account's currency.
    #[validate(custom(function = "valid_currency"))]
    #[schema(value_type = Currency)]
    pub currency: String,
    /// The transfer's reference.
    #[validate(length(min = 1, max = 140), custom(function = "non_blank"))]
    #[schema(min_length = 1, max_length = 140, pattern = r"\S")]
    pub reference: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reference": "Payment recorded twice (INV-2027-0042)"}))]
pub struct NewReversal {
    /// Why the transaction is reversed.
    #[validate(length(min = 1, max = 140), custom(function = "non_blank"))]
    #[schema(min_length = 1, max_length = 140, pattern = r"\S")]
    pub reference: String,
}

/// One posting to make: on which account, which side, how much.
struct Leg {
    account: AccountRow,
    direction: Direction,
    amount_minor: i64,
}

/// A transaction to post, before it has a place in the chain.
struct Draft {
    kind: TransactionKind,
    contract_id: Option<String>,
    reverses_id: Option<String>,
    reference: String,
    received_on: Option<NaiveDate>,
    recorded_by: String,
    legs: Vec<Leg>,
}

/// The account of this kind, owner and currency, opened (at zero) on first use.
fn open_account(
    conn: &mut DbConnection,
    kind: AccountKind,
    owner_id: Option<&str>,
    currency: &str,
    now: NaiveDateTime,
) -> ServiceResult<AccountRow> {
    let key = format!("{}:{}:{currency}", kind.as_str(), owner_id.unwrap_or("-"));
    if let Some(account) = db::ledger::account_by_key(conn, &key)? {
        return Ok(account);
    }
    let account = AccountRow {
        id: db::new_id(),
        kind,
        owner_id: owner_id.map(str::to_owned),
        currency: currency.to_owned(),
        account_key: key,
        balance_minor: 0,
        entries: 0,
        created_at: now,
        updated_at: now,
    };
    db::ledger::insert_account(conn, &account)?;
    Ok(account)
}

/// Posts `draft` as the transaction after `head` (which the caller locked): checks
/// that it balances and leaves no balance below zero, chains it, stores it with every
/// balance it changes, and advances the head, all in the caller's transaction.
fn post(
    conn: &mut DbConnection,
    head: Head,
    draft: Draft,
    now: NaiveDateTime,
) -> ServiceResult<db::ledger::Transaction> {
    // The hash covers microseconds, as both databases store them.
    let recorded_at = now.trunc_subsecs(6);
    let id = db::new_id();
    let seq = head.seq + 1;
    let mut accounts: Vec<AccountRow> = Vec::new();
    let mut postings = Vec::with_capacity(draft.legs.len());
    for (position, leg) in draft.legs.into_iter().enumerate() {
        let index = match accounts.iter().position(|a| a.id == leg.account.id) {
            Some(index) => index,
            None => {
                accounts.push(leg.account);
                accounts.len() - 1
            }
        };
        let account = &mut accounts[index];
        let balance = ledger::apply(
            account.balance_minor,
            account.kind,
            leg.direction,
            leg.amount_minor,
        )
        .filter(|balance| *balance >= 0)
        .ok_or_else(|| {
            ServiceError::conflict(format!(
                "this would take account {} (balance {} {} minor units) below zero or past \
                 the largest balance",
                account.id, account.balance_minor, account.currency
            ))
        })?;
        account.balance_minor = balance;
        account.entries += 1;
        postings.push(PostingRow {
            transaction_id: id.clone(),
            position: position as i32,
            account_id: account.id.clone(),
            direction: leg.direction,
            amount_minor: leg.amount_minor,
            currency: account.currency.clone(),
            seq,
            balance_after_minor: balance,
        });
    }
    let mut row = TransactionRow {
        id,
        seq,
        kind: draft.kind,
        contract_id: draft.contract_id,
        reverses_id: draft.reverses_id,
        reference: draft.reference,
        received_on: draft.received_on,
        recorded_at,
        recorded_by: draft.recorded_by,
        prev_hash: head.hash,
        hash: String::new(),
    };
    let chained = chain_entry(&row, &postings);
    ledger::check_balanced(&chained.postings)
        .map_err(|e| ServiceError::Internal(format!("an unbalanced transaction was built: {e}")))?;
    row.hash = ledger::chain_hash(&row.prev_hash, &chained);
    let transaction = db::ledger::Transaction {
        row,
        postings,
        reversal: None,
    };
    db::ledger::insert_transaction(conn, &transaction)?;
    for account in &accounts {
        db::ledger::set_balance(conn, account, recorded_at)?;
    }
    db::ledger::advance_head(
        conn,
        &Head {
            seq,
            hash: transaction.row.hash.clone(),
        },
    )?;
    Ok(transaction)
}

/// A stored transaction as the chain hashes it (what posting, verification and anyone
/// re-deriving hashes from the stored rows build).
pub fn chain_entry<'a>(row: &'a TransactionRow, postings: &'a [PostingRow]) -> ChainEntry<'a> {
    ChainEntry {
        seq: row.seq,
        id: &row.id,
        kind: row.kind,
        contract_id: row.contract_id.as_deref(),
        reverses_id: row.reverses_id.as_deref(),
        reference: &row.reference,
        received_on: row.received_on,
        recorded_at: row.recorded_at,
        postings: postings
            .iter()
            .map(|p| ChainPosting {
                account_id: &p.account_id,
                direction: p.direction,
                amount_minor: p.amount_minor,
                currency: &p.currency,
            })
            .collect(),
    }
}

/// How many postings may hold a database connection at once, per process. Postings go
/// one at a time anyway (the head's lock); more would only hold connections that other
/// requests need (BENCHMARKS.md, "posting turns"). PostgreSQL queues waiters at the
/// lock in order, and a few queued there keep it busy; SQLite's waiting writers sleep
/// and retry, so fewer of them make a shorter tail.
pub fn posting_turns(backend: Backend) -> usize {
    match backend {
        Backend::Postgres => 4,
        Backend::Sqlite => 2,
    }
}

/// How long a posting waits for its turn before the caller is told to retry (503).
const TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs a posting's `work` once a turn is free, as one write transaction made at most
/// once per idempotency key (see [`idempotency::once`]).
async fn on_turn<F>(state: &AppState, keyed: Option<Keyed>, mut work: F) -> ServiceResult<Answer>
where
    F: FnMut(&mut DbConnection) -> ServiceResult<Recorded> + Send + 'static,
{
    let turn = tokio::time::timeout(TURN_WAIT, state.posting_turns.clone().acquire_owned())
        .await
        .map_err(|_| ServiceError::Overloaded)?
        .map_err(|e| ServiceError::Internal(format!("posting turns: {e}")))?;
    idempotency::once(&state.db, keyed, state.clock.now_naive(), move |conn| {
        // The work holds the turn: a client that goes away frees no turn still posting.
        let _held = &turn;
        work(conn)
    })
    .await
}

/// The answer to a posting: 201, the transaction's place and tag, the transaction.
fn created(transaction: db::ledger::Transaction) -> ServiceResult<Recorded> {
    let location = format!("/api/v1/ledger/transactions/{}", transaction.row.id);
    let etag = tag(&transaction.row.id, 1);
    Recorded::created(location, etag, &Transaction::from(transaction))
}

/// Records a payment on a contract (its buyer or an admin) and posts its split: cash
/// debited by the amount; the platform fee, each upstream project's fund and each
/// member's payable credited by their parts (see `domain::ledger::split_payment`). The
/// first payment freezes the contract's agreement.
pub async fn record_payment(
    state: &AppState,
    principal: &Principal,
    contract_id: String,
    body: NewPayment,
    keyed: Option<Keyed>,
) -> ServiceResult<Answer> {
    let found = findings_of(&body);
    let principal = principal.clone();
    let clock = state.clock.clone();
    on_turn(state, keyed, move |conn| {
        // The contract first (its agreement cannot change meanwhile), the ledger's head
        // only once the split is known: postings wait for each other no longer than
        // posting takes. Only payments take both locks, always in this order.
        db::lock(conn, Lockable::Contracts, &contract_id)?;
        let contract = db::contracts::find(conn, &contract_id)?
            .ok_or_else(|| ServiceError::NotFound(format!("no contract `{contract_id}`")))?;
        let members: Vec<&str> = contract
            .members
            .iter()
            .map(|m| m.partner_id.as_str())
            .collect();
        access::can_record_payment(&principal, &contract.row.buyer_id, &members).map_err(
            |refusal| ServiceError::refusal(refusal, || format!("no contract `{contract_id}`")),
        )?;
        let mut findings = Findings::new(found.clone());
        // A code that is no currency was reported by the body's own check.
        if is_currency(&body.currency) && body.currency != contract.row.currency {
            findings.add(
                "#/currency",
                "contract_currency",
                format!("payments on this contract are in {}", contract.row.currency),
            );
        }
        findings.done()?;
        let agreement = db::revenue_shares::find(conn, &contract_id)?.ok_or_else(|| {
            ServiceError::Internal(format!("contract {contract_id} has no revenue share"))
        })?;
        let weights: Vec<u64> = agreement.projects.iter().map(|p| p.weight as u64).collect();
        let shares: Vec<u64> = agreement
            .members
            .iter()
            .map(|m| m.share_bps as u64)
            .collect();
        let terms = PaymentTerms {
            platform_fee_bps: agreement.row.platform_fee_bps as u32,
            upstream_bps: agreement.row.upstream_bps as u32,
            project_weights: &weights,
            member_shares_bps: &shares,
        };
        let split = ledger::split_payment(body.amount_minor, &terms).map_err(|e| match e {
            SplitError::NoProjects => ServiceError::refused_in(
                "no_upstream_projects",
                "the contract's agreement names no upstream project for its upstream part: \
                 an admin sets its `upstream_allocation` first",
            ),
            other => ServiceError::Internal(format!("the agreement cannot split: {other}")),
        })?;
        let head = db::ledger::lock_head(conn)?;
        let now = clock.now_naive();
        let currency = contract.row.currency.as_str();
        let mut legs = vec![Leg {
            account: open_account(conn, AccountKind::Cash, None, currency, now)?,
            direction: Direction::Debit,
            amount_minor: body.amount_minor,
        }];
        let credits = std::iter::once((AccountKind::PlatformFees, None, split.platform_fee))
            .chain(
                agreement
                    .projects
                    .iter()
                    .zip(&split.projects)
                    .map(|(p, part)| {
                        (AccountKind::ProjectFund, Some(p.project_id.as_str()), *part)
                    }),
            )
            .chain(
                agreement
                    .members
                    .iter()
                    .zip(&split.members)
                    .map(|(m, part)| {
                        (
                            AccountKind::PartnerPayable,
                            Some(m.partner_id.as_str()),
                            *part,
                        )
                    }),
            );
        for (kind, owner, amount_minor) in credits {
            // A part of zero posts nothing (amounts are positive).
            if amount_minor > 0 {
                legs.push(Leg {
                    account: open_account(conn, kind, owner, currency, now)?,
                    direction: Direction::Credit,
                    amount_minor,
                });
            }
        }
        db::revenue_shares::freeze(conn, &contract_id, now)?;
        let transaction = post(
            conn,
            head,
            Draft {
                kind: TransactionKind::Payment,
                contract_id: Some(contract_id.clone()),
                reverses_id: None,
                reference: body.reference.clone(),
                received_on: Some(body.received_on),
                recorded_by: principal.id.clone(),
                legs,
            },
            now,
        )?;
        created(transaction)
    })
    .await
}

/// Pays out of a partner's payable or a project's fund (admins): the account debited,
/// cash credited; never beyond the account's balance (422 naming it).
pub async fn record_payout(
    state: &AppState,
    principal: &Principal,
    body: NewPayout,
    keyed: Option<Keyed>,
) -> ServiceResult<Answer> {
    require_admin(principal)?;
    let found = findings_of(&body);
    let principal = principal.clone();
    let clock = state.clock.clone();
    on_turn(state, keyed, move |conn| {
        let head = db::ledger::lock_head(conn)?;
        let mut findings = Findings::new(found.clone());
        let account = db::ledger::find_account(conn, &body.account_id)?;
        match &account {
            None => findings.add("#/account_id", NOT_FOUND, "no such ledger account"),
            Some(account) if !account.kind.pays_out() => findings.add(
                "#/account_id",
                "not_payable",
                "payouts draw on a partner's payable or a project's fund",
            ),
            Some(account) if is_currency(&body.currency) && account.currency != body.currency => {
                findings.add(
                    "#/currency",
                    "account_currency",
                    format!("this account is in {}", account.currency),
                )
            }
            Some(_) => {}
        }
        findings.done()?;
        let Some(account) = account else {
            return Err(ServiceError::Internal(
                "a refused account was paid".to_owned(),
            ));
        };
        if body.amount_minor > account.balance_minor {
            return Err(ServiceError::Invalid(vec![Violation::at(
                "#/amount_minor",
                "insufficient_balance",
                format!(
                    "the account's balance is {} ({} minor units): a payout may not exceed it",
                    account.balance_minor, account.currency
                ),
            )]));
        }
        let now = clock.now_naive();
        let cash = open_account(conn, AccountKind::Cash, None, &account.currency, now)?;
        let transaction = post(
            conn,
            head,
            Draft {
                kind: TransactionKind::Payout,
                contract_id: None,
                reverses_id: None,
                reference: body.reference.clone(),
                received_on: None,
                recorded_by: principal.id.clone(),
                legs: vec![
                    Leg {
                        account,
                        direction: Direction::Debit,
                        amount_minor: body.amount_minor,
                    },
                    Leg {
                        account: cash,
                        direction: Direction::Credit,
                        amount_minor: body.amount_minor,
                    },
                ],
            },
            now,
        )?;
        created(transaction)
    })
    .await
}

/// Reverses a transaction (admins): the same postings on the opposite sides, linked
/// both ways. A transaction is reversed once; a reversal is not reversed; a reversal
/// that would take a balance below zero (a payment already paid out) is refused.
pub async fn reverse_transaction(
    state: &AppState,
    principal: &Principal,
    transaction_id: String,
    body: NewReversal,
    keyed: Option<Keyed>,
) -> ServiceResult<Answer> {
    require_admin(principal)?;
    let found = findings_of(&body);
    let principal = principal.clone();
    let clock = state.clock.clone();
    on_turn(state, keyed, move |conn| {
        let head = db::ledger::lock_head(conn)?;
        let original = db::ledger::find_transaction(conn, &transaction_id)?.ok_or_else(|| {
            ServiceError::NotFound(format!("no ledger transaction `{transaction_id}`"))
        })?;
        Findings::new(found.clone()).done()?;
        if let Some((reversal_id, _)) = &original.reversal {
            return Err(ServiceError::refused_in(
                "reversed",
                format!("this transaction was already reversed by {reversal_id}"),
            ));
        }
        if original.row.kind == TransactionKind::Reversal {
            return Err(ServiceError::refused_in(
                "reversal",
                "a reversal is not reversed: post the correct transaction instead",
            ));
        }
        let undone = chain_entry(&original.row, &original.postings);
        let mut legs = Vec::with_capacity(undone.postings.len());
        for posting in ledger::mirror(&undone.postings) {
            let account = db::ledger::find_account(conn, posting.account_id)?.ok_or_else(|| {
                ServiceError::Internal(format!("account {} vanished", posting.account_id))
            })?;
            legs.push(Leg {
                account,
                direction: posting.direction,
                amount_minor: posting.amount_minor,
            });
        }
        let now = clock.now_naive();
        let transaction = post(
            conn,
            head,
            Draft {
                kind: TransactionKind::Reversal,
                contract_id: original.row.contract_id.clone(),
                reverses_id: Some(original.row.id.clone()),
                reference: body.reference.clone(),
                received_on: None,
                recorded_by: principal.id.clone(),
                legs,
            },
            now,
        )?;
        created(transaction)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccountListQuery {
    /// Only accounts of this kind.
    pub kind: Option<AccountKind>,
    /// Only accounts of this partner, project or buyer.
    pub owner_id: Option<String>,
    /// Only accounts in this currency.
    #[param(value_type = Option<Currency>)]
    pub currency: Option<String>,
}

/// A `currency` query parameter, checked as the document states it.
fn checked_currency(currency: &str) -> ServiceResult<()> {
    if is_currency(currency) {
        Ok(())
    } else {
        Err(BadParameter {
            parameter: "currency",
            code: "currency",
            detail: "must be an ISO 4217 currency code such as EUR".to_owned(),
        }
        .into())
    }
}

/// The accounts the caller may read, in creation order: every account for admins, a
/// partner's payables, a buyer's receivables.
pub async fn list_accounts(
    state: &AppState,
    principal: &Principal,
    query: AccountListQuery,
    page: Page,
) -> ServiceResult<Slice<Account>> {
    let view = super::contracts::view_of(principal)?;
    if let Some(currency) = &query.currency {
        checked_currency(currency)?;
    }
    let filter = AccountFilter {
        kind: query.kind,
        owner_id: query.owner_id,
        currency: query.currency,
    };
    let (after, fetch) = (page.after.clone(), page.fetch());
    let rows = state
        .db
        .run(move |conn| {
            Ok::<_, ServiceError>(db::ledger::list_accounts(
                conn,
                &view,
                &filter,
                after.as_deref(),
                fetch,
            )?)
        })
        .await?;
    Ok(Slice::of(&page, rows, |a| a.id.clone(), Account::from))
}

/// The account if the caller may read it; another organisation's is not there (404).
fn visible_account(
    conn: &mut DbConnection,
    view: &ContractView,
    id: &str,
) -> ServiceResult<AccountRow> {
    db::ledger::find_account(conn, id)?
        .filter(|account| view.shows_account(account.kind, account.owner_id.as_deref()))
        .ok_or_else(|| ServiceError::NotFound(format!("no ledger account `{id}`")))
}

/// One account with its balance (a stored figure: one row read, however long the history).
pub async fn get_account(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> ServiceResult<Account> {
    let view = super::contracts::view_of(principal)?;
    state
        .db
        .run(move |conn| visible_account(conn, &view, &id).map(Account::from))
        .await
}

/// A period of whole days, `from` and `to` included; either end may be open.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Period {
    /// First day included (UTC).
    pub from: Option<NaiveDate>,
    /// Last day included (UTC).
    pub to: Option<NaiveDate>,
}

impl Period {
    /// The instants `[start, end)` the period covers, or which bound is wrong.
    fn bounds(&self) -> ServiceResult<(NaiveDateTime, NaiveDateTime)> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(BadParameter {
                parameter: "to",
                code: "before_from",
                detail: "`to` is before `from`".to_owned(),
            }
            .into());
        }
        // Open ends are the years 1 and 9999: instants both databases store, and which
        // SQLite's text timestamps still compare in order.
        let first = NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN);
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX);
        let start = self
            .from
            .unwrap_or(first)
            .clamp(first, last)
            .and_time(NaiveTime::MIN);
        let end = match self.to.unwrap_or(last).clamp(first, last) {
            to if to == last => last.and_hms_micro_opt(23, 59, 59, 999_999),
            to => to.succ_opt().map(|next| next.and_time(NaiveTime::MIN)),
        }
        .unwrap_or(start);
        Ok((start, end))
    }
}

/// A page cursor of a list in seq order.
fn seq_after(page: &Page) -> ServiceResult<Option<i64>> {
    page.after
        .as_deref()
        .map(|after| {
            after
                .parse::<i64>()
                .map_err(|_| ServiceError::NotFound(UNKNOWN_CURSOR.to_owned()))
        })
        .transpose()
}

/// An account's statement: its entries in the period, in seq order.
pub async fn account_entries(
    state: &AppState,
    principal: &Principal,
    id: String,
    period: Period,
    page: Page,
) -> ServiceResult<Slice<Entry>> {
    let view = super::contracts::view_of(principal)?;
    let (start, end) = period.bounds()?;
    let after = seq_after(&page)?;
    let fetch = page.fetch();
    let rows = state
        .db
        .run(move |conn| {
            visible_account(conn, &view, &id)?;
            Ok::<_, ServiceError>(db::ledger::entries(conn, &id, start, end, after, fetch)?)
        })
        .await?;
    Ok(Slice::of(
        &page,
        rows,
        |e| e.posting.seq.to_string(),
        Entry::from,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransactionListQuery {
    /// Only the transactions of this contract (its payments and their reversals).
    pub contract_id: Option<String>,
    pub kind: Option<TransactionKind>,
}

/// The transactions the caller may read, in chain order: all for admins, those of its
/// contracts for a buyer, those of its contracts and its payouts for a partner.
pub async fn list_transactions(
    state: &AppState,
    principal: &Principal,
    query: TransactionListQuery,
    page: Page,
) -> ServiceResult<Slice<Transaction>> {
    let view = super::contracts::view_of(principal)?;
    let after = seq_after(&page)?;
    let filter = TransactionFilter {
        contract_id: query.contract_id,
        kind: query.kind,
    };
    let fetch = page.fetch();
    let rows = state
        .db
        .run(move |conn| {
            Ok::<_, ServiceError>(db::ledger::list_transactions(
                conn, &view, &filter, after, fetch,
            )?)
        })
        .await?;
    Ok(Slice::of(
        &page,
        rows,
        |t| t.row.seq.to_string(),
        Transaction::from,
    ))
}

/// One transaction, for those who may read it (else 404).
pub async fn get_transaction(
    state: &AppState,
    principal: &Principal,
    id: String,
) -> ServiceResult<Transaction> {
    let view = super::contracts::view_of(principal)?;
    state
        .db
        .run(move |conn| {
            let not_found = || ServiceError::NotFound(format!("no ledger transaction `{id}`"));
            let transaction = db::ledger::find_transaction(conn, &id)?.ok_or_else(not_found)?;
            if !db::ledger::shows_transaction(conn, &view, &transaction)? {
                return Err(not_found());
            }
            Ok(Transaction::from(transaction))
        })
        .await
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "ok": true, "transactions_checked": 42, "balances_checked": 9,
    "first_broken_seq": null, "first_broken_account_id": null, "problem": null,
    "head_seq": 42, "head_hash": "5f0c6a0d2b1c0e7e6d8f6b1f3b4f0b7c9a2d1e3f4a5b6c7d8e9f0a1b2c3d4e5f"
}))]
pub struct Verification {
    /// True when the chain and every balance check out.
    pub ok: bool,
    pub transactions_checked: i64,
    pub balances_checked: i64,
    /// The first transaction whose seq, link, hash or balance is wrong.
    pub first_broken_seq: Option<i64>,
    /// The first account (in id order) whose stored balance, entry count or running
    /// balance differs from its postings.
    pub first_broken_account_id: Option<String>,
    /// What broke first, for people.
    pub problem: Option<String>,
    pub head_seq: i64,
    pub head_hash: String,
}

/// How many transactions verification reads at a time.
const VERIFY_BATCH: i64 = 1000;

/// Recomputes the chain from its first transaction and every balance from the postings,
/// on one consistent snapshot, and names the first break.
pub async fn verify(state: &AppState, principal: &Principal) -> ServiceResult<Verification> {
    require_admin(principal)?;
    state.db.run(verify_ledger).await
}

/// Verification on `conn` (also used by `ose-api verify-ledger`).
pub fn verify_ledger(conn: &mut DbConnection) -> ServiceResult<Verification> {
    snapshot(conn, |conn| {
        // Every account, in id order, read in batches on the snapshot.
        let mut accounts: Vec<AccountRow> = Vec::new();
        loop {
            let after = accounts
                .last()
                .map_or("", |last| last.id.as_str())
                .to_owned();
            let batch = db::ledger::accounts_after(conn, &after, VERIFY_BATCH)?;
            if batch.is_empty() {
                break;
            }
            accounts.extend(batch);
        }
        let kinds: HashMap<String, AccountKind> = accounts
            .iter()
            .map(|account| (account.id.clone(), account.kind))
            .collect();
        let mut walk = ChainWalk::default();
        walk.run(conn, i64::MAX, |row, postings, walk| {
            walk.check_postings(row, postings, &kinds);
        })?;
        let head = db::ledger::head(conn)?;
        if walk.first_broken_seq.is_none()
            && (head.seq != walk.last_seq || head.hash != walk.last_hash)
        {
            walk.break_at(
                head.seq,
                "the head does not name the chain's last transaction",
            );
        }
        // Every stored balance against the postings: the first that differs, in id order.
        let broken = accounts.iter().find_map(|account| {
            let computed = walk.balances.get(&account.id).copied().unwrap_or_default();
            let holds = computed.0 == account.balance_minor
                && computed.1 == i64::from(account.entries)
                && !walk.broken_accounts.contains(&account.id);
            (!holds).then(|| {
                let problem = format!(
                    "account {} holds {} over {} entries; its postings give {} over {}",
                    account.id, account.balance_minor, account.entries, computed.0, computed.1
                );
                (account.id.clone(), problem)
            })
        });
        let first_broken_account_id = broken.map(|(id, problem)| {
            walk.problem.get_or_insert(problem);
            id
        });
        Ok(Verification {
            ok: walk.first_broken_seq.is_none() && first_broken_account_id.is_none(),
            transactions_checked: walk.checked,
            balances_checked: accounts.len() as i64,
            first_broken_seq: walk.first_broken_seq,
            first_broken_account_id,
            problem: walk.problem,
            head_seq: head.seq,
            head_hash: head.hash,
        })
    })
}

/// Runs read-only work on one snapshot of the database, so that postings committed
/// meanwhile cannot look like breaks.
fn snapshot<T>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> ServiceResult<T>,
) -> ServiceResult<T> {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    conn.transaction(|conn| {
        if let DbConnection::Postgresql(pg) = &mut *conn {
            pg.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        }
        work(conn)
    })
}

/// A walk along the chain, recomputing each hash and each account's running balance.
#[derive(Default)]
struct ChainWalk {
    checked: i64,
    last_seq: i64,
    /// The hash recomputed for the last transaction walked.
    last_hash: String,
    /// The first seq found broken, and what broke there (or at an account).
    first_broken_seq: Option<i64>,
    problem: Option<String>,
    /// Per account: balance and number of postings, from the postings.
    balances: HashMap<String, (i64, i64)>,
    broken_accounts: std::collections::HashSet<String>,
}

impl ChainWalk {
    fn break_at(&mut self, seq: i64, problem: impl Into<String>) {
        if self.first_broken_seq.is_none() {
            self.first_broken_seq = Some(seq);
            self.problem = Some(problem.into());
        }
    }

    /// Walks transactions up to seq `until`, checking each link and hash; `each` sees
    /// every transaction with its recomputed hash in `walk.last_hash`.
    fn run(
        &mut self,
        conn: &mut DbConnection,
        until: i64,
        mut each: impl FnMut(&TransactionRow, &[PostingRow], &mut ChainWalk),
    ) -> ServiceResult<()> {
        self.last_hash = ledger::GENESIS_HASH.to_owned();
        let mut after = 0;
        while after < until {
            let batch = db::ledger::chain_after(conn, after, VERIFY_BATCH.min(until - after))?;
            if batch.is_empty() {
                break;
            }
            for (row, postings) in &batch {
                self.checked += 1;
                if row.seq != self.last_seq + 1 {
                    self.break_at(
                        self.last_seq + 1,
                        format!("seq {} is missing", self.last_seq + 1),
                    );
                }
                if row.prev_hash != self.last_hash {
                    self.break_at(
                        row.seq,
                        format!("seq {} does not link to its predecessor", row.seq),
                    );
                }
                let entry = chain_entry(row, postings);
                if let Err(e) = ledger::check_balanced(&entry.postings) {
                    self.break_at(row.seq, format!("seq {} does not balance: {e}", row.seq));
                }
                let recomputed = ledger::chain_hash(&self.last_hash, &entry);
                if recomputed != row.hash {
                    self.break_at(row.seq, format!("seq {} does not match its hash", row.seq));
                }
                self.last_seq = row.seq;
                self.last_hash = recomputed;
                each(row, postings, self);
            }
            after = self.last_seq;
        }
        Ok(())
    }

    /// Applies the postings to the running balances, checking each posting's recorded
    /// balance after it.
    fn check_postings(
        &mut self,
        row: &TransactionRow,
        postings: &[PostingRow],
        kinds: &HashMap<String, AccountKind>,
    ) {
        for posting in postings {
            let Some(kind) = kinds.get(&posting.account_id) else {
                self.break_at(
                    row.seq,
                    format!("seq {} posts to an unknown account", row.seq),
                );
                continue;
            };
            let running = self.balances.entry(posting.account_id.clone()).or_default();
            let balance = ledger::apply(running.0, *kind, posting.direction, posting.amount_minor);
            match balance {
                Some(balance) => *running = (balance, running.1 + 1),
                None => running.1 += 1,
            }
            if balance != Some(posting.balance_after_minor) {
                self.broken_accounts.insert(posting.account_id.clone());
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5b2-7c1e-7d3a-9f10-cccccccccc01", "seq": 42,
    "hash": "5f0c6a0d2b1c0e7e6d8f6b1f3b4f0b7c9a2d1e3f4a5b6c7d8e9f0a1b2c3d4e5f",
    "signed_at": "2027-03-01T11:00:00.000000Z",
    "public_key": "6kN6VcJzWk7Hd6B2Qq3ZKjWnq7l1m1Q0o8b2m3f5S9A=",
    "signature": "3q2+7w…=="
}))]
pub struct Checkpoint {
    pub id: String,
    /// The chain's length when signed.
    pub seq: i64,
    /// The hash of transaction `seq` (64 zeros for the empty chain).
    pub hash: String,
    pub signed_at: DateTime<Utc>,
    /// The Ed25519 key that signed, base64.
    pub public_key: String,
    /// Base64 Ed25519 signature of `ose-ledger-checkpoint-v1\n{seq}\n{hash}\n{signed_at}`
    /// (see the README).
    pub signature: String,
}

impl From<CheckpointRow> for Checkpoint {
    fn from(row: CheckpointRow) -> Checkpoint {
        Checkpoint {
            id: row.id,
            seq: row.seq,
            hash: row.hash,
            signed_at: row.signed_at.and_utc(),
            public_key: row.public_key,
            signature: row.signature,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"algorithm": "Ed25519", "public_key": "6kN6VcJzWk7Hd6B2Qq3ZKjWnq7l1m1Q0o8b2m3f5S9A="}))]
pub struct PublicKey {
    pub algorithm: String,
    /// Base64 of the 32-byte Ed25519 public key.
    pub public_key: String,
}

pub fn public_key(state: &AppState) -> PublicKey {
    PublicKey {
        algorithm: "Ed25519".to_owned(),
        public_key: state.ledger_signer.public_key(),
    }
}

/// Signs the chain's head as of now and keeps the checkpoint.
fn sign_head(
    conn: &mut DbConnection,
    signer: &Signer,
    now: NaiveDateTime,
) -> ServiceResult<CheckpointRow> {
    let head = db::ledger::head(conn)?;
    let signed_at = now.trunc_subsecs(6);
    let message = checkpoint::message(head.seq, &head.hash, signed_at.and_utc());
    let row = CheckpointRow {
        id: db::new_id(),
        seq: head.seq,
        hash: head.hash,
        signed_at,
        public_key: signer.public_key(),
        signature: signer.sign(&message),
    };
    db::ledger::insert_checkpoint(conn, &row)?;
    Ok(row)
}

/// Signs the head now (admins).
pub async fn create_checkpoint(
    state: &AppState,
    principal: &Principal,
) -> ServiceResult<Checkpoint> {
    require_admin(principal)?;
    let signer = state.ledger_signer.clone();
    let clock = state.clock.clone();
    state
        .db
        .write(move |conn| sign_head(conn, &signer, clock.now_naive()).map(Checkpoint::from))
        .await
}

/// Signs the head if it moved since the last checkpoint (the periodic signer); answers
/// the new checkpoint, if one was made.
pub async fn checkpoint_if_moved(state: &AppState) -> ServiceResult<Option<Checkpoint>> {
    let signer = state.ledger_signer.clone();
    let clock = state.clock.clone();
    state
        .db
        .write(move |conn| {
            // Locked, so that replicas starting together sign a moved head once.
            let head = db::ledger::lock_head(conn)?;
            let last = db::ledger::last_checkpoint(conn)?;
            if head.seq == 0
                || last.is_some_and(|last| last.seq == head.seq && last.hash == head.hash)
            {
                return Ok(None);
            }
            sign_head(conn, &signer, clock.now_naive()).map(|row| Some(Checkpoint::from(row)))
        })
        .await
}

/// The signed heads, newest first.
pub async fn list_checkpoints(state: &AppState, page: Page) -> ServiceResult<Slice<Checkpoint>> {
    let (before, fetch) = (page.after.clone(), page.fetch());
    let rows = state
        .db
        .run(move |conn| {
            Ok::<_, ServiceError>(db::ledger::list_checkpoints(
                conn,
                before.as_deref(),
                fetch,
            )?)
        })
        .await?;
    Ok(Slice::of(&page, rows, |c| c.id.clone(), Checkpoint::from))
}

/// The checkpoints in an auditor's file: one checkpoint, an array of them, or a page of
/// `GET /ledger/checkpoints` (`{"items": [...]}`).
pub fn parse_checkpoints(text: &str) -> Result<Vec<Checkpoint>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let items = match value {
        serde_json::Value::Object(mut page) if page.contains_key("items") => {
            page.remove("items").unwrap_or_default()
        }
        serde_json::Value::Array(items) => serde_json::Value::Array(items),
        one => serde_json::Value::Array(vec![one]),
    };
    let checkpoints: Vec<Checkpoint> =
        serde_json::from_value(items).map_err(|e| format!("not checkpoints: {e}"))?;
    if checkpoints.is_empty() {
        return Err("no checkpoint in it".to_owned());
    }
    Ok(checkpoints)
}

/// What checking kept checkpoints against the current chain found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointReport {
    /// Every checkpoint's signature verifies under its public key, and the recomputed
    /// chain passes through each one's hash.
    pub extends: bool,
    /// One line per checkpoint, in seq order.
    pub lines: Vec<String>,
    /// The last checkpoint the chain still matches, and the first it does not.
    pub last_matching_seq: Option<i64>,
    pub first_diverging_seq: Option<i64>,
}

/// Proves (or refutes) that the chain as stored now still extends each checkpoint: its
/// signature verifies, and the chain recomputed from the first transaction has, at the
/// checkpoint's seq, the checkpoint's hash. History rewritten with every hash
/// recomputed passes verification, but not this.
pub fn check_checkpoints(
    conn: &mut DbConnection,
    mut checkpoints: Vec<Checkpoint>,
) -> ServiceResult<CheckpointReport> {
    checkpoints.sort_by_key(|c| c.seq);
    let until = checkpoints.last().map_or(0, |c| c.seq);
    let wanted: std::collections::HashSet<i64> = checkpoints.iter().map(|c| c.seq).collect();
    let mut recomputed: HashMap<i64, String> = HashMap::new();
    recomputed.insert(0, ledger::GENESIS_HASH.to_owned());
    snapshot(conn, |conn| {
        let mut walk = ChainWalk::default();
        walk.run(conn, until, |row, _, walk| {
            if wanted.contains(&row.seq) {
                recomputed.insert(row.seq, walk.last_hash.clone());
            }
        })
    })?;
    let mut report = CheckpointReport {
        extends: true,
        lines: Vec::new(),
        last_matching_seq: None,
        first_diverging_seq: None,
    };
    for kept in &checkpoints {
        let message = checkpoint::message(kept.seq, &kept.hash, kept.signed_at);
        let verdict =
            if let Err(e) = checkpoint::verify(&kept.public_key, &message, &kept.signature) {
                Err(format!("its signature does not verify ({e:?})"))
            } else {
                match recomputed.get(&kept.seq) {
                    None => Err("the chain no longer reaches it".to_owned()),
                    Some(hash) if *hash != kept.hash => Err(format!(
                        "the chain recomputed from seq 1 has hash {hash} there"
                    )),
                    Some(_) => Ok(()),
                }
            };
        match verdict {
            Ok(()) => {
                report.lines.push(format!(
                    "checkpoint seq {} signed {}: the chain extends it",
                    kept.seq,
                    ledger::canonical_time(kept.signed_at.naive_utc())
                ));
                if report.first_diverging_seq.is_none() {
                    report.last_matching_seq = Some(kept.seq);
                }
            }
            Err(why) => {
                report.extends = false;
                report.lines.push(format!(
                    "checkpoint seq {} signed {}: DIVERGES: {why}",
                    kept.seq,
                    ledger::canonical_time(kept.signed_at.naive_utc())
                ));
                report.first_diverging_seq.get_or_insert(kept.seq);
            }
        }
    }
    if let Some(diverging) = report.first_diverging_seq {
        let after = report.last_matching_seq.unwrap_or(0);
        report.lines.push(format!(
            "history was changed between seq {} and seq {diverging}",
            after + 1
        ));
    }
    Ok(report)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransparencyQuery {
    /// First day included (UTC).
    pub from: Option<NaiveDate>,
    /// Last day included (UTC).
    pub to: Option<NaiveDate>,
    /// The currency reported [default: EUR].
    #[param(value_type = Option<Currency>)]
    pub currency: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProjectFlow {
    pub project_id: String,
    pub name: String,
    /// Credited to the project's fund by payments in the period, net of their reversals.
    pub credited_minor: i64,
    /// Paid out of the fund in the period, net of reversed payouts.
    pub paid_out_minor: i64,
    /// The fund's balance at the end of the period: owed to the project, not yet paid.
    pub outstanding_minor: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct TransparencyTotals {
    /// Contract value paid by buyers in the period, net of reversals.
    pub paid_minor: i64,
    pub platform_fees_minor: i64,
    /// Credited to upstream projects: the sum of `credited_minor`.
    pub upstream_minor: i64,
    /// `upstream_minor` in basis points of `paid_minor`, rounded down (0 when nothing was paid).
    pub upstream_bps: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "currency": "EUR", "from": "2027-01-01", "to": "2027-12-31",
    "projects": [{"project_id": "0193a5b2-7c1e-7d3a-9f10-555555555555", "name": "PostgreSQL",
                  "credited_minor": 52500, "paid_out_minor": 50000, "outstanding_minor": 2500}],
    "totals": {"paid_minor": 1750000, "platform_fees_minor": 87500, "upstream_minor": 52500, "upstream_bps": 300}
}))]
pub struct Transparency {
    #[schema(value_type = Currency)]
    pub currency: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Every project with a fund in this currency, most credited first.
    pub projects: Vec<ProjectFlow>,
    pub totals: TransparencyTotals,
}

/// The public report of where the money went in a period: per upstream project,
/// credited, paid out and outstanding; overall, what buyers paid, the fees, and the
/// upstream part. Computed from the postings, so it reconciles with the ledger.
pub async fn transparency(
    state: &AppState,
    query: TransparencyQuery,
) -> ServiceResult<Transparency> {
    let period = Period {
        from: query.from,
        to: query.to,
    };
    let (start, end) = period.bounds()?;
    let currency = query
        .currency
        .unwrap_or_else(|| crate::domain::money::DEFAULT_CURRENCY.to_owned());
    checked_currency(&currency)?;
    state
        .db
        .run(move |conn| {
            snapshot(conn, |conn| {
                let totals = db::ledger::posting_totals(conn, &currency, start, end)?;
                let balances = db::ledger::fund_balances_at(conn, &currency, end)?;
                let ids: Vec<String> = balances.iter().map(|(id, _)| id.clone()).collect();
                let names = db::projects::names(conn, &ids)?;
                Ok(report(
                    currency.clone(),
                    period.clone(),
                    &totals,
                    balances,
                    &names,
                ))
            })
        })
        .await
}

/// The report from the posting sums (pure arithmetic, so the test of reconciliation
/// exercises exactly what is served).
fn report(
    currency: String,
    period: Period,
    totals: &[db::ledger::PostingTotal],
    balances: Vec<(String, i64)>,
    names: &HashMap<String, String>,
) -> Transparency {
    let mut flows: HashMap<&str, (i64, i64)> = HashMap::new();
    let mut overall = TransparencyTotals::default();
    for total in totals {
        // What the transaction did: a payment or a payout, or (a reversal) the undoing
        // of one, whose opposite directions then subtract by themselves.
        let did = match (
            total.transaction_kind.as_str(),
            total.reversed_kind.as_deref(),
        ) {
            ("reversal", Some(undone)) => undone,
            (kind, _) => kind,
        };
        let on = |side: &str| {
            if total.direction == side {
                total.amount_minor
            } else {
                -total.amount_minor
            }
        };
        let owner = total.owner_id.as_deref().unwrap_or_default();
        match (total.account_kind.as_str(), did) {
            ("cash", "payment") => overall.paid_minor += on("debit"),
            ("platform_fees", "payment") => overall.platform_fees_minor += on("credit"),
            ("project_fund", "payment") => flows.entry(owner).or_default().0 += on("credit"),
            ("project_fund", "payout") => flows.entry(owner).or_default().1 += on("debit"),
            _ => {}
        }
    }
    let mut projects: Vec<ProjectFlow> = balances
        .into_iter()
        .map(|(project_id, outstanding_minor)| {
            let (credited_minor, paid_out_minor) =
                flows.get(project_id.as_str()).copied().unwrap_or_default();
            ProjectFlow {
                name: names.get(&project_id).cloned().unwrap_or_default(),
                project_id,
                credited_minor,
                paid_out_minor,
                outstanding_minor,
            }
        })
        .collect();
    projects.sort_by(|a, b| {
        b.credited_minor
            .cmp(&a.credited_minor)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.project_id.cmp(&b.project_id))
    });
    overall.upstream_minor = projects.iter().map(|p| p.credited_minor).sum();
    overall.upstream_bps = if overall.paid_minor > 0 {
        (i128::from(overall.upstream_minor) * i128::from(WHOLE_BPS)
            / i128::from(overall.paid_minor)) as i64
    } else {
        0
    };
    Transparency {
        currency,
        from: period.from,
        to: period.to,
        projects,
        totals: overall,
    }
}

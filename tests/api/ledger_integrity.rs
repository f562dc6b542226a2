//! The ledger's integrity, end to end: verification names a row changed behind the
//! service's back; signed checkpoints, checked by `ose-api verify-ledger`, catch history
//! rewritten with every hash recomputed (which verification alone cannot); and concurrent
//! postings, on one app or on two processes of the binary sharing PostgreSQL, leave a
//! chain without gap whose balances are the sums of their postings, never below zero.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use diesel::prelude::*;
use futures_util::future::join_all;
use ose_api::db::schema::{ledger_accounts, ledger_head, ledger_postings, ledger_transactions};
use ose_api::db::{self, Backend, DbConnection, ledger::PostingRow, ledger::TransactionRow};
use ose_api::domain::checkpoint::{self, BadSignature, Signer};
use ose_api::domain::ledger::{ChainEntry, GENESIS_HASH, chain_hash};
use serde_json::{Value, json};

use crate::cli::ose_api;
use crate::helpers::{LEDGER_SEED, SECRET, TestApp, TestDb, TestResponse};
use crate::ledger::{LEDGER, LedgerScene, pay, payment, payout, payout_body};

const VERIFY: &str = "/api/v1/ledger/verify";
const CHECKPOINTS: &str = "/api/v1/ledger/checkpoints";
const PUBLIC_KEY: &str = "/api/v1/ledger/public-key";

// ---------------------------------------------------------------------------------------
// Postings and reads shared by the tests.

/// Pays `amount_minor` out of `account_id` as `admin`; returns the transaction.
async fn pay_out(app: &TestApp, admin: &str, account_id: &str, amount_minor: i64) -> Value {
    payout(app, admin, account_id, amount_minor).await.ok(201)
}

/// The id of the account of this kind and owner.
async fn account_id(app: &TestApp, admin: &str, kind: &str, owner_id: &str) -> String {
    let page = app
        .get(
            &format!("{LEDGER}/accounts?kind={kind}&owner_id={owner_id}"),
            Some(admin),
        )
        .await
        .ok(200);
    let [account] = page["items"].as_array().expect("items").as_slice() else {
        panic!("one {kind} account of {owner_id}: {page}");
    };
    account["id"].as_str().expect("account id").to_owned()
}

/// The lead partner's payable.
async fn lead_payable(app: &TestApp, ledger: &LedgerScene) -> String {
    let scene = &ledger.scene;
    account_id(app, &scene.admin, "partner_payable", &scene.lead_id).await
}

/// A contract and three transactions: payments of 1,000,000 (seq 1) and 200,000 (seq 2),
/// then a payout of 100,000 from the lead's payable (seq 3). Six accounts: cash, fees,
/// two project funds, two payables.
async fn posted_ledger(app: &TestApp, reference: &str) -> (LedgerScene, Vec<Value>) {
    let ledger = LedgerScene::new(app, reference).await;
    let mut posted = vec![
        pay(app, &ledger, 1_000_000).await,
        pay(app, &ledger, 200_000).await,
    ];
    let payable = lead_payable(app, &ledger).await;
    posted.push(pay_out(app, &ledger.scene.admin, &payable, 100_000).await);
    (ledger, posted)
}

async fn verify(app: &TestApp, admin: &str) -> Value {
    app.get(VERIFY, Some(admin)).await.ok(200)
}

/// Signs the head as `token` (None: anonymously).
async fn sign_as(app: &TestApp, token: Option<&str>) -> TestResponse {
    app.send(TestApp::request(Method::POST, CHECKPOINTS, token))
        .await
}

async fn sign(app: &TestApp, admin: &str) -> Value {
    sign_as(app, Some(admin)).await.ok(201)
}

/// Runs `sql` straight on the test database, behind the service's back; returns how
/// many rows it changed.
fn tamper(app: &TestApp, sql: &str) -> usize {
    let mut conn = app.state.db.conn().expect("a connection");
    diesel::sql_query(sql)
        .execute(&mut *conn)
        .expect("the statement runs")
}

// ---------------------------------------------------------------------------------------
// 1. Verification.

#[actix_web::test]
async fn verify_on_an_untouched_ledger_is_ok_with_every_transaction_and_balance_counted() {
    let app = TestApp::spawn().await;
    let (ledger, posted) = posted_ledger(&app, "VERIFY-OK").await;
    let verified = verify(&app, &ledger.scene.admin).await;
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["transactions_checked"], 3);
    assert_eq!(verified["balances_checked"], 6);
    assert_eq!(verified["first_broken_seq"], Value::Null);
    assert_eq!(verified["first_broken_account_id"], Value::Null);
    assert_eq!(verified["problem"], Value::Null);
    assert_eq!(verified["head_seq"], 3);
    assert_eq!(verified["head_hash"], posted[2]["hash"]);
}

#[actix_web::test]
async fn verify_is_for_admins_only() {
    let app = TestApp::spawn().await;
    let (ledger, _) = posted_ledger(&app, "VERIFY-ADMIN").await;
    let scene = &ledger.scene;
    for token in [&scene.lead, &scene.buyer] {
        app.get(VERIFY, Some(token)).await.problem(403);
    }
    app.get(VERIFY, None).await.problem(401);
}

#[actix_web::test]
async fn verify_names_the_transaction_whose_posting_was_altered_in_the_database() {
    let app = TestApp::spawn().await;
    let (ledger, _) = posted_ledger(&app, "VERIFY-POSTING").await;
    let changed = tamper(
        &app,
        "UPDATE ledger_postings SET amount_minor = amount_minor + 1 \
         WHERE seq = 2 AND position = 0",
    );
    assert_eq!(changed, 1);
    let verified = verify(&app, &ledger.scene.admin).await;
    assert_eq!(verified["ok"], false, "{verified}");
    assert_eq!(verified["first_broken_seq"], 2, "{verified}");
    assert!(verified["problem"].is_string(), "{verified}");
}

#[actix_web::test]
async fn verify_names_the_account_whose_stored_balance_was_altered_in_the_database() {
    let app = TestApp::spawn().await;
    let (ledger, _) = posted_ledger(&app, "VERIFY-BALANCE").await;
    let scene = &ledger.scene;
    let account = account_id(&app, &scene.admin, "partner_payable", &scene.member_id).await;
    let changed = tamper(
        &app,
        &format!(
            "UPDATE ledger_accounts SET balance_minor = balance_minor + 5 WHERE id = '{account}'"
        ),
    );
    assert_eq!(changed, 1);
    let verified = verify(&app, &scene.admin).await;
    assert_eq!(verified["ok"], false, "{verified}");
    // The chain itself is intact: only the stored balance lies.
    assert_eq!(verified["first_broken_seq"], Value::Null, "{verified}");
    assert_eq!(verified["first_broken_account_id"], account, "{verified}");
}

// ---------------------------------------------------------------------------------------
// 2. Checkpoints.

#[actix_web::test]
async fn only_admins_sign_a_checkpoint_and_it_names_the_head() {
    let app = TestApp::spawn().await;
    let (ledger, posted) = posted_ledger(&app, "CHECKPOINT-SIGN").await;
    let scene = &ledger.scene;
    for token in [&scene.lead, &scene.buyer] {
        sign_as(&app, Some(token)).await.problem(403);
    }
    sign_as(&app, None).await.problem(401);
    let checkpoint = sign(&app, &scene.admin).await;
    assert_eq!(checkpoint["seq"], 3);
    assert_eq!(checkpoint["hash"], posted[2]["hash"]);
    // The refused attempts kept nothing.
    let kept = app.get(CHECKPOINTS, None).await.ok(200);
    assert_eq!(kept["items"], json!([checkpoint]));
}

#[actix_web::test]
async fn the_published_key_verifies_a_checkpoint_over_its_seq_hash_and_time() {
    let app = TestApp::spawn().await;
    let (ledger, _) = posted_ledger(&app, "CHECKPOINT-KEY").await;
    let checkpoint = sign(&app, &ledger.scene.admin).await;
    let key = app.get(PUBLIC_KEY, None).await.ok(200);
    assert_eq!(key["algorithm"], "Ed25519");
    assert_eq!(key["public_key"], checkpoint["public_key"]);
    // The key is the configured one, not one made for the process.
    let configured = Signer::from_base64(LEDGER_SEED)
        .expect("a seed")
        .public_key();
    assert_eq!(key["public_key"], configured);

    let seq = checkpoint["seq"].as_i64().expect("seq");
    let hash = checkpoint["hash"].as_str().expect("hash");
    let signed_at: chrono::DateTime<chrono::Utc> = checkpoint["signed_at"]
        .as_str()
        .expect("signed_at")
        .parse()
        .expect("an RFC 3339 time");
    let signature = checkpoint["signature"].as_str().expect("signature");
    let public_key = key["public_key"].as_str().expect("public key");
    assert_eq!(
        checkpoint::verify(
            public_key,
            &checkpoint::message(seq, hash, signed_at),
            signature
        ),
        Ok(())
    );
    // The signature covers exactly that head: an earlier seq does not verify with it.
    assert_eq!(
        checkpoint::verify(
            public_key,
            &checkpoint::message(seq - 1, hash, signed_at),
            signature
        ),
        Err(BadSignature::Mismatch)
    );
}

#[actix_web::test]
async fn checkpoints_are_public_newest_first_and_paginated() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "CHECKPOINT-LIST").await;
    let admin = &ledger.scene.admin;
    // The empty chain, then after each of two payments.
    let mut signed = vec![sign(&app, admin).await];
    for amount in [10_000, 20_000] {
        pay(&app, &ledger, amount).await;
        signed.push(sign(&app, admin).await);
    }
    assert_eq!(signed[0]["seq"], 0);
    assert_eq!(signed[0]["hash"], GENESIS_HASH);

    let first = app.get(&format!("{CHECKPOINTS}?limit=2"), None).await;
    assert!(
        first
            .header("link")
            .is_some_and(|link| link.contains("rel=\"next\"")),
        "a Link to the next page"
    );
    let first = first.ok(200);
    assert_eq!(first["items"], json!([signed[2], signed[1]]));
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = app
        .get(&format!("{CHECKPOINTS}?limit=2&cursor={cursor}"), None)
        .await
        .ok(200);
    assert_eq!(second["items"], json!([signed[0]]));
    assert_eq!(second["next_cursor"], Value::Null);
}

// ---------------------------------------------------------------------------------------
// 3. `ose-api verify-ledger --checkpoint FILE`.

/// A file in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(what: &str) -> TempFile {
        TempFile(
            std::env::temp_dir().join(format!("ose-api-{what}-{}", uuid::Uuid::now_v7().simple())),
        )
    }

    /// A file holding `value` as JSON, as an auditor keeps checkpoints.
    fn json(what: &str, value: &Value) -> TempFile {
        let file = TempFile::new(what);
        std::fs::write(&file.0, value.to_string()).expect("write the file");
        file
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `ose-api verify-ledger --checkpoint FILE` on the database at `url`: its exit code and
/// the lines it printed.
fn verify_ledger_cli(url: &str, kept: &TempFile) -> (i32, Vec<String>) {
    let output = ose_api()
        .args(["verify-ledger", "--checkpoint"])
        .arg(&kept.0)
        .env("DATABASE_URL", url)
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let code = output.status.code().unwrap_or_else(|| {
        panic!(
            "killed by a signal; stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (code, stdout.lines().map(str::to_owned).collect())
}

/// Asserts the CLI's verdict on `kept`: exit 0 and a line saying the chain extends the
/// checkpoint at each of `extended`; the chain verifies with `transactions`.
fn assert_cli_holds(url: &str, kept: &TempFile, extended: &[i64], transactions: i64) {
    let (code, lines) = verify_ledger_cli(url, kept);
    assert_eq!(code, 0, "{lines:#?}");
    for seq in extended {
        assert!(
            lines
                .iter()
                .any(|line| line.starts_with(&format!("checkpoint seq {seq} "))
                    && line.ends_with(": the chain extends it")),
            "seq {seq}: {lines:#?}"
        );
    }
    assert!(
        lines
            .last()
            .is_some_and(|line| line
                .starts_with(&format!("the chain verifies: {transactions} transactions"))),
        "{lines:#?}"
    );
}

#[actix_web::test]
async fn the_cli_proves_a_growing_chain_still_extends_a_kept_checkpoint() {
    // The CLI reads the database the app writes: the app is built on a TestDb whose
    // URL is kept.
    let db = TestDb::migrated();
    let url = db.url.clone();
    let app = TestApp::on(db).await;
    let (ledger, _) = posted_ledger(&app, "CLI-EXTENDS").await;
    let checkpoint = sign(&app, &ledger.scene.admin).await;
    let one = TempFile::json("checkpoint", &checkpoint);
    let page = TempFile::json("checkpoints", &app.get(CHECKPOINTS, None).await.ok(200));
    for kept in [&one, &page] {
        assert_cli_holds(&url, kept, &[3], 3);
    }
    // The chain grows past the checkpoint: it still extends it.
    pay(&app, &ledger, 50_000).await;
    pay(&app, &ledger, 60_000).await;
    for kept in [&one, &page] {
        assert_cli_holds(&url, kept, &[3], 5);
    }
}

#[actix_web::test]
async fn the_cli_refuses_a_kept_checkpoint_edited_to_another_head() {
    let db = TestDb::migrated();
    let url = db.url.clone();
    let app = TestApp::on(db).await;
    let (ledger, posted) = posted_ledger(&app, "CLI-FORGED").await;
    let mut forged = sign(&app, &ledger.scene.admin).await;
    // A head the chain does pass through: only the signature can tell it was not the
    // one signed.
    forged["seq"] = json!(2);
    forged["hash"] = posted[1]["hash"].clone();
    let (code, lines) = verify_ledger_cli(&url, &TempFile::json("forged", &forged));
    assert_eq!(code, 1, "{lines:#?}");
    assert!(
        lines[0].starts_with("checkpoint seq 2 ")
            && lines[0].contains("DIVERGES: its signature does not verify"),
        "{lines:#?}"
    );
}

/// The stored transaction as the chain hashes it, exactly as the service builds it.
fn chain_entry<'a>(row: &'a TransactionRow, postings: &'a [PostingRow]) -> ChainEntry<'a> {
    ose_api::service::ledger::chain_entry(row, postings)
}

/// Adds `delta` to `account`'s posting in transaction `seq` and to every balance that
/// shows it since: the running balances from `seq` on, and the stored balance. (The
/// posting must be on the account's normal side, as a payment's credit to a payable.)
fn shift(conn: &mut DbConnection, account: &str, seq: i64, delta: i64) -> QueryResult<()> {
    use ledger_postings::dsl as p;
    diesel::update(p::ledger_postings.filter(p::account_id.eq(account).and(p::seq.eq(seq))))
        .set(p::amount_minor.eq(p::amount_minor + delta))
        .execute(conn)?;
    diesel::update(p::ledger_postings.filter(p::account_id.eq(account).and(p::seq.ge(seq))))
        .set(p::balance_after_minor.eq(p::balance_after_minor + delta))
        .execute(conn)?;
    diesel::update(ledger_accounts::table.find(account))
        .set(ledger_accounts::balance_minor.eq(ledger_accounts::balance_minor + delta))
        .execute(conn)?;
    Ok(())
}

/// Rewrites history as an administrator with write access to the database could:
/// moves `amount_minor` of the payment at `seq` from one payable to another, fixes every
/// balance that shows it, recomputes every hash from `seq` on and puts the head on the
/// new last hash. The ledger is consistent again; only a kept checkpoint can tell.
fn rewrite_history(app: &TestApp, seq: i64, from: &str, to: &str, amount_minor: i64) {
    let mut conn = app.state.db.conn().expect("a connection");
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        shift(conn, from, seq, -amount_minor)?;
        shift(conn, to, seq, amount_minor)?;
        let chain = db::ledger::chain_after(conn, 0, 10_000)?;
        let mut prev_hash = GENESIS_HASH.to_owned();
        for (row, postings) in &chain {
            if row.seq < seq {
                prev_hash = row.hash.clone();
                continue;
            }
            let hash = chain_hash(&prev_hash, &chain_entry(row, postings));
            diesel::update(ledger_transactions::table.find(&row.id))
                .set((
                    ledger_transactions::prev_hash.eq(&prev_hash),
                    ledger_transactions::hash.eq(&hash),
                ))
                .execute(conn)?;
            prev_hash = hash;
        }
        let last_seq = chain.last().map_or(0, |(row, _)| row.seq);
        // The head's trigger fires on UPDATE and lets it only advance by one; replacing
        // the row passes it on both backends, as a dishonest administrator would.
        diesel::delete(ledger_head::table).execute(conn)?;
        diesel::insert_into(ledger_head::table)
            .values((
                ledger_head::id.eq(1),
                ledger_head::seq.eq(last_seq),
                ledger_head::hash.eq(&prev_hash),
            ))
            .execute(conn)?;
        Ok(())
    })
    .expect("the rewrite commits");
}

#[actix_web::test]
async fn the_cli_catches_history_rewritten_with_every_hash_recomputed() {
    let db = TestDb::migrated();
    let url = db.url.clone();
    let app = TestApp::on(db).await;
    let ledger = LedgerScene::new(&app, "CLI-REWRITE").await;
    let scene = &ledger.scene;
    // Checkpoints at seq 1 and seq 3, around the payment (seq 2) to be rewritten.
    pay(&app, &ledger, 1_000_000).await;
    sign(&app, &scene.admin).await;
    let rewritten = pay(&app, &ledger, 200_000).await;
    let payable = lead_payable(&app, &ledger).await;
    pay_out(&app, &scene.admin, &payable, 100_000).await;
    let at_three = sign(&app, &scene.admin).await;
    let last = pay(&app, &ledger, 300_000).await;
    let one = TempFile::json("checkpoint", &at_three);
    let page = TempFile::json("checkpoints", &app.get(CHECKPOINTS, None).await.ok(200));
    assert_cli_holds(&url, &page, &[1, 3], 4);

    // 1,000 of the lead's share of seq 2 moved to the member.
    let member_payable = account_id(&app, &scene.admin, "partner_payable", &scene.member_id).await;
    rewrite_history(&app, 2, &payable, &member_payable, 1_000);

    // Internally consistent: verification alone sees nothing wrong.
    let verified = verify(&app, &scene.admin).await;
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["transactions_checked"], 4);
    assert_ne!(
        verified["head_hash"], last["hash"],
        "the chain was rewritten"
    );
    let stored = app
        .get(
            &format!(
                "{LEDGER}/transactions/{}",
                rewritten["id"].as_str().expect("id")
            ),
            Some(&scene.admin),
        )
        .await
        .ok(200);
    assert_ne!(stored["hash"], rewritten["hash"], "seq 2 was rewritten");

    // The checkpoint signed at seq 3 is no longer on the chain.
    let (code, lines) = verify_ledger_cli(&url, &one);
    assert_eq!(code, 1, "{lines:#?}");
    assert!(
        lines[0].starts_with("checkpoint seq 3 ") && lines[0].contains("DIVERGES"),
        "{lines:#?}"
    );
    // With checkpoints on both sides of it, the output brackets the change.
    let (code, lines) = verify_ledger_cli(&url, &page);
    assert_eq!(code, 1, "{lines:#?}");
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(
        lines[0].starts_with("checkpoint seq 1 ") && lines[0].ends_with("the chain extends it"),
        "{lines:#?}"
    );
    assert!(
        lines[1].starts_with("checkpoint seq 3 ") && lines[1].contains("DIVERGES"),
        "{lines:#?}"
    );
    assert_eq!(lines[2], "history was changed between seq 2 and seq 3");
    assert!(
        lines[3].starts_with("the chain verifies: 4 transactions"),
        "the rewritten chain is consistent: {lines:#?}"
    );
}

// ---------------------------------------------------------------------------------------
// 4 and 5. Concurrent postings, over HTTP.

/// One request, whichever way it travels.
struct Call {
    method: Method,
    path: String,
    token: Option<String>,
    body: Option<Value>,
    idempotency_key: Option<String>,
}

impl Call {
    fn get(path: &str, token: Option<&str>) -> Call {
        Call {
            method: Method::GET,
            path: path.to_owned(),
            token: token.map(str::to_owned),
            body: None,
            idempotency_key: None,
        }
    }

    /// A POST with `body` and an `Idempotency-Key`, as a careful client sends them.
    fn post(path: &str, token: &str, body: Value, key: String) -> Call {
        Call {
            method: Method::POST,
            body: Some(body),
            idempotency_key: Some(key),
            ..Call::get(path, Some(token))
        }
    }
}

/// Where the workload's requests go: the in-process app, or servers over real HTTP.
trait Transport {
    /// Sends `call` and reads the answer whole, checked against the OpenAPI document.
    async fn exchange(&self, call: Call) -> TestResponse;
}

impl Transport for TestApp {
    async fn exchange(&self, call: Call) -> TestResponse {
        let mut request = TestApp::request(call.method, &call.path, call.token.as_deref());
        if let Some(key) = call.idempotency_key {
            request = request.insert_header(("Idempotency-Key", key));
        }
        if let Some(body) = call.body {
            request = request.set_json(body);
        }
        self.send(request).await
    }
}

/// Every item of a list as `token` sees it, page after page to the last.
async fn all_items(transport: &impl Transport, token: &str, path: &str) -> Vec<Value> {
    // Pages smaller than the lists, so that following the cursor is part of the read.
    let first = format!("{path}?limit=40");
    let mut next = Some(first.clone());
    let mut items = Vec::new();
    while let Some(page_path) = next {
        let page = transport
            .exchange(Call::get(&page_path, Some(token)))
            .await
            .ok(200);
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        next = page["next_cursor"]
            .as_str()
            .map(|cursor| format!("{first}&cursor={cursor}"));
    }
    items
}

/// How many clients post at once, and how many rounds of (a payment, a payout from the
/// payable, a payout from the fund) each sends in sequence.
const CLIENTS: usize = 16;
const ROUNDS: usize = 2;
/// Each payment of 100,000 credits the lead's payable 64,400 and the first project's
/// fund 1,500. With the first payment of 1,000,000 (644,000 and 15,000), the payable
/// receives 2,704,800 in all and the fund 63,000, while the clients ask 3,840,000 and
/// 96,000 of them: some payouts of each must be refused, whatever the order.
const FIRST_PAYMENT: i64 = 1_000_000;
const PAYMENT: i64 = 100_000;
const PAYABLE_PAYOUT: i64 = 120_000;
const FUND_PAYOUT: i64 = 3_000;

/// What a workload call posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Posting {
    Payment,
    PayableOut,
    FundOut,
}

/// A contract and the accounts every client draws on.
struct Workload {
    admin: String,
    buyer: String,
    payments_path: String,
    payable: String,
    fund: String,
}

impl Workload {
    /// The contract's first payment is posted through `app` (which also made the
    /// users the tokens name), so the payable and the fund exist with some money.
    async fn prepare(app: &TestApp, reference: &str) -> Workload {
        let ledger = LedgerScene::new(app, reference).await;
        pay(app, &ledger, FIRST_PAYMENT).await;
        let scene = &ledger.scene;
        Workload {
            payable: lead_payable(app, &ledger).await,
            fund: account_id(app, &scene.admin, "project_fund", &ledger.projects[0]).await,
            payments_path: ledger.payments_path(),
            admin: scene.admin.clone(),
            buyer: scene.buyer.clone(),
        }
    }

    /// The calls `client` sends, in order, each with a key of its own.
    fn calls(&self, client: usize) -> Vec<(Posting, Call)> {
        let mut calls = Vec::new();
        for round in 0..ROUNDS {
            let tag = format!("{client}-{round}");
            let mut body = payment(PAYMENT);
            body["reference"] = json!(format!("INV-{tag}"));
            calls.push((
                Posting::Payment,
                Call::post(&self.payments_path, &self.buyer, body, format!("pay-{tag}")),
            ));
            for (posting, account, amount) in [
                (Posting::PayableOut, &self.payable, PAYABLE_PAYOUT),
                (Posting::FundOut, &self.fund, FUND_PAYOUT),
            ] {
                let key = format!("{posting:?}-{tag}");
                calls.push((
                    posting,
                    Call::post(
                        "/api/v1/payouts",
                        &self.admin,
                        payout_body(account, amount),
                        key,
                    ),
                ));
            }
        }
        calls
    }

    /// Every client at once, each sending its calls in sequence; every answer.
    async fn play(&self, transport: &impl Transport) -> Vec<(Posting, TestResponse)> {
        let clients = (0..CLIENTS).map(|client| async move {
            let mut answers = Vec::new();
            for (posting, call) in self.calls(client) {
                answers.push((posting, transport.exchange(call).await));
            }
            answers
        });
        join_all(clients).await.into_iter().flatten().collect()
    }
}

/// Asserts that every answer is a posting made (201) or a payout refused for
/// overdraft (422 `insufficient_balance`), never a server error; that some payouts of
/// each account were refused; returns how many transactions were posted.
fn posted_count(answers: &[(Posting, TestResponse)]) -> usize {
    let mut refused = Vec::new();
    for (posting, answer) in answers {
        assert!(
            !answer.status.is_server_error(),
            "{posting:?}: {} {}",
            answer.status,
            String::from_utf8_lossy(&answer.body)
        );
        if answer.status == StatusCode::CREATED {
            continue;
        }
        assert_ne!(*posting, Posting::Payment, "a payment is always posted");
        assert_eq!(
            answer.invalid_fields(&["#/amount_minor"]),
            ["insufficient_balance"]
        );
        refused.push(*posting);
    }
    for overdrawn in [Posting::PayableOut, Posting::FundOut] {
        assert!(
            refused.contains(&overdrawn),
            "{overdrawn:?}: more was asked than credited, yet nothing was refused"
        );
    }
    answers.len() - refused.len()
}

/// Whether postings on the debit side raise the account's balance: cash and
/// receivables (what the network has or is owed); the other accounts are what it
/// owes, raised by credits.
fn debit_normal(kind: &str) -> bool {
    matches!(kind, "cash" | "buyer_receivable")
}

/// Asserts, as `admin` reads it through `transport`, that the ledger verifies with
/// `expected` transactions whose seqs run 1..=expected, and that every account's balance
/// is at least zero and the sum of its postings (each running balance too).
async fn assert_consistent(transport: &impl Transport, admin: &str, expected: usize) {
    let verified = transport
        .exchange(Call::get(VERIFY, Some(admin)))
        .await
        .ok(200);
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["transactions_checked"], expected, "{verified}");

    let transactions = all_items(transport, admin, &format!("{LEDGER}/transactions")).await;
    let seqs: Vec<i64> = transactions
        .iter()
        .map(|t| t["seq"].as_i64().expect("seq"))
        .collect();
    let gapless: Vec<i64> = (1..=expected as i64).collect();
    assert_eq!(
        seqs, gapless,
        "one transaction per posting answered, no gap"
    );

    let accounts = all_items(transport, admin, &format!("{LEDGER}/accounts")).await;
    for account in &accounts {
        let id = account["id"].as_str().expect("id");
        let balance = account["balance_minor"].as_i64().expect("balance");
        assert!(balance >= 0, "{account}");
        let entries = all_items(transport, admin, &format!("{LEDGER}/accounts/{id}/entries")).await;
        let raises = if debit_normal(account["kind"].as_str().expect("kind")) {
            "debit"
        } else {
            "credit"
        };
        let mut running = 0;
        for entry in &entries {
            let amount = entry["amount_minor"].as_i64().expect("amount");
            running += if entry["direction"] == raises {
                amount
            } else {
                -amount
            };
            assert_eq!(entry["balance_after_minor"], running, "{id}: {entry}");
        }
        assert_eq!(running, balance, "{account}: the sum of its postings");
        assert_eq!(account["entries"], entries.len(), "{account}");
    }
}

#[actix_web::test]
async fn concurrent_payments_and_overdrawing_payouts_leave_a_gapless_chain_of_exact_balances() {
    let app = TestApp::spawn().await;
    let workload = Workload::prepare(&app, "LEDGER-CONCURRENT").await;
    let answers = workload.play(&app).await;
    // The first payment, then every posting answered 201.
    let posted = 1 + posted_count(&answers);
    assert_consistent(&app, &workload.admin, posted).await;
}

#[actix_web::test]
async fn verification_while_postings_land_always_sees_a_whole_ledger() {
    let app = TestApp::spawn().await;
    let workload = Workload::prepare(&app, "LEDGER-VERIFY-RACE").await;
    // An auditor verifying over and over while the clients post: each verification
    // reads one snapshot, so a posting half seen must never look like a break.
    let auditor = async {
        let mut seen = Vec::new();
        for _ in 0..20 {
            seen.push(
                app.exchange(Call::get(VERIFY, Some(&workload.admin)))
                    .await
                    .ok(200),
            );
        }
        seen
    };
    let (answers, verifications) = futures_util::future::join(workload.play(&app), auditor).await;
    for verified in &verifications {
        assert_eq!(verified["ok"], true, "{verified}");
        assert_eq!(
            verified["transactions_checked"], verified["head_seq"],
            "{verified}"
        );
    }
    let posted = 1 + posted_count(&answers);
    assert_consistent(&app, &workload.admin, posted).await;
}

/// Sends one request over a fresh connection (`Connection: close`) and reads the answer
/// by its `Content-Length`: all the HTTP/1.1 these tests need, without another
/// dependency.
fn http_exchange(address: SocketAddr, call: &Call) -> std::io::Result<TestResponse> {
    let mut stream = TcpStream::connect(address)?;
    // A bound, so that a server that hangs fails the test instead of blocking it.
    stream.set_read_timeout(Some(Duration::from_secs(120)))?;
    let body = call.body.as_ref().map(Value::to_string).unwrap_or_default();
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n",
        call.method, call.path
    );
    if let Some(token) = &call.token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if let Some(key) = &call.idempotency_key {
        head.push_str(&format!("Idempotency-Key: {key}\r\n"));
    }
    if call.body.is_some() {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    Ok(parse_answer(&raw))
}

/// The status, headers and body of a whole HTTP/1.1 answer.
fn parse_answer(raw: &[u8]) -> TestResponse {
    let end = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no complete head in {}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..end]).expect("an ASCII head");
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head}"));
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').expect("a header line");
        headers.append(
            HeaderName::from_bytes(name.trim().as_bytes()).expect("a header name"),
            HeaderValue::from_str(value.trim()).expect("a header value"),
        );
    }
    assert!(
        !headers.contains_key("transfer-encoding"),
        "sized answers only: {head}"
    );
    let body = &raw[end + 4..];
    let length = headers.get("content-length").map_or(body.len(), |length| {
        length
            .to_str()
            .ok()
            .and_then(|text| text.parse().ok())
            .expect("a Content-Length")
    });
    assert!(body.len() >= length, "a truncated body: {head}");
    TestResponse {
        status: StatusCode::from_u16(status).expect("a status"),
        headers,
        body: Bytes::copy_from_slice(&body[..length]),
    }
}

/// A process of the binary serving on its own port; killed when dropped, also when the
/// test panics.
struct Server {
    child: Child,
    address: SocketAddr,
    log: TempFile,
}

impl Server {
    /// Starts `ose-api serve` on `database_url` and `address`, with the tests' JWT
    /// secret (so the tokens of the test app are good here) and ledger key.
    fn start(database_url: &str, address: SocketAddr) -> Server {
        let log = TempFile::new("server-log");
        let child = ose_api()
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("BIND", address.to_string())
            .env(
                "JWT_SECRET",
                std::str::from_utf8(SECRET).expect("an ASCII secret"),
            )
            .env("LEDGER_SIGNING_KEY", LEDGER_SEED)
            .env("WORKERS", "2")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&log.0).expect("a log file"))
            .spawn()
            .expect("the binary starts");
        Server {
            child,
            address,
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log.0).unwrap_or_default()
    }

    /// Waits until `/readyz` answers 200 (the server migrated and reaches the database).
    fn wait_ready(&mut self) {
        for _ in 0..600 {
            if let Some(status) = self.child.try_wait().expect("the server's status") {
                panic!(
                    "the server stopped ({status}) before it was ready:\n{}",
                    self.log()
                );
            }
            let ready = http_exchange(self.address, &Call::get("/readyz", None));
            if ready.is_ok_and(|answer| answer.status == StatusCode::OK) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the server was not ready after a minute:\n{}", self.log());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Servers sharing one database, taking requests in turn.
struct Servers {
    servers: Vec<Server>,
    turn: AtomicUsize,
}

impl Servers {
    fn start(database_url: &str, count: usize) -> Servers {
        // Every port is held until all are known, so no two servers get the same one.
        let listeners: Vec<TcpListener> = (0..count)
            .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free port"))
            .collect();
        let addresses: Vec<SocketAddr> = listeners
            .iter()
            .map(|listener| listener.local_addr().expect("its address"))
            .collect();
        drop(listeners);
        let mut servers: Vec<Server> = addresses
            .into_iter()
            .map(|address| Server::start(database_url, address))
            .collect();
        for server in &mut servers {
            server.wait_ready();
        }
        Servers {
            servers,
            turn: AtomicUsize::new(0),
        }
    }
}

impl Transport for Servers {
    async fn exchange(&self, call: Call) -> TestResponse {
        // Consecutive requests, of one client as of all, go to alternate servers.
        let turn = self.turn.fetch_add(1, Ordering::Relaxed) % self.servers.len();
        let address = self.servers[turn].address;
        let method = call.method.to_string();
        let path = call.path.split('?').next().unwrap_or_default().to_owned();
        // The client blocks: it runs on the blocking pool so that clients overlap.
        let answer = actix_web::rt::task::spawn_blocking(move || http_exchange(address, &call))
            .await
            .expect("the client's thread")
            .unwrap_or_else(|e| panic!("{method} {path} to {address}: {e}"));
        crate::contract::check(&method, &path, &answer);
        answer
    }
}

#[actix_web::test]
async fn two_server_processes_on_one_postgresql_post_without_gap_or_overdraft() {
    // PostgreSQL only, as `ops.rs` does: two processes share a database through a
    // server; SQLite's file lock serialises processes and is covered by the test above.
    let db = TestDb::migrated();
    if db.backend != Backend::Postgres {
        return;
    }
    let url = db.url.clone();
    // The users the tokens name, the contract and the first payment, made through the
    // in-process app on the database the servers then use.
    let app = TestApp::on(db).await;
    let workload = Workload::prepare(&app, "LEDGER-TWO-PROCESSES").await;
    let servers = Servers::start(&url, 2);
    let answers = workload.play(&servers).await;
    let posted = 1 + posted_count(&answers);
    assert_consistent(&servers, &workload.admin, posted).await;
}

//! The revenue-share ledger over HTTP: agreements made at award, payments split to the
//! exact minor unit, payouts, reversals, statements, verification, checkpoints and the
//! transparency report.

use std::collections::{HashMap, HashSet};

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::contracts::awarded_to_consortium;
use crate::fixtures::{Scene, action, bid_action, lot_id, tender_body, tender_path};
use crate::helpers::{TestApp, TestResponse};
use crate::idempotency::{key_refused, post_with_key};
use crate::tenders::award;

pub const LEDGER: &str = "/api/v1/ledger";

/// A ledger scene: the procurement scene, two upstream projects linked to the
/// `postgresql` skill (lot 0's only skill, weight 8), and a contract on lot 0 awarded to
/// the consortium (lead 7000 bps, member 3000 bps).
pub struct LedgerScene {
    pub scene: Scene,
    pub contract_id: String,
    /// Project ids, in id order (the default allocation's tie order).
    pub projects: Vec<String>,
}

impl LedgerScene {
    pub async fn new(app: &TestApp, reference: &str) -> LedgerScene {
        let scene = Scene::new(app).await;
        let projects = upstream_projects(app, &scene, reference).await;
        let (_, contract) = awarded_to_consortium(app, &scene, reference).await;
        LedgerScene {
            contract_id: id(&contract),
            scene,
            projects,
        }
    }

    /// The same scene, but lot 0 awarded to a consortium of all three partners: lead
    /// 3334 bps, member 3333, outsider 3333 (shares that do not divide evenly).
    pub async fn with_three_members(app: &TestApp, reference: &str) -> LedgerScene {
        let scene = Scene::new(app).await;
        let projects = upstream_projects(app, &scene, reference).await;
        let contract_id = awarded_to(
            app,
            &scene.buyer,
            reference,
            0,
            &[
                (&scene.lead_id, &scene.lead, 3334),
                (&scene.member_id, &scene.member, 3333),
                (&scene.outsider_id, &scene.outsider, 3333),
            ],
        )
        .await;
        LedgerScene {
            contract_id,
            scene,
            projects,
        }
    }

    pub fn payments_path(&self) -> String {
        payments_path(&self.contract_id)
    }

    pub fn revenue_share_path(&self) -> String {
        revenue_share_path(&self.contract_id)
    }
}

pub fn payments_path(contract_id: &str) -> String {
    format!("/api/v1/contracts/{contract_id}/payments")
}

pub fn revenue_share_path(contract_id: &str) -> String {
    format!("/api/v1/contracts/{contract_id}/revenue-share")
}

fn id(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(id)
        .collect()
}

/// A new upstream project linked to `skills`; its id.
async fn project(app: &TestApp, admin: &str, slug: &str, skills: Value) -> String {
    let project = app
        .post(
            "/api/v1/projects",
            Some(admin),
            json!({"slug": slug, "name": format!("Project {slug}"),
                   "repository_url": format!("https://git.example/{slug}"),
                   "license": "PostgreSQL", "skills": skills}),
        )
        .await
        .ok(201);
    id(&project)
}

/// Two projects linked to `postgresql`, in id order (the default allocation's tie
/// order, both getting the lot's weight 8).
async fn upstream_projects(app: &TestApp, scene: &Scene, reference: &str) -> Vec<String> {
    let mut projects = Vec::new();
    for slug in ["pg-core", "pg-tools"] {
        let slug = format!("{slug}-{}", reference.to_lowercase());
        projects.push(project(app, &scene.admin, &slug, json!(["postgresql"])).await);
    }
    projects.sort();
    projects
}

/// A contract on lot `lot` of a new tender of the buyer behind `buyer`, awarded to a
/// bid of `members` (partner id, token, share; the first leads, the others confirm);
/// its id.
pub async fn awarded_to(
    app: &TestApp,
    buyer: &str,
    reference: &str,
    lot: usize,
    members: &[(&str, &str, i64)],
) -> String {
    let tender = app
        .post(
            "/api/v1/tenders",
            Some(buyer),
            tender_body(app, reference, json!({})),
        )
        .await
        .ok(201);
    action(app, buyer, &tender, "publish").await.ok(200);
    let lot = lot_id(&tender, lot);
    let shares: Vec<Value> = members
        .iter()
        .map(|(partner_id, _, share)| json!({"partner_id": partner_id, "share_bps": share}))
        .collect();
    let (_, lead, _) = members[0];
    let bid = app
        .post(
            &format!("{}/bids", tender_path(&tender)),
            Some(lead),
            json!({"lot_id": lot, "members": shares, "price_minor": 75_000_000,
                   "currency": "EUR"}),
        )
        .await
        .ok(201);
    for (_, token, _) in &members[1..] {
        bid_action(app, token, &bid, "confirm").await.ok(200);
    }
    let bid = bid_action(app, lead, &bid, "submit").await.ok(200);
    action(app, buyer, &tender, "close").await.ok(200);
    let outcome = award(app, buyer, &tender, &[(&lot, &bid)]).await.ok(200);
    id(&outcome["contracts"][0])
}

pub fn payment(amount_minor: i64) -> Value {
    json!({"amount_minor": amount_minor, "currency": "EUR", "received_on": "2027-03-01",
           "reference": format!("INV-{amount_minor}")})
}

/// The amount each account of a transaction's postings received, by account id, with
/// the account's kind and owner read as admin.
pub async fn posted(app: &TestApp, admin: &str, transaction: &Value) -> Vec<(String, String, i64)> {
    let mut parts = Vec::new();
    for posting in transaction["postings"].as_array().expect("postings") {
        let account = app
            .get(
                &format!(
                    "{LEDGER}/accounts/{}",
                    posting["account_id"].as_str().expect("id")
                ),
                Some(admin),
            )
            .await
            .ok(200);
        parts.push((
            account["kind"].as_str().expect("kind").to_owned(),
            account["owner_id"].as_str().unwrap_or("").to_owned(),
            posting["amount_minor"].as_i64().expect("amount")
                * if posting["direction"] == "debit" {
                    -1
                } else {
                    1
                },
        ));
    }
    parts
}

/// The network's default floor: the least part of every payment that goes upstream.
const UPSTREAM_FLOOR_BPS: i64 = 100;

/// Records `payment(amount_minor)` on the scene's contract as its buyer.
pub async fn pay(app: &TestApp, ledger: &LedgerScene, amount_minor: i64) -> Value {
    app.post(
        &ledger.payments_path(),
        Some(&ledger.scene.buyer),
        payment(amount_minor),
    )
    .await
    .ok(201)
}

/// The credits of a payment in the agreement's order, as (account kind, owner, part):
/// the fee, each project's fund, each member's payable.
fn credits<'a>(
    fee: i64,
    projects: &[(&'a str, i64)],
    members: &[(&'a str, i64)],
) -> Vec<(&'static str, &'a str, i64)> {
    std::iter::once(("platform_fees", "", fee))
        .chain(
            projects
                .iter()
                .map(|&(owner, part)| ("project_fund", owner, part)),
        )
        .chain(
            members
                .iter()
                .map(|&(owner, part)| ("partner_payable", owner, part)),
        )
        .collect()
}

/// Asserts that `transaction` debits cash by `amount_minor` and credits exactly the
/// nonzero `credits`, in their order (a zero part posts nothing); that the parts sum to
/// the amount; and that upstream received at least the floor's share of it.
async fn assert_split(
    app: &TestApp,
    admin: &str,
    transaction: &Value,
    amount_minor: i64,
    credits: &[(&str, &str, i64)],
) {
    let mut expected = vec![("cash".to_owned(), String::new(), -amount_minor)];
    expected.extend(
        credits
            .iter()
            .filter(|(_, _, part)| *part > 0)
            .map(|&(kind, owner, part)| (kind.to_owned(), owner.to_owned(), part)),
    );
    assert_eq!(posted(app, admin, transaction).await, expected);
    assert_eq!(
        credits.iter().map(|(_, _, part)| part).sum::<i64>(),
        amount_minor,
        "the parts sum to the payment"
    );
    let upstream: i64 = credits
        .iter()
        .filter(|(kind, _, _)| *kind == "project_fund")
        .map(|(_, _, part)| part)
        .sum();
    assert!(
        i128::from(upstream) * 10_000 >= i128::from(amount_minor) * i128::from(UPSTREAM_FLOOR_BPS),
        "upstream's {upstream} is below the floor's share of {amount_minor}"
    );
}

/// The agreement of `contract_id` as `token` reads it, and its ETag.
async fn read_share(app: &TestApp, token: &str, contract_id: &str) -> (Value, String) {
    let response = app.get(&revenue_share_path(contract_id), Some(token)).await;
    let etag = response.header("etag").expect("an ETag");
    (response.ok(200), etag)
}

/// An agreement's terms as a PUT body, `changes` merged over them.
pub fn share_body(share: &Value, changes: Value) -> Value {
    let mut body = json!({
        "platform_fee_bps": share["platform_fee_bps"], "upstream_bps": share["upstream_bps"],
        "upstream_allocation": share["upstream_allocation"], "members": share["members"]
    });
    if let (Some(body), Value::Object(changes)) = (body.as_object_mut(), changes) {
        body.extend(changes);
    }
    body
}

/// `PUT` the agreement of `contract_id`, with `If-Match: etag` when given.
/// Each change to the agreement read as `before` (with its ETag) is refused at these
/// pointers with these codes, and the agreement stays as it was.
async fn refused_and_unchanged(
    app: &TestApp,
    ledger: &LedgerScene,
    (before, etag): (&Value, &str),
    cases: impl IntoIterator<Item = (Value, &'static [&'static str], &'static [&'static str])>,
) {
    let admin = &ledger.scene.admin;
    for (changes, pointers, codes) in cases {
        put_share(
            app,
            Some(admin),
            &ledger.contract_id,
            Some(etag),
            share_body(before, changes),
        )
        .await
        .refused_with(pointers, codes);
    }
    assert_eq!(&read_share(app, admin, &ledger.contract_id).await.0, before);
}

async fn put_share(
    app: &TestApp,
    token: Option<&str>,
    contract_id: &str,
    etag: Option<&str>,
    body: Value,
) -> TestResponse {
    app.json_if_match(
        Method::PUT,
        &revenue_share_path(contract_id),
        token,
        etag,
        body,
    )
    .await
}

pub fn payout_body(account_id: &str, amount_minor: i64) -> Value {
    json!({"account_id": account_id, "amount_minor": amount_minor, "currency": "EUR",
           "reference": format!("SEPA-{amount_minor}")})
}

pub async fn payout(
    app: &TestApp,
    token: &str,
    account_id: &str,
    amount_minor: i64,
) -> TestResponse {
    app.post(
        "/api/v1/payouts",
        Some(token),
        payout_body(account_id, amount_minor),
    )
    .await
}

fn transaction_path(transaction_id: &str) -> String {
    format!("{LEDGER}/transactions/{transaction_id}")
}

fn reversal_path(transaction: &Value) -> String {
    format!("{}/reversal", transaction_path(&id(transaction)))
}

fn reversal_body(transaction: &Value) -> Value {
    json!({"reference": format!("Undoes {}", transaction["reference"].as_str().expect("reference"))})
}

/// `POST /ledger/transactions/{id}/reversal` of `transaction` as `token`.
async fn reverse(app: &TestApp, token: &str, transaction: &Value) -> TestResponse {
    app.post(
        &reversal_path(transaction),
        Some(token),
        reversal_body(transaction),
    )
    .await
}

/// The first page of `GET /ledger/accounts?{query}` as `token`.
async fn accounts(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let page = app
        .get(&format!("{LEDGER}/accounts?{query}"), Some(token))
        .await
        .ok(200);
    page["items"].as_array().expect("items").clone()
}

/// The one account of `kind` (and `owner`), found as admin through the list's filters.
async fn account(app: &TestApp, admin: &str, kind: &str, owner: Option<&str>) -> Value {
    let query = match owner {
        Some(owner) => format!("kind={kind}&owner_id={owner}"),
        None => format!("kind={kind}"),
    };
    let mut found = accounts(app, admin, &query).await;
    assert_eq!(found.len(), 1, "one {kind} account of {owner:?}: {found:?}");
    found.remove(0)
}

/// The id of `partner`'s payable.
async fn payable_id(app: &TestApp, admin: &str, partner: &str) -> String {
    id(&account(app, admin, "partner_payable", Some(partner)).await)
}

/// The id of `project`'s fund.
async fn fund_id(app: &TestApp, admin: &str, project: &str) -> String {
    id(&account(app, admin, "project_fund", Some(project)).await)
}

async fn balance(app: &TestApp, admin: &str, account_id: &str) -> i64 {
    let account = app
        .get(&format!("{LEDGER}/accounts/{account_id}"), Some(admin))
        .await
        .ok(200);
    account["balance_minor"].as_i64().expect("a balance")
}

/// Every account's balance, by id, as admin reads them.
async fn balances(app: &TestApp, admin: &str) -> HashMap<String, i64> {
    accounts(app, admin, "limit=100")
        .await
        .iter()
        .map(|a| (id(a), a["balance_minor"].as_i64().expect("a balance")))
        .collect()
}

/// The ids on the first page of `GET /ledger/transactions?{query}` as `token`.
async fn transaction_ids(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let page = app
        .get(&format!("{LEDGER}/transactions?{query}"), Some(token))
        .await
        .ok(200);
    ids(&page)
}

/// A statement's path.
fn entries_path(account_id: &str) -> String {
    format!("{LEDGER}/accounts/{account_id}/entries")
}

/// Every entry of `account_id`'s statement as `token` reads it in pages of one,
/// following `next_cursor` and checking the `Link` header of each page.
async fn statement_by_ones(app: &TestApp, token: &str, account_id: &str) -> Vec<Value> {
    let path = entries_path(account_id);
    let mut next = format!("{path}?limit=1");
    let mut entries = Vec::new();
    loop {
        let response = app.get(&next, Some(token)).await;
        let link = response.header("link");
        let page = response.ok(200);
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 1);
        entries.extend(items.iter().cloned());
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                next = format!("{path}?limit=1&cursor={cursor}");
                assert_eq!(link, Some(format!("<{next}>; rel=\"next\"")));
            }
            None => {
                assert_eq!(link, None);
                return entries;
            }
        }
    }
}

/// The public transparency report for `query`, read without a token.
async fn transparency(app: &TestApp, query: &str) -> Value {
    app.get(&format!("/api/v1/reports/transparency?{query}"), None)
        .await
        .ok(200)
}

/// Posts `body` to `path` as `token` with one `Idempotency-Key`, twice: the retry replays
/// the first answer. The same key with `other` is then refused (422), and the ledger
/// holds one more transaction of the kind, not two. Returns the transaction.
async fn assert_posted_once(
    app: &TestApp,
    token: &str,
    admin: &str,
    path: &str,
    body: Value,
    other: Value,
) -> Value {
    let first = post_with_key(app, token, path, "once", body.clone()).await;
    let created = first.ok(201);
    let query = format!("kind={}", created["kind"].as_str().expect("a kind"));
    assert_eq!(first.header("idempotent-replayed"), None);
    let retry = post_with_key(app, token, path, "once", body).await;
    assert_eq!(retry.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(retry.header("location"), first.header("location"));
    assert_eq!(retry.ok(201), created, "the same transaction, replayed");
    key_refused(
        &post_with_key(app, token, path, "once", other).await,
        422,
        "reused",
    );
    let listed = transaction_ids(app, admin, &query).await;
    assert_eq!(
        listed
            .iter()
            .filter(|listed| **listed == id(&created))
            .count(),
        1
    );
    assert_eq!(
        listed.last(),
        Some(&id(&created)),
        "nothing posted after it"
    );
    created
}

#[actix_web::test]
async fn an_award_makes_the_default_agreement_and_a_payment_posts_its_exact_split() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "LEDGER-SPLIT").await;
    let admin = &ledger.scene.admin;

    let share = app
        .get(&ledger.revenue_share_path(), Some(&ledger.scene.buyer))
        .await
        .ok(200);
    assert_eq!(share["platform_fee_bps"], 500);
    assert_eq!(share["upstream_bps"], 300);
    assert_eq!(share["frozen"], false);
    assert_eq!(
        share["upstream_allocation"],
        json!([{"project_id": ledger.projects[0], "weight": 8},
               {"project_id": ledger.projects[1], "weight": 8}])
    );
    assert_eq!(
        share["members"],
        json!([{"partner_id": ledger.scene.lead_id, "share_bps": 7000},
               {"partner_id": ledger.scene.member_id, "share_bps": 3000}])
    );

    // 1,000,001 minor units: fee 50,000.05 → 50,000; upstream 30,000.03 → 30,001 (rounded
    // up), split 15,001 / 15,000; members 920,000 split 644,000 / 276,000.
    let transaction = app
        .post(
            &ledger.payments_path(),
            Some(&ledger.scene.buyer),
            payment(1_000_001),
        )
        .await
        .ok(201);
    assert_eq!(transaction["kind"], "payment");
    assert_eq!(transaction["seq"], 1);
    let parts = posted(&app, admin, &transaction).await;
    assert_eq!(
        parts,
        vec![
            ("cash".to_owned(), String::new(), -1_000_001),
            ("platform_fees".to_owned(), String::new(), 50_000),
            (
                "project_fund".to_owned(),
                ledger.projects[0].clone(),
                15_001
            ),
            (
                "project_fund".to_owned(),
                ledger.projects[1].clone(),
                15_000
            ),
            (
                "partner_payable".to_owned(),
                ledger.scene.lead_id.clone(),
                644_000
            ),
            (
                "partner_payable".to_owned(),
                ledger.scene.member_id.clone(),
                276_000
            ),
        ]
    );
    let share = app
        .get(&ledger.revenue_share_path(), Some(admin))
        .await
        .ok(200);
    assert_eq!(share["frozen"], true);

    let verified = app
        .get(&format!("{LEDGER}/verify"), Some(admin))
        .await
        .ok(200);
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["transactions_checked"], 1);
    assert_eq!(verified["balances_checked"], 6);
}

#[actix_web::test]
async fn the_contract_readers_read_its_agreement_with_an_etag() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "SHARE-READ").await;
    let scene = &ledger.scene;
    let (expected, _) = read_share(&app, &scene.admin, &ledger.contract_id).await;
    assert_eq!(expected["id"], ledger.contract_id);
    assert_eq!(expected["contract_id"], ledger.contract_id);
    assert_eq!(expected["upstream_floor_bps"], UPSTREAM_FLOOR_BPS);
    assert_eq!(expected["version"], 1);
    for reader in [&scene.admin, &scene.buyer, &scene.lead, &scene.member] {
        let (share, etag) = read_share(&app, reader, &ledger.contract_id).await;
        assert_eq!(etag, format!("\"{}.1\"", ledger.contract_id));
        assert_eq!(share, expected);
    }
    // Another buyer, and the partner whose bid lost: the contract is not theirs to see.
    for stranger in [&scene.other_buyer, &scene.outsider] {
        app.get(&ledger.revenue_share_path(), Some(stranger))
            .await
            .problem(404);
    }
    app.get(&ledger.revenue_share_path(), None)
        .await
        .problem(401);
    app.get(&revenue_share_path("no-such-contract"), Some(&scene.admin))
        .await
        .problem(404);
}

#[actix_web::test]
async fn only_admins_change_an_agreement_and_strangers_do_not_see_it() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "SHARE-WHO").await;
    let scene = &ledger.scene;
    let (before, etag) = read_share(&app, &scene.admin, &ledger.contract_id).await;
    let body = share_body(&before, json!({"upstream_bps": 400}));
    // The contract's own readers learn that they may not; strangers learn nothing.
    let callers = [
        (Some(&scene.buyer), 403),
        (Some(&scene.lead), 403),
        (Some(&scene.member), 403),
        (Some(&scene.other_buyer), 404),
        (Some(&scene.outsider), 404),
        (None, 401),
    ];
    for (token, status) in callers {
        put_share(
            &app,
            token.map(String::as_str),
            &ledger.contract_id,
            Some(&etag),
            body.clone(),
        )
        .await
        .problem(status);
    }
    assert_eq!(
        read_share(&app, &scene.admin, &ledger.contract_id).await.0,
        before
    );
}

#[actix_web::test]
async fn an_admin_replaces_the_whole_agreement_and_the_next_payment_follows_it() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "SHARE-PUT").await;
    let scene = &ledger.scene;
    let (p0, p1) = (&ledger.projects[0], &ledger.projects[1]);
    let (before, etag) = read_share(&app, &scene.admin, &ledger.contract_id).await;
    // New terms, and both lists in a new order: the order is the split's tie order.
    let body = json!({
        "platform_fee_bps": 250, "upstream_bps": 450,
        "upstream_allocation": [{"project_id": p1, "weight": 3}, {"project_id": p0, "weight": 1}],
        "members": [{"partner_id": scene.member_id, "share_bps": 4000},
                    {"partner_id": scene.lead_id, "share_bps": 6000}]
    });
    let response = put_share(
        &app,
        Some(&scene.admin),
        &ledger.contract_id,
        Some(&etag),
        body.clone(),
    )
    .await;
    assert_eq!(
        response.header("etag"),
        Some(format!("\"{}.2\"", ledger.contract_id))
    );
    let after = response.ok(200);
    for field in [
        "platform_fee_bps",
        "upstream_bps",
        "upstream_allocation",
        "members",
    ] {
        assert_eq!(after[field], body[field], "{field}");
    }
    assert_eq!(after["version"], 2);
    assert_eq!(after["frozen"], false);
    assert_eq!(after["created_at"], before["created_at"]);
    assert_eq!(
        read_share(&app, &scene.buyer, &ledger.contract_id).await.0,
        after
    );

    // 10,000: fee 250 exactly; upstream 450 is 337.5 for p1 and 112.5 for p0, the tied
    // unit going to p1, first in the allocation; members 9,300: 3,720 and 5,580.
    let transaction = pay(&app, &ledger, 10_000).await;
    assert_split(
        &app,
        &scene.admin,
        &transaction,
        10_000,
        &credits(
            250,
            &[(p1, 338), (p0, 112)],
            &[(&scene.member_id, 3_720), (&scene.lead_id, 5_580)],
        ),
    )
    .await;
}

#[actix_web::test]
async fn changing_an_agreement_needs_its_current_etag() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "SHARE-ETAG").await;
    let admin = &ledger.scene.admin;
    let (before, etag) = read_share(&app, admin, &ledger.contract_id).await;
    let body = share_body(&before, json!({"platform_fee_bps": 400}));
    put_share(&app, Some(admin), &ledger.contract_id, None, body.clone())
        .await
        .problem(428);
    let changed = put_share(
        &app,
        Some(admin),
        &ledger.contract_id,
        Some(&etag),
        body.clone(),
    )
    .await
    .ok(200);
    // The tag read before the change is stale now.
    let stale = share_body(&before, json!({"platform_fee_bps": 300}));
    put_share(&app, Some(admin), &ledger.contract_id, Some(&etag), stale)
        .await
        .problem(412);
    assert_eq!(
        read_share(&app, admin, &ledger.contract_id).await.0,
        changed
    );
    assert_eq!(changed["platform_fee_bps"], 400);
}

#[actix_web::test]
async fn an_agreement_that_breaks_a_rule_is_a_422_at_its_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "SHARE-422").await;
    let scene = &ledger.scene;
    let (before, etag) = read_share(&app, &scene.admin, &ledger.contract_id).await;
    let p0 = &ledger.projects[0];
    let cases: [(Value, &[&str], &[&str]); 7] = [
        (
            json!({"upstream_bps": 99}),
            &["#/upstream_bps"],
            &["below_floor"],
        ),
        (
            json!({"platform_fee_bps": 9_901, "upstream_bps": 100}),
            &["#/upstream_bps"],
            &["over_whole"],
        ),
        // Both at once: every rule a body breaks is named in one answer.
        (
            json!({"platform_fee_bps": 9_990, "upstream_bps": 50}),
            &["#/upstream_bps", "#/upstream_bps"],
            &["below_floor", "over_whole"],
        ),
        (
            json!({"upstream_allocation": []}),
            &["#/upstream_allocation"],
            &["required"],
        ),
        (
            json!({"upstream_allocation": [{"project_id": p0, "weight": 1},
                                           {"project_id": p0, "weight": 2}]}),
            &["#/upstream_allocation/1/project_id"],
            &["duplicate"],
        ),
        (
            json!({"members": [{"partner_id": scene.lead_id, "share_bps": 7000},
                               {"partner_id": scene.member_id, "share_bps": 2000}]}),
            &["#/members"],
            &["share_sum"],
        ),
        (
            json!({"upstream_allocation": [{"project_id": p0, "weight": 0}]}),
            &["#/upstream_allocation/0/weight"],
            &["range"],
        ),
    ];
    refused_and_unchanged(&app, &ledger, (&before, &etag), cases).await;
}

#[actix_web::test]
async fn an_agreement_naming_what_the_contract_lacks_is_a_409_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "SHARE-409").await;
    let scene = &ledger.scene;
    let (before, etag) = read_share(&app, &scene.admin, &ledger.contract_id).await;
    let cases: [(Value, &[&str], &[&str]); 3] = [
        (
            json!({"upstream_allocation": [{"project_id": "no-such-project", "weight": 1}]}),
            &["#/upstream_allocation/0/project_id"],
            &["not_found"],
        ),
        // The outsider bid alone and lost: it is no member of this contract.
        (
            json!({"members": [{"partner_id": scene.lead_id, "share_bps": 7000},
                               {"partner_id": scene.member_id, "share_bps": 2000},
                               {"partner_id": scene.outsider_id, "share_bps": 1000}]}),
            &["#/members/2/partner_id"],
            &["not_member"],
        ),
        (
            json!({"members": [{"partner_id": scene.lead_id, "share_bps": 10000}]}),
            &["#/members"],
            &["member_missing"],
        ),
    ];
    refused_and_unchanged(&app, &ledger, (&before, &etag), cases).await;
}

#[actix_web::test]
async fn the_first_payment_freezes_the_agreement() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "SHARE-FROZEN").await;
    let admin = &ledger.scene.admin;
    let (before, etag) = read_share(&app, admin, &ledger.contract_id).await;
    pay(&app, &ledger, 1_000).await;

    let (frozen, fresh) = read_share(&app, admin, &ledger.contract_id).await;
    assert_eq!(frozen["frozen"], true);
    // Freezing is a change its readers see: a new version, and so a new tag.
    assert_eq!(frozen["version"], 2);
    assert_eq!(fresh, format!("\"{}.2\"", ledger.contract_id));
    let body = share_body(&before, json!({"upstream_bps": 400}));
    put_share(
        &app,
        Some(admin),
        &ledger.contract_id,
        Some(&etag),
        body.clone(),
    )
    .await
    .problem(412);
    let refused = put_share(&app, Some(admin), &ledger.contract_id, Some(&fresh), body)
        .await
        .problem(409);
    assert_eq!(refused["current_state"], "frozen", "{refused}");
    assert_eq!(read_share(&app, admin, &ledger.contract_id).await.0, frozen);
}

#[actix_web::test]
async fn one_minor_unit_goes_entirely_to_the_first_project_fund() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "PAY-ONE").await;
    let scene = &ledger.scene;
    // Fee 0.05 → 0; upstream 0.03 is rounded up to 1, of which each project's exact share
    // is 0.015: the tie goes to the first; members 0.644 and 0.276 → 0. Zero parts post
    // nothing: two postings.
    let transaction = pay(&app, &ledger, 1).await;
    assert_eq!(transaction["postings"].as_array().map(Vec::len), Some(2));
    assert_split(
        &app,
        &scene.admin,
        &transaction,
        1,
        &credits(
            0,
            &[(&ledger.projects[0], 1), (&ledger.projects[1], 0)],
            &[(&scene.lead_id, 0), (&scene.member_id, 0)],
        ),
    )
    .await;
}

#[actix_web::test]
async fn prime_amounts_split_to_the_exact_unit() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "PAY-PRIME").await;
    let scene = &ledger.scene;
    let (p0, p1) = (ledger.projects[0].as_str(), ledger.projects[1].as_str());
    let (lead, member) = (scene.lead_id.as_str(), scene.member_id.as_str());
    let cases = [
        // Exact shares: fee 0.35, projects 0.105 each, lead 4.508, member 1.932. Floors
        // 0, 0, 0, 4, 1 leave 2 units: upstream's ceiling takes one (to p0, the tie's
        // first), the larger remainder of the rest (the member's .932) the other.
        (
            7,
            credits(0, &[(p0, 1), (p1, 0)], &[(lead, 4), (member, 2)]),
        ),
        // Fee 499,999.55; projects 149,999.865 each; lead 6,439,994.204; member
        // 2,759,997.516. Floors leave 3 units: upstream's ceiling (299,999.73 → 300,000)
        // takes two, one to each project; the last goes to the largest remainder left,
        // the fee's .55.
        (
            9_999_991,
            credits(
                500_000,
                &[(p0, 150_000), (p1, 150_000)],
                &[(lead, 6_439_994), (member, 2_759_997)],
            ),
        ),
    ];
    for (amount, parts) in cases {
        let transaction = pay(&app, &ledger, amount).await;
        assert_split(&app, &scene.admin, &transaction, amount, &parts).await;
    }
}

#[actix_web::test]
async fn the_largest_amount_a_javascript_client_reads_is_the_largest_payment() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "PAY-MAX").await;
    let scene = &ledger.scene;
    // 2^53 − 1. Exact shares: fee 450,359,962,737,049.55; projects
    // 135,107,988,821,114.865 each; lead 5,800,636,320,053,198.204; member
    // 2,485,986,994,308,513.516. Floors leave 3 units: upstream's ceiling takes two (one
    // per project), the fee's .55 the last.
    let amount = 9_007_199_254_740_991;
    let transaction = pay(&app, &ledger, amount).await;
    assert_split(
        &app,
        &scene.admin,
        &transaction,
        amount,
        &credits(
            450_359_962_737_050,
            &[
                (&ledger.projects[0], 135_107_988_821_115),
                (&ledger.projects[1], 135_107_988_821_115),
            ],
            &[
                (&scene.lead_id, 5_800_636_320_053_198),
                (&scene.member_id, 2_485_986_994_308_513),
            ],
        ),
    )
    .await;
    for refused in [amount + 1, 0, -1] {
        app.post(
            &ledger.payments_path(),
            Some(&scene.buyer),
            payment(refused),
        )
        .await
        .refused_with(&["#/amount_minor"], &["range"]);
    }
    assert_eq!(
        transaction_ids(&app, &scene.admin, "").await,
        [id(&transaction)]
    );
}

#[actix_web::test]
async fn three_members_and_three_equal_projects_split_to_the_exact_unit() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::with_three_members(&app, "PAY-THREE").await;
    let scene = &ledger.scene;
    let admin = &scene.admin;
    let third = project(&app, admin, "pg-extra-pay-three", json!(["postgis"])).await;
    let projects = [
        ledger.projects[0].as_str(),
        ledger.projects[1].as_str(),
        third.as_str(),
    ];
    let members = [
        scene.lead_id.as_str(),
        scene.member_id.as_str(),
        scene.outsider_id.as_str(),
    ];
    let (share, etag) = read_share(&app, admin, &ledger.contract_id).await;
    assert_eq!(
        share["members"],
        json!([{"partner_id": members[0], "share_bps": 3334},
               {"partner_id": members[1], "share_bps": 3333},
               {"partner_id": members[2], "share_bps": 3333}]),
        "the bid's shares"
    );
    let allocation: Vec<Value> = projects
        .iter()
        .map(|project| json!({"project_id": project, "weight": 1}))
        .collect();
    put_share(
        &app,
        Some(admin),
        &ledger.contract_id,
        Some(&etag),
        share_body(&share, json!({ "upstream_allocation": allocation })),
    )
    .await
    .ok(200);

    let with = move |fee, project_parts: [i64; 3], member_parts: [i64; 3]| {
        let projects: Vec<(&str, i64)> = projects.into_iter().zip(project_parts).collect();
        let members: Vec<(&str, i64)> = members.into_iter().zip(member_parts).collect();
        credits(fee, &projects, &members)
    };
    let cases = [
        // Exact: fee 0.05, projects 0.01 each, members 0.306728, 0.306636, 0.306636:
        // upstream's ceiling takes the one unit, to the first project.
        (1, with(0, [1, 0, 0], [0, 0, 0])),
        // Fee 0.5, projects 0.1 each, members 3.06728, 3.06636, 3.06636: floors 0, 0,
        // 3, 3, 3 leave 1 unit, which upstream's ceiling takes for the first project.
        (10, with(0, [1, 0, 0], [3, 3, 3])),
        // Fee and projects whole; members 3,067.28, 3,066.36, 3,066.36: one unit left,
        // for the larger remainders, tied (.36): the earlier of them, the second member.
        (10_000, with(500, [100, 100, 100], [3_067, 3_067, 3_066])),
        // Fee 499,999.55; projects 99,999.91 each; members 3,067,277.239448,
        // 3,066,357.240276 twice. Floors leave 4 units: three lift upstream to its
        // ceiling 300,000 (one per project), the fee's .55 takes the last.
        (
            9_999_991,
            with(
                500_000,
                [100_000, 100_000, 100_000],
                [3_067_277, 3_066_357, 3_066_357],
            ),
        ),
    ];
    for (amount, parts) in cases {
        let transaction = pay(&app, &ledger, amount).await;
        assert_split(&app, admin, &transaction, amount, &parts).await;
    }
}

#[actix_web::test]
async fn a_payment_in_another_currency_than_the_contracts_is_a_409() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "PAY-CURRENCY").await;
    let mut body = payment(1_000);
    body["currency"] = json!("USD");
    app.post(&ledger.payments_path(), Some(&ledger.scene.buyer), body)
        .await
        .refused_with(&["#/currency"], &["contract_currency"]);
    assert!(
        transaction_ids(&app, &ledger.scene.admin, "")
            .await
            .is_empty()
    );
}

#[actix_web::test]
async fn a_malformed_payment_is_refused_and_posts_nothing() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "PAY-BAD").await;
    let scene = &ledger.scene;
    let path = ledger.payments_path();
    let post = |body: Value| app.post(&path, Some(&scene.buyer), body);
    let mut without_reference = payment(1_000);
    without_reference
        .as_object_mut()
        .expect("an object")
        .remove("reference");
    // What serde refuses is a 400; what the rules refuse, a 422 naming the field.
    for malformed in [
        without_reference,
        json!({"amount_minor": 1_000, "currency": "EUR", "received_on": "2027-02-30",
               "reference": "INV-1"}),
        json!({"amount_minor": 1_000, "currency": "EUR", "received_on": "2027-03-01",
               "reference": "INV-1", "note": "unknown"}),
        json!({"amount_minor": "1000", "currency": "EUR", "received_on": "2027-03-01",
               "reference": "INV-1"}),
    ] {
        post(malformed).await.problem(400);
    }
    let mut blank = payment(1_000);
    blank["reference"] = json!("   ");
    post(blank).await.refused_with(&["#/reference"], &["blank"]);
    let mut bad_currency = payment(1_000);
    bad_currency["currency"] = json!("EURO");
    post(bad_currency)
        .await
        .refused_with(&["#/currency"], &["currency"]);

    assert!(transaction_ids(&app, &scene.admin, "").await.is_empty());
    let (share, _) = read_share(&app, &scene.admin, &ledger.contract_id).await;
    assert_eq!(share["frozen"], false, "nothing was posted");
}

#[actix_web::test]
async fn the_contracts_buyer_or_an_admin_records_a_payment() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "PAY-WHO").await;
    let scene = &ledger.scene;
    let path = ledger.payments_path();
    app.post(&path, None, payment(1_000)).await.problem(401);
    // A member reads the contract but does not record payments; strangers do not see it.
    app.post(&path, Some(&scene.lead), payment(1_000))
        .await
        .problem(403);
    for stranger in [&scene.other_buyer, &scene.outsider] {
        app.post(&path, Some(stranger), payment(1_000))
            .await
            .problem(404);
    }
    for token in [&scene.buyer, &scene.admin] {
        app.post(
            &payments_path("no-such-contract"),
            Some(token),
            payment(1_000),
        )
        .await
        .problem(404);
    }
    assert!(transaction_ids(&app, &scene.admin, "").await.is_empty());

    let by_buyer = pay(&app, &ledger, 1_000).await;
    let by_admin = app
        .post(&path, Some(&scene.admin), payment(2_000))
        .await
        .ok(201);
    for (transaction, token) in [(&by_buyer, &scene.buyer), (&by_admin, &scene.admin)] {
        let me = app.get("/api/v1/me", Some(token)).await.ok(200);
        assert_eq!(transaction["recorded_by"], me["id"]);
        assert_eq!(transaction["contract_id"], ledger.contract_id);
        assert_eq!(transaction["received_on"], "2027-03-01");
    }
}

#[actix_web::test]
async fn a_payment_on_an_agreement_without_a_project_is_a_409_until_one_is_allocated() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "PAY-NOWHERE").await;
    let scene = &ledger.scene;
    // Lot 1 requires `postgis`, which no project links: the default agreement has an
    // upstream part and nowhere to send it.
    let contract = awarded_to(
        &app,
        &scene.buyer,
        "PAY-NOWHERE-GIS",
        1,
        &[
            (&scene.lead_id, &scene.lead, 7000),
            (&scene.member_id, &scene.member, 3000),
        ],
    )
    .await;
    let (share, etag) = read_share(&app, &scene.admin, &contract).await;
    assert_eq!(share["upstream_bps"], 300);
    assert_eq!(share["upstream_allocation"], json!([]));
    let refused = app
        .post(
            &payments_path(&contract),
            Some(&scene.buyer),
            payment(1_000),
        )
        .await
        .problem(409);
    assert_eq!(
        refused["current_state"], "no_upstream_projects",
        "{refused}"
    );
    assert!(transaction_ids(&app, &scene.admin, "").await.is_empty());
    assert_eq!(read_share(&app, &scene.admin, &contract).await.0, share);

    let allocation =
        json!({"upstream_allocation": [{"project_id": ledger.projects[1], "weight": 1}]});
    put_share(
        &app,
        Some(&scene.admin),
        &contract,
        Some(&etag),
        share_body(&share, allocation),
    )
    .await
    .ok(200);
    // Fee 50, upstream 30, members 920: 644 and 276.
    let transaction = app
        .post(
            &payments_path(&contract),
            Some(&scene.buyer),
            payment(1_000),
        )
        .await
        .ok(201);
    assert_split(
        &app,
        &scene.admin,
        &transaction,
        1_000,
        &credits(
            50,
            &[(&ledger.projects[1], 30)],
            &[(&scene.lead_id, 644), (&scene.member_id, 276)],
        ),
    )
    .await;
}

#[actix_web::test]
async fn a_payment_retried_with_its_key_is_posted_once() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "PAY-ONCE").await;
    let scene = &ledger.scene;
    let mut other = payment(1_000);
    other["reference"] = json!("INV-OTHER");
    let created = assert_posted_once(
        &app,
        &scene.buyer,
        &scene.admin,
        &ledger.payments_path(),
        payment(1_000),
        other,
    )
    .await;
    assert_eq!(
        transaction_ids(&app, &scene.admin, "").await,
        [id(&created)]
    );
    let cash = account(&app, &scene.admin, "cash", None).await;
    assert_eq!(cash["balance_minor"], 1_000, "cash received once");
}

#[actix_web::test]
async fn a_payout_debits_a_payable_or_a_fund_and_credits_cash() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "PAYOUT-OK").await;
    let admin = &ledger.scene.admin;
    // Lead 644,000, project 0 15,001 (see the first test).
    pay(&app, &ledger, 1_000_001).await;
    let payable = payable_id(&app, admin, &ledger.scene.lead_id).await;
    let fund = fund_id(&app, admin, &ledger.projects[0]).await;
    let cash = id(&account(&app, admin, "cash", None).await);

    let response = payout(&app, admin, &payable, 600_000).await;
    let location = response.header("location").expect("Location");
    let transaction = response.ok(201);
    assert_eq!(location, transaction_path(&id(&transaction)));
    assert_eq!(transaction["kind"], "payout");
    assert_eq!(transaction["contract_id"], Value::Null);
    assert_eq!(transaction["reference"], "SEPA-600000");
    assert_eq!(
        transaction["postings"],
        json!([
            {"account_id": payable, "direction": "debit", "amount_minor": 600_000,
             "currency": "EUR", "balance_after_minor": 44_000},
            {"account_id": cash, "direction": "credit", "amount_minor": 600_000,
             "currency": "EUR", "balance_after_minor": 400_001},
        ])
    );
    assert_eq!(balance(&app, admin, &payable).await, 44_000);
    assert_eq!(balance(&app, admin, &cash).await, 400_001);

    // A fund pays out to its last unit.
    payout(&app, admin, &fund, 15_001).await.ok(201);
    assert_eq!(balance(&app, admin, &fund).await, 0);
    assert_eq!(balance(&app, admin, &cash).await, 385_000);
}

#[actix_web::test]
async fn a_payout_beyond_the_balance_is_a_422_stating_it_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "PAYOUT-OVER").await;
    let admin = &ledger.scene.admin;
    pay(&app, &ledger, 1_000_001).await;
    let payable = payable_id(&app, admin, &ledger.scene.lead_id).await;
    let before = balances(&app, admin).await;

    let refused = payout(&app, admin, &payable, 644_001).await;
    refused.refused_with(&["#/amount_minor"], &["insufficient_balance"]);
    let detail = refused.json()["errors"][0]["detail"]
        .as_str()
        .expect("a detail")
        .to_owned();
    assert!(detail.contains("644000"), "{detail}");
    assert_eq!(balances(&app, admin).await, before);
    assert!(transaction_ids(&app, admin, "kind=payout").await.is_empty());
}

#[actix_web::test]
async fn a_payout_from_an_account_that_cannot_pay_it_is_a_409() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "PAYOUT-WHICH").await;
    let admin = &ledger.scene.admin;
    pay(&app, &ledger, 1_000_001).await;
    let payable = payable_id(&app, admin, &ledger.scene.lead_id).await;
    let before = balances(&app, admin).await;
    for (account_id, code) in [
        ("no-such-account".to_owned(), "not_found"),
        // The network's own money pays nobody out.
        (id(&account(&app, admin, "cash", None).await), "not_payable"),
        (
            id(&account(&app, admin, "platform_fees", None).await),
            "not_payable",
        ),
    ] {
        payout(&app, admin, &account_id, 1)
            .await
            .refused_with(&["#/account_id"], &[code]);
    }
    let mut in_dollars = payout_body(&payable, 1);
    in_dollars["currency"] = json!("USD");
    app.post("/api/v1/payouts", Some(admin), in_dollars)
        .await
        .refused_with(&["#/currency"], &["account_currency"]);
    assert_eq!(balances(&app, admin).await, before);
    assert!(transaction_ids(&app, admin, "kind=payout").await.is_empty());
}

#[actix_web::test]
async fn only_admins_pay_out() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "PAYOUT-WHO").await;
    let scene = &ledger.scene;
    pay(&app, &ledger, 1_000_001).await;
    let payable = payable_id(&app, &scene.admin, &scene.lead_id).await;
    // Not even the partner that is owed the money.
    for token in [&scene.lead, &scene.buyer] {
        payout(&app, token, &payable, 1).await.problem(403);
    }
    app.post("/api/v1/payouts", None, payout_body(&payable, 1))
        .await
        .problem(401);
    assert_eq!(balance(&app, &scene.admin, &payable).await, 644_000);
}

#[actix_web::test]
async fn a_payout_retried_with_its_key_is_posted_once() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "PAYOUT-ONCE").await;
    let admin = &ledger.scene.admin;
    pay(&app, &ledger, 1_000_001).await;
    let payable = payable_id(&app, admin, &ledger.scene.lead_id).await;
    assert_posted_once(
        &app,
        admin,
        admin,
        "/api/v1/payouts",
        payout_body(&payable, 100_000),
        payout_body(&payable, 100_001),
    )
    .await;
    assert_eq!(balance(&app, admin, &payable).await, 544_000, "paid once");
}

#[actix_web::test]
async fn a_reversal_mirrors_the_postings_and_links_both_ways() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "REVERSE-OK").await;
    let admin = &ledger.scene.admin;
    pay(&app, &ledger, 1_000_001).await;
    let before = balances(&app, admin).await;
    let original = pay(&app, &ledger, 7).await;

    let response = reverse(&app, admin, &original).await;
    let location = response.header("location").expect("Location");
    let reversal = response.ok(201);
    assert_eq!(location, transaction_path(&id(&reversal)));
    assert_eq!(reversal["kind"], "reversal");
    assert_eq!(reversal["reverses_id"], original["id"]);
    assert_eq!(reversal["contract_id"], ledger.contract_id);
    assert_eq!(reversal["reference"], "Undoes INV-7");
    let mirrored = |transaction: &Value| -> Vec<(Value, Value, Value)> {
        transaction["postings"]
            .as_array()
            .expect("postings")
            .iter()
            .map(|p| {
                (
                    p["account_id"].clone(),
                    p["direction"].clone(),
                    p["amount_minor"].clone(),
                )
            })
            .collect()
    };
    let opposite: Vec<(Value, Value, Value)> = mirrored(&original)
        .into_iter()
        .map(|(account, direction, amount)| {
            let other = if direction == "debit" {
                "credit"
            } else {
                "debit"
            };
            (account, json!(other), amount)
        })
        .collect();
    assert_eq!(mirrored(&reversal), opposite);

    let response = app
        .get(&transaction_path(&id(&original)), Some(admin))
        .await;
    assert_eq!(
        response.header("etag"),
        Some(format!("\"{}.2\"", id(&original)))
    );
    let reread = response.ok(200);
    assert_eq!(reread["reversed_by_id"], reversal["id"]);
    assert_eq!(reread["version"], 2);
    assert_eq!(reread["updated_at"], reversal["created_at"]);
    assert_eq!(
        reread["hash"], original["hash"],
        "the original is unchanged"
    );
    assert_eq!(reread["postings"], original["postings"]);
    assert_eq!(balances(&app, admin).await, before);
}

#[actix_web::test]
async fn a_transaction_is_reversed_once_and_a_reversal_never() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "REVERSE-TWICE").await;
    let admin = &ledger.scene.admin;
    let original = pay(&app, &ledger, 1_000).await;
    let reversal = reverse(&app, admin, &original).await.ok(201);
    for (transaction, state) in [(&original, "reversed"), (&reversal, "reversal")] {
        let refused = reverse(&app, admin, transaction).await.problem(409);
        assert_eq!(refused["current_state"], state, "{refused}");
    }
    assert_eq!(
        transaction_ids(&app, admin, "").await,
        [id(&original), id(&reversal)]
    );
}

#[actix_web::test]
async fn a_payment_already_paid_out_is_reversed_only_after_its_payout() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "REVERSE-PAID").await;
    let admin = &ledger.scene.admin;
    let payment = pay(&app, &ledger, 1_000_001).await;
    let payable = payable_id(&app, admin, &ledger.scene.lead_id).await;
    let paid = payout(&app, admin, &payable, 644_000).await.ok(201);
    let before = balances(&app, admin).await;

    // Undoing the payment would take the lead's payable to −644,000.
    reverse(&app, admin, &payment).await.problem(409);
    assert_eq!(balances(&app, admin).await, before);
    let reread = app
        .get(&transaction_path(&id(&payment)), Some(admin))
        .await
        .ok(200);
    assert_eq!(reread["reversed_by_id"], Value::Null);

    reverse(&app, admin, &paid).await.ok(201);
    reverse(&app, admin, &payment).await.ok(201);
    let after = balances(&app, admin).await;
    assert!(after.values().all(|balance| *balance == 0), "{after:?}");
}

#[actix_web::test]
async fn only_admins_reverse_a_transaction_that_exists() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "REVERSE-WHO").await;
    let scene = &ledger.scene;
    let payment = pay(&app, &ledger, 1_000).await;
    for token in [&scene.buyer, &scene.lead] {
        reverse(&app, token, &payment).await.problem(403);
    }
    app.post(&reversal_path(&payment), None, reversal_body(&payment))
        .await
        .problem(401);
    app.post(
        &format!("{LEDGER}/transactions/no-such-transaction/reversal"),
        Some(&scene.admin),
        reversal_body(&payment),
    )
    .await
    .problem(404);
    app.post(
        &reversal_path(&payment),
        Some(&scene.admin),
        json!({"reference": " "}),
    )
    .await
    .refused_with(&["#/reference"], &["blank"]);
    assert_eq!(
        transaction_ids(&app, &scene.admin, "").await,
        [id(&payment)]
    );
}

#[actix_web::test]
async fn a_reversal_retried_with_its_key_is_posted_once() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "REVERSE-ONCE").await;
    let admin = &ledger.scene.admin;
    let payment = pay(&app, &ledger, 1_000).await;
    let reversal = assert_posted_once(
        &app,
        admin,
        admin,
        &reversal_path(&payment),
        reversal_body(&payment),
        json!({"reference": "Another reason"}),
    )
    .await;
    assert_eq!(reversal["reverses_id"], payment["id"]);
}

#[actix_web::test]
async fn an_admin_lists_every_account_and_filters_them() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "ACCOUNTS-ALL").await;
    let scene = &ledger.scene;
    let admin = &scene.admin;
    pay(&app, &ledger, 1_000_001).await;
    let all = accounts(&app, admin, "").await;
    for account in &all {
        assert_eq!(account["currency"], "EUR");
        assert_eq!(account["entries"], 1);
        assert_eq!(account["version"], 2, "one more than its entries");
    }
    // Accounts as (kind, owner, balance), sorted: the list's own order is by id.
    let line = |kind: &str, owner: &str, balance: i64| (kind.to_owned(), owner.to_owned(), balance);
    let sorted = |mut lines: Vec<(String, String, i64)>| {
        lines.sort();
        lines
    };
    let summary = |found: &[Value]| {
        sorted(
            found
                .iter()
                .map(|a| {
                    line(
                        a["kind"].as_str().expect("kind"),
                        a["owner_id"].as_str().unwrap_or_default(),
                        a["balance_minor"].as_i64().expect("balance"),
                    )
                })
                .collect(),
        )
    };
    let (p0, p1) = (&ledger.projects[0], &ledger.projects[1]);
    let funds = vec![
        line("project_fund", p0, 15_001),
        line("project_fund", p1, 15_000),
    ];
    let lead = line("partner_payable", &scene.lead_id, 644_000);
    let every = [
        vec![
            line("cash", "", 1_000_001),
            line("platform_fees", "", 50_000),
            lead.clone(),
            line("partner_payable", &scene.member_id, 276_000),
        ],
        funds.clone(),
    ]
    .concat();
    assert_eq!(summary(&all), sorted(every.clone()));
    for (query, expected) in [
        ("currency=EUR".to_owned(), every),
        ("currency=USD".to_owned(), vec![]),
        ("kind=project_fund".to_owned(), funds),
        ("kind=cash".to_owned(), vec![line("cash", "", 1_000_001)]),
        (format!("owner_id={}", scene.lead_id), vec![lead.clone()]),
        (
            format!("kind=partner_payable&owner_id={}", scene.lead_id),
            vec![lead],
        ),
        (format!("kind=cash&owner_id={}", scene.lead_id), vec![]),
    ] {
        assert_eq!(
            summary(&accounts(&app, admin, &query).await),
            sorted(expected),
            "{query}"
        );
    }
    app.get(&format!("{LEDGER}/accounts?kind=wallet"), Some(admin))
        .await
        .problem(400);
    app.get(&format!("{LEDGER}/accounts"), None)
        .await
        .problem(401);
}

#[actix_web::test]
async fn a_partner_reads_its_own_payable_only() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "ACCOUNTS-PARTNER").await;
    let scene = &ledger.scene;
    pay(&app, &ledger, 1_000_001).await;
    let own = account(&app, &scene.admin, "partner_payable", Some(&scene.lead_id)).await;
    let listed = accounts(&app, &scene.lead, "").await;
    assert_eq!(listed, std::slice::from_ref(&own));
    // A filter never widens the view.
    for query in ["kind=cash", &format!("owner_id={}", scene.member_id)] {
        assert!(
            accounts(&app, &scene.lead, query).await.is_empty(),
            "{query}"
        );
    }
    let read = app
        .get(
            &format!("{LEDGER}/accounts/{}", id(&own)),
            Some(&scene.lead),
        )
        .await
        .ok(200);
    assert_eq!(read, own);
    let others = [
        account(
            &app,
            &scene.admin,
            "partner_payable",
            Some(&scene.member_id),
        )
        .await,
        account(&app, &scene.admin, "cash", None).await,
        account(
            &app,
            &scene.admin,
            "project_fund",
            Some(&ledger.projects[0]),
        )
        .await,
    ];
    for other in &others {
        app.get(
            &format!("{LEDGER}/accounts/{}", id(other)),
            Some(&scene.lead),
        )
        .await
        .problem(404);
        app.get(
            &format!("{LEDGER}/accounts/{}/entries", id(other)),
            Some(&scene.lead),
        )
        .await
        .problem(404);
    }
}

#[actix_web::test]
async fn a_buyer_reads_no_partner_or_network_account() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "ACCOUNTS-BUYER").await;
    let scene = &ledger.scene;
    pay(&app, &ledger, 1_000_001).await;
    assert!(accounts(&app, &scene.buyer, "").await.is_empty());
    for (kind, owner) in [
        ("partner_payable", Some(scene.lead_id.as_str())),
        ("cash", None),
    ] {
        let account = account(&app, &scene.admin, kind, owner).await;
        app.get(
            &format!("{LEDGER}/accounts/{}", id(&account)),
            Some(&scene.buyer),
        )
        .await
        .problem(404);
    }
}

#[actix_web::test]
async fn a_statement_pages_by_cursor_with_running_balances() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "STATEMENT-PAGES").await;
    let scene = &ledger.scene;
    let first = pay(&app, &ledger, 1_000_001).await;
    let second = pay(&app, &ledger, 7).await;
    let payable = payable_id(&app, &scene.admin, &scene.lead_id).await;
    let paid = payout(&app, &scene.admin, &payable, 100_000).await.ok(201);

    let entries = statement_by_ones(&app, &scene.lead, &payable).await;
    let lines: Vec<(Value, Value, Value, Value, i64, i64)> = entries
        .iter()
        .map(|e| {
            (
                e["transaction_id"].clone(),
                e["kind"].clone(),
                e["contract_id"].clone(),
                e["direction"].clone(),
                e["amount_minor"].as_i64().expect("amount"),
                e["balance_after_minor"].as_i64().expect("balance"),
            )
        })
        .collect();
    let contract = json!(ledger.contract_id);
    assert_eq!(
        lines,
        [
            (
                first["id"].clone(),
                json!("payment"),
                contract.clone(),
                json!("credit"),
                644_000,
                644_000
            ),
            // 7: the lead's 4 (see `prime_amounts_split_to_the_exact_unit`).
            (
                second["id"].clone(),
                json!("payment"),
                contract,
                json!("credit"),
                4,
                644_004
            ),
            (
                paid["id"].clone(),
                json!("payout"),
                Value::Null,
                json!("debit"),
                100_000,
                544_004
            ),
        ]
    );
    let seqs: Vec<i64> = entries
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
    assert_eq!(entries[2]["reference"], "SEPA-100000");
    assert_eq!(balance(&app, &scene.admin, &payable).await, 544_004);
    // The admin reads the same statement in one page.
    let page = app
        .get(&entries_path(&payable), Some(&scene.admin))
        .await
        .ok(200);
    assert_eq!(page["items"], json!(entries));
    assert_eq!(page["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn a_statement_covers_the_days_of_its_period() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "STATEMENT-PERIOD").await;
    let scene = &ledger.scene;
    let payment = pay(&app, &ledger, 1_000_001).await;
    let payable = payable_id(&app, &scene.admin, &scene.lead_id).await;
    // The day the entry was recorded, as the ledger says (UTC).
    let day =
        chrono::DateTime::parse_from_rfc3339(payment["created_at"].as_str().expect("created_at"))
            .expect("RFC 3339")
            .date_naive();
    let (before, after) = (
        day.pred_opt().expect("a day"),
        day.succ_opt().expect("a day"),
    );
    for (query, count) in [
        (format!("from={day}"), 1),
        (format!("to={day}"), 1),
        (format!("from={day}&to={day}"), 1),
        (format!("from={before}&to={after}"), 1),
        (format!("to={before}"), 0),
        (format!("from={after}"), 0),
    ] {
        let path = format!("{}?{query}", entries_path(&payable));
        let page = app.get(&path, Some(&scene.lead)).await.ok(200);
        assert_eq!(
            page["items"].as_array().map(Vec::len),
            Some(count),
            "{query}"
        );
    }
    let refused = app
        .get(
            &format!("{}?from={after}&to={day}", entries_path(&payable)),
            Some(&scene.lead),
        )
        .await
        .problem(400);
    assert_eq!(refused["errors"][0]["parameter"], "to", "{refused}");
    assert_eq!(refused["errors"][0]["code"], "before_from", "{refused}");
    app.get(
        &format!("{}?from=yesterday", entries_path(&payable)),
        Some(&scene.lead),
    )
    .await
    .problem(400);
}

#[actix_web::test]
async fn a_statement_in_csv_has_a_header_row_and_one_quoted_row_per_entry() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "STATEMENT-CSV").await;
    let scene = &ledger.scene;
    let mut body = payment(1_000_001);
    body["reference"] = json!("INV 7, \"March\"");
    app.post(&ledger.payments_path(), Some(&scene.buyer), body)
        .await
        .ok(201);
    let payable = payable_id(&app, &scene.admin, &scene.lead_id).await;
    payout(&app, &scene.admin, &payable, 100_000).await.ok(201);
    let json_page = app
        .get(&entries_path(&payable), Some(&scene.lead))
        .await
        .ok(200);
    let entries = json_page["items"].as_array().expect("items");

    let response = app
        .send(
            TestApp::request(Method::GET, &entries_path(&payable), Some(&scene.lead))
                .insert_header(("Accept", "text/csv")),
        )
        .await;
    assert_eq!(response.status.as_u16(), 200);
    let content_type = response.header("content-type").expect("Content-Type");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let text = std::str::from_utf8(&response.body).expect("UTF-8");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "seq,recorded_at,transaction_id,kind,contract_id,reference,direction,amount_minor,balance_after_minor"
        )
    );
    // RFC 4180: a field with a comma or a quote is quoted, its quotes doubled.
    assert!(
        lines
            .next()
            .is_some_and(|row| row.contains(",\"INV 7, \"\"March\"\"\",credit,")),
        "{text}"
    );

    // Each row says what the JSON statement says, column by column.
    let mut reader = csv::Reader::from_reader(response.body.as_ref());
    let header = reader.headers().expect("a header row").clone();
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("CSV rows");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows.len(), entries.len());
    let instant = |text: &str| chrono::DateTime::parse_from_rfc3339(text).expect("RFC 3339");
    for (row, entry) in rows.iter().zip(entries) {
        for (column, cell) in header.iter().zip(row) {
            match &entry[column] {
                // The same instant, whatever the digits of its fraction.
                Value::String(text) if column == "recorded_at" => {
                    assert_eq!(instant(cell), instant(text));
                }
                Value::String(text) => assert_eq!(cell, text, "{column}"),
                Value::Null => assert_eq!(cell, "", "{column}"),
                other => assert_eq!(cell, other.to_string(), "{column}"),
            }
        }
    }
    assert_eq!(&rows[0][5], "INV 7, \"March\"");
}

#[actix_web::test]
async fn an_admin_lists_every_transaction_and_filters_them() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "TX-ALL").await;
    let scene = &ledger.scene;
    let admin = &scene.admin;
    // A second contract of the same consortium, on another tender.
    let second = awarded_to(
        &app,
        &scene.buyer,
        "TX-ALL-2",
        0,
        &[
            (&scene.lead_id, &scene.lead, 7000),
            (&scene.member_id, &scene.member, 3000),
        ],
    )
    .await;
    let first_payment = pay(&app, &ledger, 1_000_001).await;
    let second_payment = app
        .post(&payments_path(&second), Some(&scene.buyer), payment(5_000))
        .await
        .ok(201);
    let payable = payable_id(&app, admin, &scene.lead_id).await;
    let paid = payout(&app, admin, &payable, 1_000).await.ok(201);
    let reversal = reverse(&app, admin, &second_payment).await.ok(201);
    let every = [&first_payment, &second_payment, &paid, &reversal].map(id);

    assert_eq!(transaction_ids(&app, admin, "").await, every);
    for (query, expected) in [
        (
            format!("contract_id={}", ledger.contract_id),
            vec![&every[0]],
        ),
        // A contract's transactions include the reversals of its payments.
        (format!("contract_id={second}"), vec![&every[1], &every[3]]),
        ("kind=payment".to_owned(), vec![&every[0], &every[1]]),
        ("kind=payout".to_owned(), vec![&every[2]]),
        ("kind=reversal".to_owned(), vec![&every[3]]),
        (
            format!("contract_id={second}&kind=payment"),
            vec![&every[1]],
        ),
        ("contract_id=no-such-contract".to_owned(), vec![]),
    ] {
        assert_eq!(
            transaction_ids(&app, admin, &query).await,
            expected.into_iter().cloned().collect::<Vec<_>>(),
            "{query}"
        );
    }
    app.get(&format!("{LEDGER}/transactions?kind=refund"), Some(admin))
        .await
        .problem(400);
    app.get(&format!("{LEDGER}/transactions"), None)
        .await
        .problem(401);
    let page = app
        .get(&format!("{LEDGER}/transactions?limit=3"), Some(admin))
        .await;
    assert!(page.header("link").is_some());
    assert_eq!(ids(&page.ok(200)), every[..3]);
}

#[actix_web::test]
async fn a_buyer_reads_the_payments_on_its_contracts_and_no_payout() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "TX-BUYER").await;
    let scene = &ledger.scene;
    let admin = &scene.admin;
    let ours = pay(&app, &ledger, 1_000_001).await;
    let payable = payable_id(&app, admin, &scene.lead_id).await;
    let paid = payout(&app, admin, &payable, 1_000).await.ok(201);
    let mistaken = pay(&app, &ledger, 7).await;
    let reversal = reverse(&app, admin, &mistaken).await.ok(201);
    // The other buyer's own contract, won by the outsider alone.
    let theirs = awarded_to(
        &app,
        &scene.other_buyer,
        "TX-BUYER-2",
        0,
        &[(&scene.outsider_id, &scene.outsider, 10_000)],
    )
    .await;
    let their_payment = app
        .post(
            &payments_path(&theirs),
            Some(&scene.other_buyer),
            payment(3_000),
        )
        .await
        .ok(201);

    // The reversal of a payment is on its contract too.
    assert_eq!(
        transaction_ids(&app, &scene.buyer, "").await,
        [&ours, &mistaken, &reversal].map(id)
    );
    assert_eq!(
        transaction_ids(&app, &scene.other_buyer, "").await,
        [id(&their_payment)]
    );
    for own in [&ours, &reversal] {
        let read = app
            .get(&transaction_path(&id(own)), Some(&scene.buyer))
            .await
            .ok(200);
        assert_eq!(&read, own);
    }
    for (token, hidden) in [
        (&scene.buyer, &paid),
        (&scene.buyer, &their_payment),
        (&scene.other_buyer, &ours),
        (&scene.other_buyer, &paid),
    ] {
        app.get(&transaction_path(&id(hidden)), Some(token))
            .await
            .problem(404);
    }
}

#[actix_web::test]
async fn a_member_reads_payments_on_its_contract_and_payouts_to_itself() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "TX-MEMBER").await;
    let scene = &ledger.scene;
    let admin = &scene.admin;
    let payment = pay(&app, &ledger, 1_000_001).await;
    // One minor unit all goes upstream: it credits no member, yet is on their contract.
    let unit = pay(&app, &ledger, 1).await;
    let to_lead = payout(
        &app,
        admin,
        &payable_id(&app, admin, &scene.lead_id).await,
        1_000,
    )
    .await
    .ok(201);
    let to_member = payout(
        &app,
        admin,
        &payable_id(&app, admin, &scene.member_id).await,
        1_000,
    )
    .await
    .ok(201);
    let fund = fund_id(&app, admin, &ledger.projects[0]).await;
    let to_project = payout(&app, admin, &fund, 1_000).await.ok(201);

    for (token, own, hidden) in [
        (
            &scene.lead,
            [&payment, &unit, &to_lead],
            [&to_member, &to_project],
        ),
        (
            &scene.member,
            [&payment, &unit, &to_member],
            [&to_lead, &to_project],
        ),
    ] {
        assert_eq!(transaction_ids(&app, token, "").await, own.map(id));
        for transaction in own {
            let read = app
                .get(&transaction_path(&id(transaction)), Some(token))
                .await
                .ok(200);
            assert_eq!(&read, transaction);
        }
        for transaction in hidden {
            app.get(&transaction_path(&id(transaction)), Some(token))
                .await
                .problem(404);
        }
    }
    // The outsider lost the tender: nothing of it is the outsider's business.
    assert!(transaction_ids(&app, &scene.outsider, "").await.is_empty());
    for transaction in [&payment, &unit, &to_lead, &to_member, &to_project] {
        app.get(&transaction_path(&id(transaction)), Some(&scene.outsider))
            .await
            .problem(404);
    }
}

#[actix_web::test]
async fn a_project_named_by_an_agreement_is_not_deleted() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "PROJECT-KEPT").await;
    let admin = &ledger.scene.admin;
    let project_path = |project: &str| format!("/api/v1/projects/{project}");
    let unrelated = project(&app, admin, "unrelated-project-kept", json!(["postgis"])).await;
    for named in &ledger.projects {
        app.delete(&project_path(named), Some(admin))
            .await
            .problem(409);
        app.get(&project_path(named), None).await.ok(200);
    }
    app.delete(&project_path(&unrelated), Some(admin))
        .await
        .ok(204);

    // Once the agreement names only the first, the second may go.
    let (share, etag) = read_share(&app, admin, &ledger.contract_id).await;
    let allocation =
        json!({"upstream_allocation": [{"project_id": ledger.projects[0], "weight": 1}]});
    put_share(
        &app,
        Some(admin),
        &ledger.contract_id,
        Some(&etag),
        share_body(&share, allocation),
    )
    .await
    .ok(200);
    app.delete(&project_path(&ledger.projects[1]), Some(admin))
        .await
        .ok(204);
    app.delete(&project_path(&ledger.projects[0]), Some(admin))
        .await
        .problem(409);
}

/// A xorshift generator: the same seed gives the same operations on every run and on
/// both backends, so a failure replays.
struct Seeded(u64);

impl Seeded {
    /// A number in `0..bound`.
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// What the test knows of the ledger from the answers it got, to predict each answer and
/// the report: the accounts (in the order first seen) with their kind, owner and
/// balance, and every transaction posted.
#[derive(Default)]
struct Model {
    order: Vec<String>,
    accounts: HashMap<String, (String, String)>,
    balances: HashMap<String, i64>,
    posted: Vec<Value>,
    reversed: HashSet<String>,
}

impl Model {
    fn kind(&self, account_id: &str) -> &str {
        &self.accounts[account_id].0
    }

    /// How a posting moves its account's balance: up on the account's normal side
    /// (debits for cash, credits for what the network owes), down on the other.
    fn effect(&self, posting: &Value) -> i64 {
        let account = posting["account_id"].as_str().expect("account id");
        let amount = posting["amount_minor"].as_i64().expect("amount");
        let debit_normal = self.kind(account) == "cash";
        if (posting["direction"] == "debit") == debit_normal {
            amount
        } else {
            -amount
        }
    }

    fn postings(transaction: &Value) -> &Vec<Value> {
        transaction["postings"].as_array().expect("postings")
    }

    /// Takes in a posted transaction, checking each posting's running balance.
    async fn record(&mut self, app: &TestApp, admin: &str, transaction: Value) {
        for posting in Self::postings(&transaction) {
            let account_id = posting["account_id"].as_str().expect("account id");
            if !self.accounts.contains_key(account_id) {
                let account = app
                    .get(&format!("{LEDGER}/accounts/{account_id}"), Some(admin))
                    .await
                    .ok(200);
                let owner = account["owner_id"].as_str().unwrap_or_default().to_owned();
                let kind = account["kind"].as_str().expect("kind").to_owned();
                self.order.push(account_id.to_owned());
                self.accounts.insert(account_id.to_owned(), (kind, owner));
            }
            let effect = self.effect(posting);
            let balance = self.balances.entry(account_id.to_owned()).or_default();
            *balance += effect;
            assert_eq!(posting["balance_after_minor"], *balance, "{transaction}");
        }
        if let Some(original) = transaction["reverses_id"].as_str() {
            self.reversed.insert(original.to_owned());
        }
        self.posted.push(transaction);
    }

    /// Whether the ledger must accept reversing `transaction`: not reversed yet, not a
    /// reversal, and no balance taken below zero.
    fn reversible(&self, transaction: &Value) -> bool {
        !self.reversed.contains(&id(transaction))
            && transaction["kind"] != "reversal"
            && Self::postings(transaction).iter().all(|posting| {
                let account = posting["account_id"].as_str().expect("account id");
                self.balances[account] - self.effect(posting) >= 0
            })
    }

    /// The payments and payouts that stand (posted and not reversed), the reversals
    /// having undone the rest.
    fn standing(&self) -> impl Iterator<Item = &Value> {
        self.posted
            .iter()
            .filter(|t| t["kind"] != "reversal" && !self.reversed.contains(&id(t)))
    }
}

#[actix_web::test]
async fn the_transparency_report_reconciles_with_the_ledger_after_a_seeded_sequence() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "TRANSPARENCY").await;
    let scene = &ledger.scene;
    let admin = &scene.admin;
    let mut random = Seeded(0x0123_4567_89ab_cdef);
    let mut model = Model::default();
    let mut refused: HashMap<&str, usize> = HashMap::new();
    for _ in 0..30 {
        let payable_or_fund: Vec<String> = model
            .order
            .iter()
            .filter(|a| matches!(model.kind(a), "partner_payable" | "project_fund"))
            .cloned()
            .collect();
        let roll = random.below(10);
        let (operation, response) = if roll < 4 || model.posted.is_empty() {
            // Small amounts too, where rounding decides every part.
            let amount = match random.below(3) {
                0 => 1 + random.below(10),
                _ => 1 + random.below(5_000_000),
            } as i64;
            let response = app
                .post(&ledger.payments_path(), Some(&scene.buyer), payment(amount))
                .await;
            assert_eq!(response.status.as_u16(), 201);
            ("payment", response)
        } else if roll < 7 {
            let account = random.pick(&payable_or_fund).clone();
            let held = model.balances[&account] as u64;
            // At times more than the account holds.
            let amount = 1 + random.below(held + held / 4 + 1) as i64;
            let response = payout(&app, admin, &account, amount).await;
            let expected = if amount <= model.balances[&account] {
                201
            } else {
                422
            };
            assert_eq!(response.status.as_u16(), expected, "payout of {amount}");
            ("payout", response)
        } else {
            let transaction = random.pick(&model.posted).clone();
            let response = reverse(&app, admin, &transaction).await;
            let expected = if model.reversible(&transaction) {
                201
            } else {
                409
            };
            assert_eq!(
                response.status.as_u16(),
                expected,
                "reversal of {transaction}"
            );
            ("reversal", response)
        };
        if response.status.is_success() {
            model.record(&app, admin, response.json()).await;
        } else {
            *refused.entry(operation).or_default() += 1;
        }
    }
    let count = |kind: &str| model.posted.iter().filter(|t| t["kind"] == kind).count();
    // The seed gives a sequence with every kind of posting, and refused payouts and
    // reversals.
    assert!(count("payment") > 0 && count("payout") > 0 && count("reversal") > 0);
    assert!(refused.contains_key("payout") && refused.contains_key("reversal"));

    // What the standing transactions put where, from the answers alone.
    let (mut paid, mut fees, mut to_members) = (0, 0, 0);
    let mut flows: HashMap<String, (i64, i64)> = HashMap::new();
    for transaction in model.standing() {
        for posting in Model::postings(transaction) {
            let account = posting["account_id"].as_str().expect("account id");
            let (kind, owner) = &model.accounts[account];
            let amount = posting["amount_minor"].as_i64().expect("amount");
            match (transaction["kind"].as_str(), kind.as_str()) {
                (Some("payment"), "cash") => paid += amount,
                (Some("payment"), "platform_fees") => fees += amount,
                (Some("payment"), "partner_payable") => to_members += amount,
                (Some("payment"), "project_fund") => {
                    flows.entry(owner.clone()).or_default().0 += amount
                }
                (Some("payout"), "project_fund") => {
                    flows.entry(owner.clone()).or_default().1 += amount
                }
                _ => {}
            }
        }
    }

    let report = transparency(&app, "").await;
    assert_eq!(report["currency"], "EUR");
    let projects = report["projects"].as_array().expect("projects");
    let funds: Vec<&String> = model
        .order
        .iter()
        .filter(|a| model.kind(a) == "project_fund")
        .collect();
    assert_eq!(projects.len(), funds.len(), "one line per fund");
    let mut upstream = 0;
    for line in projects {
        let project = line["project_id"].as_str().expect("project id");
        let (credited, paid_out) = flows.get(project).copied().unwrap_or_default();
        let fund = account(&app, admin, "project_fund", Some(project)).await;
        assert_eq!(line["credited_minor"], credited, "{line}");
        assert_eq!(line["paid_out_minor"], paid_out, "{line}");
        assert_eq!(line["outstanding_minor"], credited - paid_out, "{line}");
        assert_eq!(line["outstanding_minor"], fund["balance_minor"], "{line}");
        upstream += credited;
    }
    let totals = &report["totals"];
    assert_eq!(totals["paid_minor"], paid);
    assert_eq!(totals["platform_fees_minor"], fees);
    assert_eq!(totals["upstream_minor"], upstream);
    assert_eq!(
        paid,
        fees + upstream + to_members,
        "every unit paid is placed"
    );
    let upstream_bps = upstream * 10_000 / paid;
    assert_eq!(totals["upstream_bps"], upstream_bps);
    assert!(upstream_bps >= UPSTREAM_FLOOR_BPS, "{totals}");

    let verified = app
        .get(&format!("{LEDGER}/verify"), Some(admin))
        .await
        .ok(200);
    assert_eq!(verified["ok"], true, "{verified}");
}

#[actix_web::test]
async fn the_transparency_report_covers_its_period() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "TRANSPARENCY-PERIOD").await;
    let admin = &ledger.scene.admin;
    let (p0, p1) = (&ledger.projects[0], &ledger.projects[1]);
    // Project 0 is credited 15,001, project 1 15,000 (see the first test).
    let payment = pay(&app, &ledger, 1_000_001).await;
    let fund = fund_id(&app, admin, p0).await;
    payout(&app, admin, &fund, 5_000).await.ok(201);
    let day =
        chrono::DateTime::parse_from_rfc3339(payment["created_at"].as_str().expect("created_at"))
            .expect("RFC 3339")
            .date_naive();
    let line = |project: &str, credited: i64, paid_out: i64, outstanding: i64| {
        json!({"project_id": project, "credited_minor": credited, "paid_out_minor": paid_out,
               "outstanding_minor": outstanding})
    };
    let lines = |report: &Value| -> Vec<Value> {
        report["projects"]
            .as_array()
            .expect("projects")
            .iter()
            .map(|l| {
                json!({"project_id": l["project_id"], "credited_minor": l["credited_minor"],
                       "paid_out_minor": l["paid_out_minor"],
                       "outstanding_minor": l["outstanding_minor"]})
            })
            .collect()
    };

    let whole = transparency(&app, "").await;
    let today = transparency(&app, &format!("from={day}&to={day}")).await;
    // Most credited first.
    assert_eq!(
        lines(&whole),
        [line(p0, 15_001, 5_000, 10_001), line(p1, 15_000, 0, 15_000)]
    );
    let named = app
        .get(&format!("/api/v1/projects/{p0}"), None)
        .await
        .ok(200);
    assert_eq!(whole["projects"][0]["name"], named["name"]);
    assert_eq!(
        whole["totals"],
        json!({"paid_minor": 1_000_001, "platform_fees_minor": 50_000,
               "upstream_minor": 30_001, "upstream_bps": 300})
    );
    assert_eq!(today["projects"], whole["projects"]);
    assert_eq!(today["totals"], whole["totals"]);
    assert_eq!(today["from"], json!(day.to_string()));

    // Before anything was posted: the funds are listed, with nothing in them yet.
    let past = transparency(&app, "from=2000-01-01&to=2000-12-31").await;
    let mut empty = lines(&past);
    empty.sort_by_key(|l| l["project_id"].to_string());
    assert_eq!(empty, [line(p0, 0, 0, 0), line(p1, 0, 0, 0)]);
    assert_eq!(
        past["totals"],
        json!({"paid_minor": 0, "platform_fees_minor": 0, "upstream_minor": 0, "upstream_bps": 0})
    );
    // After it: nothing flowed, but the funds still hold what they were owed.
    let later = day.succ_opt().expect("a day");
    let after = transparency(&app, &format!("from={later}")).await;
    let mut held = lines(&after);
    held.sort_by_key(|l| l["project_id"].to_string());
    let mut expected = [line(p0, 0, 0, 10_001), line(p1, 0, 0, 15_000)];
    expected.sort_by_key(|l| l["project_id"].to_string());
    assert_eq!(held, expected);
    assert_eq!(after["totals"]["paid_minor"], 0);
}

#[actix_web::test]
async fn the_transparency_report_refuses_a_bad_currency_or_period() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "TRANSPARENCY-BAD").await;
    pay(&app, &ledger, 1_000).await;
    let path = "/api/v1/reports/transparency";
    for (query, parameter, code) in [
        ("currency=EURO", "currency", "currency"),
        ("from=2027-03-02&to=2027-03-01", "to", "before_from"),
    ] {
        let refused = app.get(&format!("{path}?{query}"), None).await.problem(400);
        assert_eq!(refused["errors"][0]["parameter"], parameter, "{refused}");
        assert_eq!(refused["errors"][0]["code"], code, "{refused}");
    }
    app.get(&format!("{path}?from=March"), None)
        .await
        .problem(400);
    // Another currency: nothing was paid in it.
    let dollars = app.get(&format!("{path}?currency=USD"), None).await.ok(200);
    assert_eq!(dollars["projects"], json!([]));
    assert_eq!(dollars["totals"]["paid_minor"], 0);
}

#[actix_web::test]
async fn an_account_list_refuses_a_currency_that_is_not_one() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "ACCOUNTS-CURRENCY").await;
    pay(&app, &ledger, 1_000).await;
    let admin = Some(ledger.scene.admin.as_str());
    let refused = app
        .get(&format!("{LEDGER}/accounts?currency=AAA"), admin)
        .await
        .problem(400);
    assert_eq!(refused["errors"][0]["parameter"], "currency", "{refused}");
    let euros = app
        .get(&format!("{LEDGER}/accounts?currency=EUR"), admin)
        .await
        .ok(200);
    // Cash, the fee, two project funds and two member payables.
    assert_eq!(euros["items"].as_array().map(Vec::len), Some(6));
}

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
    page["items"].as_array().expect("items").iter().map(id).collect()
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

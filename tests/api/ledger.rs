//! The revenue-share ledger over HTTP: agreements made at award, payments split to the
//! exact minor unit, payouts, reversals, statements, verification, checkpoints and the
//! transparency report.

use serde_json::{Value, json};

use crate::contracts::awarded_to_consortium;
use crate::fixtures::Scene;
use crate::helpers::TestApp;

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
        let mut projects = Vec::new();
        for slug in ["pg-core", "pg-tools"] {
            let project = app
                .post(
                    "/api/v1/projects",
                    Some(&scene.admin),
                    json!({"slug": format!("{slug}-{}", reference.to_lowercase()),
                           "name": format!("Project {slug}"),
                           "repository_url": format!("https://git.example/{slug}"),
                           "license": "PostgreSQL", "skills": ["postgresql"]}),
                )
                .await
                .ok(201);
            projects.push(project["id"].as_str().expect("project id").to_owned());
        }
        projects.sort();
        let (_, contract) = awarded_to_consortium(app, &scene, reference).await;
        LedgerScene {
            contract_id: contract["id"].as_str().expect("contract id").to_owned(),
            scene,
            projects,
        }
    }

    pub fn payments_path(&self) -> String {
        format!("/api/v1/contracts/{}/payments", self.contract_id)
    }

    pub fn revenue_share_path(&self) -> String {
        format!("/api/v1/contracts/{}/revenue-share", self.contract_id)
    }
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

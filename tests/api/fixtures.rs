//! A procurement scene shared by the tender, bid and contract tests: a buyer, partners
//! with their users, skills, and helpers that take a tender through its lifecycle.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse};
use ose_api::domain::access::Role;

/// The people of a scene, each with a token.
pub struct Scene {
    pub admin: String,
    /// The buyer issuing the tenders, and its token.
    pub buyer_id: String,
    pub buyer: String,
    /// Another buyer, and its token.
    pub other_buyer_id: String,
    pub other_buyer: String,
    /// Three active partners (lead, member, outsider) and their tokens.
    pub lead_id: String,
    pub lead: String,
    pub member_id: String,
    pub member: String,
    pub outsider_id: String,
    pub outsider: String,
}

impl Scene {
    /// Skills `postgresql` and `postgis`, two buyers and three partners with users.
    pub async fn new(app: &TestApp) -> Scene {
        let admin = app.admin();
        for slug in ["postgresql", "postgis"] {
            app.post(
                "/api/v1/skills",
                Some(&admin),
                json!({"slug": slug, "name": slug, "category": "databases"}),
            )
            .await
            .ok(201);
        }
        let (buyer, buyer_id) = app.member(Role::Buyer);
        let (other_buyer, other_buyer_id) = app.member(Role::Buyer);
        let (lead, lead_id) = app.member(Role::Partner);
        let (member, member_id) = app.member(Role::Partner);
        let (outsider, outsider_id) = app.member(Role::Partner);
        Scene {
            admin,
            buyer_id,
            buyer,
            other_buyer_id,
            other_buyer,
            lead_id,
            lead,
            member_id,
            member,
            outsider_id,
            outsider,
        }
    }
}

/// The deadline of the tenders of these tests: 30 days after the app's "now".
pub fn deadline(app: &TestApp) -> String {
    use ose_api::clock::Clock;
    (app.clock.now() + chrono::Duration::days(30))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A valid draft with two lots, `changes` merged over it.
pub fn tender_body(app: &TestApp, reference: &str, changes: Value) -> Value {
    let mut body = json!({
        "reference": reference, "title": "Support for the database estate",
        "description": "Third-level support for PostgreSQL and PostGIS.",
        "procedure": "open", "currency": "EUR", "estimated_value_minor": 120_000_000,
        "submission_deadline": deadline(app),
        "lots": [
            {"title": "PostgreSQL", "estimated_value_minor": 80_000_000,
             "required_skills": [{"skill": "postgresql", "min_level": "contributor", "weight": 8}]},
            {"title": "PostGIS", "estimated_value_minor": 40_000_000,
             "required_skills": [{"skill": "postgis", "min_level": "expert", "weight": 5}]}
        ]
    });
    if let (Some(body), Value::Object(changes)) = (body.as_object_mut(), changes) {
        body.extend(changes);
    }
    body
}

/// Creates a draft as the scene's buyer; returns it.
pub async fn draft(app: &TestApp, scene: &Scene, reference: &str) -> Value {
    app.post(
        "/api/v1/tenders",
        Some(&scene.buyer),
        tender_body(app, reference, json!({})),
    )
    .await
    .ok(201)
}

/// Creates and publishes a tender as the scene's buyer; returns it published.
pub async fn published(app: &TestApp, scene: &Scene, reference: &str) -> Value {
    let tender = draft(app, scene, reference).await;
    action(app, &scene.buyer, &tender, "publish").await.ok(200)
}

/// `POST /tenders/{id}/{name}` as `token`, without a body.
pub async fn action(app: &TestApp, token: &str, tender: &Value, name: &str) -> TestResponse {
    app.send(TestApp::request(
        Method::POST,
        &format!("{}/{name}", tender_path(tender)),
        Some(token),
    ))
    .await
}

pub fn tender_path(tender: &Value) -> String {
    format!(
        "/api/v1/tenders/{}",
        tender["id"].as_str().expect("tender id")
    )
}

pub fn lot_id(tender: &Value, index: usize) -> String {
    tender["lots"][index]["id"]
        .as_str()
        .expect("lot id")
        .to_owned()
}

/// A consortium bid body: the lead with 7000 bps, the member with 3000.
pub fn consortium_body(scene: &Scene, lot_id: &str) -> Value {
    json!({
        "lot_id": lot_id,
        "members": [{"partner_id": scene.lead_id, "share_bps": 7000},
                    {"partner_id": scene.member_id, "share_bps": 3000}],
        "price_minor": 75_000_000, "currency": "EUR",
        "technical_summary": "The lead runs support; the member covers GIS."
    })
}

/// Creates the scene's consortium bid on `lot_id`; returns it (a draft).
pub async fn consortium_bid(app: &TestApp, scene: &Scene, tender: &Value, lot_id: &str) -> Value {
    app.post(
        &format!("{}/bids", tender_path(tender)),
        Some(&scene.lead),
        consortium_body(scene, lot_id),
    )
    .await
    .ok(201)
}

pub fn bid_path(bid: &Value) -> String {
    format!("/api/v1/bids/{}", bid["id"].as_str().expect("bid id"))
}

/// `POST /bids/{id}/{name}` as `token`, without a body.
pub async fn bid_action(app: &TestApp, token: &str, bid: &Value, name: &str) -> TestResponse {
    app.send(TestApp::request(
        Method::POST,
        &format!("{}/{name}", bid_path(bid)),
        Some(token),
    ))
    .await
}

/// A consortium bid confirmed by the member and submitted by the lead.
pub async fn submitted_bid(app: &TestApp, scene: &Scene, tender: &Value, lot_id: &str) -> Value {
    let bid = consortium_bid(app, scene, tender, lot_id).await;
    bid_action(app, &scene.member, &bid, "confirm")
        .await
        .ok(200);
    bid_action(app, &scene.lead, &bid, "submit").await.ok(200)
}

#[actix_web::test]
async fn the_scene_runs_a_tender_to_its_award() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "SCENE-1").await;
    assert_eq!(tender["status"], "published");
    let bid = submitted_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    assert_eq!(bid["status"], "submitted");
    let closed = action(&app, &scene.buyer, &tender, "close").await.ok(200);
    assert_eq!(closed["status"], "evaluation");
    let awarded = app
        .post(
            &format!("{}/award", tender_path(&tender)),
            Some(&scene.buyer),
            json!({"awards": [{"lot_id": lot_id(&tender, 0), "bid_id": bid["id"]}]}),
        )
        .await
        .ok(200);
    assert_eq!(awarded["tender"]["status"], "awarded");
    assert_eq!(awarded["contracts"][0]["value_minor"], 75_000_000);
}

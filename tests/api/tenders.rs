//! `/tenders`: creation and its validation, the lifecycle (publish, edit, delete, close,
//! cancel, award) driven over HTTP, who sees and moves which tender, and the list's
//! visibility, filters and pages.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::fixtures::{
    Scene, action, bid_action, consortium_bid, draft, lot_id, published, submitted_bid,
    tender_body, tender_path,
};
use crate::helpers::{TestApp, TestResponse};
use ose_api::clock::Clock;
use ose_api::db::contracts::{Contract, ContractRow};

const TENDERS: &str = "/api/v1/tenders";

/// The members of a tender, in order: never any bid.
const TENDER_FIELDS: [&str; 16] = [
    "id",
    "buyer_id",
    "reference",
    "title",
    "description",
    "procedure",
    "currency",
    "estimated_value_minor",
    "submission_deadline",
    "status",
    "published_at",
    "closed_at",
    "lots",
    "created_at",
    "updated_at",
    "version",
];

async fn create(app: &TestApp, token: &str, body: Value) -> TestResponse {
    app.post(TENDERS, Some(token), body).await
}

/// The tender as `token` reads it now.
async fn read(app: &TestApp, token: Option<&str>, tender: &Value) -> Value {
    app.get(&tender_path(tender), token).await.ok(200)
}

/// The tender's current ETag, as `token` reads it.
async fn etag_of(app: &TestApp, token: &str, tender: &Value) -> String {
    app.get(&tender_path(tender), Some(token))
        .await
        .header("etag")
        .expect("ETag header")
}

/// Asserts a 409 that names `state` as the status refusing the move.
fn assert_refused_in(response: &TestResponse, state: &str) {
    let problem = response.problem(409);
    assert_eq!(problem["current_state"], state, "{problem}");
}

pub fn references(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|t| t["reference"].as_str().expect("reference").to_owned())
        .collect()
}

/// The references on the first page of `GET /tenders?{query}` as `token`.
async fn listed(app: &TestApp, token: Option<&str>, query: &str) -> Vec<String> {
    let page = app.get(&format!("{TENDERS}?{query}"), token).await.ok(200);
    references(&page)
}

/// Asserts that no tender exists at all (admins see every tender).
async fn assert_no_tender(app: &TestApp, scene: &Scene) {
    assert_eq!(
        listed(app, Some(&scene.admin), "").await,
        Vec::<String>::new(),
        "nothing was created"
    );
}

/// `text` encoded for a query string.
fn encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The app's "now" plus `days`, as RFC 3339 in UTC, to the second.
fn days_ahead(app: &TestApp, days: i64) -> String {
    (app.clock.now() + chrono::Duration::days(days))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A published tender of the other buyer.
async fn published_by_other(app: &TestApp, scene: &Scene, reference: &str) -> Value {
    let tender = create(
        app,
        &scene.other_buyer,
        tender_body(app, reference, json!({})),
    )
    .await
    .ok(201);
    action(app, &scene.other_buyer, &tender, "publish")
        .await
        .ok(200)
}

/// A bid of the partner behind `token` alone on `lot_id`, still a draft.
pub async fn lone_draft_bid(app: &TestApp, token: &str, tender: &Value, lot_id: &str) -> Value {
    app.post(
        &format!("{}/bids", tender_path(tender)),
        Some(token),
        json!({"lot_id": lot_id, "price_minor": 70_000_000, "currency": "EUR"}),
    )
    .await
    .ok(201)
}

/// A bid of the partner behind `token` alone on `lot_id` (70 000 000 minor), submitted.
pub async fn lone_bid(app: &TestApp, token: &str, tender: &Value, lot_id: &str) -> Value {
    let bid = lone_draft_bid(app, token, tender, lot_id).await;
    bid_action(app, token, &bid, "submit").await.ok(200)
}

/// `POST /tenders/{id}/award` with these (lot id, bid) pairs.
pub async fn award(
    app: &TestApp,
    token: &str,
    tender: &Value,
    awards: &[(&str, &Value)],
) -> TestResponse {
    let awards: Vec<Value> = awards
        .iter()
        .map(|(lot, bid)| json!({"lot_id": lot, "bid_id": bid["id"]}))
        .collect();
    award_body(app, token, tender, json!({ "awards": awards })).await
}

async fn award_body(app: &TestApp, token: &str, tender: &Value, body: Value) -> TestResponse {
    app.post(&format!("{}/award", tender_path(tender)), Some(token), body)
        .await
}

/// A bid's status, read as admin.
pub async fn bid_status(app: &TestApp, admin: &str, bid: &Value) -> String {
    let path = format!("/api/v1/bids/{}", bid["id"].as_str().expect("bid id"));
    let bid = app.get(&path, Some(admin)).await.ok(200);
    bid["status"].as_str().expect("status").to_owned()
}

/// The contracts of `tender`, read as admin.
pub async fn contracts_of(app: &TestApp, admin: &str, tender: &Value) -> Vec<Value> {
    let path = format!(
        "/api/v1/contracts?tender_id={}",
        tender["id"].as_str().expect("tender id")
    );
    let page = app.get(&path, Some(admin)).await.ok(200);
    page["items"].as_array().expect("items").clone()
}

/// A published tender with the consortium's submitted bid on lot 0, closed into
/// evaluation; returns the tender (as closed) and the bid.
async fn in_evaluation(app: &TestApp, scene: &Scene, reference: &str) -> (Value, Value) {
    let tender = published(app, scene, reference).await;
    let bid = submitted_bid(app, scene, &tender, &lot_id(&tender, 0)).await;
    let closed = action(app, &scene.buyer, &tender, "close").await.ok(200);
    assert_eq!(closed["status"], "evaluation");
    (closed, bid)
}

// ---------------------------------------------------------------------------------------
// Creation

#[actix_web::test]
async fn a_buyer_creates_a_draft_for_itself() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let body = tender_body(&app, "DB-2027-001", json!({}));
    let response = create(&app, &scene.buyer, body.clone()).await;
    let created = response.ok(201);
    let id = created["id"].as_str().expect("id");
    let path = format!("{TENDERS}/{id}");
    assert_eq!(response.header("location"), Some(path.clone()));
    assert_eq!(response.header("etag"), Some(format!("\"{id}.1\"")));
    let keys: Vec<&str> = created
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, TENDER_FIELDS);
    for (field, value) in [
        ("buyer_id", json!(scene.buyer_id)),
        ("reference", json!("DB-2027-001")),
        ("title", json!("Support for the database estate")),
        (
            "description",
            json!("Third-level support for PostgreSQL and PostGIS."),
        ),
        ("procedure", json!("open")),
        ("currency", json!("EUR")),
        ("estimated_value_minor", json!(120_000_000)),
        ("submission_deadline", body["submission_deadline"].clone()),
        ("status", json!("draft")),
        ("published_at", Value::Null),
        ("closed_at", Value::Null),
        ("version", json!(1)),
    ] {
        assert_eq!(created[field], value, "{field}");
    }
    assert!(created["created_at"].is_string() && created["updated_at"].is_string());
    let lots = created["lots"].as_array().expect("lots");
    let sent = body["lots"].as_array().unwrap();
    assert_eq!(lots.len(), 2);
    for (lot, sent) in lots.iter().zip(sent) {
        assert!(lot["id"].is_string());
        assert_eq!(lot["title"], sent["title"]);
        assert_eq!(lot["description"], "");
        assert_eq!(lot["estimated_value_minor"], sent["estimated_value_minor"]);
        assert_eq!(lot["required_skills"], sent["required_skills"]);
    }
    assert_ne!(lots[0]["id"], lots[1]["id"]);

    let read = app.get(&path, Some(&scene.buyer)).await;
    assert_eq!(read.header("etag"), response.header("etag"));
    assert_eq!(read.ok(200), created);
}

#[actix_web::test]
async fn the_currency_defaults_to_eur_and_text_is_trimmed() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let mut body = tender_body(
        &app,
        "  TRIM-1  ",
        json!({"title": "  Padded title ", "procedure": "framework"}),
    );
    let object = body.as_object_mut().unwrap();
    object.remove("currency");
    object.remove("description");
    let created = create(&app, &scene.buyer, body).await.ok(201);
    assert_eq!(created["currency"], "EUR");
    assert_eq!(created["description"], "");
    assert_eq!(created["reference"], "TRIM-1");
    assert_eq!(created["title"], "Padded title");
    assert_eq!(created["procedure"], "framework");
}

#[actix_web::test]
async fn an_admin_creates_a_tender_for_the_buyer_it_names() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let response = create(
        &app,
        &scene.admin,
        tender_body(&app, "ADM-1", json!({"buyer_id": scene.buyer_id})),
    )
    .await;
    let created = response.ok(201);
    assert_eq!(created["buyer_id"], json!(scene.buyer_id));
    assert_eq!(created["status"], "draft");
    assert!(response.header("location").is_some() && response.header("etag").is_some());
    // The buyer owns it: it reads its draft.
    assert_eq!(read(&app, Some(&scene.buyer), &created).await, created);
}

#[actix_web::test]
async fn an_admin_must_name_an_existing_buyer() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let codes = create(&app, &scene.admin, tender_body(&app, "ADM-1", json!({})))
        .await
        .invalid_fields(&["#/buyer_id"]);
    assert_eq!(codes, ["required"]);
    let codes = create(
        &app,
        &scene.admin,
        tender_body(&app, "ADM-1", json!({"buyer_id": "no-such-buyer"})),
    )
    .await
    .unmet_fields(&["#/buyer_id"]);
    assert_eq!(codes, ["not_found"]);
    assert_no_tender(&app, &scene).await;
}

#[actix_web::test]
async fn a_buyer_names_itself_or_no_buyer() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let codes = create(
        &app,
        &scene.buyer,
        tender_body(&app, "OWN-1", json!({"buyer_id": scene.other_buyer_id})),
    )
    .await
    .invalid_fields(&["#/buyer_id"]);
    assert_eq!(codes, ["not_allowed"]);
    assert_no_tender(&app, &scene).await;
    let own = create(
        &app,
        &scene.buyer,
        tender_body(&app, "OWN-2", json!({"buyer_id": scene.buyer_id})),
    )
    .await
    .ok(201);
    assert_eq!(own["buyer_id"], json!(scene.buyer_id));
}

#[actix_web::test]
async fn partners_and_anonymous_callers_may_not_create_tenders() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    create(&app, &scene.lead, tender_body(&app, "P-1", json!({})))
        .await
        .problem(403);
    app.post(TENDERS, None, tender_body(&app, "A-1", json!({})))
        .await
        .problem(401);
    assert_no_tender(&app, &scene).await;
}

/// Posts the valid body with `edit` applied, as the scene's buyer; expects exactly
/// `pointer` refused with `code`, and nothing created.
async fn assert_invalid(
    app: &TestApp,
    scene: &Scene,
    edit: impl FnOnce(&mut Value),
    pointer: &str,
    code: &str,
) {
    let mut body = tender_body(app, "REFUSED-1", json!({}));
    edit(&mut body);
    create(app, &scene.buyer, body)
        .await
        .refused_with(&[pointer], &[code]);
    assert_no_tender(app, scene).await;
}

#[actix_web::test]
async fn a_blank_reference_is_refused() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    for reference in ["", "   "] {
        let edit = |body: &mut Value| body["reference"] = json!(reference);
        assert_invalid(&app, &scene, edit, "#/reference", "blank").await;
    }
}

#[actix_web::test]
async fn a_blank_title_is_refused() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let edit = |body: &mut Value| body["title"] = json!(" \t ");
    assert_invalid(&app, &scene, edit, "#/title", "blank").await;
}

#[actix_web::test]
async fn a_procedure_outside_the_set_is_refused() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    for procedure in ["auction", "Open", ""] {
        let edit = |body: &mut Value| body["procedure"] = json!(procedure);
        assert_invalid(&app, &scene, edit, "#/procedure", "enum").await;
    }
}

#[actix_web::test]
async fn a_currency_must_be_an_iso_4217_code_for_payments() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    for currency in ["EURO", "eur", "XAU"] {
        let edit = |body: &mut Value| body["currency"] = json!(currency);
        assert_invalid(&app, &scene, edit, "#/currency", "currency").await;
    }
}

#[actix_web::test]
async fn a_negative_estimated_value_is_refused() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let edit = |body: &mut Value| body["estimated_value_minor"] = json!(-1);
    assert_invalid(&app, &scene, edit, "#/estimated_value_minor", "range").await;
}

#[actix_web::test]
async fn a_lot_needs_a_title() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let edit = |body: &mut Value| body["lots"][0]["title"] = json!("  ");
    assert_invalid(&app, &scene, edit, "#/lots/0/title", "blank").await;
}

#[actix_web::test]
async fn a_lot_value_may_not_be_negative() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let edit = |body: &mut Value| body["lots"][1]["estimated_value_minor"] = json!(-5);
    assert_invalid(
        &app,
        &scene,
        edit,
        "#/lots/1/estimated_value_minor",
        "range",
    )
    .await;
}

#[actix_web::test]
async fn a_required_skill_must_be_in_the_catalogue() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let edit = |body: &mut Value| body["lots"][0]["required_skills"][0]["skill"] = json!("cobol");
    assert_invalid(
        &app,
        &scene,
        edit,
        "#/lots/0/required_skills/0/skill",
        "not_found",
    )
    .await;
}

#[actix_web::test]
async fn a_skill_is_required_once_per_lot() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let required = |skill: &str| json!({"skill": skill, "min_level": "expert", "weight": 3});
    let edit = |body: &mut Value| {
        body["lots"][0]["required_skills"] = json!([required("postgresql"), required("postgresql")])
    };
    assert_invalid(
        &app,
        &scene,
        edit,
        "#/lots/0/required_skills/1/skill",
        "duplicate",
    )
    .await;
    // Named once by slug and once by id, it is still the same skill.
    let skill = app.get("/api/v1/skills/postgresql", None).await.ok(200);
    let id = skill["id"].as_str().unwrap();
    let edit = |body: &mut Value| {
        body["lots"][1]["required_skills"] =
            json!([required("postgis"), required("postgresql"), required(id)])
    };
    assert_invalid(
        &app,
        &scene,
        edit,
        "#/lots/1/required_skills/2/skill",
        "duplicate",
    )
    .await;
    // Two lots may require the same skill, and a skill named by id reads back as its slug.
    let mut body = tender_body(&app, "SAME-SKILL", json!({}));
    body["lots"][1]["required_skills"] = json!([required(id)]);
    let created = create(&app, &scene.buyer, body).await.ok(201);
    assert_eq!(
        created["lots"][1]["required_skills"],
        json!([required("postgresql")])
    );
}

#[actix_web::test]
async fn a_min_level_must_be_a_skill_level() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    for level in ["guru", "Expert", ""] {
        let edit =
            |body: &mut Value| body["lots"][0]["required_skills"][0]["min_level"] = json!(level);
        assert_invalid(
            &app,
            &scene,
            edit,
            "#/lots/0/required_skills/0/min_level",
            "enum",
        )
        .await;
    }
}

#[actix_web::test]
async fn a_weight_is_between_one_and_ten() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    for weight in [0, 11, -1] {
        let edit =
            |body: &mut Value| body["lots"][0]["required_skills"][0]["weight"] = json!(weight);
        assert_invalid(
            &app,
            &scene,
            edit,
            "#/lots/0/required_skills/0/weight",
            "range",
        )
        .await;
    }
    for (reference, weight) in [("W-1", 1), ("W-10", 10)] {
        let mut body = tender_body(&app, reference, json!({}));
        body["lots"][0]["required_skills"][0]["weight"] = json!(weight);
        create(&app, &scene.buyer, body).await.ok(201);
    }
}

#[actix_web::test]
async fn unknown_fields_are_bad_requests() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let edits: [fn(&mut Value); 3] = [
        |body| body["status"] = json!("published"),
        |body| body["lots"][0]["budget"] = json!(1),
        |body| body["lots"][0]["required_skills"][0]["level"] = json!("expert"),
    ];
    for edit in edits {
        let mut body = tender_body(&app, "UNKNOWN-1", json!({}));
        edit(&mut body);
        create(&app, &scene.buyer, body).await.problem(400);
    }
    assert_no_tender(&app, &scene).await;
}

#[actix_web::test]
async fn a_malformed_deadline_is_a_bad_request() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    for deadline in [
        json!("next week"),
        json!("2027-01-31"),
        json!("2027-01-31T12:00:00"),
        json!("31/01/2027 12:00"),
        json!(1_800_000_000),
    ] {
        let body = tender_body(&app, "DL-1", json!({"submission_deadline": deadline}));
        create(&app, &scene.buyer, body).await.problem(400);
    }
    assert_no_tender(&app, &scene).await;
}

#[actix_web::test]
async fn a_reference_is_unique_per_buyer() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let first = draft(&app, &scene, "REF-1").await;
    for reference in ["REF-1", " REF-1 "] {
        create(&app, &scene.buyer, tender_body(&app, reference, json!({})))
            .await
            .problem(409);
    }
    create(
        &app,
        &scene.admin,
        tender_body(&app, "REF-1", json!({"buyer_id": scene.buyer_id})),
    )
    .await
    .problem(409);
    assert_eq!(
        listed(&app, Some(&scene.admin), "").await,
        ["REF-1"],
        "only the first was created"
    );
    // Another buyer may use the same reference.
    let other = create(
        &app,
        &scene.other_buyer,
        tender_body(&app, "REF-1", json!({})),
    )
    .await
    .ok(201);
    assert_eq!(other["buyer_id"], json!(scene.other_buyer_id));
    assert_ne!(other["id"], first["id"]);
}

// ---------------------------------------------------------------------------------------
// Publishing

#[actix_web::test]
async fn publishing_makes_a_draft_public() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = draft(&app, &scene, "PUB-1").await;
    app.get(&tender_path(&tender), None).await.problem(404);
    let response = action(&app, &scene.buyer, &tender, "publish").await;
    let id = tender["id"].as_str().unwrap();
    assert_eq!(response.header("etag"), Some(format!("\"{id}.2\"")));
    let body = response.ok(200);
    assert_eq!(body["status"], "published");
    assert_eq!(body["version"], 2);
    assert!(body["published_at"].is_string());
    assert_eq!(body["closed_at"], Value::Null);
    assert_eq!(body["lots"], tender["lots"]);
    assert_eq!(read(&app, None, &tender).await, body);

    assert_refused_in(
        &action(&app, &scene.buyer, &tender, "publish").await,
        "published",
    );
    assert_eq!(read(&app, None, &tender).await, body, "unchanged");
}

#[actix_web::test]
async fn publishing_honours_if_match() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = draft(&app, &scene, "PUB-1").await;
    let path = format!("{}/publish", tender_path(&tender));
    let stale = format!("\"{}.9\"", tender["id"].as_str().unwrap());
    app.send(
        TestApp::request(Method::POST, &path, Some(&scene.buyer))
            .insert_header(("If-Match", stale)),
    )
    .await
    .problem(412);
    assert_eq!(read(&app, Some(&scene.buyer), &tender).await, tender);
    let current = etag_of(&app, &scene.buyer, &tender).await;
    let published = app
        .send(
            TestApp::request(Method::POST, &path, Some(&scene.buyer))
                .insert_header(("If-Match", current)),
        )
        .await
        .ok(200);
    assert_eq!(published["status"], "published");
}

#[actix_web::test]
async fn publishing_needs_a_lot() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = create(
        &app,
        &scene.buyer,
        tender_body(&app, "NO-LOT", json!({"lots": []})),
    )
    .await
    .ok(201);
    let codes = action(&app, &scene.buyer, &tender, "publish")
        .await
        .unmet_fields(&["#/lots"]);
    assert_eq!(codes, ["required"]);
    assert_eq!(read(&app, Some(&scene.buyer), &tender).await, tender);
}

#[actix_web::test]
async fn publishing_needs_a_required_skill_in_every_lot() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let mut body = tender_body(&app, "NO-SKILL", json!({}));
    body["lots"][1]
        .as_object_mut()
        .unwrap()
        .remove("required_skills");
    let tender = create(&app, &scene.buyer, body).await.ok(201);
    assert_eq!(tender["lots"][1]["required_skills"], json!([]));
    let codes = action(&app, &scene.buyer, &tender, "publish")
        .await
        .unmet_fields(&["#/lots/1/required_skills"]);
    assert_eq!(codes, ["required"]);
    assert_eq!(read(&app, Some(&scene.buyer), &tender).await, tender);
}

#[actix_web::test]
async fn publishing_needs_a_deadline_ahead() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    // A draft may be written with a deadline already past; it cannot be published so.
    let tender = create(
        &app,
        &scene.buyer,
        tender_body(
            &app,
            "PAST",
            json!({"submission_deadline": "2020-01-31T12:00:00Z"}),
        ),
    )
    .await
    .ok(201);
    let codes = action(&app, &scene.buyer, &tender, "publish")
        .await
        .unmet_fields(&["#/submission_deadline"]);
    assert_eq!(codes, ["past"]);
    assert_eq!(read(&app, Some(&scene.buyer), &tender).await, tender);

    // A deadline ahead when written, passed by the time of publishing.
    let later = draft(&app, &scene, "LATER").await;
    app.clock.advance(chrono::Duration::days(31));
    let codes = action(&app, &scene.buyer, &later, "publish")
        .await
        .unmet_fields(&["#/submission_deadline"]);
    assert_eq!(codes, ["past"]);
    assert_eq!(
        read(&app, Some(&scene.buyer), &later).await["status"],
        "draft"
    );
}

#[actix_web::test]
async fn publishing_names_every_missing_thing_at_once() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = create(
        &app,
        &scene.buyer,
        tender_body(
            &app,
            "EMPTY",
            json!({"lots": [], "submission_deadline": "2020-01-31T12:00:00Z"}),
        ),
    )
    .await
    .ok(201);
    let codes = action(&app, &scene.buyer, &tender, "publish")
        .await
        .unmet_fields(&["#/lots", "#/submission_deadline"]);
    assert_eq!(codes, ["required", "past"]);
}

// ---------------------------------------------------------------------------------------
// Editing and deleting drafts

#[actix_web::test]
async fn a_draft_is_edited_with_if_match_only() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = draft(&app, &scene, "EDIT-1").await;
    let path = tender_path(&tender);
    let changes = json!({
        "title": "Support, second call", "description": "Now with replication.",
        "procedure": "negotiated", "currency": "CHF", "estimated_value_minor": 0,
        "submission_deadline": "2031-06-30T10:00:00Z"
    });
    app.json_if_match(
        Method::PATCH,
        &path,
        Some(&scene.buyer),
        None,
        changes.clone(),
    )
    .await
    .problem(428);
    assert_eq!(read(&app, Some(&scene.buyer), &tender).await, tender);

    let first_etag = etag_of(&app, &scene.buyer, &tender).await;
    let response = app
        .json_if_match(
            Method::PATCH,
            &path,
            Some(&scene.buyer),
            Some(&first_etag),
            changes.clone(),
        )
        .await;
    let id = tender["id"].as_str().unwrap();
    assert_eq!(response.header("etag"), Some(format!("\"{id}.2\"")));
    let updated = response.ok(200);
    for field in [
        "title",
        "description",
        "procedure",
        "currency",
        "estimated_value_minor",
        "submission_deadline",
    ] {
        assert_eq!(updated[field], changes[field], "{field}");
    }
    for field in [
        "id",
        "buyer_id",
        "reference",
        "status",
        "lots",
        "created_at",
    ] {
        assert_eq!(updated[field], tender[field], "{field} unchanged");
    }
    assert_eq!(updated["version"], 2);
    assert_eq!(read(&app, Some(&scene.buyer), &tender).await, updated);

    // The first ETag is stale now.
    app.json_if_match(
        Method::PATCH,
        &path,
        Some(&scene.buyer),
        Some(&first_etag),
        json!({"title": "Lost update"}),
    )
    .await
    .problem(412);
    assert_eq!(read(&app, Some(&scene.buyer), &tender).await, updated);
}

#[actix_web::test]
async fn lots_in_a_patch_replace_every_lot() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = draft(&app, &scene, "LOTS-1").await;
    let etag = etag_of(&app, &scene.buyer, &tender).await;
    let lot = json!({"title": "Everything", "description": "One lot for all.",
                     "estimated_value_minor": 5_000,
                     "required_skills": [{"skill": "postgis", "min_level": "maintainer", "weight": 10}]});
    let updated = app
        .json_if_match(
            Method::PATCH,
            &tender_path(&tender),
            Some(&scene.buyer),
            Some(&etag),
            json!({ "lots": [lot] }),
        )
        .await
        .ok(200);
    let lots = updated["lots"].as_array().unwrap();
    assert_eq!(lots.len(), 1);
    assert_eq!(lots[0]["title"], "Everything");
    assert_eq!(lots[0]["description"], "One lot for all.");
    assert_eq!(lots[0]["estimated_value_minor"], 5_000);
    assert_eq!(lots[0]["required_skills"], lot["required_skills"]);
    assert_ne!(lots[0]["id"], tender["lots"][0]["id"]);
    assert_ne!(lots[0]["id"], tender["lots"][1]["id"]);
    assert_eq!(updated["title"], tender["title"]);
    assert_eq!(read(&app, Some(&scene.buyer), &tender).await, updated);
    // The lot counts in the skill filter; the old ones are gone from it.
    assert_eq!(
        listed(&app, Some(&scene.buyer), "skill=postgresql").await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(&app, Some(&scene.buyer), "skill=postgis").await,
        ["LOTS-1"]
    );
}

#[actix_web::test]
async fn a_patch_is_validated_like_a_creation() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = draft(&app, &scene, "PATCH-1").await;
    let etag = etag_of(&app, &scene.buyer, &tender).await;
    let path = tender_path(&tender);
    let patch = |body: Value| {
        app.json_if_match(Method::PATCH, &path, Some(&scene.buyer), Some(&etag), body)
    };
    for (body, pointer, code) in [
        (json!({"title": "  "}), "#/title", "blank"),
        (json!({"reference": ""}), "#/reference", "blank"),
        (json!({"procedure": "auction"}), "#/procedure", "enum"),
        (json!({"currency": "eur"}), "#/currency", "currency"),
        (
            json!({"estimated_value_minor": -1}),
            "#/estimated_value_minor",
            "range",
        ),
        (
            json!({"lots": [{"title": "A", "estimated_value_minor": 1,
                   "required_skills": [{"skill": "cobol", "min_level": "expert", "weight": 1}]}]}),
            "#/lots/0/required_skills/0/skill",
            "not_found",
        ),
        (
            json!({"lots": [{"title": "A", "estimated_value_minor": 1,
                   "required_skills": [{"skill": "postgis", "min_level": "expert", "weight": 11}]}]}),
            "#/lots/0/required_skills/0/weight",
            "range",
        ),
    ] {
        patch(body).await.refused_with(&[pointer], &[code]);
    }
    for body in [
        json!({"title": null}),
        json!({"status": "published"}),
        json!({"submission_deadline": "soon"}),
    ] {
        patch(body).await.problem(400);
    }
    assert_eq!(read(&app, Some(&scene.buyer), &tender).await, tender);
}

#[actix_web::test]
async fn a_patch_may_not_take_a_reference_in_use() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    draft(&app, &scene, "TAKEN").await;
    let second = draft(&app, &scene, "FREE").await;
    let etag = etag_of(&app, &scene.buyer, &second).await;
    app.json_if_match(
        Method::PATCH,
        &tender_path(&second),
        Some(&scene.buyer),
        Some(&etag),
        json!({"reference": "TAKEN"}),
    )
    .await
    .problem(409);
    assert_eq!(read(&app, Some(&scene.buyer), &second).await, second);
}

#[actix_web::test]
async fn a_draft_is_deleted_with_if_match_only() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = draft(&app, &scene, "DEL-1").await;
    let path = tender_path(&tender);
    app.delete_if_match(&path, Some(&scene.buyer), None)
        .await
        .problem(428);
    let stale = format!("\"{}.0\"", tender["id"].as_str().unwrap());
    app.delete_if_match(&path, Some(&scene.buyer), Some(&stale))
        .await
        .problem(412);
    assert_eq!(read(&app, Some(&scene.buyer), &tender).await, tender);

    let etag = etag_of(&app, &scene.buyer, &tender).await;
    let response = app
        .delete_if_match(&path, Some(&scene.buyer), Some(&etag))
        .await;
    assert_eq!(response.status.as_u16(), 204);
    assert!(response.body.is_empty());
    app.get(&path, Some(&scene.buyer)).await.problem(404);
    app.get(&path, Some(&scene.admin)).await.problem(404);
    assert_no_tender(&app, &scene).await;
    // Its reference is free again.
    draft(&app, &scene, "DEL-1").await;
}

#[actix_web::test]
async fn a_published_tender_is_neither_edited_nor_deleted() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "FIXED-1").await;
    let etag = etag_of(&app, &scene.buyer, &tender).await;
    let response = app
        .json_if_match(
            Method::PATCH,
            &tender_path(&tender),
            Some(&scene.buyer),
            Some(&etag),
            json!({"title": "Changed after publication"}),
        )
        .await;
    assert_refused_in(&response, "published");
    let response = app
        .delete_if_match(&tender_path(&tender), Some(&scene.buyer), Some(&etag))
        .await;
    assert_refused_in(&response, "published");
    assert_eq!(read(&app, None, &tender).await, tender);
}

// ---------------------------------------------------------------------------------------
// Closing, the deadline, cancelling

#[actix_web::test]
async fn closing_with_submitted_bids_starts_the_evaluation() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "CLOSE-1").await;
    submitted_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let closed = action(&app, &scene.buyer, &tender, "close").await.ok(200);
    assert_eq!(closed["status"], "evaluation");
    assert_eq!(closed["version"], 3);
    assert!(closed["closed_at"].is_string());
    assert_eq!(closed["published_at"], tender["published_at"]);
    assert_eq!(read(&app, None, &tender).await, closed);
    // Evaluating a submitted bid, the tender cannot be closed as unsuccessful.
    assert_refused_in(
        &action(&app, &scene.buyer, &tender, "close").await,
        "evaluation",
    );
    assert_eq!(read(&app, None, &tender).await, closed);
}

#[actix_web::test]
async fn closing_without_submitted_bids_is_unsuccessful() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "CLOSE-2").await;
    // A draft bid was never submitted: it does not count.
    consortium_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let closed = action(&app, &scene.buyer, &tender, "close").await.ok(200);
    assert_eq!(closed["status"], "unsuccessful");
    assert!(closed["closed_at"].is_string());
    assert_eq!(read(&app, None, &tender).await, closed);
}

#[actix_web::test]
async fn a_tender_past_its_deadline_without_bids_closes_as_unsuccessful() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "CLOSE-3").await;
    app.clock.advance(chrono::Duration::days(31));
    assert_eq!(read(&app, None, &tender).await["status"], "evaluation");
    let closed = action(&app, &scene.buyer, &tender, "close").await.ok(200);
    assert_eq!(closed["status"], "unsuccessful");
    assert_eq!(read(&app, None, &tender).await, closed);
}

#[actix_web::test]
async fn a_draft_cannot_be_closed() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = draft(&app, &scene, "CLOSE-4").await;
    assert_refused_in(&action(&app, &scene.buyer, &tender, "close").await, "draft");
    assert_eq!(read(&app, Some(&scene.buyer), &tender).await, tender);
}

#[actix_web::test]
async fn a_passed_deadline_reads_as_evaluation_without_a_write() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "DEADLINE-1").await;
    let still_draft = draft(&app, &scene, "DEADLINE-DRAFT").await;
    let etag = etag_of(&app, &scene.buyer, &tender).await;
    assert_eq!(listed(&app, None, "status=published").await, ["DEADLINE-1"]);
    assert_eq!(
        listed(&app, None, "status=evaluation").await,
        Vec::<String>::new()
    );

    app.clock.advance(chrono::Duration::days(31));
    let response = app.get(&tender_path(&tender), None).await;
    assert_eq!(response.header("etag"), Some(etag), "nothing was written");
    let read_back = response.ok(200);
    assert_eq!(read_back["status"], "evaluation");
    assert_eq!(read_back["version"], tender["version"]);
    assert_eq!(read_back["updated_at"], tender["updated_at"]);
    assert_eq!(read_back["closed_at"], Value::Null);
    assert_eq!(
        listed(&app, None, "status=evaluation").await,
        ["DEADLINE-1"]
    );
    assert_eq!(
        listed(&app, None, "status=published").await,
        Vec::<String>::new()
    );
    // Only published tenders are moved by the deadline.
    assert_eq!(
        read(&app, Some(&scene.buyer), &still_draft).await["status"],
        "draft"
    );
    assert_eq!(
        listed(&app, Some(&scene.buyer), "status=draft").await,
        ["DEADLINE-DRAFT"]
    );
}

#[actix_web::test]
async fn a_tender_is_cancelled_until_it_is_final() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let a_draft = draft(&app, &scene, "CANCEL-DRAFT").await;
    let a_published = published(&app, &scene, "CANCEL-PUBLISHED").await;
    let (closed, _) = in_evaluation(&app, &scene, "CANCEL-CLOSED").await;
    let past_deadline = published(&app, &scene, "CANCEL-PAST").await;

    let cancelled = action(&app, &scene.buyer, &a_draft, "cancel").await.ok(200);
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(read(&app, Some(&scene.buyer), &a_draft).await, cancelled);
    // A draft cancelled was never public.
    app.get(&tender_path(&a_draft), None).await.problem(404);

    for tender in [&a_published, &closed] {
        let response = action(&app, &scene.buyer, tender, "cancel").await;
        let cancelled = response.ok(200);
        assert_eq!(cancelled["status"], "cancelled");
        assert_eq!(
            cancelled["version"],
            tender["version"].as_i64().unwrap() + 1
        );
        assert_eq!(read(&app, None, tender).await, cancelled);
    }

    // In evaluation by its deadline alone.
    app.clock.advance(chrono::Duration::days(31));
    assert_eq!(
        read(&app, None, &past_deadline).await["status"],
        "evaluation"
    );
    let cancelled = action(&app, &scene.buyer, &past_deadline, "cancel")
        .await
        .ok(200);
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(read(&app, None, &past_deadline).await, cancelled);
}

#[actix_web::test]
async fn final_tenders_refuse_every_move() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let (evaluated, bid) = in_evaluation(&app, &scene, "FINAL-AWARDED").await;
    award(
        &app,
        &scene.buyer,
        &evaluated,
        &[(&lot_id(&evaluated, 0), &bid)],
    )
    .await
    .ok(200);
    let unsuccessful = published(&app, &scene, "FINAL-UNSUCCESSFUL").await;
    action(&app, &scene.buyer, &unsuccessful, "close")
        .await
        .ok(200);
    let cancelled = published(&app, &scene, "FINAL-CANCELLED").await;
    action(&app, &scene.buyer, &cancelled, "cancel")
        .await
        .ok(200);

    for (tender, state) in [
        (&evaluated, "awarded"),
        (&unsuccessful, "unsuccessful"),
        (&cancelled, "cancelled"),
    ] {
        let before = read(&app, None, tender).await;
        assert_eq!(before["status"], state);
        for name in ["publish", "close", "cancel"] {
            let response = action(&app, &scene.buyer, tender, name).await;
            assert_refused_in(&response, state);
        }
        let response = award(&app, &scene.buyer, tender, &[(&lot_id(tender, 0), &bid)]).await;
        assert_refused_in(&response, state);
        let etag = etag_of(&app, &scene.buyer, tender).await;
        let response = app
            .json_if_match(
                Method::PATCH,
                &tender_path(tender),
                Some(&scene.buyer),
                Some(&etag),
                json!({"title": "Too late"}),
            )
            .await;
        assert_refused_in(&response, state);
        let response = app
            .delete_if_match(&tender_path(tender), Some(&scene.buyer), Some(&etag))
            .await;
        assert_refused_in(&response, state);
        assert_eq!(read(&app, None, tender).await, before, "{state} unchanged");
    }
}

#[actix_web::test]
async fn only_a_tender_in_evaluation_is_awarded() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "EARLY-1").await;
    let bid = submitted_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let response = award(&app, &scene.buyer, &tender, &[(&lot_id(&tender, 0), &bid)]).await;
    assert_refused_in(&response, "published");
    assert_eq!(read(&app, None, &tender).await, tender);
    assert_eq!(bid_status(&app, &scene.admin, &bid).await, "submitted");
    assert!(contracts_of(&app, &scene.admin, &tender).await.is_empty());

    let a_draft = draft(&app, &scene, "EARLY-2").await;
    let response = award(
        &app,
        &scene.buyer,
        &a_draft,
        &[(&lot_id(&a_draft, 0), &bid)],
    )
    .await;
    assert_refused_in(&response, "draft");
}

// ---------------------------------------------------------------------------------------
// Who sees and moves a tender

#[actix_web::test]
async fn a_draft_is_seen_by_its_buyer_and_admins_only() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = draft(&app, &scene, "PRIVATE-1").await;
    let path = tender_path(&tender);
    for token in [
        None,
        Some(&scene.lead),
        Some(&scene.outsider),
        Some(&scene.other_buyer),
    ] {
        app.get(&path, token.map(String::as_str)).await.problem(404);
    }
    assert_eq!(read(&app, Some(&scene.buyer), &tender).await, tender);
    assert_eq!(read(&app, Some(&scene.admin), &tender).await, tender);
}

#[actix_web::test]
async fn a_published_tender_is_read_by_anyone_and_carries_no_bids() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "PUBLIC-1").await;
    submitted_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    for token in [
        None,
        Some(&scene.lead),
        Some(&scene.outsider),
        Some(&scene.other_buyer),
        Some(&scene.buyer),
        Some(&scene.admin),
    ] {
        let response = app
            .get(&tender_path(&tender), token.map(String::as_str))
            .await;
        assert!(response.header("etag").is_some());
        let body = response.ok(200);
        assert_eq!(body, tender);
        let keys: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, TENDER_FIELDS, "no bids in a tender");
    }
    let page = app.get(TENDERS, None).await.ok(200);
    assert_eq!(page["items"], json!([tender]));
}

#[actix_web::test]
async fn strangers_may_not_move_a_published_tender() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "GUARDED-1").await;
    let bid = submitted_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let etag = etag_of(&app, &scene.buyer, &tender).await;
    for stranger in [&scene.other_buyer, &scene.lead, &scene.outsider] {
        for name in ["publish", "close", "cancel"] {
            action(&app, stranger, &tender, name).await.problem(403);
        }
        app.json_if_match(
            Method::PATCH,
            &tender_path(&tender),
            Some(stranger),
            Some(&etag),
            json!({"title": "Hijacked"}),
        )
        .await
        .problem(403);
        app.delete_if_match(&tender_path(&tender), Some(stranger), Some(&etag))
            .await
            .problem(403);
        award(&app, stranger, &tender, &[(&lot_id(&tender, 0), &bid)])
            .await
            .problem(403);
    }
    let awards = json!({"awards": [{"lot_id": lot_id(&tender, 0), "bid_id": bid["id"]}]});
    for name in ["publish", "close", "cancel", "award"] {
        app.post(
            &format!("{}/{name}", tender_path(&tender)),
            None,
            awards.clone(),
        )
        .await
        .problem(401);
    }
    assert_eq!(read(&app, None, &tender).await, tender);
    assert_eq!(bid_status(&app, &scene.admin, &bid).await, "submitted");
}

#[actix_web::test]
async fn strangers_do_not_even_find_a_draft() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = draft(&app, &scene, "HIDDEN-1").await;
    let etag = etag_of(&app, &scene.buyer, &tender).await;
    let lot = lot_id(&tender, 0);
    for stranger in [&scene.other_buyer, &scene.lead, &scene.outsider] {
        for name in ["publish", "close", "cancel"] {
            action(&app, stranger, &tender, name).await.problem(404);
        }
        app.json_if_match(
            Method::PATCH,
            &tender_path(&tender),
            Some(stranger),
            Some(&etag),
            json!({"title": "Hijacked"}),
        )
        .await
        .problem(404);
        app.delete_if_match(&tender_path(&tender), Some(stranger), Some(&etag))
            .await
            .problem(404);
        award_body(
            &app,
            stranger,
            &tender,
            json!({"awards": [{"lot_id": lot, "bid_id": "any"}]}),
        )
        .await
        .problem(404);
    }
    assert_eq!(read(&app, Some(&scene.buyer), &tender).await, tender);
}

#[actix_web::test]
async fn an_admin_manages_any_buyers_tender() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = draft(&app, &scene, "ADMIN-MOVES").await;
    let etag = etag_of(&app, &scene.admin, &tender).await;
    let edited = app
        .json_if_match(
            Method::PATCH,
            &tender_path(&tender),
            Some(&scene.admin),
            Some(&etag),
            json!({"title": "Edited by an admin"}),
        )
        .await
        .ok(200);
    assert_eq!(edited["buyer_id"], json!(scene.buyer_id));
    let published = action(&app, &scene.admin, &tender, "publish").await.ok(200);
    assert_eq!(published["status"], "published");
    let bid = submitted_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let closed = action(&app, &scene.admin, &tender, "close").await.ok(200);
    assert_eq!(closed["status"], "evaluation");
    let outcome = award(&app, &scene.admin, &tender, &[(&lot_id(&tender, 0), &bid)])
        .await
        .ok(200);
    assert_eq!(outcome["tender"]["status"], "awarded");
    assert_eq!(outcome["contracts"][0]["buyer_id"], json!(scene.buyer_id));
}

// ---------------------------------------------------------------------------------------
// The list

#[actix_web::test]
async fn the_list_shows_each_caller_what_it_may_see() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    draft(&app, &scene, "B-DRAFT").await;
    published(&app, &scene, "B-PUBLISHED").await;
    let public_cancelled = published(&app, &scene, "B-CANCELLED-PUBLIC").await;
    action(&app, &scene.buyer, &public_cancelled, "cancel")
        .await
        .ok(200);
    let draft_cancelled = draft(&app, &scene, "B-CANCELLED-DRAFT").await;
    action(&app, &scene.buyer, &draft_cancelled, "cancel")
        .await
        .ok(200);
    create(
        &app,
        &scene.other_buyer,
        tender_body(&app, "O-DRAFT", json!({})),
    )
    .await
    .ok(201);
    published_by_other(&app, &scene, "O-PUBLISHED").await;

    let public = ["O-PUBLISHED", "B-CANCELLED-PUBLIC", "B-PUBLISHED"];
    assert_eq!(listed(&app, None, "").await, public);
    for partner in [&scene.lead, &scene.outsider] {
        assert_eq!(listed(&app, Some(partner), "").await, public);
    }
    assert_eq!(
        listed(&app, Some(&scene.buyer), "").await,
        [
            "O-PUBLISHED",
            "B-CANCELLED-DRAFT",
            "B-CANCELLED-PUBLIC",
            "B-PUBLISHED",
            "B-DRAFT"
        ]
    );
    assert_eq!(
        listed(&app, Some(&scene.other_buyer), "").await,
        [
            "O-PUBLISHED",
            "O-DRAFT",
            "B-CANCELLED-PUBLIC",
            "B-PUBLISHED"
        ]
    );
    assert_eq!(
        listed(&app, Some(&scene.admin), "").await,
        [
            "O-PUBLISHED",
            "O-DRAFT",
            "B-CANCELLED-DRAFT",
            "B-CANCELLED-PUBLIC",
            "B-PUBLISHED",
            "B-DRAFT"
        ]
    );
    // Asking for drafts does not reveal anyone else's.
    assert_eq!(
        listed(&app, None, "status=draft").await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(&app, Some(&scene.other_buyer), "status=draft").await,
        ["O-DRAFT"]
    );
    assert_eq!(
        listed(
            &app,
            Some(&scene.lead),
            &format!("buyer_id={}", scene.buyer_id)
        )
        .await,
        ["B-CANCELLED-PUBLIC", "B-PUBLISHED"]
    );
    // Items are whole tenders with their lots, and never bids.
    let page = app.get(TENDERS, None).await.ok(200);
    for item in page["items"].as_array().unwrap() {
        let keys: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, TENDER_FIELDS);
        assert_eq!(item["lots"].as_array().unwrap().len(), 2);
    }
}

#[actix_web::test]
async fn the_list_filters_by_status() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    draft(&app, &scene, "S-DRAFT").await;
    published(&app, &scene, "S-PUBLISHED").await;
    in_evaluation(&app, &scene, "S-EVALUATION").await;
    let unsuccessful = published(&app, &scene, "S-UNSUCCESSFUL").await;
    action(&app, &scene.buyer, &unsuccessful, "close")
        .await
        .ok(200);
    let cancelled = published(&app, &scene, "S-CANCELLED").await;
    action(&app, &scene.buyer, &cancelled, "cancel")
        .await
        .ok(200);
    let (evaluated, bid) = in_evaluation(&app, &scene, "S-AWARDED").await;
    award(
        &app,
        &scene.buyer,
        &evaluated,
        &[(&lot_id(&evaluated, 0), &bid)],
    )
    .await
    .ok(200);

    for (status, expected) in [
        ("published", "S-PUBLISHED"),
        ("evaluation", "S-EVALUATION"),
        ("unsuccessful", "S-UNSUCCESSFUL"),
        ("cancelled", "S-CANCELLED"),
        ("awarded", "S-AWARDED"),
    ] {
        assert_eq!(
            listed(&app, None, &format!("status={status}")).await,
            [expected],
            "{status}"
        );
    }
    assert_eq!(
        listed(&app, None, "status=draft").await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(&app, Some(&scene.buyer), "status=draft").await,
        ["S-DRAFT"]
    );
    app.get(&format!("{TENDERS}?status=open"), None)
        .await
        .problem(400);
}

#[actix_web::test]
async fn the_list_filters_by_skill_slug_or_id() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let only = |skill: &str| {
        json!({"lots": [{"title": skill, "estimated_value_minor": 1,
                         "required_skills": [{"skill": skill, "min_level": "expert", "weight": 5}]}]})
    };
    for (reference, changes) in [
        ("T-PG", only("postgresql")),
        ("T-GIS", only("postgis")),
        ("T-BOTH", json!({})),
    ] {
        let tender = create(&app, &scene.buyer, tender_body(&app, reference, changes))
            .await
            .ok(201);
        action(&app, &scene.buyer, &tender, "publish").await.ok(200);
    }
    assert_eq!(
        listed(&app, None, "skill=postgresql").await,
        ["T-BOTH", "T-PG"]
    );
    let postgis = app.get("/api/v1/skills/postgis", None).await.ok(200);
    let id = postgis["id"].as_str().unwrap();
    assert_eq!(
        listed(&app, None, &format!("skill={id}")).await,
        ["T-BOTH", "T-GIS"]
    );
    assert_eq!(
        listed(&app, None, "skill=postgis").await,
        ["T-BOTH", "T-GIS"]
    );
    assert_eq!(
        listed(&app, None, "skill=cobol").await,
        Vec::<String>::new()
    );
}

#[actix_web::test]
async fn the_list_searches_reference_title_and_description() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    for (reference, changes) in [
        (
            "Q-TITLE",
            json!({"title": "Hébergement des bases de la ville d'Évry"}),
        ),
        (
            "Q-DESC",
            json!({"description": "Réplication pour l'AGGLOMÉRATION du Grand Paris Sud"}),
        ),
        ("Lyon-Métropole-42", json!({})),
    ] {
        let tender = create(&app, &scene.buyer, tender_body(&app, reference, changes))
            .await
            .ok(201);
        action(&app, &scene.buyer, &tender, "publish").await.ok(200);
    }
    for (q, expected) in [
        ("Évry", vec!["Q-TITLE"]),
        ("évry", vec!["Q-TITLE"]),
        ("ÉVRY", vec!["Q-TITLE"]),
        ("hébergement", vec!["Q-TITLE"]),
        ("agglomération", vec!["Q-DESC"]),
        ("Grand Paris", vec!["Q-DESC"]),
        ("lyon-métropole", vec!["Lyon-Métropole-42"]),
        ("q-", vec!["Q-DESC", "Q-TITLE"]),
        ("%", vec![]),
        ("_", vec![]),
        ("marseille", vec![]),
    ] {
        assert_eq!(
            listed(&app, None, &format!("q={}", encoded(q))).await,
            expected,
            "q={q}"
        );
    }
    // A blank search is no search.
    assert_eq!(listed(&app, None, "q=%20%20").await.len(), 3);
}

#[actix_web::test]
async fn the_list_filters_by_deadline() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let base = app.clock.now();
    let at = |days: i64| base + chrono::Duration::days(days);
    let utc = |days: i64| at(days).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    for (reference, days) in [("D-10", 10), ("D-20", 20), ("D-30", 30)] {
        let body = tender_body(&app, reference, json!({"submission_deadline": utc(days)}));
        let tender = create(&app, &scene.buyer, body).await.ok(201);
        action(&app, &scene.buyer, &tender, "publish").await.ok(200);
    }
    let list = |query: String| {
        let app = &app;
        async move { listed(app, None, &query).await }
    };
    // `deadline_after` includes its instant, `deadline_before` excludes it.
    assert_eq!(
        list(format!("deadline_after={}", utc(20))).await,
        ["D-30", "D-20"]
    );
    assert_eq!(list(format!("deadline_before={}", utc(20))).await, ["D-10"]);
    assert_eq!(
        list(format!(
            "deadline_after={}&deadline_before={}",
            utc(10),
            utc(30)
        ))
        .await,
        ["D-20", "D-10"]
    );
    // The same instant written with an offset (its `+` encoded).
    let with_offset = (at(20) + chrono::Duration::hours(2))
        .format("%Y-%m-%dT%H:%M:%S+02:00")
        .to_string();
    assert_eq!(
        list(format!("deadline_after={}", encoded(&with_offset))).await,
        ["D-30", "D-20"]
    );
    assert_eq!(
        list(format!(
            "deadline_after={}&deadline_before={}",
            utc(40),
            utc(50)
        ))
        .await,
        Vec::<String>::new()
    );
    for query in ["deadline_after=tomorrow", "deadline_before=2027-01-31"] {
        app.get(&format!("{TENDERS}?{query}"), None)
            .await
            .problem(400);
    }
}

#[actix_web::test]
async fn the_list_filters_combine() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let gis = json!({"title": "Cartographie",
        "lots": [{"title": "GIS", "estimated_value_minor": 1,
                  "required_skills": [{"skill": "postgis", "min_level": "expert", "weight": 5}]}]});
    let pg = json!({"title": "Cartographie",
        "lots": [{"title": "PG", "estimated_value_minor": 1,
                  "required_skills": [{"skill": "postgresql", "min_level": "expert", "weight": 5}]}]});
    for (reference, changes, publish) in [
        ("C-GIS", gis.clone(), true),
        ("C-PG", pg, true),
        ("C-GIS-DRAFT", gis.clone(), false),
        ("C-GIS-OTHER-TITLE", json!({"lots": gis["lots"]}), true),
    ] {
        let tender = create(&app, &scene.buyer, tender_body(&app, reference, changes))
            .await
            .ok(201);
        if publish {
            action(&app, &scene.buyer, &tender, "publish").await.ok(200);
        }
    }
    let other = create(
        &app,
        &scene.other_buyer,
        tender_body(&app, "C-GIS-OTHER", gis),
    )
    .await
    .ok(201);
    action(&app, &scene.other_buyer, &other, "publish")
        .await
        .ok(200);

    let query = format!(
        "status=published&skill=postgis&q=cartographie&buyer_id={}&deadline_after={}",
        scene.buyer_id,
        days_ahead(&app, 1)
    );
    assert_eq!(listed(&app, Some(&scene.buyer), &query).await, ["C-GIS"]);
    assert_eq!(
        listed(&app, Some(&scene.buyer), "skill=postgis&q=cartographie").await,
        ["C-GIS-OTHER", "C-GIS-DRAFT", "C-GIS"]
    );
    assert_eq!(
        listed(
            &app,
            None,
            &format!("buyer_id={}&skill=postgis", scene.other_buyer_id)
        )
        .await,
        ["C-GIS-OTHER"]
    );
}

#[actix_web::test]
async fn pages_follow_the_cursor_newest_first() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    for n in 1..=5 {
        published(&app, &scene, &format!("PAGE-{n}")).await;
    }
    draft(&app, &scene, "PAGE-DRAFT").await;
    let mut next = format!("{TENDERS}?status=published&limit=2");
    let mut seen = Vec::new();
    loop {
        let response = app.get(&next, None).await;
        let link = response.header("link");
        let page = response.ok(200);
        seen.push(references(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                let expected = format!("{TENDERS}?status=published&limit=2&cursor={cursor}");
                assert_eq!(link, Some(format!("<{expected}>; rel=\"next\"")));
                next = expected;
            }
            None => {
                assert_eq!(link, None);
                break;
            }
        }
    }
    assert_eq!(
        seen,
        [
            vec!["PAGE-5", "PAGE-4"],
            vec!["PAGE-3", "PAGE-2"],
            vec!["PAGE-1"]
        ]
    );
    for query in ["limit=0", "limit=101"] {
        app.get(&format!("{TENDERS}?{query}"), None)
            .await
            .problem(400);
    }
    app.get(&format!("{TENDERS}?cursor=garbage"), None)
        .await
        .problem(404);
}

// ---------------------------------------------------------------------------------------
// Awarding

#[actix_web::test]
async fn an_award_makes_contracts_and_rejects_the_other_bids() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "AWARD-1").await;
    let (lot_0, lot_1) = (lot_id(&tender, 0), lot_id(&tender, 1));
    let winner = submitted_bid(&app, &scene, &tender, &lot_0).await;
    let rival = lone_bid(&app, &scene.outsider, &tender, &lot_0).await;
    let left_out = lone_bid(&app, &scene.member, &tender, &lot_1).await;
    let closed = action(&app, &scene.buyer, &tender, "close").await.ok(200);

    let response = award(&app, &scene.buyer, &tender, &[(&lot_0, &winner)]).await;
    let id = tender["id"].as_str().unwrap();
    assert_eq!(response.header("etag"), Some(format!("\"{id}.4\"")));
    let outcome = response.ok(200);
    let awarded = &outcome["tender"];
    assert_eq!(awarded["status"], "awarded");
    assert_eq!(awarded["version"], 4);
    assert_eq!(awarded["closed_at"], closed["closed_at"]);
    assert_eq!(awarded["lots"], tender["lots"]);
    assert_eq!(&read(&app, None, &tender).await, awarded);

    let contracts = outcome["contracts"].as_array().expect("contracts");
    assert_eq!(contracts.len(), 1, "lots left out get no contract");
    let contract = &contracts[0];
    assert!(contract["id"].is_string());
    for (field, value) in [
        ("tender_id", json!(id)),
        ("lot_id", json!(lot_0)),
        ("bid_id", winner["id"].clone()),
        ("buyer_id", json!(scene.buyer_id)),
        (
            "members",
            json!([{"partner_id": scene.lead_id, "share_bps": 7000},
                   {"partner_id": scene.member_id, "share_bps": 3000}]),
        ),
        ("value_minor", json!(75_000_000)),
        ("currency", json!("EUR")),
        ("version", json!(1)),
    ] {
        assert_eq!(contract[field], value, "{field}");
    }
    assert_eq!(contracts_of(&app, &scene.admin, &tender).await, *contracts);

    assert_eq!(bid_status(&app, &scene.admin, &winner).await, "awarded");
    assert_eq!(bid_status(&app, &scene.admin, &rival).await, "rejected");
    assert_eq!(bid_status(&app, &scene.admin, &left_out).await, "rejected");
}

#[actix_web::test]
async fn every_lot_may_be_awarded_at_once() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "AWARD-2").await;
    let (lot_0, lot_1) = (lot_id(&tender, 0), lot_id(&tender, 1));
    let first = submitted_bid(&app, &scene, &tender, &lot_0).await;
    let second = lone_bid(&app, &scene.outsider, &tender, &lot_1).await;
    // Past the deadline, the tender is in evaluation without being closed.
    app.clock.advance(chrono::Duration::days(31));
    let outcome = award(
        &app,
        &scene.buyer,
        &tender,
        &[(&lot_1, &second), (&lot_0, &first)],
    )
    .await
    .ok(200);
    assert_eq!(outcome["tender"]["status"], "awarded");
    assert!(outcome["tender"]["closed_at"].is_string());
    let contracts = outcome["contracts"].as_array().unwrap();
    let by_lot = |lot: &str| {
        contracts
            .iter()
            .find(|c| c["lot_id"] == lot)
            .unwrap_or_else(|| panic!("a contract for lot {lot}"))
            .clone()
    };
    assert_eq!(contracts.len(), 2);
    // In the order the awards were asked for.
    assert_eq!(contracts[0]["lot_id"], lot_1.as_str());
    assert_eq!(by_lot(&lot_0)["bid_id"], first["id"]);
    assert_eq!(by_lot(&lot_1)["bid_id"], second["id"]);
    assert_eq!(
        by_lot(&lot_1)["members"],
        json!([{"partner_id": scene.outsider_id, "share_bps": 10000}])
    );
    assert_eq!(by_lot(&lot_1)["value_minor"], 70_000_000);
    assert_eq!(contracts_of(&app, &scene.admin, &tender).await.len(), 2);
    assert_eq!(bid_status(&app, &scene.admin, &first).await, "awarded");
    assert_eq!(bid_status(&app, &scene.admin, &second).await, "awarded");
}

#[actix_web::test]
async fn an_award_names_lots_and_submitted_bids_of_the_tender() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "AWARD-3").await;
    let (lot_0, lot_1) = (lot_id(&tender, 0), lot_id(&tender, 1));
    let on_lot_0 = submitted_bid(&app, &scene, &tender, &lot_0).await;
    let on_lot_1 = lone_bid(&app, &scene.member, &tender, &lot_1).await;
    let unsubmitted = lone_draft_bid(&app, &scene.outsider, &tender, &lot_0).await;
    let withdrawn = lone_bid(&app, &scene.outsider, &tender, &lot_1).await;
    bid_action(&app, &scene.outsider, &withdrawn, "withdraw")
        .await
        .ok(200);
    let foreign = published(&app, &scene, "AWARD-3-OTHER").await;
    let closed = action(&app, &scene.buyer, &tender, "close").await.ok(200);

    let one = |lot: &str, bid: &Value| json!({"awards": [{"lot_id": lot, "bid_id": bid["id"]}]});
    for (body, pointer, code) in [
        (json!({"awards": []}), "#/awards", "length"),
        (
            one("no-such-lot", &on_lot_0),
            "#/awards/0/lot_id",
            "not_found",
        ),
        (
            one(&lot_id(&foreign, 0), &on_lot_0),
            "#/awards/0/lot_id",
            "not_found",
        ),
        (
            json!({"awards": [{"lot_id": lot_0, "bid_id": on_lot_0["id"]},
                              {"lot_id": lot_0, "bid_id": on_lot_0["id"]}]}),
            "#/awards/1/lot_id",
            "duplicate",
        ),
        (
            one(&lot_0, &unsubmitted),
            "#/awards/0/bid_id",
            "not_submitted",
        ),
        (
            one(&lot_1, &withdrawn),
            "#/awards/0/bid_id",
            "not_submitted",
        ),
        (
            json!({"awards": [{"lot_id": lot_0, "bid_id": "no-such-bid"}]}),
            "#/awards/0/bid_id",
            "not_submitted",
        ),
        (one(&lot_0, &on_lot_1), "#/awards/0/bid_id", "other_lot"),
    ] {
        award_body(&app, &scene.buyer, &tender, body)
            .await
            .refused_with(&[pointer], &[code]);
    }
    for body in [
        json!({}),
        json!({"awards": [{"lot_id": lot_0}]}),
        json!({"awards": [{"lot_id": lot_0, "bid_id": on_lot_0["id"], "price": 1}]}),
    ] {
        award_body(&app, &scene.buyer, &tender, body)
            .await
            .problem(400);
    }

    assert_eq!(
        read(&app, None, &tender).await,
        closed,
        "still in evaluation"
    );
    for (bid, status) in [
        (&on_lot_0, "submitted"),
        (&on_lot_1, "submitted"),
        (&unsubmitted, "draft"),
        (&withdrawn, "withdrawn"),
    ] {
        assert_eq!(bid_status(&app, &scene.admin, bid).await, status);
    }
    assert!(contracts_of(&app, &scene.admin, &tender).await.is_empty());
}

#[actix_web::test]
async fn a_tender_is_awarded_once() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let (tender, bid) = in_evaluation(&app, &scene, "ONCE-1").await;
    let lot_0 = lot_id(&tender, 0);
    let outcome = award(&app, &scene.buyer, &tender, &[(&lot_0, &bid)])
        .await
        .ok(200);
    let response = award(&app, &scene.buyer, &tender, &[(&lot_0, &bid)]).await;
    assert_refused_in(&response, "awarded");
    assert_eq!(read(&app, None, &tender).await, outcome["tender"]);
    assert_eq!(
        contracts_of(&app, &scene.admin, &tender).await,
        outcome["contracts"].as_array().unwrap().clone()
    );
}

#[actix_web::test]
async fn an_award_failing_midway_changes_nothing() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "ATOMIC-1").await;
    let (lot_0, lot_1) = (lot_id(&tender, 0), lot_id(&tender, 1));
    // Created in this order, the lot-0 bid is processed first: its contract is written
    // before the lot-1 contract fails.
    let first = submitted_bid(&app, &scene, &tender, &lot_0).await;
    let second = submitted_bid(&app, &scene, &tender, &lot_1).await;
    assert!(first["id"].as_str() < second["id"].as_str());
    let closed = action(&app, &scene.buyer, &tender, "close").await.ok(200);

    // A contract already holds lot 1 (and its bid): the award's second insert breaks
    // the unique constraints.
    let now = chrono::Utc::now().naive_utc();
    let planted = ContractRow {
        id: ose_api::db::new_id(),
        tender_id: tender["id"].as_str().unwrap().to_owned(),
        lot_id: lot_1.clone(),
        bid_id: second["id"].as_str().unwrap().to_owned(),
        buyer_id: scene.buyer_id.clone(),
        value_minor: 1,
        currency: "EUR".to_owned(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    {
        let mut conn = app.state.db.conn().expect("connection");
        ose_api::db::contracts::insert(
            &mut conn,
            &Contract {
                row: planted.clone(),
                members: vec![],
            },
        )
        .expect("plant a contract");
    }

    let response = award(
        &app,
        &scene.buyer,
        &tender,
        &[(&lot_0, &first), (&lot_1, &second)],
    )
    .await;
    let problem = response.problem(409);
    assert_eq!(
        problem.get("current_state"),
        None,
        "a broken constraint, not a refused move: {problem}"
    );

    assert_eq!(
        read(&app, None, &tender).await,
        closed,
        "still in evaluation"
    );
    assert_eq!(bid_status(&app, &scene.admin, &first).await, "submitted");
    assert_eq!(bid_status(&app, &scene.admin, &second).await, "submitted");
    let contracts = contracts_of(&app, &scene.admin, &tender).await;
    let ids: Vec<&str> = contracts
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [planted.id.as_str()], "only the planted contract");
}

#[actix_web::test]
async fn one_answer_names_body_rules_and_unknown_references_together() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let mut body = tender_body(&app, " ", json!({"buyer_id": scene.other_buyer_id}));
    body["lots"][1]["required_skills"][0]["skill"] = json!("cobol");
    let codes = create(&app, &scene.buyer, body).await.invalid_fields(&[
        "#/buyer_id",
        "#/lots/1/required_skills/0/skill",
        "#/reference",
    ]);
    assert_eq!(codes, ["not_allowed", "not_found", "blank"]);
    assert_no_tender(&app, &scene).await;
}

#[actix_web::test]
async fn a_skill_a_lot_requires_stays_in_the_catalogue() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    draft(&app, &scene, "SKILL-IN-USE").await;
    let problem = app
        .delete("/api/v1/skills/postgis", Some(&scene.admin))
        .await
        .problem(409);
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|detail| detail.ends_with("required by 1 lot(s)")),
        "{problem}"
    );
    app.get("/api/v1/skills/postgis", None).await.ok(200);
}

#[actix_web::test]
async fn deadlines_outside_plausible_years_are_refused() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    // The year as written counts, as the document's pattern reads it: 1999 at -05:00 is
    // already 2000 in UTC, and still refused.
    for deadline in [
        "-4000-01-31T12:00:00Z",
        "1999-12-31T23:59:59Z",
        "1999-12-31T23:00:00-05:00",
        "2200-01-01T00:00:00Z",
    ] {
        let body = tender_body(&app, "FAR-1", json!({"submission_deadline": deadline}));
        let codes = create(&app, &scene.buyer, body)
            .await
            .invalid_fields(&["#/submission_deadline"]);
        assert_eq!(codes, ["range"], "{deadline}");
    }
    assert_no_tender(&app, &scene).await;
    let tender = draft(&app, &scene, "FAR-2").await;
    let etag = etag_of(&app, &scene.buyer, &tender).await;
    app.json_if_match(
        Method::PATCH,
        &tender_path(&tender),
        Some(&scene.buyer),
        Some(&etag),
        json!({"submission_deadline": "+200000-01-01T00:00:00Z"}),
    )
    .await
    .invalid_fields(&["#/submission_deadline"]);
    assert_eq!(read(&app, Some(&scene.buyer), &tender).await["version"], 1);
    // 2199 as written is plausible, though it is 2200 in UTC.
    let late = tender_body(
        &app,
        "FAR-3",
        json!({"submission_deadline": "2199-12-31T23:00:00-05:00"}),
    );
    let created = create(&app, &scene.buyer, late).await.ok(201);
    assert_eq!(created["submission_deadline"], "2200-01-01T04:00:00Z");
}

#[actix_web::test]
async fn deadline_filters_take_any_date() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = draft(&app, &scene, "FILTER-FAR").await;
    // A filter only compares: a far date is a wide filter, not a mistake.
    for query in [
        "deadline_after=0999-01-01T00:00:00Z",
        "deadline_before=9999-12-31T23:59:59Z",
    ] {
        let page = app
            .get(&format!("/api/v1/tenders?{query}"), Some(&scene.buyer))
            .await
            .ok(200);
        assert_eq!(page["items"][0]["id"], tender["id"], "{query}");
    }
}

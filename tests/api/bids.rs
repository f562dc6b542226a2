//! `/tenders/{id}/bids` and `/bids`: who may bid, the consortium rules (shares, members,
//! currency, lot, price), one live bid per lead per lot, the submission deadline, the
//! members' confirmations, edits under If-Match, withdrawal, and bids sealed from the
//! buyer until the tender reaches evaluation.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::fixtures::{
    Scene, action, bid_action, bid_path, consortium_bid, consortium_body, draft, lot_id, published,
    submitted_bid, tender_path,
};
use crate::helpers::{TestApp, TestResponse};

pub fn bids_path(tender: &Value) -> String {
    format!("{}/bids", tender_path(tender))
}

/// `body` with `changes` merged over it.
fn merged(mut body: Value, changes: Value) -> Value {
    if let (Some(body), Value::Object(changes)) = (body.as_object_mut(), changes) {
        body.extend(changes);
    }
    body
}

/// A bid of the caller's partner alone on `lot`.
pub fn solo_body(lot: &str) -> Value {
    json!({"lot_id": lot, "price_minor": 50_000_000, "currency": "EUR"})
}

/// `POST /tenders/{id}/bids` as `token`.
async fn bid_on(app: &TestApp, token: Option<&str>, tender: &Value, body: Value) -> TestResponse {
    app.post(&bids_path(tender), token, body).await
}

/// The ids of the tender's bids `token` sees, sorted.
pub async fn listed(app: &TestApp, token: &str, tender: &Value) -> Vec<String> {
    let page = app.get(&bids_path(tender), Some(token)).await.ok(200);
    let mut ids: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|bid| bid["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

fn id_of(bid: &Value) -> String {
    bid["id"].as_str().expect("bid id").to_owned()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// The bid as `token` reads it now.
async fn read(app: &TestApp, token: &str, bid: &Value) -> Value {
    app.get(&bid_path(bid), Some(token)).await.ok(200)
}

async fn etag_of(app: &TestApp, token: &str, bid: &Value) -> String {
    app.get(&bid_path(bid), Some(token))
        .await
        .header("etag")
        .expect("ETag header")
}

async fn patch_bid(
    app: &TestApp,
    token: &str,
    bid: &Value,
    etag: Option<&str>,
    body: Value,
) -> TestResponse {
    app.json_if_match(Method::PATCH, &bid_path(bid), Some(token), etag, body)
        .await
}

/// The consortium members with these shares: the lead first, then the member.
fn shares(scene: &Scene, lead: i32, member: i32) -> Value {
    json!([{"partner_id": scene.lead_id, "share_bps": lead},
           {"partner_id": scene.member_id, "share_bps": member}])
}

/// Posts the consortium body with `changes` as the lead and expects exactly these
/// pointers and codes, at the status they call for (409 when the state decides them
/// all, else 422); then checks that nothing was created.
async fn refused(
    app: &TestApp,
    scene: &Scene,
    tender: &Value,
    changes: Value,
    pointers: &[&str],
    codes: &[&str],
) {
    let body = merged(consortium_body(scene, &lot_id(tender, 0)), changes);
    bid_on(app, Some(&scene.lead), tender, body)
        .await
        .refused_with(pointers, codes);
    assert!(
        listed(app, &scene.admin, tender).await.is_empty(),
        "a refused bid is not created"
    );
}

/// Asserts a 409 naming the state that refused it.
fn conflict_in(response: &TestResponse, state: &str) {
    let problem = response.problem(409);
    assert_eq!(problem["current_state"], state, "{problem}");
}

#[actix_web::test]
async fn a_partner_creates_a_draft_consortium_bid_it_leads() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-CREATE").await;
    let lot = lot_id(&tender, 0);
    let response = bid_on(
        &app,
        Some(&scene.lead),
        &tender,
        consortium_body(&scene, &lot),
    )
    .await;
    let created = response.ok(201);
    let id = id_of(&created);
    assert_eq!(
        response.header("location"),
        Some(format!("/api/v1/bids/{id}"))
    );
    assert_eq!(response.header("etag"), Some(format!("\"{id}.1\"")));
    for (field, value) in [
        ("tender_id", tender["id"].clone()),
        ("lot_id", json!(lot)),
        ("lead_partner_id", json!(scene.lead_id)),
        ("price_minor", json!(75_000_000)),
        ("currency", json!("EUR")),
        (
            "technical_summary",
            json!("The lead runs support; the member covers GIS."),
        ),
        ("status", json!("draft")),
        ("submitted_at", Value::Null),
        ("version", json!(1)),
    ] {
        assert_eq!(created[field], value, "{field}");
    }
    assert!(created["created_at"].is_string() && created["updated_at"].is_string());
    let members = created["members"].as_array().expect("members");
    assert_eq!(members.len(), 2);
    // The lead is confirmed from the start; the member is asked.
    assert_eq!(members[0]["partner_id"], scene.lead_id);
    assert_eq!(members[0]["share_bps"], 7000);
    assert_eq!(members[0]["confirmed"], true);
    assert_eq!(members[0]["response"], "confirmed");
    assert!(members[0]["responded_at"].is_string());
    assert_eq!(members[1]["partner_id"], scene.member_id);
    assert_eq!(members[1]["share_bps"], 3000);
    assert_eq!(members[1]["confirmed"], false);
    assert_eq!(members[1]["response"], "pending");
    assert_eq!(members[1]["responded_at"], Value::Null);

    // Both members read it as created, with the same ETag.
    for token in [&scene.lead, &scene.member] {
        let read = app.get(&bid_path(&created), Some(token)).await;
        assert_eq!(read.header("etag"), response.header("etag"));
        assert_eq!(read.ok(200), created);
    }
}

#[actix_web::test]
async fn without_members_the_lead_bids_alone_with_the_whole_share() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-SOLO").await;
    let created = bid_on(
        &app,
        Some(&scene.lead),
        &tender,
        solo_body(&lot_id(&tender, 1)),
    )
    .await
    .ok(201);
    assert_eq!(created["lead_partner_id"], scene.lead_id);
    assert_eq!(
        created["members"].as_array().expect("members").len(),
        1,
        "{created}"
    );
    let lead = &created["members"][0];
    assert_eq!(lead["partner_id"], scene.lead_id);
    assert_eq!(lead["share_bps"], 10_000);
    assert_eq!(lead["confirmed"], true);
    assert_eq!(lead["response"], "confirmed");
    assert_eq!(created["technical_summary"], "");
    // Alone, the lead submits at once.
    let submitted = bid_action(&app, &scene.lead, &created, "submit")
        .await
        .ok(200);
    assert_eq!(submitted["status"], "submitted");
}

#[actix_web::test]
async fn a_partner_leads_its_own_bids_only() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-LEAD").await;
    let body = consortium_body(&scene, &lot_id(&tender, 0));
    let codes = bid_on(
        &app,
        Some(&scene.lead),
        &tender,
        merged(body.clone(), json!({"lead_partner_id": scene.member_id})),
    )
    .await
    .invalid_fields(&["#/lead_partner_id"]);
    assert_eq!(codes, ["not_allowed"]);
    assert!(listed(&app, &scene.admin, &tender).await.is_empty());
    // Naming itself is the same as saying nothing.
    let created = bid_on(
        &app,
        Some(&scene.lead),
        &tender,
        merged(body, json!({"lead_partner_id": scene.lead_id})),
    )
    .await
    .ok(201);
    assert_eq!(created["lead_partner_id"], scene.lead_id);
}

#[actix_web::test]
async fn an_admin_names_the_lead_partner() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-ADMIN").await;
    let body = consortium_body(&scene, &lot_id(&tender, 0));
    let codes = bid_on(&app, Some(&scene.admin), &tender, body.clone())
        .await
        .invalid_fields(&["#/lead_partner_id"]);
    assert_eq!(codes, ["required"]);
    assert!(listed(&app, &scene.admin, &tender).await.is_empty());

    let created = bid_on(
        &app,
        Some(&scene.admin),
        &tender,
        merged(body, json!({"lead_partner_id": scene.lead_id})),
    )
    .await
    .ok(201);
    assert_eq!(created["lead_partner_id"], scene.lead_id);
    assert_eq!(created["members"][0]["response"], "confirmed");
    assert_eq!(created["members"][1]["response"], "pending");
    assert_eq!(listed(&app, &scene.lead, &tender).await, [id_of(&created)]);
}

#[actix_web::test]
async fn an_admin_names_an_active_partner_as_lead() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-ADMIN-LEAD").await;
    let suspended = app.insert_partner("Suspended", "suspended");
    // Without members, the lead is only named in `lead_partner_id`: that is where the
    // problem is.
    for (lead, code) in [
        ("no-such-partner", "not_found"),
        (suspended.as_str(), "inactive"),
    ] {
        let codes = bid_on(
            &app,
            Some(&scene.admin),
            &tender,
            merged(
                solo_body(&lot_id(&tender, 0)),
                json!({"lead_partner_id": lead}),
            ),
        )
        .await
        .unmet_fields(&["#/lead_partner_id"]);
        assert_eq!(codes, [code], "{lead}");
    }
    assert!(listed(&app, &scene.admin, &tender).await.is_empty());
}

#[actix_web::test]
async fn buyers_do_not_bid_and_anonymous_callers_are_401() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-WHO").await;
    let body = consortium_body(&scene, &lot_id(&tender, 0));
    for buyer in [&scene.buyer, &scene.other_buyer] {
        bid_on(&app, Some(buyer), &tender, body.clone())
            .await
            .problem(403);
    }
    bid_on(&app, None, &tender, body).await.problem(401);
    assert!(listed(&app, &scene.admin, &tender).await.is_empty());
}

#[actix_web::test]
async fn shares_must_add_up_to_10000_bps() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-SUM").await;
    for (lead, member) in [(7000, 2999), (7000, 3001)] {
        refused(
            &app,
            &scene,
            &tender,
            json!({"members": shares(&scene, lead, member)}),
            &["#/members"],
            &["sum"],
        )
        .await;
    }
}

#[actix_web::test]
async fn each_share_is_between_1_and_10000_bps() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-RANGE").await;
    refused(
        &app,
        &scene,
        &tender,
        json!({"members": shares(&scene, 10_000, 0)}),
        &["#/members/1/share_bps"],
        &["range"],
    )
    .await;
    refused(
        &app,
        &scene,
        &tender,
        json!({"members": shares(&scene, 10_001, -1)}),
        &["#/members/0/share_bps", "#/members/1/share_bps"],
        &["range", "range"],
    )
    .await;
}

#[actix_web::test]
async fn a_partner_appears_once_among_the_members() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-DUP").await;
    refused(
        &app,
        &scene,
        &tender,
        json!({"members": [
            {"partner_id": scene.lead_id, "share_bps": 5000},
            {"partner_id": scene.member_id, "share_bps": 3000},
            {"partner_id": scene.member_id, "share_bps": 2000}
        ]}),
        &["#/members/2/partner_id"],
        &["duplicate"],
    )
    .await;
}

#[actix_web::test]
async fn the_lead_is_among_the_members() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-LEADLESS").await;
    refused(
        &app,
        &scene,
        &tender,
        json!({"members": [{"partner_id": scene.member_id, "share_bps": 10_000}]}),
        &["#/members"],
        &["lead_missing"],
    )
    .await;
}

#[actix_web::test]
async fn members_are_active_partners() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-ACTIVE").await;
    for status in ["suspended", "pending"] {
        let partner = app.insert_partner("Not active", status);
        refused(
            &app,
            &scene,
            &tender,
            json!({"members": [{"partner_id": scene.lead_id, "share_bps": 7000},
                               {"partner_id": partner, "share_bps": 3000}]}),
            &["#/members/1/partner_id"],
            &["inactive"],
        )
        .await;
    }
    refused(
        &app,
        &scene,
        &tender,
        json!({"members": [{"partner_id": scene.lead_id, "share_bps": 7000},
                           {"partner_id": "no-such-partner", "share_bps": 3000}]}),
        &["#/members/1/partner_id"],
        &["not_found"],
    )
    .await;
}

#[actix_web::test]
async fn a_bid_is_in_the_tenders_currency() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-CURRENCY").await;
    assert_eq!(tender["currency"], "EUR");
    refused(
        &app,
        &scene,
        &tender,
        json!({"currency": "USD"}),
        &["#/currency"],
        &["tender_currency"],
    )
    .await;
}

#[actix_web::test]
async fn a_bid_names_a_lot_of_the_tender() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-LOT").await;
    let other = published(&app, &scene, "BID-LOT-OTHER").await;
    for lot in [lot_id(&other, 0), "no-such-lot".to_owned()] {
        refused(
            &app,
            &scene,
            &tender,
            json!({"lot_id": lot}),
            &["#/lot_id"],
            &["not_found"],
        )
        .await;
    }
    assert!(listed(&app, &scene.admin, &other).await.is_empty());
}

#[actix_web::test]
async fn a_price_is_positive() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-PRICE").await;
    for price in [0, -1] {
        refused(
            &app,
            &scene,
            &tender,
            json!({"price_minor": price}),
            &["#/price_minor"],
            &["range"],
        )
        .await;
    }
}

#[actix_web::test]
async fn every_bad_field_checked_against_the_tender_is_reported_at_once_in_pointer_order() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-ALL").await;
    let suspended = app.insert_partner("Suspended", "suspended");
    refused(
        &app,
        &scene,
        &tender,
        json!({"lot_id": "no-such-lot", "currency": "USD",
               "members": [{"partner_id": scene.lead_id, "share_bps": 7000},
                           {"partner_id": suspended, "share_bps": 3000}]}),
        &["#/currency", "#/lot_id", "#/members/1/partner_id"],
        &["tender_currency", "not_found", "inactive"],
    )
    .await;
    // Lot and currency alone come in the same order.
    refused(
        &app,
        &scene,
        &tender,
        json!({"lot_id": "no-such-lot", "currency": "USD"}),
        &["#/currency", "#/lot_id"],
        &["tender_currency", "not_found"],
    )
    .await;
}

#[actix_web::test]
async fn a_lead_has_one_live_bid_per_lot() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-LIVE").await;
    let first = consortium_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    bid_on(
        &app,
        Some(&scene.lead),
        &tender,
        solo_body(&lot_id(&tender, 0)),
    )
    .await
    .problem(409);
    assert_eq!(listed(&app, &scene.lead, &tender).await, [id_of(&first)]);

    // Another lot is another place.
    let other_lot = bid_on(
        &app,
        Some(&scene.lead),
        &tender,
        solo_body(&lot_id(&tender, 1)),
    )
    .await
    .ok(201);
    // The member of the first bid may lead its own bid on the same lot.
    let members_own = bid_on(
        &app,
        Some(&scene.member),
        &tender,
        solo_body(&lot_id(&tender, 0)),
    )
    .await
    .ok(201);

    // A withdrawn bid frees the lead's place.
    bid_action(&app, &scene.lead, &first, "withdraw")
        .await
        .ok(200);
    let again = bid_on(
        &app,
        Some(&scene.lead),
        &tender,
        solo_body(&lot_id(&tender, 0)),
    )
    .await
    .ok(201);
    assert_eq!(
        listed(&app, &scene.admin, &tender).await,
        sorted(vec![
            id_of(&first),
            id_of(&other_lot),
            id_of(&members_own),
            id_of(&again)
        ])
    );
}

#[actix_web::test]
async fn simultaneous_bids_by_different_partners_are_all_accepted() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-RACE").await;
    let body = solo_body(&lot_id(&tender, 0));
    for round in 0..10 {
        let (leads, outsiders) = futures_util::future::join(
            bid_on(&app, Some(&scene.lead), &tender, body.clone()),
            bid_on(&app, Some(&scene.outsider), &tender, body.clone()),
        )
        .await;
        for (token, response) in [(&scene.lead, leads), (&scene.outsider, outsiders)] {
            assert_eq!(
                response.status.as_u16(),
                201,
                "round {round}: {}",
                String::from_utf8_lossy(&response.body)
            );
            // Withdrawn, the bid frees the lot for the next round.
            bid_action(&app, token, &response.json(), "withdraw")
                .await
                .ok(200);
        }
    }
    assert_eq!(listed(&app, &scene.admin, &tender).await.len(), 20);
}

#[actix_web::test]
async fn after_the_deadline_bids_are_neither_created_nor_changed() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-DEADLINE").await;
    // A draft waiting for the member, and one the member confirmed.
    let waiting = consortium_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let confirmed = consortium_bid(&app, &scene, &tender, &lot_id(&tender, 1)).await;
    let confirmed = bid_action(&app, &scene.member, &confirmed, "confirm")
        .await
        .ok(200);
    let waiting_etag = etag_of(&app, &scene.lead, &waiting).await;

    app.clock.advance(chrono::Duration::days(31));

    conflict_in(
        &bid_on(
            &app,
            Some(&scene.outsider),
            &tender,
            solo_body(&lot_id(&tender, 0)),
        )
        .await,
        "evaluation",
    );
    conflict_in(
        &patch_bid(
            &app,
            &scene.lead,
            &waiting,
            Some(&waiting_etag),
            json!({"price_minor": 1}),
        )
        .await,
        "evaluation",
    );
    for name in ["confirm", "decline"] {
        conflict_in(
            &bid_action(&app, &scene.member, &waiting, name).await,
            "evaluation",
        );
    }
    conflict_in(
        &bid_action(&app, &scene.lead, &confirmed, "submit").await,
        "evaluation",
    );
    for bid in [&waiting, &confirmed] {
        conflict_in(
            &bid_action(&app, &scene.lead, bid, "withdraw").await,
            "evaluation",
        );
    }

    // Nothing moved.
    assert_eq!(read(&app, &scene.lead, &waiting).await, waiting);
    assert_eq!(read(&app, &scene.lead, &confirmed).await, confirmed);
    assert_eq!(
        listed(&app, &scene.admin, &tender).await,
        sorted(vec![id_of(&waiting), id_of(&confirmed)])
    );
}

#[actix_web::test]
async fn a_draft_tender_is_invisible_to_bidders() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = draft(&app, &scene, "BID-DRAFT").await;
    bid_on(
        &app,
        Some(&scene.lead),
        &tender,
        consortium_body(&scene, &lot_id(&tender, 0)),
    )
    .await
    .problem(404);
    assert!(listed(&app, &scene.admin, &tender).await.is_empty());
}

#[actix_web::test]
async fn a_cancelled_tender_takes_no_bid_nor_change() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-CANCELLED").await;
    let bid = consortium_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    action(&app, &scene.buyer, &tender, "cancel").await.ok(200);
    conflict_in(
        &bid_on(
            &app,
            Some(&scene.lead),
            &tender,
            solo_body(&lot_id(&tender, 1)),
        )
        .await,
        "cancelled",
    );
    conflict_in(
        &bid_action(&app, &scene.member, &bid, "confirm").await,
        "cancelled",
    );
    conflict_in(
        &bid_action(&app, &scene.lead, &bid, "withdraw").await,
        "cancelled",
    );
    assert_eq!(read(&app, &scene.lead, &bid).await, bid);
    assert_eq!(listed(&app, &scene.admin, &tender).await, [id_of(&bid)]);
}

#[actix_web::test]
async fn a_consortium_bid_is_submitted_once_every_member_confirmed() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-CONFIRM").await;
    let bid = consortium_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;

    conflict_in(
        &bid_action(&app, &scene.lead, &bid, "submit").await,
        "draft",
    );
    assert_eq!(read(&app, &scene.lead, &bid).await, bid);

    let response = bid_action(&app, &scene.member, &bid, "confirm").await;
    let confirmed = response.ok(200);
    assert_eq!(
        response.header("etag"),
        Some(format!("\"{}.2\"", id_of(&bid)))
    );
    assert_eq!(confirmed["status"], "draft");
    assert_eq!(confirmed["version"], 2);
    let member = &confirmed["members"][1];
    assert_eq!(member["partner_id"], scene.member_id);
    assert_eq!(member["confirmed"], true);
    assert_eq!(member["response"], "confirmed");
    assert!(member["responded_at"].is_string());
    assert_eq!(confirmed["members"][0], bid["members"][0]);

    let submitted = bid_action(&app, &scene.lead, &bid, "submit").await.ok(200);
    assert_eq!(submitted["status"], "submitted");
    assert!(submitted["submitted_at"].is_string());
    assert_eq!(submitted["version"], 3);
    assert_eq!(read(&app, &scene.member, &bid).await, submitted);

    // A submitted bid is answered no more, nor submitted twice.
    for name in ["confirm", "decline"] {
        conflict_in(
            &bid_action(&app, &scene.member, &bid, name).await,
            "submitted",
        );
    }
    conflict_in(
        &bid_action(&app, &scene.lead, &bid, "submit").await,
        "submitted",
    );
    assert_eq!(read(&app, &scene.lead, &bid).await, submitted);
}

#[actix_web::test]
async fn a_declined_bid_waits_until_the_lead_changes_the_members() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-DECLINE").await;
    let bid = consortium_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;

    let declined = bid_action(&app, &scene.member, &bid, "decline")
        .await
        .ok(200);
    let member = &declined["members"][1];
    assert_eq!(member["response"], "declined");
    assert_eq!(member["confirmed"], false);
    assert!(member["responded_at"].is_string());
    conflict_in(
        &bid_action(&app, &scene.lead, &bid, "submit").await,
        "draft",
    );
    assert_eq!(read(&app, &scene.lead, &bid).await, declined);

    // New shares: the member is asked again.
    let etag = etag_of(&app, &scene.lead, &bid).await;
    let changed = patch_bid(
        &app,
        &scene.lead,
        &bid,
        Some(&etag),
        json!({"members": shares(&scene, 6000, 4000)}),
    )
    .await
    .ok(200);
    assert_eq!(changed["members"][0]["response"], "confirmed");
    assert_eq!(changed["members"][1]["share_bps"], 4000);
    assert_eq!(changed["members"][1]["response"], "pending");
    assert_eq!(changed["members"][1]["confirmed"], false);
    assert_eq!(changed["members"][1]["responded_at"], Value::Null);
    conflict_in(
        &bid_action(&app, &scene.lead, &bid, "submit").await,
        "draft",
    );
    bid_action(&app, &scene.member, &bid, "confirm")
        .await
        .ok(200);
    let submitted = bid_action(&app, &scene.lead, &bid, "submit").await.ok(200);
    assert_eq!(submitted["status"], "submitted");
}

#[actix_web::test]
async fn the_lead_may_drop_a_member_that_declined() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-DROP").await;
    let bid = consortium_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    bid_action(&app, &scene.member, &bid, "decline")
        .await
        .ok(200);
    let etag = etag_of(&app, &scene.lead, &bid).await;
    let alone = patch_bid(
        &app,
        &scene.lead,
        &bid,
        Some(&etag),
        json!({"members": [{"partner_id": scene.lead_id, "share_bps": 10_000}]}),
    )
    .await
    .ok(200);
    assert_eq!(alone["members"].as_array().expect("members").len(), 1);
    let submitted = bid_action(&app, &scene.lead, &bid, "submit").await.ok(200);
    assert_eq!(submitted["status"], "submitted");
    // The partner dropped is no member any more.
    app.get(&bid_path(&bid), Some(&scene.member))
        .await
        .problem(404);
}

#[actix_web::test]
async fn only_a_member_other_than_the_lead_answers() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-ANSWER").await;
    let bid = consortium_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    for name in ["confirm", "decline"] {
        bid_action(&app, &scene.lead, &bid, name).await.problem(403);
        // Those who cannot see the bid are told it does not exist.
        for token in [&scene.outsider, &scene.buyer, &scene.other_buyer] {
            bid_action(&app, token, &bid, name).await.problem(404);
        }
        app.send(TestApp::request(
            Method::POST,
            &format!("{}/{name}", bid_path(&bid)),
            None,
        ))
        .await
        .problem(401);
    }
    assert_eq!(read(&app, &scene.lead, &bid).await, bid);
}

#[actix_web::test]
async fn the_lead_edits_a_draft_under_a_current_if_match() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-PATCH").await;
    let bid = consortium_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let first = etag_of(&app, &scene.lead, &bid).await;
    let change = json!({"price_minor": 72_000_000, "technical_summary": "Cheaper."});

    patch_bid(&app, &scene.lead, &bid, None, change.clone())
        .await
        .problem(428);
    // Members other than the lead, and those who cannot see the bid, edit nothing.
    patch_bid(&app, &scene.member, &bid, Some(&first), change.clone())
        .await
        .problem(403);
    for token in [&scene.outsider, &scene.buyer] {
        patch_bid(&app, token, &bid, Some(&first), change.clone())
            .await
            .problem(404);
    }
    assert_eq!(read(&app, &scene.lead, &bid).await, bid);

    let response = patch_bid(&app, &scene.lead, &bid, Some(&first), change.clone()).await;
    let changed = response.ok(200);
    let second = response.header("etag").expect("ETag");
    assert_eq!(second, format!("\"{}.2\"", id_of(&bid)));
    assert_eq!(changed["price_minor"], 72_000_000);
    assert_eq!(changed["technical_summary"], "Cheaper.");
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["members"], bid["members"], "members unchanged");

    // The first ETag is stale now.
    patch_bid(
        &app,
        &scene.lead,
        &bid,
        Some(&first),
        json!({"price_minor": 1}),
    )
    .await
    .problem(412);
    assert_eq!(read(&app, &scene.lead, &bid).await, changed);
}

#[actix_web::test]
async fn a_submitted_bid_is_not_edited() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-SEALED-EDIT").await;
    let bid = submitted_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let etag = etag_of(&app, &scene.lead, &bid).await;
    conflict_in(
        &patch_bid(
            &app,
            &scene.lead,
            &bid,
            Some(&etag),
            json!({"price_minor": 1}),
        )
        .await,
        "submitted",
    );
    assert_eq!(read(&app, &scene.lead, &bid).await, bid);
}

#[actix_web::test]
async fn edits_are_validated_like_creation() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-PATCH-422").await;
    let bid = consortium_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let etag = etag_of(&app, &scene.lead, &bid).await;
    let suspended = app.insert_partner("Suspended", "suspended");
    for (body, pointers, codes, status) in [
        (
            json!({"members": shares(&scene, 7000, 2000)}),
            vec!["#/members"],
            vec!["sum"],
            422,
        ),
        (
            json!({"members": shares(&scene, 10_000, 0)}),
            vec!["#/members/1/share_bps"],
            vec!["range"],
            422,
        ),
        (
            json!({"members": [{"partner_id": scene.member_id, "share_bps": 10_000}]}),
            vec!["#/members"],
            vec!["lead_missing"],
            422,
        ),
        (
            json!({"members": [{"partner_id": scene.lead_id, "share_bps": 5000},
                               {"partner_id": scene.member_id, "share_bps": 3000},
                               {"partner_id": scene.member_id, "share_bps": 2000}]}),
            vec!["#/members/2/partner_id"],
            vec!["duplicate"],
            422,
        ),
        (
            json!({"members": [{"partner_id": scene.lead_id, "share_bps": 7000},
                               {"partner_id": suspended, "share_bps": 3000}]}),
            vec!["#/members/1/partner_id"],
            vec!["inactive"],
            409,
        ),
        (
            json!({"members": [{"partner_id": scene.lead_id, "share_bps": 7000},
                               {"partner_id": "no-such-partner", "share_bps": 3000}]}),
            vec!["#/members/1/partner_id"],
            vec!["not_found"],
            409,
        ),
        (
            json!({"price_minor": 0}),
            vec!["#/price_minor"],
            vec!["range"],
            422,
        ),
    ] {
        let response = patch_bid(&app, &scene.lead, &bid, Some(&etag), body.clone()).await;
        let found = if status == 409 {
            response.unmet_fields(&pointers)
        } else {
            response.invalid_fields(&pointers)
        };
        assert_eq!(found, codes, "{body}");
    }
    // Null is no value for what cannot be null.
    for body in [json!({"price_minor": null}), json!({"members": null})] {
        patch_bid(&app, &scene.lead, &bid, Some(&etag), body)
            .await
            .problem(400);
    }
    assert_eq!(read(&app, &scene.lead, &bid).await, bid);
}

#[actix_web::test]
async fn edits_report_bad_members_in_the_same_order_as_creation() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-PATCH-ORDER").await;
    let bid = consortium_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let etag = etag_of(&app, &scene.lead, &bid).await;
    // A zero share for an unknown partner: two problems on the same member.
    let members = json!([{"partner_id": scene.lead_id, "share_bps": 10_000},
                         {"partner_id": "no-such-partner", "share_bps": 0}]);
    let pointers = ["#/members/1/partner_id", "#/members/1/share_bps"];
    let created = bid_on(
        &app,
        Some(&scene.lead),
        &tender,
        json!({"lot_id": lot_id(&tender, 1), "members": members.clone(),
               "price_minor": 1, "currency": "EUR"}),
    )
    .await
    .invalid_fields(&pointers);
    assert_eq!(created, ["not_found", "range"]);
    let edited = patch_bid(
        &app,
        &scene.lead,
        &bid,
        Some(&etag),
        json!({"members": members}),
    )
    .await
    .invalid_fields(&pointers);
    assert_eq!(edited, ["not_found", "range"]);
    assert_eq!(read(&app, &scene.lead, &bid).await, bid);
}

#[actix_web::test]
async fn only_a_change_of_members_asks_them_to_confirm_again() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-RECONFIRM").await;
    let bid = consortium_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    bid_action(&app, &scene.member, &bid, "confirm")
        .await
        .ok(200);
    let etag = etag_of(&app, &scene.lead, &bid).await;
    let repriced = patch_bid(
        &app,
        &scene.lead,
        &bid,
        Some(&etag),
        json!({"price_minor": 70_000_000}),
    )
    .await;
    let etag = repriced.header("etag").expect("ETag");
    let repriced = repriced.ok(200);
    assert_eq!(repriced["members"][1]["response"], "confirmed");

    let reshared = patch_bid(
        &app,
        &scene.lead,
        &bid,
        Some(&etag),
        json!({"members": shares(&scene, 6500, 3500)}),
    )
    .await
    .ok(200);
    assert_eq!(reshared["members"][0]["response"], "confirmed");
    assert_eq!(reshared["members"][0]["confirmed"], true);
    assert_eq!(reshared["members"][1]["response"], "pending");
    assert_eq!(reshared["members"][1]["confirmed"], false);
    conflict_in(
        &bid_action(&app, &scene.lead, &bid, "submit").await,
        "draft",
    );
}

#[actix_web::test]
async fn the_lead_withdraws_a_draft_or_a_submitted_bid_once() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-WITHDRAW").await;
    let drafted = consortium_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let submitted = submitted_bid(&app, &scene, &tender, &lot_id(&tender, 1)).await;

    for bid in [&drafted, &submitted] {
        // The member is not the lead.
        bid_action(&app, &scene.member, bid, "withdraw")
            .await
            .problem(403);
        bid_action(&app, &scene.outsider, bid, "withdraw")
            .await
            .problem(404);
        let withdrawn = bid_action(&app, &scene.lead, bid, "withdraw").await.ok(200);
        assert_eq!(withdrawn["status"], "withdrawn");
        assert_eq!(withdrawn["version"], bid["version"].as_i64().unwrap() + 1);
        conflict_in(
            &bid_action(&app, &scene.lead, bid, "withdraw").await,
            "withdrawn",
        );
        // Nor submitted, edited or answered after.
        conflict_in(
            &bid_action(&app, &scene.lead, bid, "submit").await,
            "withdrawn",
        );
        conflict_in(
            &bid_action(&app, &scene.member, bid, "confirm").await,
            "withdrawn",
        );
        assert_eq!(read(&app, &scene.lead, bid).await, withdrawn);
    }
}

#[actix_web::test]
async fn bids_are_sealed_from_the_buyer_until_evaluation() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-SEALED").await;
    let bid = submitted_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let path = bids_path(&tender);
    assert_eq!(tender["buyer_id"], scene.buyer_id);
    assert_ne!(tender["buyer_id"], scene.other_buyer_id);

    // The buyer learns neither the bids nor how many there are.
    let problem = app.get(&path, Some(&scene.buyer)).await.problem(409);
    assert_eq!(problem["current_state"], "published");
    assert!(problem.get("items").is_none() && problem.get("count").is_none());
    app.get(&bid_path(&bid), Some(&scene.buyer))
        .await
        .problem(404);
    // Another buyer has no business with them.
    app.get(&path, Some(&scene.other_buyer)).await.problem(403);
    app.get(&bid_path(&bid), Some(&scene.other_buyer))
        .await
        .problem(404);
    // A partner outside the consortium sees nothing.
    assert!(listed(&app, &scene.outsider, &tender).await.is_empty());
    app.get(&bid_path(&bid), Some(&scene.outsider))
        .await
        .problem(404);
    app.get(&path, None).await.problem(401);
    app.get(&bid_path(&bid), None).await.problem(401);
}

#[actix_web::test]
async fn closing_unseals_the_submitted_bids_for_the_buyer() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-UNSEALED").await;
    let submitted = submitted_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let drafted = bid_on(
        &app,
        Some(&scene.outsider),
        &tender,
        solo_body(&lot_id(&tender, 0)),
    )
    .await
    .ok(201);
    let withdrawn = bid_on(
        &app,
        Some(&scene.member),
        &tender,
        solo_body(&lot_id(&tender, 1)),
    )
    .await
    .ok(201);
    bid_action(&app, &scene.member, &withdrawn, "submit")
        .await
        .ok(200);
    bid_action(&app, &scene.member, &withdrawn, "withdraw")
        .await
        .ok(200);

    let closed = action(&app, &scene.buyer, &tender, "close").await.ok(200);
    assert_eq!(closed["status"], "evaluation");

    let page = app
        .get(&bids_path(&tender), Some(&scene.buyer))
        .await
        .ok(200);
    assert_eq!(page["items"].as_array().expect("items").len(), 1, "{page}");
    let shown = read(&app, &scene.lead, &submitted).await;
    assert_eq!(page["items"][0], shown);
    let response = app.get(&bid_path(&submitted), Some(&scene.buyer)).await;
    assert_eq!(
        response.header("etag"),
        Some(format!("\"{}.3\"", id_of(&submitted)))
    );
    assert_eq!(response.ok(200), shown);
    for hidden in [&drafted, &withdrawn] {
        app.get(&bid_path(hidden), Some(&scene.buyer))
            .await
            .problem(404);
    }
    // Still nothing for another buyer.
    app.get(&bids_path(&tender), Some(&scene.other_buyer))
        .await
        .problem(403);
    app.get(&bid_path(&submitted), Some(&scene.other_buyer))
        .await
        .problem(404);
}

#[actix_web::test]
async fn the_deadline_unseals_the_submitted_bids_for_the_buyer() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-DEADLINE-UNSEALED").await;
    let submitted = submitted_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let drafted = bid_on(
        &app,
        Some(&scene.outsider),
        &tender,
        solo_body(&lot_id(&tender, 1)),
    )
    .await
    .ok(201);

    app.clock.advance(chrono::Duration::days(31));

    assert_eq!(
        listed(&app, &scene.buyer, &tender).await,
        [id_of(&submitted)]
    );
    assert_eq!(
        read(&app, &scene.buyer, &submitted).await,
        read(&app, &scene.lead, &submitted).await
    );
    app.get(&bid_path(&drafted), Some(&scene.buyer))
        .await
        .problem(404);
}

#[actix_web::test]
async fn members_see_their_bids_at_any_time_and_admins_see_all() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-MEMBERS").await;
    let consortium = submitted_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
    let members_own = bid_on(
        &app,
        Some(&scene.member),
        &tender,
        solo_body(&lot_id(&tender, 1)),
    )
    .await
    .ok(201);
    let outsiders = bid_on(
        &app,
        Some(&scene.outsider),
        &tender,
        solo_body(&lot_id(&tender, 1)),
    )
    .await
    .ok(201);

    for moment in ["before the deadline", "after the deadline"] {
        assert_eq!(
            listed(&app, &scene.lead, &tender).await,
            [id_of(&consortium)],
            "{moment}"
        );
        assert_eq!(
            listed(&app, &scene.member, &tender).await,
            sorted(vec![id_of(&consortium), id_of(&members_own)]),
            "{moment}"
        );
        assert_eq!(
            listed(&app, &scene.outsider, &tender).await,
            [id_of(&outsiders)],
            "{moment}"
        );
        assert_eq!(
            listed(&app, &scene.admin, &tender).await,
            sorted(vec![
                id_of(&consortium),
                id_of(&members_own),
                id_of(&outsiders)
            ]),
            "{moment}"
        );
        for bid in [&consortium, &members_own, &outsiders] {
            read(&app, &scene.admin, bid).await;
        }
        read(&app, &scene.member, &consortium).await;
        app.clock.advance(chrono::Duration::days(31));
    }
}

#[actix_web::test]
async fn one_answer_names_a_bad_price_bad_shares_and_an_unknown_lot() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "BID-ALL-FINDINGS").await;
    // The price breaks a body rule, the shares a domain rule, and the lot and the
    // member can only be checked against the database: one 422 names them all.
    refused(
        &app,
        &scene,
        &tender,
        json!({"lot_id": "no-such-lot", "price_minor": 0,
               "members": [{"partner_id": scene.lead_id, "share_bps": 6_000},
                           {"partner_id": "no-such-partner", "share_bps": 3_000}]}),
        &[
            "#/lot_id",
            "#/members",
            "#/members/1/partner_id",
            "#/price_minor",
        ],
        &["not_found", "sum", "not_found", "range"],
    )
    .await;
}

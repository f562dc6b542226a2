//! `Idempotency-Key` on `POST /tenders/{id}/bids`: retries replay the first answer, a key
//! names one request of one caller, failures do not burn it, a key still in flight is a
//! 409 until abandoned, keys expire after a day, and malformed keys are refused.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::bids::{bids_path, listed, solo_body};
use crate::fixtures::{Scene, bid_action, bid_path, consortium_body, lot_id, published};
use crate::helpers::{TestApp, TestResponse};
use ose_api::domain::idempotency::fingerprint;
use ose_api::service::bids::NewBid;

/// `POST path` as `token` with `Idempotency-Key: key`.
pub async fn post_with_key(
    app: &TestApp,
    token: &str,
    path: &str,
    key: &str,
    body: Value,
) -> TestResponse {
    app.send(
        TestApp::request(Method::POST, path, Some(token))
            .insert_header(("Idempotency-Key", key))
            .set_json(body),
    )
    .await
}

/// Asserts a problem with this status whose one entry names the `Idempotency-Key`
/// parameter with `code`.
pub fn key_refused(response: &TestResponse, status: u16, code: &str) {
    let problem = response.problem(status);
    let errors = problem["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), 1, "{problem}");
    assert_eq!(errors[0]["parameter"], "Idempotency-Key", "{problem}");
    assert_eq!(errors[0]["code"], code, "{problem}");
    assert!(errors[0].get("pointer").is_none(), "{problem}");
}

/// The fingerprint the server computes for `body` posted to `path`: it serialises the
/// body as parsed (`NewBid`, its fields in order, absent options as null).
fn server_fingerprint(path: &str, body: &Value) -> String {
    let parsed: NewBid = serde_json::from_value(body.clone()).expect("a bid body");
    let canonical = serde_json::to_value(&parsed).expect("serialise the bid body");
    fingerprint("POST", path, &canonical.to_string())
}

/// The scope under which the server keeps `token`'s keys: `user:{id}`.
async fn scope_of(app: &TestApp, token: &str) -> String {
    let me = app.get("/api/v1/me", Some(token)).await.ok(200);
    format!("user:{}", me["id"].as_str().expect("user id"))
}

/// Stores `key` as claimed by a request that is still running.
fn claim_in_flight(app: &TestApp, scope: &str, key: &str, fingerprint: &str) {
    let mut conn = app.state.db.conn().expect("connection");
    ose_api::db::idempotency::claim(
        &mut conn,
        scope,
        key,
        fingerprint,
        chrono::Utc::now().naive_utc(),
    )
    .expect("claim the key");
}

fn id_of(bid: &Value) -> String {
    bid["id"].as_str().expect("bid id").to_owned()
}

#[actix_web::test]
async fn a_retry_with_the_same_key_replays_the_first_answer() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "IDEM-REPLAY").await;
    let path = bids_path(&tender);
    let body = consortium_body(&scene, &lot_id(&tender, 0));

    let first = post_with_key(&app, &scene.lead, &path, "retry-1", body.clone()).await;
    let created = first.ok(201);
    assert_eq!(first.header("idempotent-replayed"), None);
    let location = first.header("location").expect("Location");
    let etag = first.header("etag").expect("ETag");
    assert_eq!(location, bid_path(&created));

    for _ in 0..2 {
        let retry = post_with_key(&app, &scene.lead, &path, "retry-1", body.clone()).await;
        assert_eq!(retry.ok(201), created);
        assert_eq!(retry.header("idempotent-replayed").as_deref(), Some("true"));
        assert_eq!(retry.header("location").as_deref(), Some(location.as_str()));
        assert_eq!(retry.header("etag").as_deref(), Some(etag.as_str()));
        assert_eq!(retry.header("content-type"), first.header("content-type"));
    }
    assert_eq!(listed(&app, &scene.lead, &tender).await, [id_of(&created)]);
}

#[actix_web::test]
async fn a_replay_is_the_first_answer_even_after_the_bid_moved_on() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "IDEM-STALE").await;
    let path = bids_path(&tender);
    let body = consortium_body(&scene, &lot_id(&tender, 0));
    let first = post_with_key(&app, &scene.lead, &path, "retry-2", body.clone()).await;
    let created = first.ok(201);
    bid_action(&app, &scene.member, &created, "confirm")
        .await
        .ok(200);
    // Withdrawn, the bid frees the lead's place on the lot: a retry must still not
    // create a second bid.
    bid_action(&app, &scene.lead, &created, "withdraw")
        .await
        .ok(200);

    let retry = post_with_key(&app, &scene.lead, &path, "retry-2", body).await;
    assert_eq!(retry.ok(201), created);
    assert_eq!(retry.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(retry.header("etag"), first.header("etag"));
    assert_eq!(listed(&app, &scene.lead, &tender).await, [id_of(&created)]);
}

#[actix_web::test]
async fn the_same_key_for_another_request_is_a_422_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "IDEM-REUSED").await;
    let other = published(&app, &scene, "IDEM-REUSED-OTHER").await;
    let path = bids_path(&tender);
    let created = post_with_key(
        &app,
        &scene.lead,
        &path,
        "reused",
        consortium_body(&scene, &lot_id(&tender, 0)),
    )
    .await
    .ok(201);

    // Another body on the same path…
    let mut cheaper = consortium_body(&scene, &lot_id(&tender, 1));
    cheaper["price_minor"] = json!(60_000_000);
    key_refused(
        &post_with_key(&app, &scene.lead, &path, "reused", cheaper).await,
        422,
        "reused",
    );
    // …or the same kind of body on another tender.
    key_refused(
        &post_with_key(
            &app,
            &scene.lead,
            &bids_path(&other),
            "reused",
            consortium_body(&scene, &lot_id(&other, 0)),
        )
        .await,
        422,
        "reused",
    );
    assert_eq!(listed(&app, &scene.admin, &tender).await, [id_of(&created)]);
    assert!(listed(&app, &scene.admin, &other).await.is_empty());
}

#[actix_web::test]
async fn keys_are_scoped_per_caller() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "IDEM-SCOPE").await;
    let path = bids_path(&tender);
    let body = solo_body(&lot_id(&tender, 0));

    let leads = post_with_key(&app, &scene.lead, &path, "shared-key", body.clone()).await;
    let leads = leads.ok(201);
    let outsiders = post_with_key(&app, &scene.outsider, &path, "shared-key", body).await;
    assert_eq!(outsiders.header("idempotent-replayed"), None);
    let outsiders = outsiders.ok(201);
    assert_ne!(leads["id"], outsiders["id"]);
    assert_eq!(leads["lead_partner_id"], scene.lead_id);
    assert_eq!(outsiders["lead_partner_id"], scene.outsider_id);
    assert_eq!(listed(&app, &scene.lead, &tender).await, [id_of(&leads)]);
    assert_eq!(
        listed(&app, &scene.outsider, &tender).await,
        [id_of(&outsiders)]
    );
}

#[actix_web::test]
async fn a_refused_request_does_not_burn_the_key() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "IDEM-RETRY-422").await;
    let path = bids_path(&tender);
    let mut wrong = consortium_body(&scene, &lot_id(&tender, 0));
    wrong["members"][1]["share_bps"] = json!(2000);

    let codes = post_with_key(&app, &scene.lead, &path, "fix-and-retry", wrong)
        .await
        .invalid_fields(&["#/members"]);
    assert_eq!(codes, ["sum"]);
    assert!(listed(&app, &scene.admin, &tender).await.is_empty());

    let body = consortium_body(&scene, &lot_id(&tender, 0));
    let fixed = post_with_key(&app, &scene.lead, &path, "fix-and-retry", body.clone()).await;
    assert_eq!(fixed.header("idempotent-replayed"), None);
    let created = fixed.ok(201);
    // From now on the key answers with this bid.
    let retry = post_with_key(&app, &scene.lead, &path, "fix-and-retry", body).await;
    assert_eq!(retry.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(retry.ok(201), created);
    assert_eq!(listed(&app, &scene.admin, &tender).await, [id_of(&created)]);
}

#[actix_web::test]
async fn a_conflict_is_not_replayed_once_it_is_resolved() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "IDEM-RETRY-409").await;
    let path = bids_path(&tender);
    let body = solo_body(&lot_id(&tender, 0));
    let earlier = app
        .post(&path, Some(&scene.lead), body.clone())
        .await
        .ok(201);

    post_with_key(&app, &scene.lead, &path, "after-409", body.clone())
        .await
        .problem(409);
    bid_action(&app, &scene.lead, &earlier, "withdraw")
        .await
        .ok(200);
    let response = post_with_key(&app, &scene.lead, &path, "after-409", body).await;
    assert_eq!(response.header("idempotent-replayed"), None);
    let created = response.ok(201);
    assert_ne!(created["id"], earlier["id"]);
}

#[actix_web::test]
async fn a_key_in_flight_is_a_409_until_it_is_abandoned() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "IDEM-IN-FLIGHT").await;
    let path = bids_path(&tender);
    let body = consortium_body(&scene, &lot_id(&tender, 0));
    let scope = scope_of(&app, &scene.lead).await;
    claim_in_flight(&app, &scope, "key-x", &server_fingerprint(&path, &body));

    let in_flight = post_with_key(&app, &scene.lead, &path, "key-x", body.clone()).await;
    let problem = in_flight.problem(409);
    assert!(problem.get("errors").is_none(), "{problem}");
    assert_eq!(in_flight.header("retry-after").as_deref(), Some("1"));
    assert!(listed(&app, &scene.admin, &tender).await.is_empty());

    // Five minutes on, the first request is taken for dead and the retry runs.
    app.clock.advance(chrono::Duration::minutes(6));
    let response = post_with_key(&app, &scene.lead, &path, "key-x", body.clone()).await;
    assert_eq!(response.header("idempotent-replayed"), None);
    let created = response.ok(201);
    let retry = post_with_key(&app, &scene.lead, &path, "key-x", body).await;
    assert_eq!(retry.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(retry.ok(201), created);
    assert_eq!(listed(&app, &scene.admin, &tender).await, [id_of(&created)]);
}

#[actix_web::test]
async fn a_key_in_flight_for_another_request_is_a_422() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "IDEM-IN-FLIGHT-OTHER").await;
    let path = bids_path(&tender);
    let body = consortium_body(&scene, &lot_id(&tender, 0));
    let scope = scope_of(&app, &scene.lead).await;
    let other = server_fingerprint(&path, &solo_body(&lot_id(&tender, 1)));
    claim_in_flight(&app, &scope, "key-x", &other);

    key_refused(
        &post_with_key(&app, &scene.lead, &path, "key-x", body).await,
        422,
        "reused",
    );
    assert!(listed(&app, &scene.admin, &tender).await.is_empty());
}

#[actix_web::test]
async fn the_server_fingerprint_ignores_how_the_body_is_written() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "IDEM-CANONICAL").await;
    let path = bids_path(&tender);
    let lot = lot_id(&tender, 0);
    // Fields in another order and an explicit null: the same request.
    let first = post_with_key(
        &app,
        &scene.lead,
        &path,
        "canonical",
        json!({"lot_id": lot, "price_minor": 50_000_000, "currency": "EUR"}),
    )
    .await
    .ok(201);
    let retry = post_with_key(
        &app,
        &scene.lead,
        &path,
        "canonical",
        json!({"currency": "EUR", "technical_summary": null, "price_minor": 50_000_000,
               "lot_id": lot}),
    )
    .await;
    assert_eq!(retry.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(retry.ok(201), first);
}

#[actix_web::test]
async fn keys_expire_after_a_day() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "IDEM-EXPIRY").await;
    let path = bids_path(&tender);
    let first = post_with_key(
        &app,
        &scene.lead,
        &path,
        "daily",
        solo_body(&lot_id(&tender, 0)),
    )
    .await
    .ok(201);
    let next = solo_body(&lot_id(&tender, 1));
    key_refused(
        &post_with_key(&app, &scene.lead, &path, "daily", next.clone()).await,
        422,
        "reused",
    );

    app.clock.advance(chrono::Duration::hours(25));
    let response = post_with_key(&app, &scene.lead, &path, "daily", next).await;
    assert_eq!(response.header("idempotent-replayed"), None);
    let second = response.ok(201);
    assert_eq!(second["lot_id"], lot_id(&tender, 1));
    let mut both = vec![id_of(&first), id_of(&second)];
    both.sort();
    assert_eq!(listed(&app, &scene.lead, &tender).await, both);
}

#[actix_web::test]
async fn a_malformed_key_is_a_400() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "IDEM-MALFORMED").await;
    let path = bids_path(&tender);
    let body = solo_body(&lot_id(&tender, 0));
    for key in ["".to_owned(), "k".repeat(256), "with space".to_owned()] {
        key_refused(
            &post_with_key(&app, &scene.lead, &path, &key, body.clone()).await,
            400,
            "format",
        );
    }
    assert!(listed(&app, &scene.admin, &tender).await.is_empty());
    // 255 visible characters are a key.
    post_with_key(&app, &scene.lead, &path, &"k".repeat(255), body)
        .await
        .ok(201);
}

#[actix_web::test]
async fn without_a_key_a_retry_is_a_conflict() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "IDEM-NONE").await;
    let path = bids_path(&tender);
    let body = consortium_body(&scene, &lot_id(&tender, 0));
    let first = app.post(&path, Some(&scene.lead), body.clone()).await;
    assert_eq!(first.header("idempotent-replayed"), None);
    let created = first.ok(201);
    app.post(&path, Some(&scene.lead), body).await.problem(409);
    assert_eq!(listed(&app, &scene.lead, &tender).await, [id_of(&created)]);
}

#[actix_web::test]
async fn simultaneous_retries_with_one_key_create_one_bid() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "IDEM-RACE").await;
    let path = bids_path(&tender);
    let body = consortium_body(&scene, &lot_id(&tender, 0));
    for round in 0..5 {
        let key = format!("race-{round}");
        let (a, b) = futures_util::future::join(
            post_with_key(&app, &scene.lead, &path, &key, body.clone()),
            post_with_key(&app, &scene.lead, &path, &key, body.clone()),
        )
        .await;
        // One runs; the other waits (409) or, if it came after, gets the replay.
        let (first, retry) = if a.header("idempotent-replayed").is_none() && a.status == 201 {
            (a, b)
        } else {
            (b, a)
        };
        let created = first.ok(201);
        assert_eq!(first.header("idempotent-replayed"), None);
        if retry.status == 409 {
            retry.problem(409);
        } else {
            assert_eq!(retry.ok(201), created, "round {round}");
            assert_eq!(retry.header("idempotent-replayed").as_deref(), Some("true"));
        }
        assert_eq!(
            listed(&app, &scene.lead, &tender).await.last(),
            Some(&id_of(&created)),
            "round {round}"
        );
        // Withdrawn, the bid frees the lot for the next round.
        bid_action(&app, &scene.lead, &created, "withdraw")
            .await
            .ok(200);
    }
    assert_eq!(listed(&app, &scene.admin, &tender).await.len(), 5);
}

#[actix_web::test]
async fn without_a_key_simultaneous_duplicates_are_one_bid_and_a_409() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let tender = published(&app, &scene, "IDEM-NONE-RACE").await;
    let path = bids_path(&tender);
    let body = solo_body(&lot_id(&tender, 0));
    for round in 0..30 {
        let (a, b) = futures_util::future::join(
            app.post(&path, Some(&scene.lead), body.clone()),
            app.post(&path, Some(&scene.lead), body.clone()),
        )
        .await;
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [201, 409],
            "round {round}: {} / {}",
            String::from_utf8_lossy(&a.body),
            String::from_utf8_lossy(&b.body)
        );
        let created = if a.status == 201 { a.json() } else { b.json() };
        bid_action(&app, &scene.lead, &created, "withdraw")
            .await
            .ok(200);
    }
    let page = app
        .get(&format!("{path}?limit=100"), Some(&scene.admin))
        .await
        .ok(200);
    assert_eq!(page["items"].as_array().expect("items").len(), 30);
}

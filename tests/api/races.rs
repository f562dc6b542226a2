//! Races, one test each: real concurrent requests on one app (the database work of each
//! runs on its own blocking thread, in its own transaction), on whichever backend the
//! suite runs on. Each scenario is played several times: a lost race must never leave
//! a state the rules forbid, nor answer with something the client did not ask about.

use actix_web::http::{Method, header};
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::fixtures::{
    Scene, action, bid_action, bid_path, consortium_bid, lot_id, published, submitted_bid,
    tender_path,
};
use crate::helpers::{TestApp, TestResponse};
use crate::ledger::{LedgerScene, share_body};
use crate::partners::create_skill;
use ose_api::domain::access::Role;

/// How many times each race is played.
const ROUNDS: usize = 6;

/// Sends both requests at once and waits for both answers.
async fn race(
    app: &TestApp,
    first: actix_web::test::TestRequest,
    second: actix_web::test::TestRequest,
) -> (TestResponse, TestResponse) {
    futures_util::future::join(app.send(first), app.send(second)).await
}

fn post(path: &str, token: &str) -> actix_web::test::TestRequest {
    TestApp::request(Method::POST, path, Some(token))
}

async fn read(app: &TestApp, token: &str, path: &str) -> Value {
    app.get(path, Some(token)).await.ok(200)
}

fn award_request(
    token: &str,
    tender: &Value,
    lot: &str,
    bid: &Value,
) -> actix_web::test::TestRequest {
    post(&format!("{}/award", tender_path(tender)), token)
        .set_json(json!({"awards": [{"lot_id": lot, "bid_id": bid["id"]}]}))
}

#[actix_web::test]
async fn a_submission_racing_a_close_never_lands_on_a_concluded_tender() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    for round in 0..ROUNDS {
        let tender = published(&app, &scene, &format!("RACE-CLOSE-{round}")).await;
        let bid = consortium_bid(&app, &scene, &tender, &lot_id(&tender, 0)).await;
        bid_action(&app, &scene.member, &bid, "confirm")
            .await
            .ok(200);
        let (submit, close) = race(
            &app,
            post(&format!("{}/submit", bid_path(&bid)), &scene.lead),
            post(&format!("{}/close", tender_path(&tender)), &scene.buyer),
        )
        .await;
        close.ok(200);
        let tender = read(&app, &scene.admin, &tender_path(&tender)).await;
        let bid = read(&app, &scene.admin, &bid_path(&bid)).await;
        if submit.status.is_success() {
            // The submission came first: the close had a bid to evaluate.
            assert_eq!(tender["status"], "evaluation", "round {round}");
            assert_eq!(bid["status"], "submitted", "round {round}");
        } else {
            // The close came first, with nothing submitted: the tender is over.
            let problem = submit.problem(409);
            assert_eq!(problem["current_state"], "unsuccessful", "round {round}");
            assert_eq!(tender["status"], "unsuccessful", "round {round}");
            assert_eq!(bid["status"], "draft", "round {round}");
        }
    }
}

#[actix_web::test]
async fn submissions_racing_the_deadline_and_the_award_are_in_it_or_refused() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    // Late bidders, each submitting its bid while the deadline passes and the buyer
    // awards at once.
    let bidders: Vec<(String, String)> = (0..4).map(|_| app.member(Role::Partner)).collect();
    for round in 0..ROUNDS {
        let tender = published(&app, &scene, &format!("RACE-AWARD-{round}")).await;
        let lot = lot_id(&tender, 0);
        let winner = submitted_bid(&app, &scene, &tender, &lot).await;
        let mut late = Vec::new();
        for (token, partner_id) in &bidders {
            let bid = app
                .post(
                    &format!("{}/bids", tender_path(&tender)),
                    Some(token),
                    json!({"lot_id": lot, "price_minor": 90_000_000, "currency": "EUR",
                           "members": [{"partner_id": partner_id, "share_bps": 10_000}]}),
                )
                .await
                .ok(201);
            late.push(bid);
        }
        let deadline_then_award = async {
            // Let the submissions start, in a different phase each round.
            let pause = std::time::Duration::from_millis((round % 3) as u64);
            actix_web::rt::time::sleep(pause).await;
            app.clock.advance(chrono::Duration::days(31));
            app.send(award_request(&scene.buyer, &tender, &lot, &winner))
                .await
        };
        let submissions =
            join_all(late.iter().zip(&bidders).map(|(bid, (token, _))| {
                app.send(post(&format!("{}/submit", bid_path(bid)), token))
            }));
        let (submitted, awarded) =
            futures_util::future::join(submissions, deadline_then_award).await;
        awarded.ok(200);
        for (answer, bid) in submitted.iter().zip(&late) {
            let bid = read(&app, &scene.admin, &bid_path(bid)).await;
            if answer.status.is_success() {
                // Submitted before the deadline: the award rejected it.
                assert_eq!(bid["status"], "rejected", "round {round}");
            } else {
                answer.problem(409);
                assert_eq!(bid["status"], "draft", "round {round}");
            }
        }
    }
}

#[actix_web::test]
async fn of_concurrent_awards_one_wins_and_the_others_conflict() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let (other, other_id) = app.member(Role::Partner);
    for round in 0..ROUNDS {
        let tender = published(&app, &scene, &format!("RACE-AWARDS-{round}")).await;
        let lot = lot_id(&tender, 0);
        let first = submitted_bid(&app, &scene, &tender, &lot).await;
        let second = app
            .post(
                &format!("{}/bids", tender_path(&tender)),
                Some(&other),
                json!({"lot_id": lot, "price_minor": 90_000_000, "currency": "EUR",
                       "members": [{"partner_id": other_id, "share_bps": 10_000}]}),
            )
            .await
            .ok(201);
        bid_action(&app, &other, &second, "submit").await.ok(200);
        action(&app, &scene.buyer, &tender, "close").await.ok(200);
        let answers = join_all((0..4).map(|i| {
            let bid = if i % 2 == 0 { &first } else { &second };
            app.send(award_request(&scene.buyer, &tender, &lot, bid))
        }))
        .await;
        let won: Vec<&TestResponse> = answers.iter().filter(|a| a.status.is_success()).collect();
        assert_eq!(won.len(), 1, "round {round}: exactly one award wins");
        for lost in answers.iter().filter(|a| !a.status.is_success()) {
            let problem = lost.problem(409);
            assert_eq!(problem["current_state"], "awarded", "round {round}");
        }
        let contracts = read(
            &app,
            &scene.admin,
            &format!(
                "/api/v1/contracts?tender_id={}",
                tender["id"].as_str().expect("id")
            ),
        )
        .await;
        assert_eq!(
            contracts["items"].as_array().expect("items").len(),
            1,
            "round {round}"
        );
    }
}

#[actix_web::test]
async fn admins_demoting_each_other_always_leave_an_admin() {
    const ADMINS: usize = 6;
    for round in 0..ROUNDS {
        // A network whose only admins demote each other in a ring, all at once.
        let app = TestApp::spawn().await;
        let buyer_id = app.insert_buyer("Demotion buyer");
        let admins: Vec<(String, String)> = (0..ADMINS)
            .map(|i| {
                let email = format!("admin-{i}@example.org");
                let id = app.insert_user(&email, Role::Admin, None);
                (id, app.token_for(&email))
            })
            .collect();
        let answers = join_all((0..ADMINS).map(|i| {
            let (_, token) = &admins[i];
            let (target, _) = &admins[(i + 1) % ADMINS];
            app.send(
                TestApp::request(
                    Method::PATCH,
                    &format!("/api/v1/users/{target}"),
                    Some(token),
                )
                .set_json(json!({"role": "buyer", "buyer_id": buyer_id})),
            )
        }))
        .await;
        let demoted = answers.iter().filter(|a| a.status.is_success()).count();
        for refused in answers.iter().filter(|a| !a.status.is_success()) {
            // Refused as the last admin, or because its caller was demoted first.
            assert!(
                [401, 409].contains(&refused.status.as_u16()),
                "round {round}: {}",
                String::from_utf8_lossy(&refused.body)
            );
        }
        let mut conn = app.state.db.conn().expect("connection");
        let remaining = ose_api::db::users::count_admins(&mut conn).expect("count admins");
        // A caller demoted before its own request ran is refused (401), which can leave
        // more than one admin; never none.
        assert!(
            remaining >= 1,
            "round {round}: {demoted} demotions left no admin"
        );
        assert_eq!(remaining, (ADMINS - demoted) as i64, "round {round}");
    }
}

#[actix_web::test]
async fn unconditional_patches_all_apply_and_the_last_write_wins() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "postgresql").await;
    let names: Vec<String> = (0..6).map(|i| format!("PostgreSQL {i}")).collect();
    let answers = join_all(names.iter().map(|name| {
        app.send(
            TestApp::request(Method::PATCH, "/api/v1/skills/postgresql", Some(&admin))
                .set_json(json!({"name": name})),
        )
    }))
    .await;
    for answer in &answers {
        answer.ok(200);
        assert!(answer.header(header::ETAG.as_str()).is_some());
    }
    let skill = read(&app, &admin, "/api/v1/skills/postgresql").await;
    assert_eq!(skill["version"], 7, "six writes after the first version");
    let versions: Vec<i64> = answers
        .iter()
        .map(|a| a.json()["version"].as_i64().expect("version"))
        .collect();
    let last = answers
        .iter()
        .find(|a| a.json()["version"] == 7)
        .expect("the last write answered version 7");
    assert_eq!(skill["name"], last.json()["name"], "the last write wins");
    let mut sorted = versions.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [2, 3, 4, 5, 6, 7], "each write had its own version");
}

#[actix_web::test]
async fn a_steward_named_while_the_partner_claims_the_project_leaves_one_steward_link() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let (partner, partner_id) = app.member(Role::Partner);
    app.post(
        "/api/v1/projects",
        Some(&admin),
        json!({"slug": "opam", "name": "opam", "repository_url": "https://github.com/ocaml/opam",
               "license": "LGPL-2.1-only"}),
    )
    .await
    .ok(201);
    let link = format!("/api/v1/partners/{partner_id}/projects/opam");
    let evidence = "https://github.com/ocaml/opam/graphs/contributors";
    for round in 0..ROUNDS {
        let (named, claimed) = race(
            &app,
            TestApp::request(Method::PATCH, "/api/v1/projects/opam", Some(&admin))
                .set_json(json!({"steward_partner_id": partner_id})),
            TestApp::request(Method::PUT, &link, Some(&partner))
                .set_json(json!({"role": "maintainer", "evidence_urls": [evidence]})),
        )
        .await;
        named.ok(200);
        let stored = read(&app, &admin, &link).await;
        assert_eq!(stored["role"], "steward", "round {round}");
        assert_eq!(stored["verified"], true, "round {round}");
        if claimed.status.is_success() {
            // The claim came first: naming the steward raised it, evidence kept.
            claimed.ok(201);
            assert_eq!(stored["evidence_urls"], json!([evidence]), "round {round}");
        } else {
            // The steward came first: its link is the project's to change.
            assert_eq!(
                claimed.problem(409)["current_state"],
                "steward",
                "round {round}"
            );
            assert_eq!(
                stored["evidence_urls"],
                json!(["https://github.com/ocaml/opam"]),
                "round {round}"
            );
        }
        // No steward any more: the link goes, and the next round starts afresh.
        app.json_if_match(
            Method::PATCH,
            "/api/v1/projects/opam",
            Some(&admin),
            None,
            json!({"steward_partner_id": null}),
        )
        .await
        .ok(200);
        app.get(&link, None).await.problem(404);
    }
}

#[actix_web::test]
async fn a_project_deleted_while_an_agreement_names_it_is_either_kept_or_not_named() {
    let app = TestApp::spawn().await;
    let ledger = LedgerScene::new(&app, "RACE-ALLOCATION").await;
    let admin = ledger.scene.admin.clone();
    for round in 0..ROUNDS {
        let project = app
            .post(
                "/api/v1/projects",
                Some(&admin),
                json!({"slug": format!("race-allocation-{round}"), "name": format!("Race {round}"),
                       "repository_url": format!("https://git.example/race-{round}"),
                       "license": "MIT"}),
            )
            .await
            .ok(201);
        let project_id = project["id"].as_str().expect("project id").to_owned();
        let share = app.get(&ledger.revenue_share_path(), Some(&admin)).await;
        let etag = share.header("etag").expect("an ETag");
        let body = share_body(
            &share.ok(200),
            json!({"upstream_allocation": [{"project_id": project_id, "weight": 1}]}),
        );
        let (put, delete) = race(
            &app,
            TestApp::request(Method::PUT, &ledger.revenue_share_path(), Some(&admin))
                .insert_header((header::IF_MATCH, etag))
                .set_json(body),
            TestApp::request(
                Method::DELETE,
                &format!("/api/v1/projects/{project_id}"),
                Some(&admin),
            ),
        )
        .await;
        let named = read(&app, &admin, &ledger.revenue_share_path()).await["upstream_allocation"]
            == json!([{"project_id": project_id, "weight": 1}]);
        let kept = app
            .get(&format!("/api/v1/projects/{project_id}"), None)
            .await
            .status
            .is_success();
        if put.status.is_success() {
            // The agreement came first: the project it names stays.
            delete.problem(409);
            assert!(named && kept, "round {round}");
        } else {
            // The deletion came first: the agreement cannot name what is gone.
            put.refused_with(&["#/upstream_allocation/0/project_id"], &["not_found"]);
            assert_eq!(delete.status.as_u16(), 204, "round {round}");
            assert!(!named && !kept, "round {round}");
        }
    }
}

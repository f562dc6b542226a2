//! `/partners/{id}/skills`: claims on skills, their evidence rule, verification, who may
//! write them and their preconditions.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::partners::{create_partner, create_skill, etag_of, grant};
use ose_api::domain::access::Role;

const EVIDENCE: &str = "https://github.com/dalibo/pg_activity";

fn claim_path(partner_id: &str, skill: &str) -> String {
    format!("/api/v1/partners/{partner_id}/skills/{skill}")
}

/// Puts `body` as `token`, with `If-Match` when given.
async fn put(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
    etag: Option<&str>,
    body: Value,
) -> crate::helpers::TestResponse {
    app.json_if_match(Method::PUT, path, token, etag, body)
        .await
}

#[actix_web::test]
async fn a_partner_claims_updates_and_removes_its_skills() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "postgresql").await;
    let (partner, partner_id) = app.member(Role::Partner);
    let partner_path = format!("/api/v1/partners/{partner_id}");
    let before = etag_of(&app, &admin, &partner_path).await;
    let path = claim_path(&partner_id, "postgresql");

    let response = put(
        &app,
        Some(&partner),
        &path,
        None,
        json!({"level": "expert", "certified_experts": 4}),
    )
    .await;
    let created = response.ok(201);
    assert_eq!(response.header("location"), Some(path.clone()));
    let etag = response.header("etag").unwrap();
    assert_eq!(created["partner_id"], partner_id);
    assert_eq!(created["skill"], "postgresql");
    assert_eq!(created["skill_name"], "postgresql");
    assert_eq!(created["level"], "expert");
    assert_eq!(created["certified_experts"], 4);
    assert_eq!(created["evidence_urls"], json!([]));
    assert_eq!(created["verified"], false);
    assert_eq!(created["version"], 1);

    // Anyone reads it, by slug or by skill id, alone, in the list and in the partner.
    let by_slug = app.get(&path, None).await;
    assert_eq!(by_slug.header("etag"), Some(etag.clone()));
    assert_eq!(by_slug.ok(200), created);
    let by_id = claim_path(&partner_id, created["skill_id"].as_str().unwrap());
    assert_eq!(app.get(&by_id, None).await.ok(200), created);
    let list = app
        .get(&format!("{partner_path}/skills"), None)
        .await
        .ok(200);
    assert_eq!(list["items"], json!([created]));
    let profile = app.get(&partner_path, None).await.ok(200);
    assert_eq!(profile["skills"], json!([created]));
    // Its skills are part of the partner: the partner's ETag moved.
    assert_ne!(etag_of(&app, &admin, &partner_path).await, before);

    // PUT replaces the whole claim.
    let replaced = put(
        &app,
        Some(&partner),
        &path,
        Some(&etag),
        json!({"level": "contributor", "evidence_urls": [EVIDENCE]}),
    )
    .await
    .ok(200);
    assert_eq!(replaced["level"], "contributor");
    assert_eq!(replaced["certified_experts"], 0);
    assert_eq!(replaced["evidence_urls"], json!([EVIDENCE]));
    assert_eq!(replaced["version"], 2);

    let etag = app.get(&path, None).await.header("etag").unwrap();
    app.delete_if_match(&path, Some(&partner), Some(&etag))
        .await
        .ok(204);
    app.get(&path, None).await.problem(404);
    let profile = app.get(&partner_path, None).await.ok(200);
    assert_eq!(profile["skills"], json!([]));
}

#[actix_web::test]
async fn upstream_levels_need_evidence() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "ocaml").await;
    let (partner, partner_id) = app.member(Role::Partner);
    let path = claim_path(&partner_id, "ocaml");
    for level in ["contributor", "maintainer"] {
        let codes = put(&app, Some(&partner), &path, None, json!({"level": level}))
            .await
            .invalid_fields(&["#/evidence_urls"]);
        assert_eq!(codes, ["required"], "{level}");
        let codes = put(
            &app,
            Some(&partner),
            &path,
            None,
            json!({"level": level, "evidence_urls": []}),
        )
        .await
        .invalid_fields(&["#/evidence_urls"]);
        assert_eq!(codes, ["required"], "{level}");
    }
    app.get(&path, None).await.problem(404);
    for level in ["practitioner", "expert"] {
        let response = put(&app, Some(&partner), &path, None, json!({"level": level})).await;
        response.ok(201);
        let etag = response.header("etag").unwrap();
        app.delete_if_match(&path, Some(&partner), Some(&etag))
            .await
            .ok(204);
    }
}

#[actix_web::test]
async fn evidence_urls_are_checked_one_by_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "ocaml").await;
    let (partner, partner_id) = app.member(Role::Partner);
    let path = claim_path(&partner_id, "ocaml");
    let codes = put(
        &app,
        Some(&partner),
        &path,
        None,
        json!({"level": "maintainer",
               "evidence_urls": [EVIDENCE, "not a url", "file:///etc/passwd"]}),
    )
    .await
    .invalid_fields(&["#/evidence_urls/1", "#/evidence_urls/2"]);
    assert_eq!(codes, ["url", "url"]);
    let too_many: Vec<String> = (0..21)
        .map(|n| format!("https://git.example/commit/{n}"))
        .collect();
    let codes = put(
        &app,
        Some(&partner),
        &path,
        None,
        json!({"level": "maintainer", "evidence_urls": too_many}),
    )
    .await
    .invalid_fields(&["#/evidence_urls"]);
    assert_eq!(codes, ["length"]);
    app.get(&path, None).await.problem(404);
}

#[actix_web::test]
async fn a_level_is_one_of_four_and_experts_are_counted_from_zero() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "qgis").await;
    let (partner, partner_id) = app.member(Role::Partner);
    let path = claim_path(&partner_id, "qgis");
    let codes = put(&app, Some(&partner), &path, None, json!({"level": "guru"}))
        .await
        .invalid_fields(&["#/level"]);
    assert_eq!(codes, ["enum"]);
    let codes = put(
        &app,
        Some(&partner),
        &path,
        None,
        json!({"level": "expert", "certified_experts": -1}),
    )
    .await
    .invalid_fields(&["#/certified_experts"]);
    assert_eq!(codes, ["range"]);
    put(
        &app,
        Some(&partner),
        &path,
        None,
        json!({"level": "expert", "verified": true}),
    )
    .await
    .problem(400);
    app.get(&path, None).await.problem(404);
    // An unknown skill is a 404 of the path, not a body error.
    put(
        &app,
        Some(&partner),
        &claim_path(&partner_id, "cobol"),
        None,
        json!({"level": "expert"}),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn only_the_partner_itself_and_admins_write_its_skills() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "qgis").await;
    let (owner, owner_id) = app.member(Role::Partner);
    let (other, _) = app.member(Role::Partner);
    let (buyer, _) = app.member(Role::Buyer);
    let pending = app.insert_partner("Pending", "pending");
    let path = claim_path(&owner_id, "qgis");
    let claim = json!({"level": "expert"});

    put(&app, None, &path, None, claim.clone())
        .await
        .problem(401);
    for token in [&other, &buyer] {
        put(&app, Some(token), &path, None, claim.clone())
            .await
            .problem(403);
        // Another organisation's private partner does not exist for them.
        put(
            &app,
            Some(token),
            &claim_path(&pending, "qgis"),
            None,
            claim.clone(),
        )
        .await
        .problem(404);
    }
    app.get(&path, None).await.problem(404);
    let response = put(&app, Some(&admin), &path, None, claim.clone()).await;
    response.ok(201);
    let etag = response.header("etag").unwrap();
    for token in [&other, &buyer] {
        put(&app, Some(token), &path, Some(&etag), claim.clone())
            .await
            .problem(403);
        app.delete_if_match(&path, Some(token), Some(&etag))
            .await
            .problem(403);
    }
    app.delete_if_match(&path, None, Some(&etag))
        .await
        .problem(401);
    put(
        &app,
        Some(&owner),
        &path,
        Some(&etag),
        json!({"level": "practitioner"}),
    )
    .await
    .ok(200);
    let pending_claim = put(
        &app,
        Some(&admin),
        &claim_path(&pending, "qgis"),
        None,
        claim,
    )
    .await
    .ok(201);
    assert_eq!(pending_claim["partner_id"], pending);
}

#[actix_web::test]
async fn admins_verify_claims_and_a_new_level_clears_the_verification() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let admin_id = app.get("/api/v1/me", Some(&admin)).await.ok(200)["id"].clone();
    create_skill(&app, &admin, "postgresql").await;
    let (partner, partner_id) = app.member(Role::Partner);
    let (buyer, _) = app.member(Role::Buyer);
    let path = claim_path(&partner_id, "postgresql");
    let verify = format!("{path}/verify");
    let response = put(
        &app,
        Some(&partner),
        &path,
        None,
        json!({"level": "contributor", "evidence_urls": [EVIDENCE]}),
    )
    .await;
    let first_etag = response.header("etag").unwrap();

    for (token, status) in [(None, 401), (Some(&partner), 403), (Some(&buyer), 403)] {
        app.post(&verify, token.map(String::as_str), json!({}))
            .await
            .problem(status);
    }
    app.post(
        &format!("{}/verify", claim_path(&partner_id, "cobol")),
        Some(&admin),
        json!({}),
    )
    .await
    .problem(404);
    let verified = app.post(&verify, Some(&admin), json!({})).await.ok(200);
    assert_eq!(verified["verified"], true);
    assert_eq!(verified["verified_by"], admin_id);
    assert!(verified["verified_at"].is_string());
    assert_eq!(verified["version"], 2);
    // The claim moved on: the ETag read before verification is stale.
    put(
        &app,
        Some(&partner),
        &path,
        Some(&first_etag),
        json!({"level": "maintainer", "evidence_urls": [EVIDENCE]}),
    )
    .await
    .problem(412);
    let etag = app.get(&path, None).await.header("etag").unwrap();

    // Same level, new evidence: still verified.
    let same_level = put(
        &app,
        Some(&partner),
        &path,
        Some(&etag),
        json!({"level": "contributor", "evidence_urls": [EVIDENCE, "https://git.example/x"],
               "certified_experts": 3}),
    )
    .await;
    let etag = same_level.header("etag").unwrap();
    assert_eq!(same_level.ok(200)["verified"], true);
    // A new level is a new claim to check.
    let new_level = put(
        &app,
        Some(&partner),
        &path,
        Some(&etag),
        json!({"level": "maintainer", "evidence_urls": [EVIDENCE]}),
    )
    .await
    .ok(200);
    assert_eq!(new_level["verified"], false);
    assert_eq!(new_level["verified_at"], Value::Null);
    assert_eq!(new_level["verified_by"], Value::Null);
}

#[actix_web::test]
async fn claim_writes_honour_and_require_if_match() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "qgis").await;
    let (partner, partner_id) = app.member(Role::Partner);
    let path = claim_path(&partner_id, "qgis");
    // Creating: there is no version to match yet.
    put(
        &app,
        Some(&partner),
        &path,
        Some("\"anything.1\""),
        json!({"level": "expert"}),
    )
    .await
    .problem(412);
    let response = put(
        &app,
        Some(&partner),
        &path,
        None,
        json!({"level": "expert"}),
    )
    .await;
    response.ok(201);
    let first = response.header("etag").unwrap();
    // Replacing and removing: required.
    put(
        &app,
        Some(&partner),
        &path,
        None,
        json!({"level": "practitioner"}),
    )
    .await
    .problem(428);
    app.delete_if_match(&path, Some(&partner), None)
        .await
        .problem(428);
    put(
        &app,
        Some(&partner),
        &path,
        Some(&first),
        json!({"level": "practitioner"}),
    )
    .await
    .ok(200);
    put(
        &app,
        Some(&partner),
        &path,
        Some(&first),
        json!({"level": "expert"}),
    )
    .await
    .problem(412);
    app.delete_if_match(&path, Some(&partner), Some(&first))
        .await
        .problem(412);
    app.post(&format!("{path}/verify"), Some(&admin), json!({}))
        .await
        .ok(200);
    let read = app.get(&path, None).await.ok(200);
    assert_eq!(read["level"], "practitioner");
}

#[actix_web::test]
async fn a_skill_held_by_a_partner_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "openldap").await;
    let (_, partner_id) = app.member(Role::Partner);
    grant(&app, &admin, &partner_id, "openldap", "maintainer").await;
    let problem = app
        .delete("/api/v1/skills/openldap", Some(&admin))
        .await
        .problem(409);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("held by 1 partner"),
        "{problem}"
    );
    let etag = app
        .get(&claim_path(&partner_id, "openldap"), None)
        .await
        .header("etag")
        .unwrap();
    app.delete_if_match(
        &claim_path(&partner_id, "openldap"),
        Some(&admin),
        Some(&etag),
    )
    .await
    .ok(204);
    app.delete("/api/v1/skills/openldap", Some(&admin))
        .await
        .ok(204);
}

#[actix_web::test]
async fn skill_lists_page_in_slug_order() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let partner = create_partner(&app, &admin, "Eviden", json!({})).await;
    let partner_id = partner["id"].as_str().unwrap();
    for slug in ["linux", "ansible", "kubernetes"] {
        create_skill(&app, &admin, slug).await;
        grant(&app, &admin, partner_id, slug, "expert").await;
    }
    let path = format!("/api/v1/partners/{partner_id}/skills");
    let first = app.get(&format!("{path}?limit=2"), None).await.ok(200);
    let slugs = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["skill"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(slugs(&first), ["ansible", "kubernetes"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("{path}?limit=2&cursor={cursor}"), None)
        .await
        .ok(200);
    assert_eq!(slugs(&second), ["linux"]);
    assert_eq!(second["next_cursor"], Value::Null);
    app.get("/api/v1/partners/unknown/skills", None)
        .await
        .problem(404);
}

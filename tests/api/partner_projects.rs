//! `/partners/{id}/projects`: a partner's claims on upstream projects (lifecycle under
//! ETags and preconditions, verification, validation, access) and the steward links
//! mirrored from each project's `steward_partner_id`.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse};
use ose_api::domain::access::Role;

const EVIDENCE: &str = "https://github.com/dalibo/pg_activity/graphs/contributors";
const MORE_EVIDENCE: &str = "https://github.com/dalibo/pg_activity/releases";

fn link_path(partner_id: &str, project: &str) -> String {
    format!("/api/v1/partners/{partner_id}/projects/{project}")
}

/// A claim body with this role and evidence.
fn claim(role: &str, evidence_urls: &[&str]) -> Value {
    json!({"role": role, "evidence_urls": evidence_urls})
}

/// Creates the project `slug` as admin (repository `https://git.example/{slug}`),
/// stewarded by `steward` when given; returns it.
async fn create_project(app: &TestApp, admin: &str, slug: &str, steward: Option<&str>) -> Value {
    let mut body = json!({"slug": slug, "name": format!("Project {slug}"),
                          "repository_url": format!("https://git.example/{slug}"),
                          "license": "MIT"});
    if let Some(steward) = steward {
        body["steward_partner_id"] = json!(steward);
    }
    app.post("/api/v1/projects", Some(admin), body)
        .await
        .ok(201)
}

/// Puts `body` on `path` as `token`, with `If-Match` when given.
async fn put(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
    etag: Option<&str>,
    body: Value,
) -> TestResponse {
    app.json_if_match(Method::PUT, path, token, etag, body)
        .await
}

/// The link's current ETag, read as `token`.
async fn etag_of(app: &TestApp, token: &str, path: &str) -> String {
    app.get(path, Some(token))
        .await
        .header("etag")
        .expect("ETag header")
}

/// The id of the user behind `token`.
async fn user_id(app: &TestApp, token: &str) -> Value {
    app.get("/api/v1/me", Some(token)).await.ok(200)["id"].clone()
}

/// The project slugs of a page of links.
fn slugs(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|link| link["project"].as_str().expect("project").to_owned())
        .collect()
}

#[actix_web::test]
async fn a_partner_claims_replaces_and_removes_a_project_link() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let project = create_project(&app, &admin, "pg-activity", None).await;
    let (partner, partner_id) = app.member(Role::Partner);
    let path = link_path(&partner_id, "pg-activity");

    // Creating: there is no version to match, so any If-Match fails.
    for etag in ["*", "\"anything.1\""] {
        put(
            &app,
            Some(&partner),
            &path,
            Some(etag),
            claim("contributor", &[EVIDENCE]),
        )
        .await
        .problem(412);
    }
    app.get(&path, None).await.problem(404);

    let response = put(
        &app,
        Some(&partner),
        &path,
        None,
        claim("contributor", &[EVIDENCE]),
    )
    .await;
    let created = response.ok(201);
    assert_eq!(response.header("location"), Some(path.clone()));
    let first_etag = response.header("etag").expect("ETag");
    assert_eq!(created["partner_id"], partner_id);
    assert_eq!(created["project"], "pg-activity");
    assert_eq!(created["project_id"], project["id"]);
    assert_eq!(created["project_name"], "Project pg-activity");
    assert_eq!(created["role"], "contributor");
    assert_eq!(created["evidence_urls"], json!([EVIDENCE]));
    assert_eq!(created["verified"], false);
    assert_eq!(created["verified_at"], Value::Null);
    assert_eq!(created["verified_by"], Value::Null);
    assert_eq!(created["version"], 1);
    assert_eq!(created["created_at"], created["updated_at"]);

    // Anyone reads it, by slug or by project id, with the same ETag.
    let by_slug = app.get(&path, None).await;
    assert_eq!(by_slug.header("etag"), Some(first_etag.clone()));
    assert_eq!(by_slug.ok(200), created);
    let by_id = app
        .get(
            &link_path(&partner_id, project["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(by_id.header("etag"), Some(first_etag.clone()));
    assert_eq!(by_id.ok(200), created);

    // Replacing needs the current ETag.
    put(
        &app,
        Some(&partner),
        &path,
        None,
        claim("maintainer", &[EVIDENCE]),
    )
    .await
    .problem(428);
    let response = put(
        &app,
        Some(&partner),
        &path,
        Some(&first_etag),
        claim("maintainer", &[EVIDENCE, MORE_EVIDENCE]),
    )
    .await;
    let replaced = response.ok(200);
    let second_etag = response.header("etag").expect("ETag");
    assert_ne!(second_etag, first_etag);
    assert_eq!(replaced["role"], "maintainer");
    assert_eq!(replaced["evidence_urls"], json!([EVIDENCE, MORE_EVIDENCE]));
    assert_eq!(replaced["version"], 2);
    assert_eq!(replaced["created_at"], created["created_at"]);
    put(
        &app,
        Some(&partner),
        &path,
        Some(&first_etag),
        claim("contributor", &[EVIDENCE]),
    )
    .await
    .problem(412);
    assert_eq!(app.get(&path, None).await.ok(200), replaced);

    // Removing needs the current ETag too.
    app.delete_if_match(&path, Some(&partner), None)
        .await
        .problem(428);
    app.delete_if_match(&path, Some(&partner), Some(&first_etag))
        .await
        .problem(412);
    assert_eq!(app.get(&path, None).await.ok(200), replaced);
    app.delete_if_match(&path, Some(&partner), Some(&second_etag))
        .await
        .ok(204);
    app.get(&path, None).await.problem(404);
    let list = app
        .get(&format!("/api/v1/partners/{partner_id}/projects"), None)
        .await
        .ok(200);
    assert_eq!(list, json!({"items": [], "next_cursor": null}));
    app.delete_if_match(&path, Some(&partner), Some(&second_etag))
        .await
        .problem(404);
}

#[actix_web::test]
async fn links_are_listed_in_project_slug_order_a_page_at_a_time() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let (partner, partner_id) = app.member(Role::Partner);
    create_project(&app, &admin, "zeta", None).await;
    create_project(&app, &admin, "alpha", None).await;
    // The partner stewards `mid`: that link is listed with the claims.
    create_project(&app, &admin, "mid", Some(&partner_id)).await;
    create_project(&app, &admin, "unclaimed", None).await;
    for slug in ["zeta", "alpha"] {
        put(
            &app,
            Some(&partner),
            &link_path(&partner_id, slug),
            None,
            claim("contributor", &[EVIDENCE]),
        )
        .await
        .ok(201);
    }
    let list_path = format!("/api/v1/partners/{partner_id}/projects");
    let all = app.get(&list_path, None).await.ok(200);
    assert_eq!(slugs(&all), ["alpha", "mid", "zeta"]);
    assert_eq!(all["next_cursor"], Value::Null);
    let roles: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|link| &link["role"])
        .collect();
    assert_eq!(roles, ["contributor", "steward", "contributor"]);
    for link in all["items"].as_array().unwrap() {
        let one = link_path(&partner_id, link["project"].as_str().unwrap());
        assert_eq!(&app.get(&one, None).await.ok(200), link);
    }

    let first = app.get(&format!("{list_path}?limit=2"), None).await.ok(200);
    assert_eq!(slugs(&first), ["alpha", "mid"]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = app
        .get(&format!("{list_path}?limit=2&cursor={cursor}"), None)
        .await
        .ok(200);
    assert_eq!(slugs(&second), ["zeta"]);
    assert_eq!(second["next_cursor"], Value::Null);

    app.get("/api/v1/partners/no-such-partner/projects", None)
        .await
        .problem(404);
    app.get(&link_path(&partner_id, "unclaimed"), None)
        .await
        .problem(404);
    app.get(&link_path(&partner_id, "no-such-project"), None)
        .await
        .problem(404);
}

#[actix_web::test]
async fn only_admins_set_verified_and_a_partners_change_clears_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let admin_id = user_id(&app, &admin).await;
    create_project(&app, &admin, "patroni", None).await;
    create_project(&app, &admin, "pgbouncer", None).await;
    let (partner, partner_id) = app.member(Role::Partner);
    let path = link_path(&partner_id, "patroni");

    // A partner may not send `verified`, whatever its value: nothing is created.
    for verified in [true, false] {
        let mut body = claim("contributor", &[EVIDENCE]);
        body["verified"] = json!(verified);
        let codes = put(&app, Some(&partner), &path, None, body)
            .await
            .invalid_fields(&["#/verified"]);
        assert_eq!(codes, ["not_allowed"], "verified: {verified}");
    }
    app.get(&path, None).await.problem(404);

    let response = put(
        &app,
        Some(&partner),
        &path,
        None,
        claim("contributor", &[EVIDENCE]),
    )
    .await;
    assert_eq!(response.ok(201)["verified"], false);
    let etag = response.header("etag").unwrap();

    // An admin verifies it.
    let mut verify = claim("contributor", &[EVIDENCE]);
    verify["verified"] = json!(true);
    let response = put(&app, Some(&admin), &path, Some(&etag), verify.clone()).await;
    let verified = response.ok(200);
    let etag = response.header("etag").unwrap();
    assert_eq!(verified["verified"], true);
    assert_eq!(verified["verified_by"], admin_id);
    assert!(verified["verified_at"].is_string(), "{verified}");
    assert_eq!(verified["version"], 2);

    // The partner still may not send it on a replacement.
    let mut unverify = claim("contributor", &[EVIDENCE]);
    unverify["verified"] = json!(false);
    let codes = put(&app, Some(&partner), &path, Some(&etag), unverify)
        .await
        .invalid_fields(&["#/verified"]);
    assert_eq!(codes, ["not_allowed"]);

    // The same role and evidence: still verified, by the same admin at the same time.
    let response = put(
        &app,
        Some(&partner),
        &path,
        Some(&etag),
        claim("contributor", &[EVIDENCE]),
    )
    .await;
    let same = response.ok(200);
    let etag = response.header("etag").unwrap();
    assert_eq!(same["verified"], true);
    assert_eq!(same["verified_by"], admin_id);
    assert_eq!(same["verified_at"], verified["verified_at"]);

    // New evidence is a new claim to check.
    let response = put(
        &app,
        Some(&partner),
        &path,
        Some(&etag),
        claim("contributor", &[EVIDENCE, MORE_EVIDENCE]),
    )
    .await;
    let changed = response.ok(200);
    let etag = response.header("etag").unwrap();
    assert_eq!(changed["verified"], false);
    assert_eq!(changed["verified_at"], Value::Null);
    assert_eq!(changed["verified_by"], Value::Null);

    // So is a new role.
    let response = put(&app, Some(&admin), &path, Some(&etag), verify).await;
    assert_eq!(response.ok(200)["verified"], true);
    let etag = response.header("etag").unwrap();
    let promoted = put(
        &app,
        Some(&partner),
        &path,
        Some(&etag),
        claim("maintainer", &[EVIDENCE]),
    )
    .await
    .ok(200);
    assert_eq!(promoted["role"], "maintainer");
    assert_eq!(promoted["verified"], false);
    assert_eq!(promoted["verified_by"], Value::Null);

    // An admin may create a claim verified at once.
    let mut body = claim("maintainer", &[EVIDENCE]);
    body["verified"] = json!(true);
    let created = put(
        &app,
        Some(&admin),
        &link_path(&partner_id, "pgbouncer"),
        None,
        body,
    )
    .await
    .ok(201);
    assert_eq!(created["verified"], true);
    assert_eq!(created["verified_by"], admin_id);
    assert!(created["verified_at"].is_string());
}

#[actix_web::test]
async fn a_projects_steward_is_mirrored_and_moves_with_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let admin_id = user_id(&app, &admin).await;
    let oslandia = app.insert_partner("Oslandia", "active");
    let dalibo = app.insert_partner("Dalibo", "active");
    let project = create_project(&app, &admin, "qgis-server", Some(&oslandia)).await;
    let project_path = format!("/api/v1/projects/{}", project["id"].as_str().unwrap());
    let oslandia_link = link_path(&oslandia, "qgis-server");
    let dalibo_link = link_path(&dalibo, "qgis-server");

    // Naming a steward on creation makes its verified steward link.
    let steward = app.get(&oslandia_link, None).await.ok(200);
    assert_eq!(steward["partner_id"], oslandia);
    assert_eq!(steward["project_id"], project["id"]);
    assert_eq!(steward["project_name"], "Project qgis-server");
    assert_eq!(steward["role"], "steward");
    assert_eq!(
        steward["evidence_urls"],
        json!(["https://git.example/qgis-server"])
    );
    assert_eq!(steward["verified"], true);
    assert_eq!(steward["verified_by"], admin_id);
    assert!(steward["verified_at"].is_string());

    // Another partner's claim is raised to steward, keeping its evidence, when the
    // project names it; the former steward's link goes.
    put(
        &app,
        Some(&admin),
        &dalibo_link,
        None,
        claim("maintainer", &[EVIDENCE]),
    )
    .await
    .ok(201);
    app.patch(
        &project_path,
        Some(&admin),
        json!({"steward_partner_id": dalibo}),
    )
    .await
    .ok(200);
    app.get(&oslandia_link, None).await.problem(404);
    let oslandia_links = app
        .get(&format!("/api/v1/partners/{oslandia}/projects"), None)
        .await
        .ok(200);
    assert_eq!(oslandia_links["items"], json!([]));
    let raised = app.get(&dalibo_link, None).await.ok(200);
    assert_eq!(raised["role"], "steward");
    assert_eq!(raised["evidence_urls"], json!([EVIDENCE]));
    assert_eq!(raised["verified"], true);
    assert_eq!(raised["verified_by"], admin_id);

    // No steward: no steward link.
    app.patch(
        &project_path,
        Some(&admin),
        json!({"steward_partner_id": null}),
    )
    .await
    .ok(200);
    app.get(&dalibo_link, None).await.problem(404);
    app.get(&oslandia_link, None).await.problem(404);

    // A steward named by a patch gets its link from the repository.
    app.patch(
        &project_path,
        Some(&admin),
        json!({"steward_partner_id": oslandia}),
    )
    .await
    .ok(200);
    let renamed = app.get(&oslandia_link, None).await.ok(200);
    assert_eq!(renamed["role"], "steward");
    assert_eq!(
        renamed["evidence_urls"],
        json!(["https://git.example/qgis-server"])
    );
    assert_eq!(renamed["verified"], true);
}

#[actix_web::test]
async fn a_steward_link_is_neither_replaced_nor_deleted_through_the_partner() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let (partner, partner_id) = app.member(Role::Partner);
    create_project(&app, &admin, "lizmap", Some(&partner_id)).await;
    let path = link_path(&partner_id, "lizmap");
    let steward = app.get(&path, None).await.ok(200);
    let etag = etag_of(&app, &admin, &path).await;
    for token in [&partner, &admin] {
        put(
            &app,
            Some(token),
            &path,
            Some(&etag),
            claim("maintainer", &[EVIDENCE]),
        )
        .await
        .problem(409);
        app.delete_if_match(&path, Some(token), Some(&etag))
            .await
            .problem(409);
    }
    assert_eq!(app.get(&path, None).await.ok(200), steward);
    assert_eq!(etag_of(&app, &admin, &path).await, etag);
}

#[actix_web::test]
async fn claims_are_validated_field_by_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_project(&app, &admin, "postgis", None).await;
    let (partner, partner_id) = app.member(Role::Partner);
    let path = link_path(&partner_id, "postgis");
    let too_many: Vec<String> = (0..21)
        .map(|n| format!("https://git.example/commit/{n}"))
        .collect();
    for (body, pointers, codes) in [
        (claim("steward", &[EVIDENCE]), vec!["#/role"], vec!["enum"]),
        (claim("owner", &[EVIDENCE]), vec!["#/role"], vec!["enum"]),
        (
            claim("contributor", &[]),
            vec!["#/evidence_urls"],
            vec!["length"],
        ),
        (
            json!({"role": "contributor", "evidence_urls": too_many}),
            vec!["#/evidence_urls"],
            vec!["length"],
        ),
        (
            claim("contributor", &["ftp://mirror.example/postgis"]),
            vec!["#/evidence_urls/0"],
            vec!["url"],
        ),
        (
            claim("maintainer", &[EVIDENCE, "not a url", "/relative/path"]),
            vec!["#/evidence_urls/1", "#/evidence_urls/2"],
            vec!["url", "url"],
        ),
    ] {
        let found = put(&app, Some(&partner), &path, None, body.clone())
            .await
            .invalid_fields(&pointers);
        assert_eq!(found, codes, "{body}");
    }
    // An admin's claims are held to the same rules.
    let codes = put(
        &app,
        Some(&admin),
        &path,
        None,
        claim("steward", &[EVIDENCE]),
    )
    .await
    .invalid_fields(&["#/role"]);
    assert_eq!(codes, ["enum"]);
    app.get(&path, None).await.problem(404);
}

#[actix_web::test]
async fn writes_need_the_partner_itself_or_an_admin() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_project(&app, &admin, "qgis", None).await;
    let (owner, owner_id) = app.member(Role::Partner);
    let (other, _) = app.member(Role::Partner);
    let (buyer, _) = app.member(Role::Buyer);
    let path = link_path(&owner_id, "qgis");
    let body = claim("contributor", &[EVIDENCE]);

    put(&app, None, &path, None, body.clone())
        .await
        .problem(401);
    for token in [&other, &buyer] {
        put(&app, Some(token), &path, None, body.clone())
            .await
            .problem(403);
    }
    put(
        &app,
        Some(&owner),
        &link_path(&owner_id, "no-such-project"),
        None,
        body.clone(),
    )
    .await
    .problem(404);
    put(
        &app,
        Some(&admin),
        &link_path("no-such-partner", "qgis"),
        None,
        body.clone(),
    )
    .await
    .problem(404);
    app.get(&path, None).await.problem(404);

    // An admin writes any partner's claim; others still may not touch it.
    let response = put(&app, Some(&admin), &path, None, body.clone()).await;
    let created = response.ok(201);
    let etag = response.header("etag").unwrap();
    assert_eq!(created["partner_id"], owner_id);
    app.delete_if_match(&path, None, Some(&etag))
        .await
        .problem(401);
    for token in [&other, &buyer] {
        put(&app, Some(token), &path, Some(&etag), body.clone())
            .await
            .problem(403);
        app.delete_if_match(&path, Some(token), Some(&etag))
            .await
            .problem(403);
    }
    assert_eq!(app.get(&path, None).await.ok(200), created);
    app.delete_if_match(&path, Some(&owner), Some(&etag))
        .await
        .ok(204);
    app.get(&path, None).await.problem(404);
}

#[actix_web::test]
async fn an_inactive_partners_projects_are_seen_by_admins_and_itself_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_project(&app, &admin, "mapserver", None).await;
    let pending = app.insert_partner("Pending", "pending");
    let pending_user = app.user_for(Role::Partner, &pending);
    let (other, _) = app.member(Role::Partner);
    let (buyer, _) = app.member(Role::Buyer);
    let path = link_path(&pending, "mapserver");
    let list = format!("/api/v1/partners/{pending}/projects");
    let created = put(
        &app,
        Some(&admin),
        &path,
        None,
        claim("contributor", &[EVIDENCE]),
    )
    .await
    .ok(201);

    for token in [None, Some(other.as_str()), Some(buyer.as_str())] {
        app.get(&list, token).await.problem(404);
        app.get(&path, token).await.problem(404);
    }
    for token in [&admin, &pending_user] {
        let page = app.get(&list, Some(token)).await.ok(200);
        assert_eq!(page["items"], json!([created]));
        assert_eq!(app.get(&path, Some(token)).await.ok(200), created);
    }
}

//! `/buyers`: admin management, SIRET rules, validation, access, preconditions, pagination.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, fresh_siret};
use ose_api::domain::access::Role;

/// A La Poste establishment: it fails Luhn but its digit sum is a multiple of 5.
const LA_POSTE_SIRET: &str = "35600000049837";

/// A valid creation body with a fresh SIRET.
fn new_buyer(name: &str) -> Value {
    json!({"name": name, "siret": fresh_siret(), "kind": "public_body",
           "contact_email": "achats@buyer.example"})
}

/// `new_buyer` with `field` replaced by `value`.
fn new_buyer_with(field: &str, value: Value) -> Value {
    let mut body = new_buyer("Ville de Lyon");
    body[field] = value;
    body
}

async fn create(app: &TestApp, admin: &str, body: Value) -> Value {
    app.post("/api/v1/buyers", Some(admin), body).await.ok(201)
}

fn path(buyer: &Value) -> String {
    format!("/api/v1/buyers/{}", buyer["id"].as_str().unwrap())
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The names on the first page of `GET /buyers?{query}`.
async fn listed(app: &TestApp, admin: &str, query: &str) -> Vec<String> {
    let page = app
        .get(&format!("/api/v1/buyers?{query}"), Some(admin))
        .await;
    names(&page.ok(200))
}

async fn all_names(app: &TestApp, admin: &str) -> Vec<String> {
    listed(app, admin, "").await
}

/// Posts `body`, expects one invalid field at `pointer` with `code`, and checks that
/// nothing was stored.
async fn assert_refused(app: &TestApp, admin: &str, body: Value, pointer: &str, code: &str) {
    let before = all_names(app, admin).await;
    let codes = app
        .post("/api/v1/buyers", Some(admin), body)
        .await
        .invalid_fields(&[pointer]);
    assert_eq!(codes, [code]);
    assert_eq!(all_names(app, admin).await, before, "a 422 stores nothing");
}

#[actix_web::test]
async fn admins_create_buyers_with_location_and_etag() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let body = json!({"name": "  Ministère de la Démo  ", "siret": "73282932000074",
                      "kind": "public_body", "contact_email": "achats@ministere.example"});
    let response = app.post("/api/v1/buyers", Some(&admin), body).await;
    let created = response.ok(201);
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        response.header("location").unwrap(),
        format!("/api/v1/buyers/{id}")
    );
    assert_eq!(
        response.header("etag").unwrap(),
        format!("\"{id}.1\""),
        "the ETag names the id and the version"
    );
    assert_eq!(created["name"], "Ministère de la Démo", "names are trimmed");
    assert_eq!(created["siret"], "73282932000074");
    assert_eq!(created["kind"], "public_body");
    assert_eq!(created["contact_email"], "achats@ministere.example");
    assert_eq!(created["version"], 1);
    assert!(created["created_at"].is_string());
    assert_eq!(created["created_at"], created["updated_at"]);
}

#[actix_web::test]
async fn admins_read_a_buyer_with_the_same_etag() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let response = app
        .post("/api/v1/buyers", Some(&admin), new_buyer("Région Bretagne"))
        .await;
    let created = response.ok(201);
    let fetched = app.get(&path(&created), Some(&admin)).await;
    assert_eq!(fetched.ok(200), created);
    assert_eq!(fetched.header("etag"), response.header("etag"));
    app.get(
        &format!("/api/v1/buyers/{}", ose_api::db::new_id()),
        Some(&admin),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn admins_list_buyers_oldest_first() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    assert_eq!(all_names(&app, &admin).await, Vec::<String>::new());
    let mut created = Vec::new();
    for name in ["Zénith SA", "Ville de Lyon", "Acme"] {
        created.push(create(&app, &admin, new_buyer(name)).await);
    }
    let page = app.get("/api/v1/buyers", Some(&admin)).await;
    assert_eq!(page.header("link"), None, "one page only");
    let page = page.ok(200);
    assert_eq!(names(&page), ["Zénith SA", "Ville de Lyon", "Acme"]);
    assert_eq!(page["items"], json!(created), "items are whole buyers");
    assert_eq!(page["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn lists_filter_by_name_substring_and_kind() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create(&app, &admin, new_buyer("Ville de Lyon")).await;
    create(&app, &admin, new_buyer("Métropole de Lyon")).await;
    create(
        &app,
        &admin,
        json!({"name": "Lyonnaise des Logiciels", "siret": fresh_siret(),
               "kind": "private_company", "contact_email": "it@lyonnaise.example"}),
    )
    .await;
    create(&app, &admin, new_buyer("Région Bretagne 100%")).await;

    let get = |query| listed(&app, &admin, query);
    assert_eq!(
        get("q=LYON").await,
        [
            "Ville de Lyon",
            "Métropole de Lyon",
            "Lyonnaise des Logiciels"
        ]
    );
    assert_eq!(
        get("q=de%20lyon").await,
        ["Ville de Lyon", "Métropole de Lyon"]
    );
    assert_eq!(
        get("kind=private_company").await,
        ["Lyonnaise des Logiciels"]
    );
    assert_eq!(
        get("kind=public_body&q=lyon").await,
        ["Ville de Lyon", "Métropole de Lyon"]
    );
    // LIKE wildcards are literal; a blank q does not filter.
    assert_eq!(get("q=100%25").await, ["Région Bretagne 100%"]);
    assert_eq!(get("q=_").await, Vec::<String>::new());
    assert_eq!(get("q=%20%20").await.len(), 4);
    app.get("/api/v1/buyers?kind=municipality", Some(&admin))
        .await
        .problem(400);
}

#[actix_web::test]
async fn name_search_ignores_the_case_of_accented_letters() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create(
        &app,
        &admin,
        new_buyer("Établissement public du Grand Évry"),
    )
    .await;
    create(&app, &admin, new_buyer("Ville de Lyon")).await;
    let found = ["Établissement public du Grand Évry"];
    assert_eq!(listed(&app, &admin, "q=%C3%89VRY").await, found);
    assert_eq!(listed(&app, &admin, "q=%C3%A9tablissement").await, found);
}

#[actix_web::test]
async fn admins_patch_buyers_and_the_version_moves_on() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = create(&app, &admin, new_buyer("Ville de Lyon")).await;
    let response = app
        .patch(
            &path(&created),
            Some(&admin),
            json!({"name": " Métropole de Lyon ", "kind": "private_company",
                   "contact_email": "dsi@lyon.example"}),
        )
        .await;
    let updated = response.ok(200);
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["name"], "Métropole de Lyon");
    assert_eq!(updated["kind"], "private_company");
    assert_eq!(updated["contact_email"], "dsi@lyon.example");
    assert_eq!(updated["siret"], created["siret"], "absent fields are kept");
    assert_eq!(updated["created_at"], created["created_at"]);
    assert_eq!(
        response.header("etag").unwrap(),
        format!("\"{}.2\"", created["id"].as_str().unwrap())
    );
    assert_eq!(
        app.get(&path(&created), Some(&admin)).await.ok(200),
        updated
    );
    // Keeping its own SIRET is no conflict.
    let same = app
        .patch(
            &path(&created),
            Some(&admin),
            json!({"siret": created["siret"]}),
        )
        .await
        .ok(200);
    assert_eq!(same["version"], 3);
}

#[actix_web::test]
async fn blank_names_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    assert_refused(
        &app,
        &admin,
        new_buyer_with("name", json!("  ")),
        "#/name",
        "blank",
    )
    .await;
}

#[actix_web::test]
async fn names_over_200_characters_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    assert_refused(
        &app,
        &admin,
        new_buyer_with("name", json!("n".repeat(201))),
        "#/name",
        "length",
    )
    .await;
    create(&app, &admin, new_buyer_with("name", json!("n".repeat(200)))).await;
}

#[actix_web::test]
async fn sirets_must_be_fourteen_digits() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for siret in ["7328293200007", "7328293200007A", "732829320000740", ""] {
        assert_refused(
            &app,
            &admin,
            new_buyer_with("siret", json!(siret)),
            "#/siret",
            "format",
        )
        .await;
    }
}

#[actix_web::test]
async fn sirets_must_pass_the_luhn_check() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    assert_refused(
        &app,
        &admin,
        new_buyer_with("siret", json!("73282932000075")),
        "#/siret",
        "checksum",
    )
    .await;
    // Near La Poste's rule but its digit sum is not a multiple of 5.
    assert_refused(
        &app,
        &admin,
        new_buyer_with("siret", json!("35600000049838")),
        "#/siret",
        "checksum",
    )
    .await;
}

#[actix_web::test]
async fn la_poste_sirets_are_accepted_on_their_digit_sum() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = create(&app, &admin, new_buyer_with("siret", json!(LA_POSTE_SIRET))).await;
    assert_eq!(created["siret"], LA_POSTE_SIRET);
}

#[actix_web::test]
async fn kinds_outside_the_set_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for kind in ["municipality", "Public_Body", ""] {
        assert_refused(
            &app,
            &admin,
            new_buyer_with("kind", json!(kind)),
            "#/kind",
            "enum",
        )
        .await;
    }
}

#[actix_web::test]
async fn contact_emails_must_be_addresses() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for email in ["not-an-email", "achats@", ""] {
        assert_refused(
            &app,
            &admin,
            new_buyer_with("contact_email", json!(email)),
            "#/contact_email",
            "email",
        )
        .await;
    }
}

#[actix_web::test]
async fn invalid_fields_are_reported_together() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let codes = app
        .post(
            "/api/v1/buyers",
            Some(&admin),
            json!({"name": "", "siret": "123", "kind": "x", "contact_email": "y"}),
        )
        .await
        .invalid_fields(&["#/contact_email", "#/kind", "#/name", "#/siret"]);
    assert_eq!(codes, ["email", "enum", "blank", "format"]);
    assert_eq!(all_names(&app, &admin).await, Vec::<String>::new());
}

#[actix_web::test]
async fn unknown_or_missing_body_fields_are_bad_requests() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let mut body = new_buyer("Ville de Lyon");
    body["region"] = json!("FR-ARA");
    app.post("/api/v1/buyers", Some(&admin), body)
        .await
        .problem(400);
    let mut body = new_buyer("Ville de Lyon");
    body.as_object_mut().unwrap().remove("siret");
    app.post("/api/v1/buyers", Some(&admin), body)
        .await
        .problem(400);
    let created = create(&app, &admin, new_buyer("Ville de Nantes")).await;
    app.patch(&path(&created), Some(&admin), json!({"version": 7}))
        .await
        .problem(400);
    assert_eq!(all_names(&app, &admin).await, ["Ville de Nantes"]);
    assert_eq!(
        app.get(&path(&created), Some(&admin)).await.ok(200)["version"],
        1
    );
}

#[actix_web::test]
async fn invalid_patches_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = create(&app, &admin, new_buyer("Ville de Lyon")).await;
    let codes = app
        .patch(
            &path(&created),
            Some(&admin),
            json!({"name": "Lyon", "siret": "73282932000075"}),
        )
        .await
        .invalid_fields(&["#/siret"]);
    assert_eq!(codes, ["checksum"]);
    app.patch(&path(&created), Some(&admin), json!({"name": " "}))
        .await
        .invalid_fields(&["#/name"]);
    assert_eq!(
        app.get(&path(&created), Some(&admin)).await.ok(200),
        created
    );
}

#[actix_web::test]
async fn a_siret_belongs_to_one_buyer_on_create() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let first = create(&app, &admin, new_buyer("Ville de Lyon")).await;
    let mut again = new_buyer("Ville de Lyon bis");
    again["siret"] = first["siret"].clone();
    app.post("/api/v1/buyers", Some(&admin), again)
        .await
        .problem(409);
    assert_eq!(all_names(&app, &admin).await, ["Ville de Lyon"]);
}

#[actix_web::test]
async fn a_siret_belongs_to_one_buyer_on_patch() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let lyon = create(&app, &admin, new_buyer("Ville de Lyon")).await;
    let nantes = create(&app, &admin, new_buyer("Ville de Nantes")).await;
    app.patch(
        &path(&nantes),
        Some(&admin),
        json!({"siret": lyon["siret"], "name": "Nantes Métropole"}),
    )
    .await
    .problem(409);
    assert_eq!(app.get(&path(&nantes), Some(&admin)).await.ok(200), nantes);
}

#[actix_web::test]
async fn every_endpoint_needs_a_token() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = create(&app, &admin, new_buyer("Ville de Lyon")).await;
    app.get("/api/v1/buyers", None).await.problem(401);
    app.post("/api/v1/buyers", None, new_buyer("Intrus"))
        .await
        .problem(401);
    app.get(&path(&created), None).await.problem(401);
    app.patch(&path(&created), None, json!({"name": "Intrus"}))
        .await
        .problem(401);
    app.get(&path(&created), Some("not-a-token"))
        .await
        .problem(401);
    assert_eq!(all_names(&app, &admin).await, ["Ville de Lyon"]);
    assert_eq!(
        app.get(&path(&created), Some(&admin)).await.ok(200),
        created
    );
}

#[actix_web::test]
async fn partners_cannot_see_or_manage_buyers() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let (partner, _) = app.member(Role::Partner);
    let created = create(&app, &admin, new_buyer("Ville de Lyon")).await;
    app.get("/api/v1/buyers", Some(&partner)).await.problem(403);
    app.post("/api/v1/buyers", Some(&partner), new_buyer("Intrus"))
        .await
        .problem(403);
    app.patch(&path(&created), Some(&partner), json!({"name": "Intrus"}))
        .await
        .problem(403);
    // A buyer the partner may not see does not exist for it.
    app.get(&path(&created), Some(&partner)).await.problem(404);
    assert_eq!(all_names(&app, &admin).await, ["Ville de Lyon"]);
    assert_eq!(
        app.get(&path(&created), Some(&admin)).await.ok(200),
        created
    );
}

#[actix_web::test]
async fn buyers_read_their_own_record_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let (buyer, own_id) = app.member(Role::Buyer);
    let other = create(&app, &admin, new_buyer("Ville de Lyon")).await;
    let own_path = format!("/api/v1/buyers/{own_id}");

    let own = app.get(&own_path, Some(&buyer)).await;
    assert_eq!(own.ok(200)["name"], "Member buyer");
    assert_eq!(own.header("etag").unwrap(), format!("\"{own_id}.1\""));
    app.get(&path(&other), Some(&buyer)).await.problem(404);
    app.get("/api/v1/buyers", Some(&buyer)).await.problem(403);
    app.post("/api/v1/buyers", Some(&buyer), new_buyer("Intrus"))
        .await
        .problem(403);
    app.patch(&own_path, Some(&buyer), json!({"name": "Renamed"}))
        .await
        .problem(403);
    app.patch(&path(&other), Some(&buyer), json!({"name": "Renamed"}))
        .await
        .problem(403);
    let own = app.get(&own_path, Some(&admin)).await.ok(200);
    assert_eq!(
        (own["name"].as_str(), own["version"].as_i64()),
        (Some("Member buyer"), Some(1))
    );
    assert_eq!(app.get(&path(&other), Some(&admin)).await.ok(200), other);
}

#[actix_web::test]
async fn patches_with_a_stale_etag_fail_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let response = app
        .post("/api/v1/buyers", Some(&admin), new_buyer("Ville de Lyon"))
        .await;
    let created = response.ok(201);
    let first_etag = response.header("etag").unwrap();
    app.patch(&path(&created), Some(&admin), json!({"name": "Lyon"}))
        .await
        .ok(200);
    let current = app.get(&path(&created), Some(&admin)).await.ok(200);
    app.json_if_match(
        Method::PATCH,
        &path(&created),
        Some(&admin),
        Some(&first_etag),
        json!({"name": "Stale write"}),
    )
    .await
    .problem(412);
    assert_eq!(
        app.get(&path(&created), Some(&admin)).await.ok(200),
        current
    );
}

#[actix_web::test]
async fn patches_with_the_current_etag_succeed() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = create(&app, &admin, new_buyer("Ville de Lyon")).await;
    let etag = app
        .get(&path(&created), Some(&admin))
        .await
        .header("etag")
        .unwrap();
    let response = app
        .json_if_match(
            Method::PATCH,
            &path(&created),
            Some(&admin),
            Some(&etag),
            json!({"name": "Lyon"}),
        )
        .await;
    assert_eq!(response.ok(200)["version"], 2);
    let next = response.header("etag").unwrap();
    assert_ne!(next, etag);
    let star = app
        .json_if_match(
            Method::PATCH,
            &path(&created),
            Some(&admin),
            Some("*"),
            json!({"name": "Grand Lyon"}),
        )
        .await
        .ok(200);
    assert_eq!(star["version"], 3);
}

#[actix_web::test]
async fn patches_without_if_match_are_accepted() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = create(&app, &admin, new_buyer("Ville de Lyon")).await;
    let updated = app
        .json_if_match(
            Method::PATCH,
            &path(&created),
            Some(&admin),
            None,
            json!({"kind": "private_company"}),
        )
        .await
        .ok(200);
    assert_eq!(
        (updated["kind"].as_str(), updated["version"].as_i64()),
        (Some("private_company"), Some(2))
    );
}

#[actix_web::test]
async fn pages_follow_the_cursor() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for name in ["Premier", "Deuxième", "Troisième"] {
        create(&app, &admin, new_buyer(name)).await;
    }
    let response = app.get("/api/v1/buyers?limit=2", Some(&admin)).await;
    let first = response.ok(200);
    assert_eq!(names(&first), ["Premier", "Deuxième"]);
    let cursor = first["next_cursor"].as_str().expect("a next cursor");
    assert_eq!(
        response.header("link").unwrap(),
        format!("</api/v1/buyers?limit=2&cursor={cursor}>; rel=\"next\"")
    );

    let response = app
        .get(
            &format!("/api/v1/buyers?limit=2&cursor={cursor}"),
            Some(&admin),
        )
        .await;
    let second = response.ok(200);
    assert_eq!(names(&second), ["Troisième"]);
    assert_eq!(second["next_cursor"], Value::Null);
    assert_eq!(response.header("link"), None);
}

#[actix_web::test]
async fn out_of_range_limits_are_bad_requests_and_foreign_cursors_name_no_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for query in ["limit=0", "limit=101", "limit=-1", "limit=two"] {
        app.get(&format!("/api/v1/buyers?{query}"), Some(&admin))
            .await
            .problem(400);
    }
    app.get("/api/v1/buyers?cursor=garbage", Some(&admin))
        .await
        .problem(404);
    app.get("/api/v1/buyers?limit=100", Some(&admin))
        .await
        .ok(200);
}

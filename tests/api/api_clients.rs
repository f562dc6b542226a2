//! `/api-clients`: secrets shown once, revocation, validation and access.

use serde_json::json;

use crate::helpers::TestApp;
use ose_api::domain::access::Role;

#[actix_web::test]
async fn the_secret_is_shown_once_and_never_listed() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let response = app
        .post(
            "/api/v1/api-clients",
            Some(&admin),
            json!({"name": "Gateway", "role": "admin"}),
        )
        .await;
    let created = response.ok(201);
    let id = created["id"].as_str().unwrap();
    assert!(created["client_id"].as_str().unwrap().starts_with("osec_"));
    assert!(created["client_secret"].as_str().unwrap().len() >= 40);
    assert_eq!(
        response.header("location").unwrap(),
        format!("/api/v1/api-clients/{id}")
    );

    let fetched = app
        .get(&format!("/api/v1/api-clients/{id}"), Some(&admin))
        .await
        .ok(200);
    assert!(fetched.get("client_secret").is_none());
    assert_eq!(fetched["name"], "Gateway");
    let listed = app.get("/api/v1/api-clients", Some(&admin)).await.ok(200);
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert!(listed["items"][0].get("client_secret").is_none());
}

#[actix_web::test]
async fn revoked_clients_leave_the_default_list() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = app
        .post(
            "/api/v1/api-clients",
            Some(&admin),
            json!({"name": "Old", "role": "admin"}),
        )
        .await
        .ok(201);
    let path = format!("/api/v1/api-clients/{}", created["id"].as_str().unwrap());
    app.delete(&path, Some(&admin)).await.ok(204);
    // Revoking again is harmless.
    app.delete(&path, Some(&admin)).await.ok(204);
    let revoked = app.get(&path, Some(&admin)).await.ok(200);
    assert!(revoked["revoked_at"].is_string());
    let active = app.get("/api/v1/api-clients", Some(&admin)).await.ok(200);
    assert_eq!(active["items"], json!([]));
    let all = app
        .get("/api/v1/api-clients?include_revoked=true", Some(&admin))
        .await
        .ok(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    app.delete(
        "/api/v1/api-clients/0193a5b2-7c1e-7d3a-9f10-000000000000",
        Some(&admin),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn client_input_is_validated() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    app.post(
        "/api/v1/api-clients",
        Some(&admin),
        json!({"name": "", "role": "partner"}),
    )
    .await
    .invalid_fields(&["#/name", "#/partner_id"]);
    app.post(
        "/api/v1/api-clients",
        Some(&admin),
        json!({"name": "X", "role": "buyer", "buyer_id": "b-1"}),
    )
    .await
    .invalid_fields(&["#/buyer_id"]);
    let codes = app
        .post(
            "/api/v1/api-clients",
            Some(&admin),
            json!({"name": "X", "role": "buyer", "buyer_id": ose_api::db::new_id()}),
        )
        .await
        .unmet_fields(&["#/buyer_id"]);
    assert_eq!(codes, ["not_found"]);
    let listed = app
        .get("/api/v1/api-clients?include_revoked=true", Some(&admin))
        .await
        .ok(200);
    assert_eq!(listed["items"], json!([]));
}

#[actix_web::test]
async fn only_admins_manage_clients() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let (partner, partner_id) = app.member(Role::Partner);
    let created = app
        .post(
            "/api/v1/api-clients",
            Some(&admin),
            json!({"name": "P", "role": "partner", "partner_id": partner_id}),
        )
        .await
        .ok(201);
    let path = format!("/api/v1/api-clients/{}", created["id"].as_str().unwrap());
    for (token, status) in [(Some(partner.as_str()), 403), (None, 401)] {
        app.get("/api/v1/api-clients", token).await.problem(status);
        app.get(&path, token).await.problem(status);
        app.post(
            "/api/v1/api-clients",
            token,
            json!({"name": "Mine", "role": "admin"}),
        )
        .await
        .problem(status);
        app.delete(&path, token).await.problem(status);
    }
    assert_eq!(
        app.get(&path, Some(&admin)).await.ok(200)["revoked_at"],
        serde_json::Value::Null
    );
}

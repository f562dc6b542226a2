//! `/users`: admin management, validation, access, preconditions, pagination.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use ose_api::domain::access::Role;

/// A new partner user's body, for a partner created for it.
fn new_partner_user(app: &TestApp, email: &str) -> serde_json::Value {
    json!({"email": email, "password": "a long enough passphrase", "role": "partner",
           "partner_id": app.insert_partner("Oslandia", "active")})
}

#[actix_web::test]
async fn admins_create_read_and_list_users() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let response = app
        .post(
            "/api/v1/users",
            Some(&admin),
            new_partner_user(&app, "Jo@Example.org"),
        )
        .await;
    let created = response.ok(201);
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["email"], "jo@example.org");
    assert_eq!(created["role"], "partner");
    assert_eq!(created["active"], true);
    assert_eq!(created["version"], 1);
    assert!(created.get("password").is_none() && created.get("password_hash").is_none());
    assert_eq!(
        response.header("location").unwrap(),
        format!("/api/v1/users/{id}")
    );
    let etag = response.header("etag").unwrap();

    let fetched = app.get(&format!("/api/v1/users/{id}"), Some(&admin)).await;
    assert_eq!(fetched.ok(200), created);
    assert_eq!(fetched.header("etag").unwrap(), etag);

    // The new user can sign in with the password given.
    app.login("jo@example.org", "a long enough passphrase")
        .await
        .ok(200);

    let partners = app
        .get("/api/v1/users?role=partner", Some(&admin))
        .await
        .ok(200);
    assert_eq!(partners["items"].as_array().unwrap().len(), 1);
    assert_eq!(partners["items"][0]["id"], id);
    let by_email = app.get("/api/v1/users?q=JO@", Some(&admin)).await.ok(200);
    assert_eq!(by_email["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn user_input_is_validated_field_by_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let post = |body| app.post("/api/v1/users", Some(&admin), body);
    post(json!({"email": "not-an-email", "password": "short", "role": "admin"}))
        .await
        .invalid_fields(&["#/email", "#/password"]);
    let codes =
        post(json!({"email": "p@example.org", "password": "long enough pass", "role": "partner"}))
            .await
            .invalid_fields(&["#/partner_id"]);
    assert_eq!(codes, ["required"]);
    let codes = post(
        json!({"email": "a@example.org", "password": "long enough pass", "role": "admin",
                            "buyer_id": ose_api::db::new_id()}),
    )
    .await
    .invalid_fields(&["#/buyer_id"]);
    assert_eq!(codes, ["not_allowed"]);
    post(json!({"email": "b@example.org", "password": "long enough pass", "role": "buyer", "buyer_id": "42"}))
        .await
        .invalid_fields(&["#/buyer_id"]);
    post(json!({"email": "b@example.org", "password": "long enough pass", "role": "root"}))
        .await
        .problem(400);
    // Organisations must exist.
    let codes = post(
        json!({"email": "p@example.org", "password": "long enough pass",
                            "role": "partner", "partner_id": ose_api::db::new_id()}),
    )
    .await
    .unmet_fields(&["#/partner_id"]);
    assert_eq!(codes, ["not_found"]);
    let codes = post(
        json!({"email": "b@example.org", "password": "long enough pass",
                            "role": "buyer", "buyer_id": ose_api::db::new_id()}),
    )
    .await
    .unmet_fields(&["#/buyer_id"]);
    assert_eq!(codes, ["not_found"]);
    // Nothing was created: only the admin exists.
    let all = app.get("/api/v1/users", Some(&admin)).await.ok(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn emails_are_unique_regardless_of_case() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    app.post(
        "/api/v1/users",
        Some(&admin),
        new_partner_user(&app, "dup@example.org"),
    )
    .await
    .ok(201);
    app.post(
        "/api/v1/users",
        Some(&admin),
        new_partner_user(&app, "DUP@example.org"),
    )
    .await
    .problem(409);
}

#[actix_web::test]
async fn only_admins_manage_users() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let (partner, _) = app.member(Role::Partner);
    let (buyer, _) = app.member(Role::Buyer);
    let target = app
        .post(
            "/api/v1/users",
            Some(&admin),
            new_partner_user(&app, "t@example.org"),
        )
        .await
        .ok(201);
    let target = format!("/api/v1/users/{}", target["id"].as_str().unwrap());
    for token in [Some(partner.as_str()), Some(buyer.as_str()), None] {
        let expected = if token.is_some() { 403 } else { 401 };
        app.get("/api/v1/users", token).await.problem(expected);
        app.get(&target, token).await.problem(expected);
        app.post(
            "/api/v1/users",
            token,
            new_partner_user(&app, "x@example.org"),
        )
        .await
        .problem(expected);
        app.patch(&target, token, json!({"active": false}))
            .await
            .problem(expected);
    }
    app.get(
        "/api/v1/users/0193a5b2-7c1e-7d3a-9f10-000000000000",
        Some(&admin),
    )
    .await
    .problem(404);
    // The target is untouched.
    assert_eq!(app.get(&target, Some(&admin)).await.ok(200)["active"], true);
}

#[actix_web::test]
async fn patches_honour_if_match() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = app
        .post(
            "/api/v1/users",
            Some(&admin),
            new_partner_user(&app, "m@example.org"),
        )
        .await;
    let etag = created.header("etag").unwrap();
    let path = format!("/api/v1/users/{}", created.json()["id"].as_str().unwrap());

    let with = |tag: &str| {
        TestApp::request(Method::PATCH, &path, Some(&admin))
            .insert_header(("if-match", tag.to_owned()))
    };
    let updated = app
        .send(with(&etag).set_json(json!({"email": "m2@example.org"})))
        .await;
    assert_eq!(updated.ok(200)["version"], 2);
    assert_ne!(updated.header("etag").unwrap(), etag);
    app.send(with(&etag).set_json(json!({"email": "m3@example.org"})))
        .await
        .problem(412);
    let current = app.get(&path, Some(&admin)).await.ok(200);
    assert_eq!(current["email"], "m2@example.org");
    // Without If-Match the write is accepted (it is optional on users).
    app.patch(&path, Some(&admin), json!({"active": false}))
        .await
        .ok(200);
}

#[actix_web::test]
async fn the_last_admin_cannot_lock_everyone_out() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let me = app.get("/api/v1/me", Some(&admin)).await.ok(200);
    let path = format!("/api/v1/users/{}", me["id"].as_str().unwrap());
    app.patch(&path, Some(&admin), json!({"active": false}))
        .await
        .problem(409);
    app.patch(
        &path,
        Some(&admin),
        json!({"role": "buyer", "buyer_id": app.insert_buyer("UGAP")}),
    )
    .await
    .problem(409);
    app.get("/api/v1/me", Some(&admin)).await.ok(200);
}

#[actix_web::test]
async fn user_lists_paginate_with_cursors_and_links() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for n in 0..4 {
        app.post(
            "/api/v1/users",
            Some(&admin),
            new_partner_user(&app, &format!("u{n}@example.org")),
        )
        .await
        .ok(201);
    }
    let first = app
        .get("/api/v1/users?role=partner&limit=3", Some(&admin))
        .await;
    let link = first.header("link").expect("Link header");
    let page = first.ok(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let cursor = page["next_cursor"].as_str().unwrap();
    assert_eq!(
        link,
        format!("</api/v1/users?role=partner&limit=3&cursor={cursor}>; rel=\"next\"")
    );

    let second = app
        .get(
            &format!("/api/v1/users?role=partner&limit=3&cursor={cursor}"),
            Some(&admin),
        )
        .await;
    assert_eq!(second.header("link"), None);
    let second = second.ok(200);
    let emails: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        [
            "u0@example.org",
            "u1@example.org",
            "u2@example.org",
            "u3@example.org"
        ]
    );
    assert_eq!(second["next_cursor"], serde_json::Value::Null);
}

#[actix_web::test]
async fn a_role_change_takes_its_organisation_and_drops_the_other() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let user = app
        .post(
            "/api/v1/users",
            Some(&admin),
            new_partner_user(&app, "moving@example.org"),
        )
        .await
        .ok(201);
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    let buyer = app.insert_buyer("UGAP");

    // Contradictions within the patch are refused whatever the user: 422.
    for (patch, pointer) in [
        (
            json!({"role": "admin", "partner_id": user["partner_id"]}),
            "#/partner_id",
        ),
        (json!({"role": "partner", "buyer_id": buyer}), "#/buyer_id"),
        (
            json!({"partner_id": user["partner_id"], "buyer_id": buyer}),
            "#/buyer_id",
        ),
    ] {
        let codes = app
            .patch(&path, Some(&admin), patch)
            .await
            .invalid_fields(&[pointer]);
        assert_eq!(codes, ["not_allowed"], "{pointer}");
    }
    // What the stored user lacks or holds against its role: 409.
    let codes = app
        .patch(&path, Some(&admin), json!({"role": "buyer"}))
        .await
        .unmet_fields(&["#/buyer_id"]);
    assert_eq!(codes, ["unbound"]);
    let codes = app
        .patch(&path, Some(&admin), json!({"buyer_id": buyer}))
        .await
        .unmet_fields(&["#/buyer_id"]);
    assert_eq!(codes, ["role_mismatch"]);
    assert_eq!(
        app.get(&path, Some(&admin)).await.ok(200),
        user,
        "nothing changed"
    );

    // A new role with its organisation drops the one it does not take.
    let moved = app
        .patch(
            &path,
            Some(&admin),
            json!({"role": "buyer", "buyer_id": buyer}),
        )
        .await
        .ok(200);
    assert_eq!(moved["role"], "buyer");
    assert_eq!(moved["buyer_id"], json!(buyer));
    assert_eq!(moved["partner_id"], Value::Null);
    let admin_now = app
        .patch(&path, Some(&admin), json!({"role": "admin"}))
        .await
        .ok(200);
    assert_eq!(admin_now["buyer_id"], Value::Null);
}

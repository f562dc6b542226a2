//! Tokens: both grants, every way a token can be wrong, revocation and throttling.

use actix_web::http::Method;
use actix_web::http::header;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, SECRET, TestApp, mint};
use ose_api::domain::access::Role;

fn claims(sub: &str, offset_exp: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": sub, "iss": "ose-api", "aud": "ose-api", "exp": now + offset_exp, "nbf": now,
        "iat": now, "jti": "test", "sub_type": "user", "role": "admin", "generation": 0
    })
}

fn assert_unauthorized(response: &crate::helpers::TestResponse) {
    response.problem(401);
    let challenge = response
        .header("www-authenticate")
        .expect("WWW-Authenticate");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
}

#[actix_web::test]
async fn the_password_grant_issues_a_working_token() {
    let app = TestApp::spawn().await;
    let organisation = app.insert_partner("Dalibo", "active");
    let user_id = app.insert_user("jeanne@dalibo.example", Role::Partner, Some(&organisation));
    // Emails are case-insensitive.
    let response = app.login("Jeanne@Dalibo.example", PASSWORD).await;
    assert_eq!(
        response.header("cache-control").as_deref(),
        Some("no-store")
    );
    let body = response.ok(200);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let token = body["access_token"].as_str().unwrap();

    let me = app.get("/api/v1/me", Some(token)).await.ok(200);
    assert_eq!(me["principal_type"], "user");
    assert_eq!(me["id"], user_id);
    assert_eq!(me["role"], "partner");
    assert_eq!(me["partner_id"], organisation);
    assert_eq!(me["buyer_id"], Value::Null);
}

#[actix_web::test]
async fn wrong_credentials_are_401() {
    let app = TestApp::spawn().await;
    app.insert_user("ops@example.org", Role::Admin, None);
    assert_unauthorized(&app.login("ops@example.org", "wrong password!!").await);
    assert_unauthorized(&app.login("nobody@example.org", PASSWORD).await);
    let bad_grant = app
        .post(
            "/api/v1/auth/token",
            None,
            json!({"grant_type": "implicit", "email": "x"}),
        )
        .await;
    bad_grant.problem(400);
}

#[actix_web::test]
async fn protected_operations_need_a_valid_token() {
    let app = TestApp::spawn().await;
    let user = app.insert_user("ops@example.org", Role::Admin, None);
    let now = chrono::Utc::now().timestamp();

    assert_unauthorized(&app.get("/api/v1/me", None).await);
    let basic = TestApp::request(Method::GET, "/api/v1/me", None)
        .insert_header((header::AUTHORIZATION, "Basic b3BzOnB3"));
    assert_unauthorized(&app.send(basic).await);
    assert_unauthorized(&app.get("/api/v1/me", Some("not.a.jwt")).await);

    // A well-formed token is accepted, so each refusal below is for its one defect.
    assert_eq!(
        app.get("/api/v1/me", Some(&mint(&claims(&user, 600), SECRET)))
            .await
            .status,
        200
    );

    let expired = mint(&claims(&user, -120), SECRET);
    let wrong_key = mint(
        &claims(&user, 600),
        b"another-secret-that-is-also-long-enough",
    );
    let mut wrong_aud = claims(&user, 600);
    wrong_aud["aud"] = json!("someone-else");
    let mut wrong_iss = claims(&user, 600);
    wrong_iss["iss"] = json!("evil");
    let mut future = claims(&user, 600);
    future["nbf"] = json!(now + 300);
    let mut no_sub = claims(&user, 600);
    no_sub.as_object_mut().unwrap().remove("sub");
    let mut no_exp = claims(&user, 600);
    no_exp.as_object_mut().unwrap().remove("exp");
    for token in [
        expired,
        wrong_key,
        mint(&wrong_aud, SECRET),
        mint(&wrong_iss, SECRET),
        mint(&future, SECRET),
        mint(&no_sub, SECRET),
        mint(&no_exp, SECRET),
    ] {
        assert_unauthorized(&app.get("/api/v1/me", Some(&token)).await);
    }

    // alg "none": header and claims, no signature.
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        b64.encode(claims(&user, 600).to_string())
    );
    assert_unauthorized(&app.get("/api/v1/me", Some(&none)).await);
    // HS512 with the right key is still refused: the algorithm is pinned.
    let hs512 = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS512),
        &claims(&user, 600),
        &jsonwebtoken::EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    assert_unauthorized(&app.get("/api/v1/me", Some(&hs512)).await);
}

#[actix_web::test]
async fn a_bad_token_on_a_public_endpoint_is_still_401() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/api/v1/skills", None).await.status, 200);
    assert_unauthorized(&app.get("/api/v1/skills", Some("garbage")).await);
}

#[actix_web::test]
async fn deactivating_or_changing_role_revokes_earlier_tokens() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let organisation = app.insert_partner("Dalibo", "active");
    let alice = app.insert_user("alice@example.org", Role::Partner, Some(&organisation));
    let bob = app.insert_user("bob@example.org", Role::Partner, Some(&organisation));
    let alice_token = app.token_for("alice@example.org");
    let bob_token = app.token_for("bob@example.org");

    app.patch(
        &format!("/api/v1/users/{alice}"),
        Some(&admin),
        json!({"active": false}),
    )
    .await
    .ok(200);
    assert_unauthorized(&app.get("/api/v1/me", Some(&alice_token)).await);
    assert_unauthorized(&app.login("alice@example.org", PASSWORD).await);

    let buyer = app.insert_buyer("UGAP");
    app.patch(
        &format!("/api/v1/users/{bob}"),
        Some(&admin),
        json!({"role": "buyer", "partner_id": null, "buyer_id": buyer}),
    )
    .await
    .ok(200);
    assert_unauthorized(&app.get("/api/v1/me", Some(&bob_token)).await);
    let fresh = app.token_for("bob@example.org");
    let me = app.get("/api/v1/me", Some(&fresh)).await.ok(200);
    assert_eq!(me["role"], "buyer");
    assert_eq!(me["buyer_id"], buyer);
}

#[actix_web::test]
async fn client_credentials_work_until_the_client_is_revoked() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let buyer = app.insert_buyer("UGAP");
    let created = app
        .post(
            "/api/v1/api-clients",
            Some(&admin),
            json!({"name": "UGAP", "role": "buyer", "buyer_id": buyer}),
        )
        .await
        .ok(201);
    let grant = json!({
        "grant_type": "client_credentials",
        "client_id": created["client_id"], "client_secret": created["client_secret"]
    });
    let token = app
        .post("/api/v1/auth/token", None, grant.clone())
        .await
        .ok(200);
    let token = token["access_token"].as_str().unwrap().to_owned();
    let me = app.get("/api/v1/me", Some(&token)).await.ok(200);
    assert_eq!(me["principal_type"], "api_client");
    assert_eq!(me["id"], created["id"]);
    assert_eq!(me["buyer_id"], buyer);

    let mut wrong = grant.clone();
    wrong["client_secret"] = json!("not the secret");
    assert_unauthorized(&app.post("/api/v1/auth/token", None, wrong).await);

    app.delete(
        &format!("/api/v1/api-clients/{}", created["id"].as_str().unwrap()),
        Some(&admin),
    )
    .await
    .ok(204);
    assert_unauthorized(&app.get("/api/v1/me", Some(&token)).await);
    assert_unauthorized(&app.post("/api/v1/auth/token", None, grant).await);
}

/// A sign-in with `password` for `email`, from `address`.
fn sign_in(email: &str, password: &str, address: &str) -> actix_web::test::TestRequest {
    TestApp::request(Method::POST, "/api/v1/auth/token", None)
        .peer_addr(address.parse().unwrap())
        .set_json(json!({"grant_type": "password", "email": email, "password": password}))
}

const GUESS: &str = "guess guess guess";

#[actix_web::test]
async fn five_failures_stop_the_account_from_that_address_only() {
    let app = TestApp::spawn().await;
    app.insert_user("target@example.org", Role::Admin, None);
    for attempt in 0..5 {
        let response = app
            .send(sign_in("target@example.org", GUESS, "192.0.2.1:4000"))
            .await;
        assert_eq!(response.status, 401, "attempt {attempt}");
    }
    let blocked = app
        .send(sign_in("target@example.org", GUESS, "192.0.2.1:4001"))
        .await;
    blocked.problem(429);
    let retry_after: u64 = blocked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after));
    // Even the right password waits, from there; from elsewhere the user signs in.
    app.send(sign_in("target@example.org", PASSWORD, "192.0.2.1:4002"))
        .await
        .problem(429);
    app.send(sign_in("target@example.org", PASSWORD, "198.51.100.1:4000"))
        .await
        .ok(200);
}

#[actix_web::test]
async fn twenty_failures_from_anywhere_stop_the_account() {
    let app = TestApp::spawn().await;
    app.insert_user("target@example.org", Role::Admin, None);
    for attempt in 0..20 {
        // Each from its own address: only the account key reaches its limit.
        let from = format!("10.0.0.{attempt}:4000");
        let response = app.send(sign_in("target@example.org", GUESS, &from)).await;
        assert_eq!(response.status, 401, "attempt {attempt}");
    }
    app.send(sign_in("target@example.org", PASSWORD, "10.0.1.1:4000"))
        .await
        .problem(429);
}

#[actix_web::test]
async fn fifty_failures_stop_the_address() {
    let app = TestApp::spawn().await;
    app.insert_user("real@example.org", Role::Admin, None);
    for n in 0..50 {
        let email = format!("user{n}@example.org");
        let response = app.send(sign_in(&email, GUESS, "192.0.2.7:5000")).await;
        assert_eq!(response.status, 401, "attempt {n}");
    }
    app.send(sign_in("real@example.org", PASSWORD, "192.0.2.7:5000"))
        .await
        .problem(429);
    // Another address is not affected.
    app.send(sign_in("real@example.org", PASSWORD, "198.51.100.1:5000"))
        .await
        .ok(200);
}

#[actix_web::test]
async fn parallel_guesses_never_exceed_the_limit() {
    let app = TestApp::spawn().await;
    app.insert_user("target@example.org", Role::Admin, None);
    let answers = futures_util::future::join_all(
        (0..20).map(|_| app.send(sign_in("target@example.org", GUESS, "192.0.2.9:4000"))),
    )
    .await;
    let checked = answers.iter().filter(|a| a.status == 401).count();
    let refused = answers.iter().filter(|a| a.status == 429).count();
    assert_eq!(
        (checked, refused),
        (5, 15),
        "five guesses checked, the others refused"
    );
}

#[actix_web::test]
async fn a_right_password_does_not_count_as_a_failure() {
    let app = TestApp::spawn().await;
    app.insert_user("target@example.org", Role::Admin, None);
    for _ in 0..4 {
        app.send(sign_in("target@example.org", GUESS, "192.0.2.3:4000"))
            .await
            .problem(401);
    }
    for _ in 0..3 {
        app.send(sign_in("target@example.org", PASSWORD, "192.0.2.3:4000"))
            .await
            .ok(200);
    }
    app.send(sign_in("target@example.org", GUESS, "192.0.2.3:4000"))
        .await
        .problem(401);
}

#[actix_web::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let app = TestApp::spawn().await;
    app.insert_user("target@example.org", Role::Admin, None);
    let via = |peer: &str, forwarded: &str, password: &str| {
        sign_in("target@example.org", password, peer)
            .insert_header(("X-Forwarded-For", forwarded.to_owned()))
    };
    // Behind the trusted proxy, the client is the address it forwards.
    for _ in 0..5 {
        app.send(via("10.9.9.9:443", "203.0.113.5", GUESS))
            .await
            .problem(401);
    }
    app.send(via("10.9.9.9:443", "203.0.113.5", PASSWORD))
        .await
        .problem(429);
    app.send(via("10.9.9.9:443", "198.51.100.8, 10.9.9.9", PASSWORD))
        .await
        .ok(200);
    // From anyone else the header is ignored: forging it does not escape the limit.
    for n in 0..5 {
        app.send(via("192.0.2.44:5000", &format!("203.0.113.{n}"), GUESS))
            .await
            .problem(401);
    }
    app.send(via("192.0.2.44:5000", "203.0.113.99", PASSWORD))
        .await
        .problem(429);
}

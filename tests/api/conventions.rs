//! DESIGN §5: every error is problem+json, request ids, CORS, pagination, preconditions.

use actix_web::http::Method;
use actix_web::http::header;
use serde_json::{Value, json};

use crate::helpers::{ALLOWED_ORIGIN, TestApp};
use crate::partners::create_skill;

#[actix_web::test]
async fn unknown_routes_are_404_problems() {
    let app = TestApp::spawn().await;
    let problem = app.get("/api/v1/nothing-here", None).await.problem(404);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("/api/v1/nothing-here")
    );
    app.get("/", None).await.problem(404);
}

#[actix_web::test]
async fn wrong_methods_are_405_with_allow() {
    let app = TestApp::spawn().await;
    let response = app
        .send(TestApp::request(Method::PUT, "/api/v1/skills", None))
        .await;
    response.problem(405);
    assert_eq!(response.header("allow").as_deref(), Some("GET, HEAD, POST"));
    let response = app
        .send(TestApp::request(
            Method::POST,
            "/api/v1/skills/postgresql",
            None,
        ))
        .await;
    response.problem(405);
    assert_eq!(
        response.header("allow").as_deref(),
        Some("DELETE, GET, HEAD, PATCH")
    );
}

#[actix_web::test]
async fn malformed_json_and_unknown_fields_are_400() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let malformed = TestApp::request(Method::POST, "/api/v1/skills", Some(&admin))
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .set_payload("{\"slug\": ");
    app.send(malformed).await.problem(400);

    let unknown = app
        .post(
            "/api/v1/skills",
            Some(&admin),
            json!({"slug": "postgresql", "name": "PostgreSQL", "category": "databases", "colour": "blue"}),
        )
        .await
        .problem(400);
    assert!(unknown["detail"].as_str().unwrap().contains("colour"));

    let empty = TestApp::request(Method::POST, "/api/v1/skills", Some(&admin))
        .insert_header((header::CONTENT_TYPE, "application/json"));
    app.send(empty).await.problem(400);
    // Nothing was created by any of them.
    let list = app.get("/api/v1/skills", None).await.ok(200);
    assert_eq!(list["items"], json!([]));
}

#[actix_web::test]
async fn bodies_must_be_json_and_at_most_256_kib() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let text = TestApp::request(Method::POST, "/api/v1/skills", Some(&admin))
        .insert_header((header::CONTENT_TYPE, "text/plain"))
        .set_payload(r#"{"slug": "pg", "name": "PG", "category": "db"}"#);
    app.send(text).await.problem(415);
    let no_type = TestApp::request(Method::POST, "/api/v1/skills", Some(&admin))
        .set_payload(r#"{"slug": "pg", "name": "PG", "category": "db"}"#);
    app.send(no_type).await.problem(415);

    let huge = "x".repeat(300 * 1024);
    app.post(
        "/api/v1/skills",
        Some(&admin),
        json!({"slug": "pg", "name": "PG", "category": "db", "description": huge}),
    )
    .await
    .problem(413);
}

#[actix_web::test]
async fn validation_errors_list_every_bad_field_with_a_pointer() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let response = app
        .post(
            "/api/v1/skills",
            Some(&admin),
            json!({"slug": "Not A Slug", "name": "", "category": "db", "esco_uri": "https://example.org/x"}),
        )
        .await;
    let codes = response.invalid_fields(&["#/esco_uri", "#/name", "#/slug"]);
    assert_eq!(codes, ["esco_uri", "length", "pattern"]);
    assert_eq!(response.json()["type"], "urn:ose-api:problem:validation");
}

#[actix_web::test]
async fn bad_query_parameters_are_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    for query in ["limit=0", "limit=101"] {
        let problem = app
            .get(&format!("/api/v1/skills?{query}"), None)
            .await
            .problem(400);
        assert_eq!(problem["errors"][0]["parameter"], "limit");
    }
    app.get("/api/v1/skills?limit=ten", None).await.problem(400);
    // A cursor the list did not issue names no page, as an unknown id names nothing.
    let problem = app
        .get("/api/v1/skills?cursor=not-ours", None)
        .await
        .problem(404);
    assert!(
        problem["detail"].as_str().unwrap().contains("next_cursor"),
        "{problem}"
    );
}

#[actix_web::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let given = app
        .send(
            TestApp::request(Method::GET, "/healthz", None)
                .insert_header(("x-request-id", "abc-123")),
        )
        .await;
    assert_eq!(given.header("x-request-id").as_deref(), Some("abc-123"));

    let generated = app.get("/healthz", None).await;
    let id = generated.header("x-request-id").expect("generated id");
    assert!(uuid::Uuid::parse_str(&id).is_ok());

    let forged = app
        .send(
            TestApp::request(Method::GET, "/healthz", None)
                .insert_header(("x-request-id", "a b\tc")),
        )
        .await;
    assert_ne!(forged.header("x-request-id").as_deref(), Some("a b\tc"));
    // Errors carry it too.
    let error = app
        .send(TestApp::request(Method::GET, "/nope", None).insert_header(("x-request-id", "err-1")))
        .await;
    assert_eq!(error.header("x-request-id").as_deref(), Some("err-1"));
}

#[actix_web::test]
async fn cors_allows_the_configured_origins_only() {
    let app = TestApp::spawn().await;
    let preflight = |origin: &str| {
        TestApp::request(Method::OPTIONS, "/api/v1/skills", None)
            .insert_header((header::ORIGIN, origin.to_owned()))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "POST"))
    };
    let allowed = app.send(preflight(ALLOWED_ORIGIN)).await;
    assert!(allowed.status.is_success());
    assert_eq!(
        allowed.header("access-control-allow-origin").as_deref(),
        Some(ALLOWED_ORIGIN)
    );
    let refused = app.send(preflight("https://evil.example")).await;
    refused.problem(400);
    assert_eq!(refused.header("access-control-allow-origin"), None);
}

/// The `(parameter or pointer, code)` entries of a 422.
fn entries(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            let place = e["parameter"]
                .as_str()
                .or(e["pointer"].as_str())
                .expect("place");
            (
                place.to_owned(),
                e["code"].as_str().expect("code").to_owned(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn a_nul_character_is_refused_in_queries_paths_and_bodies_alike() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let nul = |place: &str| vec![(place.to_owned(), "nul".to_owned())];

    let query = app
        .get("/api/v1/partners?q=dal%00ibo", None)
        .await
        .problem(400);
    assert_eq!(entries(&query), nul("q"));
    let path = app
        .get("/api/v1/skills/post%00gresql", None)
        .await
        .problem(400);
    assert_eq!(entries(&path), nul("path"));

    let body = app
        .post(
            "/api/v1/skills",
            Some(&admin),
            json!({"slug": "postgresql", "name": "Post\u{0}greSQL", "category": "databases",
                   "description": "fine"}),
        )
        .await
        .problem(422);
    assert_eq!(entries(&body), nul("#/name"));
    let listed = app.get("/api/v1/skills", None).await.ok(200);
    assert_eq!(listed["items"], json!([]), "nothing is stored");

    // Even before credentials are looked at.
    let login = app
        .post(
            "/api/v1/auth/token",
            None,
            json!({"grant_type": "password", "email": "a\u{0}@example.org", "password": "x"}),
        )
        .await
        .problem(422);
    assert_eq!(entries(&login), nul("#/email"));

    // A NUL in a name is shown percent-encoded: no answer holds one.
    let named = app.get("/api/v1/partners?q%00x=1", None).await.problem(400);
    assert_eq!(entries(&named), nul("q%00x"));
    let member = app
        .post(
            "/api/v1/skills",
            Some(&admin),
            json!({"slug": "postgresql", "na\u{0}me": "PostgreSQL"}),
        )
        .await
        .problem(422);
    assert_eq!(entries(&member), nul("#/na%00me"));
}

#[actix_web::test]
async fn list_filters_are_capped_in_number_and_length() {
    let app = TestApp::spawn().await;
    let skills: Vec<String> = (0..21).map(|i| format!("skill={i}")).collect();
    let many = app
        .get(&format!("/api/v1/partners?{}", skills.join("&")), None)
        .await
        .problem(400);
    assert_eq!(
        entries(&many),
        [("skill".to_owned(), "too_many".to_owned())]
    );
    let twenty = app
        .get(
            &format!("/api/v1/partners?{}", skills[..20].join("&")),
            None,
        )
        .await
        .ok(200);
    assert_eq!(twenty["items"], json!([]));

    let long = "a".repeat(201);
    for path in [
        "/api/v1/partners",
        "/api/v1/skills",
        "/api/v1/tenders",
        "/api/v1/projects",
    ] {
        let problem = app
            .get(&format!("{path}?q={long}"), None)
            .await
            .problem(400);
        assert_eq!(
            entries(&problem),
            [("q".to_owned(), "too_long".to_owned())],
            "{path}"
        );
    }
    app.get(&format!("/api/v1/skills?q={}", "a".repeat(200)), None)
        .await
        .ok(200);
}

#[actix_web::test]
async fn head_is_answered_wherever_get_is() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "postgresql").await;
    let get = app.get("/api/v1/skills/postgresql", None).await;
    let head = app
        .send(TestApp::request(
            Method::HEAD,
            "/api/v1/skills/postgresql",
            None,
        ))
        .await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "no body");
    assert_eq!(head.header("etag"), get.header("etag"));
    assert_eq!(
        head.header("content-type").as_deref(),
        Some("application/json")
    );
    for path in [
        "/healthz",
        "/api/v1/skills",
        "/api/v1/partners",
        "/openapi.json",
    ] {
        let head = app.send(TestApp::request(Method::HEAD, path, None)).await;
        assert_eq!(head.status, 200, "{path}");
    }
    let missing = app
        .send(TestApp::request(Method::HEAD, "/api/v1/skills/cobol", None))
        .await;
    assert_eq!(missing.status, 404);
    // Only where GET is: a write-only route still refuses it.
    let refused = app
        .send(TestApp::request(Method::HEAD, "/api/v1/auth/token", None))
        .await;
    assert_eq!(refused.status, 405);
}

#[actix_web::test]
async fn a_body_that_does_not_arrive_in_time_is_a_408_that_closes_the_connection() {
    use actix_http::error::PayloadError;
    use actix_http::{BoxedPayloadStream, Payload};
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let request = TestApp::request(Method::POST, "/api/v1/skills", Some(&admin))
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .to_request();
    // A client that opens the body and never sends it.
    let stalled: BoxedPayloadStream = Box::pin(futures_util::stream::pending::<
        Result<actix_web::web::Bytes, PayloadError>,
    >());
    let (request, _) = request.replace_payload(Payload::from(stalled));
    let response = app.send_request(request).await;
    response.problem(408);
    assert_eq!(
        app.get("/api/v1/skills", None).await.ok(200)["items"],
        json!([])
    );
}

#[actix_web::test]
async fn a_number_with_a_zero_fraction_is_the_integer_it_equals() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    // JSON Schema reads 12.0 as the integer 12: the server takes it as such.
    let partner =
        crate::partners::create_partner(&app, &admin, "Whole", json!({"headcount": 12.0})).await;
    assert_eq!(partner["headcount"], 12);
    let problem = app
        .post(
            "/api/v1/partners",
            Some(&admin),
            crate::partners::partner_body("Fraction", json!({"headcount": 12.5})),
        )
        .await
        .problem(400);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("floating point"),
        "{problem}"
    );
}

#[actix_web::test]
async fn an_if_match_that_lists_no_entity_tag_names_no_version() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "postgis").await;
    let before = app.get("/api/v1/skills/postgis", None).await.ok(200);
    // Fails closed: a malformed precondition is a failed one, and nothing is written.
    for malformed in ["0", "null", "\"a\",", "postgis.1"] {
        app.json_if_match(
            Method::PATCH,
            "/api/v1/skills/postgis",
            Some(&admin),
            Some(malformed),
            json!({"name": "PostGIS (changed)"}),
        )
        .await
        .problem(412);
    }
    assert_eq!(
        app.get("/api/v1/skills/postgis", None).await.ok(200),
        before
    );
}

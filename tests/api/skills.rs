//! `/skills`: the catalogue tree, its filters, validation, access and preconditions.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use ose_api::domain::access::Role;

async fn create(app: &TestApp, admin: &str, body: Value) -> Value {
    app.post("/api/v1/skills", Some(admin), body).await.ok(201)
}

fn slugs(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["slug"].as_str().unwrap().to_owned())
        .collect()
}

#[actix_web::test]
async fn admins_build_the_catalogue_and_anyone_reads_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let response = app
        .post(
            "/api/v1/skills",
            Some(&admin),
            json!({"slug": "postgresql", "name": "PostgreSQL", "category": "databases",
                   "description": "Administration and tuning",
                   "esco_uri": "http://data.europa.eu/esco/skill/abc"}),
        )
        .await;
    let pg = response.ok(201);
    let id = pg["id"].as_str().unwrap();
    assert_eq!(
        response.header("location").unwrap(),
        format!("/api/v1/skills/{id}")
    );
    assert_eq!(pg["parent_id"], Value::Null);
    assert_eq!(pg["version"], 1);

    let postgis = create(
        &app,
        &admin,
        json!({"slug": "postgis", "name": "PostGIS", "category": "gis", "parent_id": "postgresql"}),
    )
    .await;
    assert_eq!(postgis["parent_id"], id);

    // Anonymous reads, by id and by slug, with the same ETag.
    let by_id = app.get(&format!("/api/v1/skills/{id}"), None).await;
    let by_slug = app.get("/api/v1/skills/postgresql", None).await;
    assert_eq!(by_id.ok(200), pg);
    assert_eq!(by_slug.ok(200), pg);
    assert_eq!(by_id.header("etag"), by_slug.header("etag"));
    app.get("/api/v1/skills/cobol-85", None).await.problem(404);
}

#[actix_web::test]
async fn lists_filter_by_text_category_and_parent() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create(
        &app,
        &admin,
        json!({"slug": "postgresql", "name": "PostgreSQL", "category": "databases"}),
    )
    .await;
    create(
        &app,
        &admin,
        json!({"slug": "postgis", "name": "PostGIS", "category": "gis", "parent_id": "postgresql"}),
    )
    .await;
    create(&app, &admin, json!({"slug": "qgis", "name": "QGIS", "category": "gis", "description": "Desktop GIS, 100% open"})).await;
    create(
        &app,
        &admin,
        json!({"slug": "openldap", "name": "OpenLDAP", "category": "identity"}),
    )
    .await;

    let all = app.get("/api/v1/skills", None).await.ok(200);
    assert_eq!(slugs(&all), ["openldap", "postgis", "postgresql", "qgis"]);
    let gis = app.get("/api/v1/skills?category=gis", None).await.ok(200);
    assert_eq!(slugs(&gis), ["postgis", "qgis"]);
    let text = app.get("/api/v1/skills?q=POST", None).await.ok(200);
    assert_eq!(slugs(&text), ["postgis", "postgresql"]);
    // LIKE wildcards in q are literal.
    let percent = app.get("/api/v1/skills?q=100%25", None).await.ok(200);
    assert_eq!(slugs(&percent), ["qgis"]);
    let underscore = app.get("/api/v1/skills?q=_", None).await.ok(200);
    assert_eq!(slugs(&underscore), Vec::<String>::new());
    let children = app
        .get("/api/v1/skills?parent=postgresql", None)
        .await
        .ok(200);
    assert_eq!(slugs(&children), ["postgis"]);
    let combined = app
        .get("/api/v1/skills?category=gis&q=q", None)
        .await
        .ok(200);
    assert_eq!(slugs(&combined), ["qgis"]);
    let none = app
        .get("/api/v1/skills?parent=unknown-skill", None)
        .await
        .ok(200);
    assert_eq!(slugs(&none), Vec::<String>::new());
}

#[actix_web::test]
async fn pages_follow_each_other_while_rows_are_added() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for slug in ["aa", "cc", "ee"] {
        create(
            &app,
            &admin,
            json!({"slug": slug, "name": slug, "category": "test"}),
        )
        .await;
    }
    let first = app.get("/api/v1/skills?limit=2", None).await.ok(200);
    assert_eq!(slugs(&first), ["aa", "cc"]);
    // Inserted before and after the cursor: the next page neither repeats nor skips.
    create(
        &app,
        &admin,
        json!({"slug": "bb", "name": "bb", "category": "test"}),
    )
    .await;
    create(
        &app,
        &admin,
        json!({"slug": "dd", "name": "dd", "category": "test"}),
    )
    .await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/api/v1/skills?limit=2&cursor={cursor}"), None)
        .await
        .ok(200);
    assert_eq!(slugs(&second), ["dd", "ee"]);
    assert_eq!(second["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn skill_input_is_validated() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let post = |body| app.post("/api/v1/skills", Some(&admin), body);
    post(json!({"slug": "x", "name": "X", "category": "c"}))
        .await
        .invalid_fields(&["#/slug"]);
    post(json!({"slug": "-x", "name": "X", "category": "c"}))
        .await
        .invalid_fields(&["#/slug"]);
    post(json!({"slug": "ok-slug", "name": "X", "category": ""}))
        .await
        .invalid_fields(&["#/category"]);
    post(json!({"slug": "ok-slug", "name": "X", "category": "c", "esco_uri": "http://data.europa.eu/esco/"}))
        .await
        .invalid_fields(&["#/esco_uri"]);
    let codes =
        post(json!({"slug": "ok-slug", "name": "X", "category": "c", "parent_id": "missing"}))
            .await
            .unmet_fields(&["#/parent_id"]);
    assert_eq!(codes, ["not_found"]);
    post(json!({"name": "X", "category": "c"}))
        .await
        .problem(400);
    assert_eq!(
        slugs(&app.get("/api/v1/skills", None).await.ok(200)),
        Vec::<String>::new()
    );
}

#[actix_web::test]
async fn slugs_are_unique() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create(
        &app,
        &admin,
        json!({"slug": "ocaml", "name": "OCaml", "category": "languages"}),
    )
    .await;
    app.post(
        "/api/v1/skills",
        Some(&admin),
        json!({"slug": "ocaml", "name": "Again", "category": "x"}),
    )
    .await
    .problem(409);
    create(
        &app,
        &admin,
        json!({"slug": "coq", "name": "Coq", "category": "languages"}),
    )
    .await;
    app.patch("/api/v1/skills/coq", Some(&admin), json!({"slug": "ocaml"}))
        .await
        .problem(409);
    assert_eq!(
        app.get("/api/v1/skills/ocaml", None).await.ok(200)["name"],
        "OCaml"
    );
}

#[actix_web::test]
async fn the_tree_refuses_cycles() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create(
        &app,
        &admin,
        json!({"slug": "eclipse", "name": "Eclipse", "category": "ide"}),
    )
    .await;
    create(
        &app,
        &admin,
        json!({"slug": "eclipse-emf", "name": "EMF", "category": "ide", "parent_id": "eclipse"}),
    )
    .await;
    create(
        &app,
        &admin,
        json!({"slug": "sirius", "name": "Sirius", "category": "ide", "parent_id": "eclipse-emf"}),
    )
    .await;
    let codes = app
        .patch(
            "/api/v1/skills/eclipse",
            Some(&admin),
            json!({"parent_id": "sirius"}),
        )
        .await
        .invalid_fields(&["#/parent_id"]);
    assert_eq!(codes, ["cycle"]);
    app.patch(
        "/api/v1/skills/eclipse",
        Some(&admin),
        json!({"parent_id": "eclipse"}),
    )
    .await
    .invalid_fields(&["#/parent_id"]);
    assert_eq!(
        app.get("/api/v1/skills/eclipse", None).await.ok(200)["parent_id"],
        Value::Null
    );
    // Re-rooting a subtree is fine, and null makes a root.
    let moved = app
        .patch(
            "/api/v1/skills/sirius",
            Some(&admin),
            json!({"parent_id": "eclipse"}),
        )
        .await
        .ok(200);
    assert_eq!(moved["version"], 2);
    let root = app
        .patch(
            "/api/v1/skills/sirius",
            Some(&admin),
            json!({"parent_id": null}),
        )
        .await
        .ok(200);
    assert_eq!(root["parent_id"], Value::Null);
}

#[actix_web::test]
async fn skills_with_children_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create(
        &app,
        &admin,
        json!({"slug": "postgresql", "name": "PostgreSQL", "category": "databases"}),
    )
    .await;
    create(
        &app,
        &admin,
        json!({"slug": "postgis", "name": "PostGIS", "category": "gis", "parent_id": "postgresql"}),
    )
    .await;
    app.delete("/api/v1/skills/postgresql", Some(&admin))
        .await
        .problem(409);
    app.delete("/api/v1/skills/postgis", Some(&admin))
        .await
        .ok(204);
    app.delete("/api/v1/skills/postgresql", Some(&admin))
        .await
        .ok(204);
    app.get("/api/v1/skills/postgresql", None)
        .await
        .problem(404);
}

#[actix_web::test]
async fn writes_honour_if_match() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create(
        &app,
        &admin,
        json!({"slug": "modelio", "name": "Modelio", "category": "modelling"}),
    )
    .await;
    let etag = app
        .get("/api/v1/skills/modelio", None)
        .await
        .header("etag")
        .unwrap();
    let send = |method: Method, tag: &str, body: Option<Value>| {
        let mut req = TestApp::request(method, "/api/v1/skills/modelio", Some(&admin))
            .insert_header(("if-match", tag.to_owned()));
        if let Some(body) = body {
            req = req.set_json(body);
        }
        app.send(req)
    };
    send(
        Method::PATCH,
        "\"someone-else.1\"",
        Some(json!({"name": "X"})),
    )
    .await
    .problem(412);
    let updated = send(Method::PATCH, &etag, Some(json!({"name": "Modelio UML"}))).await;
    assert_eq!(updated.ok(200)["name"], "Modelio UML");
    send(Method::DELETE, &etag, None).await.problem(412);
    let current = updated.header("etag").unwrap();
    send(Method::DELETE, &current, None).await.ok(204);
}

#[actix_web::test]
async fn only_admins_write_the_catalogue() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let (partner, _) = app.member(Role::Partner);
    let (buyer, _) = app.member(Role::Buyer);
    create(
        &app,
        &admin,
        json!({"slug": "itsm-ng", "name": "ITSM-NG", "category": "itsm"}),
    )
    .await;
    for (token, status) in [
        (Some(partner.as_str()), 403),
        (Some(buyer.as_str()), 403),
        (None, 401),
    ] {
        app.post(
            "/api/v1/skills",
            token,
            json!({"slug": "glpi", "name": "GLPI", "category": "itsm"}),
        )
        .await
        .problem(status);
        app.patch("/api/v1/skills/itsm-ng", token, json!({"name": "X"}))
            .await
            .problem(status);
        app.delete("/api/v1/skills/itsm-ng", token)
            .await
            .problem(status);
        // Reads stay open to them.
        app.get("/api/v1/skills/itsm-ng", token).await.ok(200);
    }
    let unchanged = app.get("/api/v1/skills/itsm-ng", None).await.ok(200);
    assert_eq!(
        (unchanged["name"].as_str(), unchanged["version"].as_i64()),
        (Some("ITSM-NG"), Some(1))
    );
    app.get("/api/v1/skills/glpi", None).await.problem(404);
}

//! `/projects`: upstream projects with their SPDX license, skills and steward; public
//! reads, admin writes, validation, filters, pagination and preconditions.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use ose_api::domain::access::Role;

/// A valid creation body for `slug`: MIT, no skill, no website, no steward.
fn new_project(slug: &str) -> Value {
    json!({"slug": slug, "name": format!("Project {slug}"),
           "repository_url": format!("https://git.example/{slug}"),
           "license": "MIT", "description": "An upstream component."})
}

/// `body` with `field` set to `value`.
fn with(mut body: Value, field: &str, value: Value) -> Value {
    body[field] = value;
    body
}

async fn create(app: &TestApp, admin: &str, body: Value) -> Value {
    app.post("/api/v1/projects", Some(admin), body)
        .await
        .ok(201)
}

async fn create_skill(app: &TestApp, admin: &str, slug: &str) -> Value {
    app.post(
        "/api/v1/skills",
        Some(admin),
        json!({"slug": slug, "name": slug.to_uppercase(), "category": "test"}),
    )
    .await
    .ok(201)
}

fn path(project: &Value) -> String {
    format!("/api/v1/projects/{}", project["id"].as_str().unwrap())
}

fn slugs(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap().to_owned())
        .collect()
}

/// The slugs on the first page of an anonymous `GET /projects?{query}`.
async fn listed(app: &TestApp, query: &str) -> Vec<String> {
    let page = app.get(&format!("/api/v1/projects?{query}"), None).await;
    slugs(&page.ok(200))
}

/// Posts `body`, expects exactly the invalid field `pointer` with `code` (422), and
/// checks that nothing was stored.
async fn assert_refused(app: &TestApp, admin: &str, body: Value, pointer: &str, code: &str) {
    let before = listed(app, "").await;
    let response = app.post("/api/v1/projects", Some(admin), body).await;
    assert_eq!(response.invalid_fields(&[pointer]), [code]);
    assert_eq!(listed(app, "").await, before, "a 422 stores nothing");
}

/// Posts `body`, expects `pointer` to name what does not exist (409), and checks that
/// nothing was stored.
async fn assert_names_nothing(app: &TestApp, admin: &str, body: Value, pointer: &str) {
    let before = listed(app, "").await;
    let response = app.post("/api/v1/projects", Some(admin), body).await;
    assert_eq!(response.unmet_fields(&[pointer]), ["not_found"]);
    assert_eq!(listed(app, "").await, before, "a 409 stores nothing");
}

/// Creates `slug` licensed under `license`.
async fn create_licensed(app: &TestApp, admin: &str, slug: &str, license: &str) -> Value {
    create(
        app,
        admin,
        with(new_project(slug), "license", json!(license)),
    )
    .await
}

#[actix_web::test]
async fn admins_create_projects_with_location_and_etag() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let postgresql = create_skill(&app, &admin, "postgresql").await;
    create_skill(&app, &admin, "gis").await;
    let steward = app.insert_partner("Oslandia", "active");
    let response = app
        .post(
            "/api/v1/projects",
            Some(&admin),
            json!({"slug": "postgis", "name": " PostGIS ",
                   "repository_url": "https://github.com/postgis/postgis",
                   "website": "https://postgis.net", "license": " GPL-2.0-or-later ",
                   "description": "Spatial objects for PostgreSQL.",
                   "skills": ["postgresql", "gis", postgresql["id"]],
                   "steward_partner_id": steward}),
        )
        .await;
    let created = response.ok(201);
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        response.header("location").unwrap(),
        format!("/api/v1/projects/{id}")
    );
    assert_eq!(response.header("etag").unwrap(), format!("\"{id}.1\""));
    assert_eq!(created["slug"], "postgis");
    assert_eq!(created["name"], "PostGIS", "names are trimmed");
    assert_eq!(
        created["repository_url"],
        "https://github.com/postgis/postgis"
    );
    assert_eq!(created["website"], "https://postgis.net");
    assert_eq!(created["license"], "GPL-2.0-or-later");
    assert_eq!(created["license_ids"], json!(["GPL-2.0-or-later"]));
    assert_eq!(created["description"], "Spatial objects for PostgreSQL.");
    // Skills given by slug or id, once each, answered as sorted slugs.
    assert_eq!(created["skills"], json!(["gis", "postgresql"]));
    assert_eq!(created["steward_partner_id"], steward);
    assert_eq!(created["version"], 1);
    assert_eq!(created["created_at"], created["updated_at"]);
}

#[actix_web::test]
async fn optional_fields_default_to_empty() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = create(
        &app,
        &admin,
        json!({"slug": "opam", "name": "opam", "repository_url": "https://github.com/ocaml/opam",
               "license": "LGPL-2.1-only WITH OCaml-LGPL-linking-exception"}),
    )
    .await;
    assert_eq!(created["website"], Value::Null);
    assert_eq!(created["steward_partner_id"], Value::Null);
    assert_eq!(created["skills"], json!([]));
    assert_eq!(created["description"], "");
}

#[actix_web::test]
async fn anyone_reads_a_project_by_id_or_by_slug() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "ocaml").await;
    let created = create(
        &app,
        &admin,
        with(new_project("opam"), "skills", json!(["ocaml"])),
    )
    .await;
    let by_id = app.get(&path(&created), None).await;
    let by_slug = app.get("/api/v1/projects/opam", None).await;
    assert_eq!(by_id.ok(200), created);
    assert_eq!(by_slug.ok(200), created);
    let etag = by_id.header("etag").unwrap();
    assert_eq!(by_slug.header("etag").unwrap(), etag);
    let (partner, _) = app.member(Role::Partner);
    let (buyer, _) = app.member(Role::Buyer);
    for token in [admin.as_str(), partner.as_str(), buyer.as_str()] {
        assert_eq!(
            app.get("/api/v1/projects/opam", Some(token)).await.ok(200),
            created
        );
    }
    assert_eq!(listed(&app, "").await, ["opam"]);
    app.get("/api/v1/projects/dune", None).await.problem(404);
}

#[actix_web::test]
async fn patches_bump_the_version_and_replace_the_skills() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for slug in ["postgresql", "gis", "python"] {
        create_skill(&app, &admin, slug).await;
    }
    let created = create(
        &app,
        &admin,
        with(new_project("qgis"), "skills", json!(["postgresql", "gis"])),
    )
    .await;
    let response = app
        .patch(
            "/api/v1/projects/qgis",
            Some(&admin),
            json!({"name": "QGIS", "license": "GPL-2.0-or-later",
                   "skills": ["python", "gis"], "description": "Desktop GIS."}),
        )
        .await;
    let updated = response.ok(200);
    let id = created["id"].as_str().unwrap();
    assert_eq!(response.header("etag").unwrap(), format!("\"{id}.2\""));
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["name"], "QGIS");
    assert_eq!(updated["license_ids"], json!(["GPL-2.0-or-later"]));
    assert_eq!(updated["skills"], json!(["gis", "python"]));
    assert_eq!(updated["description"], "Desktop GIS.");
    assert_eq!(updated["repository_url"], created["repository_url"]);
    assert_eq!(updated["created_at"], created["created_at"]);
    assert_eq!(app.get(&path(&created), None).await.ok(200), updated);

    // Without `skills` the links stay; an empty list removes them all.
    let renamed = app
        .patch(
            &path(&created),
            Some(&admin),
            json!({"slug": "qgis-desktop"}),
        )
        .await
        .ok(200);
    assert_eq!(renamed["skills"], json!(["gis", "python"]));
    assert_eq!(renamed["version"], 3);
    app.get("/api/v1/projects/qgis", None).await.problem(404);
    let unlinked = app
        .patch(&path(&created), Some(&admin), json!({"skills": []}))
        .await
        .ok(200);
    assert_eq!(unlinked["skills"], json!([]));
    assert_eq!(listed(&app, "skill=gis").await, Vec::<String>::new());
}

#[actix_web::test]
async fn null_removes_the_website_and_the_steward() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let steward = app.insert_partner("Oslandia", "active");
    let mut body = new_project("qgis");
    body["website"] = json!("https://qgis.org");
    body["steward_partner_id"] = json!(steward);
    let created = create(&app, &admin, body).await;

    let untouched = app
        .patch(&path(&created), Some(&admin), json!({"name": "QGIS"}))
        .await
        .ok(200);
    assert_eq!(untouched["website"], "https://qgis.org");
    assert_eq!(untouched["steward_partner_id"], steward);

    let cleared = app
        .patch(
            &path(&created),
            Some(&admin),
            json!({"website": null, "steward_partner_id": null}),
        )
        .await
        .ok(200);
    assert_eq!(cleared["website"], Value::Null);
    assert_eq!(cleared["steward_partner_id"], Value::Null);
    assert_eq!(app.get(&path(&created), None).await.ok(200), cleared);
}

#[actix_web::test]
async fn deleted_projects_are_gone() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = create(&app, &admin, new_project("opam")).await;
    app.delete(&path(&created), Some(&admin)).await.ok(204);
    app.get(&path(&created), None).await.problem(404);
    app.get("/api/v1/projects/opam", None).await.problem(404);
    app.delete(&path(&created), Some(&admin)).await.problem(404);
    assert_eq!(listed(&app, "").await, Vec::<String>::new());
    // The slug is free again.
    create(&app, &admin, new_project("opam")).await;
}

#[actix_web::test]
async fn slugs_must_match_the_pattern() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let too_long = "a".repeat(64);
    for slug in [
        "x",
        "-opam",
        "Opam",
        "op am",
        "opam_2",
        "é",
        too_long.as_str(),
    ] {
        assert_refused(&app, &admin, new_project(slug), "#/slug", "pattern").await;
    }
    create(&app, &admin, new_project(&"a".repeat(63))).await;
    create(&app, &admin, new_project("0-x")).await;
}

#[actix_web::test]
async fn names_must_not_be_blank() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for name in ["", "   "] {
        let body = with(new_project("opam"), "name", json!(name));
        assert_refused(&app, &admin, body, "#/name", "blank").await;
    }
}

#[actix_web::test]
async fn repository_urls_must_be_http_or_https() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for url in [
        "ftp://x",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "/ocaml/opam",
        "github.com/ocaml/opam",
        "",
    ] {
        let body = with(new_project("opam"), "repository_url", json!(url));
        assert_refused(&app, &admin, body, "#/repository_url", "url").await;
    }
    let plain = with(
        new_project("opam"),
        "repository_url",
        json!("http://git.example/opam"),
    );
    create(&app, &admin, plain).await;
}

#[actix_web::test]
async fn websites_must_be_http_urls() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for url in [
        "javascript:alert(1)",
        "opam.ocaml.org",
        "mailto:opam@ocaml.org",
    ] {
        let body = with(new_project("opam"), "website", json!(url));
        assert_refused(&app, &admin, body, "#/website", "url").await;
    }
    let created = create(&app, &admin, new_project("opam")).await;
    let codes = app
        .patch(
            &path(&created),
            Some(&admin),
            json!({"website": "ftp://opam.ocaml.org"}),
        )
        .await
        .invalid_fields(&["#/website"]);
    assert_eq!(codes, ["url"]);
    assert_eq!(app.get(&path(&created), None).await.ok(200), created);
}

#[actix_web::test]
async fn unknown_license_ids_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for license in ["Nope-1.0", "MIT OR Nope-1.0", "MIT WITH Nope-exception"] {
        let body = with(new_project("opam"), "license", json!(license));
        assert_refused(&app, &admin, body, "#/license", "spdx").await;
    }
}

#[actix_web::test]
async fn license_syntax_errors_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for license in [
        "MIT OR",
        "(MIT",
        "MIT AND AND Apache-2.0",
        "MIT / Apache-2.0",
        "",
    ] {
        let body = with(new_project("opam"), "license", json!(license));
        assert_refused(&app, &admin, body, "#/license", "spdx").await;
    }
}

#[actix_web::test]
async fn license_ids_are_case_sensitive() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for license in ["mit", "apache-2.0", "MIT OR apache-2.0", "Mit"] {
        let body = with(new_project("opam"), "license", json!(license));
        assert_refused(&app, &admin, body, "#/license", "spdx").await;
    }
}

#[actix_web::test]
async fn deprecated_license_ids_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for license in ["GPL-2.0+", "GPL-2.0", "LGPL-2.1"] {
        let body = with(new_project("opam"), "license", json!(license));
        assert_refused(&app, &admin, body, "#/license", "spdx").await;
    }
}

#[actix_web::test]
async fn compound_license_expressions_are_accepted() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for (slug, license, ids) in [
        ("dual", "MIT OR Apache-2.0", json!(["MIT", "Apache-2.0"])),
        (
            "opam",
            "LGPL-2.1-only WITH OCaml-LGPL-linking-exception",
            json!(["LGPL-2.1-only"]),
        ),
        (
            "nested",
            "(MIT OR Apache-2.0) AND BSD-3-Clause",
            json!(["MIT", "Apache-2.0", "BSD-3-Clause"]),
        ),
    ] {
        let created = create_licensed(&app, &admin, slug, license).await;
        assert_eq!(created["license"], license);
        assert_eq!(created["license_ids"], ids, "{license}");
    }
}

#[actix_web::test]
async fn unknown_skills_are_reported_at_their_index() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "ocaml").await;
    let body = with(new_project("opam"), "skills", json!(["ocaml", "cobol"]));
    assert_names_nothing(&app, &admin, body, "#/skills/1").await;

    let body = with(
        new_project("opam"),
        "skills",
        json!(["fortran", "ocaml", "cobol"]),
    );
    let codes = app
        .post("/api/v1/projects", Some(&admin), body)
        .await
        .unmet_fields(&["#/skills/0", "#/skills/2"]);
    assert_eq!(codes, ["not_found", "not_found"]);
    assert_eq!(listed(&app, "").await, Vec::<String>::new());
}

#[actix_web::test]
async fn unknown_stewards_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let body = with(
        new_project("opam"),
        "steward_partner_id",
        json!(ose_api::db::new_id()),
    );
    assert_names_nothing(&app, &admin, body, "#/steward_partner_id").await;
    // A buyer is not a partner.
    let buyer = app.insert_buyer("Ville de Lyon");
    let body = with(new_project("opam"), "steward_partner_id", json!(buyer));
    assert_names_nothing(&app, &admin, body, "#/steward_partner_id").await;
}

#[actix_web::test]
async fn errors_in_several_fields_come_back_together() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let codes = app
        .post(
            "/api/v1/projects",
            Some(&admin),
            json!({"slug": "Bad Slug", "name": " ", "repository_url": "ftp://x",
                   "website": "javascript:alert(1)", "license": "MIT OR"}),
        )
        .await
        .invalid_fields(&[
            "#/license",
            "#/name",
            "#/repository_url",
            "#/slug",
            "#/website",
        ]);
    assert_eq!(codes, ["spdx", "blank", "url", "pattern", "url"]);
    assert_eq!(listed(&app, "").await, Vec::<String>::new());
}

#[actix_web::test]
async fn unknown_skills_and_steward_come_back_together() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let mut body = new_project("opam");
    body["skills"] = json!(["cobol"]);
    body["steward_partner_id"] = json!(ose_api::db::new_id());
    let codes = app
        .post("/api/v1/projects", Some(&admin), body)
        .await
        .unmet_fields(&["#/skills/0", "#/steward_partner_id"]);
    assert_eq!(codes, ["not_found", "not_found"]);
    assert_eq!(listed(&app, "").await, Vec::<String>::new());

    let created = create(&app, &admin, new_project("opam")).await;
    let codes = app
        .patch(
            &path(&created),
            Some(&admin),
            json!({"skills": ["cobol"], "steward_partner_id": ose_api::db::new_id()}),
        )
        .await
        .unmet_fields(&["#/skills/0", "#/steward_partner_id"]);
    assert_eq!(codes, ["not_found", "not_found"]);
    assert_eq!(app.get(&path(&created), None).await.ok(200), created);
}

#[actix_web::test]
async fn refused_patches_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "ocaml").await;
    let steward = app.insert_partner("OCamlPro", "active");
    let mut body = with(new_project("opam"), "skills", json!(["ocaml"]));
    body["steward_partner_id"] = json!(steward);
    let created = create(&app, &admin, body).await;

    for (patch, pointer, code) in [
        (
            json!({"name": "x", "license": "Nope-1.0"}),
            "#/license",
            "spdx",
        ),
        (json!({"name": "x", "license": "mit"}), "#/license", "spdx"),
        (json!({"name": "x", "slug": "-x"}), "#/slug", "pattern"),
        (
            json!({"name": "x", "repository_url": "javascript:alert(1)"}),
            "#/repository_url",
            "url",
        ),
        (
            json!({"name": "x", "skills": ["cobol"]}),
            "#/skills/0",
            "not_found",
        ),
        (
            json!({"name": "x", "skills": [], "steward_partner_id": ose_api::db::new_id()}),
            "#/steward_partner_id",
            "not_found",
        ),
    ] {
        let response = app.patch(&path(&created), Some(&admin), patch).await;
        let codes = if code == "not_found" {
            response.unmet_fields(&[pointer])
        } else {
            response.invalid_fields(&[pointer])
        };
        assert_eq!(codes, [code]);
        assert_eq!(
            app.get(&path(&created), None).await.ok(200),
            created,
            "a refused patch at {pointer} changes nothing"
        );
    }
}

#[actix_web::test]
async fn unknown_body_fields_are_bad_requests() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let body = with(new_project("opam"), "stars", json!(5000));
    app.post("/api/v1/projects", Some(&admin), body)
        .await
        .problem(400);
    let created = create(&app, &admin, new_project("dune")).await;
    app.patch(
        &path(&created),
        Some(&admin),
        json!({"license_ids": ["MIT"]}),
    )
    .await
    .problem(400);
    assert_eq!(listed(&app, "").await, ["dune"]);
    assert_eq!(app.get(&path(&created), None).await.ok(200), created);
}

#[actix_web::test]
async fn slugs_are_unique_on_create() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let first = create(&app, &admin, new_project("opam")).await;
    let again = with(new_project("opam"), "name", json!("Another opam"));
    app.post("/api/v1/projects", Some(&admin), again)
        .await
        .problem(409);
    assert_eq!(listed(&app, "").await, ["opam"]);
    assert_eq!(app.get("/api/v1/projects/opam", None).await.ok(200), first);
}

#[actix_web::test]
async fn slugs_are_unique_on_patch() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create(&app, &admin, new_project("opam")).await;
    let dune = create(&app, &admin, new_project("dune")).await;
    app.patch(
        "/api/v1/projects/dune",
        Some(&admin),
        json!({"slug": "opam", "name": "Renamed"}),
    )
    .await
    .problem(409);
    assert_eq!(app.get("/api/v1/projects/dune", None).await.ok(200), dune);
    // Keeping its own slug is no conflict.
    let same = app
        .patch(
            "/api/v1/projects/dune",
            Some(&admin),
            json!({"slug": "dune"}),
        )
        .await
        .ok(200);
    assert_eq!(same["version"], 2);
}

#[actix_web::test]
async fn lists_filter_by_text_in_slug_name_or_description() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create(&app, &admin, new_project("postgis")).await;
    create(
        &app,
        &admin,
        with(new_project("qgis"), "name", json!("QGIS Desktop")),
    )
    .await;
    create(
        &app,
        &admin,
        with(
            new_project("mapserver"),
            "description",
            json!("Publishes GIS data, 100% open"),
        ),
    )
    .await;
    create(&app, &admin, new_project("opam")).await;

    assert_eq!(
        listed(&app, "q=gis").await,
        ["mapserver", "postgis", "qgis"]
    );
    assert_eq!(listed(&app, "q=DESKTOP").await, ["qgis"]);
    assert_eq!(listed(&app, "q=PostG").await, ["postgis"]);
    assert_eq!(listed(&app, "q=100%25").await, ["mapserver"]);
    assert_eq!(listed(&app, "q=_").await, Vec::<String>::new());
    assert_eq!(
        listed(&app, "q=%20").await.len(),
        4,
        "a blank q does not filter"
    );
}

#[actix_web::test]
async fn lists_filter_by_skill_slug_or_id() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let postgresql = create_skill(&app, &admin, "postgresql").await;
    create_skill(&app, &admin, "gis").await;
    create(
        &app,
        &admin,
        with(
            new_project("postgis"),
            "skills",
            json!(["postgresql", "gis"]),
        ),
    )
    .await;
    create(
        &app,
        &admin,
        with(new_project("pgadmin"), "skills", json!(["postgresql"])),
    )
    .await;
    create(
        &app,
        &admin,
        with(new_project("qgis"), "skills", json!(["gis"])),
    )
    .await;
    create(&app, &admin, new_project("opam")).await;

    assert_eq!(
        listed(&app, "skill=postgresql").await,
        ["pgadmin", "postgis"]
    );
    let by_id = format!("skill={}", postgresql["id"].as_str().unwrap());
    assert_eq!(listed(&app, &by_id).await, ["pgadmin", "postgis"]);
    assert_eq!(listed(&app, "skill=gis").await, ["postgis", "qgis"]);
    // Each item carries all its skills, not only the one filtered on.
    let page = app.get("/api/v1/projects?skill=gis", None).await.ok(200);
    assert_eq!(page["items"][0]["skills"], json!(["gis", "postgresql"]));
}

#[actix_web::test]
async fn unknown_skill_filters_give_an_empty_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "ocaml").await;
    create(
        &app,
        &admin,
        with(new_project("opam"), "skills", json!(["ocaml"])),
    )
    .await;
    let response = app.get("/api/v1/projects?skill=cobol", None).await;
    assert_eq!(response.header("link"), None);
    let page = response.ok(200);
    assert_eq!(page["items"], json!([]));
    assert_eq!(page["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn license_filters_match_whole_license_ids() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_licensed(&app, &admin, "dual", "MIT OR Apache-2.0").await;
    create_licensed(&app, &admin, "zero", "MIT-0").await;
    create_licensed(&app, &admin, "apache", "Apache-2.0").await;
    create_licensed(
        &app,
        &admin,
        "nested",
        "(BSD-3-Clause OR Apache-2.0) AND MIT",
    )
    .await;
    create_licensed(
        &app,
        &admin,
        "opam",
        "LGPL-2.1-only WITH OCaml-LGPL-linking-exception",
    )
    .await;

    assert_eq!(listed(&app, "license=MIT").await, ["dual", "nested"]);
    assert_eq!(listed(&app, "license=MIT-0").await, ["zero"]);
    assert_eq!(
        listed(&app, "license=Apache-2.0").await,
        ["apache", "dual", "nested"]
    );
    assert_eq!(listed(&app, "license=BSD-3-Clause").await, ["nested"]);
    assert_eq!(listed(&app, "license=LGPL-2.1-only").await, ["opam"]);
    assert_eq!(
        listed(&app, "license=GPL-3.0-only").await,
        Vec::<String>::new()
    );
}

#[actix_web::test]
async fn license_filters_ignore_the_case_of_ids() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_licensed(&app, &admin, "dual", "MIT OR Apache-2.0").await;
    create_licensed(&app, &admin, "zero", "MIT-0").await;
    assert_eq!(listed(&app, "license=mit").await, ["dual"]);
    assert_eq!(listed(&app, "license=APACHE-2.0").await, ["dual"]);
    assert_eq!(listed(&app, "license=mit-0").await, ["zero"]);
}

#[actix_web::test]
async fn license_filters_name_one_spdx_id() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_licensed(&app, &admin, "dual", "MIT OR Apache-2.0").await;
    // A piece of an id or an id the SPDX list lacks matches nothing, as an unknown
    // skill does.
    for license in ["Apache", "Nope-1.0", "MIT-"] {
        assert!(
            listed(&app, &format!("license={license}")).await.is_empty(),
            "{license}"
        );
    }
    // An expression, or two ids, is a mistake: refused, naming the parameter.
    for license in ["MIT%20OR%20Apache-2.0", "MIT%20Apache-2.0", "(MIT)"] {
        let problem = app
            .get(&format!("/api/v1/projects?license={license}"), None)
            .await
            .problem(400);
        assert_eq!(problem["errors"][0]["parameter"], "license", "{license}");
        assert_eq!(problem["errors"][0]["code"], "spdx", "{license}");
    }
}

#[actix_web::test]
async fn lists_filter_by_steward() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let oslandia = app.insert_partner("Oslandia", "active");
    let ocamlpro = app.insert_partner("OCamlPro", "active");
    for (slug, steward) in [
        ("qgis", &oslandia),
        ("opam", &ocamlpro),
        ("postgis", &oslandia),
    ] {
        let body = with(new_project(slug), "steward_partner_id", json!(steward));
        create(&app, &admin, body).await;
    }
    create(&app, &admin, new_project("dune")).await;

    assert_eq!(
        listed(&app, &format!("steward_partner_id={oslandia}")).await,
        ["postgis", "qgis"]
    );
    assert_eq!(
        listed(&app, &format!("steward_partner_id={ocamlpro}")).await,
        ["opam"]
    );
    let nobody = format!("steward_partner_id={}", ose_api::db::new_id());
    assert_eq!(listed(&app, &nobody).await, Vec::<String>::new());
}

#[actix_web::test]
async fn filters_combine() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "gis").await;
    let oslandia = app.insert_partner("Oslandia", "active");
    let project = |slug: &str, license: &str, steward: Option<&str>| {
        let mut body = with(new_project(slug), "license", json!(license));
        body["skills"] = json!(["gis"]);
        body["steward_partner_id"] = json!(steward);
        body
    };
    create(
        &app,
        &admin,
        project("qgis", "GPL-2.0-or-later", Some(oslandia.as_str())),
    )
    .await;
    create(&app, &admin, project("postgis", "GPL-2.0-or-later", None)).await;
    create(
        &app,
        &admin,
        project("py3dtiles", "Apache-2.0", Some(oslandia.as_str())),
    )
    .await;
    create_licensed(&app, &admin, "gis-tools", "GPL-2.0-or-later").await;

    assert_eq!(
        listed(&app, "skill=gis&license=GPL-2.0-or-later").await,
        ["postgis", "qgis"]
    );
    assert_eq!(
        listed(
            &app,
            &format!("skill=gis&license=GPL-2.0-or-later&steward_partner_id={oslandia}")
        )
        .await,
        ["qgis"]
    );
    assert_eq!(
        listed(&app, "q=gis&license=GPL-2.0-or-later").await,
        ["gis-tools", "postgis", "qgis"]
    );
    assert_eq!(
        listed(&app, "q=tiles&license=GPL-2.0-or-later").await,
        Vec::<String>::new()
    );
}

#[actix_web::test]
async fn lists_are_in_slug_order_and_paginate() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for slug in ["echo", "bravo", "delta", "alpha", "charlie"] {
        create(&app, &admin, new_project(slug)).await;
    }
    assert_eq!(
        listed(&app, "").await,
        ["alpha", "bravo", "charlie", "delta", "echo"]
    );

    let mut seen = Vec::new();
    let mut query = "limit=2".to_owned();
    let mut pages = 0;
    loop {
        let response = app.get(&format!("/api/v1/projects?{query}"), None).await;
        let page = response.ok(200);
        assert!(page["items"].as_array().unwrap().len() <= 2);
        seen.extend(slugs(&page));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                assert_eq!(
                    response.header("link").unwrap(),
                    format!("</api/v1/projects?limit=2&cursor={cursor}>; rel=\"next\"")
                );
                query = format!("limit=2&cursor={cursor}");
            }
            None => {
                assert_eq!(response.header("link"), None);
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["alpha", "bravo", "charlie", "delta", "echo"]);
}

#[actix_web::test]
async fn filtered_pages_keep_their_filters() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for slug in ["a-mit", "b-mit", "c-apache", "d-mit"] {
        let license = if slug.ends_with("mit") {
            "MIT"
        } else {
            "Apache-2.0"
        };
        create_licensed(&app, &admin, slug, license).await;
    }
    let response = app.get("/api/v1/projects?license=MIT&limit=2", None).await;
    let first = response.ok(200);
    assert_eq!(slugs(&first), ["a-mit", "b-mit"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    assert_eq!(
        response.header("link").unwrap(),
        format!("</api/v1/projects?license=MIT&limit=2&cursor={cursor}>; rel=\"next\"")
    );
    let second = app
        .get(
            &format!("/api/v1/projects?license=MIT&limit=2&cursor={cursor}"),
            None,
        )
        .await
        .ok(200);
    assert_eq!(slugs(&second), ["d-mit"]);
    assert_eq!(second["next_cursor"], Value::Null);
    for query in ["limit=0", "limit=101"] {
        app.get(&format!("/api/v1/projects?{query}"), None)
            .await
            .problem(400);
    }
    app.get("/api/v1/projects?cursor=garbage", None)
        .await
        .problem(404);
}

#[actix_web::test]
async fn writes_need_a_token() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = create(&app, &admin, new_project("opam")).await;
    app.post("/api/v1/projects", None, new_project("dune"))
        .await
        .problem(401);
    app.patch(&path(&created), None, json!({"name": "Intruder"}))
        .await
        .problem(401);
    app.delete(&path(&created), None).await.problem(401);
    assert_eq!(listed(&app, "").await, ["opam"]);
    assert_eq!(app.get(&path(&created), None).await.ok(200), created);
}

#[actix_web::test]
async fn partners_and_buyers_cannot_write_projects() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let (partner, partner_id) = app.member(Role::Partner);
    let (buyer, _) = app.member(Role::Buyer);
    // Even the project's steward may not change it.
    let body = with(new_project("opam"), "steward_partner_id", json!(partner_id));
    let created = create(&app, &admin, body).await;
    for token in [partner.as_str(), buyer.as_str()] {
        app.post("/api/v1/projects", Some(token), new_project("dune"))
            .await
            .problem(403);
        app.patch(&path(&created), Some(token), json!({"name": "Intruder"}))
            .await
            .problem(403);
        app.delete(&path(&created), Some(token)).await.problem(403);
        assert_eq!(app.get(&path(&created), Some(token)).await.ok(200), created);
    }
    assert_eq!(listed(&app, "").await, ["opam"]);
}

#[actix_web::test]
async fn patches_with_a_stale_etag_fail_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let created = create(&app, &admin, new_project("opam")).await;
    let stale = app.get(&path(&created), None).await.header("etag").unwrap();
    let moved = app
        .patch(&path(&created), Some(&admin), json!({"name": "opam 2"}))
        .await;
    let current = moved.header("etag").unwrap();
    let moved = moved.ok(200);
    app.json_if_match(
        Method::PATCH,
        &path(&created),
        Some(&admin),
        Some(&stale),
        json!({"name": "Stale write"}),
    )
    .await
    .problem(412);
    assert_eq!(app.get(&path(&created), None).await.ok(200), moved);
    let updated = app
        .json_if_match(
            Method::PATCH,
            "/api/v1/projects/opam",
            Some(&admin),
            Some(&current),
            json!({"name": "opam 2.2"}),
        )
        .await
        .ok(200);
    assert_eq!(updated["version"], 3);
}

#[actix_web::test]
async fn deletes_with_a_stale_etag_fail_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let response = app
        .post("/api/v1/projects", Some(&admin), new_project("opam"))
        .await;
    let created = response.ok(201);
    let stale = response.header("etag").unwrap();
    let moved = app
        .patch(&path(&created), Some(&admin), json!({"name": "opam 2"}))
        .await;
    let current = moved.header("etag").unwrap();
    let moved = moved.ok(200);
    app.delete_if_match(&path(&created), Some(&admin), Some(&stale))
        .await
        .problem(412);
    assert_eq!(app.get(&path(&created), None).await.ok(200), moved);
    app.delete_if_match(&path(&created), Some(&admin), Some(&current))
        .await
        .ok(204);
    app.get(&path(&created), None).await.problem(404);
}

#[actix_web::test]
async fn skills_linked_to_a_project_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "postgresql").await;
    let created = create(
        &app,
        &admin,
        with(new_project("postgis"), "skills", json!(["postgresql"])),
    )
    .await;
    app.delete("/api/v1/skills/postgresql", Some(&admin))
        .await
        .problem(409);
    app.get("/api/v1/skills/postgresql", None).await.ok(200);
    assert_eq!(app.get(&path(&created), None).await.ok(200), created);

    app.delete(&path(&created), Some(&admin)).await.ok(204);
    app.delete("/api/v1/skills/postgresql", Some(&admin))
        .await
        .ok(204);
    app.get("/api/v1/skills/postgresql", None)
        .await
        .problem(404);
}

#[actix_web::test]
async fn partners_stewarding_a_project_cannot_be_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let softeam = app.insert_partner("Softeam", "active");
    let body = with(new_project("modelio"), "steward_partner_id", json!(softeam));
    let created = create(&app, &admin, body).await;
    let partner_path = format!("/api/v1/partners/{softeam}");
    let etag = app
        .get(&partner_path, Some(&admin))
        .await
        .header("etag")
        .unwrap();
    app.delete_if_match(&partner_path, Some(&admin), Some(&etag))
        .await
        .problem(409);
    app.get(&partner_path, Some(&admin)).await.ok(200);
    assert_eq!(app.get(&path(&created), None).await.ok(200), created);

    // Once no project names it, it can go.
    app.patch(
        &path(&created),
        Some(&admin),
        json!({"steward_partner_id": null}),
    )
    .await
    .ok(200);
    app.delete_if_match(&partner_path, Some(&admin), Some(&etag))
        .await
        .ok(204);
    app.get(&partner_path, Some(&admin)).await.problem(404);
}

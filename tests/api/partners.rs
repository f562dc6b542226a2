//! `/partners`: profiles, their validation, who may read and write them, the directory
//! search (filters, sort orders, keyset pages) and optimistic concurrency.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, fresh_siren};
use ose_api::domain::access::Role;

/// A valid partner body named `name`, with `changes` merged over it.
pub fn partner_body(name: &str, changes: Value) -> Value {
    let mut body = json!({
        "name": name, "legal_name": format!("{name} SAS"), "siren": fresh_siren(),
        "kind": "integrator", "membership": "member", "status": "active",
        "website": "https://partner.example", "contact_email": "contact@partner.example",
        "region": "FR-IDF", "headcount": 12, "description": "Open source support."
    });
    if let (Some(body), Value::Object(changes)) = (body.as_object_mut(), changes) {
        body.extend(changes);
    }
    body
}

/// Creates a partner as admin; returns its representation.
pub async fn create_partner(app: &TestApp, admin: &str, name: &str, changes: Value) -> Value {
    app.post("/api/v1/partners", Some(admin), partner_body(name, changes))
        .await
        .ok(201)
}

/// The current ETag of a resource, read as admin.
pub async fn etag_of(app: &TestApp, admin: &str, path: &str) -> String {
    app.get(path, Some(admin))
        .await
        .header("etag")
        .expect("ETag header")
}

pub fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_owned())
        .collect()
}

fn path_of(partner: &Value) -> String {
    format!("/api/v1/partners/{}", partner["id"].as_str().expect("id"))
}

#[actix_web::test]
async fn admins_create_partners_that_anyone_reads_once_active() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let body = partner_body("Dalibo", json!({"siren": "732829320"}));
    let response = app.post("/api/v1/partners", Some(&admin), body).await;
    let created = response.ok(201);
    let path = path_of(&created);
    assert_eq!(response.header("location"), Some(path.clone()));
    assert_eq!(
        response.header("etag"),
        Some(format!("\"{}.1\"", created["id"].as_str().unwrap()))
    );
    for (field, value) in [
        ("name", json!("Dalibo")),
        ("legal_name", json!("Dalibo SAS")),
        ("siren", json!("732829320")),
        ("kind", json!("integrator")),
        ("membership", json!("member")),
        ("status", json!("active")),
        ("verified", json!(false)),
        ("website", json!("https://partner.example")),
        ("contact_email", json!("contact@partner.example")),
        ("region", json!("FR-IDF")),
        ("headcount", json!(12)),
        ("skills", json!([])),
        ("version", json!(1)),
    ] {
        assert_eq!(created[field], value, "{field}");
    }
    assert!(created["created_at"].is_string() && created["updated_at"].is_string());
    let read = app.get(&path, None).await;
    assert_eq!(read.header("etag"), response.header("etag"));
    assert_eq!(read.ok(200), created);

    // Defaults: a new partner is a pending member, private until activated.
    let minimal = app
        .post(
            "/api/v1/partners",
            Some(&admin),
            json!({"name": "Inno3", "legal_name": "Inno3 SAS", "siren": fresh_siren(),
                   "kind": "independent_expert", "contact_email": "contact@inno3.example",
                   "region": "FR-IDF"}),
        )
        .await
        .ok(201);
    assert_eq!(minimal["status"], "pending");
    assert_eq!(minimal["membership"], "member");
    assert_eq!(minimal["website"], Value::Null);
    app.get(&path_of(&minimal), None).await.problem(404);
    app.get(&path_of(&minimal), Some(&admin)).await.ok(200);
}

/// Posts `changes` over a valid body and expects exactly `pointer` to be refused with `code`.
async fn refused(app: &TestApp, admin: &str, changes: Value, pointer: &str, code: &str) {
    let codes = app
        .post(
            "/api/v1/partners",
            Some(admin),
            partner_body("Refused", changes),
        )
        .await
        .invalid_fields(&[pointer]);
    assert_eq!(codes, [code], "{pointer}");
}

#[actix_web::test]
async fn a_blank_or_overlong_name_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    refused(&app, &admin, json!({"name": "   "}), "#/name", "blank").await;
    refused(
        &app,
        &admin,
        json!({"name": "n".repeat(201)}),
        "#/name",
        "length",
    )
    .await;
    refused(
        &app,
        &admin,
        json!({"legal_name": ""}),
        "#/legal_name",
        "blank",
    )
    .await;
}

#[actix_web::test]
async fn a_siren_needs_nine_digits() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for siren in ["73282932", "7328293200", "73282932A", ""] {
        refused(&app, &admin, json!({"siren": siren}), "#/siren", "format").await;
    }
}

#[actix_web::test]
async fn a_siren_needs_its_luhn_key() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    refused(
        &app,
        &admin,
        json!({"siren": "732829321"}),
        "#/siren",
        "checksum",
    )
    .await;
}

#[actix_web::test]
async fn a_siren_belongs_to_one_partner() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_partner(&app, &admin, "First", json!({"siren": "732829320"})).await;
    app.post(
        "/api/v1/partners",
        Some(&admin),
        partner_body("Second", json!({"siren": "732829320"})),
    )
    .await
    .problem(409);
    let other = create_partner(&app, &admin, "Other", json!({})).await;
    let etag = etag_of(&app, &admin, &path_of(&other)).await;
    app.json_if_match(
        Method::PATCH,
        &path_of(&other),
        Some(&admin),
        Some(&etag),
        json!({"siren": "732829320"}),
    )
    .await
    .problem(409);
}

#[actix_web::test]
async fn a_website_must_be_an_http_url() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for website in [
        "partner.example",
        "javascript:alert(1)",
        "ftp://partner.example",
    ] {
        refused(
            &app,
            &admin,
            json!({"website": website}),
            "#/website",
            "url",
        )
        .await;
    }
}

#[actix_web::test]
async fn a_contact_email_must_be_an_email() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    refused(
        &app,
        &admin,
        json!({"contact_email": "contact-at-partner"}),
        "#/contact_email",
        "email",
    )
    .await;
}

#[actix_web::test]
async fn a_region_must_be_an_iso_3166_2_fr_region() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    // A department, a lower-case code and a pre-2016 region are not regions.
    for region in ["FR-75", "fr-idf", "FR-J", "Île-de-France"] {
        refused(
            &app,
            &admin,
            json!({"region": region}),
            "#/region",
            "region",
        )
        .await;
    }
    create_partner(&app, &admin, "Corsica", json!({"region": "FR-20R"})).await;
    create_partner(&app, &admin, "Reunion", json!({"region": "FR-RE"})).await;
}

#[actix_web::test]
async fn a_kind_is_one_of_the_partner_kinds() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    refused(&app, &admin, json!({"kind": "reseller"}), "#/kind", "enum").await;
}

#[actix_web::test]
async fn a_membership_is_founding_member_or_supporter() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    refused(
        &app,
        &admin,
        json!({"membership": "gold"}),
        "#/membership",
        "enum",
    )
    .await;
}

#[actix_web::test]
async fn a_status_is_pending_active_or_suspended() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    refused(
        &app,
        &admin,
        json!({"status": "deleted"}),
        "#/status",
        "enum",
    )
    .await;
}

#[actix_web::test]
async fn a_headcount_cannot_be_negative() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    refused(
        &app,
        &admin,
        json!({"headcount": -1}),
        "#/headcount",
        "range",
    )
    .await;
}

#[actix_web::test]
async fn every_bad_field_is_reported_at_once_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    app.post(
        "/api/v1/partners",
        Some(&admin),
        partner_body(
            "Bad",
            json!({"siren": "1", "region": "FR-XX", "kind": "x", "website": "nope"}),
        ),
    )
    .await
    .invalid_fields(&["#/kind", "#/region", "#/siren", "#/website"]);
    app.post(
        "/api/v1/partners",
        Some(&admin),
        partner_body("Bad", json!({"founded": 1999})),
    )
    .await
    .problem(400);
    let all = app.get("/api/v1/partners", Some(&admin)).await.ok(200);
    assert_eq!(names(&all), Vec::<String>::new());
}

#[actix_web::test]
async fn a_partner_edits_its_own_profile_but_not_the_networks_fields() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let (partner, partner_id) = app.member(Role::Partner);
    let path = format!("/api/v1/partners/{partner_id}");
    let etag = etag_of(&app, &admin, &path).await;
    let response = app
        .json_if_match(
            Method::PATCH,
            &path,
            Some(&partner),
            Some(&etag),
            json!({"name": "Oslandia", "headcount": null, "website": "https://oslandia.com",
                   "description": "QGIS core contributors", "region": "FR-ARA"}),
        )
        .await;
    let updated = response.ok(200);
    assert_eq!(updated["name"], "Oslandia");
    assert_eq!(updated["headcount"], Value::Null);
    assert_eq!(updated["region"], "FR-ARA");
    assert_eq!(updated["version"], 2);
    let etag = response.header("etag").unwrap();
    assert_eq!(etag, format!("\"{partner_id}.2\""));

    // Each of the network's fields is named, and nothing changes.
    let codes = app
        .json_if_match(
            Method::PATCH,
            &path,
            Some(&partner),
            Some(&etag),
            json!({"status": "active", "membership": "founding", "verified": true,
                   "siren": fresh_siren(), "name": "Renamed"}),
        )
        .await
        .invalid_fields(&["#/membership", "#/siren", "#/status", "#/verified"]);
    assert_eq!(codes, ["not_allowed"; 4]);
    let after = app.get(&path, Some(&partner)).await.ok(200);
    assert_eq!(after, updated);

    // The admin may set them.
    let changed = app
        .json_if_match(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(&etag),
            json!({"membership": "founding", "verified": true, "status": "suspended"}),
        )
        .await
        .ok(200);
    assert_eq!(changed["membership"], "founding");
    assert_eq!(changed["verified"], true);
    assert_eq!(changed["status"], "suspended");
}

#[actix_web::test]
async fn patch_validation_names_each_bad_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let partner = create_partner(&app, &admin, "Worteks", json!({})).await;
    let path = path_of(&partner);
    let etag = etag_of(&app, &admin, &path).await;
    app.json_if_match(
        Method::PATCH,
        &path,
        Some(&admin),
        Some(&etag),
        json!({"name": " ", "contact_email": "x", "headcount": -5, "region": "FR-75",
               "kind": "vendor"}),
    )
    .await
    .invalid_fields(&[
        "#/contact_email",
        "#/headcount",
        "#/kind",
        "#/name",
        "#/region",
    ]);
    // `null` clears what may be cleared; on anything else it is a wrong type, not "unchanged".
    for null in [
        json!({"name": null}),
        json!({"kind": null}),
        json!({"verified": null}),
    ] {
        app.json_if_match(Method::PATCH, &path, Some(&admin), Some(&etag), null)
            .await
            .problem(400);
    }
    assert_eq!(app.get(&path, None).await.ok(200), partner);
}

#[actix_web::test]
async fn writes_need_the_right_principal() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let (partner, own_id) = app.member(Role::Partner);
    let (buyer, _) = app.member(Role::Buyer);
    let active = create_partner(&app, &admin, "Active", json!({})).await;
    let pending = create_partner(&app, &admin, "Pending", json!({"status": "pending"})).await;
    let own = format!("/api/v1/partners/{own_id}");
    let active_etag = etag_of(&app, &admin, &path_of(&active)).await;
    let pending_etag = etag_of(&app, &admin, &path_of(&pending)).await;
    let patch = json!({"description": "changed"});

    // Anonymous: 401 on every write.
    app.post("/api/v1/partners", None, partner_body("X", json!({})))
        .await
        .problem(401);
    app.json_if_match(Method::PATCH, &own, None, None, patch.clone())
        .await
        .problem(401);
    app.delete_if_match(&own, None, None).await.problem(401);

    // Partners and buyers create and delete nothing.
    for token in [&partner, &buyer] {
        app.post(
            "/api/v1/partners",
            Some(token),
            partner_body("X", json!({})),
        )
        .await
        .problem(403);
        app.delete_if_match(&path_of(&active), Some(token), Some(&active_etag))
            .await
            .problem(403);
    }
    // Another partner's public profile: 403; a private one: 404 (no existence leak).
    for token in [&partner, &buyer] {
        app.json_if_match(
            Method::PATCH,
            &path_of(&active),
            Some(token),
            Some(&active_etag),
            patch.clone(),
        )
        .await
        .problem(403);
        app.json_if_match(
            Method::PATCH,
            &path_of(&pending),
            Some(token),
            Some(&pending_etag),
            patch.clone(),
        )
        .await
        .problem(404);
    }
    assert_eq!(app.get(&path_of(&active), None).await.ok(200), active);
    assert_eq!(
        app.get(&path_of(&pending), Some(&admin)).await.ok(200),
        pending
    );
    app.get("/api/v1/partners/no-such-partner", Some(&admin))
        .await
        .problem(404);
}

#[actix_web::test]
async fn a_partner_that_is_not_active_is_seen_by_admins_and_itself_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let pending = app.insert_partner("Pending", "pending");
    let suspended = app.insert_partner("Suspended", "suspended");
    let pending_user = app.user_for(Role::Partner, &pending);
    let (other_partner, _) = app.member(Role::Partner);
    let (buyer, _) = app.member(Role::Buyer);
    for id in [&pending, &suspended] {
        let path = format!("/api/v1/partners/{id}");
        app.get(&path, None).await.problem(404);
        app.get(&path, Some(&other_partner)).await.problem(404);
        app.get(&path, Some(&buyer)).await.problem(404);
        app.get(&format!("{path}/skills"), None).await.problem(404);
        app.get(&path, Some(&admin)).await.ok(200);
    }
    app.get(&format!("/api/v1/partners/{pending}"), Some(&pending_user))
        .await
        .ok(200);
    app.get(
        &format!("/api/v1/partners/{suspended}"),
        Some(&pending_user),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn lists_show_active_partners_except_to_admins() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    app.insert_partner("Active", "active");
    let pending = app.insert_partner("Pending", "pending");
    app.insert_partner("Suspended", "suspended");
    let pending_user = app.user_for(Role::Partner, &pending);
    let (buyer, _) = app.member(Role::Buyer);
    for token in [None, Some(buyer.as_str()), Some(pending_user.as_str())] {
        let page = app.get("/api/v1/partners", token).await.ok(200);
        assert_eq!(names(&page), ["Active"]);
        let asked = app
            .get("/api/v1/partners?status=pending", token)
            .await
            .ok(200);
        assert_eq!(names(&asked), Vec::<String>::new());
    }
    let all = app.get("/api/v1/partners", Some(&admin)).await.ok(200);
    assert_eq!(names(&all), ["Active", "Pending", "Suspended"]);
    let pending_only = app
        .get("/api/v1/partners?status=pending", Some(&admin))
        .await
        .ok(200);
    assert_eq!(names(&pending_only), ["Pending"]);
}

/// Gives `partner_id` the skill `slug` at `level` (with evidence), as admin.
pub async fn grant(app: &TestApp, admin: &str, partner_id: &str, slug: &str, level: &str) {
    app.json_if_match(
        Method::PUT,
        &format!("/api/v1/partners/{partner_id}/skills/{slug}"),
        Some(admin),
        None,
        json!({"level": level, "evidence_urls": ["https://git.example/commits"]}),
    )
    .await
    .ok(201);
}

pub async fn create_skill(app: &TestApp, admin: &str, slug: &str) {
    app.post(
        "/api/v1/skills",
        Some(admin),
        json!({"slug": slug, "name": slug, "category": "test"}),
    )
    .await
    .ok(201);
}

#[actix_web::test]
async fn filters_combine_and_skills_must_all_match() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for slug in ["postgresql", "postgis", "qgis"] {
        create_skill(&app, &admin, slug).await;
    }
    let dalibo = create_partner(
        &app,
        &admin,
        "Dalibo",
        json!({"description": "PostgreSQL support"}),
    )
    .await;
    let oslandia = create_partner(
        &app,
        &admin,
        "Oslandia",
        json!({"region": "FR-ARA", "legal_name": "Oslandia GIS SAS"}),
    )
    .await;
    let eviden = create_partner(
        &app,
        &admin,
        "Eviden",
        json!({"membership": "supporter", "kind": "publisher"}),
    )
    .await;
    let softeam = create_partner(
        &app,
        &admin,
        "Softeam",
        json!({"membership": "founding", "verified": true}),
    )
    .await;
    let id = |p: &Value| p["id"].as_str().unwrap().to_owned();
    grant(&app, &admin, &id(&dalibo), "postgresql", "maintainer").await;
    grant(&app, &admin, &id(&oslandia), "postgresql", "contributor").await;
    grant(&app, &admin, &id(&oslandia), "postgis", "maintainer").await;
    grant(&app, &admin, &id(&oslandia), "qgis", "expert").await;
    grant(&app, &admin, &id(&eviden), "postgresql", "expert").await;
    grant(&app, &admin, &id(&softeam), "qgis", "practitioner").await;

    let find = |query: &'static str| {
        let app = &app;
        async move {
            names(
                &app.get(&format!("/api/v1/partners?{query}"), None)
                    .await
                    .ok(200),
            )
        }
    };
    assert_eq!(
        find("skill=postgresql").await,
        ["Dalibo", "Eviden", "Oslandia"]
    );
    assert_eq!(
        find("skill=postgresql&min_level=contributor").await,
        ["Dalibo", "Oslandia"]
    );
    assert_eq!(
        find("skill=postgresql&min_level=maintainer").await,
        ["Dalibo"]
    );
    // Repeated skills must all be held, each at the minimum level.
    assert_eq!(find("skill=postgresql&skill=qgis").await, ["Oslandia"]);
    assert_eq!(
        find("skill=postgresql&skill=qgis&min_level=contributor").await,
        Vec::<String>::new()
    );
    assert_eq!(find("skill=postgresql&skill=postgis").await, ["Oslandia"]);
    // Without a skill, min_level asks for some skill at that level.
    assert_eq!(find("min_level=maintainer").await, ["Dalibo", "Oslandia"]);
    // Text over name, legal name and description, case-insensitive.
    assert_eq!(find("q=POSTGRESQL").await, ["Dalibo"]);
    assert_eq!(find("q=gis%20sas").await, ["Oslandia"]);
    assert_eq!(find("region=FR-ARA").await, ["Oslandia"]);
    assert_eq!(find("kind=publisher").await, ["Eviden"]);
    assert_eq!(find("membership=founding").await, ["Softeam"]);
    assert_eq!(find("verified=true").await, ["Softeam"]);
    assert_eq!(
        find("verified=false&skill=postgresql&region=FR-IDF").await,
        ["Dalibo", "Eviden"]
    );
    assert_eq!(
        find("skill=postgresql&kind=integrator&q=dal").await,
        ["Dalibo"]
    );
    // An unknown skill matches nobody.
    assert_eq!(find("skill=cobol").await, Vec::<String>::new());
    // Skills given by id work like slugs.
    let skill = app.get("/api/v1/skills/qgis", None).await.ok(200);
    let by_id = app
        .get(
            &format!(
                "/api/v1/partners?skill={}&min_level=expert",
                skill["id"].as_str().unwrap()
            ),
            None,
        )
        .await
        .ok(200);
    assert_eq!(names(&by_id), ["Oslandia"]);

    // Each item carries its skills in slug order.
    let page = app.get("/api/v1/partners?q=oslandia", None).await.ok(200);
    let skills: Vec<(&str, &str)> = page["items"][0]["skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["skill"].as_str().unwrap(), s["level"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skills,
        [
            ("postgis", "maintainer"),
            ("postgresql", "contributor"),
            ("qgis", "expert")
        ]
    );
}

#[actix_web::test]
async fn bad_filters_are_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    // Values outside a closed set are refused by the query parser, which names them.
    for (query, value) in [
        ("kind=vendor", "vendor"),
        ("membership=gold", "gold"),
        ("min_level=guru", "guru"),
        ("sort=siren", "siren"),
        ("status=gone", "gone"),
    ] {
        let problem = app
            .get(&format!("/api/v1/partners?{query}"), None)
            .await
            .problem(400);
        assert!(
            problem["detail"].as_str().unwrap().contains(value),
            "{query}: {problem}"
        );
    }
    app.get("/api/v1/partners?verified=maybe", None)
        .await
        .problem(400);
    // Checked values name their parameter.
    for (query, parameter) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("region=FR-75", "region"),
    ] {
        let problem = app
            .get(&format!("/api/v1/partners?{query}"), None)
            .await
            .problem(400);
        assert_eq!(problem["errors"][0]["parameter"], parameter, "{query}");
    }
}

#[actix_web::test]
async fn each_sort_order_pages_through_every_partner() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    // Created in this order; names sort differently, and case does not matter.
    for name in ["charlie", "Alpha", "echo", "Bravo", "delta"] {
        create_partner(&app, &admin, name, json!({})).await;
    }
    let expected: [(&str, [&str; 5]); 5] = [
        ("", ["Alpha", "Bravo", "charlie", "delta", "echo"]),
        ("&sort=name", ["Alpha", "Bravo", "charlie", "delta", "echo"]),
        (
            "&sort=-name",
            ["echo", "delta", "charlie", "Bravo", "Alpha"],
        ),
        (
            "&sort=created_at",
            ["charlie", "Alpha", "echo", "Bravo", "delta"],
        ),
        (
            "&sort=-created_at",
            ["delta", "Bravo", "echo", "Alpha", "charlie"],
        ),
    ];
    for (sort, order) in expected {
        let mut seen = Vec::new();
        let mut next = format!("/api/v1/partners?limit=2{sort}");
        loop {
            let response = app.get(&next, None).await;
            let link = response.header("link");
            let page = response.ok(200);
            seen.extend(names(&page));
            match page["next_cursor"].as_str() {
                Some(cursor) => {
                    let expected_link =
                        format!("</api/v1/partners?limit=2{sort}&cursor={cursor}>; rel=\"next\"");
                    assert_eq!(link, Some(expected_link));
                    next = format!("/api/v1/partners?limit=2{sort}&cursor={cursor}");
                }
                None => {
                    assert_eq!(link, None);
                    break;
                }
            }
        }
        assert_eq!(seen, order, "sort {sort:?}");
    }
}

#[actix_web::test]
async fn a_cursor_is_only_read_in_its_own_order() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for name in ["a1", "a2", "a3"] {
        create_partner(&app, &admin, name, json!({})).await;
    }
    let page = app
        .get("/api/v1/partners?limit=1&sort=name", None)
        .await
        .ok(200);
    let cursor = page["next_cursor"].as_str().unwrap();
    let problem = app
        .get(
            &format!("/api/v1/partners?limit=1&sort=created_at&cursor={cursor}"),
            None,
        )
        .await
        .problem(404);
    assert!(
        problem["detail"].as_str().unwrap().contains("in its order"),
        "{problem}"
    );
    app.get("/api/v1/partners?cursor=not-a-cursor", None)
        .await
        .problem(404);
}

#[actix_web::test]
async fn pages_stay_correct_while_partners_are_added() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    for name in ["b", "d", "f"] {
        create_partner(&app, &admin, name, json!({})).await;
    }
    let first = app.get("/api/v1/partners?limit=2", None).await.ok(200);
    assert_eq!(names(&first), ["b", "d"]);
    let newest_first = app
        .get("/api/v1/partners?limit=2&sort=-created_at", None)
        .await
        .ok(200);
    assert_eq!(names(&newest_first), ["f", "d"]);
    // One before each cursor and one after: no page repeats or skips a partner.
    create_partner(&app, &admin, "a", json!({})).await;
    create_partner(&app, &admin, "e", json!({})).await;
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/api/v1/partners?limit=2&cursor={cursor}"), None)
        .await
        .ok(200);
    assert_eq!(names(&second), ["e", "f"]);
    let cursor = newest_first["next_cursor"].as_str().unwrap();
    let older = app
        .get(
            &format!("/api/v1/partners?limit=2&sort=-created_at&cursor={cursor}"),
            None,
        )
        .await
        .ok(200);
    // "a" and "e" are newer than the cursor: they belong to pages already read.
    assert_eq!(names(&older), ["b"]);
}

#[actix_web::test]
async fn partner_writes_need_a_current_if_match() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    let partner = create_partner(&app, &admin, "BlueMind", json!({})).await;
    let path = path_of(&partner);
    let first = etag_of(&app, &admin, &path).await;
    let change = json!({"headcount": 80});
    app.json_if_match(Method::PATCH, &path, Some(&admin), None, change.clone())
        .await
        .problem(428);
    app.delete_if_match(&path, Some(&admin), None)
        .await
        .problem(428);
    let second = app
        .json_if_match(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(&first),
            change.clone(),
        )
        .await
        .header("etag")
        .unwrap();
    assert_ne!(first, second);
    // The first ETag is stale now.
    app.json_if_match(
        Method::PATCH,
        &path,
        Some(&admin),
        Some(&first),
        json!({"headcount": 1}),
    )
    .await
    .problem(412);
    app.delete_if_match(&path, Some(&admin), Some(&first))
        .await
        .problem(412);
    let read = app.get(&path, None).await.ok(200);
    assert_eq!(read["headcount"], 80);
    assert_eq!(read["version"], 2);
    app.delete_if_match(&path, Some(&admin), Some(&second))
        .await
        .ok(204);
    app.get(&path, Some(&admin)).await.problem(404);
}

#[actix_web::test]
async fn a_partner_in_use_is_suspended_not_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin();
    create_skill(&app, &admin, "qgis").await;
    let (_, partner_id) = app.member(Role::Partner);
    let path = format!("/api/v1/partners/{partner_id}");
    grant(&app, &admin, &partner_id, "qgis", "expert").await;
    let etag = etag_of(&app, &admin, &path).await;
    let problem = app
        .delete_if_match(&path, Some(&admin), Some(&etag))
        .await
        .problem(409);
    assert!(
        problem["detail"].as_str().unwrap().contains("1 user(s)"),
        "{problem}"
    );
    let suspended = app
        .json_if_match(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(&etag),
            json!({"status": "suspended"}),
        )
        .await
        .ok(200);
    assert_eq!(suspended["status"], "suspended");
    app.get(&path, None).await.problem(404);

    // Without users, the partner goes, with its skills; the skill can then go too.
    let lone = create_partner(&app, &admin, "Lone", json!({})).await;
    let lone_id = lone["id"].as_str().unwrap();
    grant(&app, &admin, lone_id, "qgis", "practitioner").await;
    let etag = etag_of(&app, &admin, &path_of(&lone)).await;
    app.delete_if_match(&path_of(&lone), Some(&admin), Some(&etag))
        .await
        .ok(204);
    app.get(&format!("{}/skills", path_of(&lone)), Some(&admin))
        .await
        .problem(404);
}

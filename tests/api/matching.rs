//! Matching: a lot's ranked partner matches (scores, breakdown, pages), consortium
//! proposals (smallest team, shares, lead, exclusions, requirements, uncovered skills,
//! refusals), who may ask, the value-chain flags of submitted bids, and the demo network.

use actix_web::http::Method;
use serde_json::{Value, json};

use crate::cli::ose_api;
use crate::fixtures::{
    Scene, action, bid_action, bid_path, draft, lot_id, tender_body, tender_path,
};
use crate::helpers::{TestApp, TestDb, TestResponse};
use crate::partners::{create_skill, etag_of, grant};
use ose_api::domain::access::Role;

const EVIDENCE: &str = "https://git.example/contributors";

/// `/tenders/{id}/lots/{lot}` of the tender's lot at `index`.
fn lot_path(tender: &Value, index: usize) -> String {
    format!("{}/lots/{}", tender_path(tender), lot_id(tender, index))
}

async fn matches(
    app: &TestApp,
    token: Option<&str>,
    tender: &Value,
    index: usize,
    query: &str,
) -> TestResponse {
    app.get(
        &format!("{}/matches{query}", lot_path(tender, index)),
        token,
    )
    .await
}

async fn propose(
    app: &TestApp,
    token: Option<&str>,
    tender: &Value,
    index: usize,
    body: Value,
) -> TestResponse {
    app.post(
        &format!("{}/consortium-proposals", lot_path(tender, index)),
        token,
        body,
    )
    .await
}

/// Marks the partner's claim on `slug` verified, as admin.
async fn verify(app: &TestApp, admin: &str, partner_id: &str, slug: &str) {
    app.post(
        &format!("/api/v1/partners/{partner_id}/skills/{slug}/verify"),
        Some(admin),
        json!({}),
    )
    .await
    .ok(200);
}

/// Creates a project linked to `skills`, stewarded by `steward` when given; returns its id.
async fn create_project(
    app: &TestApp,
    admin: &str,
    slug: &str,
    name: &str,
    skills: &[&str],
    steward: Option<&str>,
) -> String {
    let mut body = json!({"slug": slug, "name": name,
                          "repository_url": format!("https://git.example/{slug}"),
                          "license": "MIT", "skills": skills});
    if let Some(steward) = steward {
        body["steward_partner_id"] = json!(steward);
    }
    let project = app
        .post("/api/v1/projects", Some(admin), body)
        .await
        .ok(201);
    project["id"].as_str().unwrap().to_owned()
}

/// Links the partner to the project with `role`, as admin.
async fn link(
    app: &TestApp,
    admin: &str,
    partner_id: &str,
    project: &str,
    role: &str,
    verified: bool,
) {
    app.json_if_match(
        Method::PUT,
        &format!("/api/v1/partners/{partner_id}/projects/{project}"),
        Some(admin),
        None,
        json!({"role": role, "evidence_urls": [EVIDENCE], "verified": verified}),
    )
    .await
    .ok(201);
}

/// Suspends the partner through the API, as admin.
async fn suspend(app: &TestApp, admin: &str, partner_id: &str) {
    let path = format!("/api/v1/partners/{partner_id}");
    let etag = etag_of(app, admin, &path).await;
    app.json_if_match(
        Method::PATCH,
        &path,
        Some(admin),
        Some(&etag),
        json!({"status": "suspended"}),
    )
    .await
    .ok(200);
}

/// A lot body requiring `(skill, min_level, weight)` in this order.
fn lot(title: &str, value: i64, skills: &[(&str, &str, i64)]) -> Value {
    let required: Vec<Value> = skills
        .iter()
        .map(|(skill, min_level, weight)| {
            json!({"skill": skill, "min_level": min_level, "weight": weight})
        })
        .collect();
    json!({"title": title, "estimated_value_minor": value, "required_skills": required})
}

/// A hand-built network around one published tender.
///
/// Lot 0 requires postgresql (expert, weight 8), postgis (contributor, 5), qgis
/// (practitioner, 4) and patroni (practitioner, 2); lot 1 requires postgresql (expert, 8)
/// and postgis (maintainer, 5). Projects: `pg-core` (postgresql, stewarded by Alpha),
/// `pg-extra` (postgresql, stewarded by Sierra, suspended since), `gis-stack` (postgis
/// and qgis, no steward), `ldap-tools` (openldap only).
///
/// | partner | skills                                       | project links                             |
/// |---------|----------------------------------------------|-------------------------------------------|
/// | Alpha   | postgresql maintainer ✓, openldap maintainer | pg-core steward, ldap-tools contributor ✓ |
/// | Bravo   | postgis contributor, qgis expert ✓           | gis-stack contributor                     |
/// | Charlie | postgresql practitioner, patroni expert      |                                           |
/// | Delta   | qgis maintainer ✓                            | gis-stack maintainer ✓                    |
/// | Foxtrot | patroni expert                               |                                           |
/// | Zulu    | postgis expert                               |                                           |
/// | Sierra  | postgresql maintainer ✓ (suspended since)    | pg-core maintainer ✓, pg-extra steward    |
///
/// (✓: verified.)
struct Catalogue {
    admin: String,
    buyer: String,
    tender: Value,
    alpha: String,
    bravo: String,
    charlie: String,
    delta: String,
    foxtrot: String,
    sierra: String,
    pg_core: String,
    gis_stack: String,
}

impl Catalogue {
    async fn build(app: &TestApp) -> Catalogue {
        let admin = app.admin();
        for slug in ["postgresql", "postgis", "qgis", "patroni", "openldap"] {
            create_skill(app, &admin, slug).await;
        }
        let alpha = app.insert_partner("Alpha", "active");
        let bravo = app.insert_partner("Bravo", "active");
        let charlie = app.insert_partner("Charlie", "active");
        let delta = app.insert_partner("Delta", "active");
        let foxtrot = app.insert_partner("Foxtrot", "active");
        let zulu = app.insert_partner("Zulu", "active");
        let sierra = app.insert_partner("Sierra", "active");
        for (partner, slug, level, verified) in [
            (&alpha, "postgresql", "maintainer", true),
            (&alpha, "openldap", "maintainer", false),
            (&bravo, "postgis", "contributor", false),
            (&bravo, "qgis", "expert", true),
            (&charlie, "postgresql", "practitioner", false),
            (&charlie, "patroni", "expert", false),
            (&delta, "qgis", "maintainer", true),
            (&foxtrot, "patroni", "expert", false),
            (&zulu, "postgis", "expert", false),
            (&sierra, "postgresql", "maintainer", true),
        ] {
            grant(app, &admin, partner, slug, level).await;
            if verified {
                verify(app, &admin, partner, slug).await;
            }
        }
        let pg_core = create_project(
            app,
            &admin,
            "pg-core",
            "PG Core",
            &["postgresql"],
            Some(&alpha),
        )
        .await;
        let gis_stack = create_project(
            app,
            &admin,
            "gis-stack",
            "GIS Stack",
            &["postgis", "qgis"],
            None,
        )
        .await;
        create_project(app, &admin, "ldap-tools", "LDAP Tools", &["openldap"], None).await;
        create_project(
            app,
            &admin,
            "pg-extra",
            "PG Extra",
            &["postgresql"],
            Some(&sierra),
        )
        .await;
        link(app, &admin, &alpha, "ldap-tools", "contributor", true).await;
        link(app, &admin, &bravo, "gis-stack", "contributor", false).await;
        link(app, &admin, &delta, "gis-stack", "maintainer", true).await;
        link(app, &admin, &sierra, "pg-core", "maintainer", true).await;
        suspend(app, &admin, &sierra).await;

        let (buyer, _) = app.member(Role::Buyer);
        let body = tender_body(
            app,
            "MATCH-1",
            json!({"lots": [
                lot("Spatial platform", 80_000_000, &[("postgresql", "expert", 8),
                    ("postgis", "contributor", 5), ("qgis", "practitioner", 4),
                    ("patroni", "practitioner", 2)]),
                lot("Rasters", 40_000_000, &[("postgresql", "expert", 8),
                    ("postgis", "maintainer", 5)]),
            ]}),
        );
        let tender = app
            .post("/api/v1/tenders", Some(&buyer), body)
            .await
            .ok(201);
        let tender = action(app, &buyer, &tender, "publish").await.ok(200);
        Catalogue {
            admin,
            buyer,
            tender,
            alpha,
            bravo,
            charlie,
            delta,
            foxtrot,
            sierra,
            pg_core,
            gis_stack,
        }
    }

    /// Charlie and Foxtrot score the same on lot 0 (patroni expert: 2 × 150 = 300):
    /// (name, id), lower id first.
    fn tied(&self) -> [(&'static str, String); 2] {
        let mut tied = [
            ("Charlie", self.charlie.clone()),
            ("Foxtrot", self.foxtrot.clone()),
        ];
        tied.sort_by(|a, b| a.1.cmp(&b.1));
        tied
    }
}

/// Each match of a page as (name, score, covered skills, missing skills).
fn ranking(page: &Value) -> Vec<Value> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| {
            json!([
                m["partner"]["name"],
                m["score"],
                m["covered_skills"],
                m["missing_skills"]
            ])
        })
        .collect()
}

/// The flags with their explanation taken out (each checked to say something), in a
/// fixed order: what they say, not the order they come in.
fn flags(flags: &Value) -> Vec<Value> {
    let mut found: Vec<Value> = flags
        .as_array()
        .expect("flags")
        .iter()
        .map(|flag| {
            let mut flag = flag.clone();
            let explanation = flag
                .as_object_mut()
                .unwrap()
                .remove("explanation")
                .expect("an explanation");
            assert!(
                explanation
                    .as_str()
                    .is_some_and(|text| !text.trim().is_empty()),
                "{explanation}"
            );
            flag
        })
        .collect();
    found.sort_by_key(Value::to_string);
    found
}

fn sorted(mut flags: Vec<Value>) -> Vec<Value> {
    flags.sort_by_key(Value::to_string);
    flags
}

fn publisher(code: &str, skill: &str, project: &str, partner: &str, share: Value) -> Value {
    json!({"code": code, "skill": skill, "project_id": project, "partner_id": partner,
           "share_bps": share, "weight_share_bps": null})
}

fn member(id: &str, name: &str, covers: &[&str], weight: i64, share: i64, score: i64) -> Value {
    json!({"partner_id": id, "name": name, "kind": "integrator", "covers": covers,
           "covered_weight": weight, "share_bps": share, "score": score})
}

#[actix_web::test]
async fn partners_are_ranked_by_score_with_its_breakdown() {
    let app = TestApp::spawn().await;
    let c = Catalogue::build(&app).await;
    let page = matches(&app, Some(&c.buyer), &c.tender, 0, "")
        .await
        .ok(200);
    // Alpha:   postgresql 8 × 250 + 8 × 25 (verified) = 2200; pg-core steward 8 × 300 = 2400;
    //          ldap-tools is behind no required skill: 0.                       Total 4600.
    // Delta:   qgis 4 × 250 + 4 × 25 = 1100; gis-stack maintainer, verified, heaviest
    //          required skill of the project postgis 5 × 200 = 1000.          Total 2100.
    // Bravo:   postgis 5 × 200 = 1000; qgis 4 × 150 + 4 × 25 = 700; gis-stack contributor,
    //          unverified: 5 × 100 / 2 = 250.                                  Total 1950.
    // Charlie: postgresql practitioner is below expert: 0; patroni 2 × 150 = 300.
    // Foxtrot: patroni 2 × 150 = 300 (tied with Charlie: by id).
    // Zulu (postgis expert, below contributor) scores 0; Sierra is suspended: not listed.
    let [(first_tied, _), (second_tied, _)] = c.tied();
    let everything_but = |skill: &str| -> Vec<&str> {
        ["postgresql", "postgis", "qgis", "patroni"]
            .into_iter()
            .filter(|s| *s != skill)
            .collect()
    };
    assert_eq!(
        ranking(&page),
        [
            json!(["Alpha", 4600, ["postgresql"], everything_but("postgresql")]),
            json!(["Delta", 2100, ["qgis"], everything_but("qgis")]),
            json!([
                "Bravo",
                1950,
                ["postgis", "qgis"],
                ["postgresql", "patroni"]
            ]),
            json!([first_tied, 300, ["patroni"], everything_but("patroni")]),
            json!([second_tied, 300, ["patroni"], everything_but("patroni")]),
        ]
    );
    assert_eq!(page["next_cursor"], Value::Null);

    let items = page["items"].as_array().unwrap();
    assert_eq!(
        items[0],
        json!({
            "partner": {"id": c.alpha, "name": "Alpha", "kind": "integrator"},
            "score": 4600,
            "breakdown": {
                "skills": [{"skill": "postgresql", "level": "maintainer", "weight": 8,
                            "factor": 250, "points": 2000, "verified_bonus": 200}],
                "upstream": [{"project_id": c.pg_core, "project_name": "PG Core",
                              "role": "steward", "verified": true, "bonus": 2400}]
            },
            "covered_skills": ["postgresql"],
            "missing_skills": ["postgis", "qgis", "patroni"]
        })
    );
    assert_eq!(
        items[1]["breakdown"],
        json!({
            "skills": [{"skill": "qgis", "level": "maintainer", "weight": 4,
                        "factor": 250, "points": 1000, "verified_bonus": 100}],
            "upstream": [{"project_id": c.gis_stack, "project_name": "GIS Stack",
                          "role": "maintainer", "verified": true, "bonus": 1000}]
        })
    );
    assert_eq!(
        items[2],
        json!({
            "partner": {"id": c.bravo, "name": "Bravo", "kind": "integrator"},
            "score": 1950,
            "breakdown": {
                "skills": [
                    {"skill": "postgis", "level": "contributor", "weight": 5,
                     "factor": 200, "points": 1000, "verified_bonus": 0},
                    {"skill": "qgis", "level": "expert", "weight": 4,
                     "factor": 150, "points": 600, "verified_bonus": 100}
                ],
                "upstream": [{"project_id": c.gis_stack, "project_name": "GIS Stack",
                              "role": "contributor", "verified": false, "bonus": 250}]
            },
            "covered_skills": ["postgis", "qgis"],
            "missing_skills": ["postgresql", "patroni"]
        })
    );
    // The admin sees the same ranking as the buyer.
    let as_admin = matches(&app, Some(&c.admin), &c.tender, 0, "")
        .await
        .ok(200);
    assert_eq!(as_admin, page);
}

#[actix_web::test]
async fn match_pages_follow_the_ranking() {
    let app = TestApp::spawn().await;
    let c = Catalogue::build(&app).await;
    let whole = matches(&app, Some(&c.buyer), &c.tender, 0, "")
        .await
        .ok(200);
    let [(first_tied, _), (second_tied, _)] = c.tied();
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["partner"]["name"].as_str().unwrap().to_owned())
            .collect()
    };

    let first = matches(&app, Some(&c.buyer), &c.tender, 0, "?limit=2")
        .await
        .ok(200);
    assert_eq!(names(&first), ["Alpha", "Delta"]);
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = matches(
        &app,
        Some(&c.buyer),
        &c.tender,
        0,
        &format!("?limit=2&cursor={cursor}"),
    )
    .await
    .ok(200);
    assert_eq!(names(&second), ["Bravo", first_tied]);
    let cursor = second["next_cursor"].as_str().expect("a third page");
    let third = matches(
        &app,
        Some(&c.buyer),
        &c.tender,
        0,
        &format!("?limit=2&cursor={cursor}"),
    )
    .await
    .ok(200);
    assert_eq!(names(&third), [second_tied]);
    assert_eq!(third["next_cursor"], Value::Null);

    let paged: Vec<Value> = [first, second, third]
        .iter()
        .flat_map(|page| page["items"].as_array().unwrap().clone())
        .collect();
    assert_eq!(Value::from(paged), whole["items"]);
}

#[actix_web::test]
async fn a_proposal_is_the_smallest_covering_team_with_weight_shares() {
    let app = TestApp::spawn().await;
    let c = Catalogue::build(&app).await;
    let [(tied_name, tied_id), _] = c.tied();
    let proposal = propose(&app, Some(&c.buyer), &c.tender, 0, json!({}))
        .await
        .ok(200);
    // postgresql only Alpha holds at expert, postgis only Bravo at contributor: with one
    // patroni holder that makes three. Charlie and Foxtrot score the same: the lower id.
    // Credited weights: Alpha 8, Bravo 5 + 4 = 9, patroni 2; of 19:
    // 4210.5, 4736.8, 1052.6 → floors 4210, 4736, 1052 (9998); the two largest
    // remainders (.8, .6) take one each.
    // Alpha leads: it stewards pg-core, behind postgresql.
    assert_eq!(
        proposal["members"],
        json!([
            member(&c.alpha, "Alpha", &["postgresql"], 8, 4210, 4600),
            member(&c.bravo, "Bravo", &["postgis", "qgis"], 9, 4737, 1950),
            member(&tied_id, tied_name, &["patroni"], 2, 1053, 300),
        ])
    );
    assert_eq!(proposal["tender_id"], c.tender["id"]);
    assert_eq!(proposal["lot_id"], lot_id(&c.tender, 0));
    assert_eq!(proposal["lead_partner_id"], c.alpha);
    assert_eq!(proposal["total_score"], 4600 + 1950 + 300);
    assert_eq!(proposal["uncovered_skills"], json!([]));
    assert_eq!(proposal["exact"], true);
    // No share is more than 20 points above its weight; no member covers nothing;
    // pg-extra's steward is suspended: no publisher flag for it.
    assert_eq!(
        flags(&proposal["value_chain_flags"]),
        [publisher(
            "publisher_included",
            "postgresql",
            &c.pg_core,
            &c.alpha,
            json!(4210)
        )]
    );
    // The admin gets the same proposal.
    let as_admin = propose(&app, Some(&c.admin), &c.tender, 0, json!({}))
        .await
        .ok(200);
    assert_eq!(as_admin, proposal);
}

#[actix_web::test]
async fn excluded_partners_are_left_out_and_a_small_team_covers_what_it_can() {
    let app = TestApp::spawn().await;
    let c = Catalogue::build(&app).await;
    let [(_, low_id), (high_name, high_id)] = c.tied();

    // Without Alpha no one holds postgresql at expert; without the lower-id patroni
    // holder, the other one comes in. Weights 9 and 2 of 11: 8181.8 → 8182, 1818.2 →
    // 1818. No steward or maintainer in the team: Bravo leads on weight.
    let proposal = propose(
        &app,
        Some(&c.buyer),
        &c.tender,
        0,
        json!({"exclude_partner_ids": [c.alpha, low_id]}),
    )
    .await
    .ok(200);
    assert_eq!(
        proposal["members"],
        json!([
            member(&c.bravo, "Bravo", &["postgis", "qgis"], 9, 8182, 1950),
            member(&high_id, high_name, &["patroni"], 2, 1818, 300),
        ])
    );
    assert_eq!(proposal["lead_partner_id"], c.bravo);
    assert_eq!(proposal["total_score"], 2250);
    assert_eq!(proposal["uncovered_skills"], json!(["postgresql"]));
    assert_eq!(proposal["exact"], true);
    assert_eq!(
        flags(&proposal["value_chain_flags"]),
        [publisher(
            "publisher_missing",
            "postgresql",
            &c.pg_core,
            &c.alpha,
            Value::Null
        )]
    );

    // Two members at most: Alpha and Bravo cover 17 of the 19; patroni is left out.
    // 8/17 = 4705.9 → 4706, 9/17 = 5294.1 → 5294; Alpha leads, then by share.
    let pair = propose(
        &app,
        Some(&c.buyer),
        &c.tender,
        0,
        json!({"max_members": 2}),
    )
    .await
    .ok(200);
    assert_eq!(
        pair["members"],
        json!([
            member(&c.alpha, "Alpha", &["postgresql"], 8, 4706, 4600),
            member(&c.bravo, "Bravo", &["postgis", "qgis"], 9, 5294, 1950),
        ])
    );
    assert_eq!(pair["uncovered_skills"], json!(["patroni"]));
    assert_eq!(pair["total_score"], 6550);
}

#[actix_web::test]
async fn required_partners_join_the_team_even_covering_nothing() {
    let app = TestApp::spawn().await;
    let c = Catalogue::build(&app).await;
    let [_, (high_name, high_id)] = c.tied();
    let newcomer = app.insert_partner("Newcomer", "active");
    let proposal = propose(
        &app,
        Some(&c.buyer),
        &c.tender,
        0,
        json!({"require_partner_ids": [newcomer, high_id]}),
    )
    .await
    .ok(200);
    // The required patroni holder replaces the lower-id one; the newcomer holds nothing:
    // no weight, no share.
    assert_eq!(
        proposal["members"],
        json!([
            member(&c.alpha, "Alpha", &["postgresql"], 8, 4210, 4600),
            member(&c.bravo, "Bravo", &["postgis", "qgis"], 9, 4737, 1950),
            member(&high_id, high_name, &["patroni"], 2, 1053, 300),
            member(&newcomer, "Newcomer", &[], 0, 0, 0),
        ])
    );
    assert_eq!(proposal["lead_partner_id"], c.alpha);
    assert_eq!(proposal["total_score"], 6850);
    assert_eq!(proposal["uncovered_skills"], json!([]));
    assert_eq!(
        flags(&proposal["value_chain_flags"]),
        sorted(vec![
            publisher(
                "publisher_included",
                "postgresql",
                &c.pg_core,
                &c.alpha,
                json!(4210)
            ),
            json!({"code": "covers_nothing", "skill": null, "project_id": null,
                   "partner_id": newcomer, "share_bps": 0, "weight_share_bps": null}),
        ])
    );

    // Requiring Delta: qgis is credited to its maintainer rather than to Bravo's expert.
    // Weights 8, 5, 4, 2 of 19: floors 4210, 2631, 2105, 1052 (9998); the largest
    // remainders (.63 patroni, .58 Bravo) take one each. Alpha (steward) and Delta
    // (maintainer of gis-stack) both hold a link that leads: Alpha covers more weight.
    let [(low_name, low_id), _] = c.tied();
    let with_delta = propose(
        &app,
        Some(&c.buyer),
        &c.tender,
        0,
        json!({"require_partner_ids": [c.delta]}),
    )
    .await
    .ok(200);
    assert_eq!(
        with_delta["members"],
        json!([
            member(&c.alpha, "Alpha", &["postgresql"], 8, 4210, 4600),
            member(&c.bravo, "Bravo", &["postgis", "qgis"], 5, 2632, 1950),
            member(&c.delta, "Delta", &["qgis"], 4, 2105, 2100),
            member(&low_id, low_name, &["patroni"], 2, 1053, 300),
        ])
    );
    assert_eq!(with_delta["lead_partner_id"], c.alpha);
    assert_eq!(with_delta["total_score"], 8950);
}

#[actix_web::test]
async fn a_skill_no_active_partner_holds_at_its_level_stays_uncovered() {
    let app = TestApp::spawn().await;
    let c = Catalogue::build(&app).await;
    // Lot 1: postgresql (expert, 8), postgis (maintainer, 5). No one holds postgis as a
    // maintainer (Bravo contributor, Zulu expert); links to gis-stack still score:
    // Delta maintainer ✓ 5 × 200 = 1000, Bravo contributor 5 × 100 / 2 = 250.
    let page = matches(&app, Some(&c.buyer), &c.tender, 1, "")
        .await
        .ok(200);
    assert_eq!(
        ranking(&page),
        [
            json!(["Alpha", 4600, ["postgresql"], ["postgis"]]),
            json!(["Delta", 1000, [], ["postgresql", "postgis"]]),
            json!(["Bravo", 250, [], ["postgresql", "postgis"]]),
        ]
    );
    assert_eq!(page["items"][1]["breakdown"]["skills"], json!([]));

    let proposal = propose(&app, Some(&c.buyer), &c.tender, 1, json!({}))
        .await
        .ok(200);
    assert_eq!(
        proposal["members"],
        json!([member(&c.alpha, "Alpha", &["postgresql"], 8, 10000, 4600)])
    );
    assert_eq!(proposal["lot_id"], lot_id(&c.tender, 1));
    assert_eq!(proposal["lead_partner_id"], c.alpha);
    assert_eq!(proposal["total_score"], 4600);
    assert_eq!(proposal["uncovered_skills"], json!(["postgis"]));
    assert_eq!(proposal["exact"], true);
}

#[actix_web::test]
async fn required_partners_must_exist_be_active_fit_and_not_be_excluded() {
    let app = TestApp::spawn().await;
    let c = Catalogue::build(&app).await;
    let ask = |body: Value| propose(&app, Some(&c.buyer), &c.tender, 0, body);

    ask(json!({"require_partner_ids": ["no-such-partner", c.sierra]}))
        .await
        .refused_with(
            &["#/require_partner_ids/0", "#/require_partner_ids/1"],
            &["not_found", "inactive"],
        );
    ask(json!({"require_partner_ids": [c.bravo, c.alpha], "exclude_partner_ids": [c.alpha]}))
        .await
        .refused_with(&["#/require_partner_ids/1"], &["excluded"]);
    ask(json!({"max_members": 2, "require_partner_ids": [c.alpha, c.bravo, c.delta]}))
        .await
        .refused_with(&["#/require_partner_ids"], &["too_many"]);
    for max_members in [0, 11] {
        ask(json!({"max_members": max_members}))
            .await
            .refused_with(&["#/max_members"], &["range"]);
    }
    // Distinct partners are counted: one named twice fits a team of two.
    let pair = ask(json!({"max_members": 2, "require_partner_ids": [c.alpha, c.alpha, c.bravo]}))
        .await
        .ok(200);
    let ids: Vec<&Value> = pair["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["partner_id"])
        .collect();
    assert_eq!(ids, [&c.alpha, &c.bravo]);
}

#[actix_web::test]
async fn matches_and_proposals_follow_the_tenders_access_rules() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    // Lot 0 requires postgresql (contributor, 8): the lead scores 8 × 200 = 1600.
    grant(
        &app,
        &scene.admin,
        &scene.lead_id,
        "postgresql",
        "contributor",
    )
    .await;
    let tender = draft(&app, &scene, "MATCH-ACCESS").await;
    let expected = json!([{
        "partner": {"id": scene.lead_id, "name": "Member partner", "kind": "integrator"},
        "score": 1600,
        "breakdown": {
            "skills": [{"skill": "postgresql", "level": "contributor", "weight": 8,
                        "factor": 200, "points": 1600, "verified_bonus": 0}],
            "upstream": []
        },
        "covered_skills": ["postgresql"],
        "missing_skills": []
    }]);
    let team = json!([member(
        &scene.lead_id,
        "Member partner",
        &["postgresql"],
        8,
        10000,
        1600
    )]);

    // A draft: its buyer and admins only; it does not exist for the others.
    matches(&app, None, &tender, 0, "").await.problem(401);
    propose(&app, None, &tender, 0, json!({}))
        .await
        .problem(401);
    for token in [&scene.buyer, &scene.admin] {
        let page = matches(&app, Some(token), &tender, 0, "").await.ok(200);
        assert_eq!(page["items"], expected);
        let proposal = propose(&app, Some(token), &tender, 0, json!({}))
            .await
            .ok(200);
        assert_eq!(proposal["members"], team);
    }
    for token in [&scene.lead, &scene.other_buyer] {
        matches(&app, Some(token), &tender, 0, "")
            .await
            .problem(404);
        propose(&app, Some(token), &tender, 0, json!({}))
            .await
            .problem(404);
    }

    // Published: partners see the matches but propose nothing; other buyers neither.
    let tender = action(&app, &scene.buyer, &tender, "publish").await.ok(200);
    for token in [&scene.lead, &scene.outsider] {
        let page = matches(&app, Some(token), &tender, 0, "").await.ok(200);
        assert_eq!(page["items"], expected);
        propose(&app, Some(token), &tender, 0, json!({}))
            .await
            .problem(403);
    }
    matches(&app, Some(&scene.other_buyer), &tender, 0, "")
        .await
        .problem(403);
    propose(&app, Some(&scene.other_buyer), &tender, 0, json!({}))
        .await
        .problem(403);
    matches(&app, None, &tender, 0, "").await.problem(401);
    propose(&app, None, &tender, 0, json!({}))
        .await
        .problem(401);
    let proposal = propose(&app, Some(&scene.buyer), &tender, 0, json!({}))
        .await
        .ok(200);
    assert_eq!(proposal["members"], team);

    // Unknown lots and tenders.
    let unknown_lot = format!("{}/lots/no-such-lot", tender_path(&tender));
    app.get(&format!("{unknown_lot}/matches"), Some(&scene.buyer))
        .await
        .problem(404);
    app.post(
        &format!("{unknown_lot}/consortium-proposals"),
        Some(&scene.buyer),
        json!({}),
    )
    .await
    .problem(404);
    app.get(
        "/api/v1/tenders/no-such-tender/lots/no-such-lot/matches",
        Some(&scene.admin),
    )
    .await
    .problem(404);
}

#[actix_web::test]
async fn a_submitted_bid_carries_the_value_chain_flags_of_its_consortium() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let admin = &scene.admin;
    grant(&app, admin, &scene.lead_id, "postgis", "practitioner").await;
    grant(&app, admin, &scene.member_id, "postgresql", "expert").await;
    // pg-core, behind postgresql, is published by the outsider; gis-core, behind
    // postgis, by the lead.
    let pg_core = create_project(
        &app,
        admin,
        "pg-core",
        "PG Core",
        &["postgresql"],
        Some(&scene.outsider_id),
    )
    .await;
    let gis_core = create_project(
        &app,
        admin,
        "gis-core",
        "GIS Core",
        &["postgis"],
        Some(&scene.lead_id),
    )
    .await;
    let body = tender_body(
        &app,
        "VALUE-CHAIN",
        json!({"lots": [
            lot("Databases", 80_000_000, &[("postgresql", "practitioner", 7),
                ("postgis", "practitioner", 3)]),
            lot("GIS", 40_000_000, &[("postgis", "practitioner", 5)]),
        ]}),
    );
    let tender = app
        .post("/api/v1/tenders", Some(&scene.buyer), body)
        .await
        .ok(201);
    let tender = action(&app, &scene.buyer, &tender, "publish").await.ok(200);
    let bids = format!("{}/bids", tender_path(&tender));

    // Lot 0: the lead covers postgis (3 of 10) but takes 9000 bps:
    // 9000 × 10 − 10000 × 3 = 60000 > 2000 × 10. The member (postgresql, 7 of 10, 1000
    // bps) is not flagged.
    let bid = app
        .post(
            &bids,
            Some(&scene.lead),
            json!({"lot_id": lot_id(&tender, 0),
                   "members": [{"partner_id": scene.lead_id, "share_bps": 9000},
                               {"partner_id": scene.member_id, "share_bps": 1000}],
                   "price_minor": 75_000_000, "currency": "EUR"}),
        )
        .await
        .ok(201);
    assert_eq!(bid["value_chain_flags"], Value::Null);
    let confirmed = bid_action(&app, &scene.member, &bid, "confirm")
        .await
        .ok(200);
    assert_eq!(confirmed["value_chain_flags"], Value::Null);
    let submitted = bid_action(&app, &scene.lead, &bid, "submit").await.ok(200);
    assert_eq!(
        flags(&submitted["value_chain_flags"]),
        sorted(vec![
            publisher(
                "publisher_missing",
                "postgresql",
                &pg_core,
                &scene.outsider_id,
                Value::Null
            ),
            publisher(
                "publisher_included",
                "postgis",
                &gis_core,
                &scene.lead_id,
                json!(9000)
            ),
            json!({"code": "share_above_weight", "skill": null, "project_id": null,
                   "partner_id": scene.lead_id, "share_bps": 9000, "weight_share_bps": 3000}),
        ])
    );
    assert_eq!(
        app.get(&bid_path(&bid), Some(&scene.lead)).await.ok(200),
        submitted
    );

    // Lot 1: the outsider leads with half the shares and holds no required skill.
    let bid = app
        .post(
            &bids,
            Some(&scene.outsider),
            json!({"lot_id": lot_id(&tender, 1),
                   "members": [{"partner_id": scene.outsider_id, "share_bps": 5000},
                               {"partner_id": scene.lead_id, "share_bps": 5000}],
                   "price_minor": 35_000_000, "currency": "EUR"}),
        )
        .await
        .ok(201);
    bid_action(&app, &scene.lead, &bid, "confirm").await.ok(200);
    let submitted = bid_action(&app, &scene.outsider, &bid, "submit")
        .await
        .ok(200);
    assert_eq!(
        flags(&submitted["value_chain_flags"]),
        sorted(vec![
            publisher(
                "publisher_included",
                "postgis",
                &gis_core,
                &scene.lead_id,
                json!(5000)
            ),
            json!({"code": "share_above_weight", "skill": null, "project_id": null,
                   "partner_id": scene.outsider_id, "share_bps": 5000, "weight_share_bps": 0}),
            json!({"code": "covers_nothing", "skill": null, "project_id": null,
                   "partner_id": scene.outsider_id, "share_bps": 5000, "weight_share_bps": null}),
        ])
    );
}

#[actix_web::test]
async fn a_skill_two_bid_members_hold_alike_is_credited_to_the_bids_lead() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    // The bid's lead is the one with the higher id; the other member scores more (it
    // stewards gis-core). Only "the lead first" credits the lead.
    let ((lead, lead_id), (other, other_id)) = if scene.member_id > scene.lead_id {
        (
            (&scene.member, &scene.member_id),
            (&scene.lead, &scene.lead_id),
        )
    } else {
        (
            (&scene.lead, &scene.lead_id),
            (&scene.member, &scene.member_id),
        )
    };
    for partner in [lead_id, other_id] {
        grant(&app, &scene.admin, partner, "postgis", "practitioner").await;
    }
    let gis_core = create_project(
        &app,
        &scene.admin,
        "gis-core",
        "GIS Core",
        &["postgis"],
        Some(other_id),
    )
    .await;
    let body = tender_body(
        &app,
        "VALUE-CHAIN-TIE",
        json!({"lots": [lot("GIS", 40_000_000, &[("postgis", "practitioner", 5)])]}),
    );
    let tender = app
        .post("/api/v1/tenders", Some(&scene.buyer), body)
        .await
        .ok(201);
    let tender = action(&app, &scene.buyer, &tender, "publish").await.ok(200);
    let bid = app
        .post(
            &format!("{}/bids", tender_path(&tender)),
            Some(lead),
            json!({"lot_id": lot_id(&tender, 0),
                   "members": [{"partner_id": lead_id, "share_bps": 5000},
                               {"partner_id": other_id, "share_bps": 5000}],
                   "price_minor": 35_000_000, "currency": "EUR"}),
        )
        .await
        .ok(201);
    bid_action(&app, other, &bid, "confirm").await.ok(200);
    let submitted = bid_action(&app, lead, &bid, "submit").await.ok(200);
    // postgis (5) is the lead's: the other member's 5000 bps stand on no weight.
    assert_eq!(
        flags(&submitted["value_chain_flags"]),
        sorted(vec![
            publisher(
                "publisher_included",
                "postgis",
                &gis_core,
                other_id,
                json!(5000)
            ),
            json!({"code": "share_above_weight", "skill": null, "project_id": null,
                   "partner_id": other_id, "share_bps": 5000, "weight_share_bps": 0}),
        ])
    );
}

#[actix_web::test]
async fn the_demo_geo_lot_is_covered_by_dalibo_and_oslandia() {
    let db = TestDb::create();
    let seeded = ose_api()
        .arg("seed-demo")
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    let app = TestApp::on(db).await;
    let admin = app.admin();
    let open = app
        .get("/api/v1/tenders?status=published", Some(&admin))
        .await
        .ok(200);
    let tender = open["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["reference"] == "DEMO-2027-GEO")
        .expect("the demo tender")
        .clone();
    let required: Vec<&Value> = tender["lots"][0]["required_skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["skill"])
        .collect();
    assert_eq!(required, ["postgresql", "postgis", "qgis", "patroni"]);

    let proposal = propose(&app, Some(&admin), &tender, 0, json!({}))
        .await
        .ok(200);
    let mut names: Vec<&str> = proposal["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, ["Dalibo", "Oslandia"]);
    assert_eq!(proposal["exact"], true);
    assert_eq!(proposal["uncovered_skills"], json!([]));
    let shares: i64 = proposal["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["share_bps"].as_i64().unwrap())
        .sum();
    assert_eq!(shares, 10000);
}

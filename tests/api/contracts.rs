//! `/contracts`: what awards bind, read by admins, by the buyer of each and by the members
//! of the winning bid only; filters and pages.

use serde_json::{Value, json};

use crate::fixtures::{Scene, action, lot_id, published, submitted_bid, tender_body};
use crate::helpers::TestApp;
use crate::tenders::{award, lone_bid};

const CONTRACTS: &str = "/api/v1/contracts";

fn contract_path(contract: &Value) -> String {
    format!(
        "{CONTRACTS}/{}",
        contract["id"].as_str().expect("contract id")
    )
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect()
}

fn id_of(contract: &Value) -> String {
    contract["id"].as_str().expect("id").to_owned()
}

/// The ids on the first page of `GET /contracts?{query}` as `token`.
async fn listed(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let page = app
        .get(&format!("{CONTRACTS}?{query}"), Some(token))
        .await
        .ok(200);
    ids(&page)
}

/// A tender of the scene's buyer whose lot 0 is awarded to the consortium (lead 70 %,
/// member 30 %) over the outsider's bid; returns the tender and the contract.
pub async fn awarded_to_consortium(
    app: &TestApp,
    scene: &Scene,
    reference: &str,
) -> (Value, Value) {
    let tender = published(app, scene, reference).await;
    let lot = lot_id(&tender, 0);
    let winner = submitted_bid(app, scene, &tender, &lot).await;
    lone_bid(app, &scene.outsider, &tender, &lot).await;
    action(app, &scene.buyer, &tender, "close").await.ok(200);
    let outcome = award(app, &scene.buyer, &tender, &[(&lot, &winner)])
        .await
        .ok(200);
    let contract = outcome["contracts"][0].clone();
    assert_eq!(contract["bid_id"], winner["id"]);
    (tender, contract)
}

/// A tender of the other buyer whose lot 0 is awarded to the outsider bidding alone.
async fn awarded_to_outsider(app: &TestApp, scene: &Scene, reference: &str) -> (Value, Value) {
    let tender = app
        .post(
            "/api/v1/tenders",
            Some(&scene.other_buyer),
            tender_body(app, reference, json!({})),
        )
        .await
        .ok(201);
    action(app, &scene.other_buyer, &tender, "publish")
        .await
        .ok(200);
    let lot = lot_id(&tender, 0);
    let bid = lone_bid(app, &scene.outsider, &tender, &lot).await;
    action(app, &scene.other_buyer, &tender, "close")
        .await
        .ok(200);
    let outcome = award(app, &scene.other_buyer, &tender, &[(&lot, &bid)])
        .await
        .ok(200);
    (tender, outcome["contracts"][0].clone())
}

#[actix_web::test]
async fn anonymous_callers_read_no_contract() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let (_, contract) = awarded_to_consortium(&app, &scene, "ANON-1").await;
    app.get(CONTRACTS, None).await.problem(401);
    app.get(&contract_path(&contract), None).await.problem(401);
}

#[actix_web::test]
async fn a_contract_holds_the_winning_bid_with_its_etag() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let (tender, contract) = awarded_to_consortium(&app, &scene, "READ-1").await;
    let response = app.get(&contract_path(&contract), Some(&scene.admin)).await;
    let id = id_of(&contract);
    assert_eq!(response.header("etag"), Some(format!("\"{id}.1\"")));
    let read = response.ok(200);
    assert_eq!(read, contract, "as the award answered it");
    let keys: Vec<&str> = read
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "tender_id",
            "lot_id",
            "bid_id",
            "buyer_id",
            "members",
            "value_minor",
            "currency",
            "created_at",
            "updated_at",
            "version"
        ]
    );
    for (field, value) in [
        ("tender_id", tender["id"].clone()),
        ("lot_id", json!(lot_id(&tender, 0))),
        ("buyer_id", json!(scene.buyer_id)),
        (
            "members",
            json!([{"partner_id": scene.lead_id, "share_bps": 7000},
                   {"partner_id": scene.member_id, "share_bps": 3000}]),
        ),
        ("value_minor", json!(75_000_000)),
        ("currency", json!("EUR")),
        ("version", json!(1)),
    ] {
        assert_eq!(read[field], value, "{field}");
    }
    assert!(read["created_at"].is_string() && read["updated_at"].is_string());
    app.get(&format!("{CONTRACTS}/no-such-contract"), Some(&scene.admin))
        .await
        .problem(404);
}

#[actix_web::test]
async fn an_admin_reads_every_contract() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let (_, ours) = awarded_to_consortium(&app, &scene, "ALL-1").await;
    let (_, theirs) = awarded_to_outsider(&app, &scene, "ALL-2").await;
    assert_eq!(
        listed(&app, &scene.admin, "").await,
        [id_of(&ours), id_of(&theirs)],
        "oldest first"
    );
    for contract in [&ours, &theirs] {
        let read = app
            .get(&contract_path(contract), Some(&scene.admin))
            .await
            .ok(200);
        assert_eq!(&read, contract);
    }
    let page = app.get(CONTRACTS, Some(&scene.admin)).await.ok(200);
    assert_eq!(page["items"], json!([ours, theirs]));
    assert_eq!(page["next_cursor"], Value::Null);
}

#[actix_web::test]
async fn a_buyer_reads_its_own_contracts_only() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let (_, ours) = awarded_to_consortium(&app, &scene, "OWN-1").await;
    let (_, theirs) = awarded_to_outsider(&app, &scene, "OWN-2").await;

    let read = app
        .get(&contract_path(&ours), Some(&scene.buyer))
        .await
        .ok(200);
    assert_eq!(read, ours);
    app.get(&contract_path(&theirs), Some(&scene.buyer))
        .await
        .problem(404);
    assert_eq!(listed(&app, &scene.buyer, "").await, [id_of(&ours)]);
    assert_eq!(
        listed(
            &app,
            &scene.buyer,
            &format!("partner_id={}", scene.outsider_id)
        )
        .await,
        Vec::<String>::new()
    );

    app.get(&contract_path(&ours), Some(&scene.other_buyer))
        .await
        .problem(404);
    let read = app
        .get(&contract_path(&theirs), Some(&scene.other_buyer))
        .await
        .ok(200);
    assert_eq!(read, theirs);
    assert_eq!(listed(&app, &scene.other_buyer, "").await, [id_of(&theirs)]);
}

#[actix_web::test]
async fn the_members_of_the_winning_bid_read_its_contract() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let (tender, contract) = awarded_to_consortium(&app, &scene, "MEMBERS-1").await;
    for member in [&scene.lead, &scene.member] {
        let read = app
            .get(&contract_path(&contract), Some(member))
            .await
            .ok(200);
        assert_eq!(read, contract);
        assert_eq!(listed(&app, member, "").await, [id_of(&contract)]);
        assert_eq!(
            listed(
                &app,
                member,
                &format!("tender_id={}", tender["id"].as_str().unwrap())
            )
            .await,
            [id_of(&contract)]
        );
    }
    // The outsider bid on the same lot and lost.
    app.get(&contract_path(&contract), Some(&scene.outsider))
        .await
        .problem(404);
    assert_eq!(
        listed(&app, &scene.outsider, "").await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(
            &app,
            &scene.outsider,
            &format!("partner_id={}", scene.lead_id)
        )
        .await,
        Vec::<String>::new(),
        "a filter never widens what a partner sees"
    );
}

#[actix_web::test]
async fn the_list_filters_by_tender_and_partner() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let (consortium_tender, consortium) = awarded_to_consortium(&app, &scene, "F-1").await;
    let (outsider_tender, outsider) = awarded_to_outsider(&app, &scene, "F-2").await;
    let tender_query = |tender: &Value| format!("tender_id={}", tender["id"].as_str().unwrap());

    assert_eq!(
        listed(&app, &scene.admin, &tender_query(&consortium_tender)).await,
        [id_of(&consortium)]
    );
    assert_eq!(
        listed(&app, &scene.admin, &tender_query(&outsider_tender)).await,
        [id_of(&outsider)]
    );
    for (partner, expected) in [
        (&scene.lead_id, &consortium),
        (&scene.member_id, &consortium),
        (&scene.outsider_id, &outsider),
    ] {
        assert_eq!(
            listed(&app, &scene.admin, &format!("partner_id={partner}")).await,
            [id_of(expected)]
        );
    }
    assert_eq!(
        listed(
            &app,
            &scene.admin,
            &format!(
                "{}&partner_id={}",
                tender_query(&consortium_tender),
                scene.outsider_id
            )
        )
        .await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(&app, &scene.admin, "tender_id=no-such-tender").await,
        Vec::<String>::new()
    );
    assert_eq!(
        listed(
            &app,
            &scene.lead,
            &format!("partner_id={}", scene.member_id)
        )
        .await,
        [id_of(&consortium)]
    );
}

#[actix_web::test]
async fn contract_pages_follow_the_cursor_oldest_first() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    let lot = |title: &str| {
        json!({"title": title, "estimated_value_minor": 1,
               "required_skills": [{"skill": "postgresql", "min_level": "expert", "weight": 5}]})
    };
    let tender = app
        .post(
            "/api/v1/tenders",
            Some(&scene.buyer),
            tender_body(
                &app,
                "PAGES-1",
                json!({"lots": [lot("one"), lot("two"), lot("three")]}),
            ),
        )
        .await
        .ok(201);
    action(&app, &scene.buyer, &tender, "publish").await.ok(200);
    let lots: Vec<String> = (0..3).map(|i| lot_id(&tender, i)).collect();
    let mut bids = Vec::new();
    for lot in &lots {
        bids.push(lone_bid(&app, &scene.outsider, &tender, lot).await);
    }
    action(&app, &scene.buyer, &tender, "close").await.ok(200);
    let awards: Vec<(&str, &Value)> = lots.iter().map(String::as_str).zip(&bids).collect();
    let outcome = award(&app, &scene.buyer, &tender, &awards).await.ok(200);
    assert_eq!(outcome["contracts"].as_array().unwrap().len(), 3);

    let mut next = format!("{CONTRACTS}?limit=2");
    let mut pages = Vec::new();
    loop {
        let response = app.get(&next, Some(&scene.buyer)).await;
        let link = response.header("link");
        let page = response.ok(200);
        pages.push(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["lot_id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>(),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                let expected = format!("{CONTRACTS}?limit=2&cursor={cursor}");
                assert_eq!(link, Some(format!("<{expected}>; rel=\"next\"")));
                next = expected;
            }
            None => {
                assert_eq!(link, None);
                break;
            }
        }
    }
    assert_eq!(
        pages,
        [
            vec![lots[0].clone(), lots[1].clone()],
            vec![lots[2].clone()]
        ]
    );
    for query in ["limit=0", "limit=101"] {
        app.get(&format!("{CONTRACTS}?{query}"), Some(&scene.admin))
            .await
            .problem(400);
    }
    app.get(&format!("{CONTRACTS}?cursor=garbage"), Some(&scene.admin))
        .await
        .problem(404);
}

//! Both backends' migrations end at the same tables, columns (with their types) and
//! indexes, and every table reads back as the row type the code reads it with.

use std::collections::BTreeSet;

use actix_web::http::Method;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use ose_api::db::schema::{
    api_clients, bid_members, bids, buyers, contract_members, contracts, idempotency_keys,
    login_failures, lot_skills, lots, partner_skills, partners, project_skills, projects, skills,
    tenders, users,
};
use ose_api::db::{Backend, Db, DbConnection};
use serde_json::json;

use crate::fixtures::{Scene, action, bid_action, consortium_body, lot_id, published, tender_path};
use crate::helpers::{TestApp, TestDb};

#[derive(QueryableByName, Debug)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
    #[diesel(sql_type = Text)]
    column_type: String,
}

/// Each column: table, name, nullability and type, in one vocabulary for both backends
/// (`text`, `integer`, `bigint`, `boolean`, `timestamp`).
fn columns(conn: &mut DbConnection) -> BTreeSet<(String, String, bool, String)> {
    let query = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT m.name AS table_name, p.name AS column_name, (p.\"notnull\" = 0 AND p.pk = 0) AS nullable, \
             lower(p.type) AS column_type \
             FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'"
        }
        DbConnection::Postgresql(_) => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name, (is_nullable = 'YES') AS nullable, \
             (CASE data_type WHEN 'timestamp without time zone' THEN 'timestamp' ELSE data_type END)::text AS column_type \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name <> '__diesel_schema_migrations'"
        }
    };
    diesel::sql_query(query)
        .load::<Column>(conn)
        .expect("list columns")
        .into_iter()
        .map(|c| (c.table_name, c.column_name, c.nullable, c.column_type))
        .collect()
}

#[derive(QueryableByName, Debug)]
struct Index {
    #[diesel(sql_type = Text)]
    index_name: String,
}

/// The indexes the migrations create by name (not those behind keys and UNIQUE).
fn indexes(conn: &mut DbConnection) -> BTreeSet<String> {
    let query = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT name AS index_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        }
        DbConnection::Postgresql(_) => {
            "SELECT indexname::text AS index_name FROM pg_indexes \
             WHERE schemaname = current_schema() AND indexdef NOT LIKE 'CREATE UNIQUE INDEX%'"
        }
    };
    diesel::sql_query(query)
        .load::<Index>(conn)
        .expect("list indexes")
        .into_iter()
        .map(|i| i.index_name)
        .collect()
}

fn migrated(db: &TestDb) -> Db {
    let db = Db::new(
        &db.url,
        db.backend,
        ose_api::db::PoolSettings {
            size: 2,
            ..Default::default()
        },
    );
    db.migrate().expect("migrations apply");
    db
}

/// Reads every row of `$table` as `$row` (its Selectable columns) and the listed columns
/// as their types; returns how many rows there were. Fails when a stored value does not
/// decode: a column of another type, or a name that no domain enum knows.
macro_rules! read {
    ($conn:expr, $table:ident as tuple $row:ty) => {{
        let rows = $table::table
            .select($table::all_columns)
            .load::<$row>($conn)
            .unwrap_or_else(|e| panic!("{}: {e}", stringify!($table)))
            .len();
        (stringify!($table), rows)
    }};
    ($conn:expr, $table:ident as $row:ty $(, $column:ident: $type:ty)*) => {{
        let rows = $table::table
            .select(<$row>::as_select())
            .load::<$row>($conn)
            .unwrap_or_else(|e| panic!("{} as {}: {e}", stringify!($table), stringify!($row)))
            .len();
        $(
            $table::table
                .select($table::$column)
                .load::<$type>($conn)
                .unwrap_or_else(|e| panic!("{}.{}: {e}", stringify!($table), stringify!($column)));
        )*
        (stringify!($table), rows)
    }};
}

/// Every table as diesel reads it, the columns that no row struct holds included;
/// with the number of rows each has.
fn read_every_table(conn: &mut DbConnection) -> Vec<(&'static str, usize)> {
    use ose_api::db::{
        api_clients::ApiClientRow,
        bids::{BidMemberRow, BidRow},
        buyers::BuyerRow,
        contracts::{ContractMemberRow, ContractRow},
        idempotency::KeyRow,
        partner_skills::PartnerSkillRow,
        partners::PartnerRow,
        projects::ProjectRow,
        skills::SkillRow,
        tenders::{LotRow, LotSkillRow, TenderRow},
        users::UserRow,
    };
    vec![
        read!(conn, users as UserRow),
        read!(conn, api_clients as ApiClientRow),
        read!(conn, skills as SkillRow, search_text: String),
        read!(conn, partners as PartnerRow, name_key: String, search_text: String),
        read!(conn, buyers as BuyerRow, search_text: String),
        read!(conn, partner_skills as PartnerSkillRow),
        read!(conn, projects as ProjectRow, search_text: String),
        read!(conn, project_skills as tuple(String, String)),
        read!(
            conn,
            login_failures as tuple(String, String, chrono::NaiveDateTime)
        ),
        read!(conn, tenders as TenderRow, search_text: String),
        read!(conn, lots as LotRow),
        read!(conn, lot_skills as LotSkillRow),
        read!(conn, bids as BidRow),
        read!(conn, bid_members as BidMemberRow),
        read!(conn, contracts as ContractRow),
        read!(conn, contract_members as ContractMemberRow),
        read!(conn, idempotency_keys as KeyRow),
    ]
}

/// A whole procurement through the API, so that every table holds rows written by the
/// code: then each reads back as the row type the code reads it with.
#[actix_web::test]
async fn every_table_reads_back_as_its_row_type() {
    let app = TestApp::spawn().await;
    let scene = Scene::new(&app).await;
    app.post(
        "/api/v1/projects",
        Some(&scene.admin),
        json!({"slug": "postgres", "name": "PostgreSQL", "license": "PostgreSQL",
               "repository_url": "https://git.postgresql.org/git/postgresql.git",
               "skills": ["postgresql"], "steward_partner_id": scene.lead_id}),
    )
    .await
    .ok(201);
    app.json_if_match(
        Method::PUT,
        &format!("/api/v1/partners/{}/skills/postgresql", scene.lead_id),
        Some(&scene.lead),
        None,
        json!({"level": "maintainer", "certified_experts": 3,
               "evidence_urls": ["https://git.postgresql.org/"]}),
    )
    .await
    .ok(201);
    app.post(
        "/api/v1/api-clients",
        Some(&scene.admin),
        json!({"name": "Gateway", "role": "admin"}),
    )
    .await
    .ok(201);
    app.login(
        &format!("nobody-{}@example.org", uuid::Uuid::now_v7().simple()),
        "wrong password",
    )
    .await
    .problem(401);
    let tender = published(&app, &scene, "SCHEMA-1").await;
    let bid = app
        .send(
            TestApp::request(
                Method::POST,
                &format!("{}/bids", tender_path(&tender)),
                Some(&scene.lead),
            )
            .insert_header(("Idempotency-Key", "schema-1"))
            .set_json(consortium_body(&scene, &lot_id(&tender, 0))),
        )
        .await
        .ok(201);
    bid_action(&app, &scene.member, &bid, "confirm")
        .await
        .ok(200);
    bid_action(&app, &scene.lead, &bid, "submit").await.ok(200);
    action(&app, &scene.buyer, &tender, "close").await.ok(200);
    app.post(
        &format!("{}/award", tender_path(&tender)),
        Some(&scene.buyer),
        json!({"awards": [{"lot_id": lot_id(&tender, 0), "bid_id": bid["id"]}]}),
    )
    .await
    .ok(200);

    let mut conn = app.state.db.conn().expect("connection");
    for (table, rows) in read_every_table(&mut conn) {
        assert!(rows > 0, "{table} holds no row to read back");
    }
}

#[test]
fn both_backends_end_at_the_same_tables_columns_and_indexes() {
    let sqlite_file = std::env::temp_dir().join(format!(
        "ose-api-schema-{}.db",
        uuid::Uuid::now_v7().simple()
    ));
    let sqlite = TestDb {
        url: format!("sqlite://{}", sqlite_file.display()),
        backend: Backend::Sqlite,
        cleanup: crate::helpers::Cleanup::SqliteFile(sqlite_file.clone()),
    };
    let sqlite_db = migrated(&sqlite);
    let mut sqlite_conn = sqlite_db.conn().unwrap();
    let sqlite_columns = columns(&mut sqlite_conn);
    let column = |table: &str, name: &str, nullable: bool, kind: &str| {
        (table.to_owned(), name.to_owned(), nullable, kind.to_owned())
    };
    assert!(sqlite_columns.contains(&column("skills", "parent_id", true, "text")));
    assert!(sqlite_columns.contains(&column("users", "email", false, "text")));
    assert!(sqlite_columns.contains(&column("lot_skills", "min_level", false, "integer")));
    let sqlite_indexes = indexes(&mut sqlite_conn);
    // The directory's filters and sort orders have their indexes.
    for index in [
        "partners_name_key",
        "partners_created",
        "partners_region",
        "partner_skills_skill_level",
        "project_skills_skill",
    ] {
        assert!(
            sqlite_indexes.contains(index),
            "{index}: {sqlite_indexes:?}"
        );
    }

    // With PostgreSQL configured, its migrations must reach the very same shape.
    let other = TestDb::create();
    if other.backend == Backend::Postgres {
        let pg = migrated(&other);
        let mut pg_conn = pg.conn().unwrap();
        assert_eq!(columns(&mut pg_conn), sqlite_columns);
        assert_eq!(indexes(&mut pg_conn), sqlite_indexes);
    }
}

//! Liveness, readiness (down and back), the docs page and the served document.

use ose_api::db::Backend;

use crate::helpers::{Cleanup, TestApp, TestDb};

#[actix_web::test]
async fn health_and_readiness_answer_when_all_is_well() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/healthz", None).await.ok(200)["status"], "ok");
    assert_eq!(app.get("/readyz", None).await.ok(200)["status"], "ready");
}

#[actix_web::test]
async fn readiness_fails_while_the_database_is_down_and_recovers_by_itself() {
    // An SQLite file in a directory that does not exist yet cannot be opened.
    let dir = std::env::temp_dir().join(format!("ose-api-down-{}", uuid::Uuid::now_v7().simple()));
    let db = TestDb {
        url: format!("sqlite://{}/ose.db", dir.display()),
        backend: Backend::Sqlite,
        cleanup: Cleanup::Directory(dir.clone()),
    };
    let app = TestApp::on(db).await;
    assert_eq!(app.get("/healthz", None).await.status, 200);
    let down = app.get("/readyz", None).await;
    down.problem(503);
    assert!(down.header("retry-after").is_some());
    app.get("/api/v1/skills", None).await.problem(503);

    std::fs::create_dir_all(&dir).unwrap();
    app.state
        .db
        .migrate()
        .expect("migrate once the database is back");
    assert_eq!(app.get("/readyz", None).await.ok(200)["status"], "ready");
    app.get("/api/v1/skills", None).await.ok(200);
}

#[actix_web::test]
async fn readiness_fails_when_postgresql_does_not_answer() {
    let db = TestDb {
        url: "postgres://root@127.0.0.1:1/nothing".to_owned(),
        backend: Backend::Postgres,
        cleanup: Cleanup::Nothing,
    };
    let app = TestApp::on(db).await;
    app.get("/readyz", None).await.problem(503);
    app.get("/healthz", None).await.ok(200);
}

#[actix_web::test]
async fn the_docs_page_and_the_document_are_served() {
    let app = TestApp::spawn().await;
    let bare = app.get("/docs", None).await;
    assert!(bare.status.is_redirection());
    assert_eq!(bare.header("location").as_deref(), Some("/docs/"));
    let docs = app.get("/docs/", None).await;
    assert_eq!(docs.status, 200);
    assert!(String::from_utf8_lossy(&docs.body).contains("swagger-ui"));
    let document = app.get("/openapi.json", None).await.ok(200);
    assert_eq!(
        document,
        serde_json::to_value(ose_api::api::openapi_document()).unwrap()
    );
}

/// PostgreSQL cancels a statement that runs past `statement_timeout`: the request gets a
/// 503 with `Retry-After`, and the connection goes back to the pool, usable. (SQLite runs
/// in-process and has no such timeout; this runs when the suite runs on PostgreSQL.)
#[actix_web::test]
async fn a_statement_past_its_timeout_is_cancelled_as_unavailable() {
    use actix_web::ResponseError;
    use diesel::RunQueryDsl;
    use ose_api::db::{Db, DbError, PoolSettings};
    use ose_api::error::ApiError;

    let test_db = TestDb::migrated();
    if test_db.backend != Backend::Postgres {
        return;
    }
    let db = Db::new(
        &test_db.url,
        test_db.backend,
        PoolSettings {
            size: 1,
            statement_timeout: std::time::Duration::from_millis(100),
            ..PoolSettings::default()
        },
    );
    let slow: Result<usize, DbError> = db
        .run(|conn| Ok(diesel::sql_query("SELECT pg_sleep(2)").execute(conn)?))
        .await;
    let answer = ApiError::from(slow.expect_err("cancelled")).error_response();
    assert_eq!(answer.status().as_u16(), 503);
    assert!(answer.headers().contains_key("retry-after"));
    let after: Result<usize, DbError> = db
        .run(|conn| Ok(diesel::sql_query("SELECT 1").execute(conn)?))
        .await;
    assert_eq!(after.expect("the connection still serves"), 1);
}

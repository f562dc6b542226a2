//! The binary's command line: configuration errors are one line with exit code 2,
//! `create-admin` reads the password from stdin, `seed-demo` loads the demo network once,
//! `openapi` prints the document.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::helpers::{TestApp, TestDb};

/// The binary, without the environment of the test run.
pub fn ose_api() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ose-api"));
    for var in [
        "DATABASE_URL",
        "JWT_SECRET",
        "OSE_ENV",
        "BIND",
        "CORS_ORIGINS",
        "TOKEN_TTL_SECONDS",
        "LEDGER_SIGNING_KEY",
        "PLATFORM_FEE_BPS",
        "UPSTREAM_BPS",
        "UPSTREAM_FLOOR_BPS",
    ] {
        command.env_remove(var);
    }
    command
}

fn one_line_failure(output: std::process::Output, code: i32, needle: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    assert!(lines[0].contains(needle), "{stderr}");
}

#[test]
fn production_refuses_a_missing_or_short_secret() {
    let missing = ose_api()
        .args(["migrate"])
        .env("OSE_ENV", "prod")
        .output()
        .unwrap();
    one_line_failure(missing, 2, "JWT_SECRET is required");
    let short = ose_api()
        .args(["migrate"])
        .env("OSE_ENV", "prod")
        .env("JWT_SECRET", "too-short")
        .output()
        .unwrap();
    one_line_failure(short, 2, "at least 32 bytes");
}

#[test]
fn production_refuses_a_missing_or_malformed_ledger_key() {
    let secret = "a-production-secret-of-at-least-32-bytes";
    let missing = ose_api()
        .args(["migrate"])
        .env("OSE_ENV", "prod")
        .env("JWT_SECRET", secret)
        .output()
        .unwrap();
    one_line_failure(missing, 2, "LEDGER_SIGNING_KEY is required");
    let malformed = ose_api()
        .args(["migrate"])
        .env("OSE_ENV", "prod")
        .env("JWT_SECRET", secret)
        .env("LEDGER_SIGNING_KEY", "c2hvcnQ=")
        .output()
        .unwrap();
    one_line_failure(malformed, 2, "LEDGER_SIGNING_KEY");
}

#[test]
fn an_upstream_default_below_its_floor_is_refused() {
    let below = ose_api()
        .args(["migrate"])
        .env("UPSTREAM_BPS", "50")
        .env("UPSTREAM_FLOOR_BPS", "100")
        .output()
        .unwrap();
    one_line_failure(below, 2, "UPSTREAM_BPS must be at least UPSTREAM_FLOOR_BPS");
}

#[test]
fn a_bad_database_url_is_one_line() {
    let scheme = ose_api()
        .args(["migrate"])
        .env("DATABASE_URL", "mysql://x")
        .output()
        .unwrap();
    one_line_failure(scheme, 2, "DATABASE_URL must start with");
    let dead = ose_api()
        .args(["migrate"])
        .env("DATABASE_URL", "postgres://root@127.0.0.1:1/none")
        .output()
        .unwrap();
    one_line_failure(dead, 1, "migration failed");
}

#[test]
fn create_admin_reads_the_password_from_stdin_and_resets_it() {
    let path =
        std::env::temp_dir().join(format!("ose-api-cli-{}.db", uuid::Uuid::now_v7().simple()));
    let url = format!("sqlite://{}", path.display());
    let run = |password: &str| {
        let mut child = ose_api()
            .args([
                "create-admin",
                "--email",
                "Root@Example.org",
                "--password-stdin",
            ])
            .env("DATABASE_URL", &url)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    assert!(run("first password 123").status.success());
    assert!(run("second password 456").status.success());
    one_line_failure(run("short"), 1, "at least 12 characters");

    let db = ose_api::db::Db::new(
        &url,
        ose_api::db::Backend::Sqlite,
        ose_api::db::PoolSettings {
            size: 1,
            ..Default::default()
        },
    );
    let mut conn = db.conn().unwrap();
    let admin = ose_api::db::users::find_by_email(&mut conn, "root@example.org")
        .unwrap()
        .unwrap();
    assert_eq!(admin.role, ose_api::domain::access::Role::Admin);
    assert!(ose_api::auth::password::verify(
        "second password 456",
        &admin.password_hash
    ));
    assert!(!ose_api::auth::password::verify(
        "first password 123",
        &admin.password_hash
    ));
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[test]
fn the_openapi_subcommand_prints_the_document() {
    let output = ose_api().arg("openapi").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        ose_api::app::openapi_json()
    );
}

/// The directory as an anonymous caller and an admin see it, for before/after comparisons.
async fn directory_snapshot(app: &TestApp, admin: &str) -> Vec<serde_json::Value> {
    let mut snapshot = Vec::new();
    for path in [
        "/api/v1/partners?limit=100",
        "/api/v1/skills?limit=100",
        "/api/v1/projects?limit=100",
        "/api/v1/buyers?limit=100",
        "/api/v1/tenders?limit=100",
    ] {
        snapshot.push(app.get(path, Some(admin)).await.ok(200));
    }
    snapshot
}

/// The counts `seed-demo` logged: (kind, new, present).
fn seed_counts(output: &std::process::Output) -> Vec<(String, usize, usize)> {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "stderr: {stderr}");
    let (_, counts) = stderr
        .split_once("demo data loaded: ")
        .unwrap_or_else(|| panic!("no report in: {stderr}"));
    counts
        .trim()
        .split(", ")
        .map(|part| {
            // "partner skills 47 new/0 present"
            let part = part.trim_end_matches(" present");
            let (head, present) = part.split_once(" new/").expect("new/present");
            let (kind, new) = head.rsplit_once(' ').expect("kind and count");
            (
                kind.to_owned(),
                new.parse().expect("new count"),
                present.parse().expect("present count"),
            )
        })
        .collect()
}

#[actix_web::test]
async fn seed_demo_loads_the_network_once() {
    let db = TestDb::create();
    let url = db.url.clone();
    let seed = || {
        ose_api()
            .arg("seed-demo")
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "info")
            .output()
            .unwrap()
    };
    let first = seed_counts(&seed());
    let partners = first.iter().find(|(kind, ..)| kind == "partners").unwrap();
    assert_eq!((partners.1, partners.2), (12, 0));
    assert!(
        first
            .iter()
            .all(|(_, new, present)| *new > 0 && *present == 0)
    );

    let app = TestApp::on(db).await;
    let admin = app.admin();
    let before = directory_snapshot(&app, &admin).await;
    let second = seed_counts(&seed());
    assert!(
        second
            .iter()
            .zip(&first)
            .all(|(again, once)| again.1 == 0 && again.2 == once.1),
        "{second:?}"
    );
    assert_eq!(directory_snapshot(&app, &admin).await, before);

    let found = app
        .get(
            "/api/v1/partners?skill=postgresql&min_level=contributor",
            None,
        )
        .await
        .ok(200);
    let names: Vec<&str> = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Dalibo", "Oslandia"]);
    for partner in found["items"].as_array().unwrap() {
        let claim = partner["skills"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["skill"] == "postgresql")
            .unwrap();
        assert!(
            claim["evidence_urls"]
                .as_array()
                .is_some_and(|urls| !urls.is_empty())
        );
    }
    let founders = app
        .get("/api/v1/partners?membership=founding", None)
        .await
        .ok(200);
    let founders: Vec<&str> = founders["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        founders,
        ["Arawa", "BlueMind", "FactorFX", "Inno3", "Worteks"]
    );

    // One open call anyone can read, its deadline ahead, so a demo can bid at once.
    let open = app
        .get("/api/v1/tenders?status=published", None)
        .await
        .ok(200);
    let [tender] = open["items"].as_array().unwrap().as_slice() else {
        panic!("one published demo tender: {open}");
    };
    assert_eq!(tender["reference"], "DEMO-2027-GEO");
    let deadline =
        chrono::DateTime::parse_from_rfc3339(tender["submission_deadline"].as_str().unwrap())
            .unwrap();
    assert!(deadline > chrono::Utc::now() + chrono::Duration::days(80));
    let first_lot: Vec<&str> = tender["lots"][0]["required_skills"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["skill"].as_str().unwrap())
        .collect();
    assert_eq!(first_lot, ["postgresql", "postgis", "qgis", "patroni"]);
}

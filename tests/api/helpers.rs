//! The spawned test app: its own database (SQLite file or PostgreSQL schema), request
//! helpers and assertions on problem+json answers.

use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use actix_http::Request;
use actix_service::boxed::{self, BoxService};
use actix_service::{Service, ServiceExt};
use actix_web::body::BoxBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::test::TestRequest;
use actix_web::web::Bytes;
use diesel::connection::SimpleConnection;
use diesel::{Connection, QueryableByName, RunQueryDsl};
use ose_api::app::build_app;
use ose_api::auth::jwt::TokenSubject;
use ose_api::clock::Clock;
use ose_api::config::{Config, Environment};
use ose_api::db::{
    self, Backend, Db, PoolSettings, buyers::BuyerRow, partners::PartnerRow, users::UserRow,
};
use ose_api::domain::access::Role;
use ose_api::domain::directory::{BuyerKind, Membership, PartnerKind, PartnerStatus};
use ose_api::domain::identifiers::with_luhn_key;
use ose_api::state::AppState;
use serde_json::{Value, json};

pub const SECRET: &[u8] = b"test-secret-that-is-long-enough-for-hs256!";
pub const PASSWORD: &str = "correct horse battery staple";
pub const ALLOWED_ORIGIN: &str = "https://app.example";

/// The hash of [`PASSWORD`], computed once: argon2 is deliberately slow, and every test
/// principal has this password.
static PASSWORD_HASH: LazyLock<String> =
    LazyLock::new(|| ose_api::auth::password::hash(PASSWORD).expect("hash"));

/// A database of its own for one test, removed when dropped.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    pub cleanup: Cleanup,
}

pub enum Cleanup {
    SqliteFile(PathBuf),
    Directory(PathBuf),
    Nothing,
    PostgresSchema { base_url: String, schema: String },
    PooledSchema { base_url: String, schema: String },
}

/// The URL of `schema` on the PostgreSQL of `base_url`. Durability is not what these
/// tests are about: commits need not wait for the disk.
fn schema_url(base_url: &str, schema: &str) -> String {
    let separator = if base_url.contains('?') { '&' } else { '?' };
    format!("{base_url}{separator}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff")
}

fn postgres_base_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

fn admin_connection(base_url: &str) -> diesel::PgConnection {
    diesel::PgConnection::establish(base_url)
        .expect("TEST_DATABASE_URL must point at a reachable PostgreSQL")
}

/// Migrated PostgreSQL schemas that tests hand back emptied: migrating a schema costs
/// far more than emptying one, and most tests only need a clean, migrated database.
struct SchemaPool {
    free: Vec<String>,
    created: usize,
    /// Empties every table of a schema, children before parents.
    empty_all: Option<String>,
}

static SCHEMA_POOL: Mutex<SchemaPool> = Mutex::new(SchemaPool {
    free: Vec::new(),
    created: 0,
    empty_all: None,
});

impl SchemaPool {
    /// Forgets the pooled schemas of earlier test processes that are gone.
    fn drop_stale(admin: &mut diesel::PgConnection) {
        #[derive(QueryableByName)]
        struct Schema {
            #[diesel(sql_type = diesel::sql_types::Text)]
            name: String,
        }
        let stale: Vec<Schema> = diesel::sql_query(
            "SELECT nspname::text AS name FROM pg_namespace WHERE nspname LIKE 'test\\_pool\\_%'",
        )
        .load(admin)
        .expect("list pooled schemas");
        for schema in stale {
            let pid = schema.name.split('_').nth(2).unwrap_or_default();
            if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                let _ =
                    admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", schema.name));
            }
        }
    }

    /// `DELETE FROM` every table of `schema` but the migrations', in an order that
    /// foreign keys accept (a self-reference is fine within one statement).
    fn delete_statements(admin: &mut diesel::PgConnection, schema: &str) -> String {
        #[derive(QueryableByName)]
        struct Edge {
            #[diesel(sql_type = diesel::sql_types::Text)]
            child: String,
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            parent: Option<String>,
        }
        let edges: Vec<Edge> = diesel::sql_query(format!(
            "SELECT t.relname::text AS child, p.relname::text AS parent \
             FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace \
             LEFT JOIN pg_constraint c ON c.conrelid = t.oid AND c.contype = 'f' \
             LEFT JOIN pg_class p ON p.oid = c.confrelid \
             WHERE n.nspname = '{schema}' AND t.relkind = 'r' \
             AND t.relname <> '__diesel_schema_migrations'"
        ))
        .load(admin)
        .expect("read foreign keys");
        let mut tables: Vec<String> = edges.iter().map(|e| e.child.clone()).collect();
        tables.sort();
        tables.dedup();
        let mut ordered: Vec<String> = Vec::new();
        while ordered.len() < tables.len() {
            // A table goes once every table referring to it has gone.
            let next = tables
                .iter()
                .find(|table| {
                    !ordered.contains(table)
                        && edges.iter().all(|e| {
                            e.parent.as_deref() != Some(table.as_str())
                                || e.child == **table
                                || ordered.contains(&e.child)
                        })
                })
                .expect("foreign keys without a cycle")
                .clone();
            ordered.push(next);
        }
        let mut statements: String = ordered
            .iter()
            .map(|table| format!("DELETE FROM {table};"))
            .collect();
        // The row the migrations seed: every ledger starts at its empty head.
        statements
            .push_str("INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, repeat('0', 64));");
        statements
    }

    /// A clean, migrated schema: a free one, or a new one.
    fn take(base_url: &str) -> String {
        let mut pool = SCHEMA_POOL.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(schema) = pool.free.pop() {
            return schema;
        }
        let mut admin = admin_connection(base_url);
        if pool.created == 0 {
            Self::drop_stale(&mut admin);
        }
        pool.created += 1;
        let schema = format!("test_pool_{}_{}", std::process::id(), pool.created);
        drop(pool);
        admin
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .expect("create test schema");
        Db::new(
            &schema_url(base_url, &schema),
            Backend::Postgres,
            PoolSettings {
                size: 1,
                ..PoolSettings::default()
            },
        )
        .migrate()
        .expect("migrations apply");
        let mut pool = SCHEMA_POOL.lock().unwrap_or_else(|e| e.into_inner());
        if pool.empty_all.is_none() {
            pool.empty_all = Some(Self::delete_statements(&mut admin, &schema));
        }
        schema
    }

    /// Empties `schema` and makes it available again.
    fn give_back(base_url: &str, schema: &str) {
        let empty_all = SCHEMA_POOL
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .empty_all
            .clone()
            .unwrap_or_default();
        let emptied =
            diesel::PgConnection::establish(&schema_url(base_url, schema)).and_then(|mut conn| {
                conn.batch_execute(&format!("BEGIN; {empty_all} COMMIT;"))
                    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))
            });
        if emptied.is_ok() {
            SCHEMA_POOL
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .free
                .push(schema.to_owned());
        }
    }
}

impl TestDb {
    /// A new, empty database (not migrated).
    pub fn create() -> TestDb {
        let tag = uuid::Uuid::now_v7().simple().to_string();
        match postgres_base_url() {
            Some(base_url) => {
                let schema = format!("test_{tag}");
                admin_connection(&base_url)
                    .batch_execute(&format!("CREATE SCHEMA {schema}"))
                    .expect("create test schema");
                TestDb {
                    url: schema_url(&base_url, &schema),
                    backend: Backend::Postgres,
                    cleanup: Cleanup::PostgresSchema { base_url, schema },
                }
            }
            _ => {
                let path = std::env::temp_dir().join(format!("ose-api-test-{tag}.db"));
                TestDb {
                    url: format!("sqlite://{}", path.display()),
                    backend: Backend::Sqlite,
                    cleanup: Cleanup::SqliteFile(path),
                }
            }
        }
    }
}

impl TestDb {
    /// A clean, migrated database of its own: on PostgreSQL a pooled schema, emptied
    /// when the test ends.
    pub fn migrated() -> TestDb {
        match postgres_base_url() {
            Some(base_url) => {
                let schema = SchemaPool::take(&base_url);
                TestDb {
                    url: schema_url(&base_url, &schema),
                    backend: Backend::Postgres,
                    cleanup: Cleanup::PooledSchema { base_url, schema },
                }
            }
            None => {
                let db = TestDb::create();
                Db::new(
                    &db.url,
                    db.backend,
                    PoolSettings {
                        size: 1,
                        ..PoolSettings::default()
                    },
                )
                .migrate()
                .expect("migrations apply");
                db
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Directory(path) => {
                let _ = std::fs::remove_dir_all(path);
            }
            Cleanup::Nothing => {}
            Cleanup::PooledSchema { base_url, schema } => SchemaPool::give_back(base_url, schema),
            Cleanup::PostgresSchema { base_url, schema } => {
                if let Ok(mut admin) = diesel::PgConnection::establish(base_url) {
                    let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
                }
            }
        }
    }
}

/// The ledger key of every test app: 32 bytes of 7, base64.
pub const LEDGER_SEED: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

pub fn test_config(url: &str, backend: Backend) -> Config {
    Config {
        database_url: url.to_owned(),
        backend,
        bind: "127.0.0.1:0".to_owned(),
        jwt_secret: SECRET.to_vec(),
        jwt_secret_generated: false,
        environment: Environment::Dev,
        cors_origins: vec![ALLOWED_ORIGIN.to_owned()],
        trusted_proxies: vec!["10.9.9.9".parse().expect("an address")],
        token_ttl: Duration::from_secs(900),
        db_connect_timeout: Duration::from_secs(2),
        workers: 1,
        max_connections: Some(64),
        db_pool_size: 8,
        statement_timeout: Duration::from_secs(5),
        concurrent_hashes: 2,
        value_chain_margin_bps: 2000,
        revenue_share: ose_api::config::RevenueShareDefaults::default(),
        ledger_signer: std::sync::Arc::new(
            ose_api::domain::checkpoint::Signer::from_base64(LEDGER_SEED).expect("a seed"),
        ),
        ledger_signer_generated: false,
        checkpoint_interval: Duration::from_secs(3600),
        limits: ose_api::config::Limits {
            body_timeout: Duration::from_secs(1),
            ..ose_api::config::Limits::default()
        },
    }
}

type AppService = BoxService<Request, ServiceResponse<BoxBody>, actix_web::Error>;

/// Real time plus an offset that tests move forward: deadlines pass without sleeping.
/// (Tokens keep real time: only the application's rules see the offset.)
#[derive(Default)]
pub struct TestClock {
    offset_ms: AtomicI64,
}

impl TestClock {
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + chrono::Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

pub struct TestApp {
    service: AppService,
    pub state: AppState,
    /// The application's clock: `app.clock.advance(…)` moves its "now".
    pub clock: Arc<TestClock>,
    /// Held so the database lives as long as the app, and is removed after.
    _db: TestDb,
}

/// An answer, read whole.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("ASCII header").to_owned())
    }

    /// Asserts a success status and returns the JSON body.
    pub fn ok(&self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        if self.body.is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }

    /// Asserts an RFC 9457 problem with this status and returns it.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status.as_u16(),
            status,
            "unexpected status; body: {}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "errors are problem+json"
        );
        let problem = self.json();
        assert_eq!(
            problem["status"],
            json!(status),
            "problem status equals HTTP status"
        );
        assert!(problem["type"].is_string() && problem["title"].is_string());
        assert!(problem["detail"].is_string());
        problem
    }

    /// Asserts a 422 whose entries are exactly these JSON pointers; returns their codes.
    pub fn invalid_fields(&self, pointers: &[&str]) -> Vec<String> {
        self.fields(422, "urn:ose-api:problem:validation", pointers)
    }

    /// Asserts a 409 whose entries are exactly these JSON pointers (a well-formed request
    /// that the state refuses: it names what does not exist, what is inactive, …);
    /// returns their codes.
    pub fn unmet_fields(&self, pointers: &[&str]) -> Vec<String> {
        self.fields(409, "urn:ose-api:problem:conflict", pointers)
    }

    /// Asserts the refusal of exactly `pointers` with `codes`, at the status they call
    /// for: 409 when the state decides every one of them, else 422.
    pub fn refused_with(&self, pointers: &[&str], codes: &[&str]) {
        let found = if codes
            .iter()
            .all(|code| ose_api::domain::STATE_CODES.contains(code))
        {
            self.unmet_fields(pointers)
        } else {
            self.invalid_fields(pointers)
        };
        assert_eq!(found, codes, "{pointers:?}");
    }

    fn fields(&self, status: u16, kind: &str, pointers: &[&str]) -> Vec<String> {
        let problem = self.problem(status);
        assert_eq!(problem["type"], kind, "{problem}");
        let errors = problem["errors"].as_array().expect("errors array");
        let found: Vec<&str> = errors
            .iter()
            .map(|e| e["pointer"].as_str().expect("pointer"))
            .collect();
        assert_eq!(found, pointers, "invalid fields: {problem}");
        errors
            .iter()
            .map(|e| e["code"].as_str().expect("code").to_owned())
            .collect()
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::on(TestDb::migrated()).await
    }

    /// An app over `db` as it is, without migrating it.
    pub async fn on(db: TestDb) -> TestApp {
        let config = test_config(&db.url, db.backend);
        let clock = Arc::new(TestClock::default());
        let state = AppState::new(&config, clock.clone());
        let app =
            actix_web::test::init_service(build_app(state.clone(), config.cors_origins)).await;
        let service = boxed::service(app.map(|res: ServiceResponse<_>| res.map_into_boxed_body()));
        TestApp {
            service,
            state,
            clock,
            _db: db,
        }
    }

    /// Sends `req` and reads the answer whole; the answer is checked against the
    /// OpenAPI document on the way (see `contract.rs`).
    pub async fn send(&self, req: TestRequest) -> TestResponse {
        self.send_request(req.to_request()).await
    }

    /// Sends a request built by hand (a body that streams, for instance).
    pub async fn send_request(&self, request: Request) -> TestResponse {
        let (method, path) = (request.method().to_string(), request.path().to_owned());
        let response = match self.service.call(request).await {
            Ok(response) => response.into_parts().1,
            Err(error) => error.error_response(),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap_or_else(|_| panic!("the body could not be read"));
        let answer = TestResponse {
            status,
            headers,
            body,
        };
        crate::contract::check(&method, &path, &answer);
        answer
    }

    pub fn request(method: Method, path: &str, token: Option<&str>) -> TestRequest {
        let mut req = TestRequest::default().method(method).uri(path);
        if let Some(token) = token {
            req = req.insert_header((header::AUTHORIZATION, format!("Bearer {token}")));
        }
        req
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.send(Self::request(Method::GET, path, token)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> TestResponse {
        self.send(Self::request(Method::DELETE, path, token)).await
    }

    pub async fn json(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> TestResponse {
        self.send(Self::request(method, path, token).set_json(body))
            .await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> TestResponse {
        self.json(Method::POST, path, token, body).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> TestResponse {
        self.json(Method::PATCH, path, token, body).await
    }

    /// Inserts a user straight into the database and returns its id.
    pub fn insert_user(&self, email: &str, role: Role, organisation: Option<&str>) -> String {
        let now = chrono::Utc::now().naive_utc();
        let row = UserRow {
            id: db::new_id(),
            email: email.to_owned(),
            password_hash: PASSWORD_HASH.clone(),
            role,
            partner_id: (role == Role::Partner)
                .then(|| organisation.expect("partner id").to_owned()),
            buyer_id: (role == Role::Buyer).then(|| organisation.expect("buyer id").to_owned()),
            active: true,
            token_generation: 0,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut conn = self.state.db.conn().expect("connection");
        db::users::insert(&mut conn, &row).expect("insert user");
        row.id
    }

    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.post(
            "/api/v1/auth/token",
            None,
            json!({"grant_type": "password", "email": email, "password": password}),
        )
        .await
    }

    /// A token for the user `email`, minted with the app's key as `/auth/token` would
    /// (the token endpoint itself is tested in `auth.rs`).
    pub fn token_for(&self, email: &str) -> String {
        let mut conn = self.state.db.conn().expect("connection");
        let user = db::users::find_by_email(&mut conn, email)
            .expect("read user")
            .expect("the user exists");
        self.state
            .jwt
            .issue(
                chrono::Utc::now(),
                TokenSubject::User,
                &user.id,
                user.role,
                user.token_generation,
            )
            .expect("token")
            .0
    }

    /// A fresh admin and its token.
    pub fn admin(&self) -> String {
        let email = format!("admin-{}@example.org", uuid::Uuid::now_v7().simple());
        self.insert_user(&email, Role::Admin, None);
        self.token_for(&email)
    }

    /// A fresh user of `role` acting for a new organisation (an active partner, or a
    /// buyer); returns (token, org id).
    pub fn member(&self, role: Role) -> (String, String) {
        let organisation = match role {
            Role::Partner => self.insert_partner("Member partner", "active"),
            Role::Buyer => self.insert_buyer("Member buyer"),
            Role::Admin => panic!("admins act for no organisation"),
        };
        (self.user_for(role, &organisation), organisation)
    }

    /// A fresh user of `role` acting for `organisation`, and its token.
    pub fn user_for(&self, role: Role, organisation: &str) -> String {
        let email = format!(
            "{}-{}@example.org",
            role.as_str(),
            uuid::Uuid::now_v7().simple()
        );
        self.insert_user(&email, role, Some(organisation));
        self.token_for(&email)
    }

    /// Inserts a partner straight into the database and returns its id.
    pub fn insert_partner(&self, name: &str, status: &str) -> String {
        let now = chrono::Utc::now().naive_utc();
        let row = PartnerRow {
            id: db::new_id(),
            name: name.to_owned(),
            legal_name: format!("{name} SAS"),
            siren: fresh_siren(),
            kind: PartnerKind::Integrator,
            membership: Membership::Member,
            status: PartnerStatus::parse(status).expect("a partner status"),
            verified: false,
            website: None,
            contact_email: "contact@partner.example".to_owned(),
            region: "FR-IDF".to_owned(),
            headcount: None,
            description: String::new(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut conn = self.state.db.conn().expect("connection");
        db::partners::insert(&mut conn, &row).expect("insert partner");
        row.id
    }

    /// Inserts a buyer straight into the database and returns its id.
    pub fn insert_buyer(&self, name: &str) -> String {
        let now = chrono::Utc::now().naive_utc();
        let row = BuyerRow {
            id: db::new_id(),
            name: name.to_owned(),
            siret: fresh_siret(),
            kind: BuyerKind::PublicBody,
            contact_email: "achats@buyer.example".to_owned(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let mut conn = self.state.db.conn().expect("connection");
        db::buyers::insert(&mut conn, &row).expect("insert buyer");
        row.id
    }

    /// A JSON request with `If-Match: etag` when given.
    pub async fn json_if_match(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        etag: Option<&str>,
        body: Value,
    ) -> TestResponse {
        let mut req = Self::request(method, path, token).set_json(body);
        if let Some(etag) = etag {
            req = req.insert_header((header::IF_MATCH, etag));
        }
        self.send(req).await
    }

    /// A DELETE with `If-Match: etag` when given.
    pub async fn delete_if_match(
        &self,
        path: &str,
        token: Option<&str>,
        etag: Option<&str>,
    ) -> TestResponse {
        let mut req = Self::request(Method::DELETE, path, token);
        if let Some(etag) = etag {
            req = req.insert_header((header::IF_MATCH, etag));
        }
        self.send(req).await
    }
}

fn random_digits(count: usize) -> String {
    (0..count)
        .map(|_| char::from(b'0' + rand::random_range(0..10u8)))
        .collect()
}

/// A SIREN no other test uses (8 random digits and the Luhn key).
pub fn fresh_siren() -> String {
    with_luhn_key(&random_digits(8))
}

/// A SIRET no other test uses; never La Poste's.
pub fn fresh_siret() -> String {
    with_luhn_key(&format!("1{}", random_digits(12)))
}

/// Mints a token with arbitrary claims and key, for the token-validation tests.
pub fn mint(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .expect("encode test token")
}

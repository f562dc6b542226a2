//! Assembles the service: shared state, middleware, routes; and the entry points the
//! command line calls (serve, migrate, create-admin, openapi).

use std::io::Read;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{ErrorHandlers, Logger, from_fn};
use actix_web::{App, HttpServer, http::header, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::{self, middleware as mw, request};
use crate::auth::password;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::db::{self, users::UserRow};
use crate::domain::access::{MIN_PASSWORD_CHARS, Role};
use crate::open_files;
use crate::seed;
use crate::service;
use crate::state::AppState;

fn cors(origins: &[String]) -> Cors {
    let cors = Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            api::idempotency::IDEMPOTENCY_KEY,
            mw::X_REQUEST_ID,
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::LINK,
            mw::X_REQUEST_ID,
            api::idempotency::IDEMPOTENT_REPLAYED,
        ])
        .max_age(3600);
    if origins.iter().any(|o| o == "*") {
        cors.allow_any_origin()
    } else {
        origins
            .iter()
            .fold(cors, |cors, origin| cors.allowed_origin(origin))
    }
}

/// The whole application: used by `serve` and by the integration tests.
pub fn build_app(
    state: AppState,
    cors_origins: Vec<String>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, openapi) = App::new()
        .into_utoipa_app()
        .openapi(api::ApiDoc::openapi())
        .configure(api::configure)
        .split_for_parts();
    let routes = web::Data::new(mw::RouteTable::from_openapi(&openapi));
    let document = api::document::completed(openapi);
    app.app_data(web::Data::new(state))
        .app_data(routes)
        .app_data(request::json_config())
        .app_data(request::query_config())
        .app_data(request::path_config())
        .app_data(web::PayloadConfig::new(request::MAX_BODY_BYTES))
        .service(web::redirect("/docs", "/docs/"))
        .service(SwaggerUi::new("/docs/{_:.*}").external_url_unchecked("/openapi.json", document))
        .default_service(web::to(mw::fallback))
        .wrap(from_fn(mw::screen_input))
        .wrap(from_fn(mw::head_as_get))
        .wrap(cors(&cors_origins))
        .wrap(ErrorHandlers::new().default_handler(mw::problem_safety_net))
        .wrap(from_fn(mw::request_id))
        .wrap(Logger::new(
            "%a \"%r\" %s %b %Dms request_id=%{x-request-id}o",
        ))
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database migration failed: {0}")]
    Migration(#[from] db::MigrationError),
    #[error("cannot listen on {bind}: {source}")]
    Bind {
        bind: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Invalid(String),
}

/// Migrates the database, then serves until stopped.
pub async fn serve(config: Config) -> Result<(), StartError> {
    if config.jwt_secret_generated {
        log::warn!(
            "JWT_SECRET is not set: using a random secret for this process only \
             (tokens die with it; never run like this in production)"
        );
    }
    if config.ledger_signer_generated {
        log::warn!(
            "LEDGER_SIGNING_KEY is not set: checkpoints are signed with a key made for this \
             process only (public key {}); never run like this in production",
            config.ledger_signer.public_key()
        );
    }
    let state = AppState::new(&config, Arc::new(SystemClock));
    let applied = state.db.migrate()?;
    log::info!("database ready ({applied} migration(s) applied)");
    spawn_checkpoint_signer(state.clone(), config.checkpoint_interval);
    let open_file_limit = open_files::raise_limit();
    let wanted = config
        .max_connections
        .unwrap_or(open_files::DEFAULT_CONNECTIONS_PER_WORKER);
    let per_worker = open_files::connections_per_worker(
        wanted,
        open_file_limit,
        config.workers,
        config.db_pool_size,
    );
    if config.max_connections.is_some() && per_worker < wanted {
        log::warn!(
            "MAX_CONNECTIONS lowered to {per_worker} per worker: the open-file limit \
             ({}) cannot hold {} workers at {wanted}",
            open_file_limit.unwrap_or_default(),
            config.workers,
        );
    }
    log::info!(
        "accepting up to {per_worker} connections per worker, {} workers (open-file limit {})",
        config.workers,
        open_file_limit.map_or("unknown".to_owned(), |limit| limit.to_string())
    );
    let origins = config.cors_origins.clone();
    let server = HttpServer::new(move || build_app(state.clone(), origins.clone()))
        .workers(config.workers)
        .max_connections(per_worker)
        .bind(&config.bind)
        .map_err(|source| StartError::Bind {
            bind: config.bind.clone(),
            source,
        })?;
    log::info!("serving on http://{} (docs at /docs)", config.bind);
    server.run().await?;
    Ok(())
}

/// Signs the ledger's head every `interval` when it moved since the last checkpoint.
fn spawn_checkpoint_signer(state: AppState, interval: std::time::Duration) {
    actix_web::rt::spawn(async move {
        let mut ticks = actix_web::rt::time::interval(interval);
        // The first tick is immediate: a head that moved while the service was down is
        // signed at start.
        loop {
            ticks.tick().await;
            match service::ledger::checkpoint_if_moved(&state).await {
                Ok(Some(checkpoint)) => log::info!(
                    "ledger checkpoint signed at seq {} ({})",
                    checkpoint.seq,
                    checkpoint.hash
                ),
                Ok(None) => {}
                Err(e) => log::warn!("ledger checkpoint not signed this time: {e}"),
            }
        }
    });
}

/// Checks checkpoints an auditor kept (a JSON file holding one checkpoint, an array of
/// them, or a page of `GET /ledger/checkpoints`) against the chain as stored now, and
/// verifies the chain and balances: whether all holds, and one line per finding.
pub fn verify_ledger(
    config: &Config,
    checkpoint_file: &std::path::Path,
) -> Result<(bool, Vec<String>), StartError> {
    let text = std::fs::read_to_string(checkpoint_file)?;
    let checkpoints = service::ledger::parse_checkpoints(&text)
        .map_err(|e| StartError::Invalid(format!("{}: {e}", checkpoint_file.display())))?;
    let db = config.database();
    let mut conn = db.conn().map_err(|e| StartError::Invalid(e.to_string()))?;
    let report = service::ledger::check_checkpoints(&mut conn, checkpoints)
        .map_err(|e| StartError::Invalid(e.to_string()))?;
    let verification = service::ledger::verify_ledger(&mut conn)
        .map_err(|e| StartError::Invalid(e.to_string()))?;
    let mut lines = report.lines.clone();
    lines.push(match &verification.problem {
        None => format!(
            "the chain verifies: {} transactions, {} balances",
            verification.transactions_checked, verification.balances_checked
        ),
        Some(problem) => format!("the chain does not verify: {problem}"),
    });
    Ok((report.extends && verification.ok, lines))
}

pub fn migrate(config: &Config) -> Result<usize, StartError> {
    let db = config.database();
    Ok(db.migrate()?)
}

/// Creates the admin `email`, or resets its password, role and activity if it exists;
/// the password is read from standard input (first line).
pub fn create_admin(config: &Config, email: &str, stdin: impl Read) -> Result<String, StartError> {
    let mut input = String::new();
    std::io::BufReader::new(stdin).read_to_string(&mut input)?;
    let password = input.lines().next().unwrap_or("").to_owned();
    if (password.chars().count() as u64) < MIN_PASSWORD_CHARS {
        return Err(StartError::Invalid(format!(
            "the password read from standard input must be at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    let email = email.trim().to_lowercase();
    if !validator::ValidateEmail::validate_email(&email) {
        return Err(StartError::Invalid(format!(
            "`{email}` is not an email address"
        )));
    }
    let db = config.database();
    db.migrate()?;
    let hash = password::hash(&password).map_err(|e| StartError::Invalid(e.to_string()))?;
    let mut conn = db.conn().map_err(|e| StartError::Invalid(e.to_string()))?;
    let now = SystemClock.now_naive();
    let fail = |e: diesel::result::Error| StartError::Invalid(format!("database: {e}"));
    match db::users::find_by_email(&mut conn, &email).map_err(fail)? {
        Some(existing) => {
            let row = UserRow {
                password_hash: hash,
                role: Role::Admin,
                partner_id: None,
                buyer_id: None,
                active: true,
                token_generation: existing.token_generation + 1,
                updated_at: now,
                version: existing.version + 1,
                ..existing
            };
            db::users::update_versioned(&mut conn, &row).map_err(fail)?;
            Ok(row.id)
        }
        None => {
            let row = UserRow {
                id: db::new_id(),
                email,
                password_hash: hash,
                role: Role::Admin,
                partner_id: None,
                buyer_id: None,
                active: true,
                token_generation: 0,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            db::users::insert(&mut conn, &row).map_err(fail)?;
            Ok(row.id)
        }
    }
}

/// Migrates the database and loads the demo network (idempotent); returns what it did.
pub fn seed_demo(config: &Config) -> Result<String, StartError> {
    let db = config.database();
    db.migrate()?;
    let mut conn = db.conn().map_err(|e| StartError::Invalid(e.to_string()))?;
    seed::load(&mut conn, SystemClock.now_naive())
        .map(|report| report.to_string())
        .map_err(|e| StartError::Invalid(e.to_string()))
}

/// The OpenAPI document as pretty JSON, exactly as committed in `openapi/openapi.json`.
pub fn openapi_json() -> String {
    let mut json = serde_json::to_string_pretty(&api::openapi_document())
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}

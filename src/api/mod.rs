//! The HTTP surface: one module per resource with thin handlers, plus the shared
//! conventions (errors, pagination, preconditions, middleware) and the OpenAPI document.

pub mod api_clients;
pub mod auth;
pub mod bids;
pub mod buyers;
pub mod contracts;
pub mod document;
pub mod extract;
pub mod idempotency;
pub mod ledger;
pub mod links;
pub mod matching;
pub mod middleware;
pub mod ops;
pub mod pagination;
pub mod partner_projects;
pub mod partner_skills;
pub mod partners;
pub mod preconditions;
pub mod projects;
pub mod request;
pub mod responses;
pub mod skills;
pub mod tenders;
pub mod users;

use actix_web::App;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::{AppExt, scope};

pub const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ose-api",
        description = "HTTP/JSON API of a one-stop shop for open source expertise: partners, \
            skills, tenders and revenue-share ledgers that fund upstream projects.\n\n\
            Errors are RFC 9457 `application/problem+json`. Lists are cursor-paginated \
            (`limit`, `cursor`; `{items, next_cursor}` and a `Link: rel=\"next\"` header). \
            Single resources carry an `ETag`; `If-Match` on writes is honoured.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later")
    ),
    servers((url = "/", description = "The server this document is served from")),
    modifiers(&BearerSecurity),
    components(
        schemas(
            crate::error::Problem,
            crate::error::FieldError,
            // Query parameter types, which operations refer to without registering.
            crate::domain::directory::PartnerSort,
        ),
        responses(
        responses::BadRequest,
        responses::Unauthorized,
        responses::Forbidden,
        responses::NotFound,
        responses::Conflict,
        responses::PreconditionFailed,
        responses::PreconditionRequired,
        responses::PayloadTooLarge,
        responses::RequestTimeout,
        responses::UnsupportedMediaType,
        responses::ValidationFailed,
        responses::TooManyRequests,
        responses::Unavailable,
        )
    ),
    tags(
        (name = "ops", description = "Liveness, readiness and the API description"),
        (name = "auth", description = "Tokens and the calling principal"),
        (name = "users", description = "People who sign in (admin only)"),
        (name = "api-clients", description = "Machine access for procurement systems (admin only)"),
        (name = "skills", description = "The skills catalogue"),
        (name = "partners", description = "The directory of the network's partners, their skills and their upstream projects"),
        (name = "buyers", description = "Contracting authorities and companies that issue tenders"),
        (name = "projects", description = "Upstream open source projects and their licenses"),
        (name = "tenders", description = "Calls for tenders, their lots and their lifecycle"),
        (name = "matching", description = "Ranked partner matches and consortium proposals for a lot"),
        (name = "bids", description = "Consortium bids on lots, sealed until evaluation"),
        (name = "contracts", description = "What each award binds, lot by lot"),
        (name = "ledger", description = "Revenue-share agreements and the double-entry ledger: payments, payouts, reversals, statements, the hash chain and its signed checkpoints"),
        (name = "reports", description = "Public reports: where the money went"),
    )
)]
pub struct ApiDoc;

struct BearerSecurity;

impl Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".to_owned());
        scheme.description = Some(
            "Access token from `POST /api/v1/auth/token` (HS256 JWT, 15 minutes by default)."
                .to_owned(),
        );
        components.add_security_scheme(BEARER, SecurityScheme::Http(scheme));
    }
}

/// Registers every documented operation; the app and the OpenAPI document both come
/// from here, so they cannot drift apart.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz).service(ops::readyz).service(
        scope::scope("/api/v1")
            .configure(auth::configure)
            .configure(users::configure)
            .configure(api_clients::configure)
            .configure(skills::configure)
            .configure(partners::configure)
            .configure(partner_skills::configure)
            .configure(partner_projects::configure)
            .configure(buyers::configure)
            .configure(projects::configure)
            .configure(tenders::configure)
            .configure(matching::configure)
            .configure(bids::configure)
            .configure(contracts::configure)
            .configure(ledger::configure),
    );
}

/// The OpenAPI document of the API, as served at `/openapi.json`.
pub fn openapi_document() -> serde_json::Value {
    document::completed(derived_document())
}

/// The document as the derives write it, before `document::completed`.
fn derived_document() -> utoipa::openapi::OpenApi {
    let (_, document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(configure)
        .split_for_parts();
    document
}

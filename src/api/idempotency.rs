//! `Idempotency-Key` over HTTP: the request's fingerprint in, the recorded answer out
//! (with `Idempotent-Replayed: true` when it is a replay). Keeping and replaying answers
//! is the use case's business (`service::idempotency`).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, EntityTag, HeaderName};
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use crate::auth::Principal;
use crate::domain::idempotency::fingerprint;
use crate::error::{ApiError, ApiResult};
use crate::service::idempotency::{Answer, Keyed};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The keyed request, when a key was sent: the caller's scope, the key, and the
/// fingerprint a retry must match (method, path, canonical body).
pub fn keyed(
    req: &HttpRequest,
    principal: &Principal,
    key: Option<String>,
    body: &impl Serialize,
) -> ApiResult<Option<Keyed>> {
    let Some(key) = key else {
        return Ok(None);
    };
    let canonical = serde_json::to_string(body)
        .map_err(|e| ApiError::Internal(format!("serialising a request: {e}")))?;
    Ok(Some(Keyed {
        scope: principal.scope(),
        key,
        fingerprint: fingerprint(req.method().as_str(), req.path(), &canonical),
    }))
}

/// The answer as recorded, marked when replayed.
pub fn respond(answer: Answer) -> HttpResponse {
    let recorded = answer.recorded;
    let status = StatusCode::from_u16(recorded.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut builder = HttpResponse::build(status);
    if let Some(location) = recorded.location {
        builder.insert_header((header::LOCATION, location));
    }
    if let Some(tag) = recorded.etag {
        builder.insert_header(header::ETag(EntityTag::new_strong(tag)));
    }
    if answer.replayed {
        builder.insert_header((IDEMPOTENT_REPLAYED, "true"));
    }
    builder.json(recorded.body)
}

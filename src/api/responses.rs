//! Reusable OpenAPI responses for the problems every operation may answer.

use utoipa::{IntoResponses, ToResponse};

use crate::error::Problem;

/// Malformed JSON, an unknown field, or a malformed or out-of-range parameter.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", example = json!({
    "type": "urn:ose-api:problem:malformed-request", "title": "Malformed request", "status": 400,
    "detail": "unknown field `colour`, expected one of `slug`, `name` at line 1 column 9"
}))]
pub struct BadRequest(pub Problem);

/// Missing, expired, malformed or revoked bearer token; carries `WWW-Authenticate: Bearer`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(
    ("WWW-Authenticate" = String, description = "`Bearer realm=\"ose-api\", error=\"invalid_token\", error_description=\"…\"`")
), example = json!({
    "type": "urn:ose-api:problem:unauthorized", "title": "Unauthorized", "status": 401,
    "detail": "a bearer token is required"
}))]
pub struct Unauthorized(pub Problem);

/// The caller's role may not do this.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", example = json!({
    "type": "urn:ose-api:problem:forbidden", "title": "Forbidden", "status": 403,
    "detail": "this operation needs the admin role"
}))]
pub struct Forbidden(pub Problem);

/// No such resource, or one the caller may not see.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", example = json!({
    "type": "about:blank", "title": "Not Found", "status": 404, "detail": "no skill `cobol-85`"
}))]
pub struct NotFound(pub Problem);

/// The request conflicts with the resource's state or with another resource.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(
    ("Retry-After" = u32, description = "Seconds to wait: sent when the same `Idempotency-Key` is still in flight")
), example = json!({
    "type": "urn:ose-api:problem:conflict", "title": "Conflict", "status": 409,
    "detail": "a skill with slug `postgresql` already exists"
}))]
pub struct Conflict(pub Problem);

/// `If-Match` names a version that is no longer current.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", example = json!({
    "type": "urn:ose-api:problem:stale-version", "title": "Precondition Failed", "status": 412,
    "detail": "the resource changed since the version named in If-Match; fetch it again"
}))]
pub struct PreconditionFailed(pub Problem);

/// The operation needs `If-Match` with the resource's current `ETag`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", example = json!({
    "type": "urn:ose-api:problem:if-match-required", "title": "Precondition Required",
    "status": 428,
    "detail": "this operation requires an If-Match header with the resource's ETag"
}))]
pub struct PreconditionRequired(pub Problem);

/// The body exceeds 256 KiB.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", example = json!({
    "type": "about:blank", "title": "Payload Too Large", "status": 413,
    "detail": "the request body exceeds the limit of 262144 bytes"
}))]
pub struct PayloadTooLarge(pub Problem);

/// The body did not arrive in time; the connection is closed.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", example = json!({
    "type": "about:blank", "title": "Request Timeout", "status": 408,
    "detail": "the request body did not arrive in time; the connection is closed"
}))]
pub struct RequestTimeout(pub Problem);

/// The body is not sent as `application/json`.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", example = json!({
    "type": "about:blank", "title": "Unsupported Media Type", "status": 415,
    "detail": "request bodies must be sent as Content-Type: application/json"
}))]
pub struct UnsupportedMediaType(pub Problem);

/// Well-formed but invalid fields, one entry each with a JSON pointer.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", example = json!({
    "type": "urn:ose-api:problem:validation", "title": "Validation failed", "status": 422,
    "detail": "1 field is invalid",
    "errors": [{"pointer": "#/slug", "code": "pattern", "detail": "must match ^[a-z0-9][a-z0-9-]{1,62}$"}]
}))]
pub struct ValidationFailed(pub Problem);

/// Too many failed attempts; `Retry-After` says when to try again.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(
    ("Retry-After" = u32, description = "Seconds to wait before trying again")
), example = json!({
    "type": "urn:ose-api:problem:rate-limited", "title": "Too Many Requests", "status": 429,
    "detail": "too many attempts; retry in 42 s"
}))]
pub struct TooManyRequests(pub Problem);

/// The database is unreachable; `Retry-After` suggests when to retry.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(
    ("Retry-After" = u32, description = "Seconds to wait before retrying")
), example = json!({
    "type": "urn:ose-api:problem:unavailable", "title": "Service Unavailable", "status": 503,
    "detail": "the database is unreachable; retry shortly"
}))]
pub struct Unavailable(pub Problem);

/// What reading and validating a JSON request body can answer.
#[derive(IntoResponses)]
pub enum BodyErrors {
    #[response(status = 400)]
    BadRequest(#[ref_response] BadRequest),
    #[response(status = 413)]
    PayloadTooLarge(#[ref_response] PayloadTooLarge),
    #[response(status = 415)]
    UnsupportedMediaType(#[ref_response] UnsupportedMediaType),
    #[response(status = 422)]
    ValidationFailed(#[ref_response] ValidationFailed),
}

/// What an operation that needs a token and a role can answer.
#[derive(IntoResponses)]
pub enum CallerErrors {
    #[response(status = 401)]
    Unauthorized(#[ref_response] Unauthorized),
    #[response(status = 403)]
    Forbidden(#[ref_response] Forbidden),
}

/// What an action on an existing resource in a lifecycle can answer: not found (or not
/// visible), refused in its current state, stale `If-Match`, database down.
#[derive(IntoResponses)]
pub enum MoveErrors {
    #[response(status = 404)]
    NotFound(#[ref_response] NotFound),
    #[response(status = 409)]
    Conflict(#[ref_response] Conflict),
    #[response(status = 412)]
    PreconditionFailed(#[ref_response] PreconditionFailed),
    #[response(status = 503)]
    Unavailable(#[ref_response] Unavailable),
}

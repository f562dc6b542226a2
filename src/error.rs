//! The one error type of the service and its RFC 9457 problem+json rendering.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbError;
use crate::service::ServiceError;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid input: `pointer` locates a body member (JSON Pointer in URI fragment
/// form), `parameter` names a query or path parameter.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FieldError {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "#/slug")]
    pub pointer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "limit")]
    pub parameter: Option<String>,
    #[schema(example = "pattern")]
    pub code: String,
    #[schema(example = "must match ^[a-z0-9][a-z0-9-]{1,62}$")]
    pub detail: String,
}

impl FieldError {
    pub fn body(pointer: impl Into<String>, code: &str, detail: impl Into<String>) -> Self {
        FieldError {
            pointer: Some(pointer.into()),
            parameter: None,
            code: code.to_owned(),
            detail: detail.into(),
        }
    }

    pub fn parameter(name: impl Into<String>, code: &str, detail: impl Into<String>) -> Self {
        FieldError {
            pointer: None,
            parameter: Some(name.into()),
            code: code.to_owned(),
            detail: detail.into(),
        }
    }
}

/// RFC 9457 problem details, as every error of the API is answered.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:ose-api:problem:validation",
    "title": "Validation failed",
    "status": 422,
    "detail": "1 field is invalid",
    "errors": [{"pointer": "#/slug", "code": "pattern", "detail": "must match ^[a-z0-9][a-z0-9-]{1,62}$"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    /// Always equal to the HTTP status of the response.
    pub status: u16,
    pub detail: String,
    /// One entry per invalid field or parameter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// The state a refused transition started from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed request: {0}")]
    BadRequest(String),
    #[error("invalid parameters")]
    InvalidParameters(Vec<FieldError>),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// A well-formed request that the current state refuses, field by field: what it
    /// names does not exist, or the resource is not ready for it (409).
    #[error("conflict with the current state")]
    Unmet(Vec<FieldError>),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    #[error("conflict: {detail}")]
    Conflict {
        detail: String,
        current_state: Option<String>,
    },
    /// A conflict that passes by itself (another request holds what this one needs):
    /// `Retry-After` says when to try again.
    #[error("conflict, retry: {detail}")]
    Busy {
        detail: String,
        retry_after_secs: u64,
    },
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("precondition required")]
    PreconditionRequired,
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    /// The body did not arrive in time; the connection is closed.
    #[error("request timeout")]
    RequestTimeout,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// The cause is logged with the request id, never sent to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Carried in the extensions of a 500 or 503 response so the logging middleware can tie
/// the cause to the request id (a 500's is never sent to the client).
#[derive(Debug, Clone)]
pub struct InternalCause(pub String);

impl ApiError {
    pub fn conflict(detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            detail: detail.into(),
            current_state: None,
        }
    }

    pub fn validation_one(pointer: &str, code: &str, detail: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::body(pointer, code, detail)])
    }

    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => {
                ("urn:ose-api:problem:malformed-request", "Malformed request")
            }
            ApiError::InvalidParameters(_) => (
                "urn:ose-api:problem:invalid-parameters",
                "Invalid parameters",
            ),
            ApiError::Validation(_) => ("urn:ose-api:problem:validation", "Validation failed"),
            ApiError::Unmet(_) => ("urn:ose-api:problem:conflict", "Conflict"),
            ApiError::Unauthorized(_) => ("urn:ose-api:problem:unauthorized", "Unauthorized"),
            ApiError::Forbidden(_) => ("urn:ose-api:problem:forbidden", "Forbidden"),
            ApiError::NotFound(_) => ("about:blank", "Not Found"),
            ApiError::MethodNotAllowed { .. } => ("about:blank", "Method Not Allowed"),
            ApiError::Conflict { .. } | ApiError::Busy { .. } => {
                ("urn:ose-api:problem:conflict", "Conflict")
            }
            ApiError::PreconditionFailed => {
                ("urn:ose-api:problem:stale-version", "Precondition Failed")
            }
            ApiError::PreconditionRequired => (
                "urn:ose-api:problem:if-match-required",
                "Precondition Required",
            ),
            ApiError::PayloadTooLarge { .. } => ("about:blank", "Payload Too Large"),
            ApiError::RequestTimeout => ("about:blank", "Request Timeout"),
            ApiError::UnsupportedMediaType => ("about:blank", "Unsupported Media Type"),
            ApiError::TooManyRequests { .. } => {
                ("urn:ose-api:problem:rate-limited", "Too Many Requests")
            }
            ApiError::Unavailable(_) => ("urn:ose-api:problem:unavailable", "Service Unavailable"),
            ApiError::Internal(_) => ("about:blank", "Internal Server Error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::BadRequest(d)
            | ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::NotFound(d)
            | ApiError::Unavailable(d) => d.clone(),
            ApiError::Conflict { detail, .. } | ApiError::Busy { detail, .. } => detail.clone(),
            ApiError::InvalidParameters(errors) | ApiError::Validation(errors) => {
                match errors.len() {
                    1 => "1 field is invalid".to_owned(),
                    n => format!("{n} fields are invalid"),
                }
            }
            ApiError::Unmet(errors) => match errors.len() {
                1 => "1 field conflicts with the current state".to_owned(),
                n => format!("{n} fields conflict with the current state"),
            },
            ApiError::MethodNotAllowed { allow } => {
                format!("this resource allows {}", allow.join(", "))
            }
            ApiError::PreconditionFailed => {
                "the resource changed since the version named in If-Match; fetch it again"
                    .to_owned()
            }
            ApiError::PreconditionRequired => {
                "this operation requires an If-Match header with the resource's ETag".to_owned()
            }
            ApiError::PayloadTooLarge { limit } => {
                format!("the request body exceeds the limit of {limit} bytes")
            }
            ApiError::RequestTimeout => {
                "the request body did not arrive in time; the connection is closed".to_owned()
            }
            ApiError::UnsupportedMediaType => {
                "request bodies must be sent as Content-Type: application/json".to_owned()
            }
            ApiError::TooManyRequests { retry_after_secs } => {
                format!("too many attempts; retry in {retry_after_secs} s")
            }
            ApiError::Internal(_) => {
                "an unexpected error occurred; quote the X-Request-Id header when reporting it"
                    .to_owned()
            }
        }
    }

    pub fn to_problem(&self) -> Problem {
        let (problem_type, title) = self.kind();
        let (errors, current_state) = match self {
            ApiError::Validation(e) | ApiError::InvalidParameters(e) | ApiError::Unmet(e) => {
                // In document order, whichever checks found them.
                let mut sorted = e.clone();
                sorted.sort_by(|a, b| (&a.pointer, &a.parameter).cmp(&(&b.pointer, &b.parameter)));
                (Some(sorted), None)
            }
            ApiError::Conflict { current_state, .. } => (None, current_state.clone()),
            _ => (None, None),
        };
        Problem {
            problem_type: problem_type.to_owned(),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            errors,
            current_state,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::InvalidParameters(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unmet(_) => StatusCode::CONFLICT,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } | ApiError::Busy { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status_code());
        builder.content_type(PROBLEM_JSON);
        match self {
            ApiError::Unauthorized(detail) => {
                let challenge = format!(
                    "Bearer realm=\"ose-api\", error=\"invalid_token\", error_description=\"{}\"",
                    detail.replace('"', "'")
                );
                builder.insert_header((header::WWW_AUTHENTICATE, challenge));
            }
            ApiError::MethodNotAllowed { allow } => {
                builder.insert_header((header::ALLOW, allow.join(", ")));
            }
            ApiError::TooManyRequests { retry_after_secs }
            | ApiError::Busy {
                retry_after_secs, ..
            } => {
                builder.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Unavailable(_) => {
                builder.insert_header((header::RETRY_AFTER, HeaderValue::from_static("5")));
            }
            ApiError::RequestTimeout => {
                builder.force_close();
            }
            _ => {}
        }
        let mut response = builder.json(self.to_problem());
        match self {
            ApiError::Internal(cause) | ApiError::Unavailable(cause) => {
                response
                    .extensions_mut()
                    .insert(InternalCause(cause.clone()));
            }
            _ => {}
        }
        response
    }
}

impl From<crate::domain::Violation> for FieldError {
    fn from(violation: crate::domain::Violation) -> Self {
        FieldError::body(violation.pointer, &violation.code, violation.detail)
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::NotFound(detail) => ApiError::NotFound(detail),
            ServiceError::Forbidden(detail) => ApiError::Forbidden(detail),
            // Only when nothing else is wrong: a request invalid in itself is a 422
            // whatever the state.
            ServiceError::Invalid(violations)
                if !violations.is_empty()
                    && violations
                        .iter()
                        .all(crate::domain::Violation::depends_on_state) =>
            {
                ApiError::Unmet(violations.into_iter().map(FieldError::from).collect())
            }
            ServiceError::Invalid(violations) => {
                ApiError::Validation(violations.into_iter().map(FieldError::from).collect())
            }
            ServiceError::Unmet(violations) => {
                ApiError::Unmet(violations.into_iter().map(FieldError::from).collect())
            }
            ServiceError::BadParameter(bad) => {
                ApiError::InvalidParameters(vec![FieldError::parameter(
                    bad.parameter,
                    bad.code,
                    bad.detail,
                )])
            }
            ServiceError::KeyReused => ApiError::Validation(vec![FieldError::parameter(
                "Idempotency-Key",
                "reused",
                "this key was used for another request; use a new key for a new request",
            )]),
            ServiceError::Conflict {
                detail,
                current_state,
            } => ApiError::Conflict {
                detail,
                current_state,
            },
            ServiceError::InFlight => ApiError::Busy {
                detail: "a request with this Idempotency-Key is still being processed; \
                         retry shortly"
                    .to_owned(),
                retry_after_secs: 1,
            },
            ServiceError::StaleVersion => ApiError::PreconditionFailed,
            ServiceError::VersionRequired => ApiError::PreconditionRequired,
            ServiceError::Unauthorized(detail) => ApiError::Unauthorized(detail),
            ServiceError::TooManyRequests { retry_after_secs } => {
                ApiError::TooManyRequests { retry_after_secs }
            }
            ServiceError::Database(error) => ApiError::from(error),
            ServiceError::Overloaded => ApiError::Unavailable(
                "too many sign-ins and password changes at once; retry shortly".to_owned(),
            ),
            ServiceError::Internal(cause) => ApiError::Internal(cause),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        let busy = || {
            ApiError::Unavailable(
                "the database is busy with conflicting requests; retry shortly".to_owned(),
            )
        };
        match error {
            DbError::Unavailable(cause) => {
                log::warn!("database unavailable: {cause}");
                ApiError::Unavailable("the database is unreachable; retry shortly".to_owned())
            }
            DbError::Busy(cause) => {
                log::warn!("database busy: {cause}");
                busy()
            }
            DbError::Query(Error::NotFound) => ApiError::NotFound("no such resource".to_owned()),
            DbError::Query(Error::DatabaseError(kind, info)) => match kind {
                Kind::UniqueViolation => {
                    log::info!("unique violation: {}", info.message());
                    ApiError::conflict("a resource with the same unique value already exists")
                }
                Kind::ForeignKeyViolation | Kind::RestrictViolation => {
                    log::info!("reference violation: {}", info.message());
                    ApiError::conflict("the change would break a reference between resources")
                }
                Kind::CheckViolation | Kind::NotNullViolation | Kind::ExclusionViolation => {
                    log::info!("constraint violation: {}", info.message());
                    ApiError::conflict(
                        "the change breaks a rule the database enforces on this resource",
                    )
                }
                Kind::ClosedConnection | Kind::UnableToSendCommand => {
                    ApiError::Unavailable("the database connection was lost".to_owned())
                }
                Kind::SerializationFailure => busy(),
                _ if info.message().contains("database is locked") => busy(),
                _ if info.message().contains("statement timeout") => {
                    log::warn!("statement cancelled: {}", info.message());
                    ApiError::Unavailable(
                        "the request took too long in the database; retry shortly".to_owned(),
                    )
                }
                _ => ApiError::Internal(format!("database: {}", info.message())),
            },
            DbError::Query(other) => ApiError::Internal(format!("database: {other}")),
            DbError::Task(cause) => ApiError::Internal(format!("database task: {cause}")),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;
    use actix_web::http::StatusCode;
    use actix_web::http::header::RETRY_AFTER;

    use super::ApiError;
    use crate::db::DbError;
    use crate::service::ServiceError;

    fn status_of(error: ServiceError) -> StatusCode {
        ApiError::from(error).status_code()
    }

    #[test]
    fn service_errors_answer_their_status_and_never_a_500_for_a_database_refusal() {
        use diesel::result::Error as QueryError;
        assert_eq!(
            status_of(ServiceError::StaleVersion),
            StatusCode::PRECONDITION_FAILED
        );
        assert_eq!(
            status_of(ServiceError::VersionRequired),
            StatusCode::PRECONDITION_REQUIRED
        );
        assert_eq!(
            status_of(ServiceError::refused_in(
                "awarded",
                "a tender in status `awarded` …"
            )),
            StatusCode::CONFLICT
        );
        assert_eq!(
            status_of(ServiceError::KeyReused),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            status_of(ServiceError::Database(DbError::Query(QueryError::NotFound))),
            StatusCode::NOT_FOUND
        );
        let busy = ApiError::from(ServiceError::Database(DbError::Busy("lost".to_owned())));
        assert_eq!(busy.status_code(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(busy.error_response().headers().contains_key(RETRY_AFTER));
        assert_eq!(
            status_of(ServiceError::Database(DbError::Unavailable(
                "down".to_owned()
            ))),
            StatusCode::SERVICE_UNAVAILABLE
        );
    }
}

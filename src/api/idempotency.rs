//! `Idempotency-Key` on POSTs that create: the first answer to a caller's key is stored in
//! the same transaction as the work it reports, and replayed to every retry for a day.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, EntityTag, HeaderName};
use actix_web::{HttpRequest, HttpResponse};
use chrono::Duration;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde::Serialize;
use serde_json::{Value, json};

use crate::app::AppState;
use crate::auth::{Principal, PrincipalKind};
use crate::db::{self, DbConnection};
use crate::domain::idempotency::{self as rules, Decision};
use crate::error::{ApiError, ApiResult, FieldError};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// An answer that can be stored and replayed: status, the headers worth keeping, body.
#[derive(Debug)]
pub struct Outcome {
    pub status: StatusCode,
    pub location: Option<String>,
    pub etag: Option<EntityTag>,
    pub body: Value,
}

impl Outcome {
    /// A `201 Created` of a resource with its `Location` and `ETag`.
    pub fn created(location: String, etag: EntityTag, body: &impl Serialize) -> ApiResult<Outcome> {
        Ok(Outcome {
            status: StatusCode::CREATED,
            location: Some(location),
            etag: Some(etag),
            body: serde_json::to_value(body)
                .map_err(|e| ApiError::Internal(format!("serialising an answer: {e}")))?,
        })
    }

    fn respond(self, replayed: bool) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status);
        if let Some(location) = self.location {
            builder.insert_header((header::LOCATION, location));
        }
        if let Some(etag) = self.etag {
            builder.insert_header(header::ETag(etag));
        }
        if replayed {
            builder.insert_header((IDEMPOTENT_REPLAYED, "true"));
        }
        builder.json(self.body)
    }

    fn stored_headers(&self) -> String {
        json!({
            "location": self.location,
            "etag": self.etag.as_ref().map(|tag| tag.tag().to_owned()),
        })
        .to_string()
    }

    fn from_stored(row: &db::idempotency::KeyRow) -> ApiResult<Outcome> {
        let corrupt = || ApiError::Internal("an idempotency record cannot be read".to_owned());
        let headers: Value = serde_json::from_str(row.response_headers.as_deref().unwrap_or("{}"))
            .map_err(|_| corrupt())?;
        let status = row
            .response_status
            .and_then(|s| u16::try_from(s).ok())
            .and_then(|s| StatusCode::from_u16(s).ok())
            .ok_or_else(corrupt)?;
        Ok(Outcome {
            status,
            location: headers["location"].as_str().map(str::to_owned),
            etag: headers["etag"]
                .as_str()
                .map(|t| EntityTag::new_strong(t.to_owned())),
            body: serde_json::from_str(row.response_body.as_deref().unwrap_or("null"))
                .map_err(|_| corrupt())?,
        })
    }
}

fn in_flight() -> ApiError {
    ApiError::conflict(
        "a request with this Idempotency-Key is still being processed; retry shortly",
    )
}

/// The key sent, if any; a malformed one is a 400.
fn sent_key(req: &HttpRequest) -> ApiResult<Option<String>> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .filter(|key| rules::is_valid_key(key))
        .map(|key| Some(key.to_owned()))
        .ok_or_else(|| {
            ApiError::InvalidParameters(vec![FieldError::parameter(
                "Idempotency-Key",
                "format",
                format!(
                    "must be 1 to {} visible ASCII characters",
                    rules::MAX_KEY_CHARS
                ),
            )])
        })
}

enum Claim {
    Run,
    Replay(Box<db::idempotency::KeyRow>),
}

/// Runs `operation` in one transaction and answers its outcome. With an `Idempotency-Key`,
/// runs it at most once per caller and key: a retry with the same request replays the
/// first answer (`Idempotent-Replayed: true`), with another request is a 422, and while
/// the first is still running a 409. Only successful answers are kept: after a failure
/// the key is free again.
pub async fn run_once<F>(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    body: &impl Serialize,
    operation: F,
) -> ApiResult<HttpResponse>
where
    F: FnOnce(&mut DbConnection) -> ApiResult<Outcome> + Send + 'static,
{
    let Some(key) = sent_key(req)? else {
        let outcome = state
            .db
            .run(move |conn| db::write_transaction(conn, operation))
            .await?;
        return Ok(outcome.respond(false));
    };
    let canonical = serde_json::to_string(body)
        .map_err(|e| ApiError::Internal(format!("serialising a request: {e}")))?;
    let fingerprint = rules::fingerprint(req.method().as_str(), req.path(), &canonical);
    let kind = match principal.kind {
        PrincipalKind::User => "user",
        PrincipalKind::ApiClient => "api_client",
    };
    let scope = format!("{kind}:{}", principal.id);
    let now = state.clock.now_naive();

    let claim = {
        let (scope, key) = (scope.clone(), key.clone());
        state
            .db
            .run(move |conn| {
                db::write_transaction(conn, |conn| {
                    db::idempotency::purge(conn, now - Duration::hours(rules::RETENTION_HOURS))?;
                    let existing = db::idempotency::find(conn, &scope, &key)?;
                    match rules::decide(existing.as_ref().map(|r| r.stored()).as_ref(), &fingerprint, now) {
                        Decision::Replay => existing
                            .map(|row| Claim::Replay(Box::new(row)))
                            .ok_or_else(|| ApiError::Internal("idempotency record vanished".to_owned())),
                        Decision::Mismatch => Err(ApiError::Validation(vec![FieldError::parameter(
                            "Idempotency-Key",
                            "reused",
                            "this key was used for another request; use a new key for a new request",
                        )])),
                        Decision::InFlight => Err(in_flight()),
                        Decision::Run => {
                            if existing.is_some() {
                                db::idempotency::release(conn, &scope, &key)?;
                            }
                            match db::idempotency::claim(conn, &scope, &key, &fingerprint, now) {
                                Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                                    Err(in_flight())
                                }
                                other => other.map(|()| Claim::Run).map_err(ApiError::from),
                            }
                        }
                    }
                })
            })
            .await?
    };
    if let Claim::Replay(row) = claim {
        return Ok(Outcome::from_stored(&row)?.respond(true));
    }

    let outcome = {
        let (scope, key) = (scope.clone(), key.clone());
        state
            .db
            .run(move |conn| {
                db::write_transaction(conn, |conn| {
                    let outcome = operation(conn)?;
                    let body = outcome.body.to_string();
                    db::idempotency::complete(
                        conn,
                        &scope,
                        &key,
                        i32::from(outcome.status.as_u16()),
                        &outcome.stored_headers(),
                        &body,
                    )?;
                    Ok(outcome)
                })
            })
            .await
    };
    match outcome {
        Ok(outcome) => Ok(outcome.respond(false)),
        Err(error) => {
            let released = state
                .db
                .run(move |conn| Ok(db::idempotency::release(conn, &scope, &key)?))
                .await;
            if let Err(e) = released {
                log::warn!("idempotency key left in flight after a failure: {e}");
            }
            Err(error)
        }
    }
}

//! `Idempotency-Key` on the POSTs that create: the first answer to a caller's key is
//! stored in the same transaction as the work it reports, and replayed to every retry
//! for a day.

use chrono::{Duration, NaiveDateTime};
use diesel::result::{DatabaseErrorKind, Error as QueryError};
use serde_json::{Value, json};

use super::{ServiceError, ServiceResult};
use crate::db::{self, Db, DbConnection};
use crate::domain::idempotency::{self as rules, Decision};

/// A request sent with a key: whose key it is, and what the request was.
#[derive(Debug, Clone)]
pub struct Keyed {
    /// The caller the key belongs to (keys of different callers never meet).
    pub scope: String,
    pub key: String,
    /// Method, path and canonical body: a retry must match it.
    pub fingerprint: String,
}

/// An answer that can be kept and replayed as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub status: u16,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub body: Value,
}

impl Recorded {
    /// The answer creating a resource: 201, where it lives, its tag, its representation.
    pub fn created(
        location: String,
        etag: String,
        body: &impl serde::Serialize,
    ) -> ServiceResult<Recorded> {
        Ok(Recorded {
            status: 201,
            location: Some(location),
            etag: Some(etag),
            body: serde_json::to_value(body)
                .map_err(|e| ServiceError::Internal(format!("serialising an answer: {e}")))?,
        })
    }

    fn stored_headers(&self) -> String {
        json!({"location": self.location, "etag": self.etag}).to_string()
    }

    fn from_stored(row: &db::idempotency::KeyRow) -> ServiceResult<Recorded> {
        let corrupt = || ServiceError::Internal("an idempotency record cannot be read".to_owned());
        let headers: Value = serde_json::from_str(row.response_headers.as_deref().unwrap_or("{}"))
            .map_err(|_| corrupt())?;
        Ok(Recorded {
            status: row
                .response_status
                .and_then(|s| u16::try_from(s).ok())
                .ok_or_else(corrupt)?,
            location: headers["location"].as_str().map(str::to_owned),
            etag: headers["etag"].as_str().map(str::to_owned),
            body: serde_json::from_str(row.response_body.as_deref().ok_or_else(corrupt)?)
                .map_err(|_| corrupt())?,
        })
    }
}

/// What the caller gets: the answer, and whether it is a replay of an earlier one.
pub struct Answer {
    pub recorded: Recorded,
    pub replayed: bool,
}

enum Claim {
    Run,
    Replay(Box<db::idempotency::KeyRow>),
}

/// Takes the key for this request, or says why not (replay, mismatch, in flight).
fn claim(conn: &mut DbConnection, keyed: &Keyed, now: NaiveDateTime) -> ServiceResult<Claim> {
    db::idempotency::purge(conn, now - Duration::hours(rules::RETENTION_HOURS))?;
    let existing = db::idempotency::find(conn, &keyed.scope, &keyed.key)?;
    let stored = existing.as_ref().map(|row| row.stored());
    match rules::decide(stored.as_ref(), &keyed.fingerprint, now) {
        Decision::Replay => existing
            .map(|row| Claim::Replay(Box::new(row)))
            .ok_or_else(|| ServiceError::Internal("idempotency record vanished".to_owned())),
        Decision::Mismatch => Err(ServiceError::KeyReused),
        Decision::InFlight => Err(ServiceError::InFlight),
        Decision::Run => {
            if existing.is_some() {
                db::idempotency::release(conn, &keyed.scope, &keyed.key)?;
            }
            match db::idempotency::claim(conn, &keyed.scope, &keyed.key, &keyed.fingerprint, now) {
                Err(QueryError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                    Err(ServiceError::InFlight)
                }
                other => Ok(other.map(|()| Claim::Run)?),
            }
        }
    }
}

/// Runs `work` as one write transaction and answers its outcome. With a key, runs it at
/// most once per caller and key: a retry of the same request replays the first answer,
/// another request with the key is refused ([`ServiceError::KeyReused`]), and while the
/// first still runs a retry is a conflict. Only successes are kept: after a failure the
/// key is free again.
pub async fn once<F>(
    db: &Db,
    keyed: Option<Keyed>,
    now: NaiveDateTime,
    mut work: F,
) -> ServiceResult<Answer>
where
    F: FnMut(&mut DbConnection) -> ServiceResult<Recorded> + Send + 'static,
{
    let Some(keyed) = keyed else {
        let recorded = db.write(work).await?;
        return Ok(Answer {
            recorded,
            replayed: false,
        });
    };
    let claimed = {
        let keyed = keyed.clone();
        db.write(move |conn| claim(conn, &keyed, now)).await?
    };
    if let Claim::Replay(row) = claimed {
        return Ok(Answer {
            recorded: Recorded::from_stored(&row)?,
            replayed: true,
        });
    }
    let outcome = {
        let keyed = keyed.clone();
        db.write(move |conn| {
            let recorded = work(conn)?;
            db::idempotency::complete(
                conn,
                &keyed.scope,
                &keyed.key,
                i32::from(recorded.status),
                &recorded.stored_headers(),
                &recorded.body.to_string(),
            )?;
            Ok(recorded)
        })
        .await
    };
    match outcome {
        Ok(recorded) => Ok(Answer {
            recorded,
            replayed: false,
        }),
        Err(error) => {
            let released: ServiceResult<()> = db
                .run(move |conn| Ok(db::idempotency::release(conn, &keyed.scope, &keyed.key)?))
                .await;
            if let Err(e) = released {
                log::warn!("idempotency key left in flight after a failure: {e}");
            }
            Err(error)
        }
    }
}

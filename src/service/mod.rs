//! The use cases: one public function per thing a caller can do. Each opens the one
//! transaction it needs, locks what it will change, applies the access policy and the
//! domain rules on what it locked, writes, and answers domain values or a [`ServiceError`].

pub mod api_clients;
pub mod bids;
pub mod buyers;
pub mod contracts;
pub mod hashing;
pub mod idempotency;
pub mod ledger;
pub mod matching;
pub mod partner_projects;
pub mod partner_skills;
pub mod partners;
pub mod patch;
pub mod projects;
pub mod revenue_shares;
pub mod schemas;
pub mod sessions;
pub mod skills;
pub mod tenders;
pub mod users;
pub mod validation;

use crate::db::{DbError, Retryable};
use crate::domain::Violation;
use crate::domain::access::Refusal;
use crate::domain::version::{Expected, Mismatch, tag};

/// Why a use case did not happen. Nothing was changed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The input breaks rules; one entry per bad field, each at its JSON pointer.
    #[error("{} invalid field(s)", .0.len())]
    Invalid(Vec<Violation>),
    /// Well-formed input that the current state refuses, field by field (a tender not
    /// ready to publish): the caller can change the state and ask again.
    #[error("{} field(s) conflict with the current state", .0.len())]
    Unmet(Vec<Violation>),
    /// A query parameter whose value its type admits but the operation does not.
    #[error("bad parameter `{}`", .0.parameter)]
    BadParameter(BadParameter),
    /// An `Idempotency-Key` already used for another request.
    #[error("idempotency key reused for another request")]
    KeyReused,
    /// The resource's state refuses the request; `current_state` names that state.
    #[error("conflict: {detail}")]
    Conflict {
        detail: String,
        current_state: Option<String>,
    },
    /// An earlier request with the same `Idempotency-Key` is still running.
    #[error("idempotency key in flight")]
    InFlight,
    /// The caller named a version (`If-Match`) that is no longer current.
    #[error("stale version")]
    StaleVersion,
    /// The operation needs the caller to name the version it read.
    #[error("version required")]
    VersionRequired,
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: u64 },
    #[error(transparent)]
    Database(#[from] DbError),
    /// Too many expensive operations (password hashes) at once: retry shortly.
    #[error("overloaded")]
    Overloaded,
    /// A bug or broken invariant; the cause is logged, never shown.
    #[error("internal: {0}")]
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// A query parameter refused: which, why (a stable code), and a sentence for people.
/// (A query parameter is no body member, so no [`Violation`].)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadParameter {
    pub parameter: &'static str,
    pub code: &'static str,
    pub detail: String,
}

impl From<BadParameter> for ServiceError {
    fn from(bad: BadParameter) -> Self {
        ServiceError::BadParameter(bad)
    }
}

impl ServiceError {
    pub fn conflict(detail: impl Into<String>) -> ServiceError {
        ServiceError::Conflict {
            detail: detail.into(),
            current_state: None,
        }
    }

    /// A 409 that names the state which refused the move.
    pub fn refused_in(state: &str, detail: impl Into<String>) -> ServiceError {
        ServiceError::Conflict {
            detail: detail.into(),
            current_state: Some(state.to_owned()),
        }
    }

    /// The access policy's refusal: `Hidden` reads as "no such `what`".
    pub fn refusal(refusal: Refusal, what: impl FnOnce() -> String) -> ServiceError {
        match refusal {
            Refusal::Forbidden(detail) => ServiceError::Forbidden(detail.to_owned()),
            Refusal::Hidden => ServiceError::NotFound(what()),
        }
    }
}

impl From<diesel::result::Error> for ServiceError {
    fn from(error: diesel::result::Error) -> Self {
        ServiceError::Database(DbError::Query(error))
    }
}

impl Retryable for ServiceError {
    fn is_transient(&self) -> bool {
        matches!(self, ServiceError::Database(error) if error.is_transient())
    }
}

/// Collects the violations found while checking one request, so that a single 422
/// names every bad field, whichever check found it.
#[derive(Debug, Default)]
pub struct Findings(Vec<Violation>);

impl Findings {
    pub fn new(initial: Vec<Violation>) -> Findings {
        Findings(initial)
    }

    pub fn add(&mut self, pointer: impl Into<String>, code: &str, detail: impl Into<String>) {
        self.0.push(Violation::at(pointer, code, detail));
    }

    pub fn extend(&mut self, violations: impl IntoIterator<Item = Violation>) {
        self.0.extend(violations);
    }

    pub fn into_violations(self) -> Vec<Violation> {
        self.0
    }

    /// `Ok(value)` when nothing was found, else every finding in one error.
    pub fn or_value<T>(self, value: T) -> ServiceResult<T> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(ServiceError::Invalid(self.0))
        }
    }

    pub fn done(self) -> ServiceResult<()> {
        self.or_value(())
    }

    /// `Ok` when nothing was found, else every finding as a conflict with the state.
    pub fn unmet(self) -> ServiceResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Unmet(self.0))
        }
    }
}

/// Users, API clients, verification and the catalogue's writes are the admins'.
pub fn require_admin(principal: &crate::domain::access::Principal) -> ServiceResult<()> {
    crate::domain::access::admin_only(principal)
        .map_err(|refusal| ServiceError::refusal(refusal, String::new))
}

/// Checks the caller's expectation against the version it is about to change: a caller
/// that named no version never gets 412 (unless the operation requires one: 428).
pub fn check_version(
    expected: &Expected,
    id: &str,
    version: i32,
    required: bool,
) -> ServiceResult<()> {
    expected
        .admits(&tag(id, version), required)
        .map_err(|mismatch| match mismatch {
            Mismatch::Stale => ServiceError::StaleVersion,
            Mismatch::Required => ServiceError::VersionRequired,
        })
}

/// Writes happen on rows locked for the transaction, so a versioned update that matches
/// no row means something changed the row regardless: the request is refused as a
/// conflict to retry, never as a stale `If-Match` the caller did not send.
pub fn written(updated: bool, what: &str) -> ServiceResult<()> {
    if updated {
        Ok(())
    } else {
        log::warn!("{what} changed under a row lock");
        Err(ServiceError::conflict(format!(
            "the {what} changed while this request ran; retry it"
        )))
    }
}

/// Whether the database answers now.
pub async fn database_ready(state: &crate::state::AppState) -> ServiceResult<()> {
    use diesel::r2d2::R2D2Connection;
    state
        .db
        .run(|conn| conn.ping().map_err(ServiceError::from))
        .await
}

impl<T> Slice<ServiceResult<T>> {
    /// The page, or the first item that could not be presented.
    pub fn transpose(self) -> ServiceResult<Slice<T>> {
        Ok(Slice {
            items: self.items.into_iter().collect::<ServiceResult<_>>()?,
            next_after: self.next_after,
        })
    }
}

/// A cursor names a page that exists only if this list issued it: any other is a page
/// that is not there (404), like an id that names nothing.
pub const UNKNOWN_CURSOR: &str =
    "no page at this cursor: pass the `next_cursor` of a page of this list, in its order";

/// A page request, checked: how many items, and the sort key to continue after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub limit: i64,
    pub after: Option<String>,
}

impl Page {
    /// Rows to fetch: one more than the page, to learn whether another page follows.
    pub fn fetch(&self) -> i64 {
        self.limit + 1
    }
}

/// One page of a list, and the sort key the next page starts after (if one follows).
#[derive(Debug, Clone, PartialEq)]
pub struct Slice<T> {
    pub items: Vec<T>,
    pub next_after: Option<String>,
}

/// The empty last page.
impl<T> Default for Slice<T> {
    fn default() -> Slice<T> {
        Slice {
            items: Vec::new(),
            next_after: None,
        }
    }
}

impl<T> Slice<T> {
    /// The page of `rows` (fetched with [`Page::fetch`]), each presented as `T`.
    pub fn of<R>(
        page: &Page,
        mut rows: Vec<R>,
        sort_key: impl Fn(&R) -> String,
        present: impl FnMut(R) -> T,
    ) -> Slice<T> {
        let limit = usize::try_from(page.limit).unwrap_or(0);
        let has_more = rows.len() > limit;
        rows.truncate(limit);
        let next_after = has_more.then(|| rows.last().map(&sort_key)).flatten();
        Slice {
            items: rows.into_iter().map(present).collect(),
            next_after,
        }
    }
}

//! HTTP plumbing as extractors: what a request says about versions (`If-Match`),
//! retries (`Idempotency-Key`) and pages (`limit`, `cursor`), checked before the body.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::{self, Header};
use actix_web::{FromRequest, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::idempotency::IDEMPOTENCY_KEY;
use super::pagination::{DEFAULT_LIMIT, MAX_LIMIT, PageQuery};
use crate::domain::idempotency as keys;
use crate::domain::version::Expected;
use crate::error::{ApiError, FieldError};
use crate::service::{Page, UNKNOWN_CURSOR};

/// `If-Match`: absent (apply to the current version), `*` (any existing version) or
/// the tags the caller read.
pub struct IfMatch(pub Expected);

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(if_match(req).map(IfMatch))
    }
}

fn if_match(req: &HttpRequest) -> Result<Expected, ApiError> {
    if !req.headers().contains_key(header::IF_MATCH) {
        return Ok(Expected::Any);
    }
    match header::IfMatch::parse(req) {
        Ok(header::IfMatch::Any) => Ok(Expected::Existing),
        Ok(header::IfMatch::Items(tags)) => Ok(Expected::OneOf(
            tags.into_iter()
                .filter(|tag| !tag.weak)
                .map(|tag| tag.tag().to_owned())
                .collect(),
        )),
        Err(_) => Err(ApiError::BadRequest(
            "If-Match must be `*` or a list of quoted entity tags".to_owned(),
        )),
    }
}

/// `Idempotency-Key`, when sent: 1 to 255 visible ASCII characters (else 400).
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let Some(value) = req.headers().get(IDEMPOTENCY_KEY) else {
            return ready(Ok(IdempotencyKey(None)));
        };
        ready(
            value
                .to_str()
                .ok()
                .filter(|key| keys::is_valid_key(key))
                .map(|key| IdempotencyKey(Some(key.to_owned())))
                .ok_or_else(|| {
                    ApiError::InvalidParameters(vec![FieldError::parameter(
                        "Idempotency-Key",
                        "format",
                        format!(
                            "must be 1 to {} visible ASCII characters",
                            keys::MAX_KEY_CHARS
                        ),
                    )])
                }),
        )
    }
}

/// `limit` and `cursor`, checked: the page the caller asks for.
pub struct PageParams(pub Page);

impl FromRequest for PageParams {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(page(req).map(PageParams))
    }
}

const CURSOR_PREFIX: &str = "v1:";

fn page(req: &HttpRequest) -> Result<Page, ApiError> {
    let query = web::Query::<PageQuery>::from_query(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("invalid query string: {e}")))?
        .into_inner();
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::InvalidParameters(vec![FieldError::parameter(
            "limit",
            "range",
            format!("must be between 1 and {MAX_LIMIT}"),
        )]));
    }
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    Ok(Page { limit, after })
}

fn decode_cursor(cursor: &str) -> Result<String, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(CURSOR_PREFIX).map(str::to_owned))
        .ok_or_else(|| ApiError::NotFound(UNKNOWN_CURSOR.to_owned()))
}

/// The opaque cursor naming a sort key.
pub fn encode_cursor(sort_key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{sort_key}"))
}

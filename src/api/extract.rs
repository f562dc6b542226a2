//! HTTP plumbing as extractors: what a request says about versions (`If-Match`),
//! retries (`Idempotency-Key`) and pages (`limit`, `cursor`), checked before the body.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
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
        ready(Ok(IfMatch(if_match(req))))
    }
}

/// The shape of an `If-Match` value (RFC 9110 §13.1.1; a tag holds no comma, as no ETag
/// of ours does), as the document declares it; `if_match_tags` reads exactly this.
pub const IF_MATCH_PATTERN: &str =
    r#"^(\*|(W/)?"[!#-+\x2D-~]*"([ \t]*,[ \t]*(W/)?"[!#-+\x2D-~]*")*)$"#;

/// A value that is no list of entity tags names no version of anything: the write fails
/// its precondition (412) and nothing changes, as with a stale tag.
fn if_match(req: &HttpRequest) -> Expected {
    let Some(value) = req.headers().get(header::IF_MATCH) else {
        return Expected::Any;
    };
    value
        .to_str()
        .ok()
        .and_then(if_match_tags)
        .unwrap_or(Expected::OneOf(Vec::new()))
}

/// `*`, or the strong tags of a comma-separated list of entity tags (a weak tag never
/// matches a write); `None` when any element is not an entity tag.
fn if_match_tags(value: &str) -> Option<Expected> {
    if value == "*" {
        return Some(Expected::Existing);
    }
    let mut strong = Vec::new();
    for element in value.split(',') {
        let element = element.trim_matches([' ', '\t']);
        let (weak, quoted) = match element.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, element),
        };
        let tag = quoted.strip_prefix('"')?.strip_suffix('"')?;
        let etagc = |b: u8| b == 0x21 || ((0x23..=0x7e).contains(&b) && b != b',');
        if !tag.bytes().all(etagc) {
            return None;
        }
        if !weak {
            strong.push(tag.to_owned());
        }
    }
    Some(Expected::OneOf(strong))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_reads_star_and_lists_of_entity_tags() {
        assert_eq!(if_match_tags("*"), Some(Expected::Existing));
        assert_eq!(
            if_match_tags(r#""a.1" , W/"a.2",	"b.3""#),
            Some(Expected::OneOf(vec!["a.1".to_owned(), "b.3".to_owned()]))
        );
        assert_eq!(
            if_match_tags(r#""""#),
            Some(Expected::OneOf(vec![String::new()]))
        );
        for malformed in [
            "",
            "null",
            "a.1",
            r#""a.1","#,
            r#""a"b""#,
            "W/",
            r#"* , "a""#,
        ] {
            assert_eq!(if_match_tags(malformed), None, "{malformed}");
        }
    }

    #[test]
    fn the_documented_pattern_reads_what_the_server_reads() {
        let schema = serde_json::json!({"type": "string", "pattern": IF_MATCH_PATTERN});
        let pattern = jsonschema::validator_for(&schema).expect("the pattern compiles");
        for value in ["*", r#""a.1""#, r#""a.1" , W/"a.2""#, r#""""#] {
            assert!(pattern.is_valid(&value.into()), "{value}");
            assert!(if_match_tags(value).is_some(), "{value}");
        }
        for value in ["", "null", r#""a.1","#, r#""a,b""#] {
            assert!(!pattern.is_valid(&value.into()), "{value}");
            assert!(if_match_tags(value).is_none(), "{value}");
        }
    }
}

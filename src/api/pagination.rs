//! Cursor pagination: `limit` and an opaque `cursor` in, `{items, next_cursor}` and a
//! `Link: rel="next"` header out.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiResult, FieldError};

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;
const CURSOR_PREFIX: &str = "v1:";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20, example = 20)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(example = "djE6cG9zdGdyZXNxbA")]
    pub cursor: Option<String>,
}

/// A checked page request: how many rows, and the sort key to continue after.
#[derive(Debug)]
pub struct Page {
    pub limit: i64,
    pub after: Option<String>,
}

impl PageQuery {
    pub fn page(&self) -> ApiResult<Page> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::InvalidParameters(vec![FieldError::parameter(
                "limit",
                "range",
                format!("must be between 1 and {MAX_LIMIT}"),
            )]));
        }
        let after = self.cursor.as_deref().map(decode_cursor).transpose()?;
        Ok(Page { limit, after })
    }
}

fn decode_cursor(cursor: &str) -> ApiResult<String> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(CURSOR_PREFIX).map(str::to_owned))
        .ok_or_else(|| {
            ApiError::InvalidParameters(vec![FieldError::parameter(
                "cursor",
                "invalid",
                "is not a cursor this API issued",
            )])
        })
}

pub fn encode_cursor(sort_key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{sort_key}"))
}

/// A page of a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Answers one page of `rows` (fetched with `limit + 1` to see whether more follow).
pub fn respond<R, T>(
    req: &HttpRequest,
    page: &Page,
    mut rows: Vec<R>,
    sort_key: impl Fn(&R) -> String,
    present: impl FnMut(R) -> T,
) -> HttpResponse
where
    T: Serialize,
{
    let has_more = rows.len() as i64 > page.limit;
    rows.truncate(page.limit as usize);
    let next_cursor = has_more
        .then(|| rows.last().map(|row| encode_cursor(&sort_key(row))))
        .flatten();
    let mut response = HttpResponse::Ok();
    if let Some(cursor) = &next_cursor {
        response.insert_header((header::LINK, next_link(req, cursor)));
    }
    response.json(ListResponse {
        items: rows.into_iter().map(present).collect(),
        next_cursor,
    })
}

/// The request's own path and query with `cursor` replaced.
fn next_link(req: &HttpRequest, cursor: &str) -> String {
    let kept: Vec<&str> = req
        .query_string()
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("cursor="))
        .collect();
    let mut query = kept.join("&");
    if !query.is_empty() {
        query.push('&');
    }
    format!("<{}?{query}cursor={cursor}>; rel=\"next\"", req.path())
}

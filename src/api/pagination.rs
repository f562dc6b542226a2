//! Cursor pagination: `limit` and an opaque `cursor` in, `{items, next_cursor}` and a
//! `Link: rel="next"` header out.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::extract::encode_cursor;
use crate::service::Slice;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 20, example = 20)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

/// Answers one page, with a `Link: rel="next"` header when another follows.
pub fn respond<T: Serialize>(req: &HttpRequest, slice: Slice<T>) -> HttpResponse {
    let next_cursor = slice.next_after.as_deref().map(encode_cursor);
    let mut response = HttpResponse::Ok();
    if let Some(sort_key) = &slice.next_after {
        response.insert_header((header::LINK, next_link(req, sort_key)));
    }
    response.json(ListResponse {
        items: slice.items,
        next_cursor,
    })
}

/// The request's own path and query with `cursor` replaced by the cursor of `sort_key`.
pub fn next_link(req: &HttpRequest, sort_key: &str) -> String {
    let cursor = encode_cursor(sort_key);
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

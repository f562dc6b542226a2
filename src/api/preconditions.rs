//! Optimistic concurrency over HTTP: `ETag` out, `If-Match` in.

use actix_web::http::header::{self, EntityTag, Header, IfMatch};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;

use crate::error::{ApiError, ApiResult};

/// The entity tag of a resource at a version; ids keep tags of different resources apart.
pub fn etag(id: &str, version: i32) -> EntityTag {
    EntityTag::new_strong(format!("{id}.{version}"))
}

/// A single resource with its ETag.
pub fn tagged<T: Serialize>(
    mut builder: HttpResponseBuilder,
    tag: EntityTag,
    body: &T,
) -> HttpResponse {
    builder.insert_header(header::ETag(tag)).json(body)
}

/// Honours `If-Match` when sent (412 when it names another version); when `required`,
/// its absence is 428.
pub fn check_if_match(req: &HttpRequest, current: &EntityTag, required: bool) -> ApiResult<()> {
    if !req.headers().contains_key(header::IF_MATCH) {
        return if required {
            Err(ApiError::PreconditionRequired)
        } else {
            Ok(())
        };
    }
    match IfMatch::parse(req) {
        Ok(IfMatch::Any) => Ok(()),
        Ok(IfMatch::Items(tags)) if tags.iter().any(|tag| tag.strong_eq(current)) => Ok(()),
        Ok(IfMatch::Items(_)) => Err(ApiError::PreconditionFailed),
        Err(_) => Err(ApiError::BadRequest(
            "If-Match must be `*` or a list of quoted entity tags".to_owned(),
        )),
    }
}

//! Optimistic concurrency over HTTP: the `ETag` of a single resource. (`If-Match` is read
//! by [`super::extract::IfMatch`] and checked by the use case, on the row it locked.)

use actix_web::http::header::{self, EntityTag};
use actix_web::{HttpResponse, HttpResponseBuilder};
use serde::Serialize;

use crate::domain::version;

/// The entity tag of a resource at a version.
pub fn etag(id: &str, version: i32) -> EntityTag {
    EntityTag::new_strong(version::tag(id, version))
}

/// A single resource with its ETag.
pub fn tagged<T: Serialize>(
    mut builder: HttpResponseBuilder,
    tag: EntityTag,
    body: &T,
) -> HttpResponse {
    builder.insert_header(header::ETag(tag)).json(body)
}

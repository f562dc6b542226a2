//! Reading requests: JSON bodies, query strings and path segments, with every failure
//! answered as a problem; and the `Location` of what a request created.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};

use crate::error::{ApiError, ApiResult};

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(MAX_BODY_BYTES)
        .content_type_required(true)
        .error_handler(|error, _req: &HttpRequest| json_error(error).into())
}

fn json_error(error: JsonPayloadError) -> ApiError {
    match error {
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType,
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            }
        }
        JsonPayloadError::Deserialize(e) if e.is_eof() && e.line() == 1 && e.column() == 0 => {
            ApiError::BadRequest("the request body is empty; a JSON object is expected".to_owned())
        }
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!("invalid JSON body: {e}")),
        other => ApiError::BadRequest(format!("the request body could not be read: {other}")),
    }
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req| {
        let QueryPayloadError::Deserialize(e) = error else {
            return ApiError::BadRequest("invalid query string".to_owned()).into();
        };
        ApiError::BadRequest(format!("invalid query string: {e}")).into()
    })
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error, _req| {
        let PathError::Deserialize(e) = error else {
            return ApiError::BadRequest("invalid path".to_owned()).into();
        };
        ApiError::BadRequest(format!("invalid path segment: {e}")).into()
    })
}

/// The `Location` of a resource created under the request's path.
pub fn location(req: &HttpRequest, id: &str) -> String {
    format!("{}/{id}", req.path().trim_end_matches('/'))
}

/// A `201 Created` answer pointing at `location`.
pub fn created(location: String) -> HttpResponseBuilder {
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, location));
    builder
}

/// A query string read with repeatable keys (`?skill=a&skill=b` fills a `Vec`), with
/// failures answered like every other query error.
pub fn repeatable_query<T: serde::de::DeserializeOwned>(req: &HttpRequest) -> ApiResult<T> {
    serde_html_form::from_str(req.query_string())
        .map_err(|e| ApiError::BadRequest(format!("invalid query string: {e}")))
}

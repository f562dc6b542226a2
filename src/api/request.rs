//! Reading requests: JSON bodies, query strings and path segments, with every failure
//! answered as a problem, and validator errors turned into JSON-pointer entries.

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder, web};
use validator::{Validate, ValidationError, ValidationErrors, ValidationErrorsKind};

use crate::domain::TextEnum;
use crate::error::{ApiError, ApiResult, FieldError};

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

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::Validation(field_errors(&errors, Vec::new()))
    }
}

fn field_errors(errors: &ValidationErrors, mut fields: Vec<FieldError>) -> Vec<FieldError> {
    collect(String::from("#"), errors, &mut fields);
    // One entry per field: sorted so that duplicates are neighbours (problems keep this order).
    fields.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    fields.dedup_by(|a, b| a.pointer == b.pointer);
    fields
}

/// Validates `body` and adds the findings of rules that span fields, so that one 422
/// lists every bad field at once.
pub fn validate_with(body: &impl Validate, cross_field: Vec<FieldError>) -> ApiResult<()> {
    let errors = body.validate().err().unwrap_or_default();
    if errors.is_empty() && cross_field.is_empty() {
        return Ok(());
    }
    Err(ApiError::Validation(field_errors(&errors, cross_field)))
}

/// One entry per invalid field (its first failure), nested structs and lists included.
fn collect(prefix: String, errors: &ValidationErrors, out: &mut Vec<FieldError>) {
    for (field, kind) in errors.errors() {
        let pointer = format!("{prefix}/{field}");
        match kind {
            ValidationErrorsKind::Field(list) => {
                if let Some(first) = list.first() {
                    out.push(FieldError::body(pointer, &first.code, describe(first)));
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(pointer, inner, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    collect(format!("{pointer}/{index}"), inner, out);
                }
            }
        }
    }
}

fn describe(error: &ValidationError) -> String {
    if let Some(message) = &error.message {
        return message.to_string();
    }
    let param = |name: &str| error.params.get(name).map(|v| v.to_string());
    match error.code.as_ref() {
        "length" => {
            // Lists are counted in items, text in characters.
            let unit = match error.params.get("value") {
                Some(serde_json::Value::Array(_)) => "items",
                _ => "characters",
            };
            match (param("min"), param("max")) {
                (Some(min), Some(max)) => format!("must have {min} to {max} {unit}"),
                (Some(min), None) => format!("must have at least {min} {unit}"),
                (None, Some(max)) => format!("must have at most {max} {unit}"),
                _ => "has the wrong length".to_owned(),
            }
        }
        "range" => match (param("min"), param("max")) {
            (Some(min), Some(max)) => format!("must be between {min} and {max}"),
            (Some(min), None) => format!("must be at least {min}"),
            (None, Some(max)) => format!("must be at most {max}"),
            _ => "is out of range".to_owned(),
        },
        "email" => "must be an email address".to_owned(),
        "url" => "must be an absolute URL".to_owned(),
        code => format!("is invalid ({code})"),
    }
}

/// A `validator` check with a fixed code and message, for custom rules.
pub fn invalid(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

/// A PATCH member as given: absent is `None` (with `#[serde(default)]`), given is
/// `Some(value)`. On an `Option<Option<T>>` field an explicit `null` is `Some(None)` (clear
/// it); on an `Option<T>` field a `null` is refused like any other wrong type, rather than
/// silently read as "unchanged". Use with `#[serde(default, deserialize_with = "given")]`.
pub fn given<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
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

/// A text field holding one of the names of `T` (a closed set such as a kind or status).
pub fn one_of<T: TextEnum>(value: &str) -> Result<(), ValidationError> {
    if T::parse(value).is_some() {
        Ok(())
    } else {
        Err(ValidationError::new("enum")
            .with_message(format!("must be one of: {}", T::NAMES.join(", ")).into()))
    }
}

/// A field that must say something: not empty, not only spaces.
pub fn non_blank(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        Err(invalid("blank", "must not be blank"))
    } else {
        Ok(())
    }
}

/// Longest URL accepted in any field.
pub const MAX_URL_CHARS: usize = 2000;

/// An absolute `http` or `https` URL with a host: the only links worth following from a
/// profile (no `javascript:`, `file:` or relative references).
pub fn web_url(value: &str) -> Result<(), ValidationError> {
    let parsed = url::Url::parse(value).ok().filter(|url| {
        matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty())
    });
    if parsed.is_some() && value.len() <= MAX_URL_CHARS {
        Ok(())
    } else {
        Err(invalid(
            "url",
            "must be an absolute http(s) URL of at most 2000 characters",
        ))
    }
}

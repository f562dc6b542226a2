//! Cross-cutting request handling: request ids, the screening of input (NUL characters,
//! oversized filters), `HEAD` answered as `GET`, the problem+json safety net with 500
//! logging, and the fallback that answers unknown routes (404) and methods (405).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{ErrorHandlerResponse, Next};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use utoipa::openapi::OpenApi;

use super::request::MAX_BODY_BYTES;
use crate::config::Limits;
use crate::error::{ApiError, FieldError, InternalCause, PROBLEM_JSON, Problem};
use crate::state::AppState;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, from `X-Request-Id` or generated.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// A caller's id is kept when it is short printable ASCII; anything else is replaced so
/// that logs cannot be forged through it.
fn acceptable_request_id(value: &HeaderValue) -> Option<String> {
    let text = value.to_str().ok()?;
    let ok = !text.is_empty() && text.len() <= 128 && text.bytes().all(|b| b.is_ascii_graphic());
    ok.then(|| text.to_owned())
}

pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .headers()
        .get(X_REQUEST_ID)
        .and_then(acceptable_request_id)
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let mut response = next.call(req).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(X_REQUEST_ID, value);
    }
    Ok(response)
}

/// Screens what every request carries before any endpoint reads it, so that every
/// endpoint answers alike on both backends:
/// - a JSON body must arrive within `Limits::body_timeout` (408, connection closed): a
///   client trickling bytes holds no connection for long;
/// - a NUL character has no place in any text the API stores or searches (PostgreSQL
///   cannot even store one): 400 naming the parameter (path or query), 422 naming the
///   body member;
/// - a number written with a zero fraction (`3.0`) is the integer it equals, as JSON
///   Schema reads it, so an integer field takes it;
/// - a query parameter may repeat at most `Limits::filter_values` times and hold at
///   most `Limits::filter_chars` characters (a list filter that is larger costs the
///   database more than any answer is worth): 400 naming it.
pub async fn screen_input(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let limits = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.limits)
        .unwrap_or_default();
    let mut found = Vec::new();
    if has_encoded_nul(req.path()) {
        found.push(nul_in_parameter("path"));
    }
    found.extend(query_problems(req.query_string(), limits));
    if !found.is_empty() {
        return Err(ApiError::InvalidParameters(found).into());
    }
    if is_json(&req) && declared_length(&req).is_none_or(|length| length <= MAX_BODY_BYTES) {
        let body = tokio::time::timeout(limits.body_timeout, read_body(&mut req))
            .await
            .map_err(|_| ApiError::RequestTimeout)??;
        let body = match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(mut document) => {
                nul_pointers(&document, "#".to_owned(), &mut found);
                if integral_numbers(&mut document) {
                    serde_json::to_vec(&document).map_or(body, web::Bytes::from)
                } else {
                    body
                }
            }
            Err(_) => body,
        };
        req.set_payload(actix_web::dev::Payload::from(body));
    }
    if !found.is_empty() {
        return Err(ApiError::Validation(found).into());
    }
    next.call(req).await
}

/// Longest cursor accepted: cursors are ours, but a caller may send anything.
pub const MAX_CURSOR_CHARS: usize = 1000;

/// Adds `error` unless its parameter has an entry already: one entry a parameter.
fn flag(found: &mut Vec<FieldError>, error: FieldError) {
    if !found.iter().any(|f| f.parameter == error.parameter) {
        found.push(error);
    }
}

/// One entry per query parameter that holds a NUL, repeats too often or is too long.
fn query_problems(query: &str, limits: Limits) -> Vec<FieldError> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut found: Vec<FieldError> = Vec::new();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if name.contains('\0') || value.contains('\0') {
            flag(&mut found, nul_in_parameter(&name));
            continue;
        }
        let longest = if name == "cursor" {
            MAX_CURSOR_CHARS
        } else {
            limits.filter_chars
        };
        if value.chars().count() > longest {
            flag(
                &mut found,
                FieldError::parameter(
                    name.as_ref(),
                    "too_long",
                    format!("must have at most {longest} characters"),
                ),
            );
        }
        match counts.iter_mut().find(|(seen, _)| *seen == name) {
            Some((_, count)) => *count += 1,
            None => counts.push((name.to_string(), 1)),
        }
    }
    for (name, count) in counts {
        if count > limits.filter_values {
            flag(
                &mut found,
                FieldError::parameter(
                    name.as_str(),
                    "too_many",
                    format!("may be given at most {} times", limits.filter_values),
                ),
            );
        }
    }
    found
}

const NUL_DETAIL: &str = "must not contain the NUL character";

fn nul_in_parameter(name: &str) -> FieldError {
    FieldError::parameter(without_nul(name), "nul", NUL_DETAIL)
}

/// `name` as an error may show it: a NUL in it percent-encoded, as it arrived in a URL
/// (and as a JSON Pointer in a URI fragment writes it), since no answer holds a NUL.
fn without_nul(name: &str) -> String {
    name.replace('\0', "%00")
}

/// A path reaches the server percent-encoded: a NUL in it is `%00`.
fn has_encoded_nul(path: &str) -> bool {
    path.to_ascii_lowercase().contains("%00")
}

fn is_json(req: &ServiceRequest) -> bool {
    req.mime_type()
        .ok()
        .flatten()
        .is_some_and(|mime| mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
}

fn declared_length(req: &ServiceRequest) -> Option<usize> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
}

/// The body, read whole up to the size limit (a larger one is 413, as the JSON reader
/// would answer it).
async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, actix_web::Error> {
    use futures_util::StreamExt;
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            }
            .into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Rewrites every number of `value` that has a zero fraction as the integer it equals;
/// true when one was.
fn integral_numbers(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Number(number) if number.is_f64() => {
            let Some(float) = number.as_f64() else {
                return false;
            };
            // Beyond 2^53 a float no longer names one integer.
            let exact = float.fract() == 0.0 && float.abs() <= 9_007_199_254_740_992.0;
            if exact {
                *value = Value::from(float as i64);
            }
            exact
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, item| integral_numbers(item) | changed),
        Value::Object(members) => members
            .values_mut()
            .fold(false, |changed, member| integral_numbers(member) | changed),
        _ => false,
    }
}

/// Every member of `value` whose text (or name) holds a NUL, as a JSON pointer.
fn nul_pointers(value: &serde_json::Value, at: String, found: &mut Vec<FieldError>) {
    use serde_json::Value;
    match value {
        Value::String(text) if text.contains('\0') => {
            found.push(FieldError::body(at, "nul", NUL_DETAIL));
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                nul_pointers(item, format!("{at}/{index}"), found);
            }
        }
        Value::Object(members) => {
            for (name, member) in members {
                let token = name.replace('~', "~0").replace('/', "~1");
                let pointer = format!("{at}/{}", without_nul(&token));
                if name.contains('\0') {
                    found.push(FieldError::body(pointer.clone(), "nul", NUL_DETAIL));
                }
                nul_pointers(member, pointer, found);
            }
        }
        _ => {}
    }
}

/// `HEAD` is answered wherever `GET` is: the same status and headers, without a body.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let head = req.method() == Method::HEAD;
    if head {
        req.head_mut().method = Method::GET;
    }
    let response = next.call(req).await?;
    Ok(if head {
        response.map_body(|_, _| BoxBody::new(()))
    } else {
        response.map_into_boxed_body()
    })
}

/// Every error response leaves as problem+json, whoever produced it (actix itself, a
/// middleware, a handler); and every 5xx is logged with its request id and cause: a 500
/// (a bug) at ERROR, a 503 (an outage or overload the service answers as designed) at
/// WARN.
pub fn problem_safety_net<B: MessageBody + 'static>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let status = response.status();
    if status.is_server_error() {
        let request_id = response
            .request()
            .extensions()
            .get::<RequestId>()
            .map(|id| id.0.clone())
            .unwrap_or_default();
        let cause = response
            .response()
            .extensions()
            .get::<InternalCause>()
            .map(|cause| cause.0.clone())
            .unwrap_or_else(|| "no cause recorded".to_owned());
        let level = if status == actix_web::http::StatusCode::SERVICE_UNAVAILABLE {
            log::Level::Warn
        } else {
            log::Level::Error
        };
        log::log!(
            level,
            "request_id={request_id} {} {} answered {status}: {cause}",
            response.request().method(),
            response.request().path()
        );
    }
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    if is_problem {
        return Ok(ErrorHandlerResponse::Response(
            response.map_into_left_body(),
        ));
    }
    let (req, old) = response.into_parts();
    let mut replacement = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            replacement.append_header((name.clone(), value.clone()));
        }
    }
    let title = status.canonical_reason().unwrap_or("Error").to_owned();
    let problem = Problem {
        problem_type: "about:blank".to_owned(),
        detail: format!("the request could not be served: {}", title.to_lowercase()),
        title,
        status: status.as_u16(),
        errors: None,
        current_state: None,
    };
    let replacement = replacement.content_type(PROBLEM_JSON).json(problem);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, replacement).map_into_right_body(),
    ))
}

/// Which methods each route template answers, taken from the OpenAPI document.
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<String>)>,
}

impl RouteTable {
    pub fn from_openapi(doc: &OpenApi) -> RouteTable {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("HEAD", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter(|(_, present)| *present)
                .map(|(method, _)| method.to_owned())
                .collect();
                (segments(path), methods)
            })
            .collect();
        RouteTable { routes }
    }

    /// The methods a path answers, or `None` when no route matches it.
    fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let wanted = segments(path);
        let mut methods: Vec<String> = self
            .routes
            .iter()
            .filter(|(template, _)| {
                template.len() == wanted.len()
                    && template
                        .iter()
                        .zip(&wanted)
                        .all(|(t, w)| t == w || (t.starts_with('{') && !w.is_empty()))
            })
            .flat_map(|(_, methods)| methods.iter().cloned())
            .collect();
        methods.sort();
        methods.dedup();
        (!methods.is_empty()).then_some(methods)
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

pub async fn fallback(req: HttpRequest, routes: web::Data<RouteTable>) -> HttpResponse {
    let error = match routes.allowed(req.path()) {
        Some(allow) if !allow.iter().any(|m| m == req.method().as_str()) => {
            ApiError::MethodNotAllowed { allow }
        }
        _ => ApiError::NotFound(format!("no resource at {}", req.path())),
    };
    error.error_response()
}

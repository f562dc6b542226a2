//! Every answer the suite receives is checked against the OpenAPI document: its status
//! is documented for its operation, the headers the document declares for it are there
//! when required and match their schema, its content type is one the document names, and
//! its JSON body validates against the documented schema. A mismatch fails the test that
//! produced it.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use serde_json::Value;

use crate::helpers::TestResponse;

/// The document, as served.
static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    serde_json::to_value(ose_api::api::openapi_document()).expect("the document is JSON")
});

/// Compiled validators by JSON Pointer to a schema in the document.
static VALIDATORS: LazyLock<Mutex<HashMap<String, std::sync::Arc<jsonschema::Validator>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The documented path template `path` matches, if any (`{name}` matches a segment).
fn template_of(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    DOCUMENT["paths"]
        .as_object()?
        .keys()
        .find(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(part, segment)| part.starts_with('{') || part == segment)
        })
        .map(String::as_str)
}

/// `token` as a JSON Pointer token inside a URI fragment.
fn escape(token: &str) -> String {
    token
        .replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

/// The value at a local reference (`#/components/…`) of the document.
fn resolved(value: &Value) -> (&Value, Option<String>) {
    match value["$ref"].as_str() {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#').to_owned();
            let target = DOCUMENT
                .pointer(&pointer)
                .unwrap_or_else(|| panic!("{reference} resolves in the document"));
            (target, Some(pointer))
        }
        None => (value, None),
    }
}

/// A validator for the schema at `pointer` in the document (its references resolve
/// inside the document).
fn validator(pointer: &str) -> std::sync::Arc<jsonschema::Validator> {
    let mut cache = VALIDATORS.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .entry(pointer.to_owned())
        .or_insert_with(|| {
            let mut schema = DOCUMENT.clone();
            schema["$ref"] = Value::String(format!("#{pointer}"));
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(&schema)
                .unwrap_or_else(|e| panic!("the schema at {pointer} compiles: {e}"));
            std::sync::Arc::new(validator)
        })
        .clone()
}

/// Checks `response`, the answer to `method path`, against the document.
pub fn check(method: &str, path: &str, response: &TestResponse) {
    let Some(template) = template_of(path) else {
        return; // No operation: the fallback answers it (404, 405), outside the document.
    };
    let documented_method = if method == "HEAD" {
        "get"
    } else {
        &method.to_lowercase()
    };
    let operation = &DOCUMENT["paths"][template][documented_method];
    if operation.is_null() {
        return; // A method the path does not have: the fallback's 405.
    }
    let status = response.status.as_u16().to_string();
    let name = format!("{method} {template} → {status}");
    let (answer, referenced) = resolved(&operation["responses"][&status]);
    assert!(
        !answer.is_null(),
        "{name} is not documented; body: {}",
        String::from_utf8_lossy(&response.body)
    );
    check_headers(&name, answer, response);
    let documented = &answer["content"];
    let content_type = response.header("content-type");
    let Some(content_type) = content_type.filter(|_| !response.body.is_empty()) else {
        return; // No body (204, HEAD).
    };
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    assert!(
        documented.get(&media).is_some(),
        "{name}: content type {media} is not documented (documented: {documented})"
    );
    if !media.ends_with("json") {
        return;
    }
    let body: Value = serde_json::from_slice(&response.body)
        .unwrap_or_else(|e| panic!("{name}: the body is not JSON: {e}"));
    if documented[&media]["schema"].is_null() {
        return;
    }
    let answer_pointer = referenced.unwrap_or_else(|| {
        format!(
            "/paths/{}/{documented_method}/responses/{status}",
            escape(template)
        )
    });
    let pointer = format!("{answer_pointer}/content/{}/schema", escape(&media));
    let validator = validator(&pointer);
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name}: the body does not match the document:\n{}\nbody: {body}",
        errors.join("\n")
    );
}

/// The headers `answer` declares: required ones are sent, and every one sent matches its
/// schema (a header's value is text; an integer schema wants its digits).
fn check_headers(name: &str, answer: &Value, response: &TestResponse) {
    let Some(declared) = answer["headers"].as_object() else {
        return;
    };
    for (header, declaration) in declared {
        let (declaration, _) = resolved(declaration);
        let Some(value) = response.header(header) else {
            assert!(
                declaration["required"] != Value::Bool(true),
                "{name}: the required header {header} is missing"
            );
            continue;
        };
        let schema = &declaration["schema"];
        let instance = match schema["type"].as_str() {
            Some("integer") => value
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| panic!("{name}: header {header}: {value:?} is not an integer")),
            _ => Value::String(value.to_owned()),
        };
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(schema)
            .unwrap_or_else(|e| panic!("{name}: the schema of header {header} compiles: {e}"));
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{name}: header {header}: {value:?} does not match the document: {}",
            errors.join("; ")
        );
    }
}

/// An answer as the server would send it.
fn answer(status: u16, content_type: &str, body: &str) -> TestResponse {
    answer_with(status, content_type, body, &[])
}

fn answer_with(
    status: u16,
    content_type: &str,
    body: &str,
    extra_headers: &[(&'static str, &str)],
) -> TestResponse {
    let mut headers = actix_web::http::header::HeaderMap::new();
    headers.insert(
        actix_web::http::header::CONTENT_TYPE,
        content_type.parse().expect("a header value"),
    );
    for (name, value) in extra_headers {
        headers.insert(
            actix_web::http::header::HeaderName::from_static(name),
            value.parse().expect("a header value"),
        );
    }
    TestResponse {
        status: actix_web::http::StatusCode::from_u16(status).expect("a status"),
        headers,
        body: actix_web::web::Bytes::from(body.to_owned()),
    }
}

#[test]
fn an_answer_the_document_describes_passes() {
    let skill = r#"{"id": "0193a5b2-7c1e-7d3a-9f10-dddddddddddd", "slug": "postgresql",
        "name": "PostgreSQL", "category": "databases", "parent_id": null, "description": "",
        "esco_uri": null, "created_at": "2026-11-28T09:00:00Z",
        "updated_at": "2026-11-28T09:00:00Z", "version": 1}"#;
    check(
        "GET",
        "/api/v1/skills/postgresql",
        &answer(200, "application/json", skill),
    );
}

#[test]
#[should_panic(expected = "does not match the document")]
fn a_body_the_document_does_not_describe_fails() {
    check(
        "GET",
        "/api/v1/skills/postgresql",
        &answer(200, "application/json", r#"{"id": 7}"#),
    );
}

#[test]
#[should_panic(expected = "is not documented")]
fn an_undocumented_status_fails() {
    check(
        "GET",
        "/api/v1/skills/postgresql",
        &answer(418, "application/json", "{}"),
    );
}

#[test]
#[should_panic(expected = "content type text/html is not documented")]
fn an_undocumented_content_type_fails() {
    check(
        "GET",
        "/api/v1/skills/postgresql",
        &answer(200, "text/html", "<p>hi</p>"),
    );
}

/// A 503 as the server sends it, with this `Retry-After`.
fn unavailable(retry_after: &str) -> TestResponse {
    let body = r#"{"type": "urn:ose-api:problem:unavailable",
        "title": "Service Unavailable", "status": 503, "detail": "retry shortly"}"#;
    answer_with(
        503,
        "application/problem+json",
        body,
        &[("retry-after", retry_after)],
    )
}

#[test]
fn a_header_the_document_describes_passes() {
    check("GET", "/api/v1/skills/postgresql", &unavailable("5"));
}

#[test]
#[should_panic(expected = "header Retry-After: \"soon\" is not an integer")]
fn a_header_value_the_document_does_not_describe_fails() {
    check("GET", "/api/v1/skills/postgresql", &unavailable("soon"));
}

//! What the derives cannot say, added to the OpenAPI document in one place: the rules
//! that `middleware::screen_input` and the extractors apply to every operation.

use serde_json::{Map, Value, json};
use utoipa::openapi::OpenApi;
use utoipa::openapi::schema::{AdditionalProperties, Schema};
use utoipa::openapi::{Ref, RefOr};

use super::middleware::MAX_CURSOR_CHARS;
use crate::config::Limits;

/// No text the API takes or gives holds a NUL character (`screen_input` refuses it):
/// open text says so with this pattern.
const NO_NUL: &str = "^[^\\u0000]*$";

/// A cursor is the unpadded base64url text of `next_cursor`.
const CURSOR_PATTERN: &str = "^[A-Za-z0-9_-]+$";

/// The document with what every operation may answer whatever its handler, and the
/// limits every input meets:
/// - input is screened before any handler runs, so a NUL character or an oversized
///   filter in the path or query is a 400 on every operation, and a body too slow to
///   arrive a 408, a NUL in it a 422, on every operation that takes one;
/// - no string holds a NUL; a query parameter repeats at most `filter_values` times and
///   holds at most `filter_chars` characters (the defaults of `Limits`);
/// - a list answers 404 to a cursor it did not issue;
/// - `TokenRequest` refuses unknown fields: `deny_unknown_fields` covers the whole enum,
///   but utoipa cannot mark an enum's variants closed.
pub fn completed(document: OpenApi) -> OpenApi {
    serde_json::from_value(completed_json(document))
        .expect("the completed document is still a document")
}

/// The completed document as JSON: the rules below are written on it, since utoipa's
/// types have no way to reach every schema of the document.
fn completed_json(mut document: OpenApi) -> Value {
    close_token_grants(&mut document);
    add_screening_answers(&mut document);
    let mut value = serde_json::to_value(&document).expect("the document is JSON");
    declare_input_limits(&mut value, Limits::default());
    forbid_nul(&mut value);
    value
}

fn add_screening_answers(document: &mut OpenApi) {
    for item in document.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            let takes_body = operation.request_body.is_some();
            let responses = &mut operation.responses.responses;
            responses
                .entry("400".to_owned())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name("BadRequest")));
            if takes_body {
                responses
                    .entry("408".to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name("RequestTimeout")));
                responses
                    .entry("422".to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name("ValidationFailed")));
            }
        }
    }
}

fn close_token_grants(document: &mut OpenApi) {
    let schemas = document
        .components
        .as_mut()
        .map(|components| &mut components.schemas);
    if let Some(RefOr::T(Schema::OneOf(grants))) =
        schemas.and_then(|schemas| schemas.get_mut("TokenRequest"))
    {
        for grant in &mut grants.items {
            if let RefOr::T(Schema::Object(grant)) = grant {
                grant.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
            }
        }
    }
}

/// Query parameters: their repeat and length caps, and the cursor's shape and 404.
fn declare_input_limits(document: &mut Value, limits: Limits) {
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for operation in item.values_mut().filter_map(Value::as_object_mut) {
            let mut pages = false;
            let parameters = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut);
            for parameter in parameters.into_iter().flatten() {
                if parameter["in"] != "query" {
                    continue;
                }
                if parameter["name"] == "cursor" {
                    pages = true;
                    let schema = &mut parameter["schema"];
                    schema["minLength"] = json!(1);
                    schema["maxLength"] = json!(MAX_CURSOR_CHARS);
                    schema["pattern"] = json!(CURSOR_PATTERN);
                    continue;
                }
                let schema = &mut parameter["schema"];
                if is_type(schema, "array") {
                    set_default(schema, "maxItems", json!(limits.filter_values));
                    cap_text(&mut schema["items"], limits.filter_chars);
                } else {
                    cap_text(schema, limits.filter_chars);
                }
            }
            if pages {
                set_default(&mut operation["responses"], "404", not_found());
            }
        }
    }
}

fn not_found() -> Value {
    json!({"$ref": "#/components/responses/NotFound"})
}

/// A text schema with no length cap, capped (enums and formats are short already).
fn cap_text(schema: &mut Value, max_chars: usize) {
    if is_type(schema, "string") && is_open_text(schema) {
        set_default(schema, "maxLength", json!(max_chars));
    }
}

/// Sets `member` of the object `value` unless it has one.
fn set_default(value: &mut Value, member: &str, default: Value) {
    if let Some(members) = value.as_object_mut() {
        members.entry(member).or_insert(default);
    }
}

/// Every text schema of the document says it holds no NUL: open text with a pattern of
/// its own, and a pattern built on `\S` (non-blank) by saying `[^\s\u0000]` instead
/// (a schema has one pattern). Enums and formats (dates, emails, ids) hold no NUL
/// already, nor do the other patterns, which list the characters they take. Examples
/// are values, not schemas, and are left alone.
fn forbid_nul(value: &mut Value) {
    match value {
        Value::Object(members) => {
            if is_type_of(members, "string") {
                if is_open_text_of(members) {
                    members.insert("pattern".to_owned(), json!(NO_NUL));
                } else if let Some(Value::String(pattern)) = members.get_mut("pattern") {
                    *pattern = without_nul(pattern);
                }
            }
            for (name, member) in members.iter_mut() {
                if name != "example" && name != "examples" {
                    forbid_nul(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(forbid_nul),
        _ => {}
    }
}

/// `pattern` with each `\S` made a non-blank character other than NUL; unanchored, the
/// text around it is made NUL-free too.
fn without_nul(pattern: &str) -> String {
    if !pattern.contains("\\S") {
        return pattern.to_owned();
    }
    let pattern = pattern.replace("\\S", "[^\\s\\u0000]");
    let start = if pattern.starts_with('^') {
        ""
    } else {
        "^[^\\u0000]*"
    };
    let end = if pattern.ends_with('$') {
        ""
    } else {
        "[^\\u0000]*$"
    };
    format!("{start}{pattern}{end}")
}

fn is_type(schema: &Value, wanted: &str) -> bool {
    schema
        .as_object()
        .is_some_and(|members| is_type_of(members, wanted))
}

/// `type` is `wanted`, or a list holding it (`["string", "null"]`).
fn is_type_of(members: &Map<String, Value>, wanted: &str) -> bool {
    match members.get("type") {
        Some(Value::String(kind)) => kind == wanted,
        Some(Value::Array(kinds)) => kinds.iter().any(|kind| kind == wanted),
        _ => false,
    }
}

fn is_open_text(schema: &Value) -> bool {
    schema.as_object().is_some_and(is_open_text_of)
}

fn is_open_text_of(members: &Map<String, Value>) -> bool {
    !["pattern", "enum", "format", "const"]
        .iter()
        .any(|rule| members.contains_key(*rule))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// utoipa's types drop what they do not model: whatever is written on the JSON must
    /// survive the way back to them.
    #[test]
    fn the_completed_document_survives_its_way_back_whole() {
        let written = completed_json(super::super::derived_document());
        let served = serde_json::to_value(completed(super::super::derived_document())).unwrap();
        assert_eq!(difference(&written, &served, "#"), None);
    }

    /// Where `a` and `b` first differ, as a JSON Pointer with both values.
    fn difference(a: &Value, b: &Value, at: &str) -> Option<String> {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => x.keys().chain(y.keys()).find_map(|key| {
                let (left, right) = (&x.get(key), &y.get(key));
                match (left, right) {
                    (Some(l), Some(r)) => difference(l, r, &format!("{at}/{key}")),
                    _ => Some(format!("{at}/{key}: {left:?} against {right:?}")),
                }
            }),
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
                .iter()
                .zip(y)
                .enumerate()
                .find_map(|(i, (l, r))| difference(l, r, &format!("{at}/{i}"))),
            _ => (a != b).then(|| format!("{at}: {a} against {b}")),
        }
    }

    #[test]
    fn open_text_refuses_nul_and_examples_stay_as_written() {
        let mut value = json!({
            "type": "object",
            "properties": {
                "name": {"type": "string"},
                "note": {"type": ["string", "null"]},
                "slug": {"type": "string", "pattern": "^[a-z]+$"},
                "title": {"type": "string", "pattern": "\\S"},
                "uri": {"type": "string", "pattern": "^http://x/\\S+$"},
                "at": {"type": "string", "format": "date-time"},
            },
            "example": {"type": "string"},
        });
        forbid_nul(&mut value);
        assert_eq!(value["properties"]["name"]["pattern"], NO_NUL);
        assert_eq!(value["properties"]["note"]["pattern"], NO_NUL);
        assert_eq!(value["properties"]["slug"]["pattern"], "^[a-z]+$");
        assert_eq!(
            value["properties"]["title"]["pattern"],
            "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
        );
        assert_eq!(
            value["properties"]["uri"]["pattern"],
            "^http://x/[^\\s\\u0000]+$"
        );
        assert!(value["properties"]["at"].get("pattern").is_none());
        assert!(value["example"].get("pattern").is_none());
    }

    #[test]
    fn query_parameters_are_capped_and_cursors_shaped() {
        let mut value = json!({"paths": {"/things": {"get": {
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "tag", "in": "query",
                 "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                {"name": "id", "in": "path", "schema": {"type": "string"}},
            ],
            "responses": {},
        }}}});
        let limits = Limits::default();
        declare_input_limits(&mut value, limits);
        let get = &value["paths"]["/things"]["get"];
        assert_eq!(
            get["parameters"][0]["schema"]["maxLength"],
            limits.filter_chars
        );
        assert_eq!(
            get["parameters"][1]["schema"]["maxItems"],
            limits.filter_values
        );
        assert_eq!(
            get["parameters"][1]["schema"]["items"]["maxLength"],
            limits.filter_chars
        );
        assert_eq!(get["parameters"][2]["schema"]["pattern"], CURSOR_PATTERN);
        assert!(get["parameters"][3]["schema"].get("maxLength").is_none());
        assert_eq!(get["responses"]["404"], not_found());
    }
}

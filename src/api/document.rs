//! What the derives cannot say, added to the OpenAPI document in one place: the rules
//! that `middleware::screen_input` and the extractors apply to every operation.

use serde_json::{Map, Value, json};
use utoipa::openapi::OpenApi;
use utoipa::openapi::schema::{AdditionalProperties, Schema};
use utoipa::openapi::{Ref, RefOr};

use super::extract::IF_MATCH_PATTERN;
use super::middleware::MAX_CURSOR_CHARS;
use crate::config::Limits;
use crate::domain::access::{Role, takes_buyer, takes_partner};
use crate::domain::directory::SkillLevel;

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
///   but utoipa cannot mark an enum's variants closed;
/// - a user or API client holds the organisation its role takes and no other
///   (`check_binding`), and an upstream skill level needs evidence
///   (`SkillLevel::needs_evidence`), written as conditions;
/// - each answer links to the operations its ids lead to (`links`);
/// - schemas nothing refers to are left out.
///
/// The rules are written on the JSON, and the JSON is what is served: utoipa's types
/// cannot say everything JSON Schema can (conditional members, for one).
pub fn completed(mut document: OpenApi) -> Value {
    close_token_grants(&mut document);
    add_screening_answers(&mut document);
    let mut value = serde_json::to_value(&document).expect("the document is JSON");
    declare_input_limits(&mut value, Limits::default());
    let schemas = &mut value["components"]["schemas"];
    bind_organisations(&mut schemas["NewUser"], Binding::Created);
    bind_organisations(&mut schemas["NewApiClient"], Binding::Created);
    bind_organisations(&mut schemas["UserPatch"], Binding::Patched);
    require_evidence(&mut schemas["PartnerSkillClaim"]);
    forbid_nul(&mut value);
    super::links::add_links(&mut value);
    drop_unused_schemas(&mut value);
    value
}

/// Removes the component schemas nothing refers to: utoipa registers every schema it
/// meets, also those a generic list inlines (`ListResponse<Match>`), and a schema no
/// operation can return is noise to a client generator.
fn drop_unused_schemas(document: &mut Value) {
    loop {
        let text = document.to_string();
        let Some(schemas) = document["components"]["schemas"].as_object_mut() else {
            return;
        };
        let unused: Vec<String> = schemas
            .keys()
            .filter(|name| !text.contains(&format!("\"#/components/schemas/{name}\"")))
            .cloned()
            .collect();
        if unused.is_empty() {
            return;
        }
        for name in unused {
            schemas.remove(&name);
        }
    }
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

/// Whether a body creates its principal (the role and its organisation come together) or
/// patches it (each may come alone: the stored user decides the rest, with a 409).
#[derive(Clone, Copy, PartialEq)]
enum Binding {
    Created,
    Patched,
}

/// Writes on `schema` which organisation each role takes: none for an admin, its
/// partner or buyer for the others, never both; when creating, the one it takes is
/// required.
fn bind_organisations(schema: &mut Value, binding: Binding) {
    if !schema.is_object() {
        return;
    }
    let no_organisation = json!({"type": "null"});
    let mut rules: Vec<Value> = [Role::Admin, Role::Partner, Role::Buyer]
        .into_iter()
        .map(|role| {
            let mut then = json!({"properties": {}});
            for (field, takes) in [
                ("partner_id", takes_partner(role)),
                ("buyer_id", takes_buyer(role)),
            ] {
                if !takes {
                    then["properties"][field] = no_organisation.clone();
                } else if binding == Binding::Created {
                    then["properties"][field] = json!({"type": "string"});
                    then["required"] = json!([field]);
                }
            }
            json!({
                "if": {"required": ["role"], "properties": {"role": {"const": role.as_str()}}},
                "then": then,
            })
        })
        .collect();
    rules.push(json!({"not": {
        "required": ["partner_id", "buyer_id"],
        "properties": {"partner_id": {"type": "string"}, "buyer_id": {"type": "string"}},
    }}));
    with_rules(schema, rules);
}

/// `schema` as the object it was, closed as it was, with `rules` beside it; its
/// description and example describe the whole.
fn with_rules(schema: &mut Value, rules: Vec<Value>) {
    let mut object = schema.take();
    let mut whole = Map::new();
    for annotation in ["description", "example"] {
        if let Some(value) = object.as_object_mut().and_then(|o| o.remove(annotation)) {
            whole.insert(annotation.to_owned(), value);
        }
    }
    let mut all = vec![object];
    all.extend(rules);
    whole.insert("allOf".to_owned(), Value::Array(all));
    *schema = Value::Object(whole);
}

/// A claim at a level that needs public evidence names at least one URL.
fn require_evidence(schema: &mut Value) {
    if !schema.is_object() {
        return;
    }
    let needing: Vec<&str> = SkillLevel::ALL
        .iter()
        .filter(|level| level.needs_evidence())
        .map(|level| level.as_str())
        .collect();
    let rule = json!({
        "if": {"required": ["level"], "properties": {"level": {"enum": needing}}},
        "then": {"required": ["evidence_urls"], "properties": {"evidence_urls": {"minItems": 1}}},
    });
    with_rules(schema, vec![rule]);
}

/// Query parameters: their repeat and length caps, and the cursor's shape and 404;
/// `If-Match`: the entity tags it lists.
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
                if parameter["in"] == "header" {
                    // A header is text or absent, never `null` (an optional one is not
                    // required, which says it may be absent).
                    if is_type(&parameter["schema"], "null") {
                        parameter["schema"]["type"] = json!("string");
                    }
                    if parameter["name"] == "If-Match" {
                        parameter["schema"]["pattern"] = json!(IF_MATCH_PATTERN);
                    }
                    continue;
                }
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
/// its own, and a pattern built on `\S` (non-blank) by saying non-blank and not NUL instead
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
            // What a `not` holds is excluded, not text the API takes.
            for (name, member) in members.iter_mut() {
                if !matches!(name.as_str(), "example" | "examples" | "not") {
                    forbid_nul(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(forbid_nul),
        _ => {}
    }
}

/// The characters Rust's `char::is_whitespace` takes (what `trim` and the blank checks
/// read), spelt out: `\s` means other sets to ECMAScript, Python and Rust regexes.
const RUST_WHITESPACE: &str = "\\t\\n\\u000B\\u000C\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";

/// `pattern` with each `\S` made a non-blank character other than NUL; unanchored, the
/// text around it is made NUL-free too.
fn without_nul(pattern: &str) -> String {
    if !pattern.contains("\\S") {
        return pattern.to_owned();
    }
    let pattern = pattern.replace("\\S", &format!("[^{RUST_WHITESPACE}\\u0000]"));
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
            format!("^[^\\u0000]*[^{RUST_WHITESPACE}\\u0000][^\\u0000]*$")
        );
        assert_eq!(
            value["properties"]["uri"]["pattern"],
            format!("^http://x/[^{RUST_WHITESPACE}\\u0000]+$")
        );
        assert!(value["properties"]["at"].get("pattern").is_none());
        assert!(value["example"].get("pattern").is_none());
    }

    #[test]
    fn the_non_blank_pattern_reads_blank_as_the_server_does() {
        let schema = json!({"type": "string", "pattern": without_nul("\\S")});
        let pattern = jsonschema::validator_for(&schema).expect("the pattern compiles");
        for text in [" a ", "\u{feff}", "\u{1c}", "x\u{85}"] {
            assert!(!text.trim().is_empty(), "{text:?}");
            assert!(pattern.is_valid(&json!(text)), "{text:?}");
        }
        for text in ["", " \t\n", "\u{85}", "\u{a0}\u{3000}", "\u{2028}"] {
            assert!(text.trim().is_empty(), "{text:?}");
            assert!(!pattern.is_valid(&json!(text)), "{text:?}");
        }
        assert!(!pattern.is_valid(&json!("a\u{0}b")));
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

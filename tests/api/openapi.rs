//! The committed OpenAPI document matches the code, and documents what it must.

use serde_json::Value;

const REGENERATE: &str = "cargo run -- openapi > openapi/openapi.json";

#[test]
fn the_committed_document_matches_the_code() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .unwrap_or_default();
    let generated = ose_api::app::openapi_json();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date; regenerate it with `{REGENERATE}`"
    );
}

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            found.push((method.to_uppercase(), path.clone(), operation.clone()));
        }
    }
    found
}

#[test]
fn every_operation_documents_its_security_and_errors() {
    let doc = serde_json::to_value(ose_api::api::openapi_document()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for (method, path, operation) in operations(&doc) {
        let name = format!("{method} {path}");
        let responses = operation["responses"].as_object().unwrap();
        assert!(operation["summary"].is_string(), "{name} has a summary");
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{name} documents success"
        );
        // The signing key is configuration: reading it never waits on the database.
        let reads_the_database = name != "GET /api/v1/ledger/public-key";
        if path.starts_with("/api/v1") {
            assert!(
                responses.contains_key("503") || !reads_the_database,
                "{name} documents 503"
            );
            assert!(responses.contains_key("401"), "{name} documents 401");
        }
        let takes_token = operation["security"]
            .as_array()
            .is_some_and(|ways| ways.iter().any(|way| way.get("bearer").is_some()));
        if takes_token {
            assert!(responses.contains_key("401"), "{name} documents 401");
        }
        if operation.get("requestBody").is_some() {
            for status in ["400", "413", "415"] {
                assert!(responses.contains_key(status), "{name} documents {status}");
            }
        }
        let writes = matches!(method.as_str(), "POST" | "PATCH" | "PUT" | "DELETE");
        if writes && path != "/api/v1/auth/token" {
            assert!(
                operation.get("security").is_some(),
                "{name} declares its security"
            );
            assert!(responses.contains_key("403"), "{name} documents 403");
        }
        if path.contains('{') {
            assert!(responses.contains_key("404"), "{name} documents 404");
        }
        let parameters = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if let Some(if_match) = parameters.iter().find(|p| p["name"] == "If-Match") {
            assert!(responses.contains_key("412"), "{name} documents 412");
            if if_match["required"] == true {
                assert!(responses.contains_key("428"), "{name} documents 428");
            }
        }
    }
}

/// Every `$ref` in `value`, recursively.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                found.push(target.clone());
            }
            map.values().for_each(|v| references(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, found)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves() {
    let doc = serde_json::to_value(ose_api::api::openapi_document()).unwrap();
    let mut found = Vec::new();
    references(&doc, &mut found);
    assert!(!found.is_empty());
    for target in found {
        let pointer = target.strip_prefix('#').expect("local reference");
        assert!(doc.pointer(pointer).is_some(), "{target} does not resolve");
    }
}

#[test]
fn request_and_response_schemas_carry_examples() {
    let doc = serde_json::to_value(ose_api::api::openapi_document()).unwrap();
    for name in [
        "Skill",
        "NewSkill",
        "User",
        "NewUser",
        "ApiClient",
        "NewApiClient",
        "Me",
        "Problem",
        "Partner",
        "NewPartner",
        "PartnerPatch",
        "PartnerSkill",
        "PartnerSkillClaim",
        "Buyer",
        "NewBuyer",
        "BuyerPatch",
        "Project",
        "NewProject",
        "ProjectPatch",
    ] {
        assert!(
            doc["components"]["schemas"][name].get("examples").is_some()
                || doc["components"]["schemas"][name].get("example").is_some(),
            "schema {name} has an example"
        );
    }
}

/// The values the document lists for a closed set, in order.
fn listed_values(doc: &Value, schema: &str) -> Vec<String> {
    doc["components"]["schemas"][schema]["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("{schema} lists its values"))
        .iter()
        .map(|value| value.as_str().expect("a name").to_owned())
        .collect()
}

/// The document lists `T`'s names, and each is what the server reads and writes.
fn documents_wire_names<T>(doc: &Value, schema: &str)
where
    T: ose_api::domain::TextEnum + serde::Serialize + serde::de::DeserializeOwned,
{
    let listed = listed_values(doc, schema);
    assert_eq!(listed, T::NAMES, "{schema}");
    for name in listed {
        let read: T = serde_json::from_value(Value::String(name.clone()))
            .unwrap_or_else(|e| panic!("{schema}: the server refuses its own `{name}`: {e}"));
        assert_eq!(serde_json::to_value(read).unwrap(), Value::String(name));
    }
}

#[test]
fn closed_sets_are_documented_with_the_names_the_wire_uses() {
    use ose_api::domain::bid::{BidStatus, MemberResponse};
    use ose_api::domain::directory::{
        BuyerKind, Membership, PartnerKind, PartnerSort, PartnerStatus, SkillLevel,
    };
    use ose_api::domain::tender::{Procedure, TenderStatus};
    let doc = serde_json::to_value(ose_api::api::openapi_document()).unwrap();
    documents_wire_names::<SkillLevel>(&doc, "SkillLevel");
    documents_wire_names::<PartnerSort>(&doc, "PartnerSort");
    documents_wire_names::<TenderStatus>(&doc, "TenderStatus");
    documents_wire_names::<BidStatus>(&doc, "BidStatus");
    documents_wire_names::<PartnerKind>(&doc, "PartnerKind");
    documents_wire_names::<PartnerStatus>(&doc, "PartnerStatus");
    documents_wire_names::<Membership>(&doc, "Membership");
    documents_wire_names::<BuyerKind>(&doc, "BuyerKind");
    documents_wire_names::<Procedure>(&doc, "Procedure");
    documents_wire_names::<MemberResponse>(&doc, "MemberResponse");
}

#[test]
fn public_operations_say_a_token_is_optional_and_lists_always_carry_next_cursor() {
    let doc = serde_json::to_value(ose_api::api::openapi_document()).unwrap();
    let optional = serde_json::json!([{}, {"bearer": []}]);
    let public = [
        "GET /api/v1/skills",
        "GET /api/v1/skills/{id}",
        "GET /api/v1/projects",
        "GET /api/v1/projects/{id}",
        "GET /api/v1/partners",
        "GET /api/v1/partners/{id}",
        "GET /api/v1/partners/{id}/skills",
        "GET /api/v1/partners/{id}/skills/{skill}",
        "GET /api/v1/partners/{id}/projects",
        "GET /api/v1/partners/{id}/projects/{project}",
        "GET /api/v1/tenders",
        "GET /api/v1/tenders/{id}",
        "GET /api/v1/ledger/checkpoints",
        "GET /api/v1/ledger/public-key",
        "GET /api/v1/reports/transparency",
    ];
    for (method, path, operation) in operations(&doc) {
        let name = format!("{method} {path}");
        if public.contains(&name.as_str()) {
            assert_eq!(operation["security"], optional, "{name}");
        } else if let Some(security) = operation.get("security") {
            assert_ne!(security, &optional, "{name} needs a token");
        }
    }
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        if name.starts_with("ListResponse") {
            let required = schema["required"].as_array().expect("required");
            assert!(required.contains(&Value::from("next_cursor")), "{name}");
        }
    }
    assert_eq!(doc["servers"][0]["url"], "/");
}

#[test]
fn every_schema_example_is_valid_against_its_schema() {
    let doc = serde_json::to_value(ose_api::api::openapi_document()).unwrap();
    let mut invalid = Vec::new();
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let Some(example) = schema.get("example") else {
            continue;
        };
        // The whole document is the schema's resource, so its references resolve.
        let mut root = doc.clone();
        root["$ref"] = Value::String(format!("#/components/schemas/{name}"));
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&root)
            .unwrap_or_else(|e| panic!("{name} compiles: {e}"));
        for error in validator.iter_errors(example) {
            invalid.push(format!("{name}: {error} at {}", error.instance_path()));
        }
    }
    assert!(
        invalid.is_empty(),
        "invalid examples:\n{}",
        invalid.join("\n")
    );
}

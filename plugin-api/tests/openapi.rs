//! The OpenAPI document is generated from the routes as mounted, so it cannot drift from them.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

/// Every documented operation as `METHOD /path`, sorted.
fn operations() -> Vec<String> {
    let doc = serde_json::to_value(suyuan_plugin_api::openapi::api_doc()).unwrap();
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                ops.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    ops.sort();
    ops
}

#[test]
fn the_document_lists_every_operation_once() {
    let ops = operations();
    let expected: Vec<String> = include_str!("openapi_operations.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    assert_eq!(
        ops,
        expected,
        "the API's operations changed; if on purpose, update plugin-api/tests/openapi_operations.txt:\n{}",
        ops.join("\n")
    );
}

#[test]
fn every_schema_the_document_refers_to_is_in_it() {
    let doc = serde_json::to_value(suyuan_plugin_api::openapi::api_doc()).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let text = doc.to_string();
    let mut missing = Vec::new();
    for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = part.split('"').next().unwrap();
        if !schemas.contains_key(name) {
            missing.push(name.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "referred to but not defined: {missing:?}"
    );
    assert!(schemas.contains_key("Problem") && schemas.contains_key("ReceiptIn"));
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

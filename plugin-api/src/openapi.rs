//! The OpenAPI document, generated from the routes as they are mounted and the handlers'
//! annotations, so the document cannot list a route the service does not serve, or miss one.

use actix_web::{HttpResponse, get};
use std::sync::OnceLock;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ObjectBuilder, RefOr, Type};
use utoipa::{Modify, OpenApi};

/// The schema of a string that is one of `values`.
pub fn one_of_strings(values: &[&str]) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .into()
}

/// The schema of a string that matches `pattern` (anchored, and read alike by ECMA-262 and by
/// Python, whose `re` Schemathesis uses).
pub fn matching(pattern: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(pattern))
        .into()
}

/// Declares a type that stands, in the document only, for a string parameter or field that the
/// handler checks against a list: the schema names the handler's own list. Use it as
/// `inline(Name)` in `params(...)`, or `value_type = Name` in `#[param]` or `#[schema]`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident = $values:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::openapi::one_of_strings(&$values)
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}
pub(crate) use string_enum;

/// Declares a type that stands, in the document only, for a string parameter or field that the
/// handler reads by hand: the schema is a string matching `pattern`. Used like
/// [`string_enum!`].
macro_rules! string_pattern {
    ($(#[$meta:meta])* $name:ident = $pattern:expr) => {
        $(#[$meta])*
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::openapi::matching($pattern)
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}
pub(crate) use string_pattern;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// Suyuan's API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Suyuan 溯源 API", description = "Seller-side traceability for key industrial products: trace codes, receipts, sales, corrections and EPCIS 2.0 exports."),
    components(schemas(suyuan_web::error::Problem, suyuan_web::error::FieldProblem)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// The OpenAPI document: the paths of every documented route as [`crate::routes::mount`] mounts
/// it, with the API's title, error schemas and bearer authentication.
pub fn api_doc() -> utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(|| {
        use utoipa_actix_web::AppExt as _;
        let mut doc = actix_web::App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .configure(crate::routes::mount)
            .split_for_parts()
            .1;
        declare_problems(&mut doc);
        doc
    })
    .clone()
}

/// The problems every operation can answer, added to each operation that does not declare them
/// itself, so an integrator (or Schemathesis) finds every status and content type the service
/// may send in the document: 401 and 403 for operations that need a token, 404 for paths with an
/// id, 400, 413 and 422 for operations with a body, 400 and 422 for those with query or path
/// parameters, 429 (rate limits) and 503 (the database out of reach) for all. Every problem is
/// `application/problem+json` with the `Problem` schema, including those a handler declared with
/// `body = Problem` (which utoipa files as `application/json`).
fn declare_problems(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{Content, Ref, Response};
    const PROBLEM_JSON: &str = "application/problem+json";
    let problem = || {
        Content::new(Some(RefOr::<utoipa::openapi::schema::Schema>::Ref(
            Ref::from_schema_name("Problem"),
        )))
    };
    let is_problem = |c: &Content| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"));
    for (path, item) in doc.paths.paths.iter_mut() {
        let has_id = path.contains('{');
        for op in [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            let secured = op.security.as_ref().is_some_and(|reqs| {
                reqs.iter().any(|r| {
                    serde_json::to_value(r)
                        .is_ok_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
                })
            });
            let has_body = op.request_body.is_some();
            let has_query = op.parameters.as_ref().is_some_and(|ps| {
                ps.iter()
                    .any(|p| matches!(p.parameter_in, ParameterIn::Query | ParameterIn::Path))
            });
            let mut wanted: Vec<(&str, &str)> = vec![
                ("429", "too many requests (see `Retry-After`)"),
                (
                    "503",
                    "the database is out of reach; nothing was stored (see `Retry-After`)",
                ),
            ];
            if secured {
                wanted.push(("401", "missing, expired or invalid credentials"));
                wanted.push(("403", "not allowed for this account"));
            }
            if has_id {
                wanted.push(("404", "no such thing, or not the caller's"));
            }
            if has_body {
                wanted.push(("400", "the body could not be read"));
                wanted.push(("413", "the body is too large"));
            }
            if has_body || has_query {
                wanted.push(("400", "a parameter could not be read"));
                wanted.push(("422", "a field or parameter is not valid (each named)"));
            }
            // Problems a handler declared as plain JSON, or without a body, are problem+json on
            // the wire.
            for (status, response) in op.responses.responses.iter_mut() {
                if let RefOr::T(r) = response
                    && (status.starts_with('4') || status.starts_with('5'))
                    && r.content.is_empty()
                {
                    r.content.insert(PROBLEM_JSON.to_owned(), problem());
                }
                if let RefOr::T(r) = response
                    && let Some(content) = r.content.shift_remove("application/json")
                {
                    let key = if is_problem(&content) {
                        PROBLEM_JSON
                    } else {
                        "application/json"
                    };
                    r.content.insert(key.to_owned(), content);
                }
            }
            for (status, description) in wanted {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| {
                        let mut r = Response::new(description);
                        r.content.insert(PROBLEM_JSON.to_owned(), problem());
                        RefOr::T(r)
                    });
            }
        }
    }
}

/// The methods the document gives a concrete `path` (`{id}` in a template matches one
/// segment; where several templates match, those with the fewest parameters), or `None` when
/// no documented path matches it.
pub fn allowed_methods(path: &str) -> Option<Vec<&'static str>> {
    static TEMPLATES: OnceLock<Vec<(Vec<String>, Vec<&'static str>)>> = OnceLock::new();
    let templates = TEMPLATES.get_or_init(|| {
        api_doc()
            .paths
            .paths
            .iter()
            .map(|(template, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, yes)| yes.then_some(m))
                .collect();
                let segments = template.split('/').map(str::to_owned).collect();
                (segments, methods)
            })
            .collect()
    });
    let wanted: Vec<&str> = path.split('/').collect();
    let is_param = |t: &String| t.starts_with('{') && t.ends_with('}');
    // The templates the path fits, by how many of their segments are parameters: only the
    // most specific count (`/recalls/flow` is the flow's path, not a recall named `flow`).
    let fitting: Vec<(usize, &Vec<&'static str>)> = templates
        .iter()
        .filter(|(segments, _)| {
            segments.len() == wanted.len()
                && segments
                    .iter()
                    .zip(&wanted)
                    .all(|(t, w)| if is_param(t) { !w.is_empty() } else { t == w })
        })
        .map(|(segments, methods)| (segments.iter().filter(|t| is_param(t)).count(), methods))
        .collect();
    let fewest = fitting.iter().map(|(params, _)| *params).min();
    let mut allowed: Vec<&'static str> = Vec::new();
    for (params, methods) in &fitting {
        if Some(*params) == fewest {
            allowed.extend(methods.iter().copied());
        }
    }
    allowed.sort_unstable();
    allowed.dedup();
    (!allowed.is_empty()).then_some(allowed)
}

/// The OpenAPI document as JSON.
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(api_doc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_documented_path_knows_its_methods_and_an_unknown_one_none() {
        assert_eq!(allowed_methods("/api/v1/sales"), Some(vec!["GET", "POST"]));
        assert_eq!(allowed_methods("/healthz"), Some(vec!["GET"]));
        let one = allowed_methods("/api/v1/sales/sal_01J0000000000000000000000").unwrap();
        assert!(one.contains(&"GET"), "{one:?}");
        assert_eq!(allowed_methods("/api/v1/nothing-here"), None);
        assert_eq!(allowed_methods("/api/v1/sales//"), None);
    }

    #[test]
    fn every_operation_declares_the_problems_it_can_answer_as_problem_json() {
        let doc = serde_json::to_value(api_doc()).unwrap();
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    continue;
                }
                operations += 1;
                let responses = op["responses"].as_object().unwrap();
                for status in ["429", "503"] {
                    assert_eq!(
                        responses[status]["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{method} {path} {status}"
                    );
                }
                if op
                    .get("security")
                    .is_some_and(|s| s.as_array().is_some_and(|a| !a.is_empty()))
                {
                    assert!(responses.contains_key("401"), "{method} {path}");
                    assert!(responses.contains_key("403"), "{method} {path}");
                }
                if path.contains('{') {
                    assert!(responses.contains_key("404"), "{method} {path}");
                }
                for (status, r) in responses {
                    let plain = &r["content"]["application/json"]["schema"]["$ref"];
                    assert_ne!(
                        plain, "#/components/schemas/Problem",
                        "{method} {path} {status}: a problem is application/problem+json"
                    );
                }
            }
        }
        assert!(operations > 50, "{operations} operations");
    }

    /// The schema the document gives parameter `name` of `method path`.
    fn parameter_schema<'a>(
        doc: &'a serde_json::Value,
        path: &str,
        method: &str,
        name: &str,
    ) -> &'a serde_json::Value {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .map(|p| &p["schema"])
            .unwrap_or_else(|| panic!("{method} {path} has no parameter {name}"))
    }

    fn enum_values(schema: &serde_json::Value) -> Vec<&str> {
        schema["enum"]
            .as_array()
            .map(|values| values.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn id_parameters_carry_the_pattern_of_their_kind() {
        use suyuan_core::ids::{
            EventId, ListingId, PlatformId, RecallId, RoutingRuleId, SaleId, SellerId, StoreId,
            SubscriptionId, TransferId,
        };
        let doc = serde_json::to_value(api_doc()).unwrap();
        let cases = [
            ("/api/v1/sellers/{id}", "get", "id", SellerId::PATTERN),
            (
                "/api/v1/sellers/{id}/verify",
                "post",
                "id",
                SellerId::PATTERN,
            ),
            (
                "/api/v1/analytics/scores",
                "get",
                "seller_id",
                SellerId::PATTERN,
            ),
            (
                "/api/v1/imports/{kind}",
                "post",
                "seller",
                SellerId::PATTERN,
            ),
            (
                "/api/v1/events/{id}/corrections",
                "post",
                "id",
                EventId::PATTERN,
            ),
            (
                "/api/v1/events/{id}/submissions",
                "get",
                "id",
                EventId::PATTERN,
            ),
            ("/api/v1/listings/{id}", "patch", "id", ListingId::PATTERN),
            ("/api/v1/sales/{id}/units", "post", "id", SaleId::PATTERN),
            ("/api/v1/stores/{id}", "delete", "id", StoreId::PATTERN),
            (
                "/webhooks/{platform}/{store_id}",
                "post",
                "store_id",
                StoreId::PATTERN,
            ),
            (
                "/api/v1/operator/subscriptions/{id}",
                "delete",
                "id",
                SubscriptionId::PATTERN,
            ),
            (
                "/api/v1/transfers/{id}/cancel",
                "post",
                "id",
                TransferId::PATTERN,
            ),
            (
                "/api/v1/recalls/{id}/withdraw",
                "post",
                "id",
                RecallId::PATTERN,
            ),
            (
                "/api/v1/platforms/{id}/credentials",
                "put",
                "id",
                PlatformId::PATTERN,
            ),
            (
                "/api/v1/routing-rules/{id}",
                "delete",
                "id",
                RoutingRuleId::PATTERN,
            ),
        ];
        for (path, method, name, pattern) in cases {
            assert_eq!(
                parameter_schema(&doc, path, method, name)["pattern"],
                pattern,
                "{method} {path} {name}"
            );
        }
        // Every string path parameter states its format, but the marketplace's own listing id.
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                    continue;
                }
                for p in op["parameters"].as_array().into_iter().flatten() {
                    let s = &p["schema"];
                    if p["in"] == "path" && s["type"] == "string" && p["name"] != "external_id" {
                        assert!(
                            s.get("pattern").is_some() || s.get("enum").is_some(),
                            "{method} {path} {}",
                            p["name"]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn parameters_checked_against_a_list_name_the_handlers_list() {
        let doc = serde_json::to_value(api_doc()).unwrap();
        let reasons = enum_values(parameter_schema(&doc, "/api/v1/flags", "get", "reason"));
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(
            reasons
                .iter()
                .all(|r| suyuan_store::flags::FlagReason::parse(r).is_some()),
            "{reasons:?}"
        );
        assert_eq!(
            enum_values(parameter_schema(
                &doc,
                "/api/v1/submissions",
                "get",
                "status"
            )),
            suyuan_store::submissions::status::ALL
        );
        let states = enum_values(parameter_schema(
            &doc,
            "/api/v1/analytics/alerts",
            "get",
            "state",
        ));
        assert_eq!(states.len(), 3, "{states:?}");
        assert!(
            states
                .iter()
                .all(|s| suyuan_core::supervision::AlertState::parse(s).is_some()),
            "{states:?}"
        );
        let severities = enum_values(parameter_schema(
            &doc,
            "/api/v1/analytics/alerts",
            "get",
            "severity",
        ));
        assert_eq!(severities.len(), 2, "{severities:?}");
        assert!(
            severities
                .iter()
                .all(|s| suyuan_core::supervision::Severity::parse(s).is_some()),
            "{severities:?}"
        );
        let verifications = enum_values(parameter_schema(
            &doc,
            "/api/v1/sellers",
            "get",
            "verification",
        ));
        assert_eq!(verifications.len(), 3, "{verifications:?}");
        assert!(
            verifications
                .iter()
                .all(|v| v.parse::<suyuan_core::standing::Verification>().is_ok()),
            "{verifications:?}"
        );
        let platforms = enum_values(parameter_schema(
            &doc,
            "/webhooks/{platform}/{store_id}",
            "post",
            "platform",
        ));
        assert_eq!(platforms, crate::routes::shops::PLATFORMS);
        assert_eq!(
            enum_values(parameter_schema(
                &doc,
                "/api/v1/imports/{kind}",
                "post",
                "kind"
            )),
            ["receipts", "sales"]
        );
    }
}

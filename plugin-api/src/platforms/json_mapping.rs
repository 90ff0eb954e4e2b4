//! The body of a JSON platform, built from an EPCIS event by a [`JsonMapping`]: each output field
//! takes a JSON Pointer into the event, a constant, or the submission's metadata.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Submission;

/// Builds a JSON body from an EPCIS event: each output field takes a JSON Pointer into the event
/// (RFC 6901, e.g. "/eventTime", "/epcList/0", "/suyuan:region"), or a constant, or the
/// submission's metadata.
///
/// Output keys may be dotted (`"goods.code"`) to build nested objects: `{"goods": {"code": ...}}`.
/// A key cannot hold a literal dot. Two keys that would put two values at one place (`"goods"`
/// holding a string and `"goods.code"`) are a [`MappingError::Conflict`]; a constant object at
/// `"goods"` is merged with the fields of `"goods.*"`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct JsonMapping {
    /// Output field (possibly dotted) → where its value comes from.
    pub fields: BTreeMap<String, FieldSource>,
}

/// Where one output field of a [`JsonMapping`] takes its value from.
///
/// On the wire: `{"pointer": "/eventTime", "required": true}`, `{"constant": "SY-01"}` or
/// `{"meta": "seller_credit_code"}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldSource {
    /// A value of the event, found by a JSON Pointer (RFC 6901).
    ///
    /// A pointer that finds nothing, or finds `null`, is *missing*: a required one fails the
    /// mapping; an optional one leaves the field out of the body (it is omitted, not `null`).
    Pointer {
        /// The JSON Pointer, `""` (the whole event) or starting with `/`.
        pointer: String,
        /// Whether a missing value fails the mapping (otherwise the field is omitted).
        #[serde(default)]
        required: bool,
    },
    /// A fixed value, the same for every submission.
    Constant {
        /// The value, any JSON.
        constant: Value,
    },
    /// A value from the submission's metadata rather than from the event.
    Meta {
        /// Which one.
        meta: MetaField,
    },
}

impl JsonMapping {
    /// Checks a mapping without an event: every pointer is a JSON Pointer, every output key has
    /// non-empty dotted segments, and no two keys put two values at one place. (Whether required
    /// pointers find values can only be known per event.)
    pub fn validate(&self) -> Result<(), MappingError> {
        let mut shape = JsonMapping::default();
        for (field, source) in &self.fields {
            let stand_in = match source {
                FieldSource::Pointer { pointer, .. } => {
                    if !pointer.is_empty() && !pointer.starts_with('/') {
                        return Err(MappingError::InvalidPointer {
                            field: field.clone(),
                            pointer: pointer.clone(),
                        });
                    }
                    FieldSource::Constant {
                        constant: Value::String(String::new()),
                    }
                }
                other => other.clone(),
            };
            shape.fields.insert(field.clone(), stand_in);
        }
        let probe = Submission {
            idempotency_key: String::new(),
            event: Value::Object(Map::new()),
            record_kind: String::new(),
            seller_id: String::new(),
            seller_credit_code: String::new(),
        };
        build_json_body(&shape, &probe).map(|_| ())
    }
}

/// Metadata of a [`Submission`] a [`JsonMapping`] can put in a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetaField {
    /// [`Submission::idempotency_key`].
    IdempotencyKey,
    /// [`Submission::seller_credit_code`].
    SellerCreditCode,
    /// [`Submission::record_kind`].
    RecordKind,
    /// [`Submission::seller_id`].
    SellerId,
}

/// Why a [`JsonMapping`] could not build a body.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    /// A required pointer found nothing (or `null`) in the event.
    #[error("output field `{field}`: the event has no value at required pointer `{pointer}`")]
    MissingRequired {
        /// The output field.
        field: String,
        /// The pointer that found nothing.
        pointer: String,
    },
    /// A pointer is not a JSON Pointer (it must be empty or start with `/`).
    #[error("output field `{field}`: `{pointer}` is not a JSON Pointer (it should start with `/`)")]
    InvalidPointer {
        /// The output field.
        field: String,
        /// The malformed pointer.
        pointer: String,
    },
    /// An output key is empty or has an empty dotted segment (`"goods..code"`).
    #[error("output field `{field}` has an empty name or an empty dotted segment")]
    InvalidField {
        /// The output field.
        field: String,
    },
    /// Two output keys would put two values at one place.
    #[error("output field `{field}` conflicts with a value already at `{at}`")]
    Conflict {
        /// The output field that could not be placed.
        field: String,
        /// The (dotted) place already holding a value that is not an object.
        at: String,
    },
}

/// Builds the body a JSON platform gets for a submission, following `mapping`.
///
/// # Errors
///
/// A [`MappingError`] naming the output field (and pointer) when a required pointer finds nothing,
/// a pointer or key is malformed, or two keys collide.
pub fn build_json_body(mapping: &JsonMapping, sub: &Submission) -> Result<Value, MappingError> {
    let mut root = Map::new();
    for (field, source) in &mapping.fields {
        let value = match source {
            FieldSource::Pointer { pointer, required } => {
                if !pointer.is_empty() && !pointer.starts_with('/') {
                    return Err(MappingError::InvalidPointer {
                        field: field.clone(),
                        pointer: pointer.clone(),
                    });
                }
                match sub.event.pointer(pointer) {
                    Some(v) if !v.is_null() => Some(v.clone()),
                    _ if *required => {
                        return Err(MappingError::MissingRequired {
                            field: field.clone(),
                            pointer: pointer.clone(),
                        });
                    }
                    _ => None,
                }
            }
            FieldSource::Constant { constant } => Some(constant.clone()),
            FieldSource::Meta { meta } => Some(Value::String(
                match meta {
                    MetaField::IdempotencyKey => &sub.idempotency_key,
                    MetaField::SellerCreditCode => &sub.seller_credit_code,
                    MetaField::RecordKind => &sub.record_kind,
                    MetaField::SellerId => &sub.seller_id,
                }
                .clone(),
            )),
        };
        let segments: Vec<&str> = field.split('.').collect();
        if segments.iter().any(|s| s.is_empty()) {
            return Err(MappingError::InvalidField {
                field: field.clone(),
            });
        }
        if let Some(value) = value {
            insert_dotted(&mut root, field, &segments, value)?;
        }
    }
    Ok(Value::Object(root))
}

/// Puts `value` at the place the segments of a dotted key name, creating objects on the way.
fn insert_dotted(
    root: &mut Map<String, Value>,
    field: &str,
    segments: &[&str],
    value: Value,
) -> Result<(), MappingError> {
    let Some((last, parents)) = segments.split_last() else {
        return Err(MappingError::InvalidField {
            field: field.to_owned(),
        });
    };
    let mut current = root;
    for (depth, segment) in parents.iter().enumerate() {
        let slot = current
            .entry((*segment).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        current = match slot {
            Value::Object(map) => map,
            _ => {
                return Err(MappingError::Conflict {
                    field: field.to_owned(),
                    at: segments[..=depth].join("."),
                });
            }
        };
    }
    if current.contains_key(*last) {
        return Err(MappingError::Conflict {
            field: field.to_owned(),
            at: field.to_owned(),
        });
    }
    current.insert((*last).to_owned(), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platforms::TargetKind;
    use crate::platforms::tests::submission;
    use serde_json::json;

    fn mapping(fields: &[(&str, FieldSource)]) -> JsonMapping {
        JsonMapping {
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        }
    }

    fn ptr(p: &str, required: bool) -> FieldSource {
        FieldSource::Pointer {
            pointer: p.to_owned(),
            required,
        }
    }

    #[test]
    fn dotted_keys_build_nested_objects_from_pointers() {
        let m = mapping(&[
            ("goods.code", ptr("/epcList/0", true)),
            ("goods.second", ptr("/epcList/1", false)),
            ("region", ptr("/suyuan:region", true)),
            ("sale.time", ptr("/eventTime", true)),
            ("sale.buyer.type", ptr("/suyuan:buyer/type", false)),
            ("escaped", ptr("/a~1b", true)),
        ]);
        let body = build_json_body(&m, &submission()).unwrap();
        assert_eq!(
            body,
            json!({
                "goods": {
                    "code": "https://id.gs1.org/01/06901234567892/21/A1",
                    "second": "https://id.gs1.org/01/06901234567892/21/A2",
                },
                "region": "330106",
                "sale": { "time": "2025-03-01T10:00:00.000+08:00", "buyer": { "type": "consumer" } },
                "escaped": "slash",
            })
        );
    }

    #[test]
    fn constants_and_metadata_fill_their_fields() {
        let m = mapping(&[
            (
                "platform.version",
                FieldSource::Constant { constant: json!(2) },
            ),
            (
                "platform.channel",
                FieldSource::Constant {
                    constant: json!("suyuan"),
                },
            ),
            (
                "seller.credit_code",
                FieldSource::Meta {
                    meta: MetaField::SellerCreditCode,
                },
            ),
            (
                "seller.id",
                FieldSource::Meta {
                    meta: MetaField::SellerId,
                },
            ),
            (
                "kind",
                FieldSource::Meta {
                    meta: MetaField::RecordKind,
                },
            ),
            (
                "request_id",
                FieldSource::Meta {
                    meta: MetaField::IdempotencyKey,
                },
            ),
        ]);
        let body = build_json_body(&m, &submission()).unwrap();
        assert_eq!(
            body,
            json!({
                "platform": { "version": 2, "channel": "suyuan" },
                "seller": { "credit_code": "91330106MA2AXXXX1X", "id": "sel_01J" },
                "kind": "sale",
                "request_id": "sub_01J0000000000000000000000",
            })
        );
    }

    #[test]
    fn a_missing_required_pointer_names_the_field_and_the_pointer() {
        let m = mapping(&[("goods.batch", ptr("/suyuan:batch", true))]);
        let err = build_json_body(&m, &submission()).unwrap_err();
        assert_eq!(
            err,
            MappingError::MissingRequired {
                field: "goods.batch".to_owned(),
                pointer: "/suyuan:batch".to_owned()
            }
        );
        let text = err.to_string();
        assert!(
            text.contains("goods.batch") && text.contains("/suyuan:batch"),
            "{text}"
        );
    }

    #[test]
    fn a_required_pointer_to_null_counts_as_missing() {
        let m = mapping(&[("buyer", ptr("/suyuan:buyer/name", true))]);
        assert!(matches!(
            build_json_body(&m, &submission()),
            Err(MappingError::MissingRequired { .. })
        ));
    }

    #[test]
    fn a_missing_optional_pointer_is_omitted_not_null() {
        let m = mapping(&[
            ("goods.batch", ptr("/suyuan:batch", false)),
            ("buyer.name", ptr("/suyuan:buyer/name", false)),
            ("order.id", ptr("/epcList/9", false)),
            ("region", ptr("/suyuan:region", false)),
        ]);
        let body = build_json_body(&m, &submission()).unwrap();
        assert_eq!(body, json!({ "region": "330106" }));
    }

    #[test]
    fn a_pointer_without_a_leading_slash_is_refused() {
        let m = mapping(&[("time", ptr("eventTime", false))]);
        assert_eq!(
            build_json_body(&m, &submission()).unwrap_err(),
            MappingError::InvalidPointer {
                field: "time".to_owned(),
                pointer: "eventTime".to_owned()
            }
        );
    }

    #[test]
    fn colliding_and_empty_keys_are_refused() {
        let m = mapping(&[
            (
                "goods",
                FieldSource::Constant {
                    constant: json!("x"),
                },
            ),
            ("goods.code", ptr("/epcList/0", true)),
        ]);
        assert_eq!(
            build_json_body(&m, &submission()).unwrap_err(),
            MappingError::Conflict {
                field: "goods.code".to_owned(),
                at: "goods".to_owned()
            }
        );
        let m = mapping(&[("goods..code", ptr("/epcList/0", true))]);
        assert!(matches!(
            build_json_body(&m, &submission()),
            Err(MappingError::InvalidField { .. })
        ));
    }

    #[test]
    fn a_mapping_is_checked_without_an_event() {
        let ok = mapping(&[
            ("goods.code", ptr("/epcList/0", true)),
            ("goods.batch", ptr("/suyuan:batch", true)),
        ]);
        assert_eq!(ok.validate(), Ok(()));
        let bad_pointer = mapping(&[("time", ptr("eventTime", false))]);
        assert!(matches!(
            bad_pointer.validate(),
            Err(MappingError::InvalidPointer { .. })
        ));
        let clash = mapping(&[
            ("goods", ptr("/epcList/0", false)),
            ("goods.code", ptr("/epcList/0", false)),
        ]);
        assert!(matches!(
            clash.validate(),
            Err(MappingError::Conflict { .. })
        ));
        let empty = mapping(&[("goods..code", ptr("/epcList/0", true))]);
        assert!(matches!(
            empty.validate(),
            Err(MappingError::InvalidField { .. })
        ));
    }

    #[test]
    fn a_constant_object_is_merged_with_dotted_fields_under_it() {
        let m = mapping(&[
            (
                "goods",
                FieldSource::Constant {
                    constant: json!({ "unit": "pcs" }),
                },
            ),
            ("goods.code", ptr("/epcList/0", true)),
        ]);
        let body = build_json_body(&m, &submission()).unwrap();
        assert_eq!(
            body,
            json!({ "goods": { "unit": "pcs", "code": "https://id.gs1.org/01/06901234567892/21/A1" } })
        );
    }

    #[test]
    fn mappings_read_from_their_wire_form() {
        let m: JsonMapping = serde_json::from_value(json!({
            "fields": {
                "time": { "pointer": "/eventTime", "required": true },
                "region": { "pointer": "/suyuan:region" },
                "version": { "constant": null },
                "seller": { "meta": "seller_credit_code" },
            }
        }))
        .unwrap();
        assert_eq!(m.fields["time"], ptr("/eventTime", true));
        assert_eq!(m.fields["region"], ptr("/suyuan:region", false));
        assert_eq!(
            m.fields["version"],
            FieldSource::Constant {
                constant: Value::Null
            }
        );
        assert_eq!(
            m.fields["seller"],
            FieldSource::Meta {
                meta: MetaField::SellerCreditCode
            }
        );
        let kind: TargetKind = serde_json::from_value(json!({
            "kind": "json_http", "path": "/api/records", "mapping": { "fields": {} }
        }))
        .unwrap();
        assert_eq!(
            kind,
            TargetKind::JsonHttp {
                path: "/api/records".to_owned(),
                mapping: JsonMapping::default()
            }
        );
        let epcis: TargetKind = serde_json::from_value(json!({ "kind": "epcis" })).unwrap();
        assert_eq!(epcis, TargetKind::Epcis);
    }
}

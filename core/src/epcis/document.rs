//! [`EpcisDocument`]: trace events wrapped as an EPCIS 2.0 JSON-LD document, the form exports
//! take and the form other EPCIS systems send.

use super::error::{EpcisError, cut};
use super::event::{TraceEvent, utc_text};
use super::json::parse_time;
use super::uri;
use super::vocab::{SUYUAN_NAMESPACE, SUYUAN_PREFIX};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The GS1 JSON-LD context every EPCIS 2.0 document names first.
pub const EPCIS_CONTEXT: &str = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

/// The `schemaVersion` Suyuan writes.
pub const SCHEMA_VERSION: &str = "2.0";

/// Prefixes a document may not declare: they would change how identifiers (`urn:...`,
/// `https://...`) or the GS1 context's own terms are read.
const RESERVED_PREFIXES: &[&str] = &[
    "urn", "http", "https", "ni", "gs1", "cbv", "epcis", "cbvmda", "xsd", "rdf", "rdfs", "owl",
    "dcterms", "sdo",
];

/// An EPCIS 2.0 document: `{"@context", "type": "EPCISDocument", "schemaVersion": "2.0",
/// "creationDate", "epcisBody": {"eventList"}}`. Its `@context` always declares the `suyuan`
/// prefix of Suyuan's extension fields. Serialises (serde) as [`EpcisDocument::to_json`].
#[derive(Clone, Debug, PartialEq)]
pub struct EpcisDocument {
    id: Option<String>,
    creation_date: DateTime<Utc>,
    namespaces: BTreeMap<String, String>,
    other_contexts: Vec<String>,
    events: Vec<TraceEvent>,
}

impl EpcisDocument {
    /// A document holding `events`, created at `creation_date`.
    pub fn new(events: Vec<TraceEvent>, creation_date: DateTime<Utc>) -> Self {
        let mut namespaces = BTreeMap::new();
        namespaces.insert(SUYUAN_PREFIX.to_owned(), SUYUAN_NAMESPACE.to_owned());
        EpcisDocument {
            id: None,
            creation_date,
            namespaces,
            other_contexts: Vec::new(),
            events,
        }
    }

    /// Names the document (`id`, a URI).
    pub fn with_id(mut self, id: impl Into<String>) -> Result<Self, EpcisError> {
        let id = id.into();
        uri::require("id", &id)?;
        self.id = Some(id);
        Ok(self)
    }

    /// Declares another system's prefix in `@context` (for [`TraceEvent::foreign_extensions`]
    /// named `"<prefix>:<name>"`).
    pub fn with_namespace(mut self, prefix: &str, iri: &str) -> Result<Self, EpcisError> {
        check_namespace(prefix, iri)?;
        self.namespaces.insert(prefix.to_owned(), iri.to_owned());
        Ok(self)
    }

    /// The document's `id`, if it has one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// When the document was made.
    pub fn creation_date(&self) -> DateTime<Utc> {
        self.creation_date
    }

    /// The prefixes the `@context` declares (always `suyuan`).
    pub fn namespaces(&self) -> &BTreeMap<String, String> {
        &self.namespaces
    }

    /// The events.
    pub fn events(&self) -> &[TraceEvent] {
        &self.events
    }

    /// The events, taken out.
    pub fn into_events(self) -> Vec<TraceEvent> {
        self.events
    }

    /// The EPCIS 2.0 JSON-LD document.
    pub fn to_json(&self) -> Value {
        let mut context = vec![Value::String(EPCIS_CONTEXT.to_owned())];
        context.extend(self.other_contexts.iter().cloned().map(Value::String));
        let prefixes: Map<String, Value> = self
            .namespaces
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        context.push(Value::Object(prefixes));
        let mut body = Map::new();
        body.insert(
            "eventList".to_owned(),
            Value::Array(self.events.iter().map(TraceEvent::to_json).collect()),
        );
        let mut m = Map::new();
        m.insert("@context".to_owned(), Value::Array(context));
        if let Some(id) = &self.id {
            m.insert("id".to_owned(), Value::String(id.clone()));
        }
        m.insert("type".to_owned(), Value::String("EPCISDocument".to_owned()));
        m.insert(
            "schemaVersion".to_owned(),
            Value::String(SCHEMA_VERSION.to_owned()),
        );
        m.insert(
            "creationDate".to_owned(),
            Value::String(utc_text(self.creation_date)),
        );
        m.insert("epcisBody".to_owned(), Value::Object(body));
        Value::Object(m)
    }

    /// Reads a document written by [`EpcisDocument::to_json`]: every event must have its
    /// `recordTime` (see [`TraceEvent::from_json`]).
    ///
    /// The `@context` keeps its prefix declarations and any remote contexts besides GS1's.
    /// Document metadata Suyuan does not keep (`sender`, `receiver`, `instanceIdentifier`,
    /// `epcisHeader` master data, extension members) is skipped; the events are read strictly.
    pub fn from_json(value: &Value) -> Result<Self, EpcisError> {
        parse_document(value, None)
    }

    /// Reads a document from another EPCIS system, recording each event at `record_time` (see
    /// [`TraceEvent::from_capture`]).
    pub fn from_capture(value: &Value, record_time: DateTime<Utc>) -> Result<Self, EpcisError> {
        parse_document(value, Some(record_time))
    }
}

impl serde::Serialize for EpcisDocument {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

fn check_namespace(prefix: &str, iri: &str) -> Result<(), EpcisError> {
    let mut bytes = prefix.bytes();
    let well_formed = bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if !well_formed {
        return Err(EpcisError::InvalidExtensionName {
            name: cut(prefix),
            reason: "a prefix starts with an ASCII letter and holds only ASCII letters, digits, '_', '-' and '.'",
        });
    }
    if RESERVED_PREFIXES.contains(&prefix.to_ascii_lowercase().as_str()) {
        return Err(EpcisError::InvalidExtensionName {
            name: cut(prefix),
            reason: "this prefix is a URI scheme or a term of the GS1 EPCIS context",
        });
    }
    if prefix == SUYUAN_PREFIX && iri != SUYUAN_NAMESPACE {
        return Err(EpcisError::InvalidExtensionName {
            name: cut(prefix),
            reason: "the suyuan prefix always stands for https://suyuan.dev/epcis#",
        });
    }
    uri::require(&format!("@context.{prefix}"), iri)
}

fn not_a_document(reason: impl Into<String>) -> EpcisError {
    EpcisError::NotADocument {
        reason: reason.into(),
    }
}

/// Whether a remote context is GS1's EPCIS context (any version).
fn is_gs1_context(url: &str) -> bool {
    url.starts_with("https://ref.gs1.org/standards/epcis/") && url.ends_with("epcis-context.jsonld")
}

fn parse_document(
    value: &Value,
    captured_at: Option<DateTime<Utc>>,
) -> Result<EpcisDocument, EpcisError> {
    let o = value
        .as_object()
        .ok_or_else(|| not_a_document("it is not a JSON object"))?;
    match o.get("type").and_then(Value::as_str) {
        Some("EPCISDocument") => {}
        Some(other) => {
            return Err(not_a_document(format!(
                "its type is `{}`, not EPCISDocument",
                cut(other)
            )));
        }
        None => return Err(not_a_document("it has no type")),
    }
    match o.get("schemaVersion").and_then(Value::as_str) {
        Some(v) if v == "2" || v.starts_with("2.") => {}
        Some(v) => {
            return Err(not_a_document(format!(
                "schemaVersion `{}` is not 2.x",
                cut(v)
            )));
        }
        None => return Err(not_a_document("it has no schemaVersion")),
    }
    let creation_date = o
        .get("creationDate")
        .ok_or_else(|| EpcisError::MissingField {
            field: "creationDate".to_owned(),
        })?;
    let creation_date = parse_time("creationDate", creation_date)?.with_timezone(&Utc);
    let mut document = EpcisDocument::new(Vec::new(), creation_date);
    if let Some(id) = o.get("id") {
        let id = id.as_str().ok_or_else(|| EpcisError::WrongType {
            field: "id".to_owned(),
            expected: "a string",
        })?;
        document = document.with_id(id)?;
    }

    let context = o
        .get("@context")
        .ok_or_else(|| not_a_document("it has no @context"))?;
    let entries = match context {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    for entry in &entries {
        match entry {
            Value::String(url) if is_gs1_context(url) => {}
            Value::String(url) => {
                uri::require("@context", url)?;
                if !document.other_contexts.contains(url) {
                    document.other_contexts.push(url.clone());
                }
            }
            Value::Object(terms) => {
                for (prefix, iri) in terms {
                    let Some(iri) = iri.as_str() else {
                        return Err(EpcisError::UnsupportedField {
                            field: format!("@context.{prefix}"),
                        });
                    };
                    document = document.with_namespace(prefix, iri)?;
                }
            }
            _ => {
                return Err(EpcisError::WrongType {
                    field: "@context".to_owned(),
                    expected: "a URL, an object of prefixes, or an array of them",
                });
            }
        }
    }

    let body = o
        .get("epcisBody")
        .ok_or_else(|| not_a_document("it has no epcisBody"))?;
    let list = body
        .get("eventList")
        .and_then(Value::as_array)
        .ok_or_else(|| not_a_document("epcisBody has no eventList array"))?;
    let mut events = Vec::with_capacity(list.len());
    for (index, item) in list.iter().enumerate() {
        let parsed = match captured_at {
            Some(time) => TraceEvent::from_capture(item, time),
            None => TraceEvent::from_json(item),
        };
        events.push(parsed.map_err(|error| EpcisError::InEventList {
            index,
            error: Box::new(error),
        })?);
    }
    document.events = events;
    Ok(document)
}

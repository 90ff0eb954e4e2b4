//! The EPCIS 2.0 JSON(-LD) form of a [`TraceEvent`], both ways.

use super::builder::{RawDeclaration, TraceEventBuilder, suyuan_local_name};
use super::error::{EpcisError, cut};
use super::event::{TraceEvent, offset_string, offset_text, utc_text};
use super::quantity::QuantityElement;
use super::vocab::{
    Action, BizStep, BizTransactionType, Disposition, ErrorReason, EventKind, SUYUAN_PREFIX,
    SourceDestType,
};
use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

fn string_list(items: &[String]) -> Value {
    Value::Array(items.iter().cloned().map(Value::String).collect())
}

fn quantity_list(items: &[QuantityElement]) -> Value {
    Value::Array(items.iter().map(QuantityElement::to_json).collect())
}

fn id_object(id: &str) -> Value {
    let mut m = Map::new();
    m.insert("id".to_owned(), Value::String(id.to_owned()));
    Value::Object(m)
}

impl TraceEvent {
    /// The EPCIS 2.0 JSON-LD event object, as it sits in a document's `eventList`. Empty lists
    /// and absent values are left out; Suyuan's extensions are written `"suyuan:<name>"`, so a
    /// document holding the event must declare the `suyuan` prefix (as
    /// [`super::EpcisDocument`] does).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        let mut put = |key: &str, value: Value| {
            m.insert(key.to_owned(), value);
        };
        put("type", Value::String(self.kind.as_str().to_owned()));
        put("eventID", Value::String(self.event_id.clone()));
        put("eventTime", Value::String(offset_text(self.event_time())));
        put(
            "eventTimeZoneOffset",
            Value::String(offset_string(self.time_zone_offset)),
        );
        put("recordTime", Value::String(utc_text(self.record_time)));
        if let Some(declaration) = &self.error_declaration {
            let mut d = Map::new();
            d.insert(
                "declarationTime".to_owned(),
                Value::String(utc_text(declaration.declaration_time())),
            );
            d.insert(
                "reason".to_owned(),
                Value::String(declaration.reason().as_str().to_owned()),
            );
            if !declaration.corrective_event_ids().is_empty() {
                d.insert(
                    "correctiveEventIDs".to_owned(),
                    string_list(declaration.corrective_event_ids()),
                );
            }
            for (name, value) in declaration.foreign_extensions() {
                d.insert(name.clone(), value.clone());
            }
            put("errorDeclaration", Value::Object(d));
        }
        if let Some(parent) = &self.parent_id {
            put("parentID", Value::String(parent.clone()));
        }
        let lists = [
            (
                "epcList",
                string_list(&self.epc_list),
                self.epc_list.is_empty(),
            ),
            (
                "quantityList",
                quantity_list(&self.quantity_list),
                self.quantity_list.is_empty(),
            ),
            (
                "childEPCs",
                string_list(&self.child_epcs),
                self.child_epcs.is_empty(),
            ),
            (
                "childQuantityList",
                quantity_list(&self.child_quantity_list),
                self.child_quantity_list.is_empty(),
            ),
            (
                "inputEPCList",
                string_list(&self.input_epc_list),
                self.input_epc_list.is_empty(),
            ),
            (
                "inputQuantityList",
                quantity_list(&self.input_quantity_list),
                self.input_quantity_list.is_empty(),
            ),
            (
                "outputEPCList",
                string_list(&self.output_epc_list),
                self.output_epc_list.is_empty(),
            ),
            (
                "outputQuantityList",
                quantity_list(&self.output_quantity_list),
                self.output_quantity_list.is_empty(),
            ),
        ];
        for (key, value, empty) in lists {
            if !empty {
                put(key, value);
            }
        }
        if let Some(id) = &self.transformation_id {
            put("transformationID", Value::String(id.clone()));
        }
        if let Some(action) = self.action {
            put("action", Value::String(action.as_str().to_owned()));
        }
        if let Some(step) = self.biz_step {
            put("bizStep", Value::String(step.as_str().to_owned()));
        }
        if let Some(disposition) = self.disposition {
            put(
                "disposition",
                Value::String(disposition.as_str().to_owned()),
            );
        }
        if let Some(id) = &self.read_point {
            put("readPoint", id_object(id));
        }
        if let Some(id) = &self.biz_location {
            put("bizLocation", id_object(id));
        }
        if !self.biz_transaction_list.is_empty() {
            let items = self.biz_transaction_list.iter().map(|t| {
                let mut o = Map::new();
                o.insert(
                    "type".to_owned(),
                    Value::String(t.kind().as_str().to_owned()),
                );
                o.insert(
                    "bizTransaction".to_owned(),
                    Value::String(t.id().to_owned()),
                );
                Value::Object(o)
            });
            put("bizTransactionList", Value::Array(items.collect()));
        }
        for (key, member, list) in [
            ("sourceList", "source", &self.source_list),
            ("destinationList", "destination", &self.destination_list),
        ] {
            if !list.is_empty() {
                let items = list.iter().map(|s| {
                    let mut o = Map::new();
                    o.insert(
                        "type".to_owned(),
                        Value::String(s.kind().as_str().to_owned()),
                    );
                    o.insert(member.to_owned(), Value::String(s.id().to_owned()));
                    Value::Object(o)
                });
                put(key, Value::Array(items.collect()));
            }
        }
        for (name, value) in &self.extensions {
            put(&format!("{SUYUAN_PREFIX}:{name}"), value.clone());
        }
        for (name, value) in &self.foreign_extensions {
            put(name, value.clone());
        }
        Value::Object(m)
    }

    /// Reads an event written by [`TraceEvent::to_json`] (or any EPCIS 2.0 JSON event of a
    /// supported type that has a `recordTime`), checking it exactly as the builder does.
    ///
    /// Members with a `:` in their name are extensions: `suyuan:*` (or the full Suyuan
    /// namespace IRI) become [`TraceEvent::extensions`], others
    /// [`TraceEvent::foreign_extensions`]. Standard members Suyuan does not model
    /// (`sensorElementList`, `ilmd`, `persistentDisposition`, `certificationInfo`) are refused
    /// rather than dropped.
    pub fn from_json(value: &Value) -> Result<TraceEvent, EpcisError> {
        parse_event(value, None)
    }

    /// Reads an event arriving from another system, as an EPCIS capture interface does: its
    /// `recordTime` (usually absent) is replaced by `record_time`, the time Suyuan records it.
    pub fn from_capture(
        value: &Value,
        record_time: DateTime<Utc>,
    ) -> Result<TraceEvent, EpcisError> {
        parse_event(value, Some(record_time))
    }
}

impl serde::Serialize for TraceEvent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for TraceEvent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        TraceEvent::from_json(&value).map_err(serde::de::Error::custom)
    }
}

fn as_object<'a>(field: &str, value: &'a Value) -> Result<&'a Map<String, Value>, EpcisError> {
    value.as_object().ok_or_else(|| EpcisError::WrongType {
        field: field.to_owned(),
        expected: "a JSON object",
    })
}

fn as_str<'a>(field: &str, value: &'a Value) -> Result<&'a str, EpcisError> {
    value.as_str().ok_or_else(|| EpcisError::WrongType {
        field: field.to_owned(),
        expected: "a string",
    })
}

fn required<'a>(
    object: &'a Map<String, Value>,
    parent: &str,
    key: &str,
) -> Result<&'a Value, EpcisError> {
    object.get(key).ok_or_else(|| EpcisError::MissingField {
        field: join(parent, key),
    })
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

fn strings(field: &str, value: &Value) -> Result<Vec<String>, EpcisError> {
    let items = value.as_array().ok_or_else(|| EpcisError::WrongType {
        field: field.to_owned(),
        expected: "an array of strings",
    })?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| as_str(&format!("{field}[{i}]"), item).map(str::to_owned))
        .collect()
}

/// An RFC 3339 date-time.
pub(super) fn parse_time(field: &str, value: &Value) -> Result<DateTime<FixedOffset>, EpcisError> {
    let text = as_str(field, value)?;
    DateTime::parse_from_rfc3339(text).map_err(|e| EpcisError::InvalidTime {
        field: field.to_owned(),
        value: cut(text),
        reason: e.to_string(),
    })
}

/// `+08:00` / `-05:30`: the form `eventTimeZoneOffset` takes.
fn parse_offset(value: &Value) -> Result<FixedOffset, EpcisError> {
    let text = as_str("eventTimeZoneOffset", value)?;
    let invalid = || EpcisError::InvalidTimeZoneOffset { value: cut(text) };
    let b = text.as_bytes();
    if b.len() != 6 || b[3] != b':' || !matches!(b[0], b'+' | b'-') {
        return Err(invalid());
    }
    let number = |s: &[u8]| -> Option<i32> {
        if s.iter().all(u8::is_ascii_digit) {
            Some(i32::from(s[0] - b'0') * 10 + i32::from(s[1] - b'0'))
        } else {
            None
        }
    };
    let (Some(hours), Some(minutes)) = (number(&b[1..3]), number(&b[4..6])) else {
        return Err(invalid());
    };
    if minutes > 59 || hours > 14 || (hours == 14 && minutes > 0) {
        return Err(invalid());
    }
    let seconds = (hours * 60 + minutes) * 60;
    let offset = if b[0] == b'-' {
        FixedOffset::west_opt(seconds)
    } else {
        FixedOffset::east_opt(seconds)
    };
    offset.ok_or_else(invalid)
}

fn add_quantities(
    mut builder: TraceEventBuilder,
    field: &str,
    value: &Value,
    add: fn(TraceEventBuilder, String, f64, Option<&str>) -> TraceEventBuilder,
) -> Result<TraceEventBuilder, EpcisError> {
    let items = value.as_array().ok_or_else(|| EpcisError::WrongType {
        field: field.to_owned(),
        expected: "an array of quantity elements",
    })?;
    for (i, item) in items.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let o = as_object(&at, item)?;
        let mut epc_class = None;
        let mut quantity = None;
        let mut uom = None;
        for (key, v) in o {
            match key.as_str() {
                "epcClass" => epc_class = Some(as_str(&join(&at, key), v)?),
                "quantity" => {
                    quantity = Some(v.as_f64().ok_or_else(|| EpcisError::WrongType {
                        field: join(&at, key),
                        expected: "a number",
                    })?)
                }
                "uom" => uom = Some(as_str(&join(&at, key), v)?),
                _ => {
                    return Err(EpcisError::UnsupportedField {
                        field: join(&at, key),
                    });
                }
            }
        }
        let epc_class = epc_class.ok_or_else(|| EpcisError::MissingField {
            field: join(&at, "epcClass"),
        })?;
        let quantity = quantity.ok_or_else(|| EpcisError::MissingField {
            field: join(&at, "quantity"),
        })?;
        builder = add(builder, epc_class.to_owned(), quantity, uom);
    }
    Ok(builder)
}

/// The `id` of a `readPoint` / `bizLocation` object.
fn location_id(field: &str, value: &Value) -> Result<String, EpcisError> {
    let o = as_object(field, value)?;
    for key in o.keys() {
        if key != "id" {
            return Err(EpcisError::UnsupportedField {
                field: join(field, key),
            });
        }
    }
    Ok(as_str(&join(field, "id"), required(o, field, "id")?)?.to_owned())
}

fn typed_list<T>(
    field: &str,
    member: &str,
    value: &Value,
    vocabulary: fn(&str, &str) -> Result<T, EpcisError>,
) -> Result<Vec<(T, String)>, EpcisError> {
    let items = value.as_array().ok_or_else(|| EpcisError::WrongType {
        field: field.to_owned(),
        expected: "an array of objects",
    })?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{field}[{i}]");
        let o = as_object(&at, item)?;
        for key in o.keys() {
            if key != "type" && key != member {
                return Err(EpcisError::UnsupportedField {
                    field: join(&at, key),
                });
            }
        }
        let kind_field = join(&at, "type");
        let kind = vocabulary(&kind_field, as_str(&kind_field, required(o, &at, "type")?)?)?;
        let id = as_str(&join(&at, member), required(o, &at, member)?)?;
        out.push((kind, id.to_owned()));
    }
    Ok(out)
}

fn parse_declaration(value: &Value) -> Result<RawDeclaration, EpcisError> {
    let field = "errorDeclaration";
    let o = as_object(field, value)?;
    let declaration_time = parse_time(
        &join(field, "declarationTime"),
        required(o, field, "declarationTime")?,
    )?;
    let reason_field = join(field, "reason");
    let reason = ErrorReason::parse_at(
        &reason_field,
        as_str(&reason_field, required(o, field, "reason")?)?,
    )?;
    let corrective_event_ids = match o.get("correctiveEventIDs") {
        Some(v) => strings(&join(field, "correctiveEventIDs"), v)?,
        None => Vec::new(),
    };
    let mut foreign_extensions = BTreeMap::new();
    for (key, v) in o {
        match key.as_str() {
            "declarationTime" | "reason" | "correctiveEventIDs" => {}
            _ if key.contains(':') => {
                foreign_extensions.insert(key.clone(), v.clone());
            }
            _ => {
                return Err(EpcisError::UnsupportedField {
                    field: join(field, key),
                });
            }
        }
    }
    Ok(RawDeclaration {
        declaration_time: declaration_time.with_timezone(&Utc),
        reason,
        corrective_event_ids,
        foreign_extensions,
    })
}

fn parse_event(
    value: &Value,
    captured_at: Option<DateTime<Utc>>,
) -> Result<TraceEvent, EpcisError> {
    let o = as_object("event", value)?;
    let type_word = as_str("type", required(o, "", "type")?)?;
    let kind = EventKind::from_word(type_word).ok_or_else(|| EpcisError::UnsupportedEventType {
        value: cut(type_word),
    })?;
    let offset = parse_offset(required(o, "", "eventTimeZoneOffset")?)?;
    let event_time = parse_time("eventTime", required(o, "", "eventTime")?)?.with_timezone(&offset);
    let record_time = match captured_at {
        Some(time) => time,
        None => parse_time("recordTime", required(o, "", "recordTime")?)?.with_timezone(&Utc),
    };
    let mut b = TraceEventBuilder::new(kind, None, event_time, record_time);
    for (key, v) in o {
        b = match key.as_str() {
            "@context" | "type" | "eventTime" | "eventTimeZoneOffset" | "recordTime" => b,
            "eventID" => b.event_id(as_str(key, v)?),
            "action" => b.action(Action::parse_at(key, as_str(key, v)?)?),
            "epcList" => b.epcs(strings(key, v)?),
            "quantityList" => add_quantities(b, key, v, |b, c, q, u| b.quantity(c, q, u))?,
            "parentID" => b.parent_id(as_str(key, v)?),
            "childEPCs" => b.child_epcs(strings(key, v)?),
            "childQuantityList" => {
                add_quantities(b, key, v, |b, c, q, u| b.child_quantity(c, q, u))?
            }
            "inputEPCList" => strings(key, v)?
                .into_iter()
                .fold(b, |b, epc| b.input_epc(epc)),
            "inputQuantityList" => {
                add_quantities(b, key, v, |b, c, q, u| b.input_quantity(c, q, u))?
            }
            "outputEPCList" => strings(key, v)?
                .into_iter()
                .fold(b, |b, epc| b.output_epc(epc)),
            "outputQuantityList" => {
                add_quantities(b, key, v, |b, c, q, u| b.output_quantity(c, q, u))?
            }
            "transformationID" => b.transformation_id(as_str(key, v)?),
            "readPoint" => b.read_point(location_id(key, v)?),
            "bizLocation" => b.biz_location(location_id(key, v)?),
            "bizStep" => b.biz_step(BizStep::parse_at(key, as_str(key, v)?)?),
            "disposition" => b.disposition(Disposition::parse_at(key, as_str(key, v)?)?),
            "bizTransactionList" => {
                typed_list(key, "bizTransaction", v, BizTransactionType::parse_at)?
                    .into_iter()
                    .fold(b, |b, (kind, id)| b.biz_transaction(kind, id))
            }
            "sourceList" => typed_list(key, "source", v, SourceDestType::parse_at)?
                .into_iter()
                .fold(b, |b, (kind, id)| b.source(kind, id)),
            "destinationList" => typed_list(key, "destination", v, SourceDestType::parse_at)?
                .into_iter()
                .fold(b, |b, (kind, id)| b.destination(kind, id)),
            "errorDeclaration" => {
                b.error_declaration = Some(parse_declaration(v)?);
                b
            }
            _ => match suyuan_local_name(key) {
                Some(local) => b.extension(local, v.clone()),
                None if key.contains(':') => b.foreign_extension(key.clone(), v.clone()),
                None => return Err(EpcisError::UnsupportedField { field: key.clone() }),
            },
        };
    }
    b.build()
}

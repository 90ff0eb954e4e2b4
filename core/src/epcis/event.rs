//! [`TraceEvent`]: one EPCIS 2.0 event (what, when, where, why), built only through
//! [`TraceEventBuilder`], which refuses anything the EPCIS standard or Suyuan's rules forbid.

use super::builder::TraceEventBuilder;
use super::error::EpcisError;
use super::quantity::QuantityElement;
use super::uri;
use super::vocab::{
    Action, BizStep, BizTransactionType, Disposition, ErrorReason, EventKind, SourceDestType,
};
use chrono::{DateTime, FixedOffset, SecondsFormat, TimeDelta, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

/// How far an event's own time may run ahead of its record time (clocks disagree a little).
pub const MAX_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

/// A business transaction an event belongs to: an order, an invoice, a delivery note.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BizTransaction {
    pub(super) kind: BizTransactionType,
    pub(super) id: String,
}

impl BizTransaction {
    /// A transaction of `kind` identified by `id` (a URI; see [`super::vocab::suyuan_urn`] for
    /// numbers that have no URI of their own).
    pub fn new(kind: BizTransactionType, id: impl Into<String>) -> Result<Self, EpcisError> {
        let id = id.into();
        uri::require("bizTransaction", &id)?;
        Ok(BizTransaction { kind, id })
    }

    /// The kind of document.
    pub fn kind(&self) -> BizTransactionType {
        self.kind
    }

    /// Its identifier (a URI).
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// A party or place the goods came from (`sourceList`) or go to (`destinationList`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SourceDest {
    pub(super) kind: SourceDestType,
    pub(super) id: String,
}

impl SourceDest {
    /// A source or destination of `kind` identified by `id` (a URI, e.g. [`super::vocab::party`]).
    pub fn new(kind: SourceDestType, id: impl Into<String>) -> Result<Self, EpcisError> {
        let id = id.into();
        uri::require("id", &id)?;
        Ok(SourceDest { kind, id })
    }

    /// Its role.
    pub fn kind(&self) -> SourceDestType {
        self.kind
    }

    /// Its identifier (a URI).
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The statement that an earlier event was wrong (EPCIS `errorDeclaration`). It rides on a copy
/// of that event; see [`TraceEvent::correction_of`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorDeclaration {
    pub(super) declaration_time: DateTime<Utc>,
    pub(super) reason: ErrorReason,
    pub(super) corrective_event_ids: Vec<String>,
    pub(super) foreign_extensions: BTreeMap<String, Value>,
}

impl ErrorDeclaration {
    /// When the error was declared.
    pub fn declaration_time(&self) -> DateTime<Utc> {
        self.declaration_time
    }

    /// Why the event was wrong.
    pub fn reason(&self) -> ErrorReason {
        self.reason
    }

    /// The eventIDs of the events that replace the wrong one (none when it did not occur).
    pub fn corrective_event_ids(&self) -> &[String] {
        &self.corrective_event_ids
    }

    /// Other systems' extension members of the declaration, by their full name
    /// (`"example:vendorExtension"`), as read from their JSON.
    pub fn foreign_extensions(&self) -> &BTreeMap<String, Value> {
        &self.foreign_extensions
    }
}

/// One trace event shaped on EPCIS 2.0: what (codes or quantities), when (event and record
/// time), where (read point, business location) and why (business step, disposition, business
/// transactions, source and destination).
///
/// It can only be made by [`TraceEventBuilder::build`] (or read by [`TraceEvent::from_json`],
/// which goes through it), so every value of this type is a valid EPCIS event. Times are kept to
/// the microsecond.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceEvent {
    pub(super) event_id: String,
    pub(super) kind: EventKind,
    pub(super) action: Option<Action>,
    pub(super) event_time: DateTime<Utc>,
    pub(super) time_zone_offset: FixedOffset,
    pub(super) record_time: DateTime<Utc>,
    pub(super) epc_list: Vec<String>,
    pub(super) quantity_list: Vec<QuantityElement>,
    pub(super) parent_id: Option<String>,
    pub(super) child_epcs: Vec<String>,
    pub(super) child_quantity_list: Vec<QuantityElement>,
    pub(super) input_epc_list: Vec<String>,
    pub(super) input_quantity_list: Vec<QuantityElement>,
    pub(super) output_epc_list: Vec<String>,
    pub(super) output_quantity_list: Vec<QuantityElement>,
    pub(super) transformation_id: Option<String>,
    pub(super) read_point: Option<String>,
    pub(super) biz_location: Option<String>,
    pub(super) biz_step: Option<BizStep>,
    pub(super) disposition: Option<Disposition>,
    pub(super) biz_transaction_list: Vec<BizTransaction>,
    pub(super) source_list: Vec<SourceDest>,
    pub(super) destination_list: Vec<SourceDest>,
    pub(super) error_declaration: Option<ErrorDeclaration>,
    pub(super) extensions: BTreeMap<String, Value>,
    pub(super) foreign_extensions: BTreeMap<String, Value>,
}

/// A fresh event identifier: `urn:uuid:` and a random (version 4) UUID.
pub fn new_event_id() -> String {
    format!("urn:uuid:{}", uuid::Uuid::new_v4())
}

impl TraceEvent {
    /// Starts an ObjectEvent: something happened to objects (received, sold, shipped, recalled).
    /// It needs at least one EPC or one quantity.
    pub fn object(
        action: Action,
        event_time: DateTime<FixedOffset>,
        record_time: DateTime<Utc>,
    ) -> TraceEventBuilder {
        TraceEventBuilder::new(EventKind::Object, Some(action), event_time, record_time)
    }

    /// Starts an AggregationEvent: children put into (`ADD`), seen in (`OBSERVE`) or taken out of
    /// (`DELETE`) a parent. `ADD` and `DELETE` need a parent; `ADD` and `OBSERVE` need children.
    pub fn aggregation(
        action: Action,
        event_time: DateTime<FixedOffset>,
        record_time: DateTime<Utc>,
    ) -> TraceEventBuilder {
        TraceEventBuilder::new(
            EventKind::Aggregation,
            Some(action),
            event_time,
            record_time,
        )
    }

    /// Starts a TransactionEvent: objects tied to (`ADD`) or untied from (`DELETE`) business
    /// transactions. It needs at least one business transaction, and objects unless `DELETE`.
    pub fn transaction(
        action: Action,
        event_time: DateTime<FixedOffset>,
        record_time: DateTime<Utc>,
    ) -> TraceEventBuilder {
        TraceEventBuilder::new(
            EventKind::Transaction,
            Some(action),
            event_time,
            record_time,
        )
    }

    /// Starts a TransformationEvent: inputs turned into outputs. It has no action.
    pub fn transformation(
        event_time: DateTime<FixedOffset>,
        record_time: DateTime<Utc>,
    ) -> TraceEventBuilder {
        TraceEventBuilder::new(EventKind::Transformation, None, event_time, record_time)
    }

    /// The eventID (a URI, usually `urn:uuid:...`). An error declaration shares it with the
    /// event it declares wrong.
    pub fn event_id(&self) -> &str {
        &self.event_id
    }

    /// The EPCIS event type.
    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// The action; `None` only for a TransformationEvent, which has none.
    pub fn action(&self) -> Option<Action> {
        self.action
    }

    /// When it happened, in the local time of where it happened.
    pub fn event_time(&self) -> DateTime<FixedOffset> {
        self.event_time.with_timezone(&self.time_zone_offset)
    }

    /// The offset of the place where it happened (`eventTimeZoneOffset`).
    pub fn time_zone_offset(&self) -> FixedOffset {
        self.time_zone_offset
    }

    /// When it was recorded. The gap from [`Self::event_time`] is the record's timeliness.
    pub fn record_time(&self) -> DateTime<Utc> {
        self.record_time
    }

    /// How long after the event it was recorded (negative within the allowed clock skew).
    pub fn recording_delay(&self) -> TimeDelta {
        self.record_time - self.event_time
    }

    /// The instance codes (`epcList`, GS1 Digital Link URIs) of an Object or Transaction event.
    pub fn epc_list(&self) -> &[String] {
        &self.epc_list
    }

    /// The class quantities (`quantityList`) of an Object or Transaction event.
    pub fn quantity_list(&self) -> &[QuantityElement] {
        &self.quantity_list
    }

    /// The parent (`parentID`) of an Aggregation or Transaction event.
    pub fn parent_id(&self) -> Option<&str> {
        self.parent_id.as_deref()
    }

    /// The child instance codes (`childEPCs`) of an AggregationEvent.
    pub fn child_epcs(&self) -> &[String] {
        &self.child_epcs
    }

    /// The child quantities (`childQuantityList`) of an AggregationEvent.
    pub fn child_quantity_list(&self) -> &[QuantityElement] {
        &self.child_quantity_list
    }

    /// The input codes of a TransformationEvent.
    pub fn input_epc_list(&self) -> &[String] {
        &self.input_epc_list
    }

    /// The input quantities of a TransformationEvent.
    pub fn input_quantity_list(&self) -> &[QuantityElement] {
        &self.input_quantity_list
    }

    /// The output codes of a TransformationEvent.
    pub fn output_epc_list(&self) -> &[String] {
        &self.output_epc_list
    }

    /// The output quantities of a TransformationEvent.
    pub fn output_quantity_list(&self) -> &[QuantityElement] {
        &self.output_quantity_list
    }

    /// The transformationID of a TransformationEvent.
    pub fn transformation_id(&self) -> Option<&str> {
        self.transformation_id.as_deref()
    }

    /// Where it was seen (`readPoint.id`).
    pub fn read_point(&self) -> Option<&str> {
        self.read_point.as_deref()
    }

    /// Where the goods are afterwards (`bizLocation.id`).
    pub fn biz_location(&self) -> Option<&str> {
        self.biz_location.as_deref()
    }

    /// The business step.
    pub fn biz_step(&self) -> Option<BizStep> {
        self.biz_step
    }

    /// The disposition afterwards.
    pub fn disposition(&self) -> Option<Disposition> {
        self.disposition
    }

    /// The business transactions (orders, invoices, delivery notes).
    pub fn biz_transaction_list(&self) -> &[BizTransaction] {
        &self.biz_transaction_list
    }

    /// Where the goods came from.
    pub fn source_list(&self) -> &[SourceDest] {
        &self.source_list
    }

    /// Where the goods go.
    pub fn destination_list(&self) -> &[SourceDest] {
        &self.destination_list
    }

    /// The error declaration, when this is the declaration copy of a wrong event.
    pub fn error_declaration(&self) -> Option<&ErrorDeclaration> {
        self.error_declaration.as_ref()
    }

    /// Suyuan's extension fields by local name (`"region"` for `"suyuan:region"`).
    pub fn extensions(&self) -> &BTreeMap<String, Value> {
        &self.extensions
    }

    /// One of Suyuan's extension fields by local name (see [`super::vocab::ext`]).
    pub fn extension(&self, name: &str) -> Option<&Value> {
        self.extensions.get(name)
    }

    /// Other systems' extension members by full name (`"example:myField"`), as read from their
    /// JSON.
    pub fn foreign_extensions(&self) -> &BTreeMap<String, Value> {
        &self.foreign_extensions
    }
}

/// The largest offset EPCIS allows (`eventTimeZoneOffset` runs from -14:00 to +14:00).
const MAX_OFFSET_SECONDS: i32 = 14 * 3600;

pub(super) fn check_offset(offset: FixedOffset) -> Result<(), EpcisError> {
    let seconds = offset.local_minus_utc();
    if seconds.abs() > MAX_OFFSET_SECONDS || seconds % 60 != 0 {
        return Err(EpcisError::InvalidTimeZoneOffset {
            value: offset.to_string(),
        });
    }
    Ok(())
}

/// `+08:00`: the offset as `eventTimeZoneOffset` writes it.
pub(super) fn offset_string(offset: FixedOffset) -> String {
    let seconds = offset.local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// A time with its offset, as EPCIS JSON writes `eventTime`.
pub(super) fn offset_text(time: DateTime<FixedOffset>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// A UTC time, as EPCIS JSON writes `recordTime`.
pub(super) fn utc_text(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

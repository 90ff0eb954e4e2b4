//! [`TraceEvent`]: one EPCIS 2.0 event (what, when, where, why), built only through
//! [`TraceEventBuilder`], which refuses anything the EPCIS standard or Suyuan's rules forbid.

use super::error::{EpcisError, cut};
use super::quantity::{QuantityElement, check_stable_numbers};
use super::uri;
use super::vocab::{
    Action, BizStep, BizTransactionType, Disposition, ErrorReason, EventKind, SUYUAN_NAMESPACE,
    SUYUAN_PREFIX, SourceDestType,
};
use chrono::{DateTime, FixedOffset, SecondsFormat, SubsecRound, TimeDelta, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// How far an event's own time may run ahead of its record time (clocks disagree a little).
pub const MAX_CLOCK_SKEW: TimeDelta = TimeDelta::minutes(5);

/// A business transaction an event belongs to: an order, an invoice, a delivery note.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BizTransaction {
    kind: BizTransactionType,
    id: String,
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
    kind: SourceDestType,
    id: String,
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
    declaration_time: DateTime<Utc>,
    reason: ErrorReason,
    corrective_event_ids: Vec<String>,
    foreign_extensions: BTreeMap<String, Value>,
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

    /// A builder holding everything this event holds except its eventID (a new one is made)
    /// and its errorDeclaration: the start of a corrected event. It keeps the record time; give
    /// a corrected event its own with [`TraceEventBuilder::record_time`].
    pub fn to_builder(&self) -> TraceEventBuilder {
        let raw = RawQuantity::from;
        TraceEventBuilder {
            kind: self.kind,
            action: self.action,
            event_id: None,
            event_time: self.event_time(),
            record_time: self.record_time,
            epc_list: self.epc_list.clone(),
            quantity_list: self.quantity_list.iter().map(raw).collect(),
            parent_id: self.parent_id.clone(),
            child_epcs: self.child_epcs.clone(),
            child_quantity_list: self.child_quantity_list.iter().map(raw).collect(),
            input_epc_list: self.input_epc_list.clone(),
            input_quantity_list: self.input_quantity_list.iter().map(raw).collect(),
            output_epc_list: self.output_epc_list.clone(),
            output_quantity_list: self.output_quantity_list.iter().map(raw).collect(),
            transformation_id: self.transformation_id.clone(),
            read_point: self.read_point.clone(),
            biz_location: self.biz_location.clone(),
            biz_step: self.biz_step,
            disposition: self.disposition,
            biz_transaction_list: self
                .biz_transaction_list
                .iter()
                .map(|t| (t.kind, t.id.clone()))
                .collect(),
            source_list: self
                .source_list
                .iter()
                .map(|s| (s.kind, s.id.clone()))
                .collect(),
            destination_list: self
                .destination_list
                .iter()
                .map(|s| (s.kind, s.id.clone()))
                .collect(),
            error_declaration: None,
            extensions: self.extensions.clone(),
            foreign_extensions: self.foreign_extensions.clone(),
        }
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

/// A corrected record: the declaration copy of the wrong event and, for wrong data, the event
/// that replaces it. Store both; the original stays.
#[derive(Clone, Debug, PartialEq)]
pub struct Correction {
    /// A copy of the original (same eventID, same eventTime) with an `errorDeclaration`, recorded
    /// at the declaration time.
    pub declaration: TraceEvent,
    /// The event with the right data, under its own eventID, which the declaration lists in
    /// `correctiveEventIDs`.
    pub corrective: Option<TraceEvent>,
}

impl TraceEvent {
    /// Declares `original` wrong, as EPCIS 2.0 does: the declaration is a new copy of the
    /// original event (same eventID, same eventTime) carrying an `errorDeclaration` with
    /// `declaration_time` and `reason`, recorded at `declaration_time`; the corrected event (if
    /// any) is a separate event whose eventID the declaration lists in `correctiveEventIDs`.
    ///
    /// `corrected` may be built with [`TraceEvent::to_builder`] on the original. If it still has
    /// the original's eventID, it gets a new one. A correction for `incorrect_data` needs it.
    pub fn correction_of(
        original: &TraceEvent,
        reason: ErrorReason,
        corrected: Option<TraceEvent>,
        declaration_time: DateTime<Utc>,
    ) -> Result<Correction, EpcisError> {
        if original.error_declaration.is_some() {
            return Err(EpcisError::AlreadyDeclared {
                event_id: original.event_id.clone(),
            });
        }
        let declaration_time = declaration_time.trunc_subsecs(6);
        if declaration_time < original.record_time {
            return Err(EpcisError::DeclarationBeforeRecord {
                declaration_time: utc_text(declaration_time),
                record_time: utc_text(original.record_time),
                event_id: original.event_id.clone(),
            });
        }
        let corrective = match corrected {
            Some(mut event) => {
                if event.error_declaration.is_some() {
                    return Err(EpcisError::CorrectiveIsDeclaration {
                        event_id: event.event_id,
                    });
                }
                if event.event_id == original.event_id {
                    event.event_id = new_event_id();
                }
                Some(event)
            }
            None if reason == ErrorReason::IncorrectData => {
                return Err(EpcisError::MissingCorrectiveEvent);
            }
            None => None,
        };
        let mut builder = original.to_builder();
        builder.event_id = Some(original.event_id.clone());
        builder.record_time = declaration_time;
        builder.error_declaration = Some(RawDeclaration {
            declaration_time,
            reason,
            corrective_event_ids: corrective.iter().map(|e| e.event_id.clone()).collect(),
            foreign_extensions: BTreeMap::new(),
        });
        let declaration = builder.build()?;
        Ok(Correction {
            declaration,
            corrective,
        })
    }
}

/// A quantity as given to the builder, checked by [`TraceEventBuilder::build`].
#[derive(Clone, Debug)]
struct RawQuantity {
    epc_class: String,
    quantity: f64,
    uom: Option<String>,
}

impl RawQuantity {
    fn new(epc_class: impl Into<String>, quantity: f64, uom: Option<&str>) -> Self {
        RawQuantity {
            epc_class: epc_class.into(),
            quantity,
            uom: uom.map(str::to_owned),
        }
    }
}

impl From<&QuantityElement> for RawQuantity {
    fn from(q: &QuantityElement) -> Self {
        RawQuantity {
            epc_class: q.epc_class().to_owned(),
            quantity: q.quantity(),
            uom: q.uom().map(|u| u.as_str().to_owned()),
        }
    }
}

/// An error declaration as given to the builder.
#[derive(Clone, Debug)]
pub(super) struct RawDeclaration {
    pub(super) declaration_time: DateTime<Utc>,
    pub(super) reason: ErrorReason,
    pub(super) corrective_event_ids: Vec<String>,
    pub(super) foreign_extensions: BTreeMap<String, Value>,
}

/// Collects an event's parts; [`TraceEventBuilder::build`] checks them all and names the first
/// that is wrong. Start one with [`TraceEvent::object`], [`TraceEvent::aggregation`],
/// [`TraceEvent::transaction`] or [`TraceEvent::transformation`].
///
/// Methods named for one item (`epc`, `quantity`, `biz_transaction`) append; methods named for a
/// list (`epcs`, `quantities`) replace it.
#[derive(Clone, Debug)]
#[must_use]
pub struct TraceEventBuilder {
    kind: EventKind,
    action: Option<Action>,
    pub(super) event_id: Option<String>,
    event_time: DateTime<FixedOffset>,
    pub(super) record_time: DateTime<Utc>,
    epc_list: Vec<String>,
    quantity_list: Vec<RawQuantity>,
    parent_id: Option<String>,
    child_epcs: Vec<String>,
    child_quantity_list: Vec<RawQuantity>,
    input_epc_list: Vec<String>,
    input_quantity_list: Vec<RawQuantity>,
    output_epc_list: Vec<String>,
    output_quantity_list: Vec<RawQuantity>,
    transformation_id: Option<String>,
    read_point: Option<String>,
    biz_location: Option<String>,
    biz_step: Option<BizStep>,
    disposition: Option<Disposition>,
    biz_transaction_list: Vec<(BizTransactionType, String)>,
    source_list: Vec<(SourceDestType, String)>,
    destination_list: Vec<(SourceDestType, String)>,
    pub(super) error_declaration: Option<RawDeclaration>,
    extensions: BTreeMap<String, Value>,
    foreign_extensions: BTreeMap<String, Value>,
}

fn raw_quantities(items: impl IntoIterator<Item = QuantityElement>) -> Vec<RawQuantity> {
    items.into_iter().map(|q| RawQuantity::from(&q)).collect()
}

impl TraceEventBuilder {
    pub(super) fn new(
        kind: EventKind,
        action: Option<Action>,
        event_time: DateTime<FixedOffset>,
        record_time: DateTime<Utc>,
    ) -> Self {
        TraceEventBuilder {
            kind,
            action,
            event_id: None,
            event_time,
            record_time,
            epc_list: Vec::new(),
            quantity_list: Vec::new(),
            parent_id: None,
            child_epcs: Vec::new(),
            child_quantity_list: Vec::new(),
            input_epc_list: Vec::new(),
            input_quantity_list: Vec::new(),
            output_epc_list: Vec::new(),
            output_quantity_list: Vec::new(),
            transformation_id: None,
            read_point: None,
            biz_location: None,
            biz_step: None,
            disposition: None,
            biz_transaction_list: Vec::new(),
            source_list: Vec::new(),
            destination_list: Vec::new(),
            error_declaration: None,
            extensions: BTreeMap::new(),
            foreign_extensions: BTreeMap::new(),
        }
    }

    /// Uses this eventID instead of a fresh `urn:uuid:` one (for ids derived from a source
    /// record, so that a replay yields the same event).
    pub fn event_id(mut self, id: impl Into<String>) -> Self {
        self.event_id = Some(id.into());
        self
    }

    /// Sets the event time (with the offset of where it happened).
    pub fn event_time(mut self, time: DateTime<FixedOffset>) -> Self {
        self.event_time = time;
        self
    }

    /// Sets the record time.
    pub fn record_time(mut self, time: DateTime<Utc>) -> Self {
        self.record_time = time;
        self
    }

    /// Sets the action (not for a TransformationEvent, which has none).
    pub fn action(mut self, action: Action) -> Self {
        self.action = Some(action);
        self
    }

    /// Appends an instance code (a URI such as `https://id.gs1.org/01/06901234567892/21/S1`).
    pub fn epc(mut self, epc: impl Into<String>) -> Self {
        self.epc_list.push(epc.into());
        self
    }

    /// Replaces the instance codes.
    pub fn epcs<I: IntoIterator<Item = S>, S: Into<String>>(mut self, epcs: I) -> Self {
        self.epc_list = epcs.into_iter().map(Into::into).collect();
        self
    }

    /// Appends a class quantity (see [`QuantityElement::new`] for the rules).
    pub fn quantity(
        mut self,
        epc_class: impl Into<String>,
        quantity: f64,
        uom: Option<&str>,
    ) -> Self {
        self.quantity_list
            .push(RawQuantity::new(epc_class, quantity, uom));
        self
    }

    /// Replaces the class quantities.
    pub fn quantities(mut self, items: impl IntoIterator<Item = QuantityElement>) -> Self {
        self.quantity_list = raw_quantities(items);
        self
    }

    /// Sets the parent (an AggregationEvent's container, e.g. the e-bike's code).
    pub fn parent_id(mut self, parent: impl Into<String>) -> Self {
        self.parent_id = Some(parent.into());
        self
    }

    /// Appends a child code of an AggregationEvent.
    pub fn child_epc(mut self, epc: impl Into<String>) -> Self {
        self.child_epcs.push(epc.into());
        self
    }

    /// Replaces the child codes of an AggregationEvent.
    pub fn child_epcs<I: IntoIterator<Item = S>, S: Into<String>>(mut self, epcs: I) -> Self {
        self.child_epcs = epcs.into_iter().map(Into::into).collect();
        self
    }

    /// Appends a child quantity of an AggregationEvent.
    pub fn child_quantity(
        mut self,
        epc_class: impl Into<String>,
        quantity: f64,
        uom: Option<&str>,
    ) -> Self {
        self.child_quantity_list
            .push(RawQuantity::new(epc_class, quantity, uom));
        self
    }

    /// Replaces the child quantities of an AggregationEvent.
    pub fn child_quantities(mut self, items: impl IntoIterator<Item = QuantityElement>) -> Self {
        self.child_quantity_list = raw_quantities(items);
        self
    }

    /// Appends an input code of a TransformationEvent.
    pub fn input_epc(mut self, epc: impl Into<String>) -> Self {
        self.input_epc_list.push(epc.into());
        self
    }

    /// Appends an input quantity of a TransformationEvent.
    pub fn input_quantity(
        mut self,
        epc_class: impl Into<String>,
        quantity: f64,
        uom: Option<&str>,
    ) -> Self {
        self.input_quantity_list
            .push(RawQuantity::new(epc_class, quantity, uom));
        self
    }

    /// Appends an output code of a TransformationEvent.
    pub fn output_epc(mut self, epc: impl Into<String>) -> Self {
        self.output_epc_list.push(epc.into());
        self
    }

    /// Appends an output quantity of a TransformationEvent.
    pub fn output_quantity(
        mut self,
        epc_class: impl Into<String>,
        quantity: f64,
        uom: Option<&str>,
    ) -> Self {
        self.output_quantity_list
            .push(RawQuantity::new(epc_class, quantity, uom));
        self
    }

    /// Sets the transformationID of a TransformationEvent.
    pub fn transformation_id(mut self, id: impl Into<String>) -> Self {
        self.transformation_id = Some(id.into());
        self
    }

    /// Sets where the event was seen (a URI).
    pub fn read_point(mut self, id: impl Into<String>) -> Self {
        self.read_point = Some(id.into());
        self
    }

    /// Sets where the goods are afterwards (a URI: [`super::vocab::seller_location`],
    /// [`super::vocab::division_location`]).
    pub fn biz_location(mut self, id: impl Into<String>) -> Self {
        self.biz_location = Some(id.into());
        self
    }

    /// Sets or clears the business step.
    pub fn biz_step(mut self, step: impl Into<Option<BizStep>>) -> Self {
        self.biz_step = step.into();
        self
    }

    /// Sets or clears the disposition.
    pub fn disposition(mut self, disposition: impl Into<Option<Disposition>>) -> Self {
        self.disposition = disposition.into();
        self
    }

    /// Appends a business transaction (`id` a URI).
    pub fn biz_transaction(mut self, kind: BizTransactionType, id: impl Into<String>) -> Self {
        self.biz_transaction_list.push((kind, id.into()));
        self
    }

    /// Replaces the business transactions.
    pub fn biz_transactions(mut self, items: impl IntoIterator<Item = BizTransaction>) -> Self {
        self.biz_transaction_list = items.into_iter().map(|t| (t.kind, t.id)).collect();
        self
    }

    /// Appends a source (`id` a URI).
    pub fn source(mut self, kind: SourceDestType, id: impl Into<String>) -> Self {
        self.source_list.push((kind, id.into()));
        self
    }

    /// Replaces the sources.
    pub fn sources(mut self, items: impl IntoIterator<Item = SourceDest>) -> Self {
        self.source_list = items.into_iter().map(|s| (s.kind, s.id)).collect();
        self
    }

    /// Appends a destination (`id` a URI).
    pub fn destination(mut self, kind: SourceDestType, id: impl Into<String>) -> Self {
        self.destination_list.push((kind, id.into()));
        self
    }

    /// Replaces the destinations.
    pub fn destinations(mut self, items: impl IntoIterator<Item = SourceDest>) -> Self {
        self.destination_list = items.into_iter().map(|s| (s.kind, s.id)).collect();
        self
    }

    /// Sets one of Suyuan's extension fields by local name (written `"suyuan:<name>"`; see
    /// [`super::vocab::ext`]). Names start with an ASCII letter and hold letters, digits and `_`.
    pub fn extension(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extensions.insert(name.into(), value.into());
        self
    }

    /// Removes one of Suyuan's extension fields.
    pub fn without_extension(mut self, name: &str) -> Self {
        self.extensions.remove(name);
        self
    }

    /// Sets another system's extension member by its full name: a compact IRI (`"acme:lot"`,
    /// whose prefix the document must declare, see [`super::EpcisDocument::with_namespace`]) or
    /// an absolute IRI.
    pub fn foreign_extension(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.foreign_extensions.insert(name.into(), value.into());
        self
    }

    /// Checks everything and makes the event, or names the first thing that is wrong.
    pub fn build(self) -> Result<TraceEvent, EpcisError> {
        let kind = self.kind;
        let event_id = match self.event_id {
            Some(id) => {
                uri::require("eventID", &id)?;
                id
            }
            None => new_event_id(),
        };
        let time_zone_offset = *self.event_time.offset();
        check_offset(time_zone_offset)?;
        let event_time = self.event_time.with_timezone(&Utc).trunc_subsecs(6);
        let record_time = self.record_time.trunc_subsecs(6);
        if event_time - record_time > MAX_CLOCK_SKEW {
            return Err(EpcisError::EventTimeInFuture {
                event_time: offset_text(event_time.with_timezone(&time_zone_offset)),
                record_time: utc_text(record_time),
            });
        }

        // What: only the fields of this kind, each list of identifiers valid and unique.
        let not_allowed = |field: &'static str| Err(EpcisError::FieldNotAllowed { field, kind });
        let allowed: &[&str] = match kind {
            EventKind::Object => &["epcList", "quantityList"],
            EventKind::Aggregation => &["parentID", "childEPCs", "childQuantityList"],
            EventKind::Transaction => &["parentID", "epcList", "quantityList"],
            EventKind::Transformation => &[
                "inputEPCList",
                "inputQuantityList",
                "outputEPCList",
                "outputQuantityList",
                "transformationID",
            ],
        };
        let present: [(&'static str, bool); 10] = [
            ("epcList", !self.epc_list.is_empty()),
            ("quantityList", !self.quantity_list.is_empty()),
            ("parentID", self.parent_id.is_some()),
            ("childEPCs", !self.child_epcs.is_empty()),
            ("childQuantityList", !self.child_quantity_list.is_empty()),
            ("inputEPCList", !self.input_epc_list.is_empty()),
            ("inputQuantityList", !self.input_quantity_list.is_empty()),
            ("outputEPCList", !self.output_epc_list.is_empty()),
            ("outputQuantityList", !self.output_quantity_list.is_empty()),
            ("transformationID", self.transformation_id.is_some()),
        ];
        for (field, is_present) in present {
            if is_present && !allowed.contains(&field) {
                return not_allowed(field);
            }
        }
        let action = match (kind, self.action) {
            (EventKind::Transformation, Some(_)) => return not_allowed("action"),
            (EventKind::Transformation, None) => None,
            (_, Some(action)) => Some(action),
            (_, None) => {
                return Err(EpcisError::MissingField {
                    field: "action".to_owned(),
                });
            }
        };

        let epc_list = check_uri_list("epcList", self.epc_list)?;
        let quantity_list = check_quantities("quantityList", self.quantity_list)?;
        let parent_id = check_optional_uri("parentID", self.parent_id)?;
        let child_epcs = check_uri_list("childEPCs", self.child_epcs)?;
        let child_quantity_list = check_quantities("childQuantityList", self.child_quantity_list)?;
        let input_epc_list = check_uri_list("inputEPCList", self.input_epc_list)?;
        let input_quantity_list = check_quantities("inputQuantityList", self.input_quantity_list)?;
        let output_epc_list = check_uri_list("outputEPCList", self.output_epc_list)?;
        let output_quantity_list =
            check_quantities("outputQuantityList", self.output_quantity_list)?;
        let transformation_id = check_optional_uri("transformationID", self.transformation_id)?;

        let has_objects = !epc_list.is_empty() || !quantity_list.is_empty();
        let has_children = !child_epcs.is_empty() || !child_quantity_list.is_empty();
        match kind {
            EventKind::Object if !has_objects => {
                return Err(EpcisError::NothingObserved {
                    kind,
                    needs: "at least one EPC in epcList or one entry in quantityList",
                });
            }
            EventKind::Aggregation => {
                if let Some(action @ (Action::Add | Action::Delete)) = action
                    && parent_id.is_none()
                {
                    return Err(EpcisError::MissingParent { action });
                }
                if action != Some(Action::Delete) && !has_children {
                    return Err(EpcisError::NothingObserved {
                        kind,
                        needs: "at least one child in childEPCs or childQuantityList (unless the action is DELETE)",
                    });
                }
            }
            EventKind::Transaction => {
                if self.biz_transaction_list.is_empty() {
                    return Err(EpcisError::MissingBizTransaction);
                }
                if action != Some(Action::Delete) && !has_objects {
                    return Err(EpcisError::NothingObserved {
                        kind,
                        needs: "at least one EPC in epcList or one entry in quantityList (unless the action is DELETE)",
                    });
                }
            }
            EventKind::Transformation => {
                let inputs = !input_epc_list.is_empty() || !input_quantity_list.is_empty();
                let outputs = !output_epc_list.is_empty() || !output_quantity_list.is_empty();
                if !inputs && !outputs {
                    return Err(EpcisError::NothingObserved {
                        kind,
                        needs: "at least one input or output code or quantity",
                    });
                }
                if !(inputs && outputs) && transformation_id.is_none() {
                    return Err(EpcisError::MissingTransformationId);
                }
            }
            EventKind::Object => {}
        }

        // Where and why.
        let read_point = check_optional_uri("readPoint.id", self.read_point)?;
        let biz_location = check_optional_uri("bizLocation.id", self.biz_location)?;
        let mut biz_transaction_list = Vec::with_capacity(self.biz_transaction_list.len());
        for (i, (kind, id)) in self.biz_transaction_list.into_iter().enumerate() {
            uri::require(&format!("bizTransactionList[{i}].bizTransaction"), &id)?;
            biz_transaction_list.push(BizTransaction { kind, id });
        }
        let source_list = check_source_dest("sourceList", "source", self.source_list)?;
        let destination_list =
            check_source_dest("destinationList", "destination", self.destination_list)?;

        let error_declaration = match self.error_declaration {
            None => None,
            Some(raw) => {
                let declaration_time = raw.declaration_time.trunc_subsecs(6);
                if declaration_time - record_time > MAX_CLOCK_SKEW {
                    return Err(EpcisError::DeclarationInFuture {
                        declaration_time: utc_text(declaration_time),
                        record_time: utc_text(record_time),
                    });
                }
                let corrective_event_ids = check_uri_list(
                    "errorDeclaration.correctiveEventIDs",
                    raw.corrective_event_ids,
                )?;
                if corrective_event_ids.contains(&event_id) {
                    return Err(EpcisError::DuplicateId {
                        field: "errorDeclaration.correctiveEventIDs".to_owned(),
                        value: cut(&event_id),
                    });
                }
                let foreign_extensions =
                    check_foreign_extensions("errorDeclaration", raw.foreign_extensions)?;
                Some(ErrorDeclaration {
                    declaration_time,
                    reason: raw.reason,
                    corrective_event_ids,
                    foreign_extensions,
                })
            }
        };

        for (name, value) in &self.extensions {
            check_extension_name(name)?;
            check_stable_numbers(&format!("{SUYUAN_PREFIX}:{name}"), value)?;
        }
        let foreign_extensions = check_foreign_extensions("", self.foreign_extensions)?;

        Ok(TraceEvent {
            event_id,
            kind,
            action,
            event_time,
            time_zone_offset,
            record_time,
            epc_list,
            quantity_list,
            parent_id,
            child_epcs,
            child_quantity_list,
            input_epc_list,
            input_quantity_list,
            output_epc_list,
            output_quantity_list,
            transformation_id,
            read_point,
            biz_location,
            biz_step: self.biz_step,
            disposition: self.disposition,
            biz_transaction_list,
            source_list,
            destination_list,
            error_declaration,
            extensions: self.extensions,
            foreign_extensions,
        })
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

fn check_uri_list(field: &str, items: Vec<String>) -> Result<Vec<String>, EpcisError> {
    let mut seen = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        uri::require(&format!("{field}[{i}]"), item)?;
        if !seen.insert(item.as_str()) {
            return Err(EpcisError::DuplicateId {
                field: field.to_owned(),
                value: cut(item),
            });
        }
    }
    Ok(items)
}

fn check_optional_uri(field: &str, item: Option<String>) -> Result<Option<String>, EpcisError> {
    if let Some(value) = &item {
        uri::require(field, value)?;
    }
    Ok(item)
}

fn check_quantities(
    field: &str,
    items: Vec<RawQuantity>,
) -> Result<Vec<QuantityElement>, EpcisError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, q)| {
            QuantityElement::new(q.epc_class, q.quantity, q.uom.as_deref())
                .map_err(|e| e.at(&format!("{field}[{i}]")))
        })
        .collect()
}

fn check_source_dest(
    field: &str,
    member: &str,
    items: Vec<(SourceDestType, String)>,
) -> Result<Vec<SourceDest>, EpcisError> {
    let mut out = Vec::with_capacity(items.len());
    for (i, (kind, id)) in items.into_iter().enumerate() {
        uri::require(&format!("{field}[{i}].{member}"), &id)?;
        out.push(SourceDest { kind, id });
    }
    Ok(out)
}

/// A local name usable after `suyuan:`: an ASCII letter, then letters, digits and `_`.
pub(super) fn check_extension_name(name: &str) -> Result<(), EpcisError> {
    let mut bytes = name.bytes();
    let ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(EpcisError::InvalidExtensionName {
            name: cut(name),
            reason: "a local name starts with an ASCII letter and holds only ASCII letters, digits and '_'",
        })
    }
}

/// Whether a member name belongs to Suyuan's namespace; gives the local name.
pub(super) fn suyuan_local_name(name: &str) -> Option<&str> {
    name.strip_prefix(SUYUAN_PREFIX)
        .and_then(|rest| rest.strip_prefix(':'))
        .or_else(|| name.strip_prefix(SUYUAN_NAMESPACE))
}

fn check_foreign_extensions(
    parent: &str,
    items: BTreeMap<String, Value>,
) -> Result<BTreeMap<String, Value>, EpcisError> {
    for (name, value) in &items {
        if suyuan_local_name(name).is_some() {
            return Err(EpcisError::InvalidExtensionName {
                name: cut(name),
                reason: "Suyuan's own fields are set by local name with `extension`",
            });
        }
        if uri::check(name).is_err() {
            return Err(EpcisError::InvalidExtensionName {
                name: cut(name),
                reason: "another system's extension is named by a compact IRI (`prefix:name`) or an absolute IRI",
            });
        }
        let field = if parent.is_empty() {
            name.clone()
        } else {
            format!("{parent}.{name}")
        };
        check_stable_numbers(&field, value)?;
    }
    Ok(items)
}

//! [`TraceEventBuilder`]: collects an event's parts and checks them all before it makes a
//! [`TraceEvent`], naming the first that is wrong.

use super::error::{EpcisError, cut};
use super::event::{
    BizTransaction, ErrorDeclaration, MAX_CLOCK_SKEW, SourceDest, TraceEvent, check_offset,
    new_event_id, offset_text, utc_text,
};
use super::quantity::{QuantityElement, check_stable_numbers};
use super::uri;
use super::vocab::{
    Action, BizStep, BizTransactionType, Disposition, ErrorReason, EventKind, SUYUAN_NAMESPACE,
    SUYUAN_PREFIX, SourceDestType,
};
use chrono::{DateTime, FixedOffset, SubsecRound, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

impl TraceEvent {
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

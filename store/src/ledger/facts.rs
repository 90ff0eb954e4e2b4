//! Facts under the chain: the columns analytics reads beside each event (record kind,
//! category, region, buyer type, the record a correction or return refers to, the required
//! data elements it lacks) are outside the hash, so [`verify`](super::verify) re-derives each of them from the hashed document with the
//! functions the writer stores them with (`suyuan_core::epcis::facts`), walking a seller's
//! chain in order.

use crate::entity::trace_event;
use std::collections::HashMap;
use suyuan_core::catalogue::Catalogue;
use suyuan_core::epcis::TraceEvent;
use suyuan_core::epcis::facts::{
    FactMismatch, RecordFacts, RecordKind, corrective_ids_of, missing_elements_of, orders_of,
    same_missing,
};

/// What the walk of one seller's chain remembers of the records seen so far.
pub(super) struct FactsWalk<'c> {
    /// The catalogue: a row written under its version has its missing elements re-derived
    /// (one written under another version cannot be judged by it).
    catalogue: &'c Catalogue,
    /// Whether the chain was walked from a checkpoint (earlier records were purged, so a
    /// reference to an unknown record cannot be judged).
    from_checkpoint: bool,
    /// EPCIS `eventID` of each record that is not a declaration -> its row id.
    by_event_id: HashMap<String, String>,
    /// Order (`po`) -> the sales and shipments naming it.
    sales_of_order: HashMap<String, Vec<String>>,
    /// A corrective event's `eventID` -> the record its declaration corrects.
    corrective_of: HashMap<String, String>,
    /// Row id -> its (verified) stored facts.
    facts: HashMap<String, RecordFacts>,
}

fn stored(row: &trace_event::Model) -> RecordFacts {
    RecordFacts {
        kind: RecordKind::parse(&row.record_kind),
        category: row.category_id.clone(),
        region: row.region.clone(),
        buyer_type: row.buyer_type.clone(),
    }
}

impl<'c> FactsWalk<'c> {
    pub(super) fn new(from_checkpoint: bool, catalogue: &'c Catalogue) -> FactsWalk<'c> {
        FactsWalk {
            catalogue,
            from_checkpoint,
            by_event_id: HashMap::new(),
            sales_of_order: HashMap::new(),
            corrective_of: HashMap::new(),
            facts: HashMap::new(),
        }
    }

    /// The columns of `row` that disagree with its document `event`, then remembers the row.
    pub(super) fn check(
        &mut self,
        row: &trace_event::Model,
        event: &TraceEvent,
    ) -> Vec<FactMismatch> {
        let mut out = Vec::new();
        let kind = RecordKind::of(event).or_else(|| RecordKind::parse(&row.record_kind));
        // What `corrects_id` must be: candidates (any one of them), or None for "nothing".
        let candidates: Option<Vec<String>> = if kind == Some(RecordKind::Correction) {
            Some(
                self.by_event_id
                    .get(event.event_id())
                    .cloned()
                    .into_iter()
                    .collect(),
            )
        } else if let Some(original) = self.corrective_of.get(event.event_id()) {
            Some(vec![original.clone()])
        } else if kind == Some(RecordKind::Return) {
            Some(
                orders_of(event)
                    .iter()
                    .filter_map(|o| self.sales_of_order.get(o))
                    .flatten()
                    .cloned()
                    .collect(),
            )
        } else {
            None
        };
        let referred = match (&candidates, &row.corrects_id) {
            (None, None) => None,
            (None, Some(c)) => {
                out.push(FactMismatch {
                    column: "corrects_id",
                    stored: Some(c.clone()),
                    derived: None,
                });
                None
            }
            (Some(cands), Some(c)) if cands.contains(c) => self.facts.get(c),
            // The record referred to was purged before the checkpoint: nothing to judge by.
            (Some(cands), Some(_)) if cands.is_empty() && self.from_checkpoint => None,
            (Some(cands), stored_ref) => {
                out.push(FactMismatch {
                    column: "corrects_id",
                    stored: stored_ref.clone(),
                    derived: if cands.is_empty() {
                        None
                    } else {
                        Some(cands.join(" | "))
                    },
                });
                None
            }
        };
        let mine = stored(row);
        let unknown_referent = referred.is_none() && row.corrects_id.is_some();
        let expected = RecordFacts::columns(event, referred, &mine);
        let inherited_unchecked = unknown_referent && kind.is_some_and(RecordKind::inherits_facts);
        out.extend(
            RecordFacts::mismatches(&mine, &expected)
                .into_iter()
                .filter(|m| {
                    // A return whose sale is unknown (purged, or reported above) cannot have
                    // its inherited columns judged.
                    !(inherited_unchecked && matches!(m.column, "category_id" | "buyer_type"))
                }),
        );
        // The required elements it lacks, when written under this catalogue.
        if row.catalogue_version.as_deref() == Some(self.catalogue.version())
            && let Some(derived) = missing_elements_of(
                self.catalogue,
                RecordKind::parse(&row.record_kind),
                row.category_id.as_deref(),
                event,
            )
            && !same_missing(&row.missing_elements, &derived)
        {
            out.push(FactMismatch {
                column: "missing_elements",
                stored: Some(row.missing_elements.clone()),
                derived: Some(serde_json::to_string(&derived).unwrap_or_default()),
            });
        }
        // Remember the row for the records after it.
        if kind == Some(RecordKind::Correction) {
            let derived = self.by_event_id.get(event.event_id()).cloned();
            if let Some(original) = derived.as_ref().or(row.corrects_id.as_ref()) {
                for id in corrective_ids_of(event) {
                    self.corrective_of.insert(id, original.clone());
                }
            }
        } else {
            self.by_event_id
                .insert(event.event_id().to_owned(), row.id.clone());
        }
        if matches!(kind, Some(RecordKind::Sale | RecordKind::Shipment)) {
            for o in orders_of(event) {
                self.sales_of_order
                    .entry(o)
                    .or_default()
                    .push(row.id.clone());
            }
        }
        self.facts.insert(row.id.clone(), mine);
        out
    }
}

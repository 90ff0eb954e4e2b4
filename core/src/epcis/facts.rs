//! The facts stored beside an event (record kind, category, region, buyer type, and what a
//! correction or return refers to), derived from the hashed EPCIS document alone.
//!
//! The ledger's writer stores these columns through [`RecordFacts::columns`] and `suyuan
//! verify` re-derives them with the same functions, so a column edited around the database's
//! triggers is named by the verifier, and the writer and the verifier cannot drift apart.
//!
//! Registration deadline and missing data elements are not derived here: they come from the
//! catalogue and from the registration itself (the core timeliness and completeness rules).

use super::TraceEvent;
use super::vocab::{BizStep, BizTransactionType, Disposition, EventKind, ext};

pub use crate::record::RecordKind;

impl RecordKind {
    /// What the document says the record is: an error declaration is a correction, an
    /// aggregation event an aggregation, a `recalled` disposition a recall, `receiving` with
    /// `returned` a return, otherwise the business step (receiving/inspecting/accepting a
    /// receipt, shipping a shipment, retail selling a sale). `None` when the document says
    /// none of these.
    pub fn of(event: &TraceEvent) -> Option<RecordKind> {
        if event.error_declaration().is_some() {
            return Some(RecordKind::Correction);
        }
        if event.kind() == EventKind::Aggregation {
            return Some(RecordKind::Aggregation);
        }
        if event.disposition() == Some(Disposition::Recalled) {
            return Some(RecordKind::Recall);
        }
        match event.biz_step()? {
            BizStep::Receiving if event.disposition() == Some(Disposition::Returned) => {
                Some(RecordKind::Return)
            }
            BizStep::Receiving | BizStep::Inspecting | BizStep::Accepting => {
                Some(RecordKind::Receipt)
            }
            BizStep::Shipping => Some(RecordKind::Shipment),
            BizStep::RetailSelling => Some(RecordKind::Sale),
            _ => None,
        }
    }

    /// Whether a record of this kind takes the category and buyer type its document leaves out
    /// from the record it refers to (a marketplace return names only the order).
    pub fn inherits_facts(self) -> bool {
        self == RecordKind::Return
    }
}

/// The columns stored beside an event that its document determines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordFacts {
    /// `record_kind` (`None`: the document does not say; the writer's kind is kept).
    pub kind: Option<RecordKind>,
    /// `category_id`.
    pub category: Option<String>,
    /// `region` (six-digit division code).
    pub region: Option<String>,
    /// `buyer_type`.
    pub buyer_type: Option<String>,
}

/// A stored column that disagrees with what the document determines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactMismatch {
    /// The column (`record_kind`, `category_id`, `region`, `buyer_type`, `corrects_id`,
    /// `missing_elements`).
    pub column: &'static str,
    /// What is stored.
    pub stored: Option<String>,
    /// What the document (and the record it refers to) says.
    pub derived: Option<String>,
}

fn text(event: &TraceEvent, name: &str) -> Option<String> {
    match event.extension(name)? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

impl RecordFacts {
    /// What the document says.
    pub fn of(event: &TraceEvent) -> RecordFacts {
        RecordFacts {
            kind: RecordKind::of(event),
            category: text(event, ext::CATEGORY),
            region: text(event, ext::REGION),
            buyer_type: text(event, ext::BUYER_TYPE),
        }
    }

    /// The columns to store (and to expect) for `event`: what its document says; where the
    /// document is silent, a return takes the category and buyer type of the record it refers
    /// to (`referred`, when known; the writer's own value `fallback` otherwise) and every other
    /// record stores nothing.
    pub fn columns(
        event: &TraceEvent,
        referred: Option<&RecordFacts>,
        fallback: &RecordFacts,
    ) -> RecordFacts {
        let doc = RecordFacts::of(event);
        let kind = doc.kind.or(fallback.kind);
        let inherits = kind.is_some_and(RecordKind::inherits_facts);
        let pick = |said: Option<String>, referred: Option<&String>, own: &Option<String>| {
            said.or_else(|| {
                if inherits {
                    referred.cloned().or_else(|| own.clone())
                } else {
                    None
                }
            })
        };
        RecordFacts {
            kind,
            category: pick(
                doc.category,
                referred.and_then(|r| r.category.as_ref()),
                &fallback.category,
            ),
            region: doc.region,
            buyer_type: pick(
                doc.buyer_type,
                referred.and_then(|r| r.buyer_type.as_ref()),
                &fallback.buyer_type,
            ),
        }
    }

    /// The columns of `stored` that disagree with `expected` (from [`RecordFacts::columns`]).
    /// A kind the document does not determine is not compared.
    pub fn mismatches(stored: &RecordFacts, expected: &RecordFacts) -> Vec<FactMismatch> {
        let mut out = Vec::new();
        if let Some(kind) = expected.kind
            && stored.kind != Some(kind)
        {
            out.push(FactMismatch {
                column: "record_kind",
                stored: stored.kind.map(|k| k.as_str().to_owned()),
                derived: Some(kind.as_str().to_owned()),
            });
        }
        for (column, s, e) in [
            ("category_id", &stored.category, &expected.category),
            ("region", &stored.region, &expected.region),
            ("buyer_type", &stored.buyer_type, &expected.buyer_type),
        ] {
            if s != e {
                out.push(FactMismatch {
                    column,
                    stored: s.clone(),
                    derived: e.clone(),
                });
            }
        }
        out
    }
}

/// The required data elements a record lacks, as its writer stores them (`missing_elements`):
/// re-derived from its document with the catalogue it was written under. `None` when that cannot
/// be judged: no category, a kind the document does not determine, or a category the catalogue
/// does not know.
pub fn missing_elements_of(
    catalogue: &crate::catalogue::Catalogue,
    kind: Option<RecordKind>,
    category: Option<&str>,
    event: &TraceEvent,
) -> Option<Vec<String>> {
    let kind = kind?;
    let id = crate::catalogue::CategoryId::parse(category?).ok()?;
    let category = catalogue.get(&id)?;
    Some(
        crate::completeness::missing_elements(category, kind, event)
            .into_iter()
            .map(|e| e.as_str().to_owned())
            .collect(),
    )
}

/// Whether the stored `missing_elements` (JSON list) says the same as `derived`, in any order.
/// A stored value that is not a list of strings never does.
pub fn same_missing(stored_json: &str, derived: &[String]) -> bool {
    match serde_json::from_str::<Vec<String>>(stored_json) {
        Ok(mut stored) => {
            let mut derived = derived.to_vec();
            stored.sort();
            derived.sort();
            stored == derived
        }
        Err(_) => false,
    }
}

/// The orders (`po` business transactions) an event names.
pub fn orders_of(event: &TraceEvent) -> Vec<String> {
    event
        .biz_transaction_list()
        .iter()
        .filter(|t| t.kind() == BizTransactionType::Po)
        .map(|t| t.id().to_owned())
        .collect()
}

/// The `correctiveEventIDs` of an error declaration (empty for any other event).
pub fn corrective_ids_of(event: &TraceEvent) -> Vec<String> {
    event
        .error_declaration()
        .map(|d| d.corrective_event_ids().to_vec())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::epcis::TraceEvent;
    use crate::epcis::{Action, ErrorReason};
    use chrono::{FixedOffset, TimeZone, Utc};

    fn sale() -> TraceEvent {
        let t = FixedOffset::east_opt(8 * 3600)
            .and_then(|z| z.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).single())
            .expect("time");
        TraceEvent::object(Action::Observe, t, Utc::now())
            .epc("https://id.gs1.org/01/09520001000010/21/S1")
            .biz_step(BizStep::RetailSelling)
            .disposition(Disposition::RetailSold)
            .biz_transaction(BizTransactionType::Po, "urn:suyuan:order:shopify:1")
            .extension(ext::CATEGORY, "ebike")
            .extension(ext::REGION, "330106")
            .extension(ext::BUYER_TYPE, "consumer")
            .build()
            .expect("sale")
    }

    #[test]
    fn a_sale_says_its_kind_category_region_and_buyer_type() {
        let facts = RecordFacts::of(&sale());
        assert_eq!(
            facts,
            RecordFacts {
                kind: Some(RecordKind::Sale),
                category: Some("ebike".into()),
                region: Some("330106".into()),
                buyer_type: Some("consumer".into()),
            }
        );
        assert_eq!(
            orders_of(&sale()),
            vec!["urn:suyuan:order:shopify:1".to_owned()]
        );
    }

    #[test]
    fn an_edited_column_is_named_with_both_values() {
        let expected = RecordFacts::columns(&sale(), None, &RecordFacts::default());
        let mut stored = expected.clone();
        stored.region = Some("440106".into());
        stored.kind = Some(RecordKind::Receipt);
        let m = RecordFacts::mismatches(&stored, &expected);
        assert_eq!(
            m,
            vec![
                FactMismatch {
                    column: "record_kind",
                    stored: Some("receipt".into()),
                    derived: Some("sale".into()),
                },
                FactMismatch {
                    column: "region",
                    stored: Some("440106".into()),
                    derived: Some("330106".into()),
                },
            ]
        );
    }

    #[test]
    fn a_declaration_is_a_correction_of_the_same_event_id() {
        let original = sale();
        let c = TraceEvent::correction_of(&original, ErrorReason::DidNotOccur, None, Utc::now())
            .expect("declaration");
        assert_eq!(RecordKind::of(&c.declaration), Some(RecordKind::Correction));
        assert_eq!(c.declaration.event_id(), original.event_id());
        // A declaration copies the original, so it says the same category and region.
        assert_eq!(
            RecordFacts::of(&c.declaration).region.as_deref(),
            Some("330106")
        );
    }

    #[test]
    fn a_return_takes_category_and_buyer_type_from_the_sale_it_refers_to() {
        let t = FixedOffset::east_opt(8 * 3600)
            .and_then(|z| z.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).single())
            .expect("time");
        let ret = TraceEvent::object(Action::Observe, t, Utc::now())
            .epc("https://id.gs1.org/01/09520001000010/21/S1")
            .biz_step(BizStep::Receiving)
            .disposition(Disposition::Returned)
            .biz_transaction(BizTransactionType::Po, "urn:suyuan:order:shopify:1")
            .build()
            .expect("return");
        let sold = RecordFacts::of(&sale());
        let cols = RecordFacts::columns(&ret, Some(&sold), &RecordFacts::default());
        assert_eq!(cols.kind, Some(RecordKind::Return));
        assert_eq!(cols.category.as_deref(), Some("ebike"));
        assert_eq!(cols.buyer_type.as_deref(), Some("consumer"));
        assert_eq!(cols.region, None);
        assert_eq!(
            orders_of(&ret),
            vec!["urn:suyuan:order:shopify:1".to_owned()]
        );
        // A sale whose document is silent on its category stores none, whatever the writer says.
        let silent = TraceEvent::object(Action::Observe, t, Utc::now())
            .epc("https://id.gs1.org/01/09520001000010/21/S2")
            .biz_step(BizStep::RetailSelling)
            .build()
            .expect("sale");
        let writer = RecordFacts {
            category: Some("ebike".into()),
            ..RecordFacts::default()
        };
        assert_eq!(RecordFacts::columns(&silent, None, &writer).category, None);
    }

    #[test]
    fn missing_elements_are_rederived_from_the_document_and_compared_as_sets() {
        let catalogue = crate::catalogue::Catalogue::builtin().expect("catalogue");
        let bare = sale();
        let derived = missing_elements_of(&catalogue, Some(RecordKind::Sale), Some("ebike"), &bare)
            .expect("an e-bike sale is judged");
        assert!(!derived.is_empty(), "a bare sale lacks required elements");
        let stored = serde_json::to_string(&derived).expect("json");
        assert!(same_missing(&stored, &derived));
        let mut reversed = derived.clone();
        reversed.reverse();
        assert!(same_missing(
            &serde_json::to_string(&reversed).expect("json"),
            &derived
        ));
        assert!(!same_missing("[]", &derived));
        assert!(!same_missing("not json", &derived));
        // What cannot be judged is not.
        assert_eq!(
            missing_elements_of(&catalogue, Some(RecordKind::Sale), None, &bare),
            None
        );
        assert_eq!(
            missing_elements_of(&catalogue, Some(RecordKind::Sale), Some("no_such"), &bare),
            None
        );
        assert_eq!(
            missing_elements_of(&catalogue, None, Some("ebike"), &bare),
            None
        );
    }
}

//! Tests of the EPCIS module: every event Suyuan builds validates against GS1's official schema,
//! the official examples read and re-export, JSON and canonical bytes round-trip, and bad input
//! is refused with a message that says what and where.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::vocab::{self, ext, uom};
use super::*;
use chrono::{DateTime, FixedOffset, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------------
// Helpers

/// A file of `shared/epcis/`, found by walking up from the crate: `shared/` sits beside the
/// repository (CI) or above the crate (`/work/shared`).
fn shared_epcis_file(name: &str) -> PathBuf {
    let start = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for dir in start.ancestors() {
        let candidate = dir.join("shared").join("epcis").join(name);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!("shared/epcis/{name} not found above {}", start.display());
}

fn read_json(name: &str) -> Value {
    let path = shared_epcis_file(name);
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR
        .get_or_init(|| jsonschema::validator_for(&read_json("EPCIS-JSON-Schema.json")).unwrap())
}

fn schema_errors(doc: &Value) -> Vec<String> {
    validator()
        .iter_errors(doc)
        .map(|e| format!("at `{}`: {e}", e.instance_path()))
        .collect()
}

fn assert_schema_valid(doc: &Value) {
    let errors = schema_errors(doc);
    assert!(
        errors.is_empty(),
        "document does not validate against EPCIS-JSON-Schema.json:\n{}\n\ndocument:\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(doc).unwrap()
    );
}

fn in_document(events: Vec<TraceEvent>) -> Value {
    EpcisDocument::new(events, utc(2025, 3, 2, 0, 0)).to_json()
}

fn beijing(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<FixedOffset> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
}

const VEHICLE: &str = "https://id.gs1.org/01/09521234567899/21/EB0001";
const BATTERY: &str = "https://id.gs1.org/01/09521234567905/21/BT0001";
const CHARGER: &str = "https://id.gs1.org/01/09521234567912/21/CH0001";
const CABLE_BATCH: &str = "https://id.gs1.org/01/09521234567929/10/B2025";
const SUPPLIER_CODE: &str = "91350100M000100Y43";
const SELLER_CODE: &str = "91440300708461136T";
const SELLER_ID: &str = "sel_01JD2Z5Q8M3V4X6Y7Z8A9B0C1D";

fn receipt() -> TraceEvent {
    TraceEvent::object(
        Action::Observe,
        beijing(2025, 3, 1, 9, 30),
        utc(2025, 3, 1, 2, 0),
    )
    .epcs([VEHICLE, BATTERY])
    .biz_step(BizStep::Receiving)
    .disposition(Disposition::InProgress)
    .read_point(vocab::seller_location(SELLER_ID))
    .biz_location(vocab::seller_location(SELLER_ID))
    .biz_transaction(
        BizTransactionType::Desadv,
        vocab::suyuan_urn("desadv", "DN 2025-0001 送货单"),
    )
    .source(SourceDestType::OwningParty, vocab::party(SUPPLIER_CODE))
    .destination(SourceDestType::OwningParty, vocab::party(SELLER_CODE))
    .extension(ext::SELLER, SELLER_ID)
    .extension(ext::CATEGORY, "ebike")
    .extension(ext::CERTIFICATE, "2021011119000001")
    .extension(ext::INSPECTION_RESULT, "pass")
    .build()
    .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Every event Suyuan builds validates against the official schema

#[test]
fn a_receipt_of_coded_units_validates_against_the_official_schema() {
    let event = receipt();
    let json = event.to_json();
    assert_eq!(json["bizStep"], "receiving");
    assert_eq!(json["eventTimeZoneOffset"], "+08:00");
    assert_eq!(json["eventTime"], "2025-03-01T09:30:00+08:00");
    assert_eq!(
        json["bizTransactionList"][0]["bizTransaction"],
        "urn:suyuan:desadv:DN%202025-0001%20%E9%80%81%E8%B4%A7%E5%8D%95"
    );
    assert_eq!(
        json["sourceList"][0],
        json!({"type": "owning_party", "source": "urn:suyuan:party:91350100M000100Y43"})
    );
    assert_eq!(json["suyuan:category"], "ebike");
    assert_schema_valid(&in_document(vec![event]));
}

#[test]
fn a_receipt_of_cable_by_length_with_inspection_validates() {
    let received = TraceEvent::object(
        Action::Observe,
        beijing(2025, 3, 1, 9, 0),
        utc(2025, 3, 1, 1, 5),
    )
    .quantity(CABLE_BATCH, 500.0, Some(uom::METRE))
    .quantity(
        "https://id.gs1.org/01/06901234567892/10/R7",
        2.5,
        Some(uom::KILOMETRE),
    )
    .biz_step(BizStep::Receiving)
    .biz_transaction(
        BizTransactionType::Desadv,
        vocab::suyuan_urn("desadv", "DN-77"),
    )
    .source(SourceDestType::OwningParty, vocab::party(SUPPLIER_CODE))
    .build()
    .unwrap();
    let inspected = TraceEvent::object(
        Action::Observe,
        beijing(2025, 3, 1, 9, 20),
        utc(2025, 3, 1, 1, 25),
    )
    .quantity(CABLE_BATCH, 500.0, Some(uom::METRE))
    .biz_step(BizStep::Inspecting)
    .disposition(Disposition::Conformant)
    .extension(
        ext::CERTIFICATE_CHECK,
        json!({"number": "2021011119000001", "valid": true}),
    )
    .build()
    .unwrap();
    let accepted = TraceEvent::object(
        Action::Observe,
        beijing(2025, 3, 1, 9, 25),
        utc(2025, 3, 1, 1, 30),
    )
    .quantity(CABLE_BATCH, 500.0, Some(uom::METRE))
    .biz_step(BizStep::Accepting)
    .disposition(Disposition::SellableNotAccessible)
    .build()
    .unwrap();
    let json = received.to_json();
    assert_eq!(
        json["quantityList"][0],
        json!({"epcClass": CABLE_BATCH, "quantity": 500, "uom": "MTR"})
    );
    assert_eq!(json["quantityList"][1]["quantity"], json!(2.5));
    assert!(
        json.get("epcList").is_none(),
        "an empty epcList is left out"
    );
    assert_schema_valid(&in_document(vec![received, inspected, accepted]));
}

#[test]
fn a_retail_sale_with_region_and_buyer_type_validates() {
    let sale = TraceEvent::object(
        Action::Observe,
        beijing(2025, 3, 1, 15, 0),
        utc(2025, 3, 1, 7, 1),
    )
    .epc(VEHICLE)
    .biz_step(BizStep::RetailSelling)
    .disposition(Disposition::RetailSold)
    .biz_location(vocab::division_location("330106").unwrap())
    .biz_transaction(
        BizTransactionType::Po,
        vocab::suyuan_urn("order", "TB-2025-998877"),
    )
    .extension(ext::REGION, "330106")
    .extension(ext::BUYER_TYPE, "consumer")
    .extension(ext::LISTING_URL, "https://shop.example.com/items/42")
    .build()
    .unwrap();
    let json = sale.to_json();
    assert_eq!(json["bizStep"], "retail_selling");
    assert_eq!(json["disposition"], "retail_sold");
    assert_eq!(
        json["bizLocation"],
        json!({"id": "urn:suyuan:division:330106"})
    );
    assert_eq!(json["suyuan:region"], "330106");
    assert_schema_valid(&in_document(vec![sale]));
}

#[test]
fn a_b2b_shipment_with_source_and_destination_owners_validates() {
    let shipment = TraceEvent::object(
        Action::Observe,
        beijing(2025, 3, 2, 8, 0),
        utc(2025, 3, 2, 0, 10),
    )
    .epcs([VEHICLE, BATTERY, CHARGER])
    .quantity(CABLE_BATCH, 120.0, Some(uom::METRE))
    .biz_step(BizStep::Shipping)
    .disposition(Disposition::InTransit)
    .biz_transaction(BizTransactionType::Inv, vocab::suyuan_urn("inv", "INV-1"))
    .biz_transaction(
        BizTransactionType::Desadv,
        vocab::suyuan_urn("desadv", "OUT-1"),
    )
    .source(SourceDestType::OwningParty, vocab::party(SELLER_CODE))
    .destination(SourceDestType::OwningParty, vocab::party(SUPPLIER_CODE))
    .destination(
        SourceDestType::Location,
        vocab::division_location("440305").unwrap(),
    )
    .extension(ext::BUYER_TYPE, "distributor")
    .extension(ext::BUYER_NAME, "深圳某某电动车经销部")
    .extension(ext::SHIPPING_METHOD, "express")
    .extension(ext::TRACKING_NUMBER, "SF1234567890")
    .build()
    .unwrap();
    let json = shipment.to_json();
    assert_eq!(
        json["destinationList"][0],
        json!({"type": "owning_party", "destination": "urn:suyuan:party:91350100M000100Y43"})
    );
    assert_eq!(json["destinationList"][1]["type"], "location");
    assert_schema_valid(&in_document(vec![shipment]));
}

#[test]
fn an_e_bike_aggregation_of_vehicle_battery_and_charger_validates() {
    let packed = TraceEvent::aggregation(
        Action::Add,
        beijing(2025, 3, 1, 10, 0),
        utc(2025, 3, 1, 2, 0),
    )
    .parent_id(VEHICLE)
    .child_epcs([BATTERY, CHARGER])
    .biz_step(BizStep::Packing)
    .disposition(Disposition::Active)
    .build()
    .unwrap();
    let unpacked = TraceEvent::aggregation(
        Action::Delete,
        beijing(2025, 3, 5, 10, 0),
        utc(2025, 3, 5, 2, 0),
    )
    .parent_id(VEHICLE)
    .biz_step(BizStep::Unpacking)
    .build()
    .unwrap();
    let json = packed.to_json();
    assert_eq!(json["type"], "AggregationEvent");
    assert_eq!(json["parentID"], VEHICLE);
    assert_eq!(json["childEPCs"], json!([BATTERY, CHARGER]));
    assert_eq!(json["action"], "ADD");
    assert!(unpacked.to_json().get("childEPCs").is_none());
    assert_schema_valid(&in_document(vec![packed, unpacked]));
}

#[test]
fn a_return_validates_as_receiving_with_disposition_returned() {
    let returned = TraceEvent::object(
        Action::Observe,
        beijing(2025, 3, 8, 11, 0),
        utc(2025, 3, 8, 3, 30),
    )
    .epc(VEHICLE)
    .biz_step(BizStep::Receiving)
    .disposition(Disposition::Returned)
    .biz_transaction(BizTransactionType::Rma, vocab::suyuan_urn("rma", "R-1"))
    .build()
    .unwrap();
    assert_eq!(returned.to_json()["disposition"], "returned");
    assert_schema_valid(&in_document(vec![returned]));
}

#[test]
fn a_cancelled_shipment_validates_as_void_shipping() {
    let void = TraceEvent::object(
        Action::Observe,
        beijing(2025, 3, 2, 9, 0),
        utc(2025, 3, 2, 1, 0),
    )
    .epcs([VEHICLE, BATTERY, CHARGER])
    .biz_step(BizStep::VoidShipping)
    .disposition(Disposition::SellableNotAccessible)
    .build()
    .unwrap();
    assert_eq!(void.to_json()["bizStep"], "void_shipping");
    assert_schema_valid(&in_document(vec![void]));
}

#[test]
fn a_recall_validates_with_disposition_recalled() {
    let recall = TraceEvent::object(
        Action::Observe,
        beijing(2025, 4, 1, 9, 0),
        utc(2025, 4, 1, 1, 0),
    )
    .quantity(CABLE_BATCH, 380.0, Some(uom::METRE))
    .epc(VEHICLE)
    .biz_step(BizStep::Holding)
    .disposition(Disposition::Recalled)
    .biz_location(vocab::seller_location(SELLER_ID))
    .build()
    .unwrap();
    assert_eq!(recall.to_json()["disposition"], "recalled");
    assert_schema_valid(&in_document(vec![recall]));
}

#[test]
fn a_transaction_event_tying_units_to_an_order_validates() {
    let tx = TraceEvent::transaction(
        Action::Add,
        beijing(2025, 3, 1, 12, 0),
        utc(2025, 3, 1, 4, 0),
    )
    .biz_transaction(BizTransactionType::Po, vocab::suyuan_urn("po", "PO-2025-7"))
    .epc(VEHICLE)
    .quantity(CABLE_BATCH, 3.0, None)
    .build()
    .unwrap();
    let json = tx.to_json();
    assert_eq!(json["type"], "TransactionEvent");
    assert_eq!(
        json["quantityList"][0],
        json!({"epcClass": CABLE_BATCH, "quantity": 3})
    );
    assert_schema_valid(&in_document(vec![tx]));
}

#[test]
fn an_error_declaration_and_its_corrective_event_validate_and_point_at_each_other() {
    let original = TraceEvent::object(
        Action::Observe,
        beijing(2025, 3, 1, 15, 0),
        utc(2025, 3, 1, 7, 1),
    )
    .quantity(CABLE_BATCH, 50.0, Some(uom::METRE))
    .biz_step(BizStep::RetailSelling)
    .disposition(Disposition::RetailSold)
    .extension(ext::REGION, "330106")
    .build()
    .unwrap();
    let corrected =
        original
            .to_builder()
            .quantities([QuantityElement::new(CABLE_BATCH, 45.0, Some("MTR")).unwrap()]);
    let corrected = corrected
        .record_time(utc(2025, 3, 3, 2, 0))
        .build()
        .unwrap();
    let declared_at = utc(2025, 3, 3, 2, 0);

    let Correction {
        declaration,
        corrective,
    } = TraceEvent::correction_of(
        &original,
        ErrorReason::IncorrectData,
        Some(corrected),
        declared_at,
    )
    .unwrap();
    let corrective = corrective.unwrap();

    // The declaration is the original, same id and time, with the declaration added.
    assert_eq!(declaration.event_id(), original.event_id());
    assert_eq!(declaration.event_time(), original.event_time());
    assert_eq!(declaration.quantity_list(), original.quantity_list());
    assert_eq!(declaration.record_time(), declared_at);
    let d = declaration.error_declaration().unwrap();
    assert_eq!(d.reason(), ErrorReason::IncorrectData);
    assert_eq!(d.corrective_event_ids(), [corrective.event_id().to_owned()]);
    assert_ne!(corrective.event_id(), original.event_id());
    assert_eq!(corrective.quantity_list()[0].quantity(), 45.0);
    let json = declaration.to_json();
    assert_eq!(json["errorDeclaration"]["reason"], "incorrect_data");
    assert_eq!(
        json["errorDeclaration"]["declarationTime"],
        "2025-03-03T02:00:00Z"
    );
    assert_schema_valid(&in_document(vec![original, declaration, corrective]));
}

#[test]
fn an_event_that_did_not_occur_is_declared_without_a_corrective_event() {
    let original = receipt();
    let correction = TraceEvent::correction_of(
        &original,
        ErrorReason::DidNotOccur,
        None,
        utc(2025, 3, 2, 0, 0),
    )
    .unwrap();
    assert!(correction.corrective.is_none());
    let json = correction.declaration.to_json();
    assert_eq!(
        json["errorDeclaration"],
        json!({"declarationTime": "2025-03-02T00:00:00Z", "reason": "did_not_occur"})
    );
    assert_schema_valid(&in_document(vec![original, correction.declaration]));
}

#[test]
fn a_corrective_event_that_kept_the_original_id_gets_a_new_one() {
    let original = receipt();
    let same_id = original
        .to_builder()
        .event_id(original.event_id())
        .disposition(Disposition::Active)
        .build()
        .unwrap();
    let correction = TraceEvent::correction_of(
        &original,
        ErrorReason::IncorrectData,
        Some(same_id),
        utc(2025, 3, 2, 0, 0),
    )
    .unwrap();
    let corrective = correction.corrective.unwrap();
    assert_ne!(corrective.event_id(), original.event_id());
    assert_eq!(
        correction
            .declaration
            .error_declaration()
            .unwrap()
            .corrective_event_ids(),
        [corrective.event_id()]
    );
}

#[test]
fn all_scenarios_together_make_one_valid_document_that_reads_back() {
    let events = vec![
        receipt(),
        TraceEvent::aggregation(
            Action::Observe,
            beijing(2025, 3, 1, 10, 0),
            utc(2025, 3, 1, 2, 0),
        )
        .child_quantity(CABLE_BATCH, 3.0, None)
        .build()
        .unwrap(),
        TraceEvent::transaction(
            Action::Delete,
            beijing(2025, 3, 1, 10, 0),
            utc(2025, 3, 1, 2, 0),
        )
        .biz_transaction(BizTransactionType::Po, "urn:suyuan:po:1")
        .build()
        .unwrap(),
    ];
    let document = EpcisDocument::new(events.clone(), utc(2025, 3, 2, 0, 0))
        .with_id("urn:uuid:0f7c1c1e-5a3b-4c1d-9e2f-3a4b5c6d7e8f")
        .unwrap();
    let json = document.to_json();
    assert_eq!(json["@context"][0], EPCIS_CONTEXT);
    assert_eq!(
        json["@context"][1],
        json!({"suyuan": "https://suyuan.dev/epcis#"})
    );
    assert_eq!(json["schemaVersion"], "2.0");
    assert_schema_valid(&json);
    let back = EpcisDocument::from_json(&json).unwrap();
    assert_eq!(back, document);
    assert_eq!(serde_json::to_value(&document).unwrap(), json);
}

// ---------------------------------------------------------------------------------------------
// The official examples

fn reexport(file: &str) -> (EpcisDocument, Value) {
    let original = read_json(file);
    assert_schema_valid(&original);
    let document = EpcisDocument::from_capture(&original, utc(2025, 3, 1, 0, 0)).unwrap();
    let json = document.to_json();
    assert_schema_valid(&json);
    (document, json)
}

#[test]
fn the_official_object_event_example_reads_and_reexports_valid() {
    let (document, json) = reexport("example-object-event-digital-link.jsonld");
    let events = document.events();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].biz_step(), Some(BizStep::Shipping));
    assert_eq!(
        events[0].time_zone_offset(),
        FixedOffset::west_opt(6 * 3600).unwrap()
    );
    assert_eq!(
        events[1].biz_transaction_list()[1].kind(),
        BizTransactionType::Desadv
    );
    assert_eq!(
        events[1].foreign_extensions()["example:myField"],
        "Example of a vendor/user extension"
    );
    assert_eq!(
        document.namespaces()["example"],
        "http://ns.example.com/epcis/"
    );
    assert_eq!(
        json["epcisBody"]["eventList"][0]["eventTime"],
        "2005-04-03T20:33:31.116-06:00"
    );
    assert_eq!(
        json["epcisBody"]["eventList"][1]["recordTime"],
        "2025-03-01T00:00:00Z"
    );
    assert_eq!(json["id"], "https://id.example.org/document1");
}

#[test]
fn the_official_aggregation_example_reads_and_reexports_valid() {
    let (document, json) = reexport("example-aggregation-event-digital-link.jsonld");
    let event = &document.events()[0];
    assert_eq!(event.kind(), EventKind::Aggregation);
    assert_eq!(
        event.parent_id(),
        Some("urn:epc:id:sscc:0614141.1234567890")
    );
    assert_eq!(event.child_quantity_list()[1].quantity(), 200.5);
    assert_eq!(
        event.child_quantity_list()[1].uom().map(Uom::as_str),
        Some("KGM")
    );
    // eventTime was given in UTC with a +02:00 offset: the same instant, written in +02:00.
    let written = &json["epcisBody"]["eventList"][0];
    assert_eq!(written["eventTime"], "2013-06-08T16:58:56.591+02:00");
    assert_eq!(
        event.event_time(),
        DateTime::parse_from_rfc3339("2013-06-08T14:58:56.591Z").unwrap()
    );
    assert_eq!(
        written["childQuantityList"][0],
        json!({"epcClass": "https://id.gs1.org/01/04012345987652", "quantity": 10})
    );
}

#[test]
fn the_official_error_declaration_example_reads_and_reexports_valid() {
    let (document, json) = reexport("example-error-declaration-and-corrective-event.jsonld");
    let [declared, corrective] = document.events() else {
        panic!("two events expected")
    };
    assert_eq!(declared.kind(), EventKind::Transformation);
    assert_eq!(declared.action(), None);
    let declaration = declared.error_declaration().unwrap();
    assert_eq!(declaration.reason(), ErrorReason::IncorrectData);
    assert_eq!(declaration.corrective_event_ids(), [corrective.event_id()]);
    assert_eq!(
        declaration.foreign_extensions()["example:vendorExtension"],
        "Test1"
    );
    assert_eq!(
        json["epcisBody"]["eventList"][0]["errorDeclaration"]["declarationTime"],
        "2020-01-14T23:00:00Z"
    );
    assert_eq!(corrective.output_quantity_list()[0].quantity(), 500.0);
}

#[test]
fn the_official_examples_lack_record_time_so_from_json_asks_for_it() {
    let example = read_json("example-object-event-digital-link.jsonld");
    let event = &example["epcisBody"]["eventList"][0];
    let err = TraceEvent::from_json(event).unwrap_err();
    assert_eq!(
        err,
        EpcisError::MissingField {
            field: "recordTime".to_owned()
        }
    );
    let doc_err = EpcisDocument::from_json(&example).unwrap_err();
    assert_eq!(doc_err.to_string(), "eventList[0]: recordTime is missing");
    assert_eq!(doc_err.code(), "epcis.missing_field");
    // A capture records it at the capture time instead.
    let captured = TraceEvent::from_capture(event, utc(2025, 3, 1, 0, 0)).unwrap();
    assert_eq!(captured.record_time(), utc(2025, 3, 1, 0, 0));
}

// ---------------------------------------------------------------------------------------------
// Invalid builds are refused, with what and where

fn at(time: DateTime<FixedOffset>) -> TraceEventBuilder {
    TraceEvent::object(Action::Observe, time, time.with_timezone(&Utc))
}

#[test]
fn an_object_event_without_codes_or_quantities_is_refused() {
    let err = at(beijing(2025, 3, 1, 9, 0))
        .biz_step(BizStep::Receiving)
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "an ObjectEvent needs at least one EPC in epcList or one entry in quantityList"
    );
    assert_eq!(err.code(), "epcis.nothing_observed");
    assert!(err.message_zh().contains("至少需要"));
}

#[test]
fn an_aggregation_that_adds_without_a_parent_is_refused() {
    let err = TraceEvent::aggregation(
        Action::Add,
        beijing(2025, 3, 1, 9, 0),
        utc(2025, 3, 1, 1, 0),
    )
    .child_epcs([BATTERY, CHARGER])
    .build()
    .unwrap_err();
    assert_eq!(
        err,
        EpcisError::MissingParent {
            action: Action::Add
        }
    );
    assert_eq!(
        err.to_string(),
        "an AggregationEvent with action ADD needs a parentID"
    );
}

#[test]
fn an_aggregation_that_adds_no_children_is_refused() {
    let err = TraceEvent::aggregation(
        Action::Add,
        beijing(2025, 3, 1, 9, 0),
        utc(2025, 3, 1, 1, 0),
    )
    .parent_id(VEHICLE)
    .build()
    .unwrap_err();
    assert_eq!(err.code(), "epcis.nothing_observed");
}

#[test]
fn a_transaction_event_without_a_business_transaction_is_refused() {
    let err = TraceEvent::transaction(
        Action::Add,
        beijing(2025, 3, 1, 9, 0),
        utc(2025, 3, 1, 1, 0),
    )
    .epc(VEHICLE)
    .build()
    .unwrap_err();
    assert_eq!(err, EpcisError::MissingBizTransaction);
}

#[test]
fn an_event_more_than_five_minutes_after_its_record_time_is_refused() {
    let err = TraceEvent::object(
        Action::Observe,
        beijing(2030, 1, 1, 0, 0),
        utc(2025, 3, 1, 0, 0),
    )
    .epc(VEHICLE)
    .build()
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "eventTime 2030-01-01T00:00:00+08:00 is in the future by more than 5 minutes (recordTime 2025-03-01T00:00:00Z)"
    );
    assert_eq!(err.code(), "epcis.event_time_in_future");
}

#[test]
fn clock_skew_of_up_to_five_minutes_is_accepted() {
    let event_time = beijing(2025, 3, 1, 8, 5);
    let ok = TraceEvent::object(Action::Observe, event_time, utc(2025, 3, 1, 0, 0))
        .epc(VEHICLE)
        .build()
        .unwrap();
    assert_eq!(ok.recording_delay(), TimeDelta::minutes(-5));
    let late = event_time + TimeDelta::seconds(1);
    assert!(
        TraceEvent::object(Action::Observe, late, utc(2025, 3, 1, 0, 0))
            .epc(VEHICLE)
            .build()
            .is_err()
    );
}

#[test]
fn quantities_that_are_not_positive_numbers_are_refused() {
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e15] {
        let err = at(beijing(2025, 3, 1, 9, 0))
            .quantity(CABLE_BATCH, bad, Some("MTR"))
            .build()
            .unwrap_err();
        assert_eq!(err.code(), "epcis.invalid_quantity", "{bad}");
        assert!(
            err.to_string()
                .starts_with("quantityList[0].quantity must be a number above 0"),
            "{err}"
        );
    }
}

#[test]
fn a_fractional_count_without_a_unit_is_refused() {
    let err = at(beijing(2025, 3, 1, 9, 0))
        .quantity(CABLE_BATCH, 1.5, None)
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        EpcisError::FractionalCount {
            field: "quantityList[0].quantity".to_owned(),
            value: "1.5".to_owned()
        }
    );
}

#[test]
fn a_quantity_too_precise_to_survive_json_is_refused() {
    let err = at(beijing(2025, 3, 1, 9, 0))
        .quantity(CABLE_BATCH, 0.1 + 0.2, Some("MTR"))
        .build()
        .unwrap_err();
    assert_eq!(err.code(), "epcis.unstable_number");
    assert!(
        err.to_string()
            .starts_with("quantityList[0].quantity is 0.30000000000000004"),
        "{err}"
    );
}

#[test]
fn a_unit_that_is_not_a_rec_20_code_is_refused() {
    for bad in ["m", "metre", "mtr", "M-1", ""] {
        let err = at(beijing(2025, 3, 1, 9, 0))
            .quantity(CABLE_BATCH, 1.0, Some(bad))
            .build()
            .unwrap_err();
        assert_eq!(
            err,
            EpcisError::InvalidUom {
                field: "quantityList[0].uom".to_owned(),
                value: bad.to_owned()
            }
        );
    }
    assert!(Uom::parse("H87").is_ok());
}

#[test]
fn codes_that_are_not_uris_are_refused_with_their_position() {
    let err = at(beijing(2025, 3, 1, 9, 0))
        .epcs([VEHICLE, "(01)09521234567899(21)EB1"])
        .build()
        .unwrap_err();
    assert_eq!(err.code(), "epcis.invalid_uri");
    assert!(
        err.to_string()
            .starts_with("epcList[1] `(01)09521234567899(21)EB1` is not an absolute URI"),
        "{err}"
    );
    let err = at(beijing(2025, 3, 1, 9, 0))
        .epc("https://id.gs1.org/01/09521234567899/21/EB 1")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("' ' at byte"), "{err}");
    let err = at(beijing(2025, 3, 1, 9, 0))
        .epc(VEHICLE)
        .read_point("店铺一")
        .build()
        .unwrap_err();
    assert!(
        err.to_string().starts_with("readPoint.id `店铺一`"),
        "{err}"
    );
}

#[test]
fn a_code_listed_twice_is_refused() {
    let err = at(beijing(2025, 3, 1, 9, 0))
        .epcs([VEHICLE, BATTERY, VEHICLE])
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        EpcisError::DuplicateId {
            field: "epcList".to_owned(),
            value: VEHICLE.to_owned()
        }
    );
}

#[test]
fn fields_of_another_event_kind_are_refused() {
    let err = at(beijing(2025, 3, 1, 9, 0))
        .epc(VEHICLE)
        .parent_id(BATTERY)
        .build()
        .unwrap_err();
    assert_eq!(err.to_string(), "parentID is not allowed on an ObjectEvent");
    let err = TraceEvent::aggregation(
        Action::Add,
        beijing(2025, 3, 1, 9, 0),
        utc(2025, 3, 1, 1, 0),
    )
    .parent_id(VEHICLE)
    .epc(BATTERY)
    .build()
    .unwrap_err();
    assert_eq!(
        err,
        EpcisError::FieldNotAllowed {
            field: "epcList",
            kind: EventKind::Aggregation
        }
    );
}

#[test]
fn bad_extension_names_are_refused() {
    for bad in ["buyer-type", "1st", "", "地区", "suyuan:region"] {
        let err = at(beijing(2025, 3, 1, 9, 0))
            .epc(VEHICLE)
            .extension(bad, "x")
            .build()
            .unwrap_err();
        assert_eq!(err.code(), "epcis.invalid_extension_name", "{bad}");
    }
    let err = at(beijing(2025, 3, 1, 9, 0))
        .epc(VEHICLE)
        .foreign_extension("nocolon", 1)
        .build()
        .unwrap_err();
    assert_eq!(err.code(), "epcis.invalid_extension_name");
    let err = at(beijing(2025, 3, 1, 9, 0))
        .epc(VEHICLE)
        .foreign_extension("suyuan:x", 1)
        .build()
        .unwrap_err();
    assert_eq!(err.code(), "epcis.invalid_extension_name");
}

#[test]
fn a_time_zone_offset_beyond_fourteen_hours_is_refused() {
    let far = FixedOffset::east_opt(15 * 3600)
        .unwrap()
        .with_ymd_and_hms(2025, 3, 1, 9, 0, 0)
        .unwrap();
    let err = TraceEvent::object(Action::Observe, far, utc(2025, 3, 1, 0, 0))
        .epc(VEHICLE)
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        EpcisError::InvalidTimeZoneOffset {
            value: "+15:00".to_owned()
        }
    );
}

#[test]
fn corrections_refuse_what_epcis_does_not_allow() {
    let original = receipt();
    let declared = TraceEvent::correction_of(
        &original,
        ErrorReason::DidNotOccur,
        None,
        utc(2025, 3, 2, 0, 0),
    )
    .unwrap()
    .declaration;
    let again = TraceEvent::correction_of(
        &declared,
        ErrorReason::DidNotOccur,
        None,
        utc(2025, 3, 3, 0, 0),
    );
    assert_eq!(
        again.unwrap_err(),
        EpcisError::AlreadyDeclared {
            event_id: original.event_id().to_owned()
        }
    );
    let without = TraceEvent::correction_of(
        &original,
        ErrorReason::IncorrectData,
        None,
        utc(2025, 3, 2, 0, 0),
    );
    assert_eq!(without.unwrap_err(), EpcisError::MissingCorrectiveEvent);
    let early = TraceEvent::correction_of(
        &original,
        ErrorReason::DidNotOccur,
        None,
        utc(2025, 2, 1, 0, 0),
    );
    assert_eq!(early.unwrap_err().code(), "epcis.declaration_before_record");
    let corrective_is_declaration = TraceEvent::correction_of(
        &original,
        ErrorReason::IncorrectData,
        Some(declared),
        utc(2025, 3, 2, 0, 0),
    );
    assert_eq!(
        corrective_is_declaration.unwrap_err().code(),
        "epcis.corrective_is_declaration"
    );
}

#[test]
fn a_division_location_needs_six_digits() {
    assert_eq!(
        vocab::division_location("330106").unwrap(),
        "urn:suyuan:division:330106"
    );
    assert!(vocab::division_location("33010").is_err());
    assert!(vocab::division_location("33010a").is_err());
}

// ---------------------------------------------------------------------------------------------
// Reading JSON strictly

#[test]
fn reading_refuses_unsupported_members_and_types() {
    let mut json = receipt().to_json();
    json["sensorElementList"] = json!([]);
    assert_eq!(
        TraceEvent::from_json(&json).unwrap_err().to_string(),
        "sensorElementList is not supported by Suyuan's EPCIS model"
    );

    let mut json = receipt().to_json();
    json["type"] = json!("AssociationEvent");
    assert_eq!(
        TraceEvent::from_json(&json).unwrap_err().code(),
        "epcis.unsupported_event_type"
    );

    let mut json = receipt().to_json();
    json["bizStep"] = json!("selling");
    assert_eq!(
        TraceEvent::from_json(&json).unwrap_err().to_string(),
        "bizStep `selling` is not a CBV bizStep value"
    );

    let mut json = receipt().to_json();
    json["eventTimeZoneOffset"] = json!("+8:00");
    assert_eq!(
        TraceEvent::from_json(&json).unwrap_err().code(),
        "epcis.invalid_time_zone_offset"
    );

    let mut json = receipt().to_json();
    json["eventTime"] = json!("2025-03-01 09:30");
    assert_eq!(
        TraceEvent::from_json(&json).unwrap_err().code(),
        "epcis.invalid_time"
    );

    let mut json = receipt().to_json();
    json.as_object_mut().unwrap().remove("action");
    assert_eq!(
        TraceEvent::from_json(&json).unwrap_err().to_string(),
        "action is missing"
    );

    let mut json = receipt().to_json();
    json["bizTransactionList"][0]["type"] = json!(7);
    assert_eq!(
        TraceEvent::from_json(&json).unwrap_err().to_string(),
        "bizTransactionList[0].type should be a string"
    );
}

#[test]
fn an_event_read_with_the_full_suyuan_namespace_is_the_same_as_with_the_prefix() {
    let mut json = receipt().to_json();
    let value = json
        .as_object_mut()
        .unwrap()
        .remove("suyuan:category")
        .unwrap();
    json["https://suyuan.dev/epcis#category"] = value;
    let event = TraceEvent::from_json(&json).unwrap();
    assert_eq!(event, receipt_with_id(&json));
    assert_eq!(event.extension(ext::CATEGORY), Some(&json!("ebike")));
}

fn receipt_with_id(json: &Value) -> TraceEvent {
    receipt()
        .to_builder()
        .event_id(json["eventID"].as_str().unwrap())
        .build()
        .unwrap()
}

#[test]
fn serde_writes_and_reads_the_epcis_json() {
    let event = receipt();
    let text = serde_json::to_string(&event).unwrap();
    let back: TraceEvent = serde_json::from_str(&text).unwrap();
    assert_eq!(back, event);
    assert_eq!(
        serde_json::to_value(BizStep::RetailSelling).unwrap(),
        json!("retail_selling")
    );
    assert_eq!(
        serde_json::from_value::<Disposition>(json!("non_conformant")).unwrap(),
        Disposition::NonConformant
    );
    assert!(serde_json::from_value::<Disposition>(json!("sold")).is_err());
}

#[test]
fn vocabulary_words_match_the_official_schema_enums() {
    let schema = read_json("EPCIS-JSON-Schema.json");
    let words = |definition: &str| -> Vec<String> {
        let any_of = schema["definitions"][definition]["anyOf"]
            .as_array()
            .unwrap();
        let listed = any_of.iter().find_map(|v| v.get("enum")).unwrap();
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap().to_owned())
            .collect()
    };
    let ours = |all: Vec<&str>| all.into_iter().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        ours(BizStep::ALL.iter().map(|v| v.as_str()).collect()),
        words("bizStep")
    );
    assert_eq!(
        ours(Disposition::ALL.iter().map(|v| v.as_str()).collect()),
        words("disposition")
    );
    assert_eq!(
        ours(BizTransactionType::ALL.iter().map(|v| v.as_str()).collect()),
        words("bizTransaction-type")
    );
    assert_eq!(
        ours(SourceDestType::ALL.iter().map(|v| v.as_str()).collect()),
        words("source-dest-type")
    );
    assert_eq!(
        ours(ErrorReason::ALL.iter().map(|v| v.as_str()).collect()),
        words("error-reason")
    );
}

#[test]
fn event_ids_are_random_v4_uuid_urns() {
    let a = new_event_id();
    let b = new_event_id();
    assert_ne!(a, b);
    let uuid = a.strip_prefix("urn:uuid:").unwrap();
    let groups: Vec<&str> = uuid.split('-').collect();
    assert_eq!(
        groups.iter().map(|g| g.len()).collect::<Vec<_>>(),
        [8, 4, 4, 4, 12]
    );
    assert!(groups[2].starts_with('4'));
    assert!(matches!(groups[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    assert!(
        uuid.bytes()
            .all(|c| c == b'-' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    );
}

#[test]
fn times_are_kept_to_the_microsecond() {
    let time = beijing(2025, 3, 1, 9, 0) + TimeDelta::nanoseconds(123_456_789);
    let event = TraceEvent::object(Action::Observe, time, utc(2025, 3, 1, 2, 0))
        .epc(VEHICLE)
        .build()
        .unwrap();
    assert_eq!(
        event.to_json()["eventTime"],
        "2025-03-01T09:00:00.123456+08:00"
    );
}

// ---------------------------------------------------------------------------------------------
// Canonical bytes and the chain

#[test]
fn canonical_json_sorts_keys_by_bytes_and_drops_whitespace() {
    let value =
        json!({"b": 1, "a": [true, null, 1.5, "x"], "é": {"z": 0, "B": "\u{1}\n\"\\/"}, "Z": -2});
    let bytes = canonical_json(&value);
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        r#"{"Z":-2,"a":[true,null,1.5,"x"],"b":1,"é":{"B":"\u0001\n\"\\/","z":0}}"#
    );
}

#[test]
fn the_chain_hash_is_sha256_of_the_previous_hash_and_the_bytes() {
    assert_eq!(
        hex::encode(chain_hash(&GENESIS_HASH, b"{}")),
        "fb1634c4e6cd4b1f1afe3ce2d6ef080f7ac5d1f357d723ad4dfca782733b62db"
    );
    let first = chain_hash(&GENESIS_HASH, br#"{"a":1}"#);
    assert_eq!(
        hex::encode(first),
        "b06a229070741292512e8760f470dd7a4c46ccfdf253df781d88dabe58c1ccb1"
    );
    assert_ne!(chain_hash(&first, b"{}"), chain_hash(&GENESIS_HASH, b"{}"));
}

#[test]
fn an_events_canonical_bytes_read_back_to_the_same_event_and_bytes() {
    let event = receipt();
    let bytes = event.canonical_bytes();
    let back = TraceEvent::from_json(&serde_json::from_slice(&bytes).unwrap()).unwrap();
    assert_eq!(back, event);
    assert_eq!(back.canonical_bytes(), bytes);
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Writes JSON with object keys in reverse order (to feed the parser a different order).
fn write_reversed(value: &Value, out: &mut String) {
    match value {
        Value::Object(m) => {
            out.push('{');
            let mut members: Vec<_> = m.iter().collect();
            members.sort_by(|a, b| b.0.cmp(a.0));
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(" , ");
                }
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push_str(" : ");
                write_reversed(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push_str("[ ");
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_reversed(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&serde_json::to_string(other).unwrap()),
    }
}

/// serde_json's float parser without `float_roundtrip` (which the tests' dev-dependencies turn
/// on): significand as f64, then one multiplication or division by a power of ten.
fn fast_path_parse(text: &str) -> Option<f64> {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (digits, exponent) = match text.split_once(['e', 'E']) {
        Some((d, e)) => (d, e.parse::<i32>().ok()?),
        None => (text, 0),
    };
    let (integer, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let significand: u64 = format!("{integer}{fraction}").parse().ok()?;
    let exponent = exponent - fraction.len() as i32;
    let power: f64 = format!("1e{}", exponent.abs()).parse().ok()?;
    let f = if exponent >= 0 {
        significand as f64 * power
    } else {
        significand as f64 / power
    };
    Some(if negative { -f } else { f })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1_000_000_000i64..1_000_000_000, 0u32..7)
            .prop_map(|(n, k)| json!(n as f64 / 10f64.powi(k as i32))),
        "[ -~\u{80}-\u{10FFFF}\u{0}-\u{1f}]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-zA-Z0-9_é:]{0,6}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn uri_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        "https://id\\.gs1\\.org/01/[0-9]{14}/21/[A-Za-z0-9]{1,8}",
        "https://id\\.gs1\\.org/01/[0-9]{14}/10/[A-Za-z0-9%]{1,8}",
        "urn:suyuan:[a-z]{2,6}:[A-Za-z0-9._~-]{1,12}",
        "urn:epc:id:sgtin:[0-9]{7}\\.[0-9]{6}\\.[0-9]{1,6}",
    ]
    .prop_filter("a URI", |u| super::uri::check(u).is_ok())
}

fn uri_set(max: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::btree_set(uri_strategy(), 0..max).prop_map(|s| s.into_iter().collect())
}

fn quantity_strategy() -> impl Strategy<Value = QuantityElement> {
    let units = prop::sample::select(vec![
        uom::METRE,
        uom::KILOGRAM,
        uom::TONNE,
        uom::PIECE,
        "KMT",
        "C62",
    ]);
    prop_oneof![
        (uri_strategy(), 1u64..1_000_000)
            .prop_map(|(c, n)| QuantityElement::new(c, n as f64, None).unwrap()),
        (uri_strategy(), 1u64..1_000_000_000, 0u32..7, units).prop_map(|(c, n, k, u)| {
            QuantityElement::new(c, n as f64 / 10f64.powi(k as i32), Some(u)).unwrap()
        }),
    ]
}

fn extension_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[A-Za-z0-9 中文]{0,10}".prop_map(Value::String),
        any::<i32>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        (1u32..1_000_000, 0u32..4)
            .prop_map(|(n, k)| json!({"value": n as f64 / 10f64.powi(k as i32), "ok": true})),
    ]
}

prop_compose! {
    fn time_strategy()(
        seconds in 946_684_800i64..2_208_988_800,
        micros in 0i64..1_000_000,
        offset_minutes in -(14 * 60)..=(14 * 60i32),
        delay in -300i64..10_000_000,
    ) -> (DateTime<FixedOffset>, DateTime<Utc>) {
        let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap();
        let instant = DateTime::from_timestamp(seconds, 0).unwrap() + TimeDelta::microseconds(micros);
        (instant.with_timezone(&offset), instant + TimeDelta::seconds(delay))
    }
}

prop_compose! {
    fn event_strategy()(
        kind in prop::sample::select(EventKind::ALL.to_vec()),
        action in prop::sample::select(Action::ALL.to_vec()),
        (event_time, record_time) in time_strategy(),
        epcs in uri_set(4),
        quantities in prop::collection::vec(quantity_strategy(), 0..3),
        parent in prop::option::of(uri_strategy()),
        children in uri_set(4),
        child_quantities in prop::collection::vec(quantity_strategy(), 0..3),
        outputs in uri_set(3),
        read_point in prop::option::of(uri_strategy()),
        biz_location in prop::option::of(uri_strategy()),
        biz_step in prop::option::of(prop::sample::select(BizStep::ALL.to_vec())),
        disposition in prop::option::of(prop::sample::select(Disposition::ALL.to_vec())),
        transactions in prop::collection::vec((prop::sample::select(BizTransactionType::ALL.to_vec()), uri_strategy()), 0..3),
        sources in prop::collection::vec((prop::sample::select(SourceDestType::ALL.to_vec()), uri_strategy()), 0..3),
        destinations in prop::collection::vec((prop::sample::select(SourceDestType::ALL.to_vec()), uri_strategy()), 0..3),
        extensions in prop::collection::btree_map("[a-z][A-Za-z0-9_]{0,8}", extension_value(), 0..4),
        foreign in prop::collection::btree_map("acme:[a-z]{1,6}", extension_value(), 0..2),
        declaration in prop::option::of((0i64..1_000_000, prop::sample::select(ErrorReason::ALL.to_vec()), uri_set(2))),
    ) -> TraceEvent {
        let mut b = match kind {
            EventKind::Object => TraceEvent::object(action, event_time, record_time),
            EventKind::Aggregation => TraceEvent::aggregation(action, event_time, record_time),
            EventKind::Transaction => TraceEvent::transaction(action, event_time, record_time),
            EventKind::Transformation => TraceEvent::transformation(event_time, record_time),
        };
        let fallback = "https://id.gs1.org/01/09521234567899/21/FALLBACK";
        match kind {
            EventKind::Object | EventKind::Transaction => {
                b = b.epcs(epcs.clone()).quantities(quantities);
                if epcs.is_empty() && !(kind == EventKind::Transaction && action == Action::Delete) {
                    b = b.epc(fallback);
                }
                if let Some(p) = parent.clone().filter(|_| kind == EventKind::Transaction) {
                    b = b.parent_id(p);
                }
                if kind == EventKind::Transaction && transactions.is_empty() {
                    b = b.biz_transaction(BizTransactionType::Po, "urn:suyuan:po:fallback");
                }
            }
            EventKind::Aggregation => {
                b = b.child_epcs(children.clone()).child_quantities(child_quantities);
                if children.is_empty() && action != Action::Delete {
                    b = b.child_epc(fallback);
                }
                match parent {
                    Some(p) => b = b.parent_id(p),
                    None if action != Action::Observe => b = b.parent_id("urn:epc:id:sscc:0614141.1234567890"),
                    None => {}
                }
            }
            EventKind::Transformation => {
                for e in &epcs { b = b.input_epc(e); }
                for q in &quantities { b = b.input_quantity(q.epc_class(), q.quantity(), q.uom().map(Uom::as_str)); }
                for e in &outputs { b = b.output_epc(e); }
                if let Some(p) = parent { b = b.transformation_id(p); }
                if epcs.is_empty() && quantities.is_empty() { b = b.input_epc(fallback); }
                if outputs.is_empty() { b = b.transformation_id("urn:suyuan:transformation:fallback"); }
            }
        }
        if let Some(r) = read_point { b = b.read_point(r); }
        if let Some(l) = biz_location { b = b.biz_location(l); }
        b = b.biz_step(biz_step).disposition(disposition);
        for (k, id) in transactions { b = b.biz_transaction(k, id); }
        for (k, id) in sources { b = b.source(k, id); }
        for (k, id) in destinations { b = b.destination(k, id); }
        for (k, v) in extensions { b = b.extension(k, v); }
        for (k, v) in foreign { b = b.foreign_extension(k, v); }
        let event = b.build().unwrap();
        match declaration {
            None => event,
            Some((after, reason, corrective_ids)) => {
                let mut builder = event.to_builder().event_id(event.event_id());
                let declared_at = event.record_time() + TimeDelta::seconds(after);
                builder.record_time = declared_at;
                builder.error_declaration = Some(super::builder::RawDeclaration {
                    declaration_time: declared_at,
                    reason,
                    corrective_event_ids: corrective_ids,
                    foreign_extensions: Default::default(),
                });
                builder.build().unwrap()
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn reading_an_events_json_gives_back_the_same_event(event in event_strategy()) {
        let json = event.to_json();
        let back = TraceEvent::from_json(&json).unwrap();
        prop_assert_eq!(&back, &event);
        prop_assert_eq!(back.time_zone_offset(), event.time_zone_offset());
        prop_assert_eq!(back.event_time().to_rfc3339(), event.event_time().to_rfc3339());
        // And through text, as the ledger stores it.
        let text = String::from_utf8(event.canonical_bytes()).unwrap();
        let reread = TraceEvent::from_json(&serde_json::from_str(&text).unwrap()).unwrap();
        prop_assert_eq!(&reread, &event);
    }

    #[test]
    fn every_event_the_builder_accepts_validates_against_the_official_schema(events in prop::collection::vec(event_strategy(), 1..4)) {
        let doc = in_document(events);
        let errors = schema_errors(&doc);
        prop_assert!(errors.is_empty(), "{}\n{}", errors.join("\n"), serde_json::to_string_pretty(&doc).unwrap());
    }

    #[test]
    fn canonical_bytes_do_not_depend_on_key_order_or_whitespace(event in event_strategy()) {
        let json = event.to_json();
        let mut reversed = String::new();
        write_reversed(&json, &mut reversed);
        let reparsed: Value = serde_json::from_str(&reversed).unwrap();
        prop_assert_eq!(canonical_json(&reparsed), event.canonical_bytes());
        let back = TraceEvent::from_json(&reparsed).unwrap();
        prop_assert_eq!(back.canonical_bytes(), event.canonical_bytes());
    }

    #[test]
    fn canonical_json_is_sorted_compact_json_that_parses_back(value in json_value()) {
        let bytes = canonical_json(&value);
        let reparsed: Value = serde_json::from_slice(&bytes).unwrap();
        prop_assert_eq!(&reparsed, &value);
        let mut sorted = value.clone();
        sorted.sort_all_objects();
        prop_assert_eq!(bytes, serde_json::to_vec(&sorted).unwrap());
    }

    #[test]
    fn numbers_accepted_as_stable_survive_serde_jsons_fast_parser(x in any::<f64>()) {
        if super::quantity::is_stable_f64(x) {
            let text = serde_json::Number::from_f64(x).unwrap().to_string();
            prop_assert_eq!(fast_path_parse(&text), Some(x), "{}", text);
        }
    }

    #[test]
    fn quantities_with_up_to_six_decimals_are_stable(n in 1u64..1_000_000_000, k in 0u32..7) {
        let x = n as f64 / 10f64.powi(k as i32);
        prop_assert!(super::quantity::is_stable_f64(x), "{}", x);
        let text = serde_json::Number::from_f64(x).unwrap().to_string();
        prop_assert_eq!(fast_path_parse(&text), Some(x));
    }

    #[test]
    fn decimal_numbers_accepted_as_stable_survive_serde_jsons_fast_parser(
        m in 1i64..100_000_000_000_000_000,
        e in -30i32..30,
    ) {
        let x: f64 = format!("{m}e{e}").parse().unwrap();
        if super::quantity::is_stable_f64(x) {
            let text = serde_json::Number::from_f64(x).unwrap().to_string();
            prop_assert_eq!(fast_path_parse(&text), Some(x), "{}", text);
        }
    }

    #[test]
    fn every_uri_we_accept_is_a_uri_to_the_schema(
        text in prop_oneof![
            "[a-zA-Z][a-zA-Z0-9+.-]{0,4}:(//)?[ -~]{0,24}",
            "[a-zA-Z][a-zA-Z0-9+.-]{0,4}:(//[a-z0-9.:@%-]{0,10})?[a-zA-Z0-9/?#:@%._~!$&'()*+,;=-]{0,24}",
        ]
    ) {
        if super::uri::check(&text).is_ok() {
            let schema = json!({"type": "string", "format": "uri"});
            let v = jsonschema::validator_for(&schema).unwrap();
            prop_assert!(v.is_valid(&json!(text)), "{}", text);
        }
    }
}

#[test]
fn the_schema_check_catches_broken_documents() {
    // Guards the tests above: formats and member names are really asserted.
    let good = in_document(vec![receipt()]);
    assert_schema_valid(&good);
    let mut bad_uri = good.clone();
    bad_uri["epcisBody"]["eventList"][0]["epcList"][0] = json!("not a uri");
    assert!(!schema_errors(&bad_uri).is_empty());
    let mut bad_name = good.clone();
    bad_name["epcisBody"]["eventList"][0]["region"] = json!("330106");
    assert!(!schema_errors(&bad_name).is_empty());
    let mut bad_time = good;
    bad_time["epcisBody"]["eventList"][0]["eventTime"] = json!("2025-03-01 09:30");
    assert!(!schema_errors(&bad_time).is_empty());
}

#[test]
fn the_uri_check_accepts_the_identifiers_epcis_uses() {
    for ok in [
        VEHICLE,
        "urn:epc:id:sgln:0614141.07346.1234",
        "urn:epc:idpat:sgtin:4012345.044444.*",
        "ni:///sha-256;20a2b5b9681b7a70413c42bfe72db61386411252a803b6bc212f5f46f26649d7?ver=CBV2.0",
        "urn:uuid:374d95fc-9457-4a51-bd6a-0bba133845a8",
        "https://example.com:8080/a?b=c#d",
        "urn:suyuan:desadv:DN%20001",
    ] {
        assert!(super::uri::check(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "no-scheme",
        "1http://x",
        "https://x:80a/",
        "urn:x:%zz",
        "urn:x:a b",
        "urn:中文",
        "https://[::1]/",
    ] {
        assert!(super::uri::check(bad).is_err(), "{bad}");
    }
}

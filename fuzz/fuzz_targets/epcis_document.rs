//! EPCIS 2.0 JSON-LD parsing (`core/src/epcis/`): documents as Suyuan writes them
//! (`EpcisDocument::from_json`) and as other systems send them (`from_capture`), and single
//! events (`TraceEvent::from_json` / `from_capture`).
//!
//! Besides "no panic, no hang": whatever reads writes JSON that reads back to the same value,
//! and an event's canonical bytes (what the hash chain covers) survive that round trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use suyuan_core::epcis::{EpcisDocument, EpcisError, TraceEvent, canonical_json};

/// The record time of captured input (2025-03-01).
const CAPTURED_AT: i64 = 1_740_787_200;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let captured_at = chrono::DateTime::from_timestamp(CAPTURED_AT, 0).unwrap_or_default();
    let _ = canonical_json(&value);

    match EpcisDocument::from_json(&value) {
        Ok(doc) => check_document(&doc),
        Err(e) => touch(&e),
    }
    match EpcisDocument::from_capture(&value, captured_at) {
        Ok(doc) => {
            check_document(&doc);
            for event in doc.events() {
                assert_eq!(event.record_time(), captured_at);
            }
        }
        Err(e) => touch(&e),
    }
    match TraceEvent::from_json(&value) {
        Ok(event) => check_event(&event),
        Err(e) => touch(&e),
    }
    match TraceEvent::from_capture(&value, captured_at) {
        Ok(event) => check_event(&event),
        Err(e) => touch(&e),
    }
});

fn touch(e: &EpcisError) {
    let _ = (e.to_string(), e.message_zh(), e.code());
}

fn check_document(doc: &EpcisDocument) {
    let json = doc.to_json();
    let back = match EpcisDocument::from_json(&json) {
        Ok(b) => b,
        Err(e) => panic!("a document Suyuan wrote does not read back: {e}\n{json}"),
    };
    assert_eq!(&back, doc, "document round trip");
    assert_eq!(back.to_json(), json, "the document writes differently the second time");
    for event in doc.events() {
        check_event(event);
    }
}

fn check_event(event: &TraceEvent) {
    let json = event.to_json();
    let back = match TraceEvent::from_json(&json) {
        Ok(b) => b,
        Err(e) => panic!("an event Suyuan wrote does not read back: {e}\n{json}"),
    };
    assert_eq!(&back, event, "event round trip");
    let bytes = event.canonical_bytes();
    assert_eq!(back.canonical_bytes(), bytes, "canonical bytes changed in a round trip");
    let reparsed: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => panic!("canonical bytes are not JSON: {e}"),
    };
    match TraceEvent::from_json(&reparsed) {
        Ok(again) => assert_eq!(again.canonical_bytes(), bytes, "canonical bytes are not a fixed point"),
        Err(e) => panic!("canonical bytes do not read back as an event: {e}"),
    }
    let _ = (event.recording_delay(), event.kind(), event.event_id());
}

//! Test helpers: the shared fixtures and signature vectors, found by walking up from the crate
//! (`shared/` sits beside the repository in CI, above the crate in the workspace).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Change, Envelope, ListingData, OrderData, Verified};

/// The path of a file of `shared/fixtures/marketplaces/`.
pub(crate) fn fixture_path(name: &str) -> PathBuf {
    let start = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for dir in start.ancestors() {
        let candidate = dir
            .join("shared")
            .join("fixtures")
            .join("marketplaces")
            .join(name);
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!(
        "shared/fixtures/marketplaces/{name} not found above {}",
        start.display()
    );
}

/// The exact bytes of a fixture.
pub(crate) fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap()
}

/// One entry of `test_vectors.json`.
pub(crate) fn vector(name: &str) -> Value {
    let all: Value = serde_json::from_slice(&fixture("test_vectors.json")).unwrap();
    let entry = all[name].clone();
    assert!(entry.is_object(), "test_vectors.json has no {name}");
    entry
}

/// A string field of a vector.
pub(crate) fn vs(vector: &Value, key: &str) -> String {
    vector[key]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {key} is not a string"))
        .to_owned()
}

/// A fixed clock for tests that do not depend on it.
pub(crate) fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_740_000_000, 0).unwrap()
}

/// The envelope of a delivery, or a panic saying what came instead.
pub(crate) fn delivery(result: Result<Verified, super::SignatureError>) -> Envelope {
    match result {
        Ok(Verified::Delivery(envelope)) => envelope,
        other => panic!("expected a delivery, got {other:?}"),
    }
}

/// The only change of a list, as a listing upsert.
pub(crate) fn only_listing(changes: Vec<Change>) -> ListingData {
    match <[Change; 1]>::try_from(changes) {
        Ok([Change::ListingUpsert(listing)]) => listing,
        other => panic!("expected one listing upsert, got {other:?}"),
    }
}

/// The only change of a list, as an order.
pub(crate) fn only_order(changes: Vec<Change>) -> OrderData {
    match <[Change; 1]>::try_from(changes) {
        Ok([Change::Order(order)]) => order,
        other => panic!("expected one order, got {other:?}"),
    }
}

/// Every byte position of `body` flipped in turn (all positions for short bodies, a spread of
/// them for long ones), to check that any change breaks a signature.
pub(crate) fn flipped_positions(len: usize) -> Vec<usize> {
    if len <= 64 {
        (0..len).collect()
    } else {
        let step = len / 61;
        (0..len).step_by(step.max(1)).chain([len - 1]).collect()
    }
}

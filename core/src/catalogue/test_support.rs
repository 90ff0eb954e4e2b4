//! Test helpers shared by the catalogue's test modules.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{Catalogue, CategoryId, ListingFacts};

pub(super) fn id(s: &str) -> CategoryId {
    CategoryId::parse(s).unwrap()
}

pub(super) fn builtin() -> Catalogue {
    Catalogue::builtin().expect("the built-in catalogue loads")
}

pub(super) fn title(t: &str) -> ListingFacts {
    ListingFacts {
        title: t.to_owned(),
        ..ListingFacts::default()
    }
}

pub(super) fn classified_as(listing: &ListingFacts) -> Option<String> {
    builtin().classify(listing).map(|c| c.category.to_string())
}

/// A small valid catalogue with `{extra}` appended, for error and deadline tests.
pub(super) fn small(extra: &str) -> String {
    format!(
        r#"
version = "t1"
[defaults]
receipt_elements = ["supplier_name", "batch", "serial", "certificate_number"]
sale_elements = ["sale_date", "codes_or_batch"]

[[categories]]
id = "group"
name_zh = "组"
name_en = "Group"
stage = 2
granularity = "batch"
unit_of_measure = "pcs"
certificate = {{ kind = "ccc" }}

[[categories]]
id = "widget"
name_zh = "部件"
name_en = "Widget"
stage = 1
parent = "group"
granularity = "unit"
unit_of_measure = "pcs"
certificate = {{ kind = "ccc" }}
deadline_hours = 96
[categories.match]
keywords_zh = [{{ term = "部件", weight = 0.9 }}]
{extra}
"#
    )
}

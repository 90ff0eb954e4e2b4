//! Tests of whole catalogues: the built-in file's contents and settings, extension files and
//! registration deadlines.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;

use super::test_support::{builtin, id, small, title};
use super::*;

#[test]
fn the_builtin_catalogue_loads_with_its_settings() {
    let catalogue = builtin();
    assert_eq!(catalogue.version(), "2025.1");
    assert_eq!(catalogue.retention_years(), 3);
    assert_eq!(catalogue.default_deadline(), chrono::Duration::hours(72));
    assert!((catalogue.match_threshold() - 0.5).abs() < f32::EPSILON);
}

#[test]
fn every_first_stage_category_is_present_with_its_granularity_and_certificate() {
    let catalogue = builtin();
    let expected = [
        (
            "ebike",
            Granularity::Unit,
            UnitOfMeasure::Pcs,
            CertificateKind::Ccc,
        ),
        (
            "wire_cable",
            Granularity::Length,
            UnitOfMeasure::M,
            CertificateKind::Ccc,
        ),
        (
            "gas_appliance",
            Granularity::Unit,
            UnitOfMeasure::Pcs,
            CertificateKind::Ccc,
        ),
        (
            "lpg_regulator",
            Granularity::Batch,
            UnitOfMeasure::Pcs,
            CertificateKind::Ccc,
        ),
        (
            "steel_rebar_crb",
            Granularity::Batch,
            UnitOfMeasure::T,
            CertificateKind::ProductionLicence,
        ),
        (
            "steel_wire_rope",
            Granularity::Batch,
            UnitOfMeasure::M,
            CertificateKind::ProductionLicence,
        ),
        (
            "plywood",
            Granularity::Batch,
            UnitOfMeasure::Pcs,
            CertificateKind::NoCertificate,
        ),
        (
            "blockboard",
            Granularity::Batch,
            UnitOfMeasure::Pcs,
            CertificateKind::NoCertificate,
        ),
        (
            "safety_helmet",
            Granularity::Batch,
            UnitOfMeasure::Pcs,
            CertificateKind::Ccc,
        ),
    ];
    for (slug, granularity, unit, certificate) in expected {
        let category = catalogue
            .get(&id(slug))
            .unwrap_or_else(|| panic!("{slug} is missing"));
        assert_eq!(category.stage, 1, "{slug}");
        assert_eq!(category.granularity, granularity, "{slug}");
        assert_eq!(category.unit_of_measure, unit, "{slug}");
        assert_eq!(category.certificate.kind, certificate, "{slug}");
    }
    assert_eq!(
        catalogue
            .categories()
            .iter()
            .filter(|c| c.stage == 1)
            .count(),
        9
    );
}

#[test]
fn an_ebike_code_aggregates_battery_and_charger() {
    let catalogue = builtin();
    let ebike = catalogue.get(&id("ebike")).unwrap();
    let aggregation = ebike.aggregation.as_ref().unwrap();
    assert_eq!(aggregation.parent, "vehicle");
    assert_eq!(
        aggregation.children,
        vec!["battery".to_owned(), "charger".to_owned()]
    );
    assert!(ebike.requires_on_receipt(DataElement::Serial));
    assert_eq!(catalogue.ancestors(&id("ebike"))[0].id, id("ccc_vehicle"));
}

#[test]
fn the_second_stage_has_sixteen_ccc_groups_and_a_production_licence_umbrella() {
    let catalogue = builtin();
    let groups: Vec<&Category> = catalogue
        .categories()
        .iter()
        .filter(|c| c.id.as_str().starts_with("ccc_"))
        .collect();
    assert_eq!(groups.len(), 16);
    assert!(
        groups.iter().all(|g| g.stage == 2
            && g.certificate.kind == CertificateKind::Ccc
            && g.parent.is_none())
    );
    let licence = catalogue.get(&id("production_licence")).unwrap();
    assert_eq!(licence.certificate.kind, CertificateKind::ProductionLicence);
    let under_licence: Vec<&str> = catalogue
        .children(&licence.id)
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(under_licence, vec!["steel_rebar_crb", "steel_wire_rope"]);
}

// --- deadlines -----------------------------------------------------------------------------

#[test]
fn a_guangdong_ebike_override_from_an_extension_applies_only_in_guangdong() {
    let mut catalogue = builtin();
    assert_eq!(
        catalogue.deadline_for(&id("ebike"), "440305"),
        chrono::Duration::hours(72)
    );
    catalogue
        .extend(
            CatalogueExtension::from_toml_str(
                "[[deadline_overrides]]\njurisdiction = \"44\"\ncategory = \"ebike\"\nhours = 48\n",
            )
            .unwrap(),
        )
        .unwrap();
    assert_eq!(
        catalogue.deadline_for(&id("ebike"), "440305"),
        chrono::Duration::hours(48)
    );
    assert_eq!(
        catalogue.deadline_for(&id("ebike"), "330100"),
        chrono::Duration::hours(72)
    );
    assert_eq!(
        catalogue.deadline_for(&id("wire_cable"), "440305"),
        chrono::Duration::hours(72)
    );
}

#[test]
fn the_longest_matching_jurisdiction_wins() {
    let text = small(
        r#"
[[deadline_overrides]]
jurisdiction = "44"
category = "widget"
hours = 48

[[deadline_overrides]]
jurisdiction = "4403"
category = "widget"
hours = 24

[[deadline_overrides]]
jurisdiction = "440305"
hours = 12

[[deadline_overrides]]
jurisdiction = "33"
category = "group"
hours = 36
"#,
    );
    let catalogue = Catalogue::from_toml_str(&text).unwrap();
    let widget = id("widget");
    assert_eq!(
        catalogue.deadline_for(&widget, "440103"),
        chrono::Duration::hours(48)
    );
    assert_eq!(
        catalogue.deadline_for(&widget, "440304"),
        chrono::Duration::hours(24)
    );
    // A county rule for every category is longer than the city rule for the category.
    assert_eq!(
        catalogue.deadline_for(&widget, "440305"),
        chrono::Duration::hours(12)
    );
    // An override for a parent group reaches the categories under it.
    assert_eq!(
        catalogue.deadline_for(&widget, "330106"),
        chrono::Duration::hours(36)
    );
    // Elsewhere: the category's own deadline; the group has none, so the default.
    assert_eq!(
        catalogue.deadline_for(&widget, "110101"),
        chrono::Duration::hours(96)
    );
    assert_eq!(
        catalogue.deadline_for(&id("group"), "110101"),
        chrono::Duration::hours(72)
    );
    assert_eq!(
        catalogue.deadline_for(&id("unknown"), "110101"),
        chrono::Duration::hours(72)
    );
}

// --- extension -----------------------------------------------------------------------------

const EXTENSION: &str = r#"
version = "acme-1"

[[deadline_overrides]]
jurisdiction = "33"
category = "wire_cable"
hours = 24

[[categories]]
id = "plywood"
name_zh = "胶合板"
name_en = "Plywood"
stage = 1
granularity = "batch"
unit_of_measure = "m3"
certificate = { kind = "none" }
receipt_elements = ["supplier_name", "batch", "quantity", "unit"]
sale_elements = ["sale_date", "codes_or_batch", "quantity"]
deadline_hours = 120

[[categories]]
id = "lithium_battery"
name_zh = "锂离子电池"
name_en = "Lithium-ion batteries"
stage = 2
parent = "ccc_electronics"
granularity = "batch"
unit_of_measure = "pcs"
certificate = { kind = "ccc" }
receipt_elements = ["supplier_name", "model", "batch", "certificate_number"]
sale_elements = ["sale_date", "codes_or_batch"]
[categories.match]
keywords_zh = [{ term = "锂离子电池", weight = 0.95 }]
"#;

#[test]
fn an_extension_file_overrides_deadlines_and_adds_and_replaces_categories() {
    let dir = std::env::temp_dir().join(format!("suyuan-catalogue-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("extension.toml");
    std::fs::write(&path, EXTENSION).unwrap();

    let catalogue = Catalogue::builtin_with_extension(Some(&path)).unwrap();
    std::fs::remove_dir_all(&dir).ok();

    assert_eq!(catalogue.version(), "2025.1+acme-1");
    assert_eq!(
        catalogue.deadline_for(&id("wire_cable"), "330106"),
        chrono::Duration::hours(24)
    );
    assert_eq!(
        catalogue.deadline_for(&id("wire_cable"), "110101"),
        chrono::Duration::hours(72)
    );
    let plywood = catalogue.get(&id("plywood")).unwrap();
    assert_eq!(plywood.unit_of_measure, UnitOfMeasure::M3);
    assert_eq!(
        catalogue.deadline_for(&id("plywood"), "110101"),
        chrono::Duration::hours(120)
    );
    assert_eq!(
        catalogue.categories().len(),
        builtin().categories().len() + 1
    );
    let result = catalogue.classify(&title("18650 锂离子电池 3.7V")).unwrap();
    assert_eq!(result.category, id("lithium_battery"));
    assert!(catalogue.is_within(&id("lithium_battery"), &id("ccc_electronics")));
}

#[test]
fn a_full_catalogue_can_extend_another() {
    let mut catalogue = builtin();
    let other = Catalogue::from_toml_str(&small("")).unwrap();
    catalogue.extend(other).unwrap();
    assert!(catalogue.get(&id("widget")).is_some());
    assert_eq!(catalogue.version(), "2025.1+t1");
}

#[test]
fn a_failed_extension_changes_nothing() {
    let mut catalogue = builtin();
    let extension = CatalogueExtension::from_toml_str(
        r#"
retention_years = 10
[[categories]]
id = "orphan"
name_zh = "孤儿"
name_en = "Orphan"
stage = 2
parent = "no_such_group"
granularity = "batch"
unit_of_measure = "pcs"
certificate = { kind = "none" }
receipt_elements = ["batch"]
sale_elements = ["sale_date"]
"#,
    )
    .unwrap();
    let err = catalogue.extend(extension).unwrap_err();
    assert_eq!(err.category(), Some("orphan"));
    assert_eq!(err.field(), Some("parent"));
    assert_eq!(catalogue.retention_years(), 3);
    assert!(catalogue.get(&id("orphan")).is_none());
}

#[test]
fn the_catalogue_serialises_for_the_api() {
    let json = serde_json::to_value(builtin()).unwrap();
    assert_eq!(json["version"], "2025.1");
    let ebike = json["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "ebike")
        .unwrap();
    assert_eq!(ebike["certificate"]["kind"], "ccc");
    assert_eq!(ebike["granularity"], "unit");
}

proptest! {
    #[test]
    fn deadlines_are_always_positive(code in "[0-9]{0,6}") {
        let catalogue = builtin();
        for category in catalogue.categories() {
            prop_assert!(catalogue.deadline_for(&category.id, &code) > chrono::Duration::zero());
        }
    }
}

#[test]
fn everyday_products_of_each_category_are_recognised_by_the_names_sellers_use() {
    use crate::catalogue::test_support::classified_as;
    for (t, expected) in [
        ("空气炸锅 家用 5L 大容量", "ccc_household_appliance"),
        ("Air fryer 5.5 qt digital", "ccc_household_appliance"),
        ("方太 集成灶 蒸烤一体", "gas_appliance"),
        ("东成 云石机 切割 瓷砖", "ccc_power_tool"),
        ("Impact wrench 1/2 inch cordless", "ccc_power_tool"),
        ("好孩子 婴儿车 可坐可躺 轻便", "ccc_children"),
        ("北欧 壁灯 卧室 床头", "ccc_lighting"),
        ("室内消火栓 SN65 国标", "ccc_fire"),
        ("抛釉砖 800x800 客厅", "ccc_decoration_material"),
        ("单控开关 86型 白色", "ccc_switch_socket"),
        ("浪涌保护器 40KA 2P", "ccc_low_voltage"),
        ("SWA armoured cable 3 core 2.5mm, 25 m", "wire_cable"),
        // A jigsaw puzzle is a toy, not a saw.
        ("Jigsaw puzzle 1000 pieces landscape", "ccc_children"),
    ] {
        assert_eq!(classified_as(&title(t)).as_deref(), Some(expected), "{t}");
    }
}

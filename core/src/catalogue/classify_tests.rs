//! Unit tests of the classifier (`classify.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::catalogue::CatalogueExtension;
use crate::catalogue::test_support::{builtin, classified_as, id, small, title};
use proptest::prelude::*;

#[test]
fn a_chinese_ebike_title_is_an_ebike() {
    let result = builtin()
        .classify(&title("雅迪电动自行车 48V 新国标"))
        .unwrap();
    assert_eq!(result.category, id("ebike"));
    assert_eq!(
        result.rule,
        MatchedRule::Keyword {
            term: "电动自行车".to_owned(),
            field: ListingField::Title
        }
    );
    assert!(result.confidence > 0.9 && result.confidence <= 1.0);
}

#[test]
fn an_english_ebike_title_is_an_ebike() {
    assert_eq!(
        classified_as(&title("Yadea electric bicycle")).as_deref(),
        Some("ebike")
    );
}

#[test]
fn a_building_wire_reel_is_a_wire_and_cable() {
    assert_eq!(
        classified_as(&title("BV 2.5平方 国标铜芯电线 100米")).as_deref(),
        Some("wire_cable")
    );
}

#[test]
fn cable_ties_are_not_wires_and_cables() {
    let result = builtin().classify(&title("尼龙扎带 cable ties"));
    assert_ne!(
        result.map(|c| c.category.to_string()).as_deref(),
        Some("wire_cable")
    );
}

#[test]
fn a_phone_charging_cable_is_not_a_wire_and_cable() {
    let result = classified_as(&title("苹果手机充电线 1米"));
    assert_ne!(result.as_deref(), Some("wire_cable"));
}

#[test]
fn a_household_gas_stove_is_a_gas_appliance_not_its_ccc_group() {
    let result = builtin()
        .classify(&title("家用燃气灶 天然气 双灶"))
        .unwrap();
    assert_eq!(result.category, id("gas_appliance"));
}

#[test]
fn an_lpg_regulator_is_an_lpg_regulator() {
    assert_eq!(
        classified_as(&title("液化气减压阀")).as_deref(),
        Some("lpg_regulator")
    );
}

#[test]
fn a_water_pressure_reducing_valve_is_not_an_lpg_regulator() {
    assert_eq!(classified_as(&title("自来水管减压阀 DN20")), None);
}

#[test]
fn an_ebike_helmet_is_a_safety_helmet_not_an_ebike() {
    let result = builtin().classify(&title("电动车头盔 3C认证")).unwrap();
    assert_eq!(result.category, id("safety_helmet"));
    assert!(
        result
            .alternatives
            .iter()
            .all(|(c, _)| c.as_str() != "ebike")
    );
}

#[test]
fn an_english_ebike_helmet_is_a_safety_helmet() {
    assert_eq!(
        classified_as(&title("Electric bike helmet, adult")).as_deref(),
        Some("safety_helmet")
    );
}

#[test]
fn a_phone_screen_protector_is_not_an_electronic_product() {
    assert_eq!(classified_as(&title("手机防爆膜 iPhone 15")), None);
}

#[test]
fn an_ebike_sold_with_a_free_helmet_is_still_an_ebike() {
    let result = builtin()
        .classify(&title("爱玛电动自行车 新国标 送头盔"))
        .unwrap();
    assert_eq!(result.category, id("ebike"));
    assert!(
        result
            .alternatives
            .iter()
            .any(|(c, _)| c.as_str() == "safety_helmet")
    );
}

#[test]
fn an_ebike_accessory_is_not_an_ebike() {
    assert_eq!(classified_as(&title("电动自行车挡风被 冬季加厚")), None);
}

#[test]
fn a_product_the_listing_is_dedicated_to_weighs_half() {
    // A 16 A socket for water heaters is a socket, not a water heater.
    assert_eq!(
        classified_as(&title("插座 电热水器专用 16A 三孔")).as_deref(),
        Some("ccc_switch_socket")
    );
    assert_eq!(
        classified_as(&title("液化气 减压阀 燃气热水器 专用")).as_deref(),
        Some("lpg_regulator")
    );
    // A look-alike named before the marker still vetoes: grease for wire rope is no rope.
    assert_eq!(classified_as(&title("钢丝绳 润滑脂 专用")), None);
}

#[test]
fn every_product_of_a_list_before_the_marker_is_what_the_listing_is_dedicated_to() {
    // A socket for air conditioners and water heaters is a socket.
    assert_eq!(
        classified_as(&title("墙壁插座 16A 三孔 空调 热水器 专用")).as_deref(),
        Some("ccc_switch_socket")
    );
    assert_eq!(
        classified_as(&title("五孔插座 86型 空调/热水器专用")).as_deref(),
        Some("ccc_switch_socket")
    );
    // A word of another category before the list is not in it.
    let text = "插座 空调 热水器专用";
    let at = |w: &str| text.find(w).unwrap();
    let words = [
        (1, at("插座"), at("插座") + "插座".len()),
        (2, at("空调"), at("空调") + "空调".len()),
        (2, at("热水器"), at("热水器") + "热水器".len()),
    ];
    assert_eq!(
        dedicated_list(text, (at("热水器"), text.len()), &words),
        (at("空调"), text.len())
    );
}

#[test]
fn a_product_named_before_a_lone_yong_is_what_the_listing_is_for() {
    // `烟雾报警器 用`: a battery for smoke alarms, no alarm.
    assert_eq!(classified_as(&title("9V 电池 烟雾报警器 用")), None);
    assert_eq!(
        classified_as(&title("烟雾报警器 家用 消防 3C")).as_deref(),
        Some("ccc_fire")
    );
}

#[test]
fn a_t_shirt_is_not_classified() {
    assert_eq!(classified_as(&title("T恤")), None);
}

#[test]
fn cold_rolled_ribbed_bars_beat_the_production_licence_umbrella() {
    let result = builtin()
        .classify(&title("冷轧带肋钢筋 CRB550 Φ8"))
        .unwrap();
    assert_eq!(result.category, id("steel_rebar_crb"));
    let hot_rolled = builtin().classify(&title("螺纹钢 HRB400 钢筋")).unwrap();
    assert_eq!(hot_rolled.category, id("production_licence"));
}

#[test]
fn a_marketplace_category_alone_classifies_a_listing() {
    let listing = ListingFacts {
        title: "Urban Glide 500".to_owned(),
        product_type: Some("Electric Bikes".to_owned()),
        ..ListingFacts::default()
    };
    let result = builtin().classify(&listing).unwrap();
    assert_eq!(result.category, id("ebike"));
    // The product type is both a marketplace category and, as words, a keyword: both count.
    assert!(result.evidence.contains(&MatchedRule::MarketplaceCategory {
        name: "Electric Bikes".to_owned(),
        field: ListingField::ProductType
    }));
    assert!(result.confidence > 0.9);
}

#[test]
fn a_segment_of_a_category_path_matches() {
    let listing = ListingFacts {
        title: "XR-9 旗舰款".to_owned(),
        categories: vec!["运动户外 > 骑行运动 > 电动自行车".to_owned()],
        ..ListingFacts::default()
    };
    assert_eq!(classified_as(&listing).as_deref(), Some("ebike"));
}

#[test]
fn english_keywords_match_whole_words_only() {
    // "tv" must not match inside "ptv", "cable" not inside "cablevision".
    assert_eq!(classified_as(&title("PTV cablevision voucher")), None);
    assert_eq!(
        classified_as(&title("Smart TV 55 inch")).as_deref(),
        Some("ccc_electronics")
    );
}

#[test]
fn full_width_and_upper_case_text_is_folded() {
    assert_eq!(
        classified_as(&title("ＹＡＤＥＡ　ELECTRIC　BICYCLE")).as_deref(),
        Some("ebike")
    );
}

#[test]
fn a_gtin_prefix_matches_gtin13_and_gtin14_barcodes() {
    let text = small(r#"gtin_prefixes = [{ prefix = "9521234", weight = 0.8 }]"#);
    let catalogue = Catalogue::from_toml_str(&text).unwrap();
    for barcode in ["9521234000019", "19521234000016"] {
        let listing = ListingFacts {
            title: "No words here".to_owned(),
            barcodes: vec![barcode.to_owned()],
            ..ListingFacts::default()
        };
        let result = catalogue.classify(&listing).unwrap();
        assert_eq!(result.category, id("widget"));
        assert_eq!(
            result.rule,
            MatchedRule::GtinPrefix {
                prefix: "9521234".to_owned(),
                barcode: barcode.to_owned()
            }
        );
    }
}

#[test]
fn a_matched_rule_describes_itself_in_both_languages() {
    let rule = MatchedRule::Keyword {
        term: "电动自行车".to_owned(),
        field: ListingField::Title,
    };
    assert_eq!(rule.to_string(), "keyword \"电动自行车\" in title");
    assert_eq!(rule.describe_zh(), "标题中的关键词“电动自行车”");
}

#[test]
fn a_raised_threshold_leaves_weak_matches_unclassified() {
    let mut catalogue = builtin();
    catalogue
        .extend(CatalogueExtension::from_toml_str("match_threshold = 0.99").unwrap())
        .unwrap();
    assert!(catalogue.classify(&title("电动车 新国标")).is_none());
    assert!(builtin().classify(&title("电动车 新国标")).is_some());
}

proptest! {
    #[test]
    fn classification_never_panics_and_confidence_stays_in_range(
        t in "\\PC{0,40}",
        tag in "[a-z电动车线缆头盔 ]{0,12}",
        barcode in "[0-9]{0,14}",
    ) {
        let catalogue = builtin();
        let listing = ListingFacts {
            title: t,
            tags: vec![tag],
            barcodes: vec![barcode],
            ..ListingFacts::default()
        };
        if let Some(result) = catalogue.classify(&listing) {
            prop_assert!(result.confidence >= catalogue.match_threshold() && result.confidence <= 1.0);
            prop_assert!(result.alternatives.iter().all(|(_, s)| (0.0..=1.0).contains(s)));
            prop_assert!(catalogue.get(&result.category).is_some());
        }
    }
}

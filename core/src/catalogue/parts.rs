//! Parts: which coded part of a product whose codes aggregate a listing sells (the vehicle, the
//! battery or the charger of an e-bike, 一车一池一充一码).

use super::classify::ListingField;
use super::rules::{find_term, normalize, within};
use super::{Aggregation, MatchRules};

/// A part word found in one of a listing's texts.
#[derive(Debug, Clone)]
pub(super) struct PartHit {
    /// Index of the part in the category's `parts`.
    pub part: usize,
    /// Start of the match in its text (byte offset).
    pub start: usize,
    /// End of the match in its text (byte offset), to prefer the head noun that comes last.
    pub end: usize,
    /// Its weight.
    pub weight: f32,
    /// The word, as written in the catalogue.
    pub term: String,
    /// Where it appeared.
    pub field: ListingField,
}

/// The part words of `rules` found in `texts`, leaving out a word that qualifies a longer keyword match
/// (`电瓶` in `电瓶车`; `longer` holds every keyword match as `(text, start, end)`), a word inside a
/// longer part word, and a word inside a companion phrase (`送充电器`, `with charger`; `companions`
/// per text).
pub(super) fn find_part_hits(
    rules: &MatchRules,
    texts: &[(ListingField, String)],
    longer: &[(usize, usize, usize)],
    companions: &[Vec<(usize, usize)>],
) -> Vec<PartHit> {
    let mut found: Vec<(PartHit, usize, usize, usize)> = Vec::new();
    for (pi, part) in rules.parts.iter().enumerate() {
        let keywords = part
            .keywords_zh
            .iter()
            .map(|k| (k, false))
            .chain(part.keywords_en.iter().map(|k| (k, true)));
        for (keyword, whole_word) in keywords {
            let term = normalize(&keyword.term);
            for (ti, (field, text)) in texts.iter().enumerate() {
                for (start, end) in find_term(text, &term, whole_word) {
                    let hit = PartHit {
                        part: pi,
                        start,
                        end,
                        weight: keyword.weight,
                        term: keyword.term.clone(),
                        field: *field,
                    };
                    found.push((hit, ti, start, end));
                }
            }
        }
    }
    let own: Vec<(usize, usize, usize)> = found.iter().map(|(_, t, s, e)| (*t, *s, *e)).collect();
    found
        .iter()
        .filter(|(_, ti, start, end)| {
            !within(&companions[*ti], *start, *end)
                && !inside(&modifying(longer, *end), *ti, *start, *end)
                && !inside(&own, *ti, *start, *end)
        })
        .map(|(hit, ..)| hit.clone())
        .collect()
}

/// The spans of `longer` that do not end at `end`: a part word ending a longer keyword is its head
/// noun (`充电器` of `电动车充电器`), one inside or at the start only qualifies it (`电瓶` of `电瓶车`).
fn modifying(longer: &[(usize, usize, usize)], end: usize) -> Vec<(usize, usize, usize)> {
    longer
        .iter()
        .copied()
        .filter(|&(_, _, e)| e != end)
        .collect()
}

/// Whether `(start, end)` of text `ti` lies inside a longer span of `spans` (`(text, start, end)`).
fn inside(spans: &[(usize, usize, usize)], ti: usize, start: usize, end: usize) -> bool {
    spans
        .iter()
        .any(|&(t, s, e)| t == ti && s <= start && end <= e && e - s > end - start)
}

/// The part a listing sells: the one whose words weigh most (`1 - Π(1 - w)` over distinct words; a
/// tie goes to the word that comes last, the head noun of `电池充电器`), else the aggregation's
/// parent. `None` for a category whose codes do not aggregate.
pub(super) fn chosen_part(
    rules: &MatchRules,
    aggregation: Option<&Aggregation>,
    hits: &[PartHit],
) -> Option<String> {
    let aggregation = aggregation?;
    let mut best: Option<(usize, f64, usize)> = None;
    for (pi, _) in rules.parts.iter().enumerate() {
        let mut terms: Vec<(&str, f32)> = Vec::new();
        let mut last_end = 0;
        for hit in hits.iter().filter(|h| h.part == pi) {
            last_end = last_end.max(hit.end);
            match terms.iter_mut().find(|(t, _)| *t == hit.term) {
                Some(entry) => entry.1 = entry.1.max(hit.weight),
                None => terms.push((&hit.term, hit.weight)),
            }
        }
        if terms.is_empty() {
            continue;
        }
        let score = 1.0
            - terms
                .iter()
                .map(|(_, w)| 1.0 - f64::from(*w))
                .product::<f64>();
        let better = best.is_none_or(|(_, s, e)| {
            score > s + 1e-9 || ((score - s).abs() <= 1e-9 && last_end > e)
        });
        if better {
            best = Some((pi, score, last_end));
        }
    }
    Some(match best {
        Some((pi, ..)) => rules.parts[pi].part.clone(),
        None => aggregation.parent.clone(),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use crate::catalogue::test_support::{builtin, classified_as, id, small, title};
    use crate::catalogue::{Catalogue, Problem};

    /// The category and part a title is classified as.
    fn category_and_part(t: &str) -> (Option<String>, Option<String>) {
        match builtin().classify(&title(t)) {
            Some(c) => (Some(c.category.to_string()), c.part),
            None => (None, None),
        }
    }

    fn ebike(part: &str) -> (Option<String>, Option<String>) {
        (Some("ebike".to_owned()), Some(part.to_owned()))
    }

    #[test]
    fn an_ebike_lithium_battery_is_the_ebike_schemes_battery_not_an_electronic_product() {
        assert_eq!(
            category_and_part("电动车锂电池 60V 磷酸铁锂 外卖换电 大单体"),
            ebike("battery")
        );
        assert_eq!(
            category_and_part("E-bike battery 48V 17.5Ah lithium pack"),
            ebike("battery")
        );
    }

    #[test]
    fn an_ebike_lead_acid_battery_is_the_ebike_schemes_battery() {
        assert_eq!(
            category_and_part("超威电池 60V20AH 电动车铅酸电池 5只装"),
            ebike("battery")
        );
        assert_eq!(
            category_and_part("电动车电瓶 48V12AH 天能 石墨烯 以旧换新"),
            ebike("battery")
        );
    }

    #[test]
    fn an_ebike_charger_is_the_ebike_schemes_charger_not_an_electronic_product() {
        assert_eq!(
            category_and_part("电瓶车充电器 60V20AH 72V 铅酸 快充"),
            ebike("charger")
        );
        assert_eq!(
            category_and_part("电动车充电器 48V12AH 雅迪爱玛通用 智能自动断电"),
            ebike("charger")
        );
        // A battery charger is a charger; the battery it is for does not make it a battery.
        assert_eq!(
            category_and_part("E-bike charger 54.6V 2A for 48V lithium battery"),
            ebike("charger")
        );
    }

    #[test]
    fn a_vehicle_sold_with_its_battery_or_a_free_charger_is_the_vehicle() {
        assert_eq!(
            category_and_part("雅迪电动车 冠能T5 新国标电动自行车 可上牌 48V24AH"),
            ebike("vehicle")
        );
        assert_eq!(
            category_and_part("Electric Bike 26\" 500W Commuter E-Bike with 48V Battery"),
            ebike("vehicle")
        );
        assert_eq!(
            category_and_part("电瓶车锂电池 48v 大容量 外卖专用 送充电器"),
            ebike("battery")
        );
    }

    #[test]
    fn a_lithium_battery_or_charger_for_no_ebike_stays_an_electronic_product() {
        assert_eq!(
            classified_as(&title("18650锂电池 3.7V 2600mAh 可充电")).as_deref(),
            Some("ccc_electronics")
        );
        assert_eq!(
            classified_as(&title("手机充电器 20W PD快充")).as_deref(),
            Some("ccc_electronics")
        );
        assert_eq!(classified_as(&title("汽车电瓶 12V 60AH 免维护")), None);
    }

    #[test]
    fn ebike_parts_that_carry_no_code_are_not_ebikes() {
        assert_eq!(classified_as(&title("电动车控制器 48V 350W 正弦波")), None);
        assert_eq!(classified_as(&title("电动车锁 U型锁 防盗")), None);
    }

    #[test]
    fn a_battery_or_charger_gets_the_ebike_schemes_elements_one_code_each() {
        let catalogue = builtin();
        for t in ["电动车锂电池48V20AH", "电瓶车充电器 48V12AH"] {
            let class = catalogue.classify(&title(t)).unwrap();
            let category = catalogue.get(&class.category).unwrap();
            // One code per battery and per charger (一车一池一充一码): unit granularity, a serial on
            // receipt, and the part is one the vehicle code aggregates.
            assert_eq!(category.granularity, crate::catalogue::Granularity::Unit);
            assert!(category.requires_on_receipt(crate::catalogue::DataElement::Serial));
            let aggregation = category.aggregation.as_ref().unwrap();
            assert!(aggregation.children.contains(class.part.as_ref().unwrap()));
        }
    }

    #[test]
    fn a_cord_for_an_appliance_is_a_cord_set_not_the_appliance() {
        for t in [
            "电饭煲电源线 三孔 国标 纯铜",
            "冰箱电源线 三孔插头 国标 1.5米",
            "电器用电线组件 国标三插 1.5米 带插头",
            "家电电源连接线 两插 8字 1.5米 国标",
            "AC power cord 3-prong, IEC C13, 6ft",
        ] {
            assert_eq!(
                classified_as(&title(t)).as_deref(),
                Some("ccc_wire_cable"),
                "{t}"
            );
        }
        // Building wire by the reel stays wire and cable; a phone cable is neither.
        assert_eq!(
            classified_as(&title("RVV 3芯x1.5平方 护套线 电源线 100米")).as_deref(),
            Some("wire_cable")
        );
        assert_eq!(classified_as(&title("Type-C数据线 6A 超级快充 1米")), None);
    }

    #[test]
    fn stainless_and_other_wire_ropes_are_steel_wire_rope_even_with_free_fittings() {
        for t in [
            "304不锈钢钢丝绳 2mm 送绳卡",
            "316不锈钢钢丝绳 7*19 船用 防锈",
            "不锈钢丝绳 1.5mm 7*7 软钢丝",
            "油丝绳 12mm 6*37 吊车用",
            "Stainless steel wire rope 3mm 7x19, 50m reel",
        ] {
            assert_eq!(
                classified_as(&title(t)).as_deref(),
                Some("steel_wire_rope"),
                "{t}"
            );
        }
        // The fittings themselves are not rope.
        assert_eq!(
            classified_as(&title("钢丝绳卡头 U型夹头 M6 镀锌 10个")),
            None
        );
    }

    #[test]
    fn a_fat_tire_ebike_is_an_ebike_but_a_tire_is_not() {
        assert_eq!(
            classified_as(&title("Folding electric bicycle 20 inch fat tire")).as_deref(),
            Some("ebike")
        );
        assert_ne!(
            classified_as(&title("Electric bike tire 20x4.0")).as_deref(),
            Some("ebike")
        );
    }

    #[test]
    fn a_category_without_aggregation_has_no_part() {
        let class = builtin().classify(&title("BV2.5平方 铜芯电线")).unwrap();
        assert_eq!(class.category, id("wire_cable"));
        assert_eq!(class.part, None);
    }

    proptest::proptest! {
        #[test]
        fn titles_mixing_parts_gifts_and_punctuation_never_panic(
            words in proptest::collection::vec(
                proptest::sample::select(vec![
                    "电动车", "电瓶车", "锂电池", "电瓶", "充电器", "送", "赠", "适用", "with", "for",
                    "battery", "charger", "e-bike", "，", "、", "(", "）", " ", "ｗｉｔｈ", "é", "48V",
                ]),
                0..12,
            ),
        ) {
            let t: String = words.concat();
            if let Some(c) = builtin().classify(&title(&t)) {
                let category = builtin().get(&c.category).cloned().unwrap();
                match category.aggregation {
                    Some(a) => {
                        let part = c.part.unwrap();
                        proptest::prop_assert!(a.parent == part || a.children.contains(&part));
                    }
                    None => proptest::prop_assert!(c.part.is_none()),
                }
            }
        }
    }

    #[test]
    fn part_words_must_name_a_part_of_the_aggregation() {
        let text = small(
            r#"[[categories.match.parts]]
part = "battery"
keywords_zh = [{ term = "电池", weight = 0.6 }]"#,
        );
        let err = Catalogue::from_toml_str(&text).unwrap_err();
        assert!(matches!(
            err.problem(),
            Some(Problem::BadAggregation { .. })
        ));
        assert!(err.to_string().contains("match.parts[0].part"), "{err}");
    }
}

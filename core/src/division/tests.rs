use super::*;
use proptest::prelude::*;

fn division(s: &str) -> DivisionCode {
    match DivisionCode::parse(s) {
        Ok(d) => d,
        Err(e) => panic!("{s:?} should parse: {e}"),
    }
}

fn province(name: &str) -> Option<String> {
    province_from_name(name).map(|d| d.to_string())
}

#[test]
fn levels_and_parents_follow_the_trailing_zeros() {
    let county = division("440305");
    assert_eq!(county.level(), DivisionLevel::County);
    assert_eq!(county.city(), Some(division("440300")));
    assert_eq!(county.province(), division("440000"));
    assert_eq!(county.province_name_zh(), "广东省");
    assert_eq!(county.province_name_en(), "Guangdong");
    assert_eq!(division("440300").level(), DivisionLevel::City);
    assert_eq!(division("440300").city(), Some(division("440300")));
    assert_eq!(division("310000").level(), DivisionLevel::Province);
    assert_eq!(division("310000").city(), None);
    assert_eq!(division("610100").province_name_zh(), "陕西省");
    assert_eq!(division("140100").province_name_zh(), "山西省");
    assert_eq!(division("150000").province_name_en(), "Inner Mongolia");
    assert_eq!(DivisionCode::provinces().count(), 34);
}

#[test]
fn bad_division_codes_say_what_is_wrong() {
    assert_eq!(
        DivisionCode::parse("44030"),
        Err(DivisionError::Length { len: 5 })
    );
    assert_eq!(
        DivisionCode::parse("44O305"),
        Err(DivisionError::Character {
            ch: 'O',
            position: 3
        })
    );
    let unknown = DivisionCode::parse("100000");
    assert_eq!(
        unknown,
        Err(DivisionError::UnknownProvince {
            code: "100000".into()
        })
    );
    assert_eq!(
        unknown.map_err(|e| e.code()),
        Err("division_unknown_province")
    );
    assert!(matches!(
        DivisionCode::parse("990000"),
        Err(DivisionError::UnknownProvince { .. })
    ));
    assert_eq!(
        DivisionCode::parse("440012"),
        Err(DivisionError::CountyWithoutCity {
            code: "440012".into()
        })
    );
    let message = DivisionError::Length { len: 5 }.message_zh();
    assert_eq!(message, "行政区划代码应为 6 位数字，实际为 5 位");
}

#[test]
fn a_jurisdiction_is_the_shortest_prefix() {
    for (input, prefix) in [
        ("44", "44"),
        ("440000", "44"),
        ("4400", "44"),
        ("4403", "4403"),
        ("440300", "4403"),
        ("440305", "440305"),
    ] {
        assert_eq!(
            Jurisdiction::parse(input).map(|j| j.to_string()),
            Ok(prefix.to_owned()),
            "{input}"
        );
    }
    let Ok(guangdong) = Jurisdiction::parse("44") else {
        panic!("valid")
    };
    let Ok(shenzhen) = Jurisdiction::parse("4403") else {
        panic!("valid")
    };
    assert!(guangdong.covers(&division("440305")));
    assert!(shenzhen.covers(&division("440305")));
    assert!(!shenzhen.covers(&division("440105")));
    assert!(!guangdong.covers(&division("450000")));
    assert!(guangdong.covers_jurisdiction(&shenzhen));
    assert!(!shenzhen.covers_jurisdiction(&guangdong));
    assert_eq!(shenzhen.to_division_code(), division("440300"));
    assert_eq!(shenzhen.level(), DivisionLevel::City);
    assert_eq!(shenzhen.as_prefix(), "4403");
}

#[test]
fn bad_jurisdictions_are_refused() {
    assert_eq!(
        Jurisdiction::parse("4"),
        Err(DivisionError::JurisdictionLength { len: 1 })
    );
    assert_eq!(
        Jurisdiction::parse("44030"),
        Err(DivisionError::JurisdictionLength { len: 5 })
    );
    assert_eq!(
        Jurisdiction::parse("99"),
        Err(DivisionError::UnknownProvince { code: "99".into() })
    );
    assert_eq!(
        Jurisdiction::parse("4a"),
        Err(DivisionError::Character {
            ch: 'a',
            position: 2
        })
    );
    assert_eq!(
        Jurisdiction::parse(""),
        Err(DivisionError::JurisdictionLength { len: 0 })
    );
}

#[test]
fn chinese_province_names_are_found_with_or_without_suffix() {
    for (name, code) in [
        ("广东", "440000"),
        ("广东省", "440000"),
        ("上海市", "310000"),
        ("内蒙古自治区", "150000"),
        ("广西壮族自治区", "450000"),
        ("宁夏回族自治区", "640000"),
        ("新疆维吾尔自治区", "650000"),
        ("西藏", "540000"),
        ("香港特别行政区", "810000"),
        ("澳门", "820000"),
        ("台湾省", "710000"),
        ("陕西", "610000"),
        ("山西省", "140000"),
        (" 廣東 ", "440000"),
    ] {
        assert_eq!(province(name).as_deref(), Some(code), "{name}");
    }
    assert_eq!(province("火星省"), None);
}

#[test]
fn pinyin_and_english_names_are_found() {
    for (name, code) in [
        ("Guangdong", "440000"),
        ("guang dong", "440000"),
        ("GUANGDONG", "440000"),
        ("Guangdong Province", "440000"),
        ("Shanghai", "310000"),
        ("Shanghai Shi", "310000"),
        ("Nei Mongol", "150000"),
        ("Inner Mongolia", "150000"),
        ("Inner Mongolia Autonomous Region", "150000"),
        ("Xizang", "540000"),
        ("Tibet", "540000"),
        ("Hong Kong", "810000"),
        ("Hong Kong SAR", "810000"),
        ("Macau", "820000"),
        ("Macao", "820000"),
        ("Taiwan", "710000"),
        ("Shaanxi", "610000"),
        ("Shanxi", "140000"),
        ("Guangxi Zhuang Autonomous Region", "450000"),
        ("Xinjiang Uygur", "650000"),
    ] {
        assert_eq!(province(name).as_deref(), Some(code), "{name}");
    }
    assert_eq!(province("Atlantis"), None);
    assert_eq!(province(""), None);
}

#[test]
fn marketplace_and_iso_codes_are_found() {
    for (name, code) in [
        ("GD", "440000"),
        ("gd", "440000"),
        ("CN-GD", "440000"),
        ("CN-44", "440000"),
        ("SH", "310000"),
        ("ZJ", "330000"),
        ("SN", "610000"),
        ("SX", "140000"),
        ("YZ", "540000"),
        ("XZ", "540000"),
        ("CN-91", "810000"),
        ("CN-HK", "810000"),
        ("CN20", "440000"),
        ("CN10", "310000"),
        ("CN12", "330000"),
        ("CN2", "110000"),
        ("CN1", "530000"),
        ("CN26", "610000"),
        ("CN5", "140000"),
        ("44", "440000"),
        ("440000", "440000"),
    ] {
        assert_eq!(province(name).as_deref(), Some(code), "{name}");
    }
    assert_eq!(province("CN33"), None);
    assert_eq!(province("QQ"), None);
    assert_eq!(province("440300"), None);
}

#[test]
fn every_province_is_found_by_its_own_names() {
    for code in DivisionCode::provinces() {
        assert_eq!(
            province_from_name(code.province_name_zh()),
            Some(code.clone())
        );
        assert_eq!(
            province_from_name(code.province_name_en()),
            Some(code.clone())
        );
        assert_eq!(province_from_name(code.province_code()), Some(code.clone()));
    }
}

#[test]
fn codes_go_through_serde_as_strings() {
    let code = division("440305");
    assert_eq!(
        serde_json::to_string(&code).ok().as_deref(),
        Some("\"440305\"")
    );
    assert_eq!(
        serde_json::from_str::<Jurisdiction>("\"440000\"")
            .ok()
            .map(|j| j.to_string()),
        Some("44".into())
    );
    assert!(serde_json::from_str::<DivisionCode>("\"990000\"").is_err());
    assert_eq!(
        serde_json::to_string(&DivisionLevel::County)
            .ok()
            .as_deref(),
        Some("\"county\"")
    );
}

fn division_code() -> impl Strategy<Value = DivisionCode> {
    (0..PROVINCES.len(), 0u32..100, 0u32..100).prop_map(|(p, city, county)| {
        let county = if city == 0 { 0 } else { county };
        DivisionCode(format!("{}{city:02}{county:02}", PROVINCES[p].code))
    })
}

proptest! {
    #[test]
    fn a_division_code_reads_back(code in division_code()) {
        prop_assert_eq!(DivisionCode::parse(code.as_str()), Ok(code.clone()));
        prop_assert_eq!(code.to_string().parse::<DivisionCode>(), Ok(code.clone()));
    }

    #[test]
    fn a_jurisdiction_reads_back_and_covers_its_own_division(code in division_code()) {
        let j = code.jurisdiction();
        prop_assert_eq!(Jurisdiction::parse(&j.to_string()), Ok(j.clone()));
        prop_assert_eq!(Jurisdiction::parse(code.as_str()), Ok(j.clone()));
        prop_assert!(j.covers(&code));
        prop_assert!(Jurisdiction::from(code.province()).covers(&code));
        prop_assert_eq!(j.to_division_code(), code.clone());
        if let Some(city) = code.city() {
            prop_assert!(Jurisdiction::from(city).covers(&code));
        }
    }
}

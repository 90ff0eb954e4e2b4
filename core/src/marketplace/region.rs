//! Turning a marketplace's address fields into a [`Destination`]: region only, never the street.

use crate::division::{DivisionCode, province_from_name};

use super::types::Destination;

/// The address fields a marketplace sends that Suyuan may keep.
#[derive(Debug, Default, Clone)]
pub(crate) struct RegionFields {
    /// Country code or name as sent.
    pub(crate) country: Option<String>,
    /// Province or state name as sent.
    pub(crate) province: Option<String>,
    /// Province or state code as sent (Shopify `province_code`).
    pub(crate) province_code: Option<String>,
    /// City as sent.
    pub(crate) city: Option<String>,
    /// A finer GB/T 2260 code, if the marketplace gives one (Youzan `areaCode`).
    pub(crate) area_code: Option<String>,
    /// The marketplace only serves mainland China (Youzan, Douyin): no country means China.
    pub(crate) chinese_platform: bool,
}

/// Whether a country code or name denotes (mainland) China.
fn is_china(country: &str) -> bool {
    let c = country.trim();
    [
        "CN",
        "CHN",
        "China",
        "中国",
        "中华人民共和国",
        "People's Republic of China",
    ]
    .iter()
    .any(|name| c.eq_ignore_ascii_case(name))
}

/// The destination these fields describe, or `None` when they are all blank.
///
/// The country code is upper-cased (`China` and `中国` become `CN`). The division is computed
/// for Chinese addresses only (so that `KY`, Kentucky, never becomes a Chinese province): from
/// the province code, else the province name; a marketplace's finer area code replaces it when it
/// is a valid GB/T 2260 code in the same province.
pub(crate) fn destination(fields: RegionFields) -> Option<Destination> {
    let RegionFields {
        country,
        province,
        province_code,
        city,
        area_code,
        chinese_platform,
    } = fields;
    let china = match country.as_deref() {
        Some(c) => is_china(c),
        None => chinese_platform,
    };
    let country_code = if china {
        Some("CN".to_owned())
    } else {
        country.map(|c| c.trim().to_ascii_uppercase())
    };
    let division = if china {
        let by_province = province_code
            .as_deref()
            .and_then(province_from_name)
            .or_else(|| province.as_deref().and_then(province_from_name));
        let finer = area_code
            .as_deref()
            .and_then(|code| DivisionCode::parse(code).ok())
            .filter(|code| {
                by_province
                    .as_ref()
                    .is_none_or(|p| p.province_code() == code.province_code())
            });
        finer.or(by_province)
    } else {
        None
    };
    let province = province.or(province_code);
    if country_code.is_none() && province.is_none() && city.is_none() {
        return None;
    }
    Some(Destination {
        country_code,
        province,
        city,
        division,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(country: Option<&str>, province: Option<&str>, code: Option<&str>) -> RegionFields {
        RegionFields {
            country: country.map(str::to_owned),
            province: province.map(str::to_owned),
            province_code: code.map(str::to_owned),
            ..RegionFields::default()
        }
    }

    #[test]
    fn chinese_provinces_become_division_codes_whatever_their_spelling() {
        for (country, province, code) in [
            (Some("CN"), Some("Guangdong"), Some("GD")),
            (Some("cn"), None, Some("CN20")),
            (Some("China"), Some("广东省"), None),
            (None, Some("广东"), None),
        ] {
            let mut f = fields(country, province, code);
            f.chinese_platform = country.is_none();
            let d = destination(f).unwrap();
            assert_eq!(d.country_code.as_deref(), Some("CN"));
            assert_eq!(d.division.map(|d| d.to_string()).as_deref(), Some("440000"));
        }
    }

    #[test]
    fn foreign_addresses_keep_their_codes_but_get_no_division() {
        let d = destination(fields(Some("US"), Some("Kentucky"), Some("KY"))).unwrap();
        assert_eq!(d.country_code.as_deref(), Some("US"));
        assert_eq!(d.province.as_deref(), Some("Kentucky"));
        assert_eq!(d.division, None);
        assert_eq!(destination(RegionFields::default()), None);
    }

    #[test]
    fn a_finer_area_code_wins_only_inside_the_same_province() {
        let mut f = fields(None, Some("上海市"), None);
        f.chinese_platform = true;
        f.area_code = Some("310114".into());
        assert_eq!(
            destination(f.clone()).unwrap().division.unwrap().as_str(),
            "310114"
        );
        f.area_code = Some("440305".into());
        assert_eq!(
            destination(f.clone()).unwrap().division.unwrap().as_str(),
            "310000"
        );
        f.area_code = Some("garbage".into());
        assert_eq!(destination(f).unwrap().division.unwrap().as_str(), "310000");
    }
}

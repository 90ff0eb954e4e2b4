//! Administrative division codes (GB/T 2260), supervisors' jurisdictions, and province look-up
//! from the names and codes that marketplaces send.

use std::fmt;
use std::str::FromStr;

/// Why a string is not a valid division code or jurisdiction, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DivisionError {
    /// A division code that is not 6 characters.
    #[error("a division code has 6 digits, got {len}")]
    Length {
        /// How many characters the input has (after trimming).
        len: usize,
    },
    /// A character that is not a digit.
    #[error(
        "character {ch:?} at position {position} is not a digit; division codes are digits only"
    )]
    Character {
        /// The character.
        ch: char,
        /// Its 1-based position.
        position: usize,
    },
    /// The first two digits name no province.
    #[error("{code} does not start with a province code of GB/T 2260 (11 Beijing … 82 Macao)")]
    UnknownProvince {
        /// The code as given.
        code: String,
    },
    /// A code with a county part but city digits `00`.
    #[error("division code {code} has a county part but no city part (digits 3 and 4 are 00)")]
    CountyWithoutCity {
        /// The code as given.
        code: String,
    },
    /// A jurisdiction that is not 2, 4 or 6 digits.
    #[error("a jurisdiction is a division code prefix of 2, 4 or 6 digits, got {len}")]
    JurisdictionLength {
        /// How many characters the input has (after trimming).
        len: usize,
    },
}

impl DivisionError {
    /// The same message in Chinese, for sellers and supervisors.
    pub fn message_zh(&self) -> String {
        match self {
            DivisionError::Length { len } => format!("行政区划代码应为 6 位数字，实际为 {len} 位"),
            DivisionError::Character { ch, position } => {
                format!("第 {position} 位的字符 {ch:?} 不是数字，行政区划代码只能由数字组成")
            }
            DivisionError::UnknownProvince { code } => {
                format!("{code} 的前两位不是 GB/T 2260 中的省级代码（11 北京 … 82 澳门）")
            }
            DivisionError::CountyWithoutCity { code } => {
                format!("行政区划代码 {code} 有县级部分却没有地级部分（第 3、4 位为 00）")
            }
            DivisionError::JurisdictionLength { len } => {
                format!("辖区应为 2、4 或 6 位的行政区划代码前缀，实际为 {len} 位")
            }
        }
    }

    /// A stable snake_case reason code for clients and logs.
    pub fn code(&self) -> &'static str {
        match self {
            DivisionError::Length { .. } => "division_length",
            DivisionError::Character { .. } => "division_character",
            DivisionError::UnknownProvince { .. } => "division_unknown_province",
            DivisionError::CountyWithoutCity { .. } => "division_county_without_city",
            DivisionError::JurisdictionLength { .. } => "jurisdiction_length",
        }
    }
}

/// One province-level division and the names and codes it goes by.
struct Province {
    /// GB/T 2260 code, 2 digits.
    code: &'static str,
    /// Full Chinese name.
    zh: &'static str,
    /// English name.
    en: &'static str,
    /// Other Chinese names (short, traditional).
    zh_aliases: &'static [&'static str],
    /// Latin names, lowercase, without spaces or punctuation.
    latin: &'static [&'static str],
    /// ISO 3166-2:CN letters (also Shopify's, except Tibet) and other two-letter codes.
    letters: &'static [&'static str],
    /// WooCommerce state code (`CN1` … `CN32`), when WooCommerce has one.
    woocommerce: Option<&'static str>,
}

#[rustfmt::skip]
const PROVINCES: [Province; 34] = [
    Province { code: "11", zh: "北京市", en: "Beijing", zh_aliases: &["北京"], latin: &["beijing", "peking"], letters: &["BJ"], woocommerce: Some("CN2") },
    Province { code: "12", zh: "天津市", en: "Tianjin", zh_aliases: &["天津"], latin: &["tianjin"], letters: &["TJ"], woocommerce: Some("CN3") },
    Province { code: "13", zh: "河北省", en: "Hebei", zh_aliases: &["河北"], latin: &["hebei"], letters: &["HE"], woocommerce: Some("CN4") },
    Province { code: "14", zh: "山西省", en: "Shanxi", zh_aliases: &["山西"], latin: &["shanxi"], letters: &["SX"], woocommerce: Some("CN5") },
    Province { code: "15", zh: "内蒙古自治区", en: "Inner Mongolia", zh_aliases: &["内蒙古", "內蒙古", "内蒙"], latin: &["innermongolia", "neimongol", "neimenggu", "neimonggol"], letters: &["NM"], woocommerce: Some("CN6") },
    Province { code: "21", zh: "辽宁省", en: "Liaoning", zh_aliases: &["辽宁", "遼寧"], latin: &["liaoning"], letters: &["LN"], woocommerce: Some("CN7") },
    Province { code: "22", zh: "吉林省", en: "Jilin", zh_aliases: &["吉林"], latin: &["jilin"], letters: &["JL"], woocommerce: Some("CN8") },
    Province { code: "23", zh: "黑龙江省", en: "Heilongjiang", zh_aliases: &["黑龙江", "黑龍江"], latin: &["heilongjiang"], letters: &["HL"], woocommerce: Some("CN9") },
    Province { code: "31", zh: "上海市", en: "Shanghai", zh_aliases: &["上海"], latin: &["shanghai"], letters: &["SH"], woocommerce: Some("CN10") },
    Province { code: "32", zh: "江苏省", en: "Jiangsu", zh_aliases: &["江苏", "江蘇"], latin: &["jiangsu"], letters: &["JS"], woocommerce: Some("CN11") },
    Province { code: "33", zh: "浙江省", en: "Zhejiang", zh_aliases: &["浙江"], latin: &["zhejiang"], letters: &["ZJ"], woocommerce: Some("CN12") },
    Province { code: "34", zh: "安徽省", en: "Anhui", zh_aliases: &["安徽"], latin: &["anhui"], letters: &["AH"], woocommerce: Some("CN13") },
    Province { code: "35", zh: "福建省", en: "Fujian", zh_aliases: &["福建"], latin: &["fujian"], letters: &["FJ"], woocommerce: Some("CN14") },
    Province { code: "36", zh: "江西省", en: "Jiangxi", zh_aliases: &["江西"], latin: &["jiangxi"], letters: &["JX"], woocommerce: Some("CN15") },
    Province { code: "37", zh: "山东省", en: "Shandong", zh_aliases: &["山东", "山東"], latin: &["shandong"], letters: &["SD"], woocommerce: Some("CN16") },
    Province { code: "41", zh: "河南省", en: "Henan", zh_aliases: &["河南"], latin: &["henan"], letters: &["HA"], woocommerce: Some("CN17") },
    Province { code: "42", zh: "湖北省", en: "Hubei", zh_aliases: &["湖北"], latin: &["hubei"], letters: &["HB"], woocommerce: Some("CN18") },
    Province { code: "43", zh: "湖南省", en: "Hunan", zh_aliases: &["湖南"], latin: &["hunan"], letters: &["HN"], woocommerce: Some("CN19") },
    Province { code: "44", zh: "广东省", en: "Guangdong", zh_aliases: &["广东", "廣東"], latin: &["guangdong", "canton"], letters: &["GD"], woocommerce: Some("CN20") },
    Province { code: "45", zh: "广西壮族自治区", en: "Guangxi", zh_aliases: &["广西", "廣西", "广西壮族"], latin: &["guangxi", "guangxizhuang", "guangxizhuangzu"], letters: &["GX"], woocommerce: Some("CN21") },
    Province { code: "46", zh: "海南省", en: "Hainan", zh_aliases: &["海南"], latin: &["hainan"], letters: &["HI"], woocommerce: Some("CN22") },
    Province { code: "50", zh: "重庆市", en: "Chongqing", zh_aliases: &["重庆", "重慶"], latin: &["chongqing", "chungking"], letters: &["CQ"], woocommerce: Some("CN23") },
    Province { code: "51", zh: "四川省", en: "Sichuan", zh_aliases: &["四川"], latin: &["sichuan", "szechuan", "szechwan"], letters: &["SC"], woocommerce: Some("CN24") },
    Province { code: "52", zh: "贵州省", en: "Guizhou", zh_aliases: &["贵州", "貴州"], latin: &["guizhou"], letters: &["GZ"], woocommerce: Some("CN25") },
    Province { code: "53", zh: "云南省", en: "Yunnan", zh_aliases: &["云南", "雲南"], latin: &["yunnan"], letters: &["YN"], woocommerce: Some("CN1") },
    Province { code: "54", zh: "西藏自治区", en: "Xizang", zh_aliases: &["西藏"], latin: &["xizang", "tibet"], letters: &["XZ", "YZ"], woocommerce: Some("CN31") },
    Province { code: "61", zh: "陕西省", en: "Shaanxi", zh_aliases: &["陕西", "陝西"], latin: &["shaanxi"], letters: &["SN"], woocommerce: Some("CN26") },
    Province { code: "62", zh: "甘肃省", en: "Gansu", zh_aliases: &["甘肃", "甘肅"], latin: &["gansu"], letters: &["GS"], woocommerce: Some("CN27") },
    Province { code: "63", zh: "青海省", en: "Qinghai", zh_aliases: &["青海"], latin: &["qinghai"], letters: &["QH"], woocommerce: Some("CN28") },
    Province { code: "64", zh: "宁夏回族自治区", en: "Ningxia", zh_aliases: &["宁夏", "寧夏", "宁夏回族"], latin: &["ningxia", "ningxiahui", "ningxiahuizu"], letters: &["NX"], woocommerce: Some("CN29") },
    Province { code: "65", zh: "新疆维吾尔自治区", en: "Xinjiang", zh_aliases: &["新疆", "新疆维吾尔"], latin: &["xinjiang", "xinjianguygur", "xinjianguyghur", "xinjianguighur", "xinjiangweiwuer"], letters: &["XJ"], woocommerce: Some("CN32") },
    Province { code: "71", zh: "台湾省", en: "Taiwan", zh_aliases: &["台湾", "臺灣", "台灣"], latin: &["taiwan"], letters: &["TW"], woocommerce: None },
    Province { code: "81", zh: "香港特别行政区", en: "Hong Kong", zh_aliases: &["香港"], latin: &["hongkong", "xianggang"], letters: &["HK"], woocommerce: None },
    Province { code: "82", zh: "澳门特别行政区", en: "Macao", zh_aliases: &["澳门", "澳門"], latin: &["macao", "macau", "aomen"], letters: &["MO"], woocommerce: Some("CN30") },
];

fn province_by_code(code: &str) -> Option<&'static Province> {
    PROVINCES.iter().find(|p| p.code == code)
}

/// Checks that `input` is all digits, reporting the first that is not.
fn check_digits(input: &str) -> Result<(), DivisionError> {
    match input.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, ch)) => Err(DivisionError::Character {
            ch,
            position: i + 1,
        }),
        None => Ok(()),
    }
}

/// The level of a division.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DivisionLevel {
    /// Province, autonomous region, municipality or SAR: `XX0000`.
    Province,
    /// Prefecture-level city (or a municipality's district group): `XXYY00`.
    City,
    /// County-level division: `XXYYZZ`.
    County,
}

impl DivisionLevel {
    /// The stable name: `province`, `city` or `county`.
    pub fn as_str(self) -> &'static str {
        match self {
            DivisionLevel::Province => "province",
            DivisionLevel::City => "city",
            DivisionLevel::County => "county",
        }
    }
}

impl fmt::Display for DivisionLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A GB/T 2260 administrative division code: 6 digits, the first two a known province.
///
/// Structure is checked (province known; no county part without a city part), not membership
/// in the current list of divisions, which changes every year.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DivisionCode(String);

impl DivisionCode {
    /// Reads 6 digits (surrounding whitespace ignored).
    pub fn parse(input: &str) -> Result<DivisionCode, DivisionError> {
        let input = input.trim();
        check_digits(input)?;
        if input.len() != 6 {
            return Err(DivisionError::Length { len: input.len() });
        }
        if province_by_code(&input[..2]).is_none() {
            return Err(DivisionError::UnknownProvince {
                code: input.to_owned(),
            });
        }
        if &input[2..4] == "00" && &input[4..] != "00" {
            return Err(DivisionError::CountyWithoutCity {
                code: input.to_owned(),
            });
        }
        Ok(DivisionCode(input.to_owned()))
    }

    /// The 6 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Province, city or county.
    pub fn level(&self) -> DivisionLevel {
        if &self.0[2..] == "0000" {
            DivisionLevel::Province
        } else if &self.0[4..] == "00" {
            DivisionLevel::City
        } else {
            DivisionLevel::County
        }
    }

    /// The province this division is in (`XX0000`); a province is its own.
    pub fn province(&self) -> DivisionCode {
        DivisionCode(format!("{}0000", &self.0[..2]))
    }

    /// The city this division is in (`XXYY00`); a city is its own; a province has none.
    pub fn city(&self) -> Option<DivisionCode> {
        match self.level() {
            DivisionLevel::Province => None,
            DivisionLevel::City | DivisionLevel::County => {
                Some(DivisionCode(format!("{}00", &self.0[..4])))
            }
        }
    }

    /// The 2-digit province code.
    pub fn province_code(&self) -> &str {
        &self.0[..2]
    }

    fn province_entry(&self) -> Option<&'static Province> {
        province_by_code(&self.0[..2])
    }

    /// The province's full Chinese name, e.g. `广东省`, `广西壮族自治区`, `上海市`.
    pub fn province_name_zh(&self) -> &'static str {
        self.province_entry().map_or("", |p| p.zh)
    }

    /// The province's English name, e.g. `Guangdong`, `Inner Mongolia`, `Hong Kong`.
    pub fn province_name_en(&self) -> &'static str {
        self.province_entry().map_or("", |p| p.en)
    }

    /// The jurisdiction that is exactly this division (a prefix of 2, 4 or 6 digits).
    pub fn jurisdiction(&self) -> Jurisdiction {
        Jurisdiction::from(self)
    }

    /// Every province-level division, in code order.
    pub fn provinces() -> impl Iterator<Item = DivisionCode> {
        PROVINCES
            .iter()
            .map(|p| DivisionCode(format!("{}0000", p.code)))
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for DivisionCode {
    type Err = DivisionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DivisionCode::parse(s)
    }
}

impl serde::Serialize for DivisionCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for DivisionCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        DivisionCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A supervisor's jurisdiction: a division-code prefix of 2 (province), 4 (city) or 6 (county)
/// digits. It covers every division code that starts with it.
///
/// It reads `44`, `4403`, `440305`, or a full code with trailing zeros (`440000` is `44`,
/// `440300` is `4403`). `Display` and serde write the shortest prefix.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Jurisdiction(String);

impl Jurisdiction {
    /// Reads a prefix of 2, 4 or 6 digits (surrounding whitespace ignored).
    pub fn parse(input: &str) -> Result<Jurisdiction, DivisionError> {
        let input = input.trim();
        check_digits(input)?;
        if !matches!(input.len(), 2 | 4 | 6) {
            return Err(DivisionError::JurisdictionLength { len: input.len() });
        }
        let padded = format!("{input:0<6}");
        let code = DivisionCode::parse(&padded).map_err(|e| match e {
            DivisionError::UnknownProvince { .. } => DivisionError::UnknownProvince {
                code: input.to_owned(),
            },
            other => other,
        })?;
        Ok(Jurisdiction::from(&code))
    }

    /// The prefix digits, e.g. `44` or `4403`.
    pub fn as_prefix(&self) -> &str {
        &self.0
    }

    /// Province, city or county.
    pub fn level(&self) -> DivisionLevel {
        match self.0.len() {
            2 => DivisionLevel::Province,
            4 => DivisionLevel::City,
            _ => DivisionLevel::County,
        }
    }

    /// Whether `code` lies inside this jurisdiction.
    pub fn covers(&self, code: &DivisionCode) -> bool {
        code.as_str().starts_with(&self.0)
    }

    /// Whether `other` lies wholly inside this jurisdiction (a jurisdiction covers itself).
    pub fn covers_jurisdiction(&self, other: &Jurisdiction) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The division code this prefix names, padded with zeros (`4403` → `440300`).
    pub fn to_division_code(&self) -> DivisionCode {
        DivisionCode(format!("{:0<6}", self.0))
    }
}

impl From<&DivisionCode> for Jurisdiction {
    fn from(code: &DivisionCode) -> Self {
        let digits = code.as_str();
        let prefix = match code.level() {
            DivisionLevel::Province => &digits[..2],
            DivisionLevel::City => &digits[..4],
            DivisionLevel::County => digits,
        };
        Jurisdiction(prefix.to_owned())
    }
}

impl From<DivisionCode> for Jurisdiction {
    fn from(code: DivisionCode) -> Self {
        Jurisdiction::from(&code)
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Jurisdiction {
    type Err = DivisionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Jurisdiction::parse(s)
    }
}

impl serde::Serialize for Jurisdiction {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Jurisdiction {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Jurisdiction::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Chinese suffixes dropped before matching a name, longest first.
const ZH_SUFFIXES: [&str; 8] = [
    "特别行政区",
    "特別行政區",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "省",
    "市",
];

/// Latin suffixes dropped (after lowercasing and removing spaces and punctuation).
const LATIN_SUFFIXES: [&str; 11] = [
    "specialadministrativeregion",
    "autonomousregion",
    "zizhiqu",
    "tebiexingzhengqu",
    "province",
    "municipality",
    "region",
    "sheng",
    "city",
    "shi",
    "sar",
];

/// The province a name or code denotes, as its division code (`XX0000`), or `None`.
///
/// Understands, ignoring case, spaces and surrounding whitespace:
///
/// - Chinese names with or without their suffix: `广东`, `广东省`, `上海市`, `内蒙古自治区`,
///   `广西壮族自治区`, `香港特别行政区`, and some traditional forms (`廣東`, `臺灣`);
/// - pinyin and English: `Guangdong`, `guang dong`, `GUANGDONG`, `Shanghai Shi`, `Nei Mongol`,
///   `Inner Mongolia`, `Xizang`, `Tibet`, `Hong Kong`, `Macau`, `Macao`, `Taiwan`, `Guangdong
///   Province`. `Shanxi` (山西, 14) and `Shaanxi` (陕西, 61) are different provinces;
/// - ISO 3166-2:CN codes: `GD`, `CN-GD`, numeric `CN-44` (and the older `CN-91` Hong Kong,
///   `CN-92` Macao); Shopify's province codes (the ISO letters, with `YZ` for Xizang);
/// - WooCommerce state codes `CN1` … `CN32` (`CN1` Yunnan, `CN2` Beijing, … `CN20` Guangdong,
///   … `CN30` Macao, `CN31` Tibet, `CN32` Xinjiang);
/// - a GB/T 2260 province code, `44` or `440000`.
pub fn province_from_name(name: &str) -> Option<DivisionCode> {
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    let to_code = |p: &Province| DivisionCode(format!("{}0000", p.code));
    let upper = name.to_ascii_uppercase();

    // Numeric GB/T 2260 codes.
    if upper.bytes().all(|b| b.is_ascii_digit()) {
        return match upper.len() {
            2 => province_by_code(&upper).map(to_code),
            6 if upper.ends_with("0000") => province_by_code(&upper[..2]).map(to_code),
            _ => None,
        };
    }
    // ISO 3166-2:CN, letters or numbers.
    if let Some(rest) = upper.strip_prefix("CN-") {
        return match rest {
            "91" => province_by_code("81").map(to_code),
            "92" => province_by_code("82").map(to_code),
            r if r.len() == 2 && r.bytes().all(|b| b.is_ascii_digit()) => {
                province_by_code(r).map(to_code)
            }
            r => PROVINCES
                .iter()
                .find(|p| p.letters.contains(&r))
                .map(to_code),
        };
    }
    // WooCommerce.
    if let Some(rest) = upper.strip_prefix("CN")
        && !rest.is_empty()
        && rest.bytes().all(|b| b.is_ascii_digit())
    {
        return PROVINCES
            .iter()
            .find(|p| p.woocommerce == Some(upper.as_str()))
            .map(to_code);
    }
    // Two-letter codes.
    if upper.len() == 2 && upper.bytes().all(|b| b.is_ascii_uppercase()) {
        return PROVINCES
            .iter()
            .find(|p| p.letters.contains(&upper.as_str()))
            .map(to_code);
    }
    // Chinese names.
    if !name.is_ascii() {
        let compact: String = name.chars().filter(|c| !c.is_whitespace()).collect();
        let mut candidates = vec![compact.as_str()];
        for suffix in ZH_SUFFIXES {
            if let Some(stem) = compact.strip_suffix(suffix) {
                candidates.push(stem);
            }
        }
        return PROVINCES
            .iter()
            .find(|p| {
                candidates
                    .iter()
                    .any(|c| *c == p.zh || p.zh_aliases.contains(c))
            })
            .map(to_code);
    }
    // Latin names.
    let mut latin: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    loop {
        if let Some(p) = PROVINCES.iter().find(|p| p.latin.contains(&latin.as_str())) {
            return Some(to_code(p));
        }
        match LATIN_SUFFIXES
            .iter()
            .find_map(|s| latin.strip_suffix(s).filter(|stem| !stem.is_empty()))
        {
            Some(stem) => latin = stem.to_owned(),
            None => return None,
        }
    }
}

#[cfg(test)]
mod tests;

//! What a code identifies (granularity), the unit quantities are counted in, how part codes
//! aggregate, and the certificate checked on receipt.

use serde::{Deserialize, Serialize};

use super::DataElement;

/// What one trace code identifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// One code per item (一物一码), e.g. each e-bike.
    Unit,
    /// One code per production batch (一批一码), e.g. steel bars.
    Batch,
    /// One code per reel, sold by length (一盘一码), e.g. wires and cables.
    Length,
}

impl Granularity {
    /// The granularity's name in catalogue files (`unit`, `batch`, `length`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unit => "unit",
            Self::Batch => "batch",
            Self::Length => "length",
        }
    }

    /// The granularity's name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Unit => "一物一码",
            Self::Batch => "一批一码",
            Self::Length => "一盘一码",
        }
    }

    /// The granularity's name in English.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::Unit => "one code per item",
            Self::Batch => "one code per batch",
            Self::Length => "one code per reel",
        }
    }

    /// Whether goods coded at this granularity can be counted in `unit`: items are counted in pieces,
    /// sets or pairs, reels in metres or kilometres, batches in anything.
    pub fn allows(self, unit: UnitOfMeasure) -> bool {
        match self {
            Self::Unit => unit.is_count(),
            Self::Length => unit.is_length(),
            Self::Batch => true,
        }
    }

    /// The data element that holds this granularity's code on receipt: `serial` for items and reels,
    /// `batch` for batches.
    pub fn code_element(self) -> DataElement {
        match self {
            Self::Unit | Self::Length => DataElement::Serial,
            Self::Batch => DataElement::Batch,
        }
    }
}

/// The unit a category's quantities are counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnitOfMeasure {
    /// Pieces (件).
    Pcs,
    /// Sets (套).
    Set,
    /// Pairs (双).
    Pair,
    /// Metres (米).
    M,
    /// Kilometres (千米).
    Km,
    /// Square metres (平方米).
    M2,
    /// Cubic metres (立方米).
    M3,
    /// Kilograms (千克).
    Kg,
    /// Tonnes (吨).
    T,
    /// Litres (升).
    L,
}

impl UnitOfMeasure {
    /// The unit's name in catalogue files (`pcs`, `m`, `t`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pcs => "pcs",
            Self::Set => "set",
            Self::Pair => "pair",
            Self::M => "m",
            Self::Km => "km",
            Self::M2 => "m2",
            Self::M3 => "m3",
            Self::Kg => "kg",
            Self::T => "t",
            Self::L => "l",
        }
    }

    /// The UN/ECE Recommendation 20 code, as EPCIS quantity elements use (`H87` pieces, `MTR` metres,
    /// `TNE` tonnes...).
    pub fn un_ece_code(self) -> &'static str {
        match self {
            Self::Pcs => "H87",
            Self::Set => "SET",
            Self::Pair => "PR",
            Self::M => "MTR",
            Self::Km => "KMT",
            Self::M2 => "MTK",
            Self::M3 => "MTQ",
            Self::Kg => "KGM",
            Self::T => "TNE",
            Self::L => "LTR",
        }
    }

    /// The unit's name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Pcs => "件",
            Self::Set => "套",
            Self::Pair => "双",
            Self::M => "米",
            Self::Km => "千米",
            Self::M2 => "平方米",
            Self::M3 => "立方米",
            Self::Kg => "千克",
            Self::T => "吨",
            Self::L => "升",
        }
    }

    /// The unit's symbol in English.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::Pcs => "pcs",
            Self::Set => "set",
            Self::Pair => "pair",
            Self::M => "m",
            Self::Km => "km",
            Self::M2 => "m²",
            Self::M3 => "m³",
            Self::Kg => "kg",
            Self::T => "t",
            Self::L => "L",
        }
    }

    /// Whether the unit counts items.
    pub fn is_count(self) -> bool {
        matches!(self, Self::Pcs | Self::Set | Self::Pair)
    }

    /// Whether the unit measures length.
    pub fn is_length(self) -> bool {
        matches!(self, Self::M | Self::Km)
    }
}

/// How the codes of a product's parts aggregate: the parent part's code stands for the children's
/// (an e-bike's vehicle code aggregates its battery's and charger's codes, 一车一池一充一码). Trace
/// events record this as an EPCIS AggregationEvent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Aggregation {
    /// The part whose code aggregates the others, e.g. `vehicle`.
    pub parent: String,
    /// The parts each carrying their own code, e.g. `battery` and `charger`.
    pub children: Vec<String>,
}

/// The kind of certificate a seller checks on receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// A China Compulsory Certification certificate (强制性产品认证证书, CCC).
    Ccc,
    /// An industrial product production licence (工业产品生产许可证).
    ProductionLicence,
    /// No certificate: the product is checked against mandatory standards by its inspection report.
    #[serde(rename = "none")]
    NoCertificate,
}

impl CertificateKind {
    /// The kind's name in catalogue files (`ccc`, `production_licence`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ccc => "ccc",
            Self::ProductionLicence => "production_licence",
            Self::NoCertificate => "none",
        }
    }

    /// The certificate's name in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Ccc => "强制性产品认证（CCC）证书",
            Self::ProductionLicence => "工业产品生产许可证",
            Self::NoCertificate => "无证书要求",
        }
    }

    /// The certificate's name in English.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::Ccc => "CCC certificate",
            Self::ProductionLicence => "production licence",
            Self::NoCertificate => "no certificate",
        }
    }

    /// A loose format check of a certificate number, to catch typing errors before the number is looked
    /// up: a CCC number is 16 digits [assumed format]; a production licence number contains
    /// `XKnn-nnn-nnnnn` (a province mark may precede it). With no certificate every text passes. This
    /// is no proof of validity: the number's check result comes from the certification platform.
    pub fn plausible_number(self, number: &str) -> bool {
        let number = number.trim();
        match self {
            Self::Ccc => number.len() == 16 && number.bytes().all(|b| b.is_ascii_digit()),
            Self::ProductionLicence => {
                let upper = number.to_ascii_uppercase();
                upper
                    .match_indices("XK")
                    .any(|(i, _)| licence_tail(&upper[i + 2..]))
            }
            Self::NoCertificate => true,
        }
    }
}

/// Whether `s` starts with `nn-nnn-nnnnn`.
fn licence_tail(s: &str) -> bool {
    let b = s.as_bytes();
    let shape = b"00-000-00000";
    b.len() >= shape.len()
        && shape.iter().zip(b).all(|(want, got)| {
            if *want == b'-' {
                *got == b'-'
            } else {
                got.is_ascii_digit()
            }
        })
}

/// The certificate a category's products carry, and how its number looks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certificate {
    /// Which certificate.
    pub kind: CertificateKind,
    /// A hint on the number's format, shown next to the input field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_hint: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::catalogue::UnknownDataElement;

    #[test]
    fn file_names_of_enums_agree_with_serde() {
        for g in [Granularity::Unit, Granularity::Batch, Granularity::Length] {
            assert_eq!(
                serde_json::to_string(&g).unwrap(),
                format!("\"{}\"", g.as_str())
            );
        }
        for u in [
            UnitOfMeasure::Pcs,
            UnitOfMeasure::Set,
            UnitOfMeasure::Pair,
            UnitOfMeasure::M,
            UnitOfMeasure::Km,
            UnitOfMeasure::M2,
            UnitOfMeasure::M3,
            UnitOfMeasure::Kg,
            UnitOfMeasure::T,
            UnitOfMeasure::L,
        ] {
            assert_eq!(
                serde_json::to_string(&u).unwrap(),
                format!("\"{}\"", u.as_str())
            );
        }
        for k in [
            CertificateKind::Ccc,
            CertificateKind::ProductionLicence,
            CertificateKind::NoCertificate,
        ] {
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
        }
        assert_eq!(
            "buyer_phone".parse::<DataElement>(),
            Err(UnknownDataElement("buyer_phone".to_owned()))
        );
    }

    #[test]
    fn certificate_numbers_get_a_loose_format_check() {
        assert!(CertificateKind::Ccc.plausible_number("2023011119000001"));
        assert!(!CertificateKind::Ccc.plausible_number("2023-0111"));
        assert!(CertificateKind::ProductionLicence.plausible_number("(粤)XK06-014-00001"));
        assert!(CertificateKind::ProductionLicence.plausible_number("xk05-001-00001"));
        assert!(!CertificateKind::ProductionLicence.plausible_number("XK05-001"));
        assert!(CertificateKind::NoCertificate.plausible_number(""));
    }
}

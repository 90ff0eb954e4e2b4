//! Ecode, the Internet-of-Things entity code of GB/T 31866-2023.
//!
//! An Ecode is a version (V), a numbering-system identifier (NSI) and a master-data code (MD).
//! The standard's full tables are not reproduced here; Suyuan reads this pragmatic subset, and
//! always with an explicit `Ecode:` prefix in free text, so an Ecode can never be mistaken for
//! a GTIN:
//!
//! | version | layout                                   | length (with V) | characters          |
//! |---------|------------------------------------------|-----------------|---------------------|
//! | 0       | `0` + a GS1 code (GS1-compatible)         | —               | see below           |
//! | 1       | `1` + NSI (4 digits) + MD (13 digits)    | 18              | digits              |
//! | 2       | `2` + NSI (4 digits) + MD (17 digits)    | 22              | digits              |
//! | 3       | `3` + NSI (4 digits) + MD (1–34 chars)   | 6 to 39         | digits, A–Z (NSI: digits) |
//!
//! Version 0 carries a GS1 code: after the `0` comes a GTIN-14 (`Ecode:006901234567892`; a
//! GTIN-8, -12 or -13 is read too and written as GTIN-14) or a GS1 element string, bracketed or
//! raw (`Ecode:0(01)06901234567892(21)S1`). Its canonical form
//! is `0` + the GTIN-14 when there is nothing else, else `0` + the bracketed element string.

use std::fmt;

use super::{CodeError, Gs1Code, Gtin, percent_decode_strict, strip_prefix_ci};

/// An Ecode (GB/T 31866-2023) of version 0 to 3; see the module documentation for the layout.
///
/// Canonical form (`Display`, serde): `Ecode:` followed by the code, e.g.
/// `Ecode:100011234567890123`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ecode(Repr);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Repr {
    /// Version 0: GS1-compatible.
    Gs1(Gs1Code),
    /// Versions 1 to 3.
    Native {
        version: u8,
        nsi: String,
        master_data: String,
    },
}

/// The canonical prefix.
const PREFIX: &str = "Ecode:";

/// Length limits (version digit included) and whether letters are allowed, per version.
fn layout(version: u8) -> Option<(usize, usize, bool)> {
    match version {
        1 => Some((18, 18, false)),
        2 => Some((22, 22, false)),
        3 => Some((6, 39, true)),
        _ => None,
    }
}

impl Ecode {
    /// Reads an Ecode, with or without a prefix `Ecode:` or `urn:ecode:` (any case; after
    /// `urn:ecode:` percent-escapes are decoded); surrounding whitespace is ignored.
    pub fn parse(input: &str) -> Result<Ecode, CodeError> {
        let input = input.trim();
        let decoded;
        let body = if let Some(urn) = strip_prefix_ci(input, "urn:ecode:") {
            decoded = percent_decode_strict(urn, "urn:ecode:".len() + 1)?;
            decoded.as_str()
        } else {
            strip_prefix_ci(input, "ecode:")
                .unwrap_or(input)
                .trim_start()
        };
        let mut chars = body.chars();
        let Some(version) = chars.next() else {
            return Err(CodeError::Empty);
        };
        let rest = chars.as_str();
        match version {
            '0' => {
                if rest.len() <= 14 && rest.bytes().all(|b| b.is_ascii_digit()) {
                    Gtin::parse(rest).map(|g| Ecode(Repr::Gs1(Gs1Code::from_gtin(g))))
                } else {
                    Gs1Code::parse_element_string(rest).map(|c| Ecode(Repr::Gs1(c)))
                }
            }
            '1'..='3' => {
                let v = version as u8 - b'0';
                let (min, max, letters) = layout(v).ok_or(CodeError::EcodeVersion { version })?;
                let actual = body.chars().count();
                if let Some((i, ch)) = body.chars().enumerate().skip(1).find(|&(i, c)| {
                    !(c.is_ascii_digit() || (letters && i >= 5 && c.is_ascii_uppercase()))
                }) {
                    return Err(CodeError::EcodeCharacter {
                        version: v,
                        ch,
                        position: i + 1,
                    });
                }
                if !(min..=max).contains(&actual) {
                    return Err(CodeError::EcodeLength {
                        version: v,
                        min,
                        max,
                        actual,
                    });
                }
                Ok(Ecode(Repr::Native {
                    version: v,
                    nsi: body[1..5].to_owned(),
                    master_data: body[5..].to_owned(),
                }))
            }
            other => Err(CodeError::EcodeVersion { version: other }),
        }
    }

    /// A version 1, 2 or 3 Ecode from its numbering-system identifier (4 digits) and master-data
    /// code.
    pub fn new(version: u8, nsi: &str, master_data: &str) -> Result<Ecode, CodeError> {
        if layout(version).is_none() {
            let version = char::from_digit(u32::from(version), 10).unwrap_or('?');
            return Err(CodeError::EcodeVersion { version });
        }
        if nsi.len() != 4 || !nsi.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeError::EcodeNsi {
                nsi: super::cut(nsi),
            });
        }
        Ecode::parse(&format!("{version}{nsi}{master_data}"))
    }

    /// A version 0 Ecode carrying a GS1 code.
    pub fn from_gs1(code: Gs1Code) -> Ecode {
        Ecode(Repr::Gs1(code))
    }

    /// The version: 0 to 3.
    pub fn version(&self) -> u8 {
        match &self.0 {
            Repr::Gs1(_) => 0,
            Repr::Native { version, .. } => *version,
        }
    }

    /// The numbering-system identifier, for versions 1 to 3.
    pub fn nsi(&self) -> Option<&str> {
        match &self.0 {
            Repr::Gs1(_) => None,
            Repr::Native { nsi, .. } => Some(nsi),
        }
    }

    /// The master-data code, for versions 1 to 3.
    pub fn master_data(&self) -> Option<&str> {
        match &self.0 {
            Repr::Gs1(_) => None,
            Repr::Native { master_data, .. } => Some(master_data),
        }
    }

    /// The GS1 code a version-0 Ecode carries.
    pub fn gs1(&self) -> Option<&Gs1Code> {
        match &self.0 {
            Repr::Gs1(code) => Some(code),
            Repr::Native { .. } => None,
        }
    }

    /// The code without the `Ecode:` prefix.
    pub fn body(&self) -> String {
        match &self.0 {
            Repr::Gs1(code)
                if code.batch().is_none() && code.serial().is_none() && code.expiry().is_none() =>
            {
                format!("0{}", code.gtin().as_gtin14())
            }
            Repr::Gs1(code) => format!("0{}", code.to_element_string()),
            Repr::Native {
                version,
                nsi,
                master_data,
            } => format!("{version}{nsi}{master_data}"),
        }
    }

    /// `urn:ecode:` + the code: the EPCIS identifier Suyuan uses for versions 1 to 3 (there is
    /// no registered URN namespace for Ecode; version-0 codes use their GS1 Digital Link).
    pub fn to_urn(&self) -> String {
        let body = self.body();
        format!(
            "urn:ecode:{}",
            percent_encoding::utf8_percent_encode(&body, super::URN_ENCODE)
        )
    }
}

impl fmt::Display for Ecode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}", self.body())
    }
}

string_form!(Ecode);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::strategies;
    use proptest::prelude::*;

    #[test]
    fn versions_1_to_3_split_into_nsi_and_master_data() {
        let e = Ecode::parse("Ecode:100011234567890123");
        let Ok(e) = e else { panic!("{e:?}") };
        assert_eq!(
            (e.version(), e.nsi(), e.master_data()),
            (1, Some("0001"), Some("1234567890123"))
        );
        assert_eq!(e.to_string(), "Ecode:100011234567890123");
        assert_eq!(
            Ecode::parse("ecode: 2000112345678901234567").map(|e| e.version()),
            Ok(2)
        );
        assert_eq!(
            Ecode::parse("urn:ecode:30001ABC123").map(|e| e.master_data().map(str::to_owned)),
            Ok(Some("ABC123".into()))
        );
        assert_eq!(
            Ecode::new(3, "0001", "ABC123").map(|e| e.to_string()),
            Ok("Ecode:30001ABC123".into())
        );
    }

    #[test]
    fn version_0_carries_a_gs1_code() {
        let bare = Ecode::parse("Ecode:006901234567892");
        assert_eq!(
            bare.as_ref().map(|e| e.to_string()),
            Ok("Ecode:006901234567892".into())
        );
        assert_eq!(
            bare.as_ref()
                .ok()
                .and_then(Ecode::gs1)
                .map(|c| c.gtin().as_gtin14()),
            Some("06901234567892")
        );
        assert_eq!(
            Ecode::parse("Ecode:06901234567892").map(|e| e.to_string()),
            Ok("Ecode:006901234567892".into())
        );
        let raw = Ecode::parse("Ecode:0010690123456789221S1");
        assert_eq!(
            raw.map(|e| e.to_string()),
            Ok("Ecode:0(01)06901234567892(21)S1".into())
        );
    }

    #[test]
    fn wrong_lengths_characters_and_versions_are_refused() {
        assert_eq!(
            Ecode::parse("Ecode:10001123456789012"),
            Err(CodeError::EcodeLength {
                version: 1,
                min: 18,
                max: 18,
                actual: 17
            })
        );
        assert_eq!(
            Ecode::parse("Ecode:10001123456789012").map_err(|e| e.to_string()),
            Err("an Ecode of version 1 has 18 characters, got 17".into())
        );
        assert_eq!(
            Ecode::parse("Ecode:1000112345A7890123"),
            Err(CodeError::EcodeCharacter {
                version: 1,
                ch: 'A',
                position: 11
            })
        );
        assert_eq!(
            Ecode::parse("Ecode:3A001XYZ"),
            Err(CodeError::EcodeCharacter {
                version: 3,
                ch: 'A',
                position: 2
            })
        );
        assert_eq!(
            Ecode::parse("Ecode:30001xyz"),
            Err(CodeError::EcodeCharacter {
                version: 3,
                ch: 'x',
                position: 6
            })
        );
        assert_eq!(
            Ecode::parse("Ecode:5123"),
            Err(CodeError::EcodeVersion { version: '5' })
        );
        assert_eq!(Ecode::parse("Ecode:"), Err(CodeError::Empty));
        assert_eq!(
            Ecode::new(1, "01", "123456789012345"),
            Err(CodeError::EcodeNsi { nsi: "01".into() })
        );
        assert!(Ecode::new(4, "0001", "1").is_err());
    }

    proptest! {
        #[test]
        fn an_ecode_reads_back_from_its_display_and_urn(e in strategies::ecode()) {
            prop_assert_eq!(Ecode::parse(&e.to_string()), Ok(e.clone()));
            prop_assert_eq!(Ecode::parse(&e.body()), Ok(e.clone()));
            prop_assert_eq!(Ecode::parse(&e.to_urn()), Ok(e.clone()));
        }
    }
}

//! The unified social credit code (统一社会信用代码, GB 32100-2015) that every business has.

use std::fmt;
use std::str::FromStr;

use crate::division::DivisionCode;

/// The 31 characters a credit code may use, in order of their values 0 to 30 (no I, O, S, V, Z).
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// The weights of the first 17 characters.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a string is not a valid credit code, and where (1-based character positions).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// Not 18 characters.
    #[error("a credit code has 18 characters, got {len}")]
    Length {
        /// How many characters the input has (after trimming).
        len: usize,
    },
    /// A character outside `0-9` and `A-Y` without I, O, S, V.
    #[error("character {ch:?} at position {position} is not allowed in a credit code")]
    Character {
        /// The character.
        ch: char,
        /// Its 1-based position.
        position: usize,
    },
    /// The 18th character does not match the other 17.
    #[error("credit code check character should be {expected}, got {actual}")]
    CheckCharacter {
        /// The check character the first 17 give.
        expected: char,
        /// The 18th character of the input.
        actual: char,
    },
}

impl CreditCodeError {
    /// The same message in Chinese, for sellers.
    pub fn message_zh(&self) -> String {
        match self {
            CreditCodeError::Length { len } => {
                format!("统一社会信用代码应为 18 位，实际为 {len} 位")
            }
            CreditCodeError::Character { ch, position } => {
                format!("统一社会信用代码第 {position} 位的字符 {ch:?} 不允许使用")
            }
            CreditCodeError::CheckCharacter { expected, actual } => {
                format!("统一社会信用代码校验码应为 {expected}，实际为 {actual}")
            }
        }
    }

    /// A stable snake_case reason code for clients and logs.
    pub fn code(&self) -> &'static str {
        match self {
            CreditCodeError::Length { .. } => "credit_code_length",
            CreditCodeError::Character { .. } => "credit_code_character",
            CreditCodeError::CheckCharacter { .. } => "credit_code_check_character",
        }
    }
}

/// The value of a credit-code character, or `None` if it is not allowed.
fn value_of(c: u8) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// The check character for the first 17 characters (already checked to be in the alphabet).
fn check_character(first17: &[u8]) -> Option<char> {
    let mut sum = 0;
    for (&c, w) in first17.iter().zip(WEIGHTS) {
        sum += value_of(c)? * w;
    }
    let index = usize::try_from((31 - sum % 31) % 31).ok()?;
    ALPHABET.get(index).map(|&b| char::from(b))
}

/// Uppercases and checks the characters of `input`; returns the bytes.
fn clean(input: &str, expected_len: usize) -> Result<Vec<u8>, CreditCodeError> {
    let input = input.trim();
    let len = input.chars().count();
    if let Some((i, ch)) = input
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii() || value_of(c.to_ascii_uppercase() as u8).is_none())
    {
        return Err(CreditCodeError::Character {
            ch,
            position: i + 1,
        });
    }
    if len != expected_len {
        return Err(CreditCodeError::Length {
            len: if expected_len == 18 { len } else { len + 1 },
        });
    }
    Ok(input.bytes().map(|b| b.to_ascii_uppercase()).collect())
}

/// A unified social credit code with a correct check character, in uppercase.
///
/// Layout: registration authority (1), organisation category (1), division code of the
/// registering authority (6), organisation code (9), check character (1).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(String);

impl CreditCode {
    /// Reads a credit code: 18 characters (lowercase accepted and uppercased; surrounding
    /// whitespace ignored) whose 18th is the check character of the first 17.
    pub fn parse(input: &str) -> Result<CreditCode, CreditCodeError> {
        let bytes = clean(input, 18)?;
        let expected =
            check_character(&bytes[..17]).ok_or(CreditCodeError::Length { len: bytes.len() })?;
        let actual = char::from(bytes[17]);
        if expected != actual {
            return Err(CreditCodeError::CheckCharacter { expected, actual });
        }
        Ok(CreditCode(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Builds a credit code from its first 17 characters, adding the check character. For test
    /// and demonstration data.
    pub fn with_check_character(first17: &str) -> Result<CreditCode, CreditCodeError> {
        let bytes = clean(first17, 17)?;
        let check = check_character(&bytes).ok_or(CreditCodeError::Length {
            len: bytes.len() + 1,
        })?;
        let mut code = String::from_utf8_lossy(&bytes).into_owned();
        code.push(check);
        Ok(CreditCode(code))
    }

    /// The code, 18 uppercase characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The registration authority (登记管理部门) code, the 1st character: `1` institutional
    /// staffing, `5` civil affairs, `9` market regulation (industry and commerce), `Y` others, ….
    pub fn registration_authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }

    /// The organisation category (机构类别) code, the 2nd character (e.g. `1` company under `9`).
    pub fn organization_category(&self) -> char {
        char::from(self.0.as_bytes()[1])
    }

    /// The 6 characters (3rd to 8th) naming the division of the registering authority.
    pub fn division_digits(&self) -> &str {
        &self.0[2..8]
    }

    /// The division code of the registering authority, when characters 3 to 8 are a valid
    /// GB/T 2260 code (authorities at national level, e.g. `100000`, have none).
    pub fn division_code(&self) -> Option<DivisionCode> {
        DivisionCode::parse(self.division_digits()).ok()
    }

    /// The organisation code (组织机构代码), characters 9 to 17.
    pub fn organization_code(&self) -> &str {
        &self.0[8..17]
    }

    /// The check character, the 18th.
    pub fn check(&self) -> char {
        char::from(self.0.as_bytes()[17])
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditCode::parse(s)
    }
}

impl serde::Serialize for CreditCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for CreditCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        CreditCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_domain_examples_are_valid() {
        for input in ["91350100M000100Y43", "91440300708461136T"] {
            assert_eq!(
                CreditCode::parse(input).map(|c| c.to_string()),
                Ok(input.to_owned())
            );
        }
    }

    #[test]
    fn lowercase_and_surrounding_spaces_are_accepted() {
        let code = CreditCode::parse(" 91350100m000100y43\n");
        assert_eq!(
            code.map(|c| c.to_string()),
            Ok("91350100M000100Y43".to_owned())
        );
    }

    #[test]
    fn one_changed_character_breaks_the_check() {
        let err = CreditCode::parse("91350100M000100Y44");
        assert_eq!(
            err,
            Err(CreditCodeError::CheckCharacter {
                expected: '3',
                actual: '4'
            })
        );
        let Err(err) = err else { return };
        assert_eq!(
            err.to_string(),
            "credit code check character should be 3, got 4"
        );
        assert_eq!(err.message_zh(), "统一社会信用代码校验码应为 3，实际为 4");
        assert_eq!(err.code(), "credit_code_check_character");
        assert!(matches!(
            CreditCode::parse("91440300708461137T"),
            Err(CreditCodeError::CheckCharacter { .. })
        ));
    }

    #[test]
    fn letters_outside_the_alphabet_say_where_they_are() {
        let err = CreditCode::parse("9135I100M000100Y43");
        assert_eq!(
            err,
            Err(CreditCodeError::Character {
                ch: 'I',
                position: 5
            })
        );
        assert_eq!(
            err.map_err(|e| e.to_string()),
            Err("character 'I' at position 5 is not allowed in a credit code".to_owned())
        );
        for bad in ['O', 'S', 'V', 'Z', '-', '统'] {
            let input = format!("91350100M000100{bad}43");
            assert_eq!(
                CreditCode::parse(&input),
                Err(CreditCodeError::Character {
                    ch: bad,
                    position: 16
                })
            );
        }
    }

    #[test]
    fn wrong_lengths_are_refused() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y4"),
            Err(CreditCodeError::Length { len: 17 })
        );
        assert_eq!(
            CreditCode::parse(""),
            Err(CreditCodeError::Length { len: 0 })
        );
        assert_eq!(
            CreditCode::with_check_character("913501"),
            Err(CreditCodeError::Length { len: 7 })
        );
    }

    #[test]
    fn the_parts_of_a_code_are_exposed() {
        let Ok(code) = CreditCode::parse("91440300708461136T") else {
            panic!("valid")
        };
        assert_eq!(code.registration_authority(), '9');
        assert_eq!(code.organization_category(), '1');
        assert_eq!(code.division_digits(), "440300");
        assert_eq!(
            code.division_code().map(|d| d.province_name_zh()),
            Some("广东省")
        );
        assert_eq!(code.organization_code(), "708461136");
        assert_eq!(code.check(), 'T');
    }

    #[test]
    fn with_check_character_completes_the_domain_examples() {
        assert_eq!(
            CreditCode::with_check_character("91350100M000100Y4").map(|c| c.check()),
            Ok('3')
        );
        assert_eq!(
            CreditCode::with_check_character("91440300708461136").map(|c| c.check()),
            Ok('T')
        );
    }

    #[test]
    fn credit_codes_go_through_serde_as_their_string() {
        let code = CreditCode::parse("91440300708461136T").ok();
        assert_eq!(
            serde_json::to_string(&code).ok().as_deref(),
            Some("\"91440300708461136T\"")
        );
        assert!(serde_json::from_str::<CreditCode>("\"91440300708461136X\"").is_err());
    }

    fn first17() -> impl Strategy<Value = String> {
        "[0-9A-HJ-NP-RTUW-Y]{17}"
    }

    proptest! {
        #[test]
        fn a_credit_code_reads_back_in_any_case(body in first17()) {
            let code = CreditCode::with_check_character(&body).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(CreditCode::parse(&code.to_string()), Ok(code.clone()));
            prop_assert_eq!(CreditCode::parse(&code.to_string().to_lowercase()), Ok(code.clone()));
            let json = serde_json::to_string(&code).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(serde_json::from_str::<CreditCode>(&json).ok(), Some(code));
        }

        #[test]
        fn changing_any_one_character_breaks_the_check(body in first17(), index in 0usize..18, bump in 1usize..31) {
            let code = CreditCode::with_check_character(&body).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut bytes = code.as_str().as_bytes().to_vec();
            let current = ALPHABET.iter().position(|&a| a == bytes[index]).unwrap_or(0);
            bytes[index] = ALPHABET[(current + bump) % 31];
            let changed = String::from_utf8(bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let result = CreditCode::parse(&changed);
            prop_assert!(matches!(result, Err(CreditCodeError::CheckCharacter { .. })), "{} -> {:?}", changed, result);
        }
    }
}

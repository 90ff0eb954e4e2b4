//! The Global Trade Item Number: 8, 12, 13 or 14 digits ending in a check digit.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use super::CodeError;

/// The check digit for `body` (the digits without the check digit): weights 3, 1, 3, … from the
/// right, check = (10 − sum mod 10) mod 10. `None` when `body` is empty, longer than 17 digits,
/// or holds anything but ASCII digits.
///
/// ```text
/// compute_check_digit("629104150021") == Some(3)
/// ```
pub fn compute_check_digit(body: &str) -> Option<u8> {
    if body.is_empty() || body.len() > 17 || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    u8::try_from((10 - sum % 10) % 10).ok()
}

/// A GTIN with a correct check digit.
///
/// It is kept as its GTIN-14 (zero-padded), which is its canonical form: `Display` and serde
/// write the 14 digits, and two GTINs are equal when their GTIN-14 forms are, so `6291041500213`
/// equals `06291041500213`. [`Gtin::as_str`] still gives the digits as they were read.
#[derive(Clone, Debug)]
pub struct Gtin {
    gtin14: String,
    original_len: u8,
}

impl Gtin {
    /// Reads 8, 12, 13 or 14 digits (surrounding whitespace ignored) and checks the check digit.
    pub fn parse(input: &str) -> Result<Gtin, CodeError> {
        let digits = input.trim();
        if digits.is_empty() {
            return Err(CodeError::Empty);
        }
        if let Some((i, ch)) = digits
            .chars()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_digit())
        {
            return Err(CodeError::GtinCharacter {
                ch,
                position: i + 1,
            });
        }
        let len = digits.len();
        if !matches!(len, 8 | 12 | 13 | 14) {
            return Err(CodeError::GtinLength { len });
        }
        let (body, check) = digits.split_at(len - 1);
        let expected = compute_check_digit(body).ok_or(CodeError::GtinLength { len })?;
        let actual = check.as_bytes()[0] - b'0';
        if expected != actual {
            return Err(CodeError::GtinCheckDigit { expected, actual });
        }
        Ok(Gtin {
            gtin14: format!("{digits:0>14}"),
            original_len: len as u8,
        })
    }

    /// Builds a GTIN from its digits without the check digit (7, 11, 12 or 13 of them), adding
    /// the check digit. Handy for demo data: `Gtin::with_check_digit("695200000001")`.
    pub fn with_check_digit(body: &str) -> Result<Gtin, CodeError> {
        let body = body.trim();
        if let Some((i, ch)) = body.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
            return Err(CodeError::GtinCharacter {
                ch,
                position: i + 1,
            });
        }
        let len = body.len() + 1;
        if !matches!(len, 8 | 12 | 13 | 14) {
            return Err(CodeError::GtinLength { len });
        }
        let check = compute_check_digit(body).ok_or(CodeError::GtinLength { len })?;
        Gtin::parse(&format!("{body}{check}"))
    }

    /// The digits as read, at their original length (8, 12, 13 or 14).
    pub fn as_str(&self) -> &str {
        &self.gtin14[14 - usize::from(self.original_len)..]
    }

    /// The GTIN-14: the digits zero-padded to 14, as used in element strings and Digital Links.
    pub fn to_gtin14(&self) -> String {
        self.gtin14.clone()
    }

    /// The GTIN-14 without copying it.
    pub fn as_gtin14(&self) -> &str {
        &self.gtin14
    }

    /// How many digits the GTIN had when read: 8, 12, 13 or 14.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        usize::from(self.original_len)
    }

    /// The check digit.
    pub fn check_digit(&self) -> u8 {
        self.gtin14.as_bytes()[13] - b'0'
    }
}

impl PartialEq for Gtin {
    fn eq(&self, other: &Self) -> bool {
        self.gtin14 == other.gtin14
    }
}

impl Eq for Gtin {}

impl Hash for Gtin {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.gtin14.hash(state);
    }
}

impl PartialOrd for Gtin {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Gtin {
    fn cmp(&self, other: &Self) -> Ordering {
        self.gtin14.cmp(&other.gtin14)
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.gtin14)
    }
}

string_form!(Gtin);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::strategies;
    use proptest::prelude::*;

    #[test]
    fn the_domain_example_check_digit_is_3() {
        assert_eq!(compute_check_digit("629104150021"), Some(3));
        let gtin = Gtin::parse("6291041500213");
        assert_eq!(gtin.as_ref().map(Gtin::len), Ok(13));
        assert_eq!(gtin.as_ref().map(Gtin::as_str), Ok("6291041500213"));
        assert_eq!(gtin.map(|g| g.to_gtin14()), Ok("06291041500213".to_owned()));
    }

    #[test]
    fn real_gtins_of_every_length_are_valid() {
        for (input, gtin14) in [
            ("06901234567892", "06901234567892"),
            ("6901234567892", "06901234567892"),
            ("96385074", "00000096385074"),
            ("036000291452", "00036000291452"),
            ("10614141000415", "10614141000415"),
        ] {
            let gtin = Gtin::parse(input);
            assert_eq!(
                gtin.map(|g| g.to_string()),
                Ok(gtin14.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn a_wrong_check_digit_says_which_digit_was_expected() {
        let err = Gtin::parse("6291041500214");
        assert_eq!(
            err,
            Err(CodeError::GtinCheckDigit {
                expected: 3,
                actual: 4
            })
        );
        let Err(err) = err else { return };
        assert_eq!(err.to_string(), "GTIN check digit should be 3, got 4");
        assert_eq!(err.message_zh(), "GTIN 校验位应为 3，实际为 4");
        assert_eq!(err.code(), "gtin_check_digit");
    }

    #[test]
    fn wrong_lengths_and_letters_are_refused() {
        assert_eq!(Gtin::parse("12345"), Err(CodeError::GtinLength { len: 5 }));
        assert_eq!(
            Gtin::parse("069012345678920"),
            Err(CodeError::GtinLength { len: 15 })
        );
        assert_eq!(
            Gtin::parse("6901234O67892"),
            Err(CodeError::GtinCharacter {
                ch: 'O',
                position: 8
            })
        );
        assert_eq!(Gtin::parse(""), Err(CodeError::Empty));
        assert_eq!(compute_check_digit(""), None);
        assert_eq!(compute_check_digit("12a"), None);
    }

    #[test]
    fn gtins_of_different_lengths_with_the_same_gtin14_are_equal() {
        assert_eq!(Gtin::parse("6901234567892"), Gtin::parse("06901234567892"));
        assert_eq!(
            Gtin::with_check_digit("690123456789"),
            Gtin::parse("6901234567892")
        );
    }

    #[test]
    fn gtins_go_through_serde_as_gtin14() {
        let gtin = Gtin::parse("96385074").ok();
        assert_eq!(
            serde_json::to_string(&gtin).ok().as_deref(),
            Some("\"00000096385074\"")
        );
        let back: Option<Gtin> = serde_json::from_str("\"96385074\"").ok();
        assert_eq!(back, gtin);
        assert!(serde_json::from_str::<Gtin>("\"96385075\"").is_err());
    }

    proptest! {
        #[test]
        fn a_gtin_reads_back_from_both_its_forms(gtin in strategies::gtin()) {
            prop_assert_eq!(Gtin::parse(gtin.as_str()), Ok(gtin.clone()));
            prop_assert_eq!(Gtin::parse(gtin.as_str()).map(|g| g.len()), Ok(gtin.len()));
            prop_assert_eq!(gtin.to_string().parse::<Gtin>(), Ok(gtin.clone()));
            prop_assert_eq!(gtin.to_gtin14().len(), 14);
        }

        #[test]
        fn changing_any_one_digit_breaks_the_check(gtin in strategies::gtin(), index in 0usize..14, bump in 1u8..10) {
            let mut digits = gtin.as_str().as_bytes().to_vec();
            let index = index % digits.len();
            digits[index] = b'0' + (digits[index] - b'0' + bump) % 10;
            let changed = String::from_utf8(digits).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let result = Gtin::parse(&changed);
            prop_assert!(matches!(result, Err(CodeError::GtinCheckDigit { .. })), "{} -> {:?}", changed, result);
        }
    }
}

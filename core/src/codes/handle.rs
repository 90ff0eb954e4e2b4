//! Industrial-internet identifiers (工业互联网标识, Handle-based): `<prefix>/<suffix>`.

use std::fmt;

use percent_encoding::utf8_percent_encode;

use super::{CodeError, URN_ENCODE, cut, percent_decode_strict, strip_prefix_ci};

/// The longest prefix accepted, in characters.
const MAX_PREFIX_LEN: usize = 64;
/// The longest suffix accepted, in characters.
const MAX_SUFFIX_LEN: usize = 255;

/// An industrial-internet identifier such as `88.118.8/ABC-123`.
///
/// The prefix is at least two dot-separated numbers (at most 64 characters), e.g. `88.118.8`
/// or `86.1000.12`; the suffix is 1 to 255 characters of printable ASCII without spaces, and
/// may itself hold `/`. Canonical form (`Display`, serde): `<prefix>/<suffix>`, as given.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndustrialId {
    prefix: String,
    suffix: String,
}

fn check_prefix(prefix: &str) -> Result<(), CodeError> {
    let segments: Vec<&str> = prefix.split('.').collect();
    let ok = prefix.len() <= MAX_PREFIX_LEN
        && segments.len() >= 2
        && segments
            .iter()
            .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(CodeError::HandlePrefix {
            prefix: cut(prefix),
        })
    }
}

fn check_suffix(suffix: &str) -> Result<(), CodeError> {
    let len = suffix.chars().count();
    if len == 0 || len > MAX_SUFFIX_LEN {
        return Err(CodeError::HandleSuffixLength { len });
    }
    match suffix
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_graphic())
    {
        Some((i, ch)) => Err(CodeError::HandleSuffixCharacter {
            ch,
            position: i + 1,
        }),
        None => Ok(()),
    }
}

impl IndustrialId {
    /// Reads `<prefix>/<suffix>` (surrounding whitespace ignored). The URN form written by
    /// [`IndustrialId::to_urn`] (`urn:idis:<prefix>/<percent-encoded suffix>`) is read too.
    pub fn parse(input: &str) -> Result<IndustrialId, CodeError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(CodeError::Empty);
        }
        if let Some(rest) = strip_prefix_ci(input, "urn:idis:") {
            let (prefix, suffix) = rest
                .split_once('/')
                .ok_or_else(|| CodeError::HandleFormat { input: cut(input) })?;
            let suffix =
                percent_decode_strict(suffix, "urn:idis:".len() + prefix.chars().count() + 2)?;
            return IndustrialId::new(prefix, &suffix);
        }
        let (prefix, suffix) = input
            .split_once('/')
            .ok_or_else(|| CodeError::HandleFormat { input: cut(input) })?;
        IndustrialId::new(prefix, suffix)
    }

    /// An identifier from its prefix and suffix.
    pub fn new(prefix: &str, suffix: &str) -> Result<IndustrialId, CodeError> {
        check_prefix(prefix)?;
        check_suffix(suffix)?;
        Ok(IndustrialId {
            prefix: prefix.to_owned(),
            suffix: suffix.to_owned(),
        })
    }

    /// The prefix, e.g. `88.118.8`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The suffix, e.g. `ABC-123`.
    pub fn suffix(&self) -> &str {
        &self.suffix
    }

    /// `urn:idis:<prefix>/<suffix>`, the EPCIS identifier Suyuan uses; characters a URN cannot
    /// hold (`#`, `?`, `%`, `"`, …) are percent-encoded.
    pub fn to_urn(&self) -> String {
        format!(
            "urn:idis:{}/{}",
            self.prefix,
            utf8_percent_encode(&self.suffix, URN_ENCODE)
        )
    }
}

impl fmt::Display for IndustrialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.prefix, self.suffix)
    }
}

string_form!(IndustrialId);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::strategies;
    use proptest::prelude::*;

    #[test]
    fn the_domain_example_reads() {
        let id = IndustrialId::parse(" 88.118.8/ABC-123 ");
        let Ok(id) = id else { panic!("{id:?}") };
        assert_eq!((id.prefix(), id.suffix()), ("88.118.8", "ABC-123"));
        assert_eq!(id.to_string(), "88.118.8/ABC-123");
        assert_eq!(
            IndustrialId::parse("86.1000.12/a/b?c").map(|i| i.suffix().to_owned()),
            Ok("a/b?c".into())
        );
    }

    #[test]
    fn the_urn_form_encodes_what_a_urn_cannot_hold() {
        let id = IndustrialId::new("88.118.8", "a#b%c?d");
        let Ok(id) = id else { panic!("{id:?}") };
        assert_eq!(id.to_urn(), "urn:idis:88.118.8/a%23b%25c%3Fd");
        assert_eq!(IndustrialId::parse(&id.to_urn()), Ok(id));
    }

    #[test]
    fn bad_prefixes_and_suffixes_are_refused() {
        assert_eq!(
            IndustrialId::parse("88/ABC"),
            Err(CodeError::HandlePrefix {
                prefix: "88".into()
            })
        );
        assert_eq!(
            IndustrialId::parse("88.x/ABC"),
            Err(CodeError::HandlePrefix {
                prefix: "88.x".into()
            })
        );
        assert_eq!(
            IndustrialId::parse("88..1/ABC"),
            Err(CodeError::HandlePrefix {
                prefix: "88..1".into()
            })
        );
        assert_eq!(
            IndustrialId::parse("88.118.8"),
            Err(CodeError::HandleFormat {
                input: "88.118.8".into()
            })
        );
        assert_eq!(
            IndustrialId::parse("88.118.8/"),
            Err(CodeError::HandleSuffixLength { len: 0 })
        );
        assert_eq!(
            IndustrialId::parse(&format!("88.1/{}", "A".repeat(256))),
            Err(CodeError::HandleSuffixLength { len: 256 })
        );
        assert_eq!(
            IndustrialId::parse("88.1/AB CD"),
            Err(CodeError::HandleSuffixCharacter {
                ch: ' ',
                position: 3
            })
        );
        assert_eq!(
            IndustrialId::parse("88.1/编码"),
            Err(CodeError::HandleSuffixCharacter {
                ch: '编',
                position: 1
            })
        );
    }

    proptest! {
        #[test]
        fn an_identifier_reads_back_from_its_display_and_urn(id in strategies::industrial_id()) {
            prop_assert_eq!(IndustrialId::parse(&id.to_string()), Ok(id.clone()));
            prop_assert_eq!(IndustrialId::parse(&id.to_urn()), Ok(id.clone()));
        }
    }
}

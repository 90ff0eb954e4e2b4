//! Codes issued by a platform that fit no standard form, kept opaque with their issuer.

use std::fmt;

use percent_encoding::utf8_percent_encode;

use super::{CodeError, URN_ENCODE, cut, percent_decode_strict, strip_prefix_ci};

/// The prefix of the canonical form.
pub(crate) const URN_PREFIX: &str = "urn:suyuan:code:";

/// A code issued by a platform, e.g. a marketplace's own trace number.
///
/// The platform is a slug of 1 to 32 characters from `a-z`, `0-9`, `-`, `_` (uppercase input is
/// lowercased); the value is 1 to 128 characters without control characters.
///
/// Canonical form (`Display`, serde, EPCIS): `urn:suyuan:code:<platform>:<value>`, with the value
/// percent-encoded where a URN cannot hold a character (spaces, `#`, `?`, `%`, non-ASCII, …).
/// The explicit prefix means an opaque code can never be confused with another form, and
/// [`TraceCode::parse`](super::TraceCode::parse) never falls back to it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OpaqueCode {
    platform: String,
    value: String,
}

impl OpaqueCode {
    /// A code `value` issued by `platform`.
    pub fn new(platform: &str, value: &str) -> Result<OpaqueCode, CodeError> {
        let platform = platform.to_ascii_lowercase();
        let platform_ok = (1..=32).contains(&platform.len())
            && platform
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !platform_ok {
            return Err(CodeError::OpaquePlatform {
                platform: cut(&platform),
            });
        }
        let len = value.chars().count();
        if !(1..=128).contains(&len) {
            return Err(CodeError::OpaqueValueLength { len });
        }
        if let Some((i, ch)) = value.chars().enumerate().find(|(_, c)| c.is_control()) {
            return Err(CodeError::OpaqueValueCharacter {
                ch,
                position: i + 1,
            });
        }
        Ok(OpaqueCode {
            platform,
            value: value.to_owned(),
        })
    }

    /// Reads the canonical form `urn:suyuan:code:<platform>:<value>` (prefix in any case;
    /// surrounding whitespace ignored; `%XX` escapes in the value decoded).
    pub fn parse(input: &str) -> Result<OpaqueCode, CodeError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(CodeError::Empty);
        }
        let rest = strip_prefix_ci(input, URN_PREFIX)
            .ok_or_else(|| CodeError::OpaqueFormat { input: cut(input) })?;
        let (platform, value) = rest
            .split_once(':')
            .ok_or_else(|| CodeError::OpaqueFormat { input: cut(input) })?;
        let value = percent_decode_strict(value, URN_PREFIX.len() + platform.chars().count() + 2)?;
        OpaqueCode::new(platform, &value)
    }

    /// The issuing platform.
    pub fn platform(&self) -> &str {
        &self.platform
    }

    /// The code as the platform issued it.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for OpaqueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{URN_PREFIX}{}:{}",
            self.platform,
            utf8_percent_encode(&self.value, URN_ENCODE)
        )
    }
}

string_form!(OpaqueCode);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::strategies;
    use proptest::prelude::*;

    #[test]
    fn the_canonical_form_names_the_platform_and_encodes_the_value() {
        let code = OpaqueCode::new("Douyin", "订单 #42");
        let Ok(code) = code else { panic!("{code:?}") };
        assert_eq!(code.platform(), "douyin");
        assert_eq!(code.value(), "订单 #42");
        assert_eq!(
            code.to_string(),
            "urn:suyuan:code:douyin:%E8%AE%A2%E5%8D%95%20%2342"
        );
        assert_eq!(OpaqueCode::parse(&code.to_string()), Ok(code.clone()));
        assert_eq!(
            OpaqueCode::parse("URN:SUYUAN:CODE:douyin:订单 #42"),
            Ok(code)
        );
        assert_eq!(
            OpaqueCode::parse("urn:suyuan:code:e-bike:a:b").map(|c| c.value().to_owned()),
            Ok("a:b".into())
        );
    }

    #[test]
    fn bad_platforms_and_values_are_refused() {
        assert_eq!(
            OpaqueCode::new("my shop", "x"),
            Err(CodeError::OpaquePlatform {
                platform: "my shop".into()
            })
        );
        assert_eq!(
            OpaqueCode::new("", "x"),
            Err(CodeError::OpaquePlatform {
                platform: String::new()
            })
        );
        assert_eq!(
            OpaqueCode::new("a".repeat(33).as_str(), "x").map_err(|e| e.code()),
            Err("opaque_platform")
        );
        assert_eq!(
            OpaqueCode::new("jd", ""),
            Err(CodeError::OpaqueValueLength { len: 0 })
        );
        assert_eq!(
            OpaqueCode::new("jd", &"x".repeat(129)),
            Err(CodeError::OpaqueValueLength { len: 129 })
        );
        assert_eq!(
            OpaqueCode::new("jd", "a\nb"),
            Err(CodeError::OpaqueValueCharacter {
                ch: '\n',
                position: 2
            })
        );
        assert!(matches!(
            OpaqueCode::parse("jd:123"),
            Err(CodeError::OpaqueFormat { .. })
        ));
        assert!(matches!(
            OpaqueCode::parse("urn:suyuan:code:jd"),
            Err(CodeError::OpaqueFormat { .. })
        ));
        assert_eq!(
            OpaqueCode::parse("urn:suyuan:code:jd:100%"),
            Err(CodeError::PercentEncoding { position: 23 })
        );
    }

    proptest! {
        #[test]
        fn an_opaque_code_reads_back_from_its_display(code in strategies::opaque()) {
            prop_assert_eq!(OpaqueCode::parse(&code.to_string()), Ok(code.clone()));
            prop_assert!(code.to_string().is_ascii());
        }
    }
}

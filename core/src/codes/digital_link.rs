//! GS1 Digital Link URIs: `https://<domain>[/<prefix>]/01/<gtin>[/10/<batch>][/21/<serial>][?17=YYMMDD]`.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::gs1::parse_yymmdd;
use super::{
    ApplicationIdentifier, CodeError, Gs1Code, Gtin, cut, percent_decode_strict, strip_prefix_ci,
};

/// GS1's own resolver, the base of canonical Digital Links.
pub(crate) const GS1_RESOLVER: &str = "https://id.gs1.org";

/// Characters percent-encoded in a path segment: all but the RFC 3986 unreserved ones.
const SEGMENT_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a batch or serial for a Digital Link path segment.
pub(crate) fn encode_segment(value: &str) -> String {
    utf8_percent_encode(value, SEGMENT_ENCODE).to_string()
}

/// A GS1 Digital Link: the base it was found on and the GS1 code it carries.
///
/// The base is the scheme, the host and any path before the `/01/` segment, without a trailing
/// `/`: `https://example.com/products` in
/// `https://example.com/products/01/06901234567892/10/B123`. Query parameters that are not
/// application identifiers (`linkType`, tracking parameters, …) and the fragment are ignored.
/// `Display` writes `base` + the code's path, so a link reads back to the same value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DigitalLink {
    base: String,
    code: Gs1Code,
}

/// Byte offset to 1-based character position.
fn position(input: &str, byte: usize) -> usize {
    input.get(..byte).map_or(byte, |s| s.chars().count()) + 1
}

/// Checks that `input` has no whitespace or control characters.
fn check_uri_characters(input: &str) -> Result<(), CodeError> {
    match input
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_whitespace() || c.is_control())
    {
        Some((i, ch)) => Err(CodeError::UriCharacter {
            ch,
            position: i + 1,
        }),
        None => Ok(()),
    }
}

/// The byte index where the authority ends (the path starts), after checking scheme and host.
fn authority_end(input: &str) -> Result<usize, CodeError> {
    let scheme_len = if strip_prefix_ci(input, "https://").is_some() {
        8
    } else if strip_prefix_ci(input, "http://").is_some() {
        7
    } else {
        return Err(CodeError::NotHttpUri { input: cut(input) });
    };
    let after = &input[scheme_len..];
    let end = scheme_len + after.find(['/', '?', '#']).unwrap_or(after.len());
    if end == scheme_len {
        return Err(CodeError::MissingHost);
    }
    Ok(end)
}

impl DigitalLink {
    /// A link for `code` on `base` (`https://id.example.com` or `https://example.com/products`;
    /// a trailing `/` is dropped). The base must be an http(s) URI without query or fragment.
    pub fn new(base: &str, code: Gs1Code) -> Result<DigitalLink, CodeError> {
        let base = base.trim().trim_end_matches('/');
        check_uri_characters(base)?;
        authority_end(base)?;
        if let Some(i) = base.find(['?', '#']) {
            let ch = base[i..].chars().next().unwrap_or('?');
            return Err(CodeError::UriCharacter {
                ch,
                position: position(base, i),
            });
        }
        Ok(DigitalLink {
            base: base.to_owned(),
            code,
        })
    }

    /// Reads a Digital Link URI (surrounding whitespace ignored).
    ///
    /// The path may start with any prefix; the GTIN is the last `/01/` segment followed by 8,
    /// 12, 13 or 14 digits (normalised to GTIN-14). After it come `/10/<batch>` then
    /// `/21/<serial>`, each optional, in that order; path segments are percent-decoded. A query
    /// parameter `17=YYMMDD` gives the expiry date; other numeric query keys are unknown
    /// application identifiers and refused; non-numeric keys are ignored.
    pub fn parse(input: &str) -> Result<DigitalLink, CodeError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(CodeError::Empty);
        }
        check_uri_characters(input)?;
        let path_start = authority_end(input)?;
        let (code, base_end) = parse_from(input, path_start)?;
        let base = input[..base_end].trim_end_matches('/').to_owned();
        Ok(DigitalLink { base, code })
    }

    /// Reads the path and query of a Digital Link as a resolver receives them, e.g.
    /// `/01/06901234567892/10/B123?17=271231` or `/products/01/06901234567892`.
    pub fn parse_path(path_and_query: &str) -> Result<Gs1Code, CodeError> {
        let input = path_and_query.trim();
        if input.is_empty() {
            return Err(CodeError::Empty);
        }
        check_uri_characters(input)?;
        parse_from(input, 0).map(|(code, _)| code)
    }

    /// The base: scheme, host and path prefix, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The GS1 code the link carries.
    pub fn code(&self) -> &Gs1Code {
        &self.code
    }

    /// The GS1 code, consuming the link.
    pub fn into_code(self) -> Gs1Code {
        self.code
    }
}

/// Reads path (from `path_start`) and query of `input`. Returns the code and the byte index
/// where the base ends (the `/` before the `01` segment).
fn parse_from(input: &str, path_start: usize) -> Result<(Gs1Code, usize), CodeError> {
    let rest = &input[path_start..];
    let path_end = path_start + rest.find(['?', '#']).unwrap_or(rest.len());
    let path = &input[path_start..path_end];

    let mut segments: Vec<(usize, &str)> = Vec::new();
    let mut start = path_start;
    for part in path.split('/') {
        segments.push((start, part));
        start += part.len() + 1;
    }

    let is_gtin_shaped =
        |s: &str| matches!(s.len(), 8 | 12 | 13 | 14) && s.bytes().all(|b| b.is_ascii_digit());
    let gtin_at = (0..segments.len())
        .rev()
        .find(|&i| {
            segments[i].1 == "01" && segments.get(i + 1).is_some_and(|(_, s)| is_gtin_shaped(s))
        })
        .ok_or(CodeError::NoGtinInLink)?;
    let base_end = segments[gtin_at].0.saturating_sub(1);
    let gtin = Gtin::parse(segments[gtin_at + 1].1)?;

    let mut tail = &segments[gtin_at + 2..];
    if let Some((last, rest)) = tail.split_last()
        && last.1.is_empty()
    {
        tail = rest;
    }
    let mut batch: Option<String> = None;
    let mut serial: Option<String> = None;
    let mut j = 0;
    while j < tail.len() {
        let (key_at, key_raw) = tail[j];
        let key_position = position(input, key_at);
        let key = percent_decode_strict(key_raw, key_position)?;
        let ai = match key.as_str() {
            "10" => ApplicationIdentifier::Batch,
            "21" => ApplicationIdentifier::Serial,
            "01" => {
                return Err(CodeError::DuplicateAi {
                    ai: ApplicationIdentifier::Gtin,
                });
            }
            k if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(CodeError::UnknownAi {
                    ai: cut(k),
                    position: key_position,
                });
            }
            k => {
                return Err(CodeError::UnexpectedSegment {
                    segment: cut(k),
                    position: key_position,
                });
            }
        };
        let Some(&(value_at, value_raw)) = tail.get(j + 1) else {
            return Err(CodeError::MissingValue { ai });
        };
        let value = percent_decode_strict(value_raw, position(input, value_at))?;
        let slot = match ai {
            ApplicationIdentifier::Batch => {
                if serial.is_some() {
                    return Err(CodeError::QualifierOrder {
                        position: key_position,
                    });
                }
                &mut batch
            }
            _ => &mut serial,
        };
        if slot.is_some() {
            return Err(CodeError::DuplicateAi { ai });
        }
        *slot = Some(super::gs1::check_text(ai, &value)?);
        j += 2;
    }

    let mut expiry = None;
    if input[path_end..].starts_with('?') {
        let query_start = path_end + 1;
        let query_rest = &input[query_start..];
        let query = &query_rest[..query_rest.find('#').unwrap_or(query_rest.len())];
        let mut at = query_start;
        for pair in query.split('&') {
            let pair_at = at;
            at += pair.len() + 1;
            if pair.is_empty() {
                continue;
            }
            let (key_raw, value_raw) = pair.split_once('=').unwrap_or((pair, ""));
            let key_position = position(input, pair_at);
            let key = percent_decode_strict(key_raw, key_position)?;
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            match ApplicationIdentifier::from_code(&key) {
                Some(ApplicationIdentifier::Expiry) => {
                    if expiry.is_some() {
                        return Err(CodeError::DuplicateAi {
                            ai: ApplicationIdentifier::Expiry,
                        });
                    }
                    let value = percent_decode_strict(
                        value_raw,
                        key_position + key_raw.chars().count() + 1,
                    )?;
                    expiry = Some(parse_yymmdd(&value)?);
                }
                Some(ai) => return Err(CodeError::QualifierInQuery { ai }),
                None => {
                    return Err(CodeError::UnknownAi {
                        ai: cut(&key),
                        position: key_position,
                    });
                }
            }
        }
    }

    let code = Gs1Code::new(gtin, batch.as_deref(), serial.as_deref(), expiry)?;
    Ok((code, base_end))
}

impl fmt::Display for DigitalLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code.to_digital_link(&self.base))
    }
}

string_form!(DigitalLink);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::strategies;
    use proptest::prelude::*;

    fn link(s: &str) -> DigitalLink {
        match DigitalLink::parse(s) {
            Ok(l) => l,
            Err(e) => panic!("{s:?} should parse: {e}"),
        }
    }

    #[test]
    fn the_domain_example_link_reads_with_its_base() {
        let l = link("https://id.example.com/01/06901234567892/10/B123/21/S1?17=271231");
        assert_eq!(l.base(), "https://id.example.com");
        assert_eq!(
            l.code().to_string(),
            "(01)06901234567892(17)271231(10)B123(21)S1"
        );
        assert_eq!(
            l.to_string(),
            "https://id.example.com/01/06901234567892/10/B123/21/S1?17=271231"
        );
    }

    #[test]
    fn a_prefix_path_may_itself_hold_01_segments() {
        let l = link(
            "https://shop.example.cn/products/01/cables/01/12345670/01/6901234567892/21/A%2FB",
        );
        assert_eq!(
            l.base(),
            "https://shop.example.cn/products/01/cables/01/12345670"
        );
        assert_eq!(l.code().gtin().as_gtin14(), "06901234567892");
        assert_eq!(l.code().serial(), Some("A/B"));
        assert_eq!(
            l.to_string(),
            "https://shop.example.cn/products/01/cables/01/12345670/01/06901234567892/21/A%2FB"
        );
    }

    #[test]
    fn short_gtins_are_normalised_and_extra_query_parameters_ignored() {
        let l = link("HTTP://Example.com/01/96385074/?linkType=gs1:pip&utm_source=qr#top");
        assert_eq!(l.code().gtin().as_gtin14(), "00000096385074");
        assert_eq!(l.code().batch(), None);
        assert_eq!(l.base(), "HTTP://Example.com");
    }

    #[test]
    fn reserved_characters_are_percent_encoded_on_the_way_out() {
        let gtin = link("https://x.cn/01/06901234567892").into_code();
        let Ok(code) = gtin.with_batch("A/B?C%D") else {
            panic!("valid batch")
        };
        assert_eq!(
            code.to_digital_link("https://x.cn/"),
            "https://x.cn/01/06901234567892/10/A%2FB%3FC%25D"
        );
        assert_eq!(
            Gs1Code::parse(&code.to_digital_link("https://x.cn")),
            Ok(code)
        );
    }

    #[test]
    fn qualifiers_out_of_order_are_refused() {
        let err = DigitalLink::parse("https://x.cn/01/06901234567892/21/S1/10/B1");
        assert_eq!(err, Err(CodeError::QualifierOrder { position: 38 }));
        let Err(err) = err else { return };
        assert!(
            err.to_string()
                .contains("/10/ (batch) must come before /21/ (serial)")
        );
        assert_eq!(err.code(), "digital_link_qualifier_order");
    }

    #[test]
    fn malformed_links_say_what_is_wrong() {
        assert_eq!(
            DigitalLink::parse("https://x.cn/gtin/06901234567892"),
            Err(CodeError::NoGtinInLink)
        );
        assert_eq!(
            DigitalLink::parse("https://x.cn/01/06901234567893"),
            Err(CodeError::GtinCheckDigit {
                expected: 2,
                actual: 3
            })
        );
        assert_eq!(
            DigitalLink::parse("https://x.cn/01/06901234567892/22/ABC"),
            Err(CodeError::UnknownAi {
                ai: "22".into(),
                position: 32
            })
        );
        assert_eq!(
            DigitalLink::parse("https://x.cn/01/06901234567892/lot/ABC"),
            Err(CodeError::UnexpectedSegment {
                segment: "lot".into(),
                position: 32
            })
        );
        assert_eq!(
            DigitalLink::parse("https://x.cn/01/06901234567892/10"),
            Err(CodeError::MissingValue {
                ai: ApplicationIdentifier::Batch
            })
        );
        assert_eq!(
            DigitalLink::parse("https://x.cn/01/06901234567892/10/B%ZZ"),
            Err(CodeError::PercentEncoding { position: 36 })
        );
        assert_eq!(
            DigitalLink::parse("https://x.cn/01/06901234567892?10=B1"),
            Err(CodeError::QualifierInQuery {
                ai: ApplicationIdentifier::Batch
            })
        );
        assert_eq!(
            DigitalLink::parse("https://x.cn/01/06901234567892?3103=000123"),
            Err(CodeError::UnknownAi {
                ai: "3103".into(),
                position: 32
            })
        );
        assert_eq!(
            DigitalLink::parse("https://x.cn/01/06901234567892?17=251301"),
            Err(CodeError::InvalidDate {
                value: "251301".into()
            })
        );
        assert_eq!(
            DigitalLink::parse("https://x.cn/01/06901234567892/10/B 1"),
            Err(CodeError::UriCharacter {
                ch: ' ',
                position: 36
            })
        );
        assert_eq!(
            DigitalLink::parse("https:///01/06901234567892"),
            Err(CodeError::MissingHost)
        );
        assert!(matches!(
            DigitalLink::parse("ftp://x.cn/01/06901234567892"),
            Err(CodeError::NotHttpUri { .. })
        ));
        assert!(matches!(
            DigitalLink::parse("https://x.cn/01/06901234567892/10/ABCDEFGHIJKLMNOPQRSTU"),
            Err(CodeError::FieldTooLong { len: 21, .. })
        ));
    }

    #[test]
    fn a_resolver_reads_the_path_alone() {
        let code = DigitalLink::parse_path("/01/06901234567892/10/B123?17=270600");
        assert_eq!(
            code.map(|c| c.to_string()),
            Ok("(01)06901234567892(17)270630(10)B123".to_owned())
        );
    }

    #[test]
    fn a_base_must_be_an_http_uri() {
        let code = link("https://x.cn/01/06901234567892").into_code();
        assert!(DigitalLink::new("https://id.example.com/", code.clone()).is_ok());
        assert!(matches!(
            DigitalLink::new("id.example.com", code.clone()),
            Err(CodeError::NotHttpUri { .. })
        ));
        assert!(matches!(
            DigitalLink::new("https://x.cn/?a=1", code),
            Err(CodeError::UriCharacter { ch: '?', .. })
        ));
    }

    proptest! {
        #[test]
        fn a_link_reads_back_on_any_base(
            code in strategies::gs1_code(),
            host in "[a-z0-9]{1,10}\\.(cn|com)",
            prefix in proptest::collection::vec("[a-z0-9]{1,8}|01|21|10|12345670", 0..4),
        ) {
            let base = format!("https://{host}{}", prefix.iter().map(|p| format!("/{p}")).collect::<String>());
            let l = DigitalLink::new(&base, code.clone()).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let shown = l.to_string();
            prop_assert_eq!(DigitalLink::parse(&shown), Ok(l.clone()));
            prop_assert_eq!(Gs1Code::parse(&shown), Ok(code.clone()));
            prop_assert_eq!(DigitalLink::parse_path(&shown[8 + host.len()..]), Ok(code));
        }
    }
}

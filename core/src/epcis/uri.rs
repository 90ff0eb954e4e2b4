//! Absolute URIs (RFC 3986 `URI`), the shape of every identifier in an EPCIS event, and the
//! percent-encoding Suyuan's own URNs use.

use super::error::{EpcisError, cut};

const UNRESERVED_OR_SUB_DELIM: u8 = 1;
const COLON: u8 = 2;
const AT: u8 = 4;
const SLASH: u8 = 8;
const QUESTION: u8 = 16;
const PERCENT: u8 = 32;

const PCHAR: u8 = UNRESERVED_OR_SUB_DELIM | COLON | AT;
const PATH: u8 = PCHAR | SLASH;
const QUERY_OR_FRAGMENT: u8 = PATH | QUESTION;
const AUTHORITY: u8 = UNRESERVED_OR_SUB_DELIM | COLON | AT;

/// The class of each byte in RFC 3986's grammar.
const fn class(b: u8) -> u8 {
    match b {
        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => UNRESERVED_OR_SUB_DELIM,
        b'-' | b'.' | b'_' | b'~' => UNRESERVED_OR_SUB_DELIM,
        b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => {
            UNRESERVED_OR_SUB_DELIM
        }
        b':' => COLON,
        b'@' => AT,
        b'/' => SLASH,
        b'?' => QUESTION,
        b'%' => PERCENT,
        _ => 0,
    }
}

/// Scans bytes of `allowed` classes (and sound percent-encodings) from `at`; returns where the
/// run ends, or why it is broken.
fn scan(bytes: &[u8], mut at: usize, allowed: u8) -> Result<usize, String> {
    while let Some(&b) = bytes.get(at) {
        let c = class(b);
        if c & allowed != 0 {
            at += 1;
        } else if c == PERCENT {
            let ok = bytes
                .get(at + 1..at + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit));
            if !ok {
                return Err(format!(
                    "`%` at byte {at} is not followed by two hex digits"
                ));
            }
            at += 3;
        } else {
            break;
        }
    }
    Ok(at)
}

/// Why `text` is not an absolute URI (`scheme ":" hier-part [ "?" query ] [ "#" fragment ]`),
/// or `Ok` when it is one. IP-literal hosts (`[::1]`) are refused.
pub(super) fn check(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return Err("it is empty".to_owned());
    }
    let scheme_ok = bytes[0].is_ascii_alphabetic();
    let scheme_end = bytes
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')));
    let scheme_end = match scheme_end {
        Some(end) if scheme_ok && bytes[end] == b':' => end,
        _ => return Err("it does not start with a scheme such as `https:` or `urn:`".to_owned()),
    };
    let mut at = scheme_end + 1;
    if bytes[at..].starts_with(b"//") {
        let end = scan(bytes, at + 2, AUTHORITY)?;
        let authority = &bytes[at + 2..end];
        let host_port = match authority.iter().position(|&b| b == b'@') {
            Some(i) => &authority[i + 1..],
            None => authority,
        };
        let host_end = host_port
            .iter()
            .position(|&b| b == b':' || b == b'@')
            .unwrap_or(host_port.len());
        match host_port.get(host_end) {
            None => {}
            Some(b':') if host_port[host_end + 1..].iter().all(u8::is_ascii_digit) => {}
            Some(b':') => return Err("the port is not a number".to_owned()),
            Some(_) => return Err("the authority holds `@` twice".to_owned()),
        }
        at = end;
    }
    at = scan(bytes, at, PATH)?;
    if bytes.get(at) == Some(&b'?') {
        at = scan(bytes, at + 1, QUERY_OR_FRAGMENT)?;
    }
    if bytes.get(at) == Some(&b'#') {
        at = scan(bytes, at + 1, QUERY_OR_FRAGMENT)?;
    }
    match text[at..].chars().next() {
        None => Ok(()),
        Some(c) => Err(format!(
            "{c:?} at byte {at} is not allowed here (percent-encode it)"
        )),
    }
}

/// Checks that `value` is an absolute URI, naming `field` in the error.
pub(super) fn require(field: &str, value: &str) -> Result<(), EpcisError> {
    check(value).map_err(|reason| EpcisError::InvalidUri {
        field: field.to_owned(),
        value: cut(value),
        reason,
    })
}

/// Percent-encodes every byte outside RFC 3986's unreserved set, so any text fits in one URN
/// segment.
pub(super) fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

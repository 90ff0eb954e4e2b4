//! Trace codes: the identifiers printed on products and scanned by sellers.
//!
//! A [`TraceCode`] is one of
//!
//! - a GS1 code ([`Gs1Code`]): a GTIN with an optional batch (AI 10), serial (AI 21) and expiry
//!   date (AI 17), read from a bare GTIN, a GS1 element string (`(01)06901234567892(10)B123` or
//!   the raw form with GS separators) or a GS1 Digital Link URI;
//! - an [`Ecode`] (GB/T 31866), written with an explicit `Ecode:` prefix;
//! - an industrial-internet identifier ([`IndustrialId`], `88.118.8/ABC-123`);
//! - an [`OpaqueCode`] issued by a platform, only in its explicit form
//!   `urn:suyuan:code:<platform>:<value>`.
//!
//! Every type here can only hold a valid value: build one with `parse` or `new`. Each renders
//! its canonical form with `Display`, parses it back with `FromStr`, and goes through serde as
//! that canonical string.

use std::fmt;

use chrono::NaiveDate;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// Implements `FromStr`, `Serialize` and `Deserialize` through `parse` and `Display`.
macro_rules! string_form {
    ($ty:ty) => {
        impl ::std::str::FromStr for $ty {
            type Err = $crate::codes::CodeError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$ty>::parse(s)
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                let raw = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                <$ty>::parse(&raw).map_err(::serde::de::Error::custom)
            }
        }
    };
}

mod digital_link;
mod ecode;
mod error;
mod gs1;
mod gtin;
mod handle;
mod opaque;

pub use digital_link::DigitalLink;
pub use ecode::Ecode;
pub use error::CodeError;
pub use gs1::{ApplicationIdentifier, Gs1Code};
pub use gtin::{Gtin, compute_check_digit};
pub use handle::IndustrialId;
pub use opaque::OpaqueCode;

/// The group separator (ASCII 29) that ends a variable-length field in a raw GS1 element string.
pub const GS: char = '\u{1d}';

/// Characters percent-encoded in the URN forms this module writes (`urn:suyuan:code:…`,
/// `urn:idis:…`): everything RFC 8141 does not allow unencoded in a name, and `%` itself.
pub(crate) const URN_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@')
    .remove(b'/');

/// Cuts user input to 64 characters for an error message.
pub(crate) fn cut(input: &str) -> String {
    let mut out: String = input.chars().take(64).collect();
    if input.chars().nth(64).is_some() {
        out.push('…');
    }
    out
}

/// Decodes `%XX` escapes, refusing a `%` without two hex digits and bytes that are not UTF-8.
/// `position` is the 1-based character position of `raw` in the input, for the error.
pub(crate) fn percent_decode_strict(raw: &str, position: usize) -> Result<String, CodeError> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let ok = bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                let offset = raw[..i].chars().count();
                return Err(CodeError::PercentEncoding {
                    position: position + offset,
                });
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| CodeError::PercentEncoding { position })
}

/// Strips `prefix` from the start of `input`, ignoring ASCII case.
pub(crate) fn strip_prefix_ci<'a>(input: &'a str, prefix: &str) -> Option<&'a str> {
    let head = input.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        input.get(prefix.len()..)
    } else {
        None
    }
}

/// Which form a [`TraceCode`] has.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    /// A GS1 code: GTIN with optional batch, serial and expiry.
    Gs1,
    /// An Ecode (GB/T 31866).
    Ecode,
    /// An industrial-internet (Handle-based) identifier.
    Handle,
    /// An opaque code issued by a platform.
    Opaque,
}

impl CodeKind {
    /// Every kind, in a stable order.
    pub const ALL: [CodeKind; 4] = [
        CodeKind::Gs1,
        CodeKind::Ecode,
        CodeKind::Handle,
        CodeKind::Opaque,
    ];

    /// The kind named `name` (as written by [`CodeKind::as_str`]).
    pub fn from_name(name: &str) -> Option<CodeKind> {
        CodeKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The stable name stored and sent: `gs1`, `ecode`, `handle` or `opaque`.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeKind::Gs1 => "gs1",
            CodeKind::Ecode => "ecode",
            CodeKind::Handle => "handle",
            CodeKind::Opaque => "opaque",
        }
    }
}

impl fmt::Display for CodeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A code on a product, in any of the forms Suyuan reads.
///
/// `Display` writes the canonical form, which [`TraceCode::parse`] reads back to the same value:
///
/// - GS1: the bracketed element string with the GTIN-14, fixed-length fields first:
///   `(01)06901234567892(17)271231(10)B123(21)S1`. A `(` inside a batch or serial is written
///   `\(`, as the GS1 Barcode Syntax Engine does, so the form stays unambiguous;
/// - Ecode: `Ecode:` and the code;
/// - industrial-internet identifier: `<prefix>/<suffix>`;
/// - opaque: `urn:suyuan:code:<platform>:<percent-encoded value>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TraceCode {
    /// A GS1 code (a bare GTIN, an element string or a Digital Link).
    Gs1(Gs1Code),
    /// An Ecode.
    Ecode(Ecode),
    /// An industrial-internet identifier.
    Handle(IndustrialId),
    /// An opaque platform code.
    Opaque(OpaqueCode),
}

/// Whether `input` starts with a Handle-style prefix (`<digits>.<digits>…/`).
fn looks_like_handle(input: &str) -> bool {
    let Some((prefix, _)) = input.split_once('/') else {
        return false;
    };
    // A raw GS1 element string (`01` and 14 digits, then e.g. a batch `10.0/`) can look like
    // a handle prefix; real handle prefixes never start with a 16-digit segment, so those
    // are read as GS1.
    let mut count = 0;
    for (i, segment) in prefix.split('.').enumerate() {
        if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        if i == 0 && segment.len() >= 16 && segment.starts_with("01") {
            return false;
        }
        count += 1;
    }
    count >= 2
}

/// Whether `input` looks like a GS1 element string or a bare GTIN.
fn looks_like_gs1(input: &str) -> bool {
    if input.starts_with('(') || input.starts_with(']') || gs1::has_separator(input) {
        return true;
    }
    if input.bytes().all(|b| b.is_ascii_digit()) && input.len() <= 14 {
        return true;
    }
    input.starts_with("01")
        && input.len() >= 16
        && input.as_bytes()[..16].iter().all(u8::is_ascii_digit)
}

impl TraceCode {
    /// Reads a code in any form Suyuan knows, after trimming surrounding whitespace:
    ///
    /// 1. `urn:suyuan:code:` → opaque code; `Ecode:` or `urn:ecode:` → Ecode;
    ///    `urn:idis:` → industrial-internet identifier (any case for these prefixes);
    /// 2. `http://` or `https://` → GS1 Digital Link;
    /// 3. `<digits>.<digits>…/<suffix>` → industrial-internet identifier;
    /// 4. starts with `(` or a symbology identifier (`]C1`, `]d2`, `]Q3`, …), or holds a GS
    ///    separator → GS1 element string; 8 to 14 digits → GTIN; `01`, 14 digits and more →
    ///    raw element string.
    ///
    /// Anything else is [`CodeError::Unrecognized`]: an opaque code is never a fallback.
    pub fn parse(input: &str) -> Result<TraceCode, CodeError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(CodeError::Empty);
        }
        if strip_prefix_ci(input, opaque::URN_PREFIX).is_some() {
            return OpaqueCode::parse(input).map(TraceCode::Opaque);
        }
        if strip_prefix_ci(input, "ecode:").is_some()
            || strip_prefix_ci(input, "urn:ecode:").is_some()
        {
            return Ecode::parse(input).map(TraceCode::Ecode);
        }
        if strip_prefix_ci(input, "urn:idis:").is_some() {
            return IndustrialId::parse(input).map(TraceCode::Handle);
        }
        if strip_prefix_ci(input, "http://").is_some()
            || strip_prefix_ci(input, "https://").is_some()
        {
            return Gs1Code::parse_digital_link(input).map(TraceCode::Gs1);
        }
        if looks_like_handle(input) {
            return IndustrialId::parse(input).map(TraceCode::Handle);
        }
        if looks_like_gs1(input) {
            return Gs1Code::parse(input).map(TraceCode::Gs1);
        }
        Err(CodeError::Unrecognized { input: cut(input) })
    }

    /// An opaque code issued by `platform`, e.g. `TraceCode::opaque("douyin", "DY-8842")`.
    pub fn opaque(platform: &str, value: &str) -> Result<TraceCode, CodeError> {
        OpaqueCode::new(platform, value).map(TraceCode::Opaque)
    }

    /// Which form the code has.
    pub fn kind(&self) -> CodeKind {
        match self {
            TraceCode::Gs1(_) => CodeKind::Gs1,
            TraceCode::Ecode(_) => CodeKind::Ecode,
            TraceCode::Handle(_) => CodeKind::Handle,
            TraceCode::Opaque(_) => CodeKind::Opaque,
        }
    }

    /// The GS1 content: the code itself, or the GS1 code inside a version-0 Ecode.
    pub fn gs1(&self) -> Option<&Gs1Code> {
        match self {
            TraceCode::Gs1(code) => Some(code),
            TraceCode::Ecode(ecode) => ecode.gs1(),
            TraceCode::Handle(_) | TraceCode::Opaque(_) => None,
        }
    }

    /// The GTIN, for GS1 codes (and version-0 Ecodes).
    pub fn gtin(&self) -> Option<&Gtin> {
        self.gs1().map(Gs1Code::gtin)
    }

    /// The batch or lot number (AI 10), when there is one.
    pub fn batch(&self) -> Option<&str> {
        self.gs1().and_then(Gs1Code::batch)
    }

    /// The serial number (AI 21), when there is one.
    pub fn serial(&self) -> Option<&str> {
        self.gs1().and_then(Gs1Code::serial)
    }

    /// The expiry date (AI 17), when there is one.
    pub fn expiry(&self) -> Option<NaiveDate> {
        self.gs1().and_then(Gs1Code::expiry)
    }

    /// Whether the code names one unit: a GS1 code with a serial, or an Ecode (versions 1 to 3),
    /// industrial-internet identifier or opaque code. A version-0 Ecode follows its GS1 content.
    pub fn is_unit_level(&self) -> bool {
        match self {
            TraceCode::Gs1(code) => code.is_unit_level(),
            TraceCode::Ecode(ecode) => ecode.gs1().is_none_or(Gs1Code::is_unit_level),
            TraceCode::Handle(_) | TraceCode::Opaque(_) => true,
        }
    }

    /// The identifier to use in EPCIS documents:
    ///
    /// - GS1 (and version-0 Ecode): the canonical GS1 Digital Link on `https://id.gs1.org` with
    ///   GTIN, batch and serial (no expiry: it is a data attribute, not part of the identity);
    /// - Ecode versions 1 to 3: `urn:ecode:<code>`;
    /// - industrial-internet identifier: `urn:idis:<prefix>/<suffix>`, percent-encoding what a
    ///   URN cannot hold;
    /// - opaque: its `urn:suyuan:code:…` form.
    pub fn to_epc_uri(&self) -> String {
        match self {
            TraceCode::Gs1(code) => code.to_epc_uri(),
            TraceCode::Ecode(ecode) => match ecode.gs1() {
                Some(code) => code.to_epc_uri(),
                None => ecode.to_urn(),
            },
            TraceCode::Handle(id) => id.to_urn(),
            TraceCode::Opaque(code) => code.to_string(),
        }
    }

    /// For GS1 codes: the class-level identifier (GTIN and batch, never serial) used in EPCIS
    /// quantity lists, e.g. `https://id.gs1.org/01/06901234567892/10/B123`. `None` otherwise.
    pub fn to_class_uri(&self) -> Option<String> {
        self.gs1().map(Gs1Code::to_class_uri)
    }

    /// For GS1 codes: the Digital Link on `base` (e.g. `https://id.example.com`), expiry
    /// included. `None` otherwise.
    pub fn digital_link(&self, base: &str) -> Option<String> {
        self.gs1().map(|code| code.to_digital_link(base))
    }
}

impl fmt::Display for TraceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceCode::Gs1(code) => fmt::Display::fmt(code, f),
            TraceCode::Ecode(code) => fmt::Display::fmt(code, f),
            TraceCode::Handle(code) => fmt::Display::fmt(code, f),
            TraceCode::Opaque(code) => fmt::Display::fmt(code, f),
        }
    }
}

string_form!(TraceCode);

impl From<Gs1Code> for TraceCode {
    fn from(code: Gs1Code) -> Self {
        TraceCode::Gs1(code)
    }
}

impl From<Gtin> for TraceCode {
    fn from(gtin: Gtin) -> Self {
        TraceCode::Gs1(Gs1Code::from_gtin(gtin))
    }
}

impl From<Ecode> for TraceCode {
    fn from(code: Ecode) -> Self {
        TraceCode::Ecode(code)
    }
}

impl From<IndustrialId> for TraceCode {
    fn from(code: IndustrialId) -> Self {
        TraceCode::Handle(code)
    }
}

impl From<OpaqueCode> for TraceCode {
    fn from(code: OpaqueCode) -> Self {
        TraceCode::Opaque(code)
    }
}

/// Strategies that generate valid codes, for property tests here and in other modules.
#[cfg(test)]
pub(crate) mod strategies;

#[cfg(test)]
mod tests;

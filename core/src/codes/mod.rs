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
mod gs1;
mod gtin;
mod handle;
mod opaque;

pub use digital_link::DigitalLink;
pub use ecode::Ecode;
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

/// Why a string is not a valid trace code, and where.
///
/// Positions are 1-based character positions in the input (or in the named field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// The input is empty or only whitespace.
    #[error("the code is empty")]
    Empty,
    /// A GTIN with a number of digits other than 8, 12, 13 or 14.
    #[error("GTIN has {len} digits; it must have 8, 12, 13 or 14")]
    GtinLength {
        /// How many characters it has.
        len: usize,
    },
    /// A GTIN with a character that is not a digit.
    #[error("character {ch:?} at position {position} is not a digit; a GTIN has digits only")]
    GtinCharacter {
        /// The character.
        ch: char,
        /// Its 1-based position in the GTIN.
        position: usize,
    },
    /// A GTIN whose check digit does not match the other digits.
    #[error("GTIN check digit should be {expected}, got {actual}")]
    GtinCheckDigit {
        /// The check digit the other digits give.
        expected: u8,
        /// The last digit of the input.
        actual: u8,
    },
    /// A GS1 application identifier Suyuan does not read.
    #[error(
        "unknown or unsupported GS1 application identifier ({ai}) at position {position}; \
         Suyuan reads (01) GTIN, (10) batch, (17) expiry date and (21) serial"
    )]
    UnknownAi {
        /// The identifier as found (in a raw element string: its first digits).
        ai: String,
        /// Where it starts.
        position: usize,
    },
    /// The same application identifier twice.
    #[error("{} appears more than once", .ai.label_en())]
    DuplicateAi {
        /// The repeated identifier.
        ai: ApplicationIdentifier,
    },
    /// An element string or Digital Link without a GTIN.
    #[error("the GS1 code has no GTIN (AI 01)")]
    MissingGtin,
    /// A field with no value.
    #[error("{} is empty", .ai.label_en())]
    EmptyField {
        /// The field.
        ai: ApplicationIdentifier,
    },
    /// A variable-length field over its maximum.
    #[error("{} is {len} characters long; at most {max} are allowed", .ai.label_en())]
    FieldTooLong {
        /// The field.
        ai: ApplicationIdentifier,
        /// Its length in characters.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// A fixed-length field of the wrong length.
    #[error("{} must have exactly {expected} digits, got {actual}", .ai.label_en())]
    FieldLength {
        /// The field.
        ai: ApplicationIdentifier,
        /// The length it must have.
        expected: usize,
        /// The length it has.
        actual: usize,
    },
    /// A character outside the GS1 character set 82 in a batch or serial.
    #[error(
        "character {ch:?} at position {position} of {} is not allowed; GS1 allows letters, digits \
         and !\"%&'()*+,-./:;<=>?_",
        .ai.label_en()
    )]
    FieldCharacter {
        /// The field.
        ai: ApplicationIdentifier,
        /// The character.
        ch: char,
        /// Its 1-based position in the field's value.
        position: usize,
    },
    /// An expiry date that is not a YYMMDD date.
    #[error("expiry date (AI 17) {value:?} is not a valid YYMMDD date")]
    InvalidDate {
        /// The value as found.
        value: String,
    },
    /// An expiry date a two-digit year cannot express.
    #[error("expiry date {date} is outside the years 2000 to 2099 that a YYMMDD date can express")]
    DateOutOfRange {
        /// The date.
        date: NaiveDate,
    },
    /// Something other than an application identifier where one should start.
    #[error(
        "expected an application identifier such as (01) at position {position} of the GS1 element string"
    )]
    ExpectedAi {
        /// Where.
        position: usize,
    },
    /// A `(` without its `)`.
    #[error("the '(' at position {position} of the GS1 element string is never closed with ')'")]
    UnclosedBracket {
        /// Where the bracket opens.
        position: usize,
    },
    /// Brackets around something other than 2 to 4 digits.
    #[error(
        "({ai}) at position {position} is not an application identifier: those are 2 to 4 digits"
    )]
    BadAi {
        /// What was between the brackets.
        ai: String,
        /// Where the bracket opens.
        position: usize,
    },
    /// A scanner symbology identifier that does not announce GS1 data.
    #[error(
        "symbology identifier {id:?} does not announce GS1 data; expected ]C1, ]e0, ]d2, ]Q3, ]J1, ]E0 or ]E4"
    )]
    UnsupportedSymbology {
        /// The identifier.
        id: String,
    },
    /// A URI that does not start with `http://` or `https://`.
    #[error("{input:?} is not an http:// or https:// URI")]
    NotHttpUri {
        /// The input, cut to 64 characters.
        input: String,
    },
    /// A URI with no host.
    #[error("the URI has no host after its scheme")]
    MissingHost,
    /// A space or control character in a URI.
    #[error("character {ch:?} at position {position} is not allowed in a URI")]
    UriCharacter {
        /// The character.
        ch: char,
        /// Where.
        position: usize,
    },
    /// A `%` not followed by two hex digits, or escapes that do not decode to UTF-8 text.
    #[error("invalid percent-encoding at position {position}")]
    PercentEncoding {
        /// Where.
        position: usize,
    },
    /// A Digital Link without `/01/<gtin>` in its path.
    #[error("the Digital Link has no /01/ path segment followed by an 8, 12, 13 or 14 digit GTIN")]
    NoGtinInLink,
    /// Digital Link key qualifiers in the wrong order.
    #[error(
        "Digital Link qualifiers are out of order at position {position}: /10/ (batch) must come before /21/ (serial)"
    )]
    QualifierOrder {
        /// Where the misplaced qualifier starts.
        position: usize,
    },
    /// A Digital Link path that ends after a qualifier's identifier.
    #[error("the Digital Link path ends after /{}/ without a value", .ai.code())]
    MissingValue {
        /// The qualifier.
        ai: ApplicationIdentifier,
    },
    /// A path segment after the GTIN that is not an application identifier.
    #[error(
        "unexpected path segment {segment:?} at position {position} of the Digital Link; expected /10/ or /21/"
    )]
    UnexpectedSegment {
        /// The segment, decoded and cut to 64 characters.
        segment: String,
        /// Where.
        position: usize,
    },
    /// A GTIN, batch or serial given as a query parameter instead of a path segment.
    #[error("{} must be a path segment in a Digital Link, not a query parameter", .ai.label_en())]
    QualifierInQuery {
        /// The identifier.
        ai: ApplicationIdentifier,
    },
    /// An Ecode version this module does not read.
    #[error("Ecode version {version:?} is not supported; expected 0, 1, 2 or 3")]
    EcodeVersion {
        /// The first character of the code.
        version: char,
    },
    /// An Ecode of the wrong length for its version.
    #[error("{}", ecode_length_en(*.version, *.min, *.max, *.actual))]
    EcodeLength {
        /// The version digit.
        version: u8,
        /// The shortest allowed length, version digit included.
        min: usize,
        /// The longest allowed length, version digit included.
        max: usize,
        /// The length found.
        actual: usize,
    },
    /// A numbering-system identifier that is not 4 digits.
    #[error("the Ecode numbering-system identifier {nsi:?} must be 4 digits")]
    EcodeNsi {
        /// The identifier given, cut to 64 characters.
        nsi: String,
    },
    /// A character an Ecode of this version cannot hold.
    #[error(
        "character {ch:?} at position {position} is not allowed in an Ecode of version {version}"
    )]
    EcodeCharacter {
        /// The version digit.
        version: u8,
        /// The character.
        ch: char,
        /// Its 1-based position in the code (after the `Ecode:` prefix).
        position: usize,
    },
    /// An industrial-internet identifier without `/` between prefix and suffix.
    #[error(
        "{input:?} is not an industrial-internet identifier: expected <prefix>/<suffix> such as 88.118.8/ABC-123"
    )]
    HandleFormat {
        /// The input, cut to 64 characters.
        input: String,
    },
    /// An identifier prefix that is not dot-separated numbers.
    #[error(
        "{prefix:?} is not an identifier prefix: it must be at least two dot-separated numbers such as 88.118.8"
    )]
    HandlePrefix {
        /// The prefix, cut to 64 characters.
        prefix: String,
    },
    /// An identifier suffix that is empty or too long.
    #[error("the identifier suffix has {len} characters; it must have 1 to 255")]
    HandleSuffixLength {
        /// Its length.
        len: usize,
    },
    /// A space, control or non-ASCII character in an identifier suffix.
    #[error(
        "character {ch:?} at position {position} of the identifier suffix is not allowed; use printable ASCII without spaces"
    )]
    HandleSuffixCharacter {
        /// The character.
        ch: char,
        /// Its 1-based position in the suffix.
        position: usize,
    },
    /// An opaque code not written as `urn:suyuan:code:<platform>:<value>`.
    #[error("{input:?} is not an opaque code: expected urn:suyuan:code:<platform>:<value>")]
    OpaqueFormat {
        /// The input, cut to 64 characters.
        input: String,
    },
    /// A platform name that is not a lowercase slug.
    #[error(
        "{platform:?} is not a platform name: use 1 to 32 lowercase letters, digits, '-' or '_'"
    )]
    OpaquePlatform {
        /// The platform, cut to 64 characters.
        platform: String,
    },
    /// An opaque value that is empty or too long.
    #[error("an opaque code value has {len} characters; it must have 1 to 128")]
    OpaqueValueLength {
        /// Its length.
        len: usize,
    },
    /// A control character in an opaque value.
    #[error(
        "control character {ch:?} at position {position} is not allowed in an opaque code value"
    )]
    OpaqueValueCharacter {
        /// The character.
        ch: char,
        /// Its 1-based position in the value.
        position: usize,
    },
    /// Input that matches none of the code forms.
    #[error(
        "{input:?} is not a recognised trace code; tried GS1 Digital Link (https://…/01/<GTIN>…), \
         GS1 element string ((01)<GTIN>… or 01<GTIN>…), GTIN (8, 12, 13 or 14 digits), Ecode \
         (Ecode:…), industrial-internet identifier (88.118.8/…) and opaque code \
         (urn:suyuan:code:<platform>:<value>)"
    )]
    Unrecognized {
        /// The input, cut to 64 characters.
        input: String,
    },
}

fn ecode_length_en(version: u8, min: usize, max: usize, actual: usize) -> String {
    if min == max {
        format!("an Ecode of version {version} has {min} characters, got {actual}")
    } else {
        format!("an Ecode of version {version} has {min} to {max} characters, got {actual}")
    }
}

impl CodeError {
    /// The same message in Chinese, for sellers.
    pub fn message_zh(&self) -> String {
        use CodeError as E;
        match self {
            E::Empty => "追溯码为空".to_owned(),
            E::GtinLength { len } => format!("GTIN 有 {len} 位，应为 8、12、13 或 14 位数字"),
            E::GtinCharacter { ch, position } => {
                format!("第 {position} 位的字符 {ch:?} 不是数字，GTIN 只能由数字组成")
            }
            E::GtinCheckDigit { expected, actual } => {
                format!("GTIN 校验位应为 {expected}，实际为 {actual}")
            }
            E::UnknownAi { ai, position } => format!(
                "第 {position} 位的 GS1 应用标识符 ({ai}) 未知或不受支持；支持 (01) GTIN、(10) 批号、(17) 有效期和 (21) 序列号"
            ),
            E::DuplicateAi { ai } => format!("{}出现了不止一次", ai.label_zh()),
            E::MissingGtin => "GS1 码中没有 GTIN（AI 01）".to_owned(),
            E::EmptyField { ai } => format!("{}为空", ai.label_zh()),
            E::FieldTooLong { ai, len, max } => {
                format!("{}有 {len} 个字符，最多允许 {max} 个", ai.label_zh())
            }
            E::FieldLength {
                ai,
                expected,
                actual,
            } => {
                format!(
                    "{}应为 {expected} 位数字，实际为 {actual} 位",
                    ai.label_zh()
                )
            }
            E::FieldCharacter { ai, ch, position } => format!(
                "{}第 {position} 位的字符 {ch:?} 不允许使用；GS1 只允许字母、数字和 !\"%&'()*+,-./:;<=>?_",
                ai.label_zh()
            ),
            E::InvalidDate { value } => format!("有效期（AI 17）{value:?} 不是有效的 YYMMDD 日期"),
            E::DateOutOfRange { date } => {
                format!("有效期 {date} 超出了两位年份可表示的 2000 至 2099 年范围")
            }
            E::ExpectedAi { position } => {
                format!("GS1 元素串第 {position} 位应为应用标识符，例如 (01)")
            }
            E::UnclosedBracket { position } => {
                format!("GS1 元素串第 {position} 位的 '(' 没有对应的 ')'")
            }
            E::BadAi { ai, position } => {
                format!("第 {position} 位的 ({ai}) 不是应用标识符：应用标识符为 2 至 4 位数字")
            }
            E::UnsupportedSymbology { id } => {
                format!(
                    "码制标识符 {id:?} 不表示 GS1 数据；应为 ]C1、]e0、]d2、]Q3、]J1、]E0 或 ]E4"
                )
            }
            E::NotHttpUri { input } => format!("{input:?} 不是 http:// 或 https:// 网址"),
            E::MissingHost => "网址缺少主机名".to_owned(),
            E::UriCharacter { ch, position } => {
                format!("网址第 {position} 位的字符 {ch:?} 不允许使用")
            }
            E::PercentEncoding { position } => format!("第 {position} 位的百分号编码无效"),
            E::NoGtinInLink => {
                "数字链接中没有 /01/ 路径段及其后的 8、12、13 或 14 位 GTIN".to_owned()
            }
            E::QualifierOrder { position } => {
                format!(
                    "数字链接第 {position} 位的限定符顺序错误：/10/（批号）必须在 /21/（序列号）之前"
                )
            }
            E::MissingValue { ai } => format!("数字链接路径在 /{}/ 之后缺少取值", ai.code()),
            E::UnexpectedSegment { segment, position } => {
                format!("数字链接第 {position} 位的路径段 {segment:?} 无法识别；应为 /10/ 或 /21/")
            }
            E::QualifierInQuery { ai } => {
                format!(
                    "在数字链接中，{}必须作为路径段，而不是查询参数",
                    ai.label_zh()
                )
            }
            E::EcodeVersion { version } => {
                format!("不支持的 Ecode 版本 {version:?}；应为 0、1、2 或 3")
            }
            E::EcodeLength {
                version,
                min,
                max,
                actual,
            } => {
                if min == max {
                    format!("版本 {version} 的 Ecode 应有 {min} 个字符，实际为 {actual} 个")
                } else {
                    format!(
                        "版本 {version} 的 Ecode 应有 {min} 至 {max} 个字符，实际为 {actual} 个"
                    )
                }
            }
            E::EcodeNsi { nsi } => format!("Ecode 编码体系标识 {nsi:?} 应为 4 位数字"),
            E::EcodeCharacter {
                version,
                ch,
                position,
            } => {
                format!("版本 {version} 的 Ecode 第 {position} 位不允许使用字符 {ch:?}")
            }
            E::HandleFormat { input } => {
                format!("{input:?} 不是工业互联网标识：应为 <前缀>/<后缀>，例如 88.118.8/ABC-123")
            }
            E::HandlePrefix { prefix } => {
                format!("{prefix:?} 不是有效的标识前缀：应为至少两段用点分隔的数字，例如 88.118.8")
            }
            E::HandleSuffixLength { len } => format!("标识后缀有 {len} 个字符，应为 1 至 255 个"),
            E::HandleSuffixCharacter { ch, position } => {
                format!(
                    "标识后缀第 {position} 位的字符 {ch:?} 不允许使用；只能使用不含空格的可打印 ASCII 字符"
                )
            }
            E::OpaqueFormat { input } => {
                format!("{input:?} 不是平台码：应为 urn:suyuan:code:<平台>:<码值>")
            }
            E::OpaquePlatform { platform } => {
                format!("{platform:?} 不是有效的平台名：应为 1 至 32 个小写字母、数字、'-' 或 '_'")
            }
            E::OpaqueValueLength { len } => format!("平台码码值有 {len} 个字符，应为 1 至 128 个"),
            E::OpaqueValueCharacter { ch, position } => {
                format!("平台码码值第 {position} 位的控制字符 {ch:?} 不允许使用")
            }
            E::Unrecognized { input } => format!(
                "{input:?} 不是可识别的追溯码；已尝试：GS1 数字链接（https://…/01/<GTIN>…）、GS1 元素串（(01)<GTIN>… 或 01<GTIN>…）、GTIN（8、12、13 或 14 位数字）、Ecode（Ecode:…）、工业互联网标识（88.118.8/…）和平台码（urn:suyuan:code:<平台>:<码值>）"
            ),
        }
    }

    /// A stable snake_case reason code for clients and logs.
    pub fn code(&self) -> &'static str {
        use CodeError as E;
        match self {
            E::Empty => "code_empty",
            E::GtinLength { .. } => "gtin_length",
            E::GtinCharacter { .. } => "gtin_character",
            E::GtinCheckDigit { .. } => "gtin_check_digit",
            E::UnknownAi { .. } => "gs1_unknown_ai",
            E::DuplicateAi { .. } => "gs1_duplicate_ai",
            E::MissingGtin => "gs1_missing_gtin",
            E::EmptyField { .. } => "gs1_empty_field",
            E::FieldTooLong { .. } => "gs1_field_too_long",
            E::FieldLength { .. } => "gs1_field_length",
            E::FieldCharacter { .. } => "gs1_field_character",
            E::InvalidDate { .. } => "gs1_invalid_date",
            E::DateOutOfRange { .. } => "gs1_date_out_of_range",
            E::ExpectedAi { .. } => "gs1_expected_ai",
            E::UnclosedBracket { .. } => "gs1_unclosed_bracket",
            E::BadAi { .. } => "gs1_bad_ai",
            E::UnsupportedSymbology { .. } => "gs1_unsupported_symbology",
            E::NotHttpUri { .. } => "uri_not_http",
            E::MissingHost => "uri_missing_host",
            E::UriCharacter { .. } => "uri_character",
            E::PercentEncoding { .. } => "percent_encoding",
            E::NoGtinInLink => "digital_link_no_gtin",
            E::QualifierOrder { .. } => "digital_link_qualifier_order",
            E::MissingValue { .. } => "digital_link_missing_value",
            E::UnexpectedSegment { .. } => "digital_link_unexpected_segment",
            E::QualifierInQuery { .. } => "digital_link_qualifier_in_query",
            E::EcodeVersion { .. } => "ecode_version",
            E::EcodeLength { .. } => "ecode_length",
            E::EcodeNsi { .. } => "ecode_nsi",
            E::EcodeCharacter { .. } => "ecode_character",
            E::HandleFormat { .. } => "handle_format",
            E::HandlePrefix { .. } => "handle_prefix",
            E::HandleSuffixLength { .. } => "handle_suffix_length",
            E::HandleSuffixCharacter { .. } => "handle_suffix_character",
            E::OpaqueFormat { .. } => "opaque_format",
            E::OpaquePlatform { .. } => "opaque_platform",
            E::OpaqueValueLength { .. } => "opaque_value_length",
            E::OpaqueValueCharacter { .. } => "opaque_value_character",
            E::Unrecognized { .. } => "code_unrecognized",
        }
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
pub(crate) mod strategies {
    use super::*;
    use proptest::prelude::*;

    /// A valid GTIN of any length.
    pub fn gtin() -> impl Strategy<Value = Gtin> {
        prop_oneof!["[0-9]{7}", "[0-9]{11}", "[0-9]{12}", "[0-9]{13}",]
            .prop_filter_map("valid body", |body| Gtin::with_check_digit(&body).ok())
    }

    /// A batch or serial from the GS1 character set 82.
    pub fn cs82_text() -> impl Strategy<Value = String> {
        "[!\"%&'()*+,\\-./0-9:;<=>?A-Z_a-z]{1,20}"
    }

    /// A date a YYMMDD field can hold.
    pub fn expiry() -> impl Strategy<Value = NaiveDate> {
        (0i64..36_524).prop_filter_map("in range", |days| {
            NaiveDate::from_ymd_opt(2000, 1, 1)
                .and_then(|d| d.checked_add_signed(chrono::Duration::days(days)))
        })
    }

    /// A GS1 code with any combination of batch, serial and expiry.
    pub fn gs1_code() -> impl Strategy<Value = Gs1Code> {
        (
            gtin(),
            proptest::option::of(cs82_text()),
            proptest::option::of(cs82_text()),
            proptest::option::of(expiry()),
        )
            .prop_filter_map("valid", |(gtin, batch, serial, expiry)| {
                Gs1Code::new(gtin, batch.as_deref(), serial.as_deref(), expiry).ok()
            })
    }

    /// An Ecode of any supported version.
    pub fn ecode() -> impl Strategy<Value = Ecode> {
        prop_oneof![
            gs1_code().prop_map(Ecode::from_gs1),
            ("[0-9]{4}", "[0-9]{13}").prop_filter_map("v1", |(n, m)| Ecode::new(1, &n, &m).ok()),
            ("[0-9]{4}", "[0-9]{17}").prop_filter_map("v2", |(n, m)| Ecode::new(2, &n, &m).ok()),
            ("[0-9]{4}", "[0-9A-Z]{1,34}")
                .prop_filter_map("v3", |(n, m)| Ecode::new(3, &n, &m).ok()),
        ]
    }

    /// An industrial-internet identifier.
    pub fn industrial_id() -> impl Strategy<Value = IndustrialId> {
        ("[0-9]{1,4}(\\.[0-9]{1,5}){1,3}", "[!-~]{1,255}")
            .prop_filter_map("valid", |(p, s)| IndustrialId::new(&p, &s).ok())
    }

    /// An opaque platform code.
    pub fn opaque() -> impl Strategy<Value = OpaqueCode> {
        ("[a-z0-9_-]{1,32}", "\\PC{1,128}")
            .prop_filter_map("valid", |(p, v)| OpaqueCode::new(&p, &v).ok())
    }

    /// Any trace code.
    pub fn trace_code() -> impl Strategy<Value = TraceCode> {
        prop_oneof![
            gs1_code().prop_map(TraceCode::Gs1),
            ecode().prop_map(TraceCode::Ecode),
            industrial_id().prop_map(TraceCode::Handle),
            opaque().prop_map(TraceCode::Opaque),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gs1(s: &str) -> TraceCode {
        match TraceCode::parse(s) {
            Ok(code) => code,
            Err(e) => panic!("{s:?} should parse: {e}"),
        }
    }

    #[test]
    fn a_bare_gtin_is_a_gs1_code_shown_as_an_element_string() {
        let code = gs1("6291041500213");
        assert_eq!(code.kind(), CodeKind::Gs1);
        assert_eq!(code.to_string(), "(01)06291041500213");
        assert_eq!(
            code.gtin().map(Gtin::to_gtin14).as_deref(),
            Some("06291041500213")
        );
        assert!(!code.is_unit_level());
    }

    #[test]
    fn every_gs1_form_reads_as_the_same_code() {
        let bracketed = gs1("(01)06901234567892(10)B123(21)S1");
        let raw = gs1("010690123456789210B123\u{1d}21S1");
        let scanned = gs1("]Q3010690123456789210B123\u{1d}21S1");
        let link = gs1("https://id.example.com/01/06901234567892/10/B123/21/S1");
        assert_eq!(bracketed, raw);
        assert_eq!(bracketed, scanned);
        assert_eq!(bracketed, link);
        assert_eq!(bracketed.to_string(), "(01)06901234567892(10)B123(21)S1");
        assert_eq!(bracketed.batch(), Some("B123"));
        assert_eq!(bracketed.serial(), Some("S1"));
        assert!(bracketed.is_unit_level());
    }

    #[test]
    fn a_raw_element_string_without_separators_is_recognised_by_its_01_prefix() {
        let code = gs1("010690123456789210B123");
        assert_eq!(code.batch(), Some("B123"));
        // A batch holding `.` and `/` does not turn the string into a handle.
        let code = gs1("010690123456789210.0/");
        assert_eq!(code.batch(), Some(".0/"));
        let code = gs1("010690123456789210.0/x");
        assert_eq!(code.batch(), Some(".0/x"));
    }

    #[test]
    fn epc_and_class_uris_use_the_gs1_resolver() {
        let code = gs1("(01)06901234567892(17)271231(10)B/1(21)S1");
        assert_eq!(
            code.to_epc_uri(),
            "https://id.gs1.org/01/06901234567892/10/B%2F1/21/S1"
        );
        assert_eq!(
            code.to_class_uri().as_deref(),
            Some("https://id.gs1.org/01/06901234567892/10/B%2F1")
        );
        assert_eq!(
            code.digital_link("https://id.example.com/").as_deref(),
            Some("https://id.example.com/01/06901234567892/10/B%2F1/21/S1?17=271231")
        );
    }

    #[test]
    fn an_ecode_needs_its_prefix() {
        let code = gs1("Ecode:100011234567890123");
        assert_eq!(code.kind(), CodeKind::Ecode);
        assert_eq!(code.to_string(), "Ecode:100011234567890123");
        assert_eq!(code.to_epc_uri(), "urn:ecode:100011234567890123");
        assert!(code.is_unit_level());
        assert!(code.gtin().is_none());
        let bare = TraceCode::parse("100011234567890123");
        assert_eq!(bare.map_err(|e| e.code()), Err("code_unrecognized"));
    }

    #[test]
    fn a_version_0_ecode_exposes_its_gs1_content() {
        let code = gs1("ecode:0(01)06901234567892(10)B1");
        assert_eq!(code.kind(), CodeKind::Ecode);
        assert_eq!(code.batch(), Some("B1"));
        assert!(!code.is_unit_level());
        assert_eq!(
            code.to_epc_uri(),
            "https://id.gs1.org/01/06901234567892/10/B1"
        );
    }

    #[test]
    fn an_industrial_internet_identifier_is_recognised_by_its_prefix() {
        let code = gs1("88.118.8/ABC-123");
        assert_eq!(code.kind(), CodeKind::Handle);
        assert_eq!(code.to_string(), "88.118.8/ABC-123");
        assert_eq!(code.to_epc_uri(), "urn:idis:88.118.8/ABC-123");
        assert_eq!(TraceCode::parse("urn:idis:88.118.8/ABC-123"), Ok(code));
    }

    #[test]
    fn an_opaque_code_is_only_read_from_its_explicit_form() {
        let code = TraceCode::opaque("douyin", "DY 8842#a");
        let Ok(code) = code else {
            panic!("valid opaque code")
        };
        assert_eq!(code.to_string(), "urn:suyuan:code:douyin:DY%208842%23a");
        assert_eq!(TraceCode::parse(&code.to_string()), Ok(code.clone()));
        assert_eq!(code.kind().as_str(), "opaque");
        assert_eq!(code.to_epc_uri(), code.to_string());
        let err = TraceCode::parse("DY-8842");
        let Err(err) = err else {
            panic!("an unknown form must be an error")
        };
        assert_eq!(err.code(), "code_unrecognized");
        assert!(err.to_string().contains("tried GS1 Digital Link"), "{err}");
        assert!(err.message_zh().contains("已尝试"));
    }

    #[test]
    fn digits_of_the_wrong_length_are_reported_as_a_gtin_length() {
        assert_eq!(
            TraceCode::parse("69012345678"),
            Err(CodeError::GtinLength { len: 11 })
        );
        assert_eq!(TraceCode::parse("   "), Err(CodeError::Empty));
    }

    #[test]
    fn trace_codes_go_through_serde_as_their_canonical_string() {
        let code = gs1("https://x.cn/01/6901234567892/21/S1");
        let json = serde_json::to_string(&code).ok();
        assert_eq!(json.as_deref(), Some("\"(01)06901234567892(21)S1\""));
        let back: Result<TraceCode, _> = serde_json::from_str("\"(01)06901234567892(21)S1\"");
        assert_eq!(back.ok(), Some(code));
        let bad: Result<TraceCode, _> = serde_json::from_str("\"(01)06901234567893\"");
        assert!(bad.is_err());
    }

    #[test]
    fn code_kinds_have_stable_names() {
        let names: Vec<_> = CodeKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, ["gs1", "ecode", "handle", "opaque"]);
        assert_eq!(CodeKind::from_name("handle"), Some(CodeKind::Handle));
        assert_eq!(CodeKind::from_name("gtin"), None);
        assert_eq!(
            serde_json::to_string(&CodeKind::Gs1).ok().as_deref(),
            Some("\"gs1\"")
        );
    }

    #[test]
    fn every_error_has_a_chinese_message_and_a_snake_case_code() {
        let errors = [
            TraceCode::parse(""),
            TraceCode::parse("6291041500214"),
            TraceCode::parse("(01)06901234567892(99)X"),
            TraceCode::parse("https://x.cn/01/06901234567892/21/S/10/B"),
            TraceCode::parse("Ecode:9"),
            TraceCode::parse("88.118.8/a b"),
            TraceCode::parse("urn:suyuan:code:Bad Platform:x"),
            TraceCode::parse("hello"),
        ];
        for result in errors {
            let Err(e) = result else {
                panic!("expected an error, got {result:?}")
            };
            assert!(!e.message_zh().is_empty());
            assert!(
                e.code()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()),
                "{}",
                e.code()
            );
        }
    }

    proptest! {
        #[test]
        fn every_trace_code_reads_back_from_its_display(code in strategies::trace_code()) {
            let shown = code.to_string();
            prop_assert_eq!(TraceCode::parse(&shown), Ok(code.clone()));
            let padded = format!("  {shown}\n");
            prop_assert_eq!(TraceCode::parse(&padded), Ok(code.clone()));
            let json = serde_json::to_string(&code).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back: TraceCode = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back, code);
        }

        #[test]
        fn gs1_codes_read_back_from_every_render(code in strategies::gs1_code()) {
            let expected = TraceCode::Gs1(code.clone());
            prop_assert_eq!(TraceCode::parse(&code.to_element_string()), Ok(expected.clone()));
            prop_assert_eq!(TraceCode::parse(&code.to_raw_element_string()), Ok(expected.clone()));
            prop_assert_eq!(TraceCode::parse(&code.to_digital_link("https://id.example.com/p/01/x")), Ok(expected.clone()));
            prop_assert_eq!(TraceCode::parse(&code.canonical_uri()), Ok(expected));
        }

        #[test]
        fn epc_uris_never_hold_spaces(code in strategies::trace_code()) {
            let uri = code.to_epc_uri();
            prop_assert!(!uri.chars().any(|c| c.is_whitespace() || c.is_control()), "{}", uri);
            prop_assert!(uri.is_ascii(), "{}", uri);
        }
    }
}

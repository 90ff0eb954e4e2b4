//! Why a string is not a valid trace code: [`CodeError`], with messages in English and Chinese
//! and a stable reason code.

use chrono::NaiveDate;

use super::ApplicationIdentifier;

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

//! Why a delivery is refused ([`SignatureError`]) or cannot be read ([`ParseError`]).

use std::fmt;

use super::fit::Unfit;

/// Why a delivery's signature does not hold. Answer these with 401 and store nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// A header the marketplace always sends is absent (or empty).
    #[error("the {header} header is missing")]
    Missing {
        /// The header, as the marketplace documents it.
        header: &'static str,
    },
    /// A header (or, with `header` = `body`, the body) cannot be read.
    #[error("{header} is malformed: {reason}")]
    Malformed {
        /// The header, as the marketplace documents it, or `body`.
        header: &'static str,
        /// What is wrong with it, in English.
        reason: String,
    },
    /// No secret of the connection produces the signature sent.
    #[error("the signature does not match the body with any of the connection's secrets")]
    Mismatch,
    /// A signed timestamp (Standard Webhooks) further from the server's clock than the
    /// replay window allows.
    #[error(
        "the delivery's timestamp {timestamp} is {} seconds from the server's clock ({now}); \
         at most {tolerance} are accepted, to refuse replays",
        .timestamp.abs_diff(*.now)
    )]
    Expired {
        /// The `webhook-timestamp` sent (unix seconds).
        timestamp: i64,
        /// The server's clock (unix seconds).
        now: i64,
        /// The replay window, in seconds either way.
        tolerance: u64,
    },
    /// A field outside the signature does not fit the signed body: a Shopify or WooCommerce
    /// topic header, or Youzan's `type` or `id` beside a `msg` signed only by the body `sign`.
    /// Nothing is stored.
    #[error("{field} {value:?} does not fit the signed body: {}", .reason.en())]
    DoesNotFit {
        /// The unsigned field, as the marketplace names it.
        field: &'static str,
        /// Its value (a topic or an order id, never personal data).
        value: String,
        /// Why it does not fit.
        reason: Unfit,
    },
    /// The connection lacks what this marketplace needs to check a signature.
    #[error("the store connection has no {what} configured")]
    NotConfigured {
        /// What is missing: `signing secret`, `app key`, ….
        what: &'static str,
    },
    /// The delivery is meant for another app (Youzan `client_id`, Douyin `app-id`).
    #[error(
        "the delivery is for app {got:?}, not the app this store connection is configured with"
    )]
    WrongApp {
        /// The app id the delivery names.
        got: String,
    },
}

/// Reasons for [`SignatureError::Malformed`], in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Malformed {
    NotBase64,
    NotSha256Length,
    NotHex,
    NotMd5OrSha256Hex,
    NotUnixSeconds,
    NoV1Signature,
    NotYouzanPush,
    NoClientId,
}

impl Malformed {
    const ALL: [Malformed; 8] = [
        Malformed::NotBase64,
        Malformed::NotSha256Length,
        Malformed::NotHex,
        Malformed::NotMd5OrSha256Hex,
        Malformed::NotUnixSeconds,
        Malformed::NoV1Signature,
        Malformed::NotYouzanPush,
        Malformed::NoClientId,
    ];

    fn en(self) -> &'static str {
        match self {
            Malformed::NotBase64 => "not valid base64",
            Malformed::NotSha256Length => {
                "an HMAC-SHA256 signature has 32 bytes (44 base64 characters)"
            }
            Malformed::NotHex => "not a hexadecimal string",
            Malformed::NotMd5OrSha256Hex => "expected 32 hex characters (MD5) or 64 (HMAC-SHA256)",
            Malformed::NotUnixSeconds => "not a whole number of seconds since 1970",
            Malformed::NoV1Signature => "no `v1,<base64>` signature in the list",
            Malformed::NotYouzanPush => {
                "not a Youzan push (a JSON object with `msg` and `client_id`)"
            }
            Malformed::NoClientId => "the push has no `client_id`",
        }
    }

    fn zh(self) -> &'static str {
        match self {
            Malformed::NotBase64 => "不是有效的 base64",
            Malformed::NotSha256Length => "HMAC-SHA256 签名应为 32 字节（44 个 base64 字符）",
            Malformed::NotHex => "不是十六进制字符串",
            Malformed::NotMd5OrSha256Hex => "应为 32 位（MD5）或 64 位（HMAC-SHA256）十六进制字符",
            Malformed::NotUnixSeconds => "不是以秒计的 Unix 时间戳整数",
            Malformed::NoV1Signature => "签名列表中没有 `v1,<base64>` 形式的签名",
            Malformed::NotYouzanPush => "不是有赞推送（应为含 `msg` 与 `client_id` 的 JSON 对象）",
            Malformed::NoClientId => "推送中没有 `client_id`",
        }
    }
}

impl SignatureError {
    /// A [`SignatureError::Malformed`] with a known reason.
    pub(crate) fn malformed(header: &'static str, reason: Malformed) -> SignatureError {
        SignatureError::Malformed {
            header,
            reason: reason.en().to_owned(),
        }
    }

    /// The same message in Chinese, for sellers.
    pub fn message_zh(&self) -> String {
        match self {
            SignatureError::Missing { header } => format!("缺少请求头 {header}"),
            SignatureError::Malformed { header, reason } => {
                let reason_zh = Malformed::ALL
                    .iter()
                    .find(|m| m.en() == reason)
                    .map_or(reason.as_str(), |m| m.zh());
                if *header == "body" {
                    format!("请求体格式不正确：{reason_zh}")
                } else {
                    format!("请求头 {header} 格式不正确：{reason_zh}")
                }
            }
            SignatureError::Mismatch => {
                "签名与请求体不符：该店铺连接的所有密钥都无法生成此签名".to_owned()
            }
            SignatureError::Expired {
                timestamp,
                now,
                tolerance,
            } => format!(
                "推送时间戳 {timestamp} 与服务器时间（{now}）相差 {} 秒，超过允许的 {tolerance} 秒，为防重放已拒绝",
                timestamp.abs_diff(*now)
            ),
            SignatureError::DoesNotFit {
                field,
                value,
                reason,
            } => format!("{field} {value:?} 与已签名的推送体不符：{}", reason.zh()),
            SignatureError::NotConfigured { what } => {
                let what_zh = match *what {
                    "signing secret" => "签名密钥",
                    "app key" => "应用 key（有赞 client_id / 抖店 app_key）",
                    "valid whsec_ secret" => "有效的 whsec_ 密钥",
                    other => other,
                };
                format!("该店铺连接未配置{what_zh}")
            }
            SignatureError::WrongApp { got } => {
                format!("该推送属于应用 {got:?}，不是此店铺连接所配置的应用")
            }
        }
    }

    /// A stable snake_case reason code for clients and logs.
    pub fn code(&self) -> &'static str {
        match self {
            SignatureError::Missing { .. } => "signature_header_missing",
            SignatureError::Malformed { .. } => "signature_malformed",
            SignatureError::Mismatch => "signature_mismatch",
            SignatureError::Expired { .. } => "signature_expired",
            SignatureError::NotConfigured { .. } => "signature_not_configured",
            SignatureError::WrongApp { .. } => "signature_wrong_app",
            SignatureError::DoesNotFit {
                reason: Unfit::TypeNotSigned,
                ..
            } => "topic_not_signed",
            SignatureError::DoesNotFit {
                reason: Unfit::IdContradictsMsg | Unfit::NoSignedOrder,
                ..
            } => "id_does_not_fit_body",
            SignatureError::DoesNotFit { .. } => "topic_does_not_fit_body",
        }
    }
}

/// What a value should have been, in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
    /// A JSON string.
    String,
    /// An id: a whole number or a non-empty string.
    Id,
    /// A quantity: a whole number from 0 to 4294967295.
    Quantity,
    /// `true` or `false`.
    Boolean,
    /// An RFC 3339 date-time with offset, `2025-02-27T15:08:28-05:00`.
    Rfc3339,
    /// A WooCommerce GMT date-time, `2023-08-16T07:45:57`.
    WooDateTime,
    /// A China Standard Time date-time, `2021-03-22 17:41:15`.
    ChinaDateTime,
    /// Unix seconds, a whole number.
    UnixSeconds,
    /// One of these values.
    OneOf(&'static [&'static str]),
}

impl ValueKind {
    fn en(self) -> String {
        match self {
            ValueKind::Object => "a JSON object".to_owned(),
            ValueKind::Array => "a JSON array".to_owned(),
            ValueKind::String => "a string".to_owned(),
            ValueKind::Id => "an id (a whole number or a non-empty string)".to_owned(),
            ValueKind::Quantity => "a whole number from 0 to 4294967295".to_owned(),
            ValueKind::Boolean => "true or false".to_owned(),
            ValueKind::Rfc3339 => {
                "an RFC 3339 date-time such as 2025-02-27T15:08:28-05:00".to_owned()
            }
            ValueKind::WooDateTime => "a GMT date-time such as 2023-08-16T07:45:57".to_owned(),
            ValueKind::ChinaDateTime => {
                "a China Standard Time date-time such as 2021-03-22 17:41:15".to_owned()
            }
            ValueKind::UnixSeconds => "unix seconds (a whole number)".to_owned(),
            ValueKind::OneOf(values) => format!("one of {}", values.join(", ")),
        }
    }

    fn zh(self) -> String {
        match self {
            ValueKind::Object => "JSON 对象".to_owned(),
            ValueKind::Array => "JSON 数组".to_owned(),
            ValueKind::String => "字符串".to_owned(),
            ValueKind::Id => "编号（整数或非空字符串）".to_owned(),
            ValueKind::Quantity => "0 到 4294967295 之间的整数".to_owned(),
            ValueKind::Boolean => "true 或 false".to_owned(),
            ValueKind::Rfc3339 => "RFC 3339 日期时间，如 2025-02-27T15:08:28-05:00".to_owned(),
            ValueKind::WooDateTime => "格林尼治时间，如 2023-08-16T07:45:57".to_owned(),
            ValueKind::ChinaDateTime => "北京时间，如 2021-03-22 17:41:15".to_owned(),
            ValueKind::UnixSeconds => "以秒计的 Unix 时间戳整数".to_owned(),
            ValueKind::OneOf(values) => format!("以下之一：{}", values.join("、")),
        }
    }
}

/// What is wrong with a delivery's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The adapter does not handle this topic.
    UnknownTopic,
    /// The body (or an embedded document: Youzan `msg`, Douyin `data`) is not valid JSON.
    Syntax {
        /// The JSON reader's message, with line and column.
        detail: String,
    },
    /// A required field is absent or null.
    Missing,
    /// A field holds the wrong kind of value.
    WrongType {
        /// What it should hold.
        expected: ValueKind,
    },
    /// A field holds a value outside what is allowed (the value is not kept: it may be
    /// personal data in the wrong field).
    BadValue {
        /// What it should be.
        expected: ValueKind,
    },
    /// An embedded document cannot be decoded (Youzan's URL-encoded `msg`).
    Encoding {
        /// What went wrong.
        detail: String,
    },
    /// The body does not follow the schema (Standard Webhooks bodies, read with serde).
    Invalid {
        /// The reader's message, with line and column.
        detail: String,
    },
}

/// Why a verified delivery cannot be turned into changes, and where.
///
/// Stored with the delivery and shown in the dead-letter list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The delivery's topic (for a Douyin push, the tag of the message at fault).
    pub topic: String,
    /// What is wrong.
    pub kind: ParseErrorKind,
    /// Where, as a JSON path (`$.line_items[0].quantity`; `$.msg.…` inside Youzan's message,
    /// `$[0].data.…` inside a Douyin element), when known.
    pub path: Option<String>,
}

impl ParseError {
    /// An error at a path.
    pub(crate) fn at(topic: &str, path: Option<String>, kind: ParseErrorKind) -> ParseError {
        ParseError {
            topic: topic.to_owned(),
            kind,
            path,
        }
    }

    /// The topic is not handled.
    pub(crate) fn unknown_topic(topic: &str) -> ParseError {
        ParseError::at(topic, None, ParseErrorKind::UnknownTopic)
    }

    /// The body is not JSON.
    pub(crate) fn syntax(topic: &str, path: Option<String>, err: &serde_json::Error) -> ParseError {
        ParseError::at(
            topic,
            path,
            ParseErrorKind::Syntax {
                detail: err.to_string(),
            },
        )
    }

    /// What is wrong, in English, without the topic and path.
    pub fn reason(&self) -> String {
        match &self.kind {
            ParseErrorKind::UnknownTopic => {
                format!("Suyuan does not handle the topic {:?}", self.topic)
            }
            ParseErrorKind::Syntax { detail } => format!("not valid JSON: {detail}"),
            ParseErrorKind::Missing => "a required field is missing or null".to_owned(),
            ParseErrorKind::WrongType { expected } => format!("expected {}", expected.en()),
            ParseErrorKind::BadValue { expected } => {
                format!(
                    "a value outside what is allowed, expected {}",
                    expected.en()
                )
            }
            ParseErrorKind::Encoding { detail } => format!("cannot be decoded: {detail}"),
            ParseErrorKind::Invalid { detail } => {
                format!("does not follow the Standard Webhooks body schema: {detail}")
            }
        }
    }

    /// The same message in Chinese, for sellers.
    pub fn message_zh(&self) -> String {
        let reason = match &self.kind {
            ParseErrorKind::UnknownTopic => format!("溯源不处理主题 {:?}", self.topic),
            ParseErrorKind::Syntax { detail } => format!("不是有效的 JSON（{detail}）"),
            ParseErrorKind::Missing => "缺少必填字段或其值为 null".to_owned(),
            ParseErrorKind::WrongType { expected } => format!("应为{}", expected.zh()),
            ParseErrorKind::BadValue { expected } => {
                format!("值不符合要求，应为{}", expected.zh())
            }
            ParseErrorKind::Encoding { detail } => format!("无法解码（{detail}）"),
            ParseErrorKind::Invalid { detail } => {
                format!("不符合 Standard Webhooks 推送体约定（{detail}）")
            }
        };
        match &self.path {
            Some(path) => format!("无法读取主题为 {} 的推送：{path} 处{reason}", self.topic),
            None => format!("无法读取主题为 {} 的推送：{reason}", self.topic),
        }
    }

    /// A stable snake_case reason code for clients and logs.
    pub fn code(&self) -> &'static str {
        match self.kind {
            ParseErrorKind::UnknownTopic => "unknown_topic",
            ParseErrorKind::Syntax { .. } => "malformed_json",
            ParseErrorKind::Missing => "missing_field",
            ParseErrorKind::WrongType { .. } => "wrong_type",
            ParseErrorKind::BadValue { .. } => "bad_value",
            ParseErrorKind::Encoding { .. } => "undecodable",
            ParseErrorKind::Invalid { .. } => "schema_violation",
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot read the {} delivery: ", self.topic)?;
        if let Some(path) = &self.path {
            write!(f, "at {path}: ")?;
        }
        f.write_str(&self.reason())
    }
}

impl std::error::Error for ParseError {}

/// A serde message without the value it quotes (`invalid type: string "13800000000",
/// expected …` becomes `invalid type: string (value not shown), expected …`): the value may be
/// personal data in the wrong field, and the message is stored and logged. Field names and
/// what was expected are kept.
pub(crate) fn without_values(message: &str) -> String {
    let tail = |rest: &str| {
        rest.rfind(", expected")
            .map_or("", |i| &rest[i..])
            .to_owned()
    };
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let kind = rest.split([' ', ',']).next().unwrap_or_default();
            return format!("{prefix}{kind} (value not shown){}", tail(rest));
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        return format!("unknown variant (value not shown){}", tail(rest));
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_lose_their_values_but_keep_fields_and_expectations() {
        let cases = [
            (
                "invalid type: string \"13800000000\", expected u32 at line 1 column 20",
                "invalid type: string (value not shown), expected u32 at line 1 column 20",
            ),
            (
                "unknown variant `13800000000, expected x`, expected `consumer` or `business`",
                "unknown variant (value not shown), expected `consumer` or `business`",
            ),
            (
                "invalid value: integer `-1`, expected u32",
                "invalid value: integer (value not shown), expected u32",
            ),
            ("missing field `external_id`", "missing field `external_id`"),
        ];
        for (given, shown) in cases {
            assert_eq!(without_values(given), shown);
        }
    }

    #[test]
    fn every_malformed_reason_has_a_chinese_message() {
        for m in Malformed::ALL {
            let err = SignatureError::malformed("X-Test", m);
            assert!(err.to_string().contains(m.en()));
            assert!(err.message_zh().contains(m.zh()), "{}", err.message_zh());
            assert_eq!(err.code(), "signature_malformed");
        }
    }

    #[test]
    fn an_expired_timestamp_says_how_far_off_it_is() {
        let err = SignatureError::Expired {
            timestamp: 1000,
            now: 1360,
            tolerance: 300,
        };
        assert!(err.to_string().contains("360 seconds"), "{err}");
        assert!(err.message_zh().contains("360"));
        assert_eq!(err.code(), "signature_expired");
    }

    #[test]
    fn parse_errors_name_topic_and_path_in_both_languages() {
        let err = ParseError::at(
            "orders/paid",
            Some("$.line_items[0].quantity".into()),
            ParseErrorKind::BadValue {
                expected: ValueKind::Quantity,
            },
        );
        assert_eq!(
            err.to_string(),
            "cannot read the orders/paid delivery: at $.line_items[0].quantity: a value outside \
             what is allowed, expected a whole number from 0 to 4294967295"
        );
        assert!(err.message_zh().contains("$.line_items[0].quantity"));
        assert!(err.message_zh().contains("orders/paid"));
        assert_eq!(err.code(), "bad_value");
    }
}

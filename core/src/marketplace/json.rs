//! Reading marketplace JSON by hand, so that every error names its JSON path, and so that ids keep
//! every digit (serde_json keeps integers as `u64`/`i64`; they are never read as `f64`).

use chrono::{DateTime, NaiveDateTime, TimeZone as _, Utc};
use serde_json::Value;

use super::error::{ParseError, ParseErrorKind, ValueKind};

/// How a marketplace writes date-times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeFormat {
    /// RFC 3339 with an offset (Shopify, Standard Webhooks).
    Rfc3339,
    /// WooCommerce `*_gmt` fields: `2023-08-16T07:45:57`, UTC without an offset.
    WooGmt,
    /// Youzan: `2021-03-22 17:41:15` in China Standard Time (UTC+8).
    China,
    /// Douyin: unix seconds, as a number or a string of digits; 0 means "not yet".
    UnixSeconds,
}

/// Parses a whole JSON document, reporting syntax errors with the document's path.
pub(crate) fn parse_document(topic: &str, path: &str, bytes: &[u8]) -> Result<Value, ParseError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ParseError::syntax(
            topic,
            if path == "$" {
                None
            } else {
                Some(path.to_owned())
            },
            &e,
        )
    })
}

/// A position in a JSON document: the value there (if any) and its path.
#[derive(Clone, Debug)]
pub(crate) struct Node<'a> {
    topic: &'a str,
    path: String,
    value: Option<&'a Value>,
}

impl<'a> Node<'a> {
    /// The root of a document (path `$`).
    pub(crate) fn root(topic: &'a str, value: &'a Value) -> Node<'a> {
        Node::at(topic, "$".to_owned(), value)
    }

    /// A document embedded elsewhere, rooted at `path` (Youzan `$.msg`, Douyin `$[0].data`).
    pub(crate) fn at(topic: &'a str, path: String, value: &'a Value) -> Node<'a> {
        Node {
            topic,
            path,
            value: Some(value),
        }
    }

    /// The topic of the delivery this node belongs to.
    pub(crate) fn topic(&self) -> &'a str {
        self.topic
    }

    /// The JSON path of this position.
    pub(crate) fn path(&self) -> &str {
        &self.path
    }

    /// The value, unless absent or null.
    pub(crate) fn value(&self) -> Option<&'a Value> {
        self.value.filter(|v| !v.is_null())
    }

    /// Whether a non-null value is here.
    pub(crate) fn is_present(&self) -> bool {
        self.value().is_some()
    }

    /// The member `key` of this object (absent when this is not an object).
    pub(crate) fn get(&self, key: &str) -> Node<'a> {
        let simple = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let path = if simple {
            format!("{}.{key}", self.path)
        } else {
            format!("{}[{key:?}]", self.path)
        };
        Node {
            topic: self.topic,
            path,
            value: self.value.and_then(|v| v.get(key)),
        }
    }

    /// An error at this position.
    pub(crate) fn error(&self, kind: ParseErrorKind) -> ParseError {
        ParseError::at(self.topic, Some(self.path.clone()), kind)
    }

    fn wrong_type(&self, expected: ValueKind) -> ParseError {
        self.error(ParseErrorKind::WrongType { expected })
    }

    /// A value outside what is allowed. The value itself is never kept: it may be personal
    /// data in the wrong field, and the error is stored and logged.
    pub(crate) fn bad_value(&self, expected: ValueKind) -> ParseError {
        self.error(ParseErrorKind::BadValue { expected })
    }

    /// The value, or a [`ParseErrorKind::Missing`] error.
    pub(crate) fn require(&self) -> Result<&'a Value, ParseError> {
        self.value()
            .ok_or_else(|| self.error(ParseErrorKind::Missing))
    }

    /// Requires an object here.
    pub(crate) fn require_object(&self) -> Result<(), ParseError> {
        if self.require()?.is_object() {
            Ok(())
        } else {
            Err(self.wrong_type(ValueKind::Object))
        }
    }

    /// The elements of the array here; absent or null is an empty list.
    pub(crate) fn items(&self) -> Result<Vec<Node<'a>>, ParseError> {
        match self.value() {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, v)| Node {
                    topic: self.topic,
                    path: format!("{}[{i}]", self.path),
                    value: Some(v),
                })
                .collect()),
            Some(_) => Err(self.wrong_type(ValueKind::Array)),
        }
    }

    /// The string here, trimmed; absent, null and blank are `None`. Numbers are read as their
    /// digits (some marketplaces send numeric strings as numbers).
    pub(crate) fn opt_string(&self) -> Result<Option<String>, ParseError> {
        match self.value() {
            None => Ok(None),
            Some(Value::String(s)) => {
                let s = s.trim();
                Ok((!s.is_empty()).then(|| s.to_owned()))
            }
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(self.wrong_type(ValueKind::String)),
        }
    }

    /// A required, non-blank string.
    pub(crate) fn string(&self) -> Result<String, ParseError> {
        self.require()?;
        self.opt_string()?
            .ok_or_else(|| self.error(ParseErrorKind::Missing))
    }

    /// The string here, as sent (not trimmed; blank allowed); absent and null are `None`.
    pub(crate) fn raw_str(&self) -> Result<Option<&'a str>, ParseError> {
        match self.value() {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(self.wrong_type(ValueKind::String)),
        }
    }

    /// An id: a whole JSON number (every digit kept) or a non-blank string. Absent, null, blank
    /// and `0` are `None`: no marketplace here uses 0 as an id, several use it for "none"
    /// (WooCommerce `variation_id`, Youzan `sku_id`).
    pub(crate) fn opt_id(&self) -> Result<Option<String>, ParseError> {
        let id = match self.value() {
            None => return Ok(None),
            Some(Value::Number(n)) => {
                if let Some(u) = n.as_u64() {
                    u.to_string()
                } else if let Some(i) = n.as_i64() {
                    i.to_string()
                } else {
                    return Err(self.bad_value(ValueKind::Id));
                }
            }
            Some(Value::String(s)) => s.trim().to_owned(),
            Some(_) => return Err(self.wrong_type(ValueKind::Id)),
        };
        Ok((!id.is_empty() && id != "0").then_some(id))
    }

    /// A required id.
    pub(crate) fn id(&self) -> Result<String, ParseError> {
        self.require()?;
        self.opt_id()?
            .ok_or_else(|| self.error(ParseErrorKind::Missing))
    }

    /// A whole number or a string of digits that fits a `u64`.
    fn opt_u64(&self, kind: ValueKind) -> Result<Option<u64>, ParseError> {
        match self.value() {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| self.bad_value(kind)),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => s
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| self.bad_value(kind)),
            Some(_) => Err(self.wrong_type(kind)),
        }
    }

    /// A required quantity (a whole number ≥ 0 that fits `u32`, or such a string).
    pub(crate) fn quantity(&self) -> Result<u32, ParseError> {
        self.opt_quantity()?
            .ok_or_else(|| self.error(ParseErrorKind::Missing))
    }

    /// An optional quantity.
    pub(crate) fn opt_quantity(&self) -> Result<Option<u32>, ParseError> {
        match self.opt_u64(ValueKind::Quantity)? {
            None => Ok(None),
            Some(q) => u32::try_from(q)
                .map(Some)
                .map_err(|_| self.bad_value(ValueKind::Quantity)),
        }
    }

    /// An optional small code (Douyin `order_status`, `aftersale_type`; Youzan `express_type`).
    pub(crate) fn opt_code(&self) -> Result<Option<u64>, ParseError> {
        self.opt_u64(ValueKind::Id)
    }

    /// An optional date-time in the marketplace's format; blank is `None`.
    pub(crate) fn opt_time(&self, format: TimeFormat) -> Result<Option<DateTime<Utc>>, ParseError> {
        if format == TimeFormat::UnixSeconds {
            return match self.opt_u64(ValueKind::UnixSeconds)? {
                None | Some(0) => Ok(None),
                Some(secs) => i64::try_from(secs)
                    .ok()
                    .and_then(|s| DateTime::from_timestamp(s, 0))
                    .map(Some)
                    .ok_or_else(|| self.bad_value(ValueKind::UnixSeconds)),
            };
        }
        let Some(text) = self.opt_string()? else {
            return Ok(None);
        };
        let parsed = match format {
            TimeFormat::Rfc3339 => DateTime::parse_from_rfc3339(&text)
                .ok()
                .map(|t| t.with_timezone(&Utc)),
            TimeFormat::WooGmt => NaiveDateTime::parse_from_str(&text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
                .or_else(|| {
                    DateTime::parse_from_rfc3339(&text)
                        .ok()
                        .map(|t| t.with_timezone(&Utc))
                }),
            TimeFormat::China => NaiveDateTime::parse_from_str(&text, "%Y-%m-%d %H:%M:%S")
                .ok()
                .and_then(|t| crate::china_time::CHINA.from_local_datetime(&t).single())
                .map(|t| t.with_timezone(&Utc)),
            TimeFormat::UnixSeconds => None,
        };
        let expected = match format {
            TimeFormat::Rfc3339 => ValueKind::Rfc3339,
            TimeFormat::WooGmt => ValueKind::WooDateTime,
            TimeFormat::China => ValueKind::ChinaDateTime,
            TimeFormat::UnixSeconds => ValueKind::UnixSeconds,
        };
        parsed.map(Some).ok_or_else(|| self.bad_value(expected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ids_keep_every_digit_and_zero_means_none() {
        let doc: Value = serde_json::from_str(
            r#"{"big": 9674076979480, "huge": 18446744073709551615, "s": " 42 ", "zero": 0,
                "float": 1.5, "neg": -3}"#,
        )
        .unwrap();
        let root = Node::root("t", &doc);
        assert_eq!(root.get("big").id().unwrap(), "9674076979480");
        assert_eq!(root.get("huge").id().unwrap(), "18446744073709551615");
        assert_eq!(root.get("s").id().unwrap(), "42");
        assert_eq!(root.get("zero").opt_id().unwrap(), None);
        assert_eq!(root.get("neg").id().unwrap(), "-3");
        let err = root.get("float").id().unwrap_err();
        assert_eq!(err.path.as_deref(), Some("$.float"));
        assert_eq!(err.code(), "bad_value");
        assert_eq!(
            root.get("nothing").id().unwrap_err().code(),
            "missing_field"
        );
    }

    #[test]
    fn paths_follow_members_and_indexes() {
        let doc = json!({"a": [{"b c": "x"}, {"q": -1}]});
        let root = Node::root("t", &doc);
        let items = root.get("a").items().unwrap();
        assert_eq!(items[0].get("b c").path(), "$.a[0][\"b c\"]");
        let err = items[1].get("q").quantity().unwrap_err();
        assert_eq!(err.path.as_deref(), Some("$.a[1].q"));
        assert_eq!(root.get("a").opt_string().unwrap_err().code(), "wrong_type");
    }

    #[test]
    fn each_platform_time_format_reads_to_utc() {
        let doc = json!({
            "shopify": "2025-02-27T15:08:28-05:00",
            "woo": "2023-08-16T07:45:57",
            "youzan": "2021-03-22 17:41:15",
            "douyin": 1_700_000_000,
            "douyin_str": "1700000000",
            "blank": "",
            "bad": "yesterday"
        });
        let root = Node::root("t", &doc);
        let t = |k: &str, f| root.get(k).opt_time(f).unwrap().map(|t| t.to_rfc3339());
        assert_eq!(
            t("shopify", TimeFormat::Rfc3339).as_deref(),
            Some("2025-02-27T20:08:28+00:00")
        );
        assert_eq!(
            t("woo", TimeFormat::WooGmt).as_deref(),
            Some("2023-08-16T07:45:57+00:00")
        );
        assert_eq!(
            t("youzan", TimeFormat::China).as_deref(),
            Some("2021-03-22T09:41:15+00:00")
        );
        assert_eq!(
            t("douyin", TimeFormat::UnixSeconds).as_deref(),
            Some("2023-11-14T22:13:20+00:00")
        );
        assert_eq!(
            t("douyin_str", TimeFormat::UnixSeconds),
            t("douyin", TimeFormat::UnixSeconds)
        );
        assert_eq!(t("blank", TimeFormat::China), None);
        let err = root.get("bad").opt_time(TimeFormat::China).unwrap_err();
        assert_eq!(err.code(), "bad_value");
        assert!(err.to_string().contains("2021-03-22 17:41:15"), "{err}");
    }
}

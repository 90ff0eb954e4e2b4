//! Checks of a platform's fields: its code, kind, base URL (never a private address unless the
//! installation allows it), protocol and field mapping, credential header and retry policy.

use crate::platforms::TargetKind;
use suyuan_core::validation::{Errors, FieldError};
use suyuan_store::submissions::{PLATFORM_KINDS, PolicyOverrides};

/// Headers a credential may not be sent in (Suyuan sets them itself).
const RESERVED_HEADERS: [&str; 7] = [
    "host",
    "content-type",
    "content-length",
    "idempotency-key",
    "gs1-epcis-version",
    "gs1-capture-error-behaviour",
    "accept",
];

/// A platform's code: 1 to 64 lower-case letters, digits, `-` or `_`.
pub(super) fn check_code(v: &str) -> Result<String, FieldError> {
    let v = v.trim();
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(v.to_owned())
    } else {
        Err(FieldError::new(
            "code",
            "invalid_code",
            "代码须为 1 至 64 个小写字母、数字、- 或 _",
            "must be 1 to 64 lower-case letters, digits, `-` or `_`",
        ))
    }
}

/// One of the platform kinds.
pub(super) fn check_kind(v: &str) -> Result<String, FieldError> {
    if PLATFORM_KINDS.iter().any(|(k, _, _)| *k == v) {
        Ok(v.to_owned())
    } else {
        let all: Vec<&str> = PLATFORM_KINDS.iter().map(|(k, _, _)| *k).collect();
        Err(FieldError::new(
            "kind",
            "unknown_kind",
            format!("平台类型须为以下之一：{}", all.join("、")),
            format!("`{v}` is not one of {}", all.join(", ")),
        ))
    }
}

/// A base URL Suyuan may send to (checked against the network policy), without query or
/// fragment, and without a trailing `/`.
pub(super) async fn check_base_url(raw: &str, allow_private: bool) -> Result<String, FieldError> {
    let raw = raw.trim();
    if raw.len() > 1000 {
        return Err(FieldError::new(
            "base_url",
            "too_long",
            "地址不能超过 1000 个字符",
            "must be at most 1000 characters",
        ));
    }
    let url = crate::netpolicy::check_target(raw, allow_private)
        .await
        .map_err(|reason| {
            let code = if reason.contains("private or loopback") {
                "private_address"
            } else {
                "invalid_url"
            };
            FieldError::new(
                "base_url",
                code,
                format!("平台地址不可用：{reason}"),
                reason,
            )
        })?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(FieldError::new(
            "base_url",
            "invalid_url",
            "平台地址不能带查询参数或片段",
            "must have no query or fragment",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// A protocol (`epcis`, or `json_http` with a path and a valid field mapping), as stored.
pub(super) fn check_protocol(v: &serde_json::Value) -> Result<String, FieldError> {
    let kind: TargetKind = serde_json::from_value(v.clone()).map_err(|e| {
        FieldError::new(
            "protocol",
            "invalid_protocol",
            format!("协议须为 {{\"kind\":\"epcis\"}} 或 json_http（含 path 与 mapping）：{e}"),
            format!("must be {{\"kind\":\"epcis\"}} or json_http with path and mapping: {e}"),
        )
    })?;
    if let TargetKind::JsonHttp { path, mapping } = &kind {
        if !path.starts_with('/') || path.len() > 500 || path.chars().any(char::is_control) {
            return Err(FieldError::new(
                "protocol.path",
                "invalid_path",
                "路径须以 / 开头，且不超过 500 个字符",
                "must start with `/` and be at most 500 characters",
            ));
        }
        if mapping.fields.is_empty() {
            return Err(FieldError::new(
                "protocol.mapping.fields",
                "required",
                "字段映射不能为空",
                "must map at least one field",
            ));
        }
        mapping.validate().map_err(|e| {
            FieldError::new(
                "protocol.mapping.fields",
                "invalid_mapping",
                format!("字段映射有误：{e}"),
                e.to_string(),
            )
        })?;
    }
    serde_json::to_string(&kind)
        .map_err(|e| FieldError::new("protocol", "invalid_protocol", e.to_string(), e.to_string()))
}

/// A header name a credential may be sent in (not one Suyuan sets itself).
pub(super) fn check_header(v: &str) -> Result<String, FieldError> {
    let v = v.trim();
    let valid = !v.is_empty()
        && v.len() <= 128
        && reqwest::header::HeaderName::from_bytes(v.as_bytes()).is_ok();
    if !valid {
        return Err(FieldError::new(
            "credential_header",
            "invalid_header",
            "不是有效的 HTTP 头名称",
            "is not a valid HTTP header name",
        ));
    }
    if RESERVED_HEADERS.contains(&v.to_ascii_lowercase().as_str()) {
        return Err(FieldError::new(
            "credential_header",
            "reserved_header",
            "该 HTTP 头由溯源自行设置，不能用于凭证",
            "is set by Suyuan itself and cannot carry a credential",
        ));
    }
    Ok(v.to_owned())
}

fn check_range(field: &str, v: i64, min: i64, max: i64) -> Result<i64, FieldError> {
    if (min..=max).contains(&v) {
        Ok(v)
    } else {
        Err(FieldError::new(
            field,
            "out_of_range",
            format!("须在 {min} 至 {max} 之间"),
            format!("must be from {min} to {max}; got {v}"),
        ))
    }
}

/// The retry-policy overrides, each within its range (and the longest delay not below the
/// first); errors go to `errors`.
pub(super) fn check_policy(errors: &mut Errors, p: PolicyOverrides) -> PolicyOverrides {
    let mut out = p;
    if let Some(v) = p.max_attempts {
        out.max_attempts = errors
            .check(check_range("max_attempts", i64::from(v), 1, 100))
            .map(|_| v);
    }
    let range = |errors: &mut Errors, f: &str, v: Option<i64>, min, max| match v {
        Some(v) => errors.check(check_range(f, v, min, max)),
        None => None,
    };
    out.backoff_base_ms = range(errors, "backoff_base_ms", p.backoff_base_ms, 10, 3_600_000);
    out.backoff_max_ms = range(errors, "backoff_max_ms", p.backoff_max_ms, 10, 86_400_000);
    out.request_timeout_ms = range(
        errors,
        "request_timeout_ms",
        p.request_timeout_ms,
        100,
        60_000,
    );
    out.follow_max_ms = range(errors, "follow_max_ms", p.follow_max_ms, 0, 120_000);
    if let (Some(base), Some(max)) = (out.backoff_base_ms, out.backoff_max_ms)
        && max < base
    {
        errors.0.push(FieldError::new(
            "backoff_max_ms",
            "out_of_range",
            "不能小于 backoff_base_ms",
            "must not be less than backoff_base_ms",
        ));
    }
    out
}

//! The registry of trace platforms (admin), routing rules from category and jurisdiction to
//! platforms (admin), and sellers' credentials per platform (sealed; never shown again).
//!
//! # Registering the platforms of the guide
//!
//! Suyuan ships no platform addresses: each installation registers the platforms it has an
//! interface agreement with, using the address and format from that platform's own interface
//! specification. `GET /api/v1/platform-kinds` lists the kinds:
//!
//! | kind | platform | usual protocol | usual rule |
//! |---|---|---|---|
//! | `national` | 全国重点工业产品质量安全追溯平台 | `json_http` with a field mapping (or `epcis`) | any category, any region |
//! | `provincial` | a province's platform | as the province specifies | `jurisdiction`: the province's two digits (`33`) |
//! | `industry_ebike` | e-bike platform (E码通) | as specified | `category`: `ebike` |
//! | `industry_wire_cable` | wire and cable platform | as specified | the wire-and-cable category |
//! | `industry_gas_appliance` | gas appliance platform | as specified | the gas-appliance category |
//! | `epcis_repository` | any EPCIS 2.0 repository | `epcis` | any |
//!
//! For example (admin token):
//!
//! ```text
//! POST /api/v1/platforms
//! {"code": "zj-prov", "name": "浙江省产品质量追溯平台", "name_en": "Zhejiang traceability platform",
//!  "kind": "provincial", "base_url": "https://<from the platform's specification>",
//!  "protocol": {"kind": "json_http", "path": "/api/trace/records", "mapping": {"fields": {
//!     "recordId": {"meta": "idempotency_key"}, "creditCode": {"meta": "seller_credit_code"},
//!     "code": {"pointer": "/epcList/0", "required": true}, "time": {"pointer": "/eventTime"}}}},
//!  "requires_credentials": true, "credential_header": "Authorization"}
//! POST /api/v1/routing-rules  {"platform_id": "plt_…", "jurisdiction": "33"}
//! ```
//!
//! and each seller then gives its own account's credential:
//! `PUT /api/v1/platforms/plt_…/credentials {"value": "Bearer …"}`. Until it does, its records
//! for that platform wait in the ledger as `needs_credentials`.
//!
//! Base URLs that resolve to loopback or private addresses are refused (422 naming `base_url`)
//! unless the installation sets `SUYUAN_ALLOW_PRIVATE_TARGETS` (an on-premises platform); the
//! worker checks the address again before every request.

use super::field_errors;
use crate::platforms::TargetKind;
use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use suyuan_core::validation::{self, Errors, FieldError};
use suyuan_store::entity::{platform, routing_rule};
use suyuan_store::submissions::{
    self as store, NewPlatform, NewRule, PLATFORM_KINDS, PlatformPatch, PolicyOverrides,
};
use suyuan_web::AppState;
use suyuan_web::auth::{AdminAuth, AnyAuth, SellerAuth, SellerOrAdmin};
use suyuan_web::error::ApiError;
use suyuan_web::extract::JsonBody;
use utoipa::{IntoParams, ToSchema};

/// Record kinds a routing rule may name.
pub const RECORD_KINDS: [&str; 7] = [
    "receipt",
    "sale",
    "shipment",
    "return",
    "correction",
    "aggregation",
    "recall",
];

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

/// Reads a field that may be absent (`None`), `null` (`Some(None)`) or a value.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// A platform to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformIn {
    /// A short unique code: lower-case letters, digits, `-` and `_` (e.g. `national`, `zj-prov`).
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// What the platform is: see `GET /api/v1/platform-kinds`.
    pub kind: String,
    /// Base URL; the EPCIS capture path or the JSON path is appended. Loopback and private
    /// addresses are refused unless the installation allows them.
    pub base_url: String,
    /// How it takes records: `{"kind": "epcis"}` or
    /// `{"kind": "json_http", "path": "/records", "mapping": {"fields": {...}}}`.
    #[schema(value_type = Object)]
    pub protocol: serde_json::Value,
    /// Whether sellers must give credentials before anything is sent (default false).
    pub requires_credentials: Option<bool>,
    /// The header sellers' credentials are sent in (default `Authorization`).
    pub credential_header: Option<String>,
    /// Whether records are routed and sent to it (default true).
    pub enabled: Option<bool>,
    /// Attempts before a submission is dead-lettered (1–100; default: installation's).
    pub max_attempts: Option<i32>,
    /// The first retry's delay in ms (10 ms – 1 h), doubled per attempt.
    pub backoff_base_ms: Option<i64>,
    /// The longest retry delay in ms (10 ms – 24 h).
    pub backoff_max_ms: Option<i64>,
    /// The longest one request may take in ms (100 ms – 60 s).
    pub request_timeout_ms: Option<i64>,
    /// How long an EPCIS capture job is followed in ms (0 – 120 s).
    pub follow_max_ms: Option<i64>,
}

/// Changes to a platform; absent fields stay, `null` puts an override back to the default.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformPatchIn {
    /// Chinese name.
    pub name: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Base URL.
    pub base_url: Option<String>,
    /// Protocol.
    #[schema(value_type = Object)]
    pub protocol: Option<serde_json::Value>,
    /// Whether credentials are required.
    pub requires_credentials: Option<bool>,
    /// Credential header.
    pub credential_header: Option<String>,
    /// Enabled or not.
    pub enabled: Option<bool>,
    /// Retry budget.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub max_attempts: Option<Option<i32>>,
    /// First retry delay (ms).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub backoff_base_ms: Option<Option<i64>>,
    /// Longest retry delay (ms).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub backoff_max_ms: Option<Option<i64>>,
    /// Request timeout (ms).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub request_timeout_ms: Option<Option<i64>>,
    /// Capture-job follow budget (ms).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>)]
    pub follow_max_ms: Option<Option<i64>>,
}

/// A registered platform. Sellers' credentials are never part of it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlatformOut {
    /// Id (`plt_…`).
    pub id: String,
    /// Short code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Kind.
    pub kind: String,
    /// The kind, in Chinese.
    pub kind_name: String,
    /// The kind, in English.
    pub kind_name_en: String,
    /// Base URL.
    pub base_url: String,
    /// Protocol.
    #[schema(value_type = Object)]
    pub protocol: serde_json::Value,
    /// Whether sellers must give credentials.
    pub requires_credentials: bool,
    /// The header credentials are sent in.
    pub credential_header: String,
    /// Whether records are routed and sent to it.
    pub enabled: bool,
    /// Overrides of the retry budget (`null`: the installation's).
    pub max_attempts: Option<i32>,
    /// First retry delay override (ms).
    pub backoff_base_ms: Option<i64>,
    /// Longest retry delay override (ms).
    pub backoff_max_ms: Option<i64>,
    /// Request timeout override (ms).
    pub request_timeout_ms: Option<i64>,
    /// Follow budget override (ms).
    pub follow_max_ms: Option<i64>,
    /// For a seller: whether it has given its credentials for this platform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials_configured: Option<bool>,
    /// Registered at.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn kind_names(kind: &str) -> (String, String) {
    PLATFORM_KINDS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map_or_else(
            || (kind.to_owned(), kind.to_owned()),
            |(_, zh, en)| ((*zh).to_owned(), (*en).to_owned()),
        )
}

/// Maps a stored platform.
pub fn out(p: platform::Model, credentials_configured: Option<bool>) -> PlatformOut {
    let (kind_name, kind_name_en) = kind_names(&p.kind);
    PlatformOut {
        protocol: serde_json::from_str(&p.protocol).unwrap_or(serde_json::Value::Null),
        id: p.id,
        code: p.code,
        name: p.name_zh,
        name_en: p.name_en,
        kind: p.kind,
        kind_name,
        kind_name_en,
        base_url: p.base_url,
        requires_credentials: p.requires_credentials,
        credential_header: p.credential_header,
        enabled: p.enabled,
        max_attempts: p.max_attempts,
        backoff_base_ms: p.backoff_base_ms,
        backoff_max_ms: p.backoff_max_ms,
        request_timeout_ms: p.request_timeout_ms,
        follow_max_ms: p.follow_max_ms,
        credentials_configured,
        created_at: p.created_at,
        updated_at: p.updated_at,
    }
}

fn check_code(v: &str) -> Result<String, FieldError> {
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

fn check_kind(v: &str) -> Result<String, FieldError> {
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

async fn check_base_url(raw: &str, allow_private: bool) -> Result<String, FieldError> {
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

fn check_protocol(v: &serde_json::Value) -> Result<String, FieldError> {
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

fn check_header(v: &str) -> Result<String, FieldError> {
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

fn check_policy(errors: &mut Errors, p: PolicyOverrides) -> PolicyOverrides {
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

/// Registers a trace platform (admin).
#[utoipa::path(tag = "platforms", request_body = PlatformIn, security(("bearer" = [])),
    responses((status = 201, body = PlatformOut), (status = 409, body = suyuan_web::error::Problem), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/platforms")]
pub async fn create_platform(
    _auth: AdminAuth,
    state: web::Data<AppState>,
    body: JsonBody<PlatformIn>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let mut errors = Errors::default();
    let code = errors.check(check_code(&input.code));
    let name_zh = errors.check(validation::bounded_text("name", &input.name, 200));
    let name_en = errors.check(validation::bounded_text("name_en", &input.name_en, 200));
    let kind = errors.check(check_kind(input.kind.trim()));
    let base_url = errors.check(check_base_url(&input.base_url, state.allow_private_targets).await);
    let protocol = errors.check(check_protocol(&input.protocol));
    let header = errors.check(check_header(
        input
            .credential_header
            .as_deref()
            .unwrap_or("Authorization"),
    ));
    let policy = check_policy(
        &mut errors,
        PolicyOverrides {
            max_attempts: input.max_attempts,
            backoff_base_ms: input.backoff_base_ms,
            backoff_max_ms: input.backoff_max_ms,
            request_timeout_ms: input.request_timeout_ms,
            follow_max_ms: input.follow_max_ms,
        },
    );
    errors.finish().map_err(field_errors)?;
    let (
        Some(code),
        Some(name_zh),
        Some(name_en),
        Some(kind),
        Some(base_url),
        Some(protocol),
        Some(header),
    ) = (code, name_zh, name_en, kind, base_url, protocol, header)
    else {
        return Err(ApiError::Unexpected(anyhow::anyhow!(
            "validated platform input incomplete"
        )));
    };
    let row = store::create_platform(
        &state.db,
        NewPlatform {
            code,
            name_zh,
            name_en,
            kind,
            base_url,
            protocol,
            requires_credentials: input.requires_credentials.unwrap_or(false),
            credential_header: header,
            enabled: input.enabled.unwrap_or(true),
            policy,
        },
    )
    .await?;
    tracing::info!(platform_id = %row.id, code = %row.code, "platform registered");
    Ok(HttpResponse::Created().json(out(row, None)))
}

/// Changes a platform (admin). A new base URL is checked like a new platform's.
#[utoipa::path(tag = "platforms", request_body = PlatformPatchIn, security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = PlatformOut), (status = 404, body = suyuan_web::error::Problem), (status = 422, body = suyuan_web::error::Problem)))]
#[patch("/platforms/{id}")]
pub async fn patch_platform(
    _auth: AdminAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<PlatformPatchIn>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let current = store::get_platform(&state.db, &id).await?;
    let mut errors = Errors::default();
    let mut patch = PlatformPatch {
        requires_credentials: input.requires_credentials,
        enabled: input.enabled,
        ..Default::default()
    };
    if let Some(v) = &input.name {
        patch.name_zh = errors.check(validation::bounded_text("name", v, 200));
    }
    if let Some(v) = &input.name_en {
        patch.name_en = errors.check(validation::bounded_text("name_en", v, 200));
    }
    if let Some(v) = &input.kind {
        patch.kind = errors.check(check_kind(v.trim()));
    }
    if let Some(v) = &input.base_url {
        patch.base_url = errors.check(check_base_url(v, state.allow_private_targets).await);
    }
    if let Some(v) = &input.protocol {
        patch.protocol = errors.check(check_protocol(v));
    }
    if let Some(v) = &input.credential_header {
        patch.credential_header = errors.check(check_header(v));
    }
    // The overrides as they will be, checked together (the maximum against the base).
    let merged = PolicyOverrides {
        max_attempts: input.max_attempts.unwrap_or(current.max_attempts),
        backoff_base_ms: input.backoff_base_ms.unwrap_or(current.backoff_base_ms),
        backoff_max_ms: input.backoff_max_ms.unwrap_or(current.backoff_max_ms),
        request_timeout_ms: input
            .request_timeout_ms
            .unwrap_or(current.request_timeout_ms),
        follow_max_ms: input.follow_max_ms.unwrap_or(current.follow_max_ms),
    };
    let checked = check_policy(&mut errors, merged);
    errors.finish().map_err(field_errors)?;
    patch.max_attempts = input.max_attempts.map(|_| checked.max_attempts);
    patch.backoff_base_ms = input.backoff_base_ms.map(|_| checked.backoff_base_ms);
    patch.backoff_max_ms = input.backoff_max_ms.map(|_| checked.backoff_max_ms);
    patch.request_timeout_ms = input.request_timeout_ms.map(|_| checked.request_timeout_ms);
    patch.follow_max_ms = input.follow_max_ms.map(|_| checked.follow_max_ms);
    let row = store::update_platform(&state.db, &id, patch).await?;
    Ok(HttpResponse::Ok().json(out(row, None)))
}

/// Lists the registered platforms: every field for an admin; for a seller, also whether it has
/// given its credentials for each.
#[utoipa::path(tag = "platforms", security(("bearer" = [])), responses((status = 200, body = Vec<PlatformOut>)))]
#[get("/platforms")]
pub async fn list_platforms(
    auth: SellerOrAdmin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let rows = store::list_platforms(&state.db).await?;
    let creds = match auth.seller() {
        Some(s) => Some(store::credential_platforms(&state.db, s).await?),
        None => None,
    };
    let items: Vec<PlatformOut> = rows
        .into_iter()
        .map(|p| {
            let configured = creds.as_ref().map(|c| c.contains(&p.id));
            out(p, configured)
        })
        .collect();
    Ok(HttpResponse::Ok().json(items))
}

/// Reads one platform.
#[utoipa::path(tag = "platforms", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = PlatformOut), (status = 404, body = suyuan_web::error::Problem)))]
#[get("/platforms/{id}")]
pub async fn get_platform(
    auth: SellerOrAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = store::get_platform(&state.db, &id).await?;
    let configured = match auth.seller() {
        Some(s) => Some(
            store::credential_platforms(&state.db, s)
                .await?
                .contains(&row.id),
        ),
        None => None,
    };
    Ok(HttpResponse::Ok().json(out(row, configured)))
}

/// One kind of trace platform, with how an operator registers one.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlatformKindOut {
    /// The kind's id (for `kind`).
    pub kind: String,
    /// Name in Chinese.
    pub name: String,
    /// Name in English.
    pub name_en: String,
    /// How such a platform usually takes records, in English.
    pub how_en: String,
}

/// The kinds of trace platform an operator can register, with how each usually takes records.
#[utoipa::path(tag = "platforms", security(("bearer" = [])), responses((status = 200, body = Vec<PlatformKindOut>)))]
#[get("/platform-kinds")]
pub async fn list_platform_kinds(_auth: AnyAuth) -> HttpResponse {
    let how = |kind: &str| -> &'static str {
        match kind {
            "national" => {
                "The national key-industrial-product platform, following its general data requirements: register it with the base URL and the protocol the platform's interface specification gives (json_http with a field mapping, or epcis if it offers EPCIS capture), with requires_credentials when each seller has its own account; one rule with no category and no jurisdiction sends every record to it."
            }
            "provincial" => {
                "A province's platform: register it like the national one and give its rule the province's two-digit division code as jurisdiction, so only sellers registered there are routed to it."
            }
            "industry_ebike" => {
                "The e-bike industry platform (e.g. E码通): a rule with category `ebike` sends e-bike receipts and sales to it."
            }
            "industry_wire_cable" => {
                "The wire and cable platform: a rule with the wire-and-cable category."
            }
            "industry_gas_appliance" => {
                "The gas appliance platform: a rule with the gas-appliance category."
            }
            "epcis_repository" => {
                "Any EPCIS 2.0 repository (OpenEPCIS, FasTnT, ...): protocol epcis; Suyuan POSTs each event to {base_url}/capture and follows the capture job."
            }
            _ => {
                "Any other platform with an HTTP interface: protocol json_http with a field mapping."
            }
        }
    };
    let kinds: Vec<PlatformKindOut> = PLATFORM_KINDS
        .iter()
        .map(|(k, zh, en)| PlatformKindOut {
            kind: (*k).to_owned(),
            name: (*zh).to_owned(),
            name_en: (*en).to_owned(),
            how_en: how(k).to_owned(),
        })
        .collect();
    HttpResponse::Ok().json(kinds)
}

// ---------------------------------------------------------------------------------------------
// Routing rules

/// A routing rule to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleIn {
    /// The platform (`plt_…`).
    pub platform_id: String,
    /// A catalogue category id; leave out for any.
    pub category: Option<String>,
    /// A division-code prefix (2, 4 or 6 digits) of the seller's registered region; leave out
    /// for any.
    pub jurisdiction: Option<String>,
    /// Record kinds (`receipt`, `sale`, `shipment`, `return`, `correction`, `aggregation`,
    /// `recall`); leave out for any.
    pub record_kinds: Option<Vec<String>>,
}

/// A routing rule.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RuleOut {
    /// Id (`rte_…`).
    pub id: String,
    /// The platform.
    pub platform_id: String,
    /// Category, or `null` for any.
    pub category: Option<String>,
    /// Jurisdiction prefix, or `null` for any.
    pub jurisdiction: Option<String>,
    /// Record kinds, or `null` for any.
    pub record_kinds: Option<Vec<String>>,
    /// Created at.
    pub created_at: DateTime<Utc>,
}

fn rule_out(r: routing_rule::Model) -> RuleOut {
    RuleOut {
        record_kinds: store::rule_kinds(&r),
        id: r.id,
        platform_id: r.platform_id,
        category: r.category_id,
        jurisdiction: r.jurisdiction,
        created_at: r.created_at,
    }
}

/// Adds a routing rule (admin): records recorded from now on that match it go to the platform.
#[utoipa::path(tag = "platforms", request_body = RuleIn, security(("bearer" = [])),
    responses((status = 201, body = RuleOut), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/routing-rules")]
pub async fn create_rule(
    _auth: AdminAuth,
    state: web::Data<AppState>,
    body: JsonBody<RuleIn>,
) -> Result<HttpResponse, ApiError> {
    let input = body.0;
    let mut errors = Errors::default();
    let category = match input.category.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => {
            let known = suyuan_core::catalogue::CategoryId::parse(c)
                .ok()
                .and_then(|id| state.catalogue.get(&id).map(|_| id));
            if known.is_none() {
                errors.0.push(FieldError::new(
                    "category",
                    "unknown_category",
                    format!("目录中没有类别 {c}"),
                    format!("`{c}` is not a category of the catalogue"),
                ));
            }
            Some(c.to_owned())
        }
    };
    let jurisdiction = match input.jurisdiction.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(j) => errors
            .check(suyuan_core::division::Jurisdiction::parse(j).map_err(|e| {
                FieldError::new(
                    "jurisdiction",
                    "invalid_division",
                    e.message_zh(),
                    e.to_string(),
                )
            }))
            .map(|j| j.as_prefix().to_owned()),
    };
    if let Some(kinds) = &input.record_kinds {
        for (i, k) in kinds.iter().enumerate() {
            if !RECORD_KINDS.contains(&k.as_str()) {
                errors.0.push(FieldError::new(
                    format!("record_kinds[{i}]"),
                    "unknown_kind",
                    format!("记录类型须为 {} 之一", RECORD_KINDS.join("、")),
                    format!("`{k}` is not one of {}", RECORD_KINDS.join(", ")),
                ));
            }
        }
        if kinds.is_empty() {
            errors.0.push(FieldError::new(
                "record_kinds",
                "required",
                "不能为空列表（不限类型请省略此字段）",
                "must not be empty (leave it out for any kind)",
            ));
        }
    }
    if store::get_platform(&state.db, input.platform_id.trim())
        .await
        .is_err()
    {
        errors.0.push(FieldError::new(
            "platform_id",
            "unknown_platform",
            "没有这个平台",
            "no such platform",
        ));
    }
    errors.finish().map_err(field_errors)?;
    let row = store::create_rule(
        &state.db,
        NewRule {
            platform_id: input.platform_id.trim().to_owned(),
            category_id: category,
            jurisdiction,
            record_kinds: input.record_kinds,
        },
    )
    .await?;
    Ok(HttpResponse::Created().json(rule_out(row)))
}

/// Which rules to list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RuleQuery {
    /// Only this platform's rules.
    pub platform_id: Option<String>,
}

/// Lists routing rules (admin).
#[utoipa::path(tag = "platforms", security(("bearer" = [])), params(RuleQuery), responses((status = 200, body = Vec<RuleOut>)))]
#[get("/routing-rules")]
pub async fn list_rules(
    _auth: AdminAuth,
    state: web::Data<AppState>,
    q: web::Query<RuleQuery>,
) -> Result<HttpResponse, ApiError> {
    let rows = store::list_rules(&state.db, q.platform_id.as_deref()).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(rule_out).collect::<Vec<_>>()))
}

/// Deletes a routing rule (admin). Submissions already made stay and are still sent.
#[utoipa::path(tag = "platforms", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 204), (status = 404, body = suyuan_web::error::Problem)))]
#[delete("/routing-rules/{id}")]
pub async fn delete_rule(
    _auth: AdminAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    store::delete_rule(&state.db, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------------
// Credentials

/// A seller's credential for a platform.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialIn {
    /// The whole header value, e.g. `Bearer eyJ…` or an API key; sent in the platform's
    /// credential header. Sealed at rest; never shown again.
    pub value: String,
}

impl std::fmt::Debug for CredentialIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialIn(<redacted>)")
    }
}

/// The state of a seller's credential (never the credential itself).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CredentialOut {
    /// The platform.
    pub platform_id: String,
    /// Always true after a PUT.
    pub configured: bool,
    /// Submissions that were waiting for it and are now queued.
    pub released: u64,
}

/// Sets the seller's credential for a platform (replacing any earlier one); submissions held for
/// want of it are queued at once.
#[utoipa::path(tag = "platforms", request_body = CredentialIn, security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 200, body = CredentialOut), (status = 404, body = suyuan_web::error::Problem), (status = 422, body = suyuan_web::error::Problem)))]
#[put("/platforms/{id}/credentials")]
pub async fn put_credentials(
    auth: SellerAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<CredentialIn>,
) -> Result<HttpResponse, ApiError> {
    let value = body.0.value.trim().to_owned();
    let ok = !value.is_empty()
        && value.len() <= 4096
        && reqwest::header::HeaderValue::from_str(&value).is_ok();
    if !ok {
        return Err(ApiError::field(
            "value",
            "invalid_credential",
            "凭证须为 1 至 4096 个可见字符，可作为 HTTP 头的值",
            "must be 1 to 4096 visible characters usable as an HTTP header value",
        ));
    }
    let released =
        store::put_credential(&state.db, &state.secret_key, &auth.seller_id, &id, &value).await?;
    tracing::info!(platform_id = %id, released, "seller credential set");
    Ok(HttpResponse::Ok().json(CredentialOut {
        platform_id: id.into_inner(),
        configured: true,
        released,
    }))
}

/// Removes the seller's credential for a platform. Submissions to a platform that requires one
/// are then held until a new one is given.
#[utoipa::path(tag = "platforms", security(("bearer" = [])), params(("id" = String, Path)), responses((status = 204), (status = 404, body = suyuan_web::error::Problem)))]
#[delete("/platforms/{id}/credentials")]
pub async fn delete_credentials(
    auth: SellerAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    store::delete_credential(&state.db, &auth.seller_id, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How many dead submissions were queued again.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReplayedOut {
    /// The platform.
    pub platform_id: String,
    /// How many.
    pub replayed: u64,
}

/// Replays every dead submission to a platform: a seller's own, or (admin) every seller's.
#[utoipa::path(tag = "submissions", security(("bearer" = [])), params(("id" = String, Path)),
    responses((status = 202, body = ReplayedOut), (status = 404, body = suyuan_web::error::Problem)))]
#[post("/platforms/{id}/replay")]
pub async fn replay_dead(
    auth: SellerOrAdmin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let replayed = store::replay_dead(&state.db, auth.seller(), &id).await?;
    Ok(HttpResponse::Accepted().json(ReplayedOut {
        platform_id: id.into_inner(),
        replayed,
    }))
}

/// When a backfill starts.
#[derive(Debug, Deserialize, IntoParams)]
pub struct BackfillQuery {
    /// Only records recorded at or after this time (RFC 3339, or a date); default: all.
    pub since: Option<String>,
}

/// What a backfill sent.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BackfilledOut {
    /// The platform.
    pub platform_id: String,
    /// Records looked at.
    pub events: u64,
    /// Submissions queued: records the platform matches and did not have.
    pub submissions: u64,
}

/// Sends a platform registered late (or given a new rule) the records made before: every
/// record its rules match that it does not have yet, oldest first per seller. Safe to repeat.
#[utoipa::path(tag = "platforms", security(("bearer" = [])),
    params(("id" = String, Path), BackfillQuery),
    responses((status = 202, body = BackfilledOut), (status = 404, body = suyuan_web::error::Problem),
        (status = 422, body = suyuan_web::error::Problem)))]
#[post("/platforms/{id}/backfill")]
pub async fn backfill(
    _auth: AdminAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<BackfillQuery>,
) -> Result<HttpResponse, ApiError> {
    let since = match query.since.as_deref() {
        Some(raw) => Some(
            suyuan_core::receipt::parse_time("since", Some(raw), chrono::Utc::now())
                .map_err(|e| field_errors(vec![e]))?
                .with_timezone(&chrono::Utc),
        ),
        None => None,
    };
    let done = store::backfill(&state.db, &id, since).await?;
    Ok(HttpResponse::Accepted().json(BackfilledOut {
        platform_id: id.into_inner(),
        events: done.events,
        submissions: done.submissions,
    }))
}

//! The registry of trace platforms: registering (admin), changing (admin) and reading them (a
//! seller also learns whether it has given its credentials for each).

use super::checks::{
    check_base_url, check_code, check_header, check_kind, check_policy, check_protocol,
};
use crate::routes::field_errors;
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use suyuan_core::validation::{self, Errors};
use suyuan_store::entity::platform;
use suyuan_store::submissions::{
    self as store, NewPlatform, PLATFORM_KINDS, PlatformPatch, PolicyOverrides,
};
use suyuan_web::AppState;
use suyuan_web::auth::{AdminAuth, SellerOrAdmin};
use suyuan_web::error::ApiError;
use suyuan_web::extract::JsonBody;
use utoipa::ToSchema;

/// Reads a field that may be absent (`None`), `null` (`Some(None)`) or a value.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

crate::openapi::string_enum!(
    /// What a platform is: one of the kinds `GET /api/v1/platform-kinds` lists.
    PlatformKind = PLATFORM_KINDS.map(|(kind, _, _)| kind)
);

/// A platform to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformIn {
    /// A short unique code: 1 to 64 lower-case letters, digits, `-` and `_` (e.g. `national`,
    /// `zj-prov`); surrounding whitespace is trimmed.
    #[schema(
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[a-z0-9_-]{1,64}[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub code: String,
    /// Chinese name: 1 to 200 characters, not blank, without control characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// English name: 1 to 200 characters, not blank, without control characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name_en: String,
    /// What the platform is: see `GET /api/v1/platform-kinds` (surrounding whitespace is
    /// trimmed).
    #[schema(value_type = PlatformKind)]
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
    #[schema(minimum = 1, maximum = 100)]
    pub max_attempts: Option<i32>,
    /// The first retry's delay in ms (10 ms – 1 h), doubled per attempt.
    #[schema(minimum = 10, maximum = 3600000)]
    pub backoff_base_ms: Option<i64>,
    /// The longest retry delay in ms (10 ms – 24 h), not less than `backoff_base_ms`.
    #[schema(minimum = 10, maximum = 86400000)]
    pub backoff_max_ms: Option<i64>,
    /// The longest one request may take in ms (100 ms – 60 s).
    #[schema(minimum = 100, maximum = 60000)]
    pub request_timeout_ms: Option<i64>,
    /// How long an EPCIS capture job is followed in ms (0 – 120 s).
    #[schema(minimum = 0, maximum = 120000)]
    pub follow_max_ms: Option<i64>,
}

/// Changes to a platform; absent fields stay, `null` puts an override back to the default.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlatformPatchIn {
    /// Chinese name (1 to 200 characters, not blank).
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// English name (1 to 200 characters, not blank).
    #[schema(min_length = 1, max_length = 200)]
    pub name_en: Option<String>,
    /// Kind.
    #[schema(value_type = Option<PlatformKind>)]
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
    /// Retry budget (1–100).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>, minimum = 1, maximum = 100)]
    pub max_attempts: Option<Option<i32>>,
    /// First retry delay (ms, 10 – 3,600,000).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 10, maximum = 3600000)]
    pub backoff_base_ms: Option<Option<i64>>,
    /// Longest retry delay (ms, 10 – 86,400,000; not less than the first, as it will be).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 10, maximum = 86400000)]
    pub backoff_max_ms: Option<Option<i64>>,
    /// Request timeout (ms, 100 – 60,000).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 100, maximum = 60000)]
    pub request_timeout_ms: Option<Option<i64>>,
    /// Capture-job follow budget (ms, 0 – 120,000).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 120000)]
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

/// A platform to register, checked field by field (every field at fault is named).
async fn new_platform(input: PlatformIn, allow_private: bool) -> Result<NewPlatform, ApiError> {
    let mut errors = Errors::default();
    let code = errors.check(check_code(&input.code));
    let name_zh = errors.check(validation::bounded_text("name", &input.name, 200));
    let name_en = errors.check(validation::bounded_text("name_en", &input.name_en, 200));
    let kind = errors.check(check_kind(input.kind.trim()));
    let base_url = errors.check(check_base_url(&input.base_url, allow_private).await);
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
    Ok(NewPlatform {
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
    })
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
    let new = new_platform(body.0, state.allow_private_targets).await?;
    let row = store::create_platform(&state.db, new).await?;
    tracing::info!(platform_id = %row.id, code = %row.code, "platform registered");
    Ok(HttpResponse::Created().json(out(row, None)))
}

/// The changes to a platform, checked like a new platform's fields; the retry overrides are
/// checked together as they will be after the change (the maximum against the base).
async fn platform_patch(
    input: PlatformPatchIn,
    current: &platform::Model,
    allow_private: bool,
) -> Result<PlatformPatch, ApiError> {
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
        patch.base_url = errors.check(check_base_url(v, allow_private).await);
    }
    if let Some(v) = &input.protocol {
        patch.protocol = errors.check(check_protocol(v));
    }
    if let Some(v) = &input.credential_header {
        patch.credential_header = errors.check(check_header(v));
    }
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
    Ok(patch)
}

/// Changes a platform (admin). A new base URL is checked like a new platform's.
#[utoipa::path(tag = "platforms", request_body = PlatformPatchIn, security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::PlatformId), Path, description = "the platform (`plt_…`)")),
    responses((status = 200, body = PlatformOut), (status = 404, body = suyuan_web::error::Problem), (status = 422, body = suyuan_web::error::Problem)))]
#[patch("/platforms/{id}")]
pub async fn patch_platform(
    _auth: AdminAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<PlatformPatchIn>,
) -> Result<HttpResponse, ApiError> {
    let current = store::get_platform(&state.db, &id).await?;
    let patch = platform_patch(body.0, &current, state.allow_private_targets).await?;
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
#[utoipa::path(tag = "platforms", security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::PlatformId), Path, description = "the platform (`plt_…`)")),
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

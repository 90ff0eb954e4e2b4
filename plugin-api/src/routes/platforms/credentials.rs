//! Sellers' credentials per platform: sealed at rest, never shown again.

use actix_web::{HttpResponse, delete, put, web};
use serde::{Deserialize, Serialize};
use suyuan_store::submissions as store;
use suyuan_web::AppState;
use suyuan_web::auth::SellerAuth;
use suyuan_web::error::ApiError;
use suyuan_web::extract::JsonBody;
use utoipa::ToSchema;

/// A seller's credential for a platform.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialIn {
    /// The whole header value, e.g. `Bearer eyJ…` or an API key; sent in the platform's
    /// credential header. Sealed at rest; never shown again. Surrounding whitespace is
    /// trimmed; what is left is 1 to 4096 visible ASCII characters, spaces and tabs, and starts
    /// and ends with a visible one.
    #[schema(
        pattern = r"^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[!-~](?:[\t -~]{0,4094}[!-~])?[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
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

/// A credential as sent: the whole header value, trimmed, usable as an HTTP header value.
fn credential_value(input: CredentialIn) -> Result<String, ApiError> {
    let value = input.value.trim().to_owned();
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
    Ok(value)
}

/// Sets the seller's credential for a platform (replacing any earlier one); submissions held for
/// want of it are queued at once.
#[utoipa::path(tag = "platforms", request_body = CredentialIn, security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::PlatformId), Path, description = "the platform (`plt_…`)")),
    responses((status = 200, body = CredentialOut), (status = 404, body = suyuan_web::error::Problem), (status = 422, body = suyuan_web::error::Problem)))]
#[put("/platforms/{id}/credentials")]
pub async fn put_credentials(
    auth: SellerAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<CredentialIn>,
) -> Result<HttpResponse, ApiError> {
    let value = credential_value(body.0)?;
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
#[utoipa::path(tag = "platforms", security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::PlatformId), Path, description = "the platform (`plt_…`)")), responses((status = 204), (status = 404, body = suyuan_web::error::Problem)))]
#[delete("/platforms/{id}/credentials")]
pub async fn delete_credentials(
    auth: SellerAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    store::delete_credential(&state.db, &auth.seller_id, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

//! Proving a shop's domain: `POST /stores/{id}/domain` gives the seller a token to publish at
//! `https://{domain}/.well-known/suyuan-verification.txt`; `POST /stores/{id}/domain/check`
//! fetches that file (through the one outgoing client, which refuses private addresses unless
//! the installation allows them) and, when the token is there, records the domain as proven.
//! Only a proven shop's listings are used for `gs1:pip` redirects and operators' look-ups.

use super::field_errors;
use super::shops::{StoreOut, out};
use actix_web::{HttpResponse, post, web};
use base64::Engine as _;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use suyuan_core::domain_proof::{self, WELL_KNOWN_PATH};
use suyuan_store::shops;
use suyuan_web::AppState;
use suyuan_web::auth::SellerAuth;
use suyuan_web::error::ApiError;
use suyuan_web::extract::JsonBody;
use utoipa::ToSchema;

/// The largest verification file read.
const MAX_FILE: usize = 4096;

/// A domain to prove.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainIn {
    /// The shop's public domain, e.g. `shop.example.cn` (listing URLs must be on it).
    pub domain: String,
}

/// What the seller is to publish.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DomainChallengeOut {
    /// The domain being proven.
    pub domain: String,
    /// The token to publish, on a line of its own.
    pub token: String,
    /// Where to publish it.
    pub url: String,
    /// The store as it stands (its proven domain, if any, is unchanged until the check).
    pub store: StoreOut,
}

fn new_token() -> String {
    let mut raw = [0u8; 24];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut raw);
    format!(
        "suyuan-verification={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    )
}

/// Starts proving the shop's domain: answers the token to publish.
#[utoipa::path(tag = "stores", request_body = DomainIn, security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::StoreId), Path, description = "the store connection (`sto_…`)")),
    responses((status = 200, body = DomainChallengeOut), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/stores/{id}/domain")]
pub async fn start_domain_proof(
    auth: SellerAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<DomainIn>,
) -> Result<HttpResponse, ApiError> {
    let domain =
        domain_proof::parse_domain("domain", &body.0.domain).map_err(|e| field_errors(vec![e]))?;
    let token = new_token();
    let row = shops::start_domain_proof(&state.db, &auth.seller_id, &id, &domain, &token).await?;
    Ok(HttpResponse::Ok().json(DomainChallengeOut {
        url: format!("https://{domain}{WELL_KNOWN_PATH}"),
        domain,
        token,
        store: out(&state, row, None),
    }))
}

fn not_proven(zh: String, en: String) -> ApiError {
    ApiError::field("domain", "domain_not_proven", zh, en)
}

/// Reads the verification file of `domain`: https, and plain http too on an installation
/// that allows private targets (on-premises and tests).
async fn fetch_file(state: &AppState, domain: &str) -> Result<String, String> {
    let client = crate::netpolicy::client(
        state.allow_private_targets,
        Some(std::time::Duration::from_secs(10)),
    )
    .map_err(|e| e.to_string())?;
    let schemes: &[&str] = if state.allow_private_targets {
        &["https", "http"]
    } else {
        &["https"]
    };
    let mut last = String::new();
    for scheme in schemes {
        let url = format!("{scheme}://{domain}{WELL_KNOWN_PATH}");
        let url = match crate::netpolicy::check_target(&url, state.allow_private_targets).await {
            Ok(u) => u,
            Err(e) => {
                last = e;
                continue;
            }
        };
        match client.get(url.clone()).send().await {
            Ok(res) if res.status().is_success() => {
                let bytes = res.bytes().await.map_err(|e| e.to_string())?;
                let head = &bytes[..bytes.len().min(MAX_FILE)];
                return Ok(String::from_utf8_lossy(head).into_owned());
            }
            Ok(res) => last = format!("{url} answered {}", res.status()),
            Err(e) => last = format!("{url}: {e}"),
        }
    }
    Err(last)
}

/// Checks the published token; on success the domain is proven (how and when are kept).
#[utoipa::path(tag = "stores", security(("bearer" = [])), params(("id" = inline(suyuan_core::ids::StoreId), Path, description = "the store connection (`sto_…`)")),
    responses((status = 200, body = StoreOut), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/stores/{id}/domain/check")]
pub async fn check_domain_proof(
    auth: SellerAuth,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let row = shops::get(&state.db, &auth.seller_id, &id).await?;
    let (Some(domain), Some(token)) = (row.pending_domain.clone(), row.domain_token.clone()) else {
        return Err(not_proven(
            "请先提交要验证的域名（POST /stores/{id}/domain）".into(),
            "no domain is being proven: POST /stores/{id}/domain first".into(),
        ));
    };
    let body = fetch_file(&state, &domain).await.map_err(|reason| {
        tracing::info!(store_id = %row.id, %domain, %reason, "domain proof file not read");
        not_proven(
            format!("无法读取 https://{domain}{WELL_KNOWN_PATH}：{reason}"),
            format!("https://{domain}{WELL_KNOWN_PATH} could not be read: {reason}"),
        )
    })?;
    if !domain_proof::token_published(&body, &token) {
        return Err(not_proven(
            format!("{domain}{WELL_KNOWN_PATH} 中没有找到验证码"),
            format!("the token is not in {domain}{WELL_KNOWN_PATH}"),
        ));
    }
    let row = shops::mark_domain_proven(&state.db, &row.id, &domain, "well_known_file", Utc::now())
        .await?;
    tracing::info!(store_id = %row.id, %domain, "shop domain proven");
    Ok(HttpResponse::Ok().json(out(&state, row, None)))
}

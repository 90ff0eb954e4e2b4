//! Sellers: registration (admin), reading within scope, and `/me`.

use super::field_errors;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_core::ids::SellerId;
use suyuan_core::tenancy::Principal;
pub use suyuan_core::tenancy::SellerIn;
use suyuan_store::tenants::{self, Seller};
use suyuan_web::AppState;
use suyuan_web::auth::{AdminAuth, AnyAuth, SupervisorOrAdmin};
use suyuan_web::error::ApiError;
use suyuan_web::extract::JsonBody;
use utoipa::ToSchema;

/// A seller as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SellerOut {
    /// Id (`sel_…`).
    pub id: String,
    /// Registered name.
    pub name: String,
    /// Unified social credit code.
    pub credit_code: String,
    /// Division code.
    pub division_code: String,
    /// Province name in Chinese.
    pub province: String,
    /// Seller type.
    pub seller_type: String,
    /// Seller type in Chinese.
    pub seller_type_name: String,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Registered with Suyuan at.
    pub created_at: DateTime<Utc>,
}

impl From<Seller> for SellerOut {
    fn from(s: Seller) -> Self {
        SellerOut {
            id: s.id.to_string(),
            province: s.division_code.province_name_zh().to_owned(),
            division_code: s.division_code.to_string(),
            name: s.name,
            credit_code: s.credit_code.to_string(),
            seller_type: s.seller_type.as_str().to_owned(),
            seller_type_name: s.seller_type.name_zh().to_owned(),
            email: s.email,
            created_at: s.created_at,
        }
    }
}

/// Registers a seller (admin only).
#[utoipa::path(tag = "sellers", request_body = SellerIn, security(("bearer" = [])),
    responses((status = 201, body = SellerOut), (status = 409, body = suyuan_web::error::Problem), (status = 422, body = suyuan_web::error::Problem)))]
#[post("/sellers")]
pub async fn create_seller(
    _admin: AdminAuth,
    state: web::Data<AppState>,
    body: JsonBody<SellerIn>,
) -> Result<HttpResponse, ApiError> {
    let new = body.0.parse().map_err(field_errors)?;
    let seller = tenants::create_seller(&state.db, new).await?;
    tracing::info!(seller_id = %seller.id, "seller registered");
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/sellers/{}", seller.id)))
        .json(SellerOut::from(seller)))
}

/// Lists sellers: all for an admin, those inside the jurisdiction for a supervisor.
#[utoipa::path(tag = "sellers", security(("bearer" = [])), responses((status = 200, body = Vec<SellerOut>)))]
#[get("/sellers")]
pub async fn list_sellers(
    auth: SupervisorOrAdmin,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let out: Vec<SellerOut> = tenants::list_sellers_for(&state.db, &auth.principal())
        .await?
        .into_iter()
        .map(SellerOut::from)
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Reads a seller: the seller itself, an admin, or a supervisor whose jurisdiction covers it.
#[utoipa::path(tag = "sellers", security(("bearer" = [])), params(("id" = String, Path, description = "seller id")),
    responses((status = 200, body = SellerOut), (status = 404, body = suyuan_web::error::Problem)))]
#[get("/sellers/{id}")]
pub async fn get_seller(
    auth: AnyAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = SellerId::parse(&path)
        .map_err(|e| ApiError::field("id", "invalid_id", e.message_zh(), e.to_string()))?;
    let seller = tenants::find_seller_for(&state.db, &auth.0, &id).await?;
    Ok(HttpResponse::Ok().json(SellerOut::from(seller)))
}

/// Who the caller is.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeOut {
    /// `seller`, `operator`, `supervisor` or `admin`.
    pub role: String,
    /// The subject id.
    pub id: String,
    /// For supervisors: the division-code prefix they oversee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// For sellers: their record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller: Option<SellerOut>,
}

/// The caller's identity (and, for a seller, its record).
#[utoipa::path(tag = "sellers", security(("bearer" = [])), responses((status = 200, body = MeOut), (status = 401, body = suyuan_web::error::Problem)))]
#[get("/me")]
pub async fn me(auth: AnyAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let p = &auth.0;
    let seller = match p {
        Principal::Seller(id) => Some(SellerOut::from(
            tenants::find_seller_for(&state.db, p, id).await?,
        )),
        _ => None,
    };
    let jurisdiction = match p {
        Principal::Supervisor { jurisdiction, .. } => Some(jurisdiction.to_string()),
        _ => None,
    };
    Ok(HttpResponse::Ok().json(MeOut {
        role: p.role().as_str().to_owned(),
        id: p.subject().to_owned(),
        jurisdiction,
        seller,
    }))
}

//! Sellers: registration (admin), reading within scope, `/me`, and the account's standing:
//! review of accounts made from claim links (verify, reject: an admin, or the supervisor whose
//! jurisdiction covers the account's division), deactivation and token revocation (admin).

use super::field_errors;
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_core::ids::SellerId;
use suyuan_core::standing::Verification;
use suyuan_core::tenancy::Principal;
pub use suyuan_core::tenancy::SellerIn;
use suyuan_store::standing;
use suyuan_store::tenants::{self, Seller};
use suyuan_web::AppState;
use suyuan_web::auth::{AdminAuth, SelfAuth, SupervisorOrAdmin};
use suyuan_web::error::ApiError;
use suyuan_web::extract::JsonBody;
use utoipa::{IntoParams, ToSchema};

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
    /// `verified`; `provisional` (made from a claim link, awaiting review: it may claim only the
    /// transfer it came from); or `rejected`.
    pub verification: String,
    /// The verification state in Chinese.
    pub verification_name: String,
    /// When it was verified or rejected.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// When it was deactivated: its tokens no longer work; its records are kept.
    pub deactivated_at: Option<DateTime<Utc>>,
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
            verification: s.verification.as_str().to_owned(),
            verification_name: s.verification.name_zh().to_owned(),
            reviewed_at: s.reviewed_at,
            deactivated_at: s.deactivated_at,
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

/// Filters of the seller list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SellerQuery {
    /// Only sellers in this state: `provisional` lists the accounts awaiting review (not
    /// deactivated), `verified` or `rejected`; any other value is refused (422).
    #[param(value_type = Option<Verification>, inline)]
    pub verification: Option<String>,
}

/// Lists sellers: all for an admin, those inside the jurisdiction for a supervisor;
/// `?verification=provisional` lists the accounts awaiting their review.
#[utoipa::path(tag = "sellers", security(("bearer" = [])), params(SellerQuery),
    responses((status = 200, body = Vec<SellerOut>), (status = 422, body = suyuan_web::error::Problem)))]
#[get("/sellers")]
pub async fn list_sellers(
    auth: SupervisorOrAdmin,
    state: web::Data<AppState>,
    q: web::Query<SellerQuery>,
) -> Result<HttpResponse, ApiError> {
    let verification = q
        .verification
        .as_deref()
        .map(str::parse::<Verification>)
        .transpose()
        .map_err(|e| {
            ApiError::field(
                "verification",
                "unknown_verification",
                "审核状态须为 verified、provisional 或 rejected",
                e.to_string(),
            )
        })?;
    let out: Vec<SellerOut> = tenants::list_sellers_for(&state.db, &auth.principal(), verification)
        .await?
        .into_iter()
        .map(SellerOut::from)
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Reads a seller: the seller itself, an admin, or a supervisor whose jurisdiction covers it.
#[utoipa::path(tag = "sellers", security(("bearer" = [])), params(("id" = inline(SellerId), Path, description = "seller id (`sel_…`)")),
    responses((status = 200, body = SellerOut), (status = 404, body = suyuan_web::error::Problem)))]
#[get("/sellers/{id}")]
pub async fn get_seller(
    auth: SelfAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = seller_id(&path)?;
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
pub async fn me(auth: SelfAuth, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
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

fn seller_id(raw: &str) -> Result<SellerId, ApiError> {
    SellerId::parse(raw)
        .map_err(|e| ApiError::field("id", "invalid_id", e.message_zh(), e.to_string()))
}

/// Verifies an account awaiting review (made from a claim link): its credit code is now its
/// own, it may use the whole API, and every other account claiming the same credit code is
/// rejected. An admin, or the supervisor whose jurisdiction covers the account's division
/// (another supervisor gets 404). 409 while another verified account holds the credit code.
#[utoipa::path(tag = "sellers", security(("bearer" = [])), params(("id" = inline(SellerId), Path, description = "seller id (`sel_…`)")),
    responses((status = 200, body = SellerOut), (status = 404, body = suyuan_web::error::Problem), (status = 409, body = suyuan_web::error::Problem)))]
#[post("/sellers/{id}/verify")]
pub async fn verify_seller(
    auth: SupervisorOrAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = seller_id(&path)?;
    let seller = standing::verify(&state.db, &auth.principal(), &id, Utc::now()).await?;
    tracing::info!(seller_id = %seller.id, reviewer = auth.subject(), "seller verified");
    Ok(HttpResponse::Ok().json(SellerOut::from(seller)))
}

/// Rejects an account awaiting review: it is deactivated at once (its tokens and sessions stop
/// working); what it recorded is kept. An admin, or the supervisor of its division.
#[utoipa::path(tag = "sellers", security(("bearer" = [])), params(("id" = inline(SellerId), Path, description = "seller id (`sel_…`)")),
    responses((status = 200, body = SellerOut), (status = 404, body = suyuan_web::error::Problem), (status = 409, body = suyuan_web::error::Problem)))]
#[post("/sellers/{id}/reject")]
pub async fn reject_seller(
    auth: SupervisorOrAdmin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = seller_id(&path)?;
    let seller = standing::reject(&state.db, &auth.principal(), &id, Utc::now()).await?;
    tracing::info!(seller_id = %seller.id, reviewer = auth.subject(), "seller rejected");
    Ok(HttpResponse::Ok().json(SellerOut::from(seller)))
}

/// Deactivates a seller (admin only): every token and page session of it stops working at once,
/// on every instance; its records are kept (trace records are kept three years) and an admin
/// can still read them; its credit code may be registered again.
#[utoipa::path(tag = "sellers", security(("bearer" = [])), params(("id" = inline(SellerId), Path, description = "seller id (`sel_…`)")),
    responses((status = 204, description = "deactivated (or already)"), (status = 404, body = suyuan_web::error::Problem)))]
#[delete("/sellers/{id}")]
pub async fn deactivate_seller(
    admin: AdminAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = seller_id(&path)?;
    let seller = standing::deactivate(&state.db, &id, Utc::now()).await?;
    tracing::info!(seller_id = %seller.id, admin_id = %admin.admin_id, "seller deactivated");
    Ok(HttpResponse::NoContent().finish())
}

/// Revokes every token of a seller issued until now (admin only), page sessions included: for
/// a token that leaked. Tokens minted afterwards work.
#[utoipa::path(tag = "sellers", security(("bearer" = [])), params(("id" = inline(SellerId), Path, description = "seller id (`sel_…`)")),
    responses((status = 200, body = SellerOut), (status = 404, body = suyuan_web::error::Problem)))]
#[post("/sellers/{id}/revoke-tokens")]
pub async fn revoke_tokens(
    admin: AdminAuth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = seller_id(&path)?;
    let seller = standing::revoke_tokens(&state.db, &id, Utc::now()).await?;
    tracing::info!(seller_id = %seller.id, admin_id = %admin.admin_id, "seller tokens revoked");
    Ok(HttpResponse::Ok().json(SellerOut::from(seller)))
}

//! Sellers: registration (admin), reading within scope, and `/me`.

use super::field_errors;
use crate::auth::{AdminAuth, AnyAuth, SupervisorOrAdmin};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::startup::AppState;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use suyuan_core::credit_code::CreditCode;
use suyuan_core::division::DivisionCode;
use suyuan_core::ids::SellerId;
use suyuan_core::tenancy::{Principal, SellerType};
use suyuan_core::validation::{self, Errors, FieldError};
use suyuan_store::tenants::{self, NewSeller, Seller};
use utoipa::ToSchema;

/// A seller to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SellerIn {
    /// Registered business name.
    pub name: String,
    /// Unified social credit code (18 characters).
    pub credit_code: String,
    /// Administrative division code (6 digits) where the seller is registered.
    pub division_code: String,
    /// One of online, offline, specialty_store, general_store, large_store, small_shop,
    /// distributor, factory_direct.
    pub seller_type: String,
    /// Contact e-mail.
    pub email: Option<String>,
}

impl SellerIn {
    /// Parses every field, reporting all bad ones at once.
    pub fn parse(self) -> Result<NewSeller, Vec<FieldError>> {
        let mut errors = Errors::default();
        let name = errors.check(validation::bounded_text("name", &self.name, 200));
        let credit_code =
            errors.check(CreditCode::parse(&self.credit_code).map_err(|e| {
                FieldError::new("credit_code", e.code(), e.message_zh(), e.to_string())
            }));
        let division_code = errors.check(DivisionCode::parse(&self.division_code).map_err(|e| {
            FieldError::new("division_code", e.code(), e.message_zh(), e.to_string())
        }));
        let seller_type = errors.check(self.seller_type.parse::<SellerType>().map_err(|e| {
            FieldError::new(
                "seller_type",
                "unknown_seller_type",
                "未知的销售者类型",
                e.to_string(),
            )
        }));
        let email = match self.email.as_deref() {
            Some(e) => errors.check(validation::email("email", e)).map(Some),
            None => Some(None),
        };
        errors.finish()?;
        match (name, credit_code, division_code, seller_type, email) {
            (
                Some(name),
                Some(credit_code),
                Some(division_code),
                Some(seller_type),
                Some(email),
            ) => Ok(NewSeller {
                name,
                credit_code,
                division_code,
                seller_type,
                email,
            }),
            _ => Err(vec![FieldError::new(
                "body",
                "invalid",
                "输入有误",
                "invalid input",
            )]),
        }
    }
}

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
#[utoipa::path(context_path = "/api/v1", tag = "sellers", request_body = SellerIn, security(("bearer" = [])),
    responses((status = 201, body = SellerOut), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
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
#[utoipa::path(context_path = "/api/v1", tag = "sellers", security(("bearer" = [])), responses((status = 200, body = Vec<SellerOut>)))]
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
#[utoipa::path(context_path = "/api/v1", tag = "sellers", security(("bearer" = [])), params(("id" = String, Path, description = "seller id")),
    responses((status = 200, body = SellerOut), (status = 404, body = crate::error::Problem)))]
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
#[utoipa::path(context_path = "/api/v1", tag = "sellers", security(("bearer" = [])), responses((status = 200, body = MeOut), (status = 401, body = crate::error::Problem)))]
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

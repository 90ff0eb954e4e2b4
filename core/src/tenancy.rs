//! Who uses Suyuan: sellers (tenants), marketplace operators, supervisors and admins.

use crate::credit_code::CreditCode;
use crate::division::{DivisionCode, Jurisdiction};
use crate::ids::{AdminId, OperatorId, SellerId, SupervisorId};
use crate::validation::{self, Errors, FieldError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

/// The kinds of seller the Seller Operation Guide names, each with its own workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SellerType {
    /// Sells on online marketplaces.
    Online,
    /// Sells in a physical shop.
    Offline,
    /// A specialty store trading on one trace platform.
    SpecialtyStore,
    /// A general store whose products span many trace platforms.
    GeneralStore,
    /// A large store with its own inventory (WMS) system.
    LargeStore,
    /// A small shop without an inventory system (phone scanning).
    SmallShop,
    /// A seller with many distributors or agents.
    Distributor,
    /// A producer selling directly (factory direct sales).
    FactoryDirect,
}

impl SellerType {
    /// Every seller type, in the guide's order.
    pub const ALL: [SellerType; 8] = [
        SellerType::Online,
        SellerType::Offline,
        SellerType::SpecialtyStore,
        SellerType::GeneralStore,
        SellerType::LargeStore,
        SellerType::SmallShop,
        SellerType::Distributor,
        SellerType::FactoryDirect,
    ];

    /// The stored and wire form (`online`, `small_shop`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            SellerType::Online => "online",
            SellerType::Offline => "offline",
            SellerType::SpecialtyStore => "specialty_store",
            SellerType::GeneralStore => "general_store",
            SellerType::LargeStore => "large_store",
            SellerType::SmallShop => "small_shop",
            SellerType::Distributor => "distributor",
            SellerType::FactoryDirect => "factory_direct",
        }
    }

    /// The name sellers see, in Chinese.
    pub fn name_zh(self) -> &'static str {
        match self {
            SellerType::Online => "线上销售者",
            SellerType::Offline => "线下销售者",
            SellerType::SpecialtyStore => "专卖店",
            SellerType::GeneralStore => "综合商店",
            SellerType::LargeStore => "大型商店（自有进销存系统）",
            SellerType::SmallShop => "小型商店",
            SellerType::Distributor => "多级经销商",
            SellerType::FactoryDirect => "厂家直销",
        }
    }
}

impl fmt::Display for SellerType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown seller type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown seller type `{0}`; expected one of online, offline, specialty_store, general_store, large_store, small_shop, distributor, factory_direct"
)]
pub struct UnknownSellerType(pub String);

impl FromStr for SellerType {
    type Err = UnknownSellerType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SellerType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownSellerType(s.chars().take(64).collect()))
    }
}

/// The role a token grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A seller acting on its own records.
    Seller,
    /// A marketplace operator.
    Operator,
    /// A supervisor limited to a jurisdiction.
    Supervisor,
    /// An administrator of this Suyuan installation.
    Admin,
}

impl Role {
    /// The wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Seller => "seller",
            Role::Operator => "operator",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "seller" => Ok(Role::Seller),
            "operator" => Ok(Role::Operator),
            "supervisor" => Ok(Role::Supervisor),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role `{other}`; expected seller, operator, supervisor or admin"
            )),
        }
    }
}

/// An authenticated caller, parsed from a verified token: it can only hold a valid combination
/// (a supervisor always has a jurisdiction, a seller a seller id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// A seller.
    Seller(SellerId),
    /// A marketplace operator.
    Operator(OperatorId),
    /// A supervisor and the division-code prefix it oversees.
    Supervisor {
        /// Who.
        id: SupervisorId,
        /// Where.
        jurisdiction: Jurisdiction,
    },
    /// An administrator.
    Admin(AdminId),
}

impl Principal {
    /// The role of this principal.
    pub fn role(&self) -> Role {
        match self {
            Principal::Seller(_) => Role::Seller,
            Principal::Operator(_) => Role::Operator,
            Principal::Supervisor { .. } => Role::Supervisor,
            Principal::Admin(_) => Role::Admin,
        }
    }

    /// The subject id as a string.
    pub fn subject(&self) -> &str {
        match self {
            Principal::Seller(id) => id.as_str(),
            Principal::Operator(id) => id.as_str(),
            Principal::Supervisor { id, .. } => id.as_str(),
            Principal::Admin(id) => id.as_str(),
        }
    }
}

/// What is needed to register a seller (already parsed).
#[derive(Debug, Clone)]
pub struct NewSeller {
    /// Registered name.
    pub name: String,
    /// Unified social credit code.
    pub credit_code: CreditCode,
    /// Where it is registered.
    pub division_code: DivisionCode,
    /// Which workflow it follows.
    pub seller_type: SellerType,
    /// Contact e-mail.
    pub email: Option<String>,
}

/// A seller to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SellerIn {
    /// Registered business name: 1 to 200 characters, not blank, without control characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Unified social credit code (18 characters).
    pub credit_code: String,
    /// Administrative division code (6 digits) where the seller is registered.
    pub division_code: String,
    /// One of online, offline, specialty_store, general_store, large_store, small_shop,
    /// distributor, factory_direct.
    #[schema(value_type = SellerType)]
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

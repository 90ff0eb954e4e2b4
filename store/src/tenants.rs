//! Sellers, operators and supervisors: creating them and reading them within scope.

use super::{StoreError, is_unique_violation};
use crate::entity::{operator, seller, supervisor};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};
use suyuan_core::credit_code::CreditCode;
use suyuan_core::division::{DivisionCode, Jurisdiction};
use suyuan_core::ids::{OperatorId, SellerId, SupervisorId};
use suyuan_core::standing::Verification;
pub use suyuan_core::tenancy::NewSeller;
use suyuan_core::tenancy::{Principal, SellerType};

/// A seller as the domain sees it: every field already valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seller {
    /// Id.
    pub id: SellerId,
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
    /// When it was registered with Suyuan.
    pub created_at: DateTime<Utc>,
    /// Verified, provisional (awaiting review) or rejected.
    pub verification: Verification,
    /// When it was verified or rejected.
    pub reviewed_at: Option<DateTime<Utc>>,
    /// When it was deactivated (its records are kept).
    pub deactivated_at: Option<DateTime<Utc>>,
}

impl TryFrom<seller::Model> for Seller {
    type Error = StoreError;
    fn try_from(m: seller::Model) -> Result<Self, StoreError> {
        let corrupt =
            |what: &str, e: String| StoreError::Corrupt(format!("seller {}: {what}: {e}", m.id));
        Ok(Seller {
            id: SellerId::parse(&m.id).map_err(|e| corrupt("id", e.to_string()))?,
            credit_code: CreditCode::parse(&m.credit_code)
                .map_err(|e| corrupt("credit_code", e.to_string()))?,
            division_code: DivisionCode::parse(&m.division_code)
                .map_err(|e| corrupt("division_code", e.to_string()))?,
            seller_type: m.seller_type.parse().map_err(
                |e: suyuan_core::tenancy::UnknownSellerType| corrupt("seller_type", e.to_string()),
            )?,
            verification: m.verification.parse().map_err(
                |e: suyuan_core::standing::UnknownVerification| {
                    corrupt("verification", e.to_string())
                },
            )?,
            name: m.name,
            email: m.email,
            created_at: m.created_at,
            reviewed_at: m.reviewed_at,
            deactivated_at: m.deactivated_at,
        })
    }
}

/// Registers a seller, verified (an admin registers it). A credit code belongs to one verified,
/// active account: a second is `Duplicate`.
pub async fn create_seller(
    db: &impl ConnectionTrait,
    new: NewSeller,
) -> Result<Seller, StoreError> {
    insert_seller(db, new, Verification::Verified, None).await
}

/// Registers an account made from the claim link of transfer `claim_transfer_id`: provisional,
/// awaiting review, and never refused for its credit code (another account, verified or not,
/// may claim the same one; review settles whose it is).
pub async fn create_claimant(
    db: &impl ConnectionTrait,
    new: NewSeller,
    claim_transfer_id: &str,
) -> Result<Seller, StoreError> {
    insert_seller(
        db,
        new,
        Verification::Provisional,
        Some(claim_transfer_id.to_owned()),
    )
    .await
}

async fn insert_seller(
    db: &impl ConnectionTrait,
    new: NewSeller,
    verification: Verification,
    claim_transfer_id: Option<String>,
) -> Result<Seller, StoreError> {
    let now = Utc::now();
    let id = SellerId::generate();
    let model = seller::ActiveModel {
        id: Set(id.to_string()),
        name: Set(new.name),
        credit_code: Set(new.credit_code.to_string()),
        division_code: Set(new.division_code.to_string()),
        seller_type: Set(new.seller_type.as_str().to_owned()),
        email: Set(new.email),
        created_at: Set(now),
        updated_at: Set(now),
        verification: Set(verification.as_str().to_owned()),
        claim_transfer_id: Set(claim_transfer_id),
        reviewed_at: Set(None),
        reviewed_by: Set(None),
        deactivated_at: Set(None),
        tokens_valid_after: Set(None),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate {
                field: "credit_code",
                value: new.credit_code.to_string(),
            }
        } else {
            StoreError::Db(e)
        }
    })?;
    Seller::try_from(model)
}

/// Reads a seller if `who` may see it: the seller itself, an admin, or a supervisor whose
/// jurisdiction covers the seller's division. Anyone else gets `NotFound`, as if it did not exist.
pub async fn find_seller_for(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: &SellerId,
) -> Result<Seller, StoreError> {
    let visible = |s: &Seller| match who {
        Principal::Seller(own) => own == &s.id,
        Principal::Admin(_) => true,
        Principal::Supervisor { jurisdiction, .. } => jurisdiction.covers(&s.division_code),
        Principal::Operator(_) => false,
    };
    let model = seller::Entity::find_by_id(id.as_str())
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("seller"))?;
    let seller = Seller::try_from(model)?;
    if visible(&seller) {
        Ok(seller)
    } else {
        Err(StoreError::NotFound("seller"))
    }
}

/// Registers a marketplace operator.
pub async fn create_operator(
    db: &impl ConnectionTrait,
    name: String,
    platform: String,
    email: Option<String>,
) -> Result<operator::Model, StoreError> {
    Ok(operator::ActiveModel {
        id: Set(OperatorId::generate().to_string()),
        name: Set(name),
        platform: Set(platform),
        email: Set(email),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}

/// Registers a supervisor with a jurisdiction.
pub async fn create_supervisor(
    db: &impl ConnectionTrait,
    name: String,
    email: Option<String>,
    jurisdiction: &Jurisdiction,
) -> Result<supervisor::Model, StoreError> {
    Ok(supervisor::ActiveModel {
        id: Set(SupervisorId::generate().to_string()),
        name: Set(name),
        email: Set(email),
        jurisdiction: Set(jurisdiction.to_string()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}

/// A seller's row by id, whoever asks: for public pages that show a seller's registered name,
/// and for a signed-in seller's own session. Tenant reads go through [`find_seller_for`].
pub async fn seller_row(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<seller::Model>, StoreError> {
    Ok(seller::Entity::find_by_id(id).one(db).await?)
}

/// A seller's registered name (public: shown on badges and trace pages).
pub async fn seller_name(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<String>, StoreError> {
    Ok(seller_row(db, id).await?.map(|s| s.name))
}

/// The sellers an admin (all) or a supervisor (its jurisdiction) sees, as a query; nobody else
/// sees a list of sellers (`NotFound`).
fn sellers_seen_by(who: &Principal) -> Result<sea_orm::Select<seller::Entity>, StoreError> {
    use crate::JurisdictionScoped as _;
    match who {
        Principal::Admin(_) => Ok(seller::Entity::find()),
        Principal::Supervisor { jurisdiction, .. } => {
            Ok(seller::Entity::find_in_jurisdiction(jurisdiction))
        }
        _ => Err(StoreError::NotFound("sellers")),
    }
}

/// Sellers `who` may list, by name, optionally only those in one verification state: every
/// seller for an admin, those inside the jurisdiction for a supervisor. Sellers and operators
/// list none (`NotFound`).
pub async fn list_sellers_for(
    db: &impl ConnectionTrait,
    who: &Principal,
    verification: Option<Verification>,
) -> Result<Vec<Seller>, StoreError> {
    use sea_orm::{ColumnTrait as _, QueryFilter as _, QueryOrder as _};
    let mut query = sellers_seen_by(who)?;
    if let Some(v) = verification {
        query = query.filter(seller::Column::Verification.eq(v.as_str()));
        if v == Verification::Provisional {
            query = query.filter(seller::Column::DeactivatedAt.is_null());
        }
    }
    query
        .order_by_asc(seller::Column::Name)
        .order_by_asc(seller::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(Seller::try_from)
        .collect()
}

/// Of these seller ids, the sellers an admin (all) or a supervisor (its jurisdiction) sees.
pub async fn sellers_among(
    db: &impl ConnectionTrait,
    who: &Principal,
    ids: &[String],
) -> Result<Vec<Seller>, StoreError> {
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    let query = sellers_seen_by(who)?;
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        for row in query
            .clone()
            .filter(seller::Column::Id.is_in(chunk.iter().map(String::as_str)))
            .all(db)
            .await?
        {
            out.push(Seller::try_from(row)?);
        }
    }
    Ok(out)
}

/// How many sellers an admin (all) or a supervisor (its jurisdiction) sees.
pub async fn count_sellers_for(
    db: &impl ConnectionTrait,
    who: &Principal,
) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait as _;
    let query = sellers_seen_by(who)?;
    Ok(query.count(db).await?)
}

/// The verified, active seller holding a unified social credit code (the demo finds its sellers
/// again this way; a claim page tells a later claimant the code is taken).
pub async fn seller_by_credit_code(
    db: &impl ConnectionTrait,
    code: &CreditCode,
) -> Result<Option<seller::Model>, StoreError> {
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    Ok(seller::Entity::find()
        .filter(seller::Column::CreditCode.eq(code.to_string()))
        .filter(seller::Column::Verification.eq(Verification::Verified.as_str()))
        .filter(seller::Column::DeactivatedAt.is_null())
        .one(db)
        .await?)
}

/// An operator by its registered name.
pub async fn operator_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<operator::Model>, StoreError> {
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    Ok(operator::Entity::find()
        .filter(operator::Column::Name.eq(name))
        .one(db)
        .await?)
}

/// A supervisor by its registered name.
pub async fn supervisor_by_name(
    db: &impl ConnectionTrait,
    name: &str,
) -> Result<Option<supervisor::Model>, StoreError> {
    use sea_orm::{ColumnTrait as _, QueryFilter as _};
    Ok(supervisor::Entity::find()
        .filter(supervisor::Column::Name.eq(name))
        .one(db)
        .await?)
}

//! Marketplace store connections: secrets sealed at rest, rotation with a grace period.

use super::{SellerScoped, StoreError, sealed};
use crate::entity::shop;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use suyuan_core::ids::{SellerId, StoreId};
use suyuan_core::secrets::SecretKey;

/// Connection states.
pub mod status {
    /// Deliveries are accepted.
    pub const ACTIVE: &str = "active";
    /// Deliveries are refused (404) until enabled again.
    pub const DISABLED: &str = "disabled";
    /// Deleted: secrets wiped, kept only so its listings and sales keep their history.
    pub const DELETED: &str = "deleted";
}

/// How long a rotated-out secret stays valid.
pub const ROTATION_GRACE: Duration = Duration::hours(24);

/// A store connection to create.
#[derive(Debug, Clone)]
pub struct NewShop {
    /// The marketplace's slug.
    pub platform: String,
    /// Display name.
    pub name: String,
    /// Shop domain or id on the platform.
    pub shop: String,
    /// The webhook secret (plaintext; sealed before it is written).
    pub secret: String,
    /// Youzan client_id / Douyin app_key.
    pub app_key: Option<String>,
}

/// The secrets a receiver may verify a delivery with.
#[derive(Clone)]
pub struct ShopCredentials {
    /// The store row (without secrets in the clear).
    pub store: shop::Model,
    /// Current secret, then the previous one while its grace period lasts.
    pub secrets: Vec<Vec<u8>>,
}

impl std::fmt::Debug for ShopCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopCredentials")
            .field("store", &self.store.id)
            .field("secrets", &"<redacted>")
            .finish()
    }
}

/// Creates a connection for a seller.
pub async fn create(
    db: &impl ConnectionTrait,
    key: &SecretKey,
    seller: &SellerId,
    new: NewShop,
) -> Result<shop::Model, StoreError> {
    let now = Utc::now();
    let id = StoreId::generate().to_string();
    Ok(shop::ActiveModel {
        secret_ciphertext: Set(key.seal(new.secret.as_bytes(), sealed::shop_secret(&id))),
        id: Set(id),
        seller_id: Set(seller.to_string()),
        platform: Set(new.platform),
        name: Set(new.name),
        shop_domain: Set(new.shop),
        previous_secret_ciphertext: Set(None),
        previous_secret_expires_at: Set(None),
        status: Set(status::ACTIVE.to_owned()),
        app_key: Set(new.app_key),
        created_at: Set(now),
        updated_at: Set(now),
        proven_domain: Set(None),
        domain_proven_by: Set(None),
        domain_proven_at: Set(None),
        pending_domain: Set(None),
        domain_token: Set(None),
    }
    .insert(db)
    .await?)
}

/// The seller's connections (not deleted), newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    seller: &SellerId,
) -> Result<Vec<shop::Model>, StoreError> {
    Ok(shop::Entity::secure_find(seller)
        .filter(shop::Column::Status.ne(status::DELETED))
        .order_by_desc(shop::Column::CreatedAt)
        .all(db)
        .await?)
}

/// One of the seller's connections.
pub async fn get(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    id: &str,
) -> Result<shop::Model, StoreError> {
    shop::Entity::secure_find(seller)
        .filter(shop::Column::Id.eq(id))
        .filter(shop::Column::Status.ne(status::DELETED))
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("store"))
}

/// Enables or disables a connection.
pub async fn set_status(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    id: &str,
    new_status: &str,
) -> Result<shop::Model, StoreError> {
    let row = get(db, seller, id).await?;
    let mut am: shop::ActiveModel = row.into();
    am.status = Set(new_status.to_owned());
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}

/// Deletes a connection: deliveries to it are refused and its secrets are wiped; its listings
/// and sales stay.
pub async fn delete(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    id: &str,
) -> Result<(), StoreError> {
    let row = get(db, seller, id).await?;
    let mut am: shop::ActiveModel = row.into();
    am.status = Set(status::DELETED.to_owned());
    am.secret_ciphertext = Set(String::new());
    am.previous_secret_ciphertext = Set(None);
    am.previous_secret_expires_at = Set(None);
    am.updated_at = Set(Utc::now());
    am.update(db).await?;
    Ok(())
}

/// Replaces the secret; the old one stays valid for [`ROTATION_GRACE`] (sealed again for the
/// column it moves to).
pub async fn rotate(
    db: &impl ConnectionTrait,
    key: &SecretKey,
    seller: &SellerId,
    id: &str,
    secret: &str,
) -> Result<shop::Model, StoreError> {
    let row = get(db, seller, id).await?;
    let now = Utc::now();
    let previous = key
        .open(&row.secret_ciphertext, sealed::shop_secret(id))
        .map_err(|e| StoreError::Corrupt(format!("store {id} secret: {e}")))?;
    let mut am: shop::ActiveModel = row.into();
    am.previous_secret_ciphertext =
        Set(Some(key.seal(&previous, sealed::shop_previous_secret(id))));
    am.previous_secret_expires_at = Set(Some(now + ROTATION_GRACE));
    am.secret_ciphertext = Set(key.seal(secret.as_bytes(), sealed::shop_secret(id)));
    am.updated_at = Set(now);
    Ok(am.update(db).await?)
}

/// Loads an active store and opens its secrets, for a receiver. `None` when there is no such
/// active store (unknown, disabled or deleted).
pub async fn credentials(
    db: &impl ConnectionTrait,
    key: &SecretKey,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<ShopCredentials>, StoreError> {
    let Some(row) = shop::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    if row.status != status::ACTIVE {
        return Ok(None);
    }
    let mut secrets = vec![
        key.open(&row.secret_ciphertext, sealed::shop_secret(id))
            .map_err(|e| StoreError::Corrupt(format!("store {id} secret: {e}")))?,
    ];
    if let (Some(prev), Some(until)) = (
        &row.previous_secret_ciphertext,
        row.previous_secret_expires_at,
    ) && until > now
    {
        secrets.push(
            key.open(prev, sealed::shop_previous_secret(id))
                .map_err(|e| StoreError::Corrupt(format!("store {id} previous secret: {e}")))?,
        );
    }
    Ok(Some(ShopCredentials {
        store: row,
        secrets,
    }))
}

/// Starts proving that the seller controls `domain`: keeps the token the seller is to publish
/// (a proven domain stays proven until another one is).
pub async fn start_domain_proof(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    id: &str,
    domain: &str,
    token: &str,
) -> Result<shop::Model, StoreError> {
    let row = get(db, seller, id).await?;
    let mut am: shop::ActiveModel = row.into();
    am.pending_domain = Set(Some(domain.to_owned()));
    am.domain_token = Set(Some(token.to_owned()));
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}

/// Records that the shop's seller proved `domain` (`how`: `well_known_file`, `demo`) at `now`;
/// the pending challenge is done.
pub async fn mark_domain_proven(
    db: &impl ConnectionTrait,
    id: &str,
    domain: &str,
    how: &str,
    now: DateTime<Utc>,
) -> Result<shop::Model, StoreError> {
    let row = shop::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("store"))?;
    let mut am: shop::ActiveModel = row.into();
    am.proven_domain = Set(Some(domain.to_owned()));
    am.domain_proven_by = Set(Some(how.to_owned()));
    am.domain_proven_at = Set(Some(now));
    am.pending_domain = Set(None);
    am.domain_token = Set(None);
    am.updated_at = Set(now);
    Ok(am.update(db).await?)
}

/// Shops (not deleted) whose domain is proven, optionally only those of one marketplace and
/// one proven domain, the longest-proven first.
pub async fn proven(
    db: &impl ConnectionTrait,
    platform: Option<&str>,
    domain: Option<&str>,
) -> Result<Vec<shop::Model>, StoreError> {
    let mut q = shop::Entity::find()
        .filter(shop::Column::ProvenDomain.is_not_null())
        .filter(shop::Column::Status.ne(status::DELETED));
    if let Some(p) = platform {
        q = q.filter(shop::Column::Platform.eq(p));
    }
    if let Some(d) = domain {
        q = q.filter(shop::Column::ProvenDomain.eq(d.trim().to_ascii_lowercase()));
    }
    Ok(q.order_by_asc(shop::Column::DomainProvenAt)
        .order_by_asc(shop::Column::Id)
        .all(db)
        .await?)
}

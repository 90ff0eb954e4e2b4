//! Marketplace operators and their subscriptions to listing status changes.

use super::StoreError;
use crate::entity::{operator, operator_subscription};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

/// An operator's row.
pub async fn operator_row(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<operator::Model>, StoreError> {
    Ok(operator::Entity::find_by_id(id).one(db).await?)
}

/// Adds an active subscription of `operator_id` to `url`, its signing secret sealed (bound to
/// the new row).
pub async fn create_subscription(
    db: &impl ConnectionTrait,
    key: &suyuan_core::secrets::SecretKey,
    operator_id: &str,
    url: &str,
    secret: &str,
    now: DateTime<Utc>,
) -> Result<operator_subscription::Model, StoreError> {
    let id: String = suyuan_core::ids::SubscriptionId::generate().into();
    Ok(
        operator_subscription::ActiveModel {
            secret_ciphertext: Set(
                key.seal(secret.as_bytes(), crate::sealed::subscription_secret(&id))
            ),
            id: Set(id),
            operator_id: Set(operator_id.to_owned()),
            url: Set(url.to_owned()),
            status: Set("active".into()),
            created_at: Set(now),
        }
        .insert(db)
        .await?,
    )
}

/// The operator's subscriptions, oldest first.
pub async fn subscriptions(
    db: &impl ConnectionTrait,
    operator_id: &str,
) -> Result<Vec<operator_subscription::Model>, StoreError> {
    Ok(operator_subscription::Entity::find()
        .filter(operator_subscription::Column::OperatorId.eq(operator_id))
        .order_by_asc(operator_subscription::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Marks one of the operator's subscriptions deleted; `NotFound` when it has none by that id.
pub async fn delete_subscription(
    db: &impl ConnectionTrait,
    operator_id: &str,
    id: &str,
) -> Result<(), StoreError> {
    let res = operator_subscription::Entity::update_many()
        .col_expr(operator_subscription::Column::Status, "deleted".into())
        .filter(operator_subscription::Column::Id.eq(id))
        .filter(operator_subscription::Column::OperatorId.eq(operator_id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound("subscription"));
    }
    Ok(())
}

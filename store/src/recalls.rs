//! Recalls issued by supervisors: public information, newest first.

use super::StoreError;
use crate::entity::recall;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};

/// A recall to issue, already validated.
#[derive(Clone, Debug)]
pub struct NewRecall {
    /// GTIN-14.
    pub gtin: String,
    /// Only this batch.
    pub batch: Option<String>,
    /// Only this unit.
    pub serial: Option<String>,
    /// Why, in Chinese.
    pub reason_zh: String,
    /// Why, in English.
    pub reason_en: Option<String>,
    /// What holders should do, in Chinese.
    pub action_zh: String,
    /// What holders should do, in English.
    pub action_en: String,
    /// The supervisor or admin issuing it.
    pub issued_by: String,
}

/// Issues a recall, active from `now`.
pub async fn issue(
    db: &impl sea_orm::ConnectionTrait,
    new: NewRecall,
    now: DateTime<Utc>,
) -> Result<recall::Model, StoreError> {
    Ok(recall::ActiveModel {
        id: Set(suyuan_core::ids::RecallId::generate().into()),
        gtin: Set(new.gtin),
        batch: Set(new.batch),
        serial: Set(new.serial),
        reason_zh: Set(new.reason_zh),
        reason_en: Set(new.reason_en),
        action_zh: Set(new.action_zh),
        action_en: Set(new.action_en),
        issued_by: Set(new.issued_by),
        issued_at: Set(now),
        status: Set("active".into()),
    }
    .insert(db)
    .await?)
}

/// Every recall, newest first.
pub async fn list(db: &impl sea_orm::ConnectionTrait) -> Result<Vec<recall::Model>, StoreError> {
    Ok(recall::Entity::find()
        .order_by_desc(recall::Column::IssuedAt)
        .all(db)
        .await?)
}

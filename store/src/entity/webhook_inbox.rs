//! A webhook delivery as received: stored before it is acknowledged, processed by the worker.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_inbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: String,
    pub seller_id: String,
    pub platform: String,
    pub idempotency_key: String,
    pub topic: String,
    pub body: Vec<u8>,
    pub received_at: DateTimeUtc,
    /// `pending`, `processing`, `done` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub processed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

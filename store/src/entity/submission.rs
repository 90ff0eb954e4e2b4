//! One trace event to one platform: the outbox row, and the submission list's line.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "submissions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seller_id: String,
    pub platform_id: String,
    pub event_id: String,
    /// The event's position in the seller's chain (the stream order).
    pub seq: i64,
    pub record_kind: String,
    /// `rule` (a routing rule matched) or `correction` (the platform had the corrected record).
    pub routed_by: String,
    #[sea_orm(unique)]
    pub idempotency_key: String,
    /// `pending`, `sending`, `needs_credentials`, `accepted`, `rejected` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub last_http_status: Option<i32>,
    /// The platform's capture id or record id.
    pub receipt: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub accepted_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

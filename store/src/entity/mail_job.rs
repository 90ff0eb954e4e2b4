//! One outgoing e-mail, in the mail outbox until it is sent (or dead-lettered).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// What the message is (`transfer_reminder`): says how `payload` is read.
    pub kind: String,
    /// The ids the message is written from, as JSON (never the message, its address or links).
    pub payload: String,
    /// `pending`, `sending`, `sent`, `skipped` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// Set for mail that must be queued once (`seller_digest:sel_…:2026-12-05`); unique.
    pub idem_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A signed checkpoint of a seller's chain, written when its prefix was purged.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_checkpoints")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seller_id: String,
    /// The last purged position.
    pub through_seq: i64,
    /// The chain hash (hex) of the event at `through_seq`.
    pub last_hash: String,
    /// Every purged event was recorded before this.
    pub purged_before: DateTimeUtc,
    pub created_at: DateTimeUtc,
    /// HMAC-SHA256 (hex) under the installation's checkpoint key.
    pub signature: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

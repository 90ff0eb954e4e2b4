//! How far the submission router has read one seller's chain (the last routed `seq`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "submission_cursors")]
pub struct Model {
    /// The seller, or `*` for the row the router locks first.
    #[sea_orm(primary_key, auto_increment = false)]
    pub seller_id: String,
    pub last_seq: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

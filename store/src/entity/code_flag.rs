//! A suspicious code seen by one seller, for one reason, with how often and when.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "code_flags")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seller_id: String,
    /// The seller's division code (supervisors see flags of their jurisdiction).
    pub seller_region: String,
    pub code: String,
    pub gtin: Option<String>,
    /// `received_twice`, `received_by_another_seller`, `sold_never_received` or `already_sold`.
    pub reason: String,
    /// Where it was seen: `receipt`, `sale`, `packing`, `import`.
    pub source: String,
    /// The record that carried the code, when one was stored.
    pub event_id: Option<String>,
    /// The other seller involved (shown to supervisors only).
    pub other_seller_id: Option<String>,
    pub occurrences: i64,
    pub first_seen_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

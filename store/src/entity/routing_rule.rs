//! A routing rule: records of a category (or any) from sellers in a jurisdiction (or any), of
//! some record kinds (or any), go to a platform.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "routing_rules")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub platform_id: String,
    /// A catalogue category id; `None` matches any record (with or without a category).
    pub category_id: Option<String>,
    /// A division-code prefix of the seller's registered region; `None` matches any seller.
    pub jurisdiction: Option<String>,
    /// JSON array of record kinds; `None` matches any kind.
    pub record_kinds: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

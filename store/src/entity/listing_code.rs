//! A trace code a seller attached to a listing.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "listing_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub listing_id: String,
    pub seller_id: String,
    pub code: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

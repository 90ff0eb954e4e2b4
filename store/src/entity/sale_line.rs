//! One line of a sale: a listing and a quantity, with its batch allocations or unit codes.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sale_lines")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub sale_id: String,
    pub seller_id: String,
    pub external_line_id: Option<String>,
    pub listing_id: Option<String>,
    pub listing_external_id: Option<String>,
    pub variant_external_id: Option<String>,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub title: Option<String>,
    pub category_id: Option<String>,
    pub quantity: i32,
    pub refunded_quantity: i32,
    /// JSON array of `{code, quantity, state}` batch allocations (`allocated` until confirmed).
    pub allocations: String,
    /// JSON array of unit codes scanned at packing.
    pub unit_codes: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

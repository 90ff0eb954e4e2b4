//! A marketplace listing, classified against the catalogue.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "listings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub seller_id: String,
    pub store_id: Option<String>,
    pub platform: String,
    pub external_id: String,
    pub title: String,
    pub url: Option<String>,
    pub status: String,
    /// JSON array of variants (sku, barcode, title).
    pub variants: String,
    pub category_id: Option<String>,
    pub classification_rule: Option<String>,
    pub classification_confidence: Option<f64>,
    /// The coded part of the category the listing sells (`vehicle`, `battery`, `charger` of an
    /// e-bike), as classified; `None` for other categories and for a seller's override.
    pub classification_part: Option<String>,
    pub category_overridden: bool,
    /// The learned title model and the rules read the title differently (or the category is
    /// the model's): the seller should confirm it.
    pub classification_needs_confirmation: bool,
    pub trace_code: Option<String>,
    pub needs_code: bool,
    pub external_updated_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

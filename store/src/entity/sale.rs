//! A sale registered from a marketplace order (or by hand).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sales")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub seller_id: String,
    pub store_id: Option<String>,
    pub platform: String,
    pub external_order_id: String,
    pub order_number: Option<String>,
    pub status: String,
    pub buyer_type: String,
    pub buyer_company: Option<String>,
    pub buyer_tax_id: Option<String>,
    pub region: Option<String>,
    pub country_code: Option<String>,
    pub shipping_method: Option<String>,
    /// JSON array of tracking numbers.
    pub tracking_numbers: String,
    pub tracking_company: Option<String>,
    pub ordered_at: Option<DateTimeUtc>,
    pub paid_at: Option<DateTimeUtc>,
    pub fulfilled_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub deadline_at: Option<DateTimeUtc>,
    pub event_id: Option<String>,
    pub external_updated_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The catalogue version `deadline_at` came from.
    pub catalogue_version: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A B2B transfer: goods shipped to a next-tier seller, claimable once by that seller through an
//! unguessable link (only the link token's hash is stored).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transfers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// SHA-256 (hex) of the claim token.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// The claim token sealed with the installation's key, for reminders that carry the link.
    pub token_sealed: Option<String>,
    pub from_seller_id: String,
    pub sale_event_id: String,
    pub category_id: String,
    /// `distributor` or `agent`.
    pub buyer_kind: String,
    pub buyer_name: String,
    pub buyer_credit_code: String,
    pub contact_email: Option<String>,
    pub voucher_number: Option<String>,
    pub shipping_method: Option<String>,
    pub tracking_number: Option<String>,
    pub sold_at: DateTimeUtc,
    /// JSON array of `{code, quantity, uom}`.
    pub items: String,
    pub product_name: Option<String>,
    pub model: Option<String>,
    pub producer: Option<String>,
    pub certificate_number: Option<String>,
    /// `pending`, `claimed`, `expired` or `cancelled`.
    pub status: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub claimed_by: Option<String>,
    pub claimed_at: Option<DateTimeUtc>,
    pub claimed_event_id: Option<String>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub reminders_sent: i32,
    pub last_reminder_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

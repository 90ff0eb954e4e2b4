//! A seller: a business that sells key industrial products (a tenant).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sellers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    /// At most one verified, active account holds a credit code (a partial unique index).
    pub credit_code: String,
    pub division_code: String,
    pub seller_type: String,
    pub email: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// `verified`, `provisional` (made from a claim link, awaiting review) or `rejected`.
    pub verification: String,
    /// The transfer a provisional account was made from (the one it may claim).
    pub claim_transfer_id: Option<String>,
    /// When it was verified or rejected.
    pub reviewed_at: Option<DateTimeUtc>,
    /// Who verified or rejected it (`adm_…`, `sup_…`).
    pub reviewed_by: Option<String>,
    /// When it was deactivated; its records are kept.
    pub deactivated_at: Option<DateTimeUtc>,
    /// Tokens issued before this time no longer count.
    pub tokens_valid_after: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

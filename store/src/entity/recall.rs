//! A recall notice for a GTIN, a batch of it, or one unit.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recalls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub gtin: String,
    pub batch: Option<String>,
    pub serial: Option<String>,
    pub reason_zh: String,
    pub reason_en: Option<String>,
    pub action_zh: String,
    pub action_en: String,
    pub issued_by: String,
    pub issued_at: DateTimeUtc,
    /// `active` or `withdrawn`.
    pub status: String,
    /// The division-code prefix it was issued for (`None`: national, by an admin).
    pub jurisdiction: Option<String>,
    /// When it last changed (an update or the withdrawal).
    pub updated_at: Option<DateTimeUtc>,
    /// When it was withdrawn.
    pub withdrawn_at: Option<DateTimeUtc>,
    /// Why it was withdrawn.
    pub withdrawn_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

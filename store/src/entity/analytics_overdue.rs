//! A record overdue as of the last analytics run.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "analytics_overdue")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub record_id: String,
    pub record_kind: String,
    pub seller_id: String,
    pub division: String,
    pub category_id: Option<String>,
    pub region: Option<String>,
    pub started_at: DateTimeUtc,
    pub deadline_at: DateTimeUtc,
    pub computed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

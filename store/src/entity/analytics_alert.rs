//! An improvement alert: one per cause (`cause_key`), with its lifecycle state.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "analytics_alerts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `rule:seller:subject`.
    pub cause_key: String,
    pub rule: String,
    pub seller_id: String,
    pub division: String,
    pub subject: String,
    /// `warning` or `critical`.
    pub severity: String,
    /// `open`, `acknowledged` or `resolved`.
    pub state: String,
    /// What the last run found, JSON.
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    pub first_raised_at: DateTimeUtc,
    pub last_found_at: DateTimeUtc,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    /// `run` when resolved by itself, else the principal's id.
    pub resolved_by: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

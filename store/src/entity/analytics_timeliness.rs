//! Completion timeliness of one seller for one ISO week along one dimension.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "analytics_timeliness")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seller_id: String,
    pub division: String,
    pub week: String,
    pub dimension: String,
    pub key: String,
    pub records: i64,
    pub completed: i64,
    pub within_deadline: i64,
    pub overdue: i64,
    pub share_within_deadline: Option<f64>,
    pub delay_p50_s: Option<f64>,
    pub delay_p90_s: Option<f64>,
    pub delay_max_s: Option<f64>,
    pub computed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A compliance score of one seller for one month (components as JSON).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "analytics_scores")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seller_id: String,
    /// The seller's division (supervisors see their jurisdiction).
    pub division: String,
    pub period: String,
    pub score: f64,
    pub grade: String,
    pub category_id: Option<String>,
    pub rank_province: i64,
    pub rank_division: i64,
    pub rank_category: Option<i64>,
    pub change: Option<f64>,
    /// `Vec<ScoreComponent>` as JSON, the largest loss first.
    #[sea_orm(column_type = "Text")]
    pub components: String,
    pub computed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! One change of an alert's state, or a comment on it, and who made it (`run` for the analytics
//! run).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "analytics_alert_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub alert_id: i64,
    pub at: DateTimeUtc,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor: String,
    /// A person's note: why, or a comment (the state unchanged).
    pub note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! One change of a recall: its issue, an update or its withdrawal, with what it said before and
//! after (JSON), by whom and when.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "recall_changes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub recall_id: String,
    /// `issued`, `updated` or `withdrawn`.
    pub action: String,
    pub changed_by: String,
    pub changed_at: DateTimeUtc,
    /// The recall before the change (JSON; `None` for the issue).
    pub before: Option<String>,
    /// The recall after the change (JSON).
    pub after: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

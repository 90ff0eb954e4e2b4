//! A code (or a quantity of a class) named by a trace event, for look-ups by code and batch.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "trace_event_codes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub event_id: String,
    pub seller_id: String,
    /// `epc`, `quantity`, `parent` or `child`.
    pub role: String,
    pub code: String,
    pub code_kind: String,
    pub gtin: Option<String>,
    pub batch: Option<String>,
    pub serial: Option<String>,
    pub quantity: Option<f64>,
    pub uom: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::trace_event::Entity",
        from = "Column::EventId",
        to = "super::trace_event::Column::Id"
    )]
    Event,
}

impl Related<super::trace_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Event.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

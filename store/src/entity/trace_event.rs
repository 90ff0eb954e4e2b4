//! One trace event in a seller's append-only hash chain.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "trace_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub seller_id: String,
    pub seq: i64,
    pub epcis_event_id: String,
    pub event_type: String,
    pub record_kind: String,
    pub action: Option<String>,
    pub biz_step: Option<String>,
    pub disposition: Option<String>,
    pub event_time: DateTimeUtc,
    pub event_time_zone_offset: String,
    pub record_time: DateTimeUtc,
    pub category_id: Option<String>,
    pub region: Option<String>,
    pub buyer_type: Option<String>,
    pub corrects_id: Option<String>,
    pub deadline_at: Option<DateTimeUtc>,
    /// JSON array of the data elements the category requires that this record lacks.
    pub missing_elements: String,
    /// The EPCIS 2.0 event, as canonical JSON (the bytes the hash covers).
    pub document: String,
    pub prev_hash: String,
    #[sea_orm(unique)]
    pub hash: String,
    /// The catalogue version `deadline_at` came from (null before it was recorded).
    pub catalogue_version: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

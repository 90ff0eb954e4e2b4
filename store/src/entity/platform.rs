//! A trace platform that records are submitted to (national, provincial, industry, EPCIS).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "platforms")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The operator's short, unique code for the platform (`national`, `zj-provincial`).
    #[sea_orm(unique)]
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// `national`, `provincial`, `industry_ebike`, `industry_wire_cable`,
    /// `industry_gas_appliance`, `epcis_repository` or `other`.
    pub kind: String,
    pub base_url: String,
    /// JSON of the adapter (`{"kind":"epcis"}` or `{"kind":"json_http","path":…,"mapping":…}`).
    pub protocol: String,
    pub requires_credentials: bool,
    /// The header a seller's credential is sent in (`Authorization`, `X-Api-Key`, …).
    pub credential_header: String,
    pub enabled: bool,
    pub max_attempts: Option<i32>,
    pub backoff_base_ms: Option<i64>,
    pub backoff_max_ms: Option<i64>,
    pub request_timeout_ms: Option<i64>,
    pub follow_max_ms: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

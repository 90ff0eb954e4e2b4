//! A marketplace store a seller connected; its webhook secret is encrypted at rest.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "stores")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub seller_id: String,
    pub platform: String,
    pub name: String,
    pub shop_domain: String,
    pub secret_ciphertext: String,
    pub previous_secret_ciphertext: Option<String>,
    pub previous_secret_expires_at: Option<DateTimeUtc>,
    pub status: String,
    /// Youzan client_id or Douyin app_key, when the platform signs with one.
    pub app_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The domain the seller proved it controls (NULL until proven).
    pub proven_domain: Option<String>,
    /// How it was proven: `well_known_file`, or `demo` for the demo's shop.
    pub domain_proven_by: Option<String>,
    /// When it was proven.
    pub domain_proven_at: Option<DateTimeUtc>,
    /// The domain a pending challenge is for.
    pub pending_domain: Option<String>,
    /// The token the seller is to publish at `/.well-known/suyuan-verification.txt`.
    pub domain_token: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

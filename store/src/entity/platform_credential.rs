//! A seller's credential for one platform, sealed at rest; never logged, never returned.
use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "platform_credentials")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub seller_id: String,
    pub platform_id: String,
    /// The header value, sealed with the installation's secret key.
    pub value_ciphertext: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformCredential")
            .field("seller_id", &self.seller_id)
            .field("platform_id", &self.platform_id)
            .field("value_ciphertext", &"<sealed>")
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A single-use link mailed to a person: an invitation or a sign-in link.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "account_links")]
pub struct Model {
    /// SHA-256 (hex) of the token.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    pub account_id: String,
    /// `invitation` or `magic_link`.
    pub kind: String,
    /// The token sealed to this row, for writing the mail when it is sent.
    pub token_sealed: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

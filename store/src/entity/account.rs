//! A person's account: an e-mail address and password signing in as a seller, supervisor,
//! operator or admin.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Lower-cased; unique.
    pub email: String,
    /// argon2id PHC string; `None` until the invitation is accepted.
    pub password_hash: Option<String>,
    /// `seller`, `supervisor`, `operator` or `admin`.
    pub role: String,
    /// The seller, supervisor, operator or admin id.
    pub subject: String,
    /// A supervisor's jurisdiction (division-code prefix).
    pub jurisdiction: Option<String>,
    pub created_at: DateTimeUtc,
    pub password_set_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

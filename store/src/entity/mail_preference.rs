//! A recipient's choice for one mail topic (`alerts`, `digests`, `recalls`); no row means
//! subscribed.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_preferences")]
pub struct Model {
    /// The recipient's prefixed id (`sel_…`, `sup_…`).
    #[sea_orm(primary_key, auto_increment = false)]
    pub recipient_id: String,
    /// The topic.
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic: String,
    /// Whether mails of the topic go out.
    pub subscribed: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

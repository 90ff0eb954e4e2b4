//! Mail beyond transfer reminders (alerts, recalls, digests): an idempotency key on the mail
//! outbox (a digest is queued once per recipient and period, an alert's mail once per alert),
//! and each recipient's mail preferences (which topics it turned off, by the one-click
//! unsubscribe link or otherwise). A recipient without rows receives every topic.

use crate::ts;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MailOutbox {
    Table,
    IdemKey,
}

#[derive(DeriveIden)]
enum MailPreferences {
    Table,
    RecipientId,
    Topic,
    Subscribed,
    UpdatedAt,
}

const IDEM_INDEX: &str = "idx_mail_outbox_idem_key";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(MailOutbox::Table)
                    .add_column(ColumnDef::new(MailOutbox::IdemKey).string_len(200).null())
                    .to_owned(),
            )
            .await?;
        // Unique where set: both engines let any number of rows hold NULL.
        manager
            .create_index(
                Index::create()
                    .name(IDEM_INDEX)
                    .table(MailOutbox::Table)
                    .col(MailOutbox::IdemKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MailPreferences::Table)
                    .col(
                        ColumnDef::new(MailPreferences::RecipientId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MailPreferences::Topic)
                            .string_len(16)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(MailPreferences::Subscribed)
                            .boolean()
                            .not_null(),
                    )
                    .col(ts(MailPreferences::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(MailPreferences::RecipientId)
                            .col(MailPreferences::Topic),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MailPreferences::Table).to_owned())
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(IDEM_INDEX)
                    .table(MailOutbox::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(MailOutbox::Table)
                    .drop_column(MailOutbox::IdemKey)
                    .to_owned(),
            )
            .await
    }
}

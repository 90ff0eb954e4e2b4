//! The webhook inbox keeps two digests beside each delivery:
//!
//! - `content_digest`: SHA-256 of the topic and the signed content, unique per store, so a
//!   signed body sent again under a new (unsigned) delivery id is stored once;
//! - `body_sha256`: SHA-256 of the body as received, kept when the body is replaced by its
//!   redacted form (`redacted_at`), so a dispute can still be checked against the
//!   marketplace's copy.
//!
//! Rows stored before this migration have neither (NULLs never collide in a unique index).

use crate::ts_null;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookInbox {
    Table,
    StoreId,
    ContentDigest,
    BodySha256,
    RedactedAt,
}

const DIGEST_INDEX: &str = "uq_webhook_inbox_content_digest";
/// The rows still holding a raw body, for the redaction sweep (a partial index: both engines
/// spell it the same way).
const UNREDACTED_INDEX: &str = "idx_webhook_inbox_unredacted";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for column in [
            ColumnDef::new(WebhookInbox::ContentDigest)
                .string_len(64)
                .null()
                .take(),
            ColumnDef::new(WebhookInbox::BodySha256)
                .string_len(64)
                .null()
                .take(),
            ts_null(WebhookInbox::RedactedAt),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(WebhookInbox::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name(DIGEST_INDEX)
                    .table(WebhookInbox::Table)
                    .col(WebhookInbox::StoreId)
                    .col(WebhookInbox::ContentDigest)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX {UNREDACTED_INDEX} ON webhook_inbox (id) WHERE redacted_at IS NULL"
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX {UNREDACTED_INDEX}"))
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(DIGEST_INDEX)
                    .table(WebhookInbox::Table)
                    .to_owned(),
            )
            .await?;
        for column in [
            WebhookInbox::RedactedAt,
            WebhookInbox::BodySha256,
            WebhookInbox::ContentDigest,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(WebhookInbox::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

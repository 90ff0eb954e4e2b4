//! A recall's lifecycle and scope: the jurisdiction it was issued for (a division-code prefix;
//! empty for a national recall by an admin), when it last changed and, once withdrawn, when
//! and why; and `recall_changes`, the history of every issue, update and withdrawal (who, when,
//! what the recall said before and after), kept for as long as the recall.

use crate::{ts, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len, string_len_null, text, text_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Recalls {
    Table,
    Id,
    Jurisdiction,
    UpdatedAt,
    WithdrawnAt,
    WithdrawnReason,
}

#[derive(DeriveIden)]
enum RecallChanges {
    Table,
    Id,
    RecallId,
    Action,
    ChangedBy,
    ChangedAt,
    Before,
    After,
}

const HISTORY_INDEX: &str = "idx_recall_changes_recall";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for col in [
            string_len_null(Recalls::Jurisdiction, 6),
            ts_null(Recalls::UpdatedAt),
            ts_null(Recalls::WithdrawnAt),
            text_null(Recalls::WithdrawnReason),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Recalls::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(RecallChanges::Table)
                    .col(
                        ColumnDef::new(RecallChanges::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(string_len(RecallChanges::RecallId, 40))
                    .col(string_len(RecallChanges::Action, 16))
                    .col(string_len(RecallChanges::ChangedBy, 40))
                    .col(ts(RecallChanges::ChangedAt))
                    .col(text_null(RecallChanges::Before))
                    .col(text(RecallChanges::After))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RecallChanges::Table, RecallChanges::RecallId)
                            .to(Recalls::Table, Recalls::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(HISTORY_INDEX)
                    .table(RecallChanges::Table)
                    .col(RecallChanges::RecallId)
                    .col(RecallChanges::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RecallChanges::Table).to_owned())
            .await?;
        for col in [
            Recalls::WithdrawnReason,
            Recalls::WithdrawnAt,
            Recalls::UpdatedAt,
            Recalls::Jurisdiction,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Recalls::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

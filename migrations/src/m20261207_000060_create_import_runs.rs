//! CSV imports that can be run again: each (seller, kind, file digest) has one run row saying
//! how far the file's rows were stored (`stored_through`, the last spreadsheet row committed,
//! written in the same transaction as those rows), whether it finished, and a lease (`holder`,
//! `leased_until`) so that two uploads of one file are never stored side by side. A run killed in
//! the middle is resumed after its last stored row when the same file is sent again; a finished
//! one is not imported twice unless asked.

use crate::{id_pk, ts, ts_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ImportRuns {
    Table,
    Id,
    SellerId,
    Kind,
    FileSha256,
    Status,
    StoredThrough,
    Imported,
    Holder,
    LeasedUntil,
    StartedAt,
    UpdatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum Sellers {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportRuns::Table)
                    .col(id_pk(ImportRuns::Id))
                    .col(
                        ColumnDef::new(ImportRuns::SellerId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ImportRuns::Kind).string_len(16).not_null())
                    .col(
                        ColumnDef::new(ImportRuns::FileSha256)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ColumnDef::new(ImportRuns::Status).string_len(16).not_null())
                    .col(
                        ColumnDef::new(ImportRuns::StoredThrough)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(ImportRuns::Imported)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(ImportRuns::Holder).string_len(80).null())
                    .col(ts_null(ImportRuns::LeasedUntil))
                    .col(ts(ImportRuns::StartedAt))
                    .col(ts(ImportRuns::UpdatedAt))
                    .col(ts_null(ImportRuns::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ImportRuns::Table, ImportRuns::SellerId)
                            .to(Sellers::Table, Sellers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("import_runs_file")
                    .table(ImportRuns::Table)
                    .col(ImportRuns::SellerId)
                    .col(ImportRuns::Kind)
                    .col(ImportRuns::FileSha256)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportRuns::Table).to_owned())
            .await
    }
}

//! Recall notices (by GTIN, batch or unit) and anonymous scan counts of public trace pages.

use crate::{id_pk, ts};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Recalls {
    Table,
    Id,
    Gtin,
    Batch,
    Serial,
    ReasonZh,
    ReasonEn,
    ActionZh,
    ActionEn,
    IssuedBy,
    IssuedAt,
    Status,
}

#[derive(DeriveIden)]
enum CodeScans {
    Table,
    Id,
    Code,
    Gtin,
    ScannedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Recalls::Table)
                    .col(id_pk(Recalls::Id))
                    .col(string_len(Recalls::Gtin, 14))
                    .col(string_len_null(Recalls::Batch, 20))
                    .col(string_len_null(Recalls::Serial, 20))
                    .col(text(Recalls::ReasonZh))
                    .col(text_null(Recalls::ReasonEn))
                    .col(text(Recalls::ActionZh))
                    .col(text(Recalls::ActionEn))
                    .col(string_len(Recalls::IssuedBy, 40))
                    .col(ts(Recalls::IssuedAt))
                    .col(string_len(Recalls::Status, 16))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_recalls_gtin")
                    .table(Recalls::Table)
                    .col(Recalls::Gtin)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CodeScans::Table)
                    .col(big_pk_auto(CodeScans::Id))
                    .col(string_len(CodeScans::Code, 512))
                    .col(string_len_null(CodeScans::Gtin, 14))
                    .col(ts(CodeScans::ScannedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_code_scans_code")
                    .table(CodeScans::Table)
                    .col(CodeScans::Code)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CodeScans::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Recalls::Table).to_owned())
            .await
    }
}

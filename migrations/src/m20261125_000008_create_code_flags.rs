//! Suspicious codes (可疑码): a unit code received twice, received by a seller while another seller
//! holds it unsold, or sold by a seller who never received it. One row per seller, code and reason,
//! counting how often it was seen.

use crate::ts;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CodeFlags {
    Table,
    Id,
    SellerId,
    SellerRegion,
    Code,
    Gtin,
    Reason,
    Source,
    EventId,
    OtherSellerId,
    Occurrences,
    FirstSeenAt,
    LastSeenAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CodeFlags::Table)
                    .col(big_pk_auto(CodeFlags::Id))
                    .col(string_len(CodeFlags::SellerId, 40))
                    .col(string_len(CodeFlags::SellerRegion, 12))
                    .col(string_len(CodeFlags::Code, 512))
                    .col(string_len_null(CodeFlags::Gtin, 14))
                    .col(string_len(CodeFlags::Reason, 40))
                    .col(string_len(CodeFlags::Source, 20))
                    .col(string_len_null(CodeFlags::EventId, 40))
                    .col(string_len_null(CodeFlags::OtherSellerId, 40))
                    .col(big_integer(CodeFlags::Occurrences))
                    .col(ts(CodeFlags::FirstSeenAt))
                    .col(ts(CodeFlags::LastSeenAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_code_flags_seller_code_reason")
                    .table(CodeFlags::Table)
                    .col(CodeFlags::SellerId)
                    .col(CodeFlags::Code)
                    .col(CodeFlags::Reason)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_code_flags_region")
                    .table(CodeFlags::Table)
                    .col(CodeFlags::SellerRegion)
                    .col(CodeFlags::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_code_flags_code")
                    .table(CodeFlags::Table)
                    .col(CodeFlags::Code)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CodeFlags::Table).to_owned())
            .await
    }
}

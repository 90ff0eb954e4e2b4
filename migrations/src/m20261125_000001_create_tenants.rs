//! Sellers, marketplace operators and supervisors.

use crate::{id_pk, ts};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Sellers {
    Table,
    Id,
    Name,
    CreditCode,
    DivisionCode,
    SellerType,
    Email,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Operators {
    Table,
    Id,
    Name,
    Platform,
    Email,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Supervisors {
    Table,
    Id,
    Name,
    Email,
    Jurisdiction,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sellers::Table)
                    .col(id_pk(Sellers::Id))
                    .col(string_len(Sellers::Name, 200))
                    .col(string_len_uniq(Sellers::CreditCode, 18))
                    .col(string_len(Sellers::DivisionCode, 6))
                    .col(string_len(Sellers::SellerType, 32))
                    .col(string_len_null(Sellers::Email, 254))
                    .col(ts(Sellers::CreatedAt))
                    .col(ts(Sellers::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sellers_division")
                    .table(Sellers::Table)
                    .col(Sellers::DivisionCode)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Operators::Table)
                    .col(id_pk(Operators::Id))
                    .col(string_len(Operators::Name, 200))
                    .col(string_len(Operators::Platform, 32))
                    .col(string_len_null(Operators::Email, 254))
                    .col(ts(Operators::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Supervisors::Table)
                    .col(id_pk(Supervisors::Id))
                    .col(string_len(Supervisors::Name, 200))
                    .col(string_len_null(Supervisors::Email, 254))
                    .col(string_len(Supervisors::Jurisdiction, 6))
                    .col(ts(Supervisors::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Supervisors::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Operators::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Sellers::Table).to_owned())
            .await
    }
}

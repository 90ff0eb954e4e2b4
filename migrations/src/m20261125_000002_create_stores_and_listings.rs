//! Connected marketplace stores and the listings they bring in.

use crate::m20261125_000001_create_tenants::Sellers;
use crate::{id_pk, ts, ts_null};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Stores {
    Table,
    Id,
    SellerId,
    Platform,
    Name,
    ShopDomain,
    SecretCiphertext,
    PreviousSecretCiphertext,
    PreviousSecretExpiresAt,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Listings {
    Table,
    Id,
    SellerId,
    StoreId,
    Platform,
    ExternalId,
    Title,
    Url,
    Status,
    Variants,
    CategoryId,
    ClassificationRule,
    ClassificationConfidence,
    CategoryOverridden,
    TraceCode,
    NeedsCode,
    ExternalUpdatedAt,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Stores::Table)
                    .col(id_pk(Stores::Id))
                    .col(string_len(Stores::SellerId, 40))
                    .col(string_len(Stores::Platform, 32))
                    .col(string_len(Stores::Name, 200))
                    .col(string_len(Stores::ShopDomain, 255))
                    .col(text(Stores::SecretCiphertext))
                    .col(text_null(Stores::PreviousSecretCiphertext))
                    .col(ts_null(Stores::PreviousSecretExpiresAt))
                    .col(string_len(Stores::Status, 16))
                    .col(ts(Stores::CreatedAt))
                    .col(ts(Stores::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_stores_seller")
                            .from(Stores::Table, Stores::SellerId)
                            .to(Sellers::Table, Sellers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_stores_seller")
                    .table(Stores::Table)
                    .col(Stores::SellerId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Listings::Table)
                    .col(id_pk(Listings::Id))
                    .col(string_len(Listings::SellerId, 40))
                    .col(string_len_null(Listings::StoreId, 40))
                    .col(string_len(Listings::Platform, 32))
                    .col(string_len(Listings::ExternalId, 64))
                    .col(string_len(Listings::Title, 500))
                    .col(string_len_null(Listings::Url, 2048))
                    .col(string_len(Listings::Status, 16))
                    .col(text(Listings::Variants))
                    .col(string_len_null(Listings::CategoryId, 64))
                    .col(string_len_null(Listings::ClassificationRule, 500))
                    .col(double_null(Listings::ClassificationConfidence))
                    .col(boolean(Listings::CategoryOverridden).default(false))
                    .col(string_len_null(Listings::TraceCode, 512))
                    .col(boolean(Listings::NeedsCode).default(false))
                    .col(ts_null(Listings::ExternalUpdatedAt))
                    .col(ts(Listings::CreatedAt))
                    .col(ts(Listings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_listings_seller")
                            .from(Listings::Table, Listings::SellerId)
                            .to(Sellers::Table, Sellers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_listings_store")
                            .from(Listings::Table, Listings::StoreId)
                            .to(Stores::Table, Stores::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_listings_platform_external")
                    .table(Listings::Table)
                    .col(Listings::SellerId)
                    .col(Listings::Platform)
                    .col(Listings::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_listings_platform_external")
                    .table(Listings::Table)
                    .col(Listings::Platform)
                    .col(Listings::ExternalId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Listings::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Stores::Table).to_owned())
            .await
    }
}

//! B2B transfers (指引下一级): a shipment to a next-tier seller with a claim link, claimed once
//! into a pre-filled receipt, reminded while pending, expired after its time.

use crate::{id_pk, ts, ts_null};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Transfers {
    Table,
    Id,
    TokenHash,
    TokenSealed,
    FromSellerId,
    SaleEventId,
    CategoryId,
    BuyerKind,
    BuyerName,
    BuyerCreditCode,
    ContactEmail,
    VoucherNumber,
    ShippingMethod,
    TrackingNumber,
    SoldAt,
    Items,
    ProductName,
    Model,
    Producer,
    CertificateNumber,
    Status,
    CreatedAt,
    ExpiresAt,
    ClaimedBy,
    ClaimedAt,
    ClaimedEventId,
    CancelledAt,
    RemindersSent,
    LastReminderAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Transfers::Table)
                    .col(id_pk(Transfers::Id))
                    .col(string_len_uniq(Transfers::TokenHash, 64))
                    .col(text_null(Transfers::TokenSealed))
                    .col(string_len(Transfers::FromSellerId, 40))
                    .col(string_len(Transfers::SaleEventId, 40))
                    .col(string_len(Transfers::CategoryId, 64))
                    .col(string_len(Transfers::BuyerKind, 16))
                    .col(text(Transfers::BuyerName))
                    .col(string_len(Transfers::BuyerCreditCode, 18))
                    .col(text_null(Transfers::ContactEmail))
                    .col(text_null(Transfers::VoucherNumber))
                    .col(string_len_null(Transfers::ShippingMethod, 16))
                    .col(text_null(Transfers::TrackingNumber))
                    .col(ts(Transfers::SoldAt))
                    .col(text(Transfers::Items))
                    .col(text_null(Transfers::ProductName))
                    .col(text_null(Transfers::Model))
                    .col(text_null(Transfers::Producer))
                    .col(text_null(Transfers::CertificateNumber))
                    .col(string_len(Transfers::Status, 16))
                    .col(ts(Transfers::CreatedAt))
                    .col(ts(Transfers::ExpiresAt))
                    .col(string_len_null(Transfers::ClaimedBy, 40))
                    .col(ts_null(Transfers::ClaimedAt))
                    .col(string_len_null(Transfers::ClaimedEventId, 40))
                    .col(ts_null(Transfers::CancelledAt))
                    .col(integer(Transfers::RemindersSent).default(0))
                    .col(ts_null(Transfers::LastReminderAt))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_transfers_from_seller", Transfers::FromSellerId),
            (
                "idx_transfers_buyer_credit_code",
                Transfers::BuyerCreditCode,
            ),
            ("idx_transfers_status", Transfers::Status),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Transfers::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Transfers::Table).to_owned())
            .await
    }
}

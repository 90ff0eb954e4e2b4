//! Marketplace intake: the webhook inbox, listing codes, sales from orders, and operator
//! subscriptions with their outgoing deliveries.

use crate::m20261125_000001_create_tenants::Sellers;
use crate::m20261125_000002_create_stores_and_listings::Stores;
use crate::{id_pk, ts, ts_null};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookInbox {
    Table,
    Id,
    StoreId,
    SellerId,
    Platform,
    IdempotencyKey,
    Topic,
    Body,
    ReceivedAt,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    ProcessedAt,
}

#[derive(DeriveIden)]
enum ListingCodes {
    Table,
    Id,
    ListingId,
    SellerId,
    Code,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sales {
    Table,
    Id,
    SellerId,
    StoreId,
    Platform,
    ExternalOrderId,
    OrderNumber,
    Status,
    BuyerType,
    BuyerCompany,
    BuyerTaxId,
    Region,
    CountryCode,
    ShippingMethod,
    TrackingNumbers,
    TrackingCompany,
    OrderedAt,
    PaidAt,
    FulfilledAt,
    CancelledAt,
    CompletedAt,
    DeadlineAt,
    EventId,
    ExternalUpdatedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SaleLines {
    Table,
    Id,
    SaleId,
    SellerId,
    ExternalLineId,
    ListingId,
    ListingExternalId,
    VariantExternalId,
    Sku,
    Barcode,
    Title,
    CategoryId,
    Quantity,
    RefundedQuantity,
    Allocations,
    UnitCodes,
}

#[derive(DeriveIden)]
enum OperatorSubscriptions {
    Table,
    Id,
    OperatorId,
    Url,
    SecretCiphertext,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OperatorDeliveries {
    Table,
    Id,
    SubscriptionId,
    MessageId,
    EventType,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LastError,
    CreatedAt,
    DeliveredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Stores::Table)
                    .add_column(string_len_null(Alias::new("app_key"), 128))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookInbox::Table)
                    .col(big_pk_auto(WebhookInbox::Id))
                    .col(string_len(WebhookInbox::StoreId, 40))
                    .col(string_len(WebhookInbox::SellerId, 40))
                    .col(string_len(WebhookInbox::Platform, 32))
                    .col(string_len(WebhookInbox::IdempotencyKey, 255))
                    .col(string_len(WebhookInbox::Topic, 128))
                    .col(blob(WebhookInbox::Body))
                    .col(ts(WebhookInbox::ReceivedAt))
                    .col(string_len(WebhookInbox::Status, 16))
                    .col(integer(WebhookInbox::Attempts).default(0))
                    .col(ts(WebhookInbox::NextAttemptAt))
                    .col(ts_null(WebhookInbox::LockedUntil))
                    .col(text_null(WebhookInbox::LastError))
                    .col(ts_null(WebhookInbox::ProcessedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_webhook_inbox_store")
                            .from(WebhookInbox::Table, WebhookInbox::StoreId)
                            .to(Stores::Table, Stores::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_webhook_inbox_key")
                    .table(WebhookInbox::Table)
                    .col(WebhookInbox::StoreId)
                    .col(WebhookInbox::IdempotencyKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_inbox_due")
                    .table(WebhookInbox::Table)
                    .col(WebhookInbox::Status)
                    .col(WebhookInbox::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_inbox_seller")
                    .table(WebhookInbox::Table)
                    .col(WebhookInbox::SellerId)
                    .col(WebhookInbox::Status)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ListingCodes::Table)
                    .col(big_pk_auto(ListingCodes::Id))
                    .col(string_len(ListingCodes::ListingId, 40))
                    .col(string_len(ListingCodes::SellerId, 40))
                    .col(string_len(ListingCodes::Code, 512))
                    .col(ts(ListingCodes::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_listing_codes")
                    .table(ListingCodes::Table)
                    .col(ListingCodes::ListingId)
                    .col(ListingCodes::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sales::Table)
                    .col(id_pk(Sales::Id))
                    .col(string_len(Sales::SellerId, 40))
                    .col(string_len_null(Sales::StoreId, 40))
                    .col(string_len(Sales::Platform, 32))
                    .col(string_len(Sales::ExternalOrderId, 64))
                    .col(string_len_null(Sales::OrderNumber, 64))
                    .col(string_len(Sales::Status, 24))
                    .col(string_len(Sales::BuyerType, 16))
                    .col(string_len_null(Sales::BuyerCompany, 200))
                    .col(string_len_null(Sales::BuyerTaxId, 32))
                    .col(string_len_null(Sales::Region, 6))
                    .col(string_len_null(Sales::CountryCode, 2))
                    .col(string_len_null(Sales::ShippingMethod, 200))
                    .col(text(Sales::TrackingNumbers))
                    .col(string_len_null(Sales::TrackingCompany, 200))
                    .col(ts_null(Sales::OrderedAt))
                    .col(ts_null(Sales::PaidAt))
                    .col(ts_null(Sales::FulfilledAt))
                    .col(ts_null(Sales::CancelledAt))
                    .col(ts_null(Sales::CompletedAt))
                    .col(ts_null(Sales::DeadlineAt))
                    .col(string_len_null(Sales::EventId, 40))
                    .col(ts_null(Sales::ExternalUpdatedAt))
                    .col(ts(Sales::CreatedAt))
                    .col(ts(Sales::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sales_seller")
                            .from(Sales::Table, Sales::SellerId)
                            .to(Sellers::Table, Sellers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_sales_order")
                    .table(Sales::Table)
                    .col(Sales::SellerId)
                    .col(Sales::Platform)
                    .col(Sales::ExternalOrderId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SaleLines::Table)
                    .col(big_pk_auto(SaleLines::Id))
                    .col(string_len(SaleLines::SaleId, 40))
                    .col(string_len(SaleLines::SellerId, 40))
                    .col(string_len_null(SaleLines::ExternalLineId, 64))
                    .col(string_len_null(SaleLines::ListingId, 40))
                    .col(string_len_null(SaleLines::ListingExternalId, 64))
                    .col(string_len_null(SaleLines::VariantExternalId, 64))
                    .col(string_len_null(SaleLines::Sku, 128))
                    .col(string_len_null(SaleLines::Barcode, 64))
                    .col(string_len_null(SaleLines::Title, 500))
                    .col(string_len_null(SaleLines::CategoryId, 64))
                    .col(integer(SaleLines::Quantity))
                    .col(integer(SaleLines::RefundedQuantity).default(0))
                    .col(text(SaleLines::Allocations))
                    .col(text(SaleLines::UnitCodes))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sale_lines_sale")
                            .from(SaleLines::Table, SaleLines::SaleId)
                            .to(Sales::Table, Sales::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sale_lines_sale")
                    .table(SaleLines::Table)
                    .col(SaleLines::SaleId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OperatorSubscriptions::Table)
                    .col(id_pk(OperatorSubscriptions::Id))
                    .col(string_len(OperatorSubscriptions::OperatorId, 40))
                    .col(string_len(OperatorSubscriptions::Url, 2048))
                    .col(text(OperatorSubscriptions::SecretCiphertext))
                    .col(string_len(OperatorSubscriptions::Status, 16))
                    .col(ts(OperatorSubscriptions::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OperatorDeliveries::Table)
                    .col(big_pk_auto(OperatorDeliveries::Id))
                    .col(string_len(OperatorDeliveries::SubscriptionId, 40))
                    .col(string_len(OperatorDeliveries::MessageId, 64))
                    .col(string_len(OperatorDeliveries::EventType, 64))
                    .col(text(OperatorDeliveries::Payload))
                    .col(string_len(OperatorDeliveries::Status, 16))
                    .col(integer(OperatorDeliveries::Attempts).default(0))
                    .col(ts(OperatorDeliveries::NextAttemptAt))
                    .col(text_null(OperatorDeliveries::LastError))
                    .col(ts(OperatorDeliveries::CreatedAt))
                    .col(ts_null(OperatorDeliveries::DeliveredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_operator_deliveries_due")
                    .table(OperatorDeliveries::Table)
                    .col(OperatorDeliveries::Status)
                    .col(OperatorDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "operator_deliveries",
            "operator_subscriptions",
            "sale_lines",
            "sales",
            "listing_codes",
            "webhook_inbox",
        ] {
            manager
                .drop_table(Table::drop().table(Alias::new(table)).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Stores::Table)
                    .drop_column(Alias::new("app_key"))
                    .to_owned(),
            )
            .await
    }
}

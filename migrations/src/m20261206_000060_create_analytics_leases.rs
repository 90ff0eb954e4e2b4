//! Analytics runs: one instance at a time. The periodic analytics run of several service
//! instances takes a lease row (`analytics_leases`: who holds it and until when) before it reads
//! the ledger and writes the mirror; the same on SQLite and PostgreSQL. A holder that dies
//! leaves a lease that simply runs out.

use crate::ts_null;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AnalyticsLeases {
    Table,
    Name,
    Holder,
    LeasedUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AnalyticsLeases::Table)
                    .col(
                        ColumnDef::new(AnalyticsLeases::Name)
                            .string_len(40)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AnalyticsLeases::Holder)
                            .string_len(80)
                            .null(),
                    )
                    .col(ts_null(AnalyticsLeases::LeasedUntil))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AnalyticsLeases::Table).to_owned())
            .await
    }
}

//! The figures of each jurisdiction's overview, rolled up by the analytics run (one row per
//! scope: the nation `""`, each province, city and county with results) so the overview page
//! reads one row instead of aggregating the jurisdiction's results on every request.

use crate::ts;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AnalyticsOverviews {
    Table,
    Scope,
    Figures,
    ComputedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AnalyticsOverviews::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(AnalyticsOverviews::Scope)
                            .string_len(12)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AnalyticsOverviews::Figures)
                            .text()
                            .not_null(),
                    )
                    .col(ts(AnalyticsOverviews::ComputedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AnalyticsOverviews::Table).to_owned())
            .await
    }
}

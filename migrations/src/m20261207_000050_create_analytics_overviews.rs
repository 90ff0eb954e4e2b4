//! The figures of each jurisdiction's overview, rolled up by the analytics run (one row per
//! scope: the nation `""`, each province, city and county with results) so the overview page
//! reads one row instead of aggregating the jurisdiction's results on every request. Also an
//! index of the scores by month (the national ranking reads one month of every seller).

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

#[derive(DeriveIden)]
enum AnalyticsScores {
    Table,
    Period,
    Division,
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
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_analytics_scores_period_division")
                    .table(AnalyticsScores::Table)
                    .col(AnalyticsScores::Period)
                    .col(AnalyticsScores::Division)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_analytics_scores_period_division")
                    .table(AnalyticsScores::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(AnalyticsOverviews::Table).to_owned())
            .await
    }
}

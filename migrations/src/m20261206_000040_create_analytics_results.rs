//! Results of the supervision analytics, stored so pages and the API read them without
//! recomputing: compliance scores (components as JSON), completion timeliness per seller and
//! week, the records overdue now, and improvement alerts with their state and history.

use crate::{ts, ts_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AnalyticsScores {
    Table,
    Id,
    SellerId,
    Division,
    Period,
    Score,
    Grade,
    CategoryId,
    RankProvince,
    RankDivision,
    RankCategory,
    Change,
    Components,
    ComputedAt,
}

#[derive(DeriveIden)]
enum AnalyticsTimeliness {
    Table,
    Id,
    SellerId,
    Division,
    Week,
    Dimension,
    Key,
    Records,
    Completed,
    WithinDeadline,
    Overdue,
    ShareWithinDeadline,
    #[sea_orm(iden = "delay_p50_s")]
    DelayP50S,
    #[sea_orm(iden = "delay_p90_s")]
    DelayP90S,
    #[sea_orm(iden = "delay_max_s")]
    DelayMaxS,
    ComputedAt,
}

#[derive(DeriveIden)]
enum AnalyticsOverdue {
    Table,
    Id,
    RecordId,
    RecordKind,
    SellerId,
    Division,
    CategoryId,
    Region,
    StartedAt,
    DeadlineAt,
    ComputedAt,
}

#[derive(DeriveIden)]
enum AnalyticsAlerts {
    Table,
    Id,
    CauseKey,
    Rule,
    SellerId,
    Division,
    Subject,
    Severity,
    State,
    Detail,
    FirstRaisedAt,
    LastFoundAt,
    AcknowledgedAt,
    ResolvedAt,
    ResolvedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AnalyticsAlertEvents {
    Table,
    Id,
    AlertId,
    At,
    FromState,
    ToState,
    Actor,
}

fn pk(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .take()
}

fn text(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().take()
}

fn text_null(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).null().take()
}

fn int(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().take()
}

fn real_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).double().null().take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AnalyticsScores::Table)
                    .col(pk(AnalyticsScores::Id))
                    .col(text(AnalyticsScores::SellerId, 40))
                    .col(text(AnalyticsScores::Division, 12))
                    .col(text(AnalyticsScores::Period, 7))
                    .col(ColumnDef::new(AnalyticsScores::Score).double().not_null())
                    .col(text(AnalyticsScores::Grade, 1))
                    .col(text_null(AnalyticsScores::CategoryId, 64))
                    .col(int(AnalyticsScores::RankProvince))
                    .col(int(AnalyticsScores::RankDivision))
                    .col(
                        ColumnDef::new(AnalyticsScores::RankCategory)
                            .big_integer()
                            .null(),
                    )
                    .col(real_null(AnalyticsScores::Change))
                    .col(
                        ColumnDef::new(AnalyticsScores::Components)
                            .text()
                            .not_null(),
                    )
                    .col(ts(AnalyticsScores::ComputedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_analytics_scores_seller_period")
                    .table(AnalyticsScores::Table)
                    .col(AnalyticsScores::SellerId)
                    .col(AnalyticsScores::Period)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_analytics_scores_division_period")
                    .table(AnalyticsScores::Table)
                    .col(AnalyticsScores::Division)
                    .col(AnalyticsScores::Period)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AnalyticsTimeliness::Table)
                    .col(pk(AnalyticsTimeliness::Id))
                    .col(text(AnalyticsTimeliness::SellerId, 40))
                    .col(text(AnalyticsTimeliness::Division, 12))
                    .col(text(AnalyticsTimeliness::Week, 8))
                    .col(text(AnalyticsTimeliness::Dimension, 16))
                    .col(text(AnalyticsTimeliness::Key, 64))
                    .col(int(AnalyticsTimeliness::Records))
                    .col(int(AnalyticsTimeliness::Completed))
                    .col(int(AnalyticsTimeliness::WithinDeadline))
                    .col(int(AnalyticsTimeliness::Overdue))
                    .col(real_null(AnalyticsTimeliness::ShareWithinDeadline))
                    .col(real_null(AnalyticsTimeliness::DelayP50S))
                    .col(real_null(AnalyticsTimeliness::DelayP90S))
                    .col(real_null(AnalyticsTimeliness::DelayMaxS))
                    .col(ts(AnalyticsTimeliness::ComputedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_analytics_timeliness_key")
                    .table(AnalyticsTimeliness::Table)
                    .col(AnalyticsTimeliness::SellerId)
                    .col(AnalyticsTimeliness::Week)
                    .col(AnalyticsTimeliness::Dimension)
                    .col(AnalyticsTimeliness::Key)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_analytics_timeliness_division_week")
                    .table(AnalyticsTimeliness::Table)
                    .col(AnalyticsTimeliness::Division)
                    .col(AnalyticsTimeliness::Week)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AnalyticsOverdue::Table)
                    .col(pk(AnalyticsOverdue::Id))
                    .col(text(AnalyticsOverdue::RecordId, 40))
                    .col(text(AnalyticsOverdue::RecordKind, 16))
                    .col(text(AnalyticsOverdue::SellerId, 40))
                    .col(text(AnalyticsOverdue::Division, 12))
                    .col(text_null(AnalyticsOverdue::CategoryId, 64))
                    .col(text_null(AnalyticsOverdue::Region, 12))
                    .col(ts(AnalyticsOverdue::StartedAt))
                    .col(ts(AnalyticsOverdue::DeadlineAt))
                    .col(ts(AnalyticsOverdue::ComputedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_analytics_overdue_seller", AnalyticsOverdue::SellerId),
            ("idx_analytics_overdue_division", AnalyticsOverdue::Division),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AnalyticsOverdue::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(AnalyticsAlerts::Table)
                    .col(pk(AnalyticsAlerts::Id))
                    .col(text(AnalyticsAlerts::CauseKey, 255))
                    .col(text(AnalyticsAlerts::Rule, 32))
                    .col(text(AnalyticsAlerts::SellerId, 40))
                    .col(text(AnalyticsAlerts::Division, 12))
                    .col(text(AnalyticsAlerts::Subject, 200))
                    .col(text(AnalyticsAlerts::Severity, 16))
                    .col(text(AnalyticsAlerts::State, 16))
                    .col(ColumnDef::new(AnalyticsAlerts::Detail).text().not_null())
                    .col(ts(AnalyticsAlerts::FirstRaisedAt))
                    .col(ts(AnalyticsAlerts::LastFoundAt))
                    .col(ts_null(AnalyticsAlerts::AcknowledgedAt))
                    .col(ts_null(AnalyticsAlerts::ResolvedAt))
                    .col(text_null(AnalyticsAlerts::ResolvedBy, 40))
                    .col(ts(AnalyticsAlerts::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_analytics_alerts_cause")
                    .table(AnalyticsAlerts::Table)
                    .col(AnalyticsAlerts::CauseKey)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, a, b) in [
            (
                "idx_analytics_alerts_seller_state",
                AnalyticsAlerts::SellerId,
                AnalyticsAlerts::State,
            ),
            (
                "idx_analytics_alerts_division_state",
                AnalyticsAlerts::Division,
                AnalyticsAlerts::State,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AnalyticsAlerts::Table)
                        .col(a)
                        .col(b)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(AnalyticsAlertEvents::Table)
                    .col(pk(AnalyticsAlertEvents::Id))
                    .col(int(AnalyticsAlertEvents::AlertId))
                    .col(ts(AnalyticsAlertEvents::At))
                    .col(text_null(AnalyticsAlertEvents::FromState, 16))
                    .col(text(AnalyticsAlertEvents::ToState, 16))
                    .col(text(AnalyticsAlertEvents::Actor, 40))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_analytics_alert_events_alert")
                            .from(AnalyticsAlertEvents::Table, AnalyticsAlertEvents::AlertId)
                            .to(AnalyticsAlerts::Table, AnalyticsAlerts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_analytics_alert_events_alert")
                    .table(AnalyticsAlertEvents::Table)
                    .col(AnalyticsAlertEvents::AlertId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AnalyticsAlertEvents::Table.into_iden(),
            AnalyticsAlerts::Table.into_iden(),
            AnalyticsOverdue::Table.into_iden(),
            AnalyticsTimeliness::Table.into_iden(),
            AnalyticsScores::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

//! Operator notifications join the one durable queue: their claims become leases held in
//! `locked_until`, like the inbox's and the submissions' (until now a claim pushed
//! `next_attempt_at` forward instead). Deliveries being sent keep their lease.

use crate::ts_null;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OperatorDeliveries {
    Table,
    Status,
    NextAttemptAt,
    LockedUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OperatorDeliveries::Table)
                    .add_column(ts_null(OperatorDeliveries::LockedUntil))
                    .to_owned(),
            )
            .await?;
        // A delivery claimed before this migration held its claim in `next_attempt_at`.
        manager
            .exec_stmt(
                Query::update()
                    .table(OperatorDeliveries::Table)
                    .value(
                        OperatorDeliveries::LockedUntil,
                        Expr::col(OperatorDeliveries::NextAttemptAt),
                    )
                    .and_where(Expr::col(OperatorDeliveries::Status).eq("sending"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Back to the claim in `next_attempt_at`.
        manager
            .exec_stmt(
                Query::update()
                    .table(OperatorDeliveries::Table)
                    .value(
                        OperatorDeliveries::NextAttemptAt,
                        Expr::col(OperatorDeliveries::LockedUntil),
                    )
                    .and_where(Expr::col(OperatorDeliveries::Status).eq("sending"))
                    .and_where(Expr::col(OperatorDeliveries::LockedUntil).is_not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OperatorDeliveries::Table)
                    .drop_column(OperatorDeliveries::LockedUntil)
                    .to_owned(),
            )
            .await
    }
}

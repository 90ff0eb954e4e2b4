//! Supervisors comment on improvement alerts: each entry of an alert's history may carry a note
//! (why it was acknowledged or resolved, or a comment on its own).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AnalyticsAlertEvents {
    Table,
    Note,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AnalyticsAlertEvents::Table)
                    .add_column(ColumnDef::new(AnalyticsAlertEvents::Note).text().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AnalyticsAlertEvents::Table)
                    .drop_column(AnalyticsAlertEvents::Note)
                    .to_owned(),
            )
            .await
    }
}

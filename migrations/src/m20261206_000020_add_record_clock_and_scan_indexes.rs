//! What analytics needs of the records: the catalogue version each deadline came from (on trace
//! events and sales, beside `deadline_at`), and indexes for the scans analytics and dashboards
//! make: trace events per region and period, per record kind, category, deadline and
//! `corrects_id`; sales by status and deadline; transfers by `sale_event_id`,
//! `claimed_event_id` and `claimed_by`. (Per seller jurisdiction and period, events are found by
//! `seller_id` and `event_time`: `idx_trace_events_seller_time` since the first migration.)

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TraceEvents {
    Table,
    CatalogueVersion,
    Region,
    EventTime,
    RecordKind,
    CategoryId,
    DeadlineAt,
    CorrectsId,
}

#[derive(DeriveIden)]
enum Sales {
    Table,
    CatalogueVersion,
    Status,
    DeadlineAt,
}

#[derive(DeriveIden)]
enum Transfers {
    Table,
    SaleEventId,
    ClaimedEventId,
    ClaimedBy,
}

/// The indexes: name, table, columns.
fn indexes() -> Vec<(&'static str, DynIden, Vec<DynIden>)> {
    let te = || TraceEvents::Table.into_iden();
    let sa = || Sales::Table.into_iden();
    let tr = || Transfers::Table.into_iden();
    vec![
        (
            "idx_trace_events_region_time",
            te(),
            vec![
                TraceEvents::Region.into_iden(),
                TraceEvents::EventTime.into_iden(),
            ],
        ),
        (
            "idx_trace_events_kind_time",
            te(),
            vec![
                TraceEvents::RecordKind.into_iden(),
                TraceEvents::EventTime.into_iden(),
            ],
        ),
        (
            "idx_trace_events_category_time",
            te(),
            vec![
                TraceEvents::CategoryId.into_iden(),
                TraceEvents::EventTime.into_iden(),
            ],
        ),
        (
            "idx_trace_events_deadline",
            te(),
            vec![TraceEvents::DeadlineAt.into_iden()],
        ),
        (
            "idx_trace_events_corrects",
            te(),
            vec![TraceEvents::CorrectsId.into_iden()],
        ),
        (
            "idx_sales_status_deadline",
            sa(),
            vec![Sales::Status.into_iden(), Sales::DeadlineAt.into_iden()],
        ),
        (
            "idx_sales_deadline",
            sa(),
            vec![Sales::DeadlineAt.into_iden()],
        ),
        (
            "idx_transfers_sale_event",
            tr(),
            vec![Transfers::SaleEventId.into_iden()],
        ),
        (
            "idx_transfers_claimed_event",
            tr(),
            vec![Transfers::ClaimedEventId.into_iden()],
        ),
        (
            "idx_transfers_claimed_by",
            tr(),
            vec![Transfers::ClaimedBy.into_iden()],
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Adding a nullable column is not an UPDATE: the append-only triggers stay untouched.
        manager
            .alter_table(
                Table::alter()
                    .table(TraceEvents::Table)
                    .add_column(
                        ColumnDef::new(TraceEvents::CatalogueVersion)
                            .string_len(64)
                            .null()
                            .take(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Sales::Table)
                    .add_column(
                        ColumnDef::new(Sales::CatalogueVersion)
                            .string_len(64)
                            .null()
                            .take(),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, table, cols) in indexes() {
            let mut index = Index::create();
            index.name(name).table(table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in indexes().into_iter().rev() {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Sales::Table)
                    .drop_column(Sales::CatalogueVersion)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(TraceEvents::Table)
                    .drop_column(TraceEvents::CatalogueVersion)
                    .to_owned(),
            )
            .await
    }
}

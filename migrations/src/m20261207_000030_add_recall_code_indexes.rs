//! A recall names a batch or a unit without its GTIN as often as with it: the codes table gets
//! an index on the batch and one on the serial (the one on `(gtin, batch)` serves only a batch
//! of a known GTIN).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TraceEventCodes {
    Table,
    Batch,
    Serial,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, column) in [
            ("idx_trace_event_codes_batch", TraceEventCodes::Batch),
            ("idx_trace_event_codes_serial", TraceEventCodes::Serial),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(TraceEventCodes::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "idx_trace_event_codes_batch",
            "idx_trace_event_codes_serial",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(TraceEventCodes::Table)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

//! Two indexes of `trace_events` that no query needs, dropped: every append maintains them (an
//! import of 100,000 receipts writes 100,000 entries into each). `idx_trace_events_region` is the
//! prefix of `idx_trace_events_region_time`, which serves every look-up by region; nothing looks
//! events up by `epcis_event_id` (add an index with the first query that does).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TraceEvents {
    Table,
    Region,
    EpcisEventId,
}

const DROPPED: [&str; 2] = ["idx_trace_events_region", "idx_trace_events_epcis_id"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in DROPPED {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(TraceEvents::Table)
                        .if_exists()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, col) in [
            (DROPPED[0], TraceEvents::Region),
            (DROPPED[1], TraceEvents::EpcisEventId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(TraceEvents::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

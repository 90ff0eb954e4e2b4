//! Trace events (append-only, hash-chained per seller) and the codes each event names.

use crate::m20261125_000001_create_tenants::Sellers;
use crate::{id_pk, ts, ts_null};
use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TraceEvents {
    Table,
    Id,
    SellerId,
    Seq,
    EpcisEventId,
    EventType,
    RecordKind,
    Action,
    BizStep,
    Disposition,
    EventTime,
    EventTimeZoneOffset,
    RecordTime,
    CategoryId,
    Region,
    BuyerType,
    CorrectsId,
    DeadlineAt,
    MissingElements,
    Document,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum TraceEventCodes {
    Table,
    Id,
    EventId,
    SellerId,
    Role,
    Code,
    CodeKind,
    Gtin,
    Batch,
    Serial,
    Quantity,
    Uom,
}

/// Tables whose rows may never change once written.
const APPEND_ONLY: [&str; 2] = ["trace_events", "trace_event_codes"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TraceEvents::Table)
                    .col(id_pk(TraceEvents::Id))
                    .col(string_len(TraceEvents::SellerId, 40))
                    .col(big_integer(TraceEvents::Seq))
                    .col(string_len(TraceEvents::EpcisEventId, 128))
                    .col(string_len(TraceEvents::EventType, 32))
                    .col(string_len(TraceEvents::RecordKind, 32))
                    .col(string_len_null(TraceEvents::Action, 16))
                    .col(string_len_null(TraceEvents::BizStep, 64))
                    .col(string_len_null(TraceEvents::Disposition, 64))
                    .col(ts(TraceEvents::EventTime))
                    .col(string_len(TraceEvents::EventTimeZoneOffset, 6))
                    .col(ts(TraceEvents::RecordTime))
                    .col(string_len_null(TraceEvents::CategoryId, 64))
                    .col(string_len_null(TraceEvents::Region, 6))
                    .col(string_len_null(TraceEvents::BuyerType, 32))
                    .col(string_len_null(TraceEvents::CorrectsId, 40))
                    .col(ts_null(TraceEvents::DeadlineAt))
                    .col(text(TraceEvents::MissingElements))
                    .col(text(TraceEvents::Document))
                    .col(string_len(TraceEvents::PrevHash, 64))
                    .col(string_len_uniq(TraceEvents::Hash, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_trace_events_seller")
                            .from(TraceEvents::Table, TraceEvents::SellerId)
                            .to(Sellers::Table, Sellers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "uq_trace_events_seller_seq",
                vec![TraceEvents::SellerId, TraceEvents::Seq],
            ),
            (
                "idx_trace_events_seller_time",
                vec![TraceEvents::SellerId, TraceEvents::EventTime],
            ),
            ("idx_trace_events_region", vec![TraceEvents::Region]),
            ("idx_trace_events_epcis_id", vec![TraceEvents::EpcisEventId]),
        ] {
            let mut index = Index::create();
            index.name(name).table(TraceEvents::Table);
            for col in cols {
                index.col(col);
            }
            if name.starts_with("uq_") {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(TraceEventCodes::Table)
                    .col(big_pk_auto(TraceEventCodes::Id))
                    .col(string_len(TraceEventCodes::EventId, 40))
                    .col(string_len(TraceEventCodes::SellerId, 40))
                    .col(string_len(TraceEventCodes::Role, 16))
                    .col(string_len(TraceEventCodes::Code, 512))
                    .col(string_len(TraceEventCodes::CodeKind, 16))
                    .col(string_len_null(TraceEventCodes::Gtin, 14))
                    .col(string_len_null(TraceEventCodes::Batch, 20))
                    .col(string_len_null(TraceEventCodes::Serial, 20))
                    .col(double_null(TraceEventCodes::Quantity))
                    .col(string_len_null(TraceEventCodes::Uom, 3))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_trace_event_codes_event")
                            .from(TraceEventCodes::Table, TraceEventCodes::EventId)
                            .to(TraceEvents::Table, TraceEvents::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            ("idx_trace_event_codes_code", vec![TraceEventCodes::Code]),
            (
                "idx_trace_event_codes_gtin_batch",
                vec![TraceEventCodes::Gtin, TraceEventCodes::Batch],
            ),
            (
                "idx_trace_event_codes_event",
                vec![TraceEventCodes::EventId],
            ),
            (
                "idx_trace_event_codes_seller",
                vec![TraceEventCodes::SellerId],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(TraceEventCodes::Table);
            for col in cols {
                index.col(col);
            }
            manager.create_index(index.to_owned()).await?;
        }
        install_append_only_triggers(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_append_only_triggers(manager).await?;
        manager
            .drop_table(Table::drop().table(TraceEventCodes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(TraceEvents::Table).to_owned())
            .await
    }
}

async fn install_append_only_triggers(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(
                "CREATE OR REPLACE FUNCTION suyuan_refuse_change() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'trace events are append-only: % on % refused', TG_OP, TG_TABLE_NAME \
                 USING ERRCODE = 'integrity_constraint_violation'; END $$ LANGUAGE plpgsql",
            )
            .await?;
            for table in APPEND_ONLY {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} \
                     FOR EACH ROW EXECUTE FUNCTION suyuan_refuse_change()"
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} \
                     FOR EACH STATEMENT EXECUTE FUNCTION suyuan_refuse_change()"
                ))
                .await?;
            }
        }
        _ => {
            for table in APPEND_ONLY {
                for op in ["UPDATE", "DELETE"] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_no_{lower} BEFORE {op} ON {table} \
                         BEGIN SELECT RAISE(ABORT, 'trace events are append-only: {op} on {table} refused'); END",
                        lower = op.to_lowercase()
                    ))
                    .await?;
                }
            }
        }
    }
    Ok(())
}

async fn drop_append_only_triggers(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            for table in APPEND_ONLY {
                db.execute_unprepared(&format!(
                    "DROP TRIGGER IF EXISTS {table}_append_only ON {table}"
                ))
                .await?;
                db.execute_unprepared(&format!(
                    "DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}"
                ))
                .await?;
            }
            db.execute_unprepared("DROP FUNCTION IF EXISTS suyuan_refuse_change()")
                .await?;
        }
        _ => {
            for table in APPEND_ONLY {
                for op in ["update", "delete"] {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {table}_no_{op}"))
                        .await?;
                }
            }
        }
    }
    Ok(())
}

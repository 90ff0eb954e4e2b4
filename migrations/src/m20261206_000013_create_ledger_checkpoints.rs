//! Retention: a seller's oldest trace events may be purged once they are older than the
//! retention period, but only a prefix of the chain, and only after a signed checkpoint of it
//! has been written (`ledger_checkpoints`: the last purged position and its hash, signed with
//! a key derived from the installation's secret key), so every chain stays verifiable.
//!
//! The append-only triggers keep refusing every `UPDATE`, and every `DELETE` except of events
//! (and their code rows) at or before a checkpoint of their seller. An ordinary delete of a
//! recorded event is still refused; a checkpoint forged to allow one fails its signature in
//! `suyuan verify`.

use crate::ts;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LedgerCheckpoints {
    Table,
    Id,
    SellerId,
    ThroughSeq,
    LastHash,
    PurgedBefore,
    CreatedAt,
    Signature,
}

const REFUSED: &str = "trace events are append-only";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LedgerCheckpoints::Table)
                    .col(
                        ColumnDef::new(LedgerCheckpoints::Id)
                            .big_integer()
                            .not_null()
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(LedgerCheckpoints::SellerId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LedgerCheckpoints::ThroughSeq)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(LedgerCheckpoints::LastHash)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(ts(LedgerCheckpoints::PurgedBefore))
                    .col(ts(LedgerCheckpoints::CreatedAt))
                    .col(
                        ColumnDef::new(LedgerCheckpoints::Signature)
                            .string_len(64)
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_ledger_checkpoints_seller")
                    .table(LedgerCheckpoints::Table)
                    .col(LedgerCheckpoints::SellerId)
                    .col(LedgerCheckpoints::ThroughSeq)
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                // Nested IFs: each condition is prepared only when reached (OLD differs per
                // table).
                db.execute_unprepared(&format!(
                    "CREATE OR REPLACE FUNCTION suyuan_refuse_change() RETURNS trigger AS $$ \
                     BEGIN \
                       IF TG_OP = 'DELETE' THEN \
                         IF TG_TABLE_NAME = 'trace_events' THEN \
                           IF EXISTS (SELECT 1 FROM ledger_checkpoints c \
                                      WHERE c.seller_id = OLD.seller_id AND OLD.seq <= c.through_seq) THEN \
                             RETURN OLD; \
                           END IF; \
                         ELSIF TG_TABLE_NAME = 'trace_event_codes' THEN \
                           IF EXISTS (SELECT 1 FROM trace_events e JOIN ledger_checkpoints c \
                                        ON c.seller_id = e.seller_id \
                                      WHERE e.id = OLD.event_id AND e.seq <= c.through_seq) THEN \
                             RETURN OLD; \
                           END IF; \
                         END IF; \
                       END IF; \
                       RAISE EXCEPTION '{REFUSED}: % on % refused', TG_OP, TG_TABLE_NAME \
                         USING ERRCODE = 'integrity_constraint_violation'; \
                     END $$ LANGUAGE plpgsql"
                ))
                .await?;
            }
            _ => {
                for (table, covered) in [
                    (
                        "trace_events",
                        "SELECT 1 FROM ledger_checkpoints c \
                         WHERE c.seller_id = OLD.seller_id AND OLD.seq <= c.through_seq",
                    ),
                    (
                        "trace_event_codes",
                        "SELECT 1 FROM trace_events e JOIN ledger_checkpoints c \
                           ON c.seller_id = e.seller_id \
                         WHERE e.id = OLD.event_id AND e.seq <= c.through_seq",
                    ),
                ] {
                    // One call, so both statements run on one connection of the pool
                    // (another could still hold the schema from before the drop).
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {table}_no_delete; \
                         CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} \
                         WHEN NOT EXISTS ({covered}) \
                         BEGIN SELECT RAISE(ABORT, '{REFUSED}: DELETE on {table} refused'); END"
                    ))
                    .await?;
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_unprepared(&format!(
                    "CREATE OR REPLACE FUNCTION suyuan_refuse_change() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION '{REFUSED}: % on % refused', TG_OP, TG_TABLE_NAME \
                     USING ERRCODE = 'integrity_constraint_violation'; END $$ LANGUAGE plpgsql"
                ))
                .await?;
            }
            _ => {
                for table in ["trace_events", "trace_event_codes"] {
                    db.execute_unprepared(&format!(
                        "DROP TRIGGER IF EXISTS {table}_no_delete; \
                         CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} \
                         BEGIN SELECT RAISE(ABORT, '{REFUSED}: DELETE on {table} refused'); END"
                    ))
                    .await?;
                }
            }
        }
        manager
            .drop_table(Table::drop().table(LedgerCheckpoints::Table).to_owned())
            .await
    }
}

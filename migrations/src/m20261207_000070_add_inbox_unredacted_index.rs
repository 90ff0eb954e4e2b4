//! The inbox worker looks for settled deliveries whose bodies still hold personal data after
//! every batch (`suyuan_store::inbox::redact_settled`: not yet redacted, and done or dead). The
//! partial index on `(id)` over the rows not yet redacted (`m20261206_000003`) was meant for
//! that search, but SQLite's planner, without statistics, preferred the `(status,
//! next_attempt_at)` index for the status terms and walked every applied delivery ever kept,
//! so the search slowed as the inbox grew: 43 ms at 57,000 applied deliveries. A partial index
//! on `(status, next_attempt_at)` over the rows not yet redacted serves the status terms
//! themselves and is chosen: 0.4 ms at the same size. It replaces the one on `(id)`.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD: &str = "idx_webhook_inbox_unredacted";
const NEW: &str = "idx_webhook_inbox_unredacted_due";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The same statements on SQLite and PostgreSQL (both have partial indexes).
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE INDEX {NEW} ON webhook_inbox (status, next_attempt_at) \
             WHERE redacted_at IS NULL"
        ))
        .await?;
        db.execute_unprepared(&format!("DROP INDEX {OLD}")).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "CREATE INDEX {OLD} ON webhook_inbox (id) WHERE redacted_at IS NULL"
        ))
        .await?;
        db.execute_unprepared(&format!("DROP INDEX {NEW}")).await?;
        Ok(())
    }
}

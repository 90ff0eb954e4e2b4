//! Database migrations for Suyuan.
//!
//! The same migrations run on SQLite (the embedded default) and PostgreSQL (production).
//! Every migration has a `down`. Trace events are append-only: their migration installs
//! triggers on both engines that refuse `UPDATE` and `DELETE` on them.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_tenants;
mod m20261125_000002_create_stores_and_listings;
mod m20261125_000003_create_trace_events;
mod m20261125_000004_create_marketplace;
mod m20261125_000005_create_recalls_and_scans;
mod m20261125_000006_create_submissions;
mod m20261125_000007_create_transfers;
mod m20261125_000008_create_code_flags;
mod m20261201_000001_add_operator_delivery_leases;
mod m20261201_000002_create_mail_outbox;
mod m20261206_000001_add_seller_standing;
mod m20261206_000002_add_shop_domain_proof;
mod m20261206_000003_add_inbox_digests;
mod m20261206_000005_add_listing_part;
mod m20261206_000013_create_ledger_checkpoints;
mod m20261206_000020_add_record_clock_and_scan_indexes;
mod m20261206_000030_add_mail_kinds_and_preferences;
mod m20261206_000040_create_analytics_results;
mod m20261206_000050_add_recall_lifecycle;
mod m20261206_000060_create_analytics_leases;
mod m20261207_000010_create_accounts;
mod m20261207_000030_add_recall_code_indexes;
mod m20261207_000040_add_alert_notes;
mod m20261207_000050_create_analytics_overviews;
mod m20261207_000060_create_import_runs;
mod m20261207_000070_add_inbox_unredacted_index;
mod m20261208_000010_add_listing_needs_confirmation;
mod m20261208_000020_drop_unread_event_indexes;

/// The ordered list of Suyuan's migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_tenants::Migration),
            Box::new(m20261125_000002_create_stores_and_listings::Migration),
            Box::new(m20261125_000003_create_trace_events::Migration),
            Box::new(m20261125_000004_create_marketplace::Migration),
            Box::new(m20261125_000005_create_recalls_and_scans::Migration),
            Box::new(m20261125_000006_create_submissions::Migration),
            Box::new(m20261125_000007_create_transfers::Migration),
            Box::new(m20261125_000008_create_code_flags::Migration),
            Box::new(m20261201_000001_add_operator_delivery_leases::Migration),
            Box::new(m20261201_000002_create_mail_outbox::Migration),
            Box::new(m20261206_000001_add_seller_standing::Migration),
            Box::new(m20261206_000002_add_shop_domain_proof::Migration),
            Box::new(m20261206_000003_add_inbox_digests::Migration),
            Box::new(m20261206_000005_add_listing_part::Migration),
            Box::new(m20261206_000013_create_ledger_checkpoints::Migration),
            Box::new(m20261206_000020_add_record_clock_and_scan_indexes::Migration),
            Box::new(m20261206_000030_add_mail_kinds_and_preferences::Migration),
            Box::new(m20261206_000040_create_analytics_results::Migration),
            Box::new(m20261206_000050_add_recall_lifecycle::Migration),
            Box::new(m20261206_000060_create_analytics_leases::Migration),
            Box::new(m20261207_000010_create_accounts::Migration),
            Box::new(m20261207_000030_add_recall_code_indexes::Migration),
            Box::new(m20261207_000040_add_alert_notes::Migration),
            Box::new(m20261207_000050_create_analytics_overviews::Migration),
            Box::new(m20261207_000060_create_import_runs::Migration),
            Box::new(m20261207_000070_add_inbox_unredacted_index::Migration),
            Box::new(m20261208_000010_add_listing_needs_confirmation::Migration),
            Box::new(m20261208_000020_drop_unread_event_indexes::Migration),
        ]
    }
}

/// A timestamp column with time zone (`timestamptz` on PostgreSQL, text on SQLite).
pub(crate) fn ts(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

/// A nullable timestamp column with time zone.
pub(crate) fn ts_null(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().null().take()
}

/// A prefixed-id primary key (`sel_01J...`).
pub(crate) fn id_pk(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col)
        .string_len(40)
        .not_null()
        .primary_key()
        .take()
}

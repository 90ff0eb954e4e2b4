//! Submissions to trace platforms: the platform registry, routing rules, sellers' sealed
//! credentials, the router's per-seller cursors, and the outbox (one row per event and platform,
//! which is also the submission list).

use crate::m20261125_000001_create_tenants::Sellers;
use crate::{id_pk, ts, ts_null};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Platforms {
    Table,
    Id,
    Code,
    NameZh,
    NameEn,
    Kind,
    BaseUrl,
    Protocol,
    RequiresCredentials,
    CredentialHeader,
    Enabled,
    MaxAttempts,
    BackoffBaseMs,
    BackoffMaxMs,
    RequestTimeoutMs,
    FollowMaxMs,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RoutingRules {
    Table,
    Id,
    PlatformId,
    CategoryId,
    Jurisdiction,
    RecordKinds,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PlatformCredentials {
    Table,
    Id,
    SellerId,
    PlatformId,
    ValueCiphertext,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SubmissionCursors {
    Table,
    SellerId,
    LastSeq,
}

#[derive(DeriveIden)]
enum Submissions {
    Table,
    Id,
    SellerId,
    PlatformId,
    EventId,
    Seq,
    RecordKind,
    RoutedBy,
    IdempotencyKey,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LastError,
    LastHttpStatus,
    Receipt,
    CreatedAt,
    UpdatedAt,
    AcceptedAt,
}

/// The cursor row the router locks first, so that one router at a time routes (any instance).
pub(crate) const ROUTER_LOCK_ROW: &str = "*";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Platforms::Table)
                    .col(id_pk(Platforms::Id))
                    .col(string_len_uniq(Platforms::Code, 64))
                    .col(string_len(Platforms::NameZh, 200))
                    .col(string_len(Platforms::NameEn, 200))
                    .col(string_len(Platforms::Kind, 32))
                    .col(string_len(Platforms::BaseUrl, 1000))
                    .col(text(Platforms::Protocol))
                    .col(boolean(Platforms::RequiresCredentials).default(false))
                    .col(string_len(Platforms::CredentialHeader, 128))
                    .col(boolean(Platforms::Enabled).default(true))
                    .col(integer_null(Platforms::MaxAttempts))
                    .col(big_integer_null(Platforms::BackoffBaseMs))
                    .col(big_integer_null(Platforms::BackoffMaxMs))
                    .col(big_integer_null(Platforms::RequestTimeoutMs))
                    .col(big_integer_null(Platforms::FollowMaxMs))
                    .col(ts(Platforms::CreatedAt))
                    .col(ts(Platforms::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RoutingRules::Table)
                    .col(id_pk(RoutingRules::Id))
                    .col(string_len(RoutingRules::PlatformId, 40))
                    .col(string_len_null(RoutingRules::CategoryId, 64))
                    .col(string_len_null(RoutingRules::Jurisdiction, 6))
                    .col(text_null(RoutingRules::RecordKinds))
                    .col(ts(RoutingRules::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_routing_rules_platform")
                            .from(RoutingRules::Table, RoutingRules::PlatformId)
                            .to(Platforms::Table, Platforms::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PlatformCredentials::Table)
                    .col(big_pk_auto(PlatformCredentials::Id))
                    .col(string_len(PlatformCredentials::SellerId, 40))
                    .col(string_len(PlatformCredentials::PlatformId, 40))
                    .col(text(PlatformCredentials::ValueCiphertext))
                    .col(ts(PlatformCredentials::CreatedAt))
                    .col(ts(PlatformCredentials::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_platform_credentials_seller")
                            .from(PlatformCredentials::Table, PlatformCredentials::SellerId)
                            .to(Sellers::Table, Sellers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_platform_credentials_platform")
                            .from(PlatformCredentials::Table, PlatformCredentials::PlatformId)
                            .to(Platforms::Table, Platforms::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_platform_credentials_seller_platform")
                    .table(PlatformCredentials::Table)
                    .col(PlatformCredentials::SellerId)
                    .col(PlatformCredentials::PlatformId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SubmissionCursors::Table)
                    .col(
                        ColumnDef::new(SubmissionCursors::SellerId)
                            .string_len(40)
                            .not_null()
                            .primary_key(),
                    )
                    .col(big_integer(SubmissionCursors::LastSeq).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(SubmissionCursors::Table)
                    .columns([SubmissionCursors::SellerId, SubmissionCursors::LastSeq])
                    .values_panic([ROUTER_LOCK_ROW.into(), 0i64.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Submissions::Table)
                    .col(big_pk_auto(Submissions::Id))
                    .col(string_len(Submissions::SellerId, 40))
                    .col(string_len(Submissions::PlatformId, 40))
                    .col(string_len(Submissions::EventId, 40))
                    .col(big_integer(Submissions::Seq))
                    .col(string_len(Submissions::RecordKind, 32))
                    .col(string_len(Submissions::RoutedBy, 16))
                    .col(string_len_uniq(Submissions::IdempotencyKey, 128))
                    .col(string_len(Submissions::Status, 24))
                    .col(integer(Submissions::Attempts).default(0))
                    .col(ts(Submissions::NextAttemptAt))
                    .col(ts_null(Submissions::LockedUntil))
                    .col(text_null(Submissions::LastError))
                    .col(integer_null(Submissions::LastHttpStatus))
                    .col(string_len_null(Submissions::Receipt, 255))
                    .col(ts(Submissions::CreatedAt))
                    .col(ts(Submissions::UpdatedAt))
                    .col(ts_null(Submissions::AcceptedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_submissions_platform")
                            .from(Submissions::Table, Submissions::PlatformId)
                            .to(Platforms::Table, Platforms::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, cols, unique) in [
            (
                "uq_submissions_event_platform",
                vec![Submissions::EventId, Submissions::PlatformId],
                true,
            ),
            (
                "idx_submissions_due",
                vec![Submissions::Status, Submissions::NextAttemptAt],
                false,
            ),
            (
                "idx_submissions_seller",
                vec![Submissions::SellerId, Submissions::Id],
                false,
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(Submissions::Table);
            for col in cols {
                index.col(col);
            }
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        // The open rows only (a small part of the table once most are delivered): the worker
        // finds each stream's head from it.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_submissions_open ON submissions (platform_id, seller_id, seq) \
                 WHERE status IN ('pending', 'sending', 'needs_credentials')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Submissions::Table.into_iden(),
            SubmissionCursors::Table.into_iden(),
            PlatformCredentials::Table.into_iden(),
            RoutingRules::Table.into_iden(),
            Platforms::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

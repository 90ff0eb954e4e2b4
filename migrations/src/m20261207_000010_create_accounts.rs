//! People's accounts and server-side sessions: `accounts` (an e-mail address, unique as stored
//! lower-cased, an argon2id password hash once set, and the subject it signs in as: a seller,
//! supervisor, operator or admin id), `account_sessions` (only the SHA-256 of each session id,
//! with its times and revocation) and `account_links` (single-use invitation and sign-in links,
//! kept as their SHA-256 and sealed for the mail that carries them).

use crate::{ts, ts_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Email,
    PasswordHash,
    Role,
    Subject,
    Jurisdiction,
    CreatedAt,
    PasswordSetAt,
}

#[derive(DeriveIden)]
enum AccountSessions {
    Table,
    IdHash,
    AccountId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AccountLinks {
    Table,
    TokenHash,
    AccountId,
    Kind,
    TokenSealed,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(
                        ColumnDef::new(Accounts::Id)
                            .string_len(40)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Accounts::Email).string_len(254).not_null())
                    .col(ColumnDef::new(Accounts::PasswordHash).text().null())
                    .col(ColumnDef::new(Accounts::Role).string_len(20).not_null())
                    .col(ColumnDef::new(Accounts::Subject).string_len(40).not_null())
                    .col(ColumnDef::new(Accounts::Jurisdiction).string_len(12).null())
                    .col(ts(Accounts::CreatedAt))
                    .col(ts_null(Accounts::PasswordSetAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_accounts_email")
                    .table(Accounts::Table)
                    .col(Accounts::Email)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_accounts_subject")
                    .table(Accounts::Table)
                    .col(Accounts::Subject)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccountSessions::Table)
                    .col(
                        ColumnDef::new(AccountSessions::IdHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AccountSessions::AccountId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(ts(AccountSessions::CreatedAt))
                    .col(ts(AccountSessions::LastSeenAt))
                    .col(ts(AccountSessions::ExpiresAt))
                    .col(ts_null(AccountSessions::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_account_sessions_account")
                    .table(AccountSessions::Table)
                    .col(AccountSessions::AccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccountLinks::Table)
                    .col(
                        ColumnDef::new(AccountLinks::TokenHash)
                            .string_len(64)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AccountLinks::AccountId)
                            .string_len(40)
                            .not_null(),
                    )
                    .col(ColumnDef::new(AccountLinks::Kind).string_len(20).not_null())
                    .col(ColumnDef::new(AccountLinks::TokenSealed).text().not_null())
                    .col(ts(AccountLinks::CreatedAt))
                    .col(ts(AccountLinks::ExpiresAt))
                    .col(ts_null(AccountLinks::UsedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AccountLinks::Table.into_iden(),
            AccountSessions::Table.into_iden(),
            Accounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}

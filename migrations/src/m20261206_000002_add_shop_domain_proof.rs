//! A shop's proven domain: NULL until the seller proves it controls the domain (a token
//! published at `/.well-known/suyuan-verification.txt`), with how and when it was proven, and
//! the pending challenge. Only a proven shop lends its listings to the GS1 resolver's product
//! page redirect and to operators' look-ups.

use crate::ts_null;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Stores {
    Table,
    ProvenDomain,
    DomainProvenBy,
    DomainProvenAt,
    PendingDomain,
    DomainToken,
}

fn text(col: Stores, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).null().take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for col in [
            text(Stores::ProvenDomain, 255),
            text(Stores::DomainProvenBy, 32),
            ts_null(Stores::DomainProvenAt),
            text(Stores::PendingDomain, 255),
            text(Stores::DomainToken, 128),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Stores::Table)
                        .add_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            Stores::DomainToken,
            Stores::PendingDomain,
            Stores::DomainProvenAt,
            Stores::DomainProvenBy,
            Stores::ProvenDomain,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Stores::Table)
                        .drop_column(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

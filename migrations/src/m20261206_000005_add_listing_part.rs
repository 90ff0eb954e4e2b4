//! A listing remembers which coded part of its category it sells: `vehicle`, `battery` or
//! `charger` of an e-bike (一车一池一充一码), as the classifier found it; empty for categories whose
//! codes do not aggregate parts and for a seller's override.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Listings {
    Table,
    ClassificationPart,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Listings::Table)
                    .add_column(
                        ColumnDef::new(Listings::ClassificationPart)
                            .string_len(40)
                            .null()
                            .take(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Listings::Table)
                    .drop_column(Listings::ClassificationPart)
                    .to_owned(),
            )
            .await
    }
}

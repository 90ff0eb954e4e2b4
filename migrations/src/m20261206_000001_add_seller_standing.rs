//! A seller account's standing: whether it is verified or provisional (made from a claim link,
//! awaiting review), when it was reviewed and by whom, the transfer a provisional account came
//! from, when it was deactivated, and the time before which its tokens no longer count.
//!
//! A credit code now belongs to at most one verified, active account (a partial unique index)
//! rather than to one row: a second sign-up for a credit code is another provisional claimant
//! awaiting review, and a deactivated account leaves its credit code free. The column-level
//! `UNIQUE` of the first migration goes: on PostgreSQL by dropping the constraint; on SQLite,
//! which cannot drop it, by rebuilding the table on one connection with foreign keys off (the
//! procedure SQLite documents), then checking every foreign key before committing.
//!
//! `down` restores the unique column; it fails, changing nothing, when two accounts share a
//! credit code (settle them first).

use crate::{ts, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len, string_len_null};
use sea_orm_migration::sea_orm::{DatabaseBackend, DatabaseExecutor};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Sellers {
    Table,
    Id,
    Name,
    CreditCode,
    DivisionCode,
    SellerType,
    Email,
    CreatedAt,
    UpdatedAt,
    Verification,
    ClaimTransferId,
    ReviewedAt,
    ReviewedBy,
    DeactivatedAt,
    TokensValidAfter,
}

const OLD_COLUMNS: &str =
    "id, name, credit_code, division_code, seller_type, email, created_at, updated_at";
const OWNER_INDEX: &str = "ux_sellers_verified_credit_code";
const CREDIT_INDEX: &str = "idx_sellers_credit_code";
const DIVISION_INDEX: &str = "idx_sellers_division";

fn new_columns() -> Vec<ColumnDef> {
    vec![
        ColumnDef::new(Sellers::Verification)
            .string_len(16)
            .not_null()
            .default("verified")
            .take(),
        string_len_null(Sellers::ClaimTransferId, 40),
        ts_null(Sellers::ReviewedAt),
        string_len_null(Sellers::ReviewedBy, 40),
        ts_null(Sellers::DeactivatedAt),
        ts_null(Sellers::TokensValidAfter),
    ]
}

/// The sellers table as the first migration made it, with `credit_code` unique or not, and with
/// the standing columns or not.
fn sellers_table(name: &str, unique_credit_code: bool, standing: bool) -> TableCreateStatement {
    let mut credit = ColumnDef::new(Sellers::CreditCode)
        .string_len(18)
        .not_null()
        .take();
    if unique_credit_code {
        credit.unique_key();
    }
    let mut t = Table::create()
        .table(Alias::new(name))
        .col(crate::id_pk(Sellers::Id))
        .col(string_len(Sellers::Name, 200))
        .col(credit)
        .col(string_len(Sellers::DivisionCode, 6))
        .col(string_len(Sellers::SellerType, 32))
        .col(string_len_null(Sellers::Email, 254))
        .col(ts(Sellers::CreatedAt))
        .col(ts(Sellers::UpdatedAt))
        .to_owned();
    if standing {
        for c in new_columns() {
            t.col(c);
        }
    }
    t
}

fn owner_index_sql() -> String {
    format!(
        "CREATE UNIQUE INDEX {OWNER_INDEX} ON sellers (credit_code) \
         WHERE verification = 'verified' AND deactivated_at IS NULL"
    )
}

fn credit_index() -> IndexCreateStatement {
    Index::create()
        .name(CREDIT_INDEX)
        .table(Sellers::Table)
        .col(Sellers::CreditCode)
        .to_owned()
}

fn division_index() -> IndexCreateStatement {
    Index::create()
        .name(DIVISION_INDEX)
        .table(Sellers::Table)
        .col(Sellers::DivisionCode)
        .to_owned()
}

/// Rebuilds `sellers` on SQLite as `target`, copying `columns`, on one connection with foreign
/// keys off, in one transaction; every foreign key is checked before committing.
async fn rebuild_sqlite(
    manager: &SchemaManager<'_>,
    target: TableCreateStatement,
    columns: &str,
    indexes: &[String],
) -> Result<(), DbErr> {
    use sea_orm_migration::sea_orm::sqlx::{self, Row as _};
    let DatabaseExecutor::Connection(db) = manager.get_connection() else {
        return Err(DbErr::Migration(
            "rebuilding sellers on SQLite needs the migration to run outside a transaction".into(),
        ));
    };
    let err = |e: sqlx::Error| DbErr::Migration(format!("rebuilding sellers: {e}"));
    let mut conn = db
        .get_sqlite_connection_pool()
        .acquire()
        .await
        .map_err(err)?;
    sqlx::raw_sql("PRAGMA foreign_keys = OFF")
        .execute(&mut *conn)
        .await
        .map_err(err)?;
    let create = target.to_string(SqliteQueryBuilder);
    let mut script = format!(
        "BEGIN IMMEDIATE;\n{create};\nINSERT INTO sellers_rebuilt ({columns}) SELECT {columns} FROM sellers;\n\
         DROP TABLE sellers;\nALTER TABLE sellers_rebuilt RENAME TO sellers;\n"
    );
    for i in indexes {
        script.push_str(i);
        script.push_str(";\n");
    }
    let outcome = async {
        sqlx::raw_sql(sqlx::AssertSqlSafe(script))
            .execute(&mut *conn)
            .await
            .map_err(err)?;
        let broken = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&mut *conn)
            .await
            .map_err(err)?;
        if let Some(row) = broken.first() {
            let table: String = row.try_get(0).unwrap_or_default();
            return Err(DbErr::Migration(format!(
                "rebuilding sellers would break a foreign key of {table}"
            )));
        }
        sqlx::raw_sql("COMMIT")
            .execute(&mut *conn)
            .await
            .map_err(err)?;
        Ok(())
    }
    .await;
    if outcome.is_err() {
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
    }
    // The connection goes back to the pool as it came: foreign keys on.
    sqlx::raw_sql("PRAGMA foreign_keys = ON")
        .execute(&mut *conn)
        .await
        .map_err(err)?;
    outcome
}

// Runs outside a transaction on SQLite (sea-orm-migration's default there), so the table can be
// rebuilt on a connection of its own; PostgreSQL runs it in one transaction.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                rebuild_sqlite(
                    manager,
                    sellers_table("sellers_rebuilt", false, true),
                    OLD_COLUMNS,
                    &[
                        division_index().to_string(SqliteQueryBuilder),
                        credit_index().to_string(SqliteQueryBuilder),
                        owner_index_sql(),
                    ],
                )
                .await
            }
            _ => {
                let mut alter = Table::alter().table(Sellers::Table).to_owned();
                for c in new_columns() {
                    alter.add_column(c);
                }
                manager.alter_table(alter).await?;
                let db = manager.get_connection();
                db.execute_unprepared(
                    "ALTER TABLE sellers DROP CONSTRAINT IF EXISTS sellers_credit_code_key",
                )
                .await?;
                manager.create_index(credit_index()).await?;
                db.execute_unprepared(&owner_index_sql()).await?;
                Ok(())
            }
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => {
                rebuild_sqlite(
                    manager,
                    sellers_table("sellers_rebuilt", true, false),
                    OLD_COLUMNS,
                    &[division_index().to_string(SqliteQueryBuilder)],
                )
                .await
            }
            _ => {
                let db = manager.get_connection();
                db.execute_unprepared(&format!("DROP INDEX IF EXISTS {OWNER_INDEX}"))
                    .await?;
                db.execute_unprepared(&format!("DROP INDEX IF EXISTS {CREDIT_INDEX}"))
                    .await?;
                db.execute_unprepared(
                    "ALTER TABLE sellers ADD CONSTRAINT sellers_credit_code_key UNIQUE (credit_code)",
                )
                .await?;
                let mut alter = Table::alter().table(Sellers::Table).to_owned();
                for c in [
                    Sellers::Verification,
                    Sellers::ClaimTransferId,
                    Sellers::ReviewedAt,
                    Sellers::ReviewedBy,
                    Sellers::DeactivatedAt,
                    Sellers::TokensValidAfter,
                ] {
                    alter.drop_column(c);
                }
                manager.alter_table(alter).await
            }
        }
    }
}

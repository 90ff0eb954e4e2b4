//! A PostgreSQL transaction of sqlx's own that the store's sea-orm functions run on (it
//! implements [`ConnectionTrait`]) and that can also take rows by `COPY … FROM STDIN`, which
//! sea-orm's own transaction cannot: it keeps its connection to itself. `COPY` writes a page of
//! rows with one WAL record where `INSERT` writes one per row; on `trace_events` with its indexes
//! it took 2.5 s for 100,000 rows against 8.1 to 8.5 s as multi-row `INSERT`s (README, CSV import).
//!
//! Used by the CSV import's chunk transactions ([`crate::ledger::copy_batch`]).

use crate::StoreError;
use sea_orm::sqlx::{self, Postgres};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr,
    Statement, Value,
};
use sea_query_sqlx::SqlxValues;
use std::sync::Arc;
use tokio::sync::Mutex;

/// An open PostgreSQL transaction (rolled back if dropped without [`PgTxn::commit`]).
pub struct PgTxn(Mutex<sqlx::Transaction<'static, Postgres>>);

fn exec_err(e: sqlx::Error) -> DbErr {
    DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e)))
}

fn query_err(e: sqlx::Error) -> DbErr {
    DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)))
}

fn query(stmt: &Statement) -> sqlx::query::Query<'_, Postgres, SqlxValues> {
    let values = stmt
        .values
        .clone()
        .unwrap_or(sea_orm::sea_query::Values(Vec::new()));
    sqlx::query_with(sqlx::AssertSqlSafe(stmt.sql.as_str()), SqlxValues(values))
}

impl PgTxn {
    /// Begins a transaction on a connection of `db`'s pool (PostgreSQL only).
    pub async fn begin(db: &DatabaseConnection) -> Result<PgTxn, StoreError> {
        if db.get_database_backend() != DbBackend::Postgres {
            return Err(StoreError::Corrupt(
                "a PostgreSQL transaction on another database".into(),
            ));
        }
        let txn = db
            .get_postgres_connection_pool()
            .begin()
            .await
            .map_err(|e| StoreError::from(DbErr::Conn(RuntimeErr::SqlxError(Arc::new(e)))))?;
        Ok(PgTxn(Mutex::new(txn)))
    }

    /// Commits.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.0
            .into_inner()
            .commit()
            .await
            .map_err(|e| exec_err(e).into())
    }

    /// Rolls back.
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.0
            .into_inner()
            .rollback()
            .await
            .map_err(|e| exec_err(e).into())
    }

    /// Runs `statement` (`COPY "t" (…) FROM STDIN`) with `data` in COPY's text format (see
    /// [`copy_field`]); answers the rows copied.
    pub async fn copy_in(&self, statement: &str, data: Vec<u8>) -> Result<u64, StoreError> {
        let mut txn = self.0.lock().await;
        let mut copy = txn.copy_in_raw(statement).await.map_err(exec_err)?;
        if let Err(e) = copy.send(data).await {
            let _ = copy.abort(e.to_string()).await;
            return Err(exec_err(e).into());
        }
        Ok(copy.finish().await.map_err(exec_err)?)
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for PgTxn {
    fn get_database_backend(&self) -> DbBackend {
        DbBackend::Postgres
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        let mut txn = self.0.lock().await;
        query(&stmt)
            .execute(&mut **txn)
            .await
            .map(ExecResult::from)
            .map_err(exec_err)
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        let mut txn = self.0.lock().await;
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut **txn)
            .await
            .map(ExecResult::from)
            .map_err(exec_err)
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let mut txn = self.0.lock().await;
        query(&stmt)
            .fetch_optional(&mut **txn)
            .await
            .map(|row| row.map(QueryResult::from))
            .map_err(query_err)
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let mut txn = self.0.lock().await;
        query(&stmt)
            .fetch_all(&mut **txn)
            .await
            .map(|rows| rows.into_iter().map(QueryResult::from).collect())
            .map_err(query_err)
    }
}

/// Appends one value to a row of COPY's text format: `\N` for NULL, backslash, tab, newline and
/// carriage return escaped. Only the kinds of value the ledger writes are known.
pub fn copy_field(out: &mut Vec<u8>, value: &Value) -> Result<(), StoreError> {
    use std::io::Write as _;
    let text = |out: &mut Vec<u8>, s: &str| {
        for b in s.bytes() {
            match b {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                _ => out.push(b),
            }
        }
    };
    match value {
        Value::String(Some(s)) => text(out, s),
        Value::BigInt(Some(n)) => {
            let _ = write!(out, "{n}");
        }
        Value::Int(Some(n)) => {
            let _ = write!(out, "{n}");
        }
        Value::Double(Some(f)) if f.is_finite() => {
            let _ = write!(out, "{f}");
        }
        Value::Bool(Some(b)) => out.push(if *b { b't' } else { b'f' }),
        Value::ChronoDateTimeUtc(Some(t)) => {
            let _ = write!(
                out,
                "{}",
                t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            );
        }
        Value::String(None)
        | Value::BigInt(None)
        | Value::Int(None)
        | Value::Double(None)
        | Value::Bool(None)
        | Value::ChronoDateTimeUtc(None) => out.extend_from_slice(b"\\N"),
        other => {
            return Err(StoreError::Corrupt(format!(
                "a value COPY does not write: {other:?}"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn copy_fields_escape_what_the_text_format_reserves() {
        let mut out = Vec::new();
        for v in [
            Value::String(Some("a\tb\\c\nd\re 中".into())),
            Value::String(None),
            Value::BigInt(Some(-42)),
            Value::Double(Some(2.5)),
            Value::Bool(Some(true)),
        ] {
            copy_field(&mut out, &v).unwrap();
            out.push(b'|');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a\\tb\\\\c\\nd\\re 中|\\N|-42|2.5|t|"
        );
        let t = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 11, 20, 2, 0, 0).unwrap();
        let mut out = Vec::new();
        copy_field(&mut out, &Value::ChronoDateTimeUtc(Some(t))).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "2026-11-20T02:00:00Z");
        assert!(copy_field(&mut Vec::new(), &Value::Double(Some(f64::NAN))).is_err());
    }
}

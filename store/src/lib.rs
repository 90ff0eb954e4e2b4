//! Persistence for Suyuan: connecting to SQLite or PostgreSQL, the entities, every query on
//! tenant data, the hash-chained ledger, the one durable queue, and the CSV bulk import.
//!
//! Handlers never build queries on tenant tables themselves. They call the helpers here, which
//! take the caller's scope (a [`SellerId`](suyuan_core::ids::SellerId) or a
//! [`Jurisdiction`](suyuan_core::division::Jurisdiction)) as their first argument and filter by it,
//! so no code path can read another seller's rows.

pub mod accounts;
pub mod analytics;
pub mod analytics_export;
pub mod corrections;
pub mod dashboards;
pub mod db;
pub mod entity;
pub mod flags;
pub mod import;
pub mod inbox;
pub mod ledger;
pub mod listings;
pub mod mail_recipients;
pub mod offline;
pub mod operators;
pub mod overviews;
pub mod pg;
pub mod queue;
pub mod recall_trace;
pub mod recalls;
pub mod receipts;
pub mod sales;
pub mod scans;
pub mod scope;
pub mod sealed;
pub mod shop_cache;
pub mod shops;
pub mod standing;
pub mod stock;
pub mod submissions;
pub mod tenants;
pub mod trace;
pub mod transfers;
pub mod writer;

pub use db::{Backend, connect};

/// A pool of connections to the database (SQLite or PostgreSQL): what callers outside this
/// crate hold and hand to its functions, without naming the ORM.
pub type Db = sea_orm::DatabaseConnection;
pub use scope::{JurisdictionScoped, SellerScoped};

/// A pool of connections to the database: what callers hold and pass to this crate's functions,
/// without naming the database library themselves.
pub use sea_orm::DatabaseConnection;
/// A transaction of this crate's (for example [`inbox::Applying::txn`]), passed on to its
/// functions that take any connection.
pub use sea_orm::DatabaseTransaction;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row that should exist does not (or is outside the caller's scope).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique value is already taken.
    #[error("{field} `{value}` is already registered")]
    Duplicate {
        /// The field.
        field: &'static str,
        /// The value.
        value: String,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
    /// Input the domain refuses (English, Chinese).
    #[error("{0}")]
    Invalid(String, String),
    /// Stored data that does not parse (a bug or a direct edit).
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
    /// The row is not in a state that allows this (answered as a conflict).
    #[error("{detail_en}")]
    State {
        /// Stable slug for the problem type.
        slug: &'static str,
        /// Chinese detail.
        detail_zh: String,
        /// English detail.
        detail_en: String,
    },
}

impl StoreError {
    /// True when the database could not be reached (refused or cut connections, a pool that
    /// timed out, a server shutting down or not yet accepting): the request may be sent again
    /// later and nothing of it was stored. Answered as 503, never as a bug.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Db(e) => is_unreachable(e),
            _ => false,
        }
    }
}

/// True when a database error means the database could not be reached, rather than that the
/// statement failed: see [`StoreError::is_unavailable`].
pub fn is_unreachable(err: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{DbErr, RuntimeErr};
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match e.as_ref() {
                Sqlx::Io(_)
                | Sqlx::Tls(_)
                | Sqlx::Protocol(_)
                | Sqlx::PoolTimedOut
                | Sqlx::PoolClosed
                | Sqlx::WorkerCrashed => true,
                // PostgreSQL: class 08 (connection exception), the server shutting down
                // (57P01-02) or not accepting connections yet (57P03).
                Sqlx::Database(d) => d.code().is_some_and(|c| {
                    c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03")
                }),
                _ => false,
            }
        }
        _ => false,
    }
}

/// True when a database error is a unique-constraint violation.
pub fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// `?` placeholders as the backend wants them (`$1`, `$2`... on PostgreSQL), for the few
/// queries written as SQL text.
pub(crate) fn placeholders(backend: sea_orm::DbBackend, sql: &str) -> String {
    if backend != sea_orm::DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod unreachable_tests {
    use super::*;
    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};
    use std::sync::Arc;

    fn sqlx(e: Sqlx) -> RuntimeErr {
        RuntimeErr::SqlxError(Arc::new(e))
    }

    #[test]
    fn a_database_out_of_reach_is_told_from_a_statement_that_failed() {
        let refused = || std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        for unreachable in [
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            DbErr::Conn(sqlx(Sqlx::Io(refused()))),
            DbErr::Exec(sqlx(Sqlx::Io(refused()))),
            DbErr::Query(sqlx(Sqlx::PoolTimedOut)),
            DbErr::Query(sqlx(Sqlx::Protocol("unexpected end".into()))),
        ] {
            assert!(is_unreachable(&unreachable), "{unreachable:?}");
            assert!(StoreError::Db(unreachable).is_unavailable());
        }
        for failed in [
            DbErr::RecordNotFound("seller".into()),
            DbErr::Query(sqlx(Sqlx::RowNotFound)),
            DbErr::Exec(sqlx(Sqlx::ColumnNotFound("x".into()))),
            DbErr::Custom("bad".into()),
        ] {
            assert!(!is_unreachable(&failed), "{failed:?}");
        }
        assert!(!StoreError::NotFound("seller").is_unavailable());
    }
}

//! Import runs: a CSV import that can be sent again without adding anything twice.
//!
//! Each (seller, kind, file) has one row in `import_runs`, the file named by the SHA-256 of its
//! bytes. An import takes the row (a lease: a holder of its own and a time it holds until)
//! before it stores anything, and every transaction that stores rows also moves the row's
//! `stored_through` to the last spreadsheet row it stored ([`mark`]), so what the row says
//! and what is stored can never disagree. When the service is stopped in the middle (a crash,
//! a kill, a deploy), the lease runs out; the same file sent again goes on after the last
//! stored row ([`Begun::Go`] with `stored_through > 0`). A file imported to its end is not
//! imported again unless asked ([`Begun::Finished`]); while another upload of the same file is
//! being stored, a second one waits ([`Begun::Busy`]). A mark by a holder whose lease was taken
//! over fails, and its transaction with it: two imports of one file never both store a row.

use super::ImportKind;
use crate::{StoreError, placeholders};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, Statement, Value};
use suyuan_core::ids::SellerId;

/// How long an import holds its file without storing anything before another upload of the
/// same file may take over (each stored chunk or row renews it).
pub const LEASE: Duration = Duration::seconds(30);

/// An import run this process holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Run {
    /// The run's id.
    pub id: String,
    /// This import's own holder id (the lease).
    pub holder: String,
    /// The last spreadsheet row an earlier import of this file stored (0: none): rows up to it
    /// are not stored again.
    pub stored_through: usize,
    /// Rows that earlier import stored.
    pub imported_before: usize,
}

/// What [`begin`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Begun {
    /// Store the rows after `run.stored_through`.
    Go(Run),
    /// This file was imported to its end before (and `again` was not asked).
    Finished {
        /// When.
        finished_at: DateTime<Utc>,
        /// Rows it imported.
        imported: usize,
    },
    /// Another upload of this file is being stored now.
    Busy {
        /// Seconds until its lease runs out.
        retry_after: u64,
    },
}

fn statement<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: impl IntoIterator<Item = Value>,
) -> Statement {
    let backend = db.get_database_backend();
    Statement::from_sql_and_values(backend, placeholders(backend, sql), values)
}

fn count(v: i64) -> usize {
    usize::try_from(v).unwrap_or(0)
}

/// Takes the run of `seller`'s file `sha256` (hex) of `kind` for a new import at `now`; with
/// `again`, a finished file is imported once more, from its first row.
pub async fn begin<C: ConnectionTrait>(
    db: &C,
    seller: &SellerId,
    kind: ImportKind,
    sha256: &str,
    again: bool,
    now: DateTime<Utc>,
) -> Result<Begun, StoreError> {
    let holder = ulid::Ulid::new().to_string();
    let id = format!("imp_{}", ulid::Ulid::new());
    let inserted = db
        .execute_raw(statement(
            db,
            "INSERT INTO import_runs (id, seller_id, kind, file_sha256, status, stored_through, \
             imported, holder, leased_until, started_at, updated_at) \
             VALUES (?, ?, ?, ?, 'running', 0, 0, ?, ?, ?, ?) \
             ON CONFLICT (seller_id, kind, file_sha256) DO NOTHING",
            [
                Value::from(id.clone()),
                Value::from(seller.as_str()),
                Value::from(kind.as_str()),
                Value::from(sha256),
                Value::from(holder.clone()),
                Value::from(now + LEASE),
                Value::from(now),
                Value::from(now),
            ],
        ))
        .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Begun::Go(Run {
            id,
            holder,
            stored_through: 0,
            imported_before: 0,
        }));
    }
    let row = db
        .query_one_raw(statement(
            db,
            "SELECT id, status, leased_until, finished_at, imported FROM import_runs \
             WHERE seller_id = ? AND kind = ? AND file_sha256 = ?",
            [
                Value::from(seller.as_str()),
                Value::from(kind.as_str()),
                Value::from(sha256),
            ],
        ))
        .await?
        .ok_or(StoreError::NotFound("import run"))?;
    let id: String = row.try_get("", "id")?;
    let status: String = row.try_get("", "status")?;
    let leased_until: Option<DateTime<Utc>> = row.try_get("", "leased_until")?;
    let finished_at: Option<DateTime<Utc>> = row.try_get("", "finished_at")?;
    let imported: i64 = row.try_get("", "imported")?;
    let busy = |until: DateTime<Utc>| Begun::Busy {
        retry_after: u64::try_from((until - now).num_seconds())
            .unwrap_or(0)
            .max(1),
    };
    match (status.as_str(), finished_at) {
        ("finished", Some(at)) if !again => {
            return Ok(Begun::Finished {
                finished_at: at,
                imported: count(imported),
            });
        }
        ("running", _) => {
            if let Some(until) = leased_until.filter(|u| *u > now) {
                return Ok(busy(until));
            }
        }
        _ => {}
    }
    // Taken over in one statement: a finished run starts again from its first row, a run whose
    // holder is gone goes on after its last stored row. Another upload racing for it loses.
    let taken = db
        .execute_raw(statement(
            db,
            "UPDATE import_runs SET holder = ?, leased_until = ?, updated_at = ?, \
             stored_through = CASE WHEN status = 'finished' THEN 0 ELSE stored_through END, \
             imported = CASE WHEN status = 'finished' THEN 0 ELSE imported END, \
             started_at = CASE WHEN status = 'finished' THEN ? ELSE started_at END, \
             finished_at = NULL, status = 'running' \
             WHERE id = ? AND NOT (status = 'running' AND leased_until IS NOT NULL AND leased_until > ?)",
            [
                Value::from(holder.clone()),
                Value::from(now + LEASE),
                Value::from(now),
                Value::from(now),
                Value::from(id.clone()),
                Value::from(now),
            ],
        ))
        .await?;
    if taken.rows_affected() != 1 {
        return Ok(busy(now + LEASE));
    }
    let row = db
        .query_one_raw(statement(
            db,
            "SELECT stored_through, imported FROM import_runs WHERE id = ?",
            [Value::from(id.clone())],
        ))
        .await?
        .ok_or(StoreError::NotFound("import run"))?;
    let stored_through: i64 = row.try_get("", "stored_through")?;
    let imported: i64 = row.try_get("", "imported")?;
    Ok(Begun::Go(Run {
        id,
        holder,
        stored_through: count(stored_through),
        imported_before: count(imported),
    }))
}

/// In the transaction that stores rows up to spreadsheet row `through` (`imported` of them):
/// moves the run on and renews its lease. Fails (and so must the transaction) when the lease
/// was taken over by another import of the same file.
pub async fn mark<C: ConnectionTrait>(
    txn: &C,
    run: &Run,
    through: usize,
    imported: usize,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let done = txn
        .execute_raw(statement(
            txn,
            "UPDATE import_runs SET stored_through = ?, imported = imported + ?, leased_until = ?, \
             updated_at = ? WHERE id = ? AND holder = ?",
            [
                Value::from(i64::try_from(through).unwrap_or(i64::MAX)),
                Value::from(i64::try_from(imported).unwrap_or(i64::MAX)),
                Value::from(now + LEASE),
                Value::from(now),
                Value::from(run.id.as_str()),
                Value::from(run.holder.as_str()),
            ],
        ))
        .await?;
    if done.rows_affected() != 1 {
        return Err(taken_over());
    }
    Ok(())
}

/// Renews the lease while rows are only read (refused, or stored by the earlier import).
pub async fn renew<C: ConnectionTrait>(
    db: &C,
    run: &Run,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let done = db
        .execute_raw(statement(
            db,
            "UPDATE import_runs SET leased_until = ?, updated_at = ? WHERE id = ? AND holder = ?",
            [
                Value::from(now + LEASE),
                Value::from(now),
                Value::from(run.id.as_str()),
                Value::from(run.holder.as_str()),
            ],
        ))
        .await?;
    if done.rows_affected() != 1 {
        return Err(taken_over());
    }
    Ok(())
}

/// The file was read to its end and its rows stored: the same file is not imported again
/// unless asked.
pub async fn finish<C: ConnectionTrait>(
    db: &C,
    run: &Run,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    db.execute_raw(statement(
        db,
        "UPDATE import_runs SET status = 'finished', finished_at = ?, updated_at = ?, \
         holder = NULL, leased_until = NULL WHERE id = ? AND holder = ?",
        [
            Value::from(now),
            Value::from(now),
            Value::from(run.id.as_str()),
            Value::from(run.holder.as_str()),
        ],
    ))
    .await?;
    Ok(())
}

/// The import stopped before its end (the file failed part-way, the database went away) or
/// stored nothing: the lease is given back at once, and the same file sent again goes on after
/// the last stored row.
pub async fn release<C: ConnectionTrait>(
    db: &C,
    run: &Run,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    db.execute_raw(statement(
        db,
        "UPDATE import_runs SET holder = NULL, leased_until = NULL, updated_at = ? \
         WHERE id = ? AND holder = ?",
        [
            Value::from(now),
            Value::from(run.id.as_str()),
            Value::from(run.holder.as_str()),
        ],
    ))
    .await?;
    Ok(())
}

fn taken_over() -> StoreError {
    StoreError::State {
        slug: "import-taken-over",
        detail_zh: "此文件的导入已由另一次上传接手，本次导入已停止".into(),
        detail_en: "another upload of this file took its import over; this one stopped".into(),
    }
}

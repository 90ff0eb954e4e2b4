//! Opening the database: SQLite in WAL mode (the embedded default) or PostgreSQL.

use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// Which engine a connection talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (embedded).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The engine a URL names.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }
}

/// The page size of a new SQLite database. Trace events are 1.5 to 2 KiB each (the canonical
/// EPCIS document and its columns): 8 KiB pages hold them with less waste than SQLite's default
/// 4 KiB (a CSV import of 100,000 receipts takes 15% less disk and writes faster). A database
/// keeps the page size it was created with.
const PAGE_SIZE: u32 = 8192;

/// Opens a pool on `url`. SQLite gets WAL, `synchronous=NORMAL`, foreign keys, a busy timeout
/// and, when the file is new, [`PAGE_SIZE`]; PostgreSQL a pool sized for a small service.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.sqlx_logging(false)
        .acquire_timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(10));
    match Backend::of_url(url) {
        Backend::Sqlite => {
            opts.max_connections(8)
                .min_connections(1)
                .map_sqlx_sqlite_opts(|o| {
                    o.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(10))
                        .foreign_keys(true)
                        .page_size(PAGE_SIZE)
                });
        }
        Backend::Postgres => {
            opts.max_connections(16).min_connections(1);
        }
    }
    Database::connect(opts).await
}

/// The pool to use after migrating `db` (opened from `url`): on SQLite a fresh pool, because a
/// connection that read the schema before another connection altered a table can prepare a
/// statement (`RETURNING *`) against the old columns, and the driver then reads its rows with
/// the old column count. On PostgreSQL the same pool.
pub async fn reopen_after_migration(
    db: DatabaseConnection,
    url: &str,
) -> Result<DatabaseConnection, DbErr> {
    match Backend::of_url(url) {
        Backend::Sqlite => {
            db.close().await?;
            connect(url).await
        }
        Backend::Postgres => Ok(db),
    }
}

/// A connection of its own for a long bulk write (a CSV import) on SQLite.
///
/// SQLite normally checkpoints at commit, on the committing connection: with a large write,
/// every commit then also copies the write-ahead log into the database file, and the writer
/// waits for it. A bulk writer turns that off on its own connection (with a 32 MiB page cache,
/// so index pages stay in memory) and instead asks a connection of the shared pool, running on
/// another thread, to checkpoint after each commit: copying and writing proceed side by side.
/// [`BulkWriter::finish`] checkpoints what is left and closes the connection; a writer dropped
/// without it (an import that failed) still stops its checkpointer and closes.
///
/// On PostgreSQL there is nothing to gain: [`BulkWriter::open`] gives `None` and the caller
/// writes through the shared pool.
pub struct BulkWriter {
    conn: DatabaseConnection,
    shared: DatabaseConnection,
    committed: std::sync::Arc<tokio::sync::Notify>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    checkpointer: Option<tokio::task::JoinHandle<()>>,
}

/// The statement the checkpointer runs: copy what it can, never wait for readers or writers.
const CHECKPOINT: &str = "PRAGMA wal_checkpoint(PASSIVE)";

impl BulkWriter {
    /// Opens a writer beside `db`'s pool, on SQLite.
    pub async fn open(db: &DatabaseConnection) -> Result<Option<BulkWriter>, DbErr> {
        if db.get_database_backend() != sea_orm::DbBackend::Sqlite {
            return Ok(None);
        }
        let options = (*db.get_sqlite_connection_pool().connect_options())
            .clone()
            .pragma("wal_autocheckpoint", "0")
            .pragma("cache_size", "-32768");
        let pool = sea_orm::sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(options)
            .await
            .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
        let conn = sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool);
        let committed = std::sync::Arc::new(tokio::sync::Notify::new());
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let checkpointer = {
            let (shared, committed) = (db.clone(), committed.clone());
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = committed.notified() => {}
                        _ = &mut stopped => break,
                    }
                    if let Err(e) = shared.execute_unprepared(CHECKPOINT).await {
                        tracing::warn!(error = %e, "checkpoint during a bulk write failed");
                    }
                }
            })
        };
        Ok(Some(BulkWriter {
            conn,
            shared: db.clone(),
            committed,
            stop: Some(stop),
            checkpointer: Some(checkpointer),
        }))
    }

    /// The writer's connection.
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Tells the checkpointer a transaction was committed.
    pub fn committed(&self) {
        self.committed.notify_one();
    }

    /// Stops the checkpointer, checkpoints what is left and closes the writer's connection.
    pub async fn finish(mut self) -> Result<(), DbErr> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.checkpointer.take() {
            let _ = task.await;
        }
        self.shared.execute_unprepared(CHECKPOINT).await?;
        self.conn.clone().close().await
    }
}

impl Drop for BulkWriter {
    fn drop(&mut self) {
        if let Some(task) = self.checkpointer.take() {
            task.abort();
        }
    }
}

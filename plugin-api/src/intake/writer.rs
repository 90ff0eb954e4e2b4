//! Group commit for the inbox: receivers hand their delivery to one writer task, which inserts
//! everything waiting in one transaction and answers each receiver once it is committed.

use sea_orm::DatabaseConnection;
use suyuan_core::store::inbox::{self, NewDelivery};
use tokio::sync::{Notify, mpsc, oneshot};

/// Queues the in-process writers of an SQLite database (one write lock) first in, first out.
/// On PostgreSQL it does nothing.
#[derive(Clone, Default)]
pub struct WriteGate(Option<std::sync::Arc<tokio::sync::Mutex<()>>>);

impl WriteGate {
    /// A gate for this backend.
    pub fn for_backend(backend: sea_orm::DbBackend) -> WriteGate {
        if backend == sea_orm::DbBackend::Sqlite {
            WriteGate(Some(std::sync::Arc::new(tokio::sync::Mutex::new(()))))
        } else {
            WriteGate(None)
        }
    }

    /// Waits for this writer's turn; the turn lasts as long as the guard.
    pub async fn enter(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.0 {
            Some(m) => Some(m.lock().await),
            None => None,
        }
    }
}

/// The most deliveries one transaction takes.
pub const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<Result<bool, String>>;

/// A handle to the writer task.
#[derive(Clone)]
pub struct InboxWriter {
    tx: mpsc::Sender<(NewDelivery, Reply)>,
}

impl InboxWriter {
    /// Starts the writer task; `committed` is notified after each commit (the worker listens).
    /// On SQLite, `gate` queues this writer fairly with the worker (SQLite's own busy handler
    /// sleeps, and would starve whichever writer waits).
    pub fn spawn(
        db: DatabaseConnection,
        committed: std::sync::Arc<Notify>,
        gate: WriteGate,
    ) -> InboxWriter {
        let (tx, mut rx) = mpsc::channel::<(NewDelivery, Reply)>(MAX_BATCH * 8);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(MAX_BATCH);
            while let Some(first) = rx.recv().await {
                batch.push(first);
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(item) => batch.push(item),
                        Err(_) => break,
                    }
                }
                let (deliveries, replies): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
                let written = {
                    let _turn = gate.enter().await;
                    inbox::insert_batch(&db, &deliveries).await
                };
                match written {
                    Ok(fresh) => {
                        committed.notify_one();
                        for (reply, new) in replies.into_iter().zip(fresh) {
                            let _ = reply.send(Ok(new));
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, count = deliveries.len(), "inbox write failed");
                        for reply in replies {
                            let _ = reply.send(Err(e.to_string()));
                        }
                    }
                }
            }
        });
        InboxWriter { tx }
    }

    /// Stores a delivery; returns once it is committed (`true` if it was new).
    pub async fn store(&self, delivery: NewDelivery) -> Result<bool, String> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((delivery, reply))
            .await
            .map_err(|_| "inbox writer stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "inbox writer stopped".to_owned())?
    }
}

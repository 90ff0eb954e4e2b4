//! Group commit for the inbox: receivers hand their delivery to one writer task, which inserts
//! everything waiting in one transaction and answers each receiver once it is committed.

use crate::inbox::{self, NewDelivery};
use sea_orm::DatabaseConnection;
use tokio::sync::{Notify, mpsc, oneshot};

/// Queues the in-process writers of an SQLite database (one write lock). The receivers' inbox
/// writer goes first: a delivery is acknowledged as soon as it is stored, and the worker applies
/// it when the receivers leave room (or, at the latest, after [`MAX_DEFER`], so it is never
/// starved). On PostgreSQL it does nothing.
#[derive(Clone, Default)]
pub struct WriteGate(Option<std::sync::Arc<GateInner>>);

struct GateInner {
    lock: tokio::sync::Mutex<()>,
    urgent_waiting: std::sync::atomic::AtomicUsize,
    /// When an urgent writer last took its turn (ms since `epoch`).
    last_urgent_ms: std::sync::atomic::AtomicU64,
    epoch: std::time::Instant,
}

impl Default for GateInner {
    fn default() -> Self {
        GateInner {
            lock: tokio::sync::Mutex::new(()),
            urgent_waiting: std::sync::atomic::AtomicUsize::new(0),
            last_urgent_ms: std::sync::atomic::AtomicU64::new(0),
            epoch: std::time::Instant::now(),
        }
    }
}

impl GateInner {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// Receivers count as busy this long after their last write.
const URGENT_QUIET: u64 = 20;

/// How long background work may be deferred in favour of the receivers.
pub const MAX_DEFER: std::time::Duration = std::time::Duration::from_millis(250);

impl WriteGate {
    /// A gate for the database behind `db`.
    pub fn for_db(db: &crate::Db) -> WriteGate {
        Self::for_backend(sea_orm::ConnectionTrait::get_database_backend(db))
    }

    /// A gate for this backend.
    pub fn for_backend(backend: sea_orm::DbBackend) -> WriteGate {
        if backend == sea_orm::DbBackend::Sqlite {
            WriteGate(Some(std::sync::Arc::default()))
        } else {
            WriteGate(None)
        }
    }

    /// Waits for an urgent turn (storing deliveries); the turn lasts as long as the guard.
    pub async fn enter(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        use std::sync::atomic::Ordering;
        let inner = self.0.as_ref()?;
        inner.urgent_waiting.fetch_add(1, Ordering::SeqCst);
        let guard = inner.lock.lock().await;
        inner.urgent_waiting.fetch_sub(1, Ordering::SeqCst);
        inner
            .last_urgent_ms
            .store(inner.now_ms().max(1), Ordering::SeqCst);
        Some(guard)
    }

    /// Waits for a background turn: while the receivers are busy (waiting, or wrote in the
    /// last 20 ms) it defers to them, but not longer than [`MAX_DEFER`].
    pub async fn enter_background(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        use std::sync::atomic::Ordering;
        let inner = self.0.as_ref()?;
        let started = std::time::Instant::now();
        let busy = || {
            let last = inner.last_urgent_ms.load(Ordering::SeqCst);
            inner.urgent_waiting.load(Ordering::SeqCst) > 0
                || (last > 0 && inner.now_ms().saturating_sub(last) < URGENT_QUIET)
        };
        while busy() && started.elapsed() < MAX_DEFER {
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
        Some(inner.lock.lock().await)
    }
}

/// The most deliveries one transaction takes.
pub const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<Result<bool, String>>;

/// A handle to the writer tasks (one on SQLite, which has one write lock; several on
/// PostgreSQL, where batches commit in parallel).
#[derive(Clone)]
pub struct InboxWriter {
    txs: std::sync::Arc<Vec<mpsc::Sender<(NewDelivery, Reply)>>>,
    next: std::sync::Arc<std::sync::atomic::AtomicUsize>,
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
        let writers =
            if sea_orm::ConnectionTrait::get_database_backend(&db) == sea_orm::DbBackend::Sqlite {
                1
            } else {
                4
            };
        let txs = (0..writers)
            .map(|_| Self::spawn_one(db.clone(), committed.clone(), gate.clone()))
            .collect();
        InboxWriter {
            txs: std::sync::Arc::new(txs),
            next: std::sync::Arc::default(),
        }
    }

    fn spawn_one(
        db: DatabaseConnection,
        committed: std::sync::Arc<Notify>,
        gate: WriteGate,
    ) -> mpsc::Sender<(NewDelivery, Reply)> {
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
        tx
    }

    /// Stores a delivery; returns once it is committed (`true` if it was new).
    pub async fn store(&self, delivery: NewDelivery) -> Result<bool, String> {
        let (reply, answer) = oneshot::channel();
        let i =
            self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % self.txs.len().max(1);
        let tx = self
            .txs
            .get(i)
            .ok_or_else(|| "inbox writer stopped".to_owned())?;
        tx.send((delivery, reply))
            .await
            .map_err(|_| "inbox writer stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "inbox writer stopped".to_owned())?
    }
}

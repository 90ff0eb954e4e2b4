//! Anonymous scan counting off the request path: each view of a trace page queues the code and
//! the time, and a background task writes them in batches (one statement per batch), so a busy
//! page does not cost a database write per view. Pending scans are at most a second old.

use crate::Db;
use chrono::{DateTime, Utc};
use suyuan_core::codes::TraceCode;
use tokio::sync::mpsc;

/// Queues scans for the writer.
#[derive(Clone)]
pub struct ScanRecorder {
    tx: mpsc::Sender<(TraceCode, DateTime<Utc>)>,
    pending: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, u64>>>,
}

impl ScanRecorder {
    /// Starts the writer task.
    pub fn spawn(db: Db, gate: crate::writer::WriteGate) -> ScanRecorder {
        let (tx, mut rx) = mpsc::channel::<(TraceCode, DateTime<Utc>)>(65_536);
        let pending: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, u64>>> =
            std::sync::Arc::default();
        let flushed = pending.clone();
        tokio::spawn(async move {
            let mut batch = Vec::new();
            while let Some(first) = rx.recv().await {
                batch.push(first);
                // Let a burst gather for a moment, then write it at once.
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                while let Ok(more) = rx.try_recv() {
                    batch.push(more);
                    if batch.len() >= 10_000 {
                        break;
                    }
                }
                let _turn = gate.enter_background().await;
                if let Err(e) = crate::trace::record_scans(&db, &batch).await {
                    tracing::warn!(error = %e, count = batch.len(), "scan counts not written");
                }
                if let Ok(mut map) = flushed.lock() {
                    for (code, _) in &batch {
                        let key = code.to_string();
                        if let Some(n) = map.get_mut(&key) {
                            *n = n.saturating_sub(1);
                            if *n == 0 {
                                map.remove(&key);
                            }
                        }
                    }
                }
                batch.clear();
            }
        });
        ScanRecorder { tx, pending }
    }

    /// Scans of this code queued but not yet written.
    pub fn pending(&self, code: &TraceCode) -> u64 {
        self.pending
            .lock()
            .ok()
            .and_then(|m| m.get(&code.to_string()).copied())
            .unwrap_or(0)
    }

    /// Counts one view (dropped, with a warning, if the queue is full).
    pub fn record(&self, code: &TraceCode) {
        if self.tx.try_send((code.clone(), Utc::now())).is_err() {
            tracing::warn!("scan queue full: a scan was not counted");
            return;
        }
        if let Ok(mut map) = self.pending.lock() {
            *map.entry(code.to_string()).or_default() += 1;
        }
    }
}

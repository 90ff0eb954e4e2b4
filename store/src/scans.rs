//! Anonymous scan counting off the request path: a view of a registered code's trace page queues
//! the code and the time, and a background task writes them in batches (one statement per
//! batch), so a busy page does not cost a database write per view. Pending scans are at most a
//! second old.
//!
//! A client's views of one code count once per [`SCAN_PERIOD`], so reloading a page in a loop
//! does not raise "times scanned" (an authenticity hint). Clients are told apart by address;
//! the memory of who scanned what is per process and bounded.

use crate::Db;
use chrono::{DateTime, Utc};
use suyuan_core::codes::TraceCode;
use tokio::sync::mpsc;

/// How long one client's views of one code count as one scan.
pub const SCAN_PERIOD: chrono::Duration = chrono::Duration::hours(1);

/// The most (code, client) pairs remembered; past it, pairs older than [`SCAN_PERIOD`] are
/// forgotten, and if none are, the oldest half.
const SEEN_LIMIT: usize = 100_000;

type Seen = std::collections::HashMap<(String, std::net::IpAddr), DateTime<Utc>>;

/// Queues scans for the writer.
#[derive(Clone)]
pub struct ScanRecorder {
    tx: mpsc::Sender<(TraceCode, DateTime<Utc>)>,
    pending: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, u64>>>,
    counted: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, u64>>>,
    seen: std::sync::Arc<std::sync::Mutex<Seen>>,
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
        ScanRecorder {
            tx,
            pending,
            counted: std::sync::Arc::default(),
            seen: std::sync::Arc::default(),
        }
    }

    /// Scans of this code queued but not yet written.
    pub fn pending(&self, code: &TraceCode) -> u64 {
        self.pending
            .lock()
            .ok()
            .and_then(|m| m.get(&code.to_string()).copied())
            .unwrap_or(0)
    }

    /// Scans of this code this process has counted since it started (queued or written): a page
    /// that cached the stored count adds those counted after it (the memory is bounded: past
    /// [`SEEN_LIMIT`] codes it starts again, and a cached page is then short for its few seconds).
    pub fn counted(&self, code: &TraceCode) -> u64 {
        self.counted
            .lock()
            .ok()
            .and_then(|m| m.get(&code.to_string()).copied())
            .unwrap_or(0)
    }

    /// Counts a view of `code` by `client` at `now`, unless that client's view of it was
    /// counted less than [`SCAN_PERIOD`] ago (dropped, with a warning, if the queue is full).
    /// Returns whether it counted.
    pub fn record(&self, code: &TraceCode, client: std::net::IpAddr, now: DateTime<Utc>) -> bool {
        let key = (code.to_string(), client);
        if let Ok(mut seen) = self.seen.lock() {
            if seen.get(&key).is_some_and(|t| now - *t < SCAN_PERIOD) {
                return false;
            }
            if seen.len() >= SEEN_LIMIT {
                forget_old(&mut seen, now);
            }
            seen.insert(key, now);
        }
        if self.tx.try_send((code.clone(), now)).is_err() {
            tracing::warn!("scan queue full: a scan was not counted");
            return false;
        }
        if let Ok(mut map) = self.pending.lock() {
            *map.entry(code.to_string()).or_default() += 1;
        }
        if let Ok(mut map) = self.counted.lock() {
            if map.len() >= SEEN_LIMIT {
                map.clear();
            }
            *map.entry(code.to_string()).or_default() += 1;
        }
        true
    }
}

/// Forgets the pairs older than [`SCAN_PERIOD`]; if that frees nothing, the oldest half.
fn forget_old(seen: &mut Seen, now: DateTime<Utc>) {
    seen.retain(|_, t| now - *t < SCAN_PERIOD);
    if seen.len() >= SEEN_LIMIT {
        let mut times: Vec<DateTime<Utc>> = seen.values().copied().collect();
        times.sort_unstable();
        let cut = times[times.len() / 2];
        seen.retain(|_, t| *t > cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgetting_keeps_the_recent_pairs() {
        let now = DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let mut seen = Seen::new();
        let ip: std::net::IpAddr = [203, 0, 113, 1].into();
        seen.insert(("old".into(), ip), now - chrono::Duration::hours(2));
        seen.insert(("new".into(), ip), now - chrono::Duration::minutes(5));
        forget_old(&mut seen, now);
        assert!(seen.contains_key(&("new".into(), ip)));
        assert!(!seen.contains_key(&("old".into(), ip)));
    }
}

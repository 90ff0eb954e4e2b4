//! Keeping claims alive while their worker works on them.
//!
//! A claim's lease says how long a worker may hold a job before another takes it over; the
//! lease is what brings back the jobs of a worker that died. Without renewal it must outlast
//! the slowest job (a relay's or a platform's longest timeout times a batch), and a crash then
//! holds the jobs it had for that long. With a [`Heartbeat`], a live worker renews the leases of
//! what it holds every few seconds, so leases can be short (a minute) and a dead worker's jobs
//! come back a minute after it died, however slow the jobs are.

use super::Claim;
use crate::StoreError;
use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// Renews the leases of the claims it holds, every `every`, until dropped.
pub struct Heartbeat {
    held: Arc<Mutex<HashSet<Claim>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Heartbeat {
    /// Starts renewing: every `every`, `renew` is given the claims held (when there are any)
    /// and moves their leases on (`Queue::extend`).
    pub fn start<F, Fut>(every: std::time::Duration, renew: F) -> Heartbeat
    where
        F: Fn(Vec<Claim>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<u64, StoreError>> + Send + 'static,
    {
        let held: Arc<Mutex<HashSet<Claim>>> = Arc::default();
        let task = {
            let held = held.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let claims: Vec<Claim> = match held.lock() {
                        Ok(h) => h.iter().copied().collect(),
                        Err(_) => return,
                    };
                    if claims.is_empty() {
                        continue;
                    }
                    if let Err(e) = renew(claims).await {
                        tracing::warn!(error = %e, "could not renew the leases of claimed jobs");
                    }
                }
            })
        };
        Heartbeat { held, task }
    }

    /// Holds these claims (renewed from now on).
    pub fn hold(&self, claims: impl IntoIterator<Item = Claim>) {
        if let Ok(mut h) = self.held.lock() {
            h.extend(claims);
        }
    }

    /// Lets a claim go (its job is finished, or handed back).
    pub fn release(&self, claim: Claim) {
        if let Ok(mut h) = self.held.lock() {
            h.remove(&claim);
        }
    }

    /// How many claims are held.
    pub fn len(&self) -> usize {
        self.held.lock().map(|h| h.len()).unwrap_or(0)
    }

    /// Whether no claim is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.task.abort();
    }
}

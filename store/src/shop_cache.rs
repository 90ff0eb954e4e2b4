//! A short-lived cache of store credentials for the receivers, so a burst of deliveries does not
//! read and decrypt the same store row for each one. Entries live a few seconds, so a change made
//! by another instance (disable, rotate) takes effect within that time; changes made here evict
//! the entry at once.

use crate::shops::ShopCredentials;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// A cached store: when it was read, and its credentials (none for an unknown store).
type CachedStore = (Instant, Option<Arc<ShopCredentials>>);

/// How long an entry is trusted.
pub const TTL: Duration = Duration::from_secs(5);

/// Cached credentials by store id (`None`: known not to be an active store).
#[derive(Default, Clone)]
pub struct ShopCache {
    inner: Arc<RwLock<HashMap<String, CachedStore>>>,
}

impl ShopCache {
    /// A fresh entry, if any.
    pub fn get(&self, id: &str) -> Option<Option<Arc<ShopCredentials>>> {
        let map = self.inner.read().ok()?;
        map.get(id)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, v)| v.clone())
    }

    /// Remembers a lookup.
    pub fn put(&self, id: &str, value: Option<Arc<ShopCredentials>>) {
        if let Ok(mut map) = self.inner.write() {
            if map.len() > 10_000 {
                map.retain(|_, (at, _)| at.elapsed() < TTL);
            }
            map.insert(id.to_owned(), (Instant::now(), value));
        }
    }

    /// Drops an entry (after a change to the store).
    pub fn forget(&self, id: &str) {
        if let Ok(mut map) = self.inner.write() {
            map.remove(id);
        }
    }
}

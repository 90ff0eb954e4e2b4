//! A small in-process cache of rendered badges, so a busy listing page does not render (or
//! query) the same badge for every visitor. Entries live a short time; a recall clears it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a rendered badge is reused.
pub const TTL: Duration = Duration::from_secs(30);

/// A rendered response.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// Strong ETag.
    pub etag: String,
    /// Content type.
    pub content_type: &'static str,
    /// The bytes.
    pub body: actix_web::web::Bytes,
}

/// Rendered badges by key.
#[derive(Clone, Default)]
pub struct BadgeCache {
    inner: Arc<RwLock<HashMap<String, (Instant, Rendered)>>>,
}

impl BadgeCache {
    /// A fresh entry.
    pub fn get(&self, key: &str) -> Option<Rendered> {
        let map = self.inner.read().ok()?;
        map.get(key)
            .filter(|(at, _)| at.elapsed() < TTL)
            .map(|(_, r)| r.clone())
    }

    /// Stores an entry.
    pub fn put(&self, key: String, value: Rendered) {
        if let Ok(mut map) = self.inner.write() {
            if map.len() > 20_000 {
                map.retain(|_, (at, _)| at.elapsed() < TTL);
            }
            map.insert(key, (Instant::now(), value));
        }
    }

    /// Forgets everything (after a recall).
    pub fn clear(&self) {
        if let Ok(mut map) = self.inner.write() {
            map.clear();
        }
    }
}

/// A cached page: when it was assembled, the view, and its scan base: the scans stored and queued
/// at that time less those the process had counted (so the base plus what the process has
/// counted now is the count, whether or not the queued scans were written since).
type CachedPage = (Instant, suyuan_widgets::TracePageView, i64);

/// Assembled trace-page data by code, reused for [`PAGE_TTL`] (a recall clears it); the scan
/// count and a signed-in seller's actions are added per request.
#[derive(Clone, Default)]
pub struct PageCache {
    inner: Arc<RwLock<HashMap<String, CachedPage>>>,
}

/// How long assembled page data is reused.
pub const PAGE_TTL: Duration = Duration::from_secs(3);

impl PageCache {
    /// A fresh entry: the view and the scan base it was built with.
    pub fn get(&self, code: &str) -> Option<(suyuan_widgets::TracePageView, i64)> {
        let map = self.inner.read().ok()?;
        map.get(code)
            .filter(|(at, _, _)| at.elapsed() < PAGE_TTL)
            .map(|(_, v, n)| (v.clone(), *n))
    }

    /// Stores an entry.
    pub fn put(&self, code: String, value: (suyuan_widgets::TracePageView, i64)) {
        if let Ok(mut map) = self.inner.write() {
            if map.len() > 20_000 {
                map.retain(|_, (at, _, _)| at.elapsed() < PAGE_TTL);
            }
            map.insert(code, (Instant::now(), value.0, value.1));
        }
    }

    /// Forgets everything (after a recall).
    pub fn clear(&self) {
        if let Ok(mut map) = self.inner.write() {
            map.clear();
        }
    }
}

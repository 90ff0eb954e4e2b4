//! Request rate limits: public pages per client address, webhooks per shop, the authenticated
//! API per token subject (`governor`'s GCRA, one keyed limiter each). A request over its limit
//! is answered 429 with `Retry-After` (seconds): problem+json for the API and webhooks, a small
//! bilingual page for pages. `/healthz`, `/readyz` and `/metrics` are never limited.
//!
//! The client address is the connection's peer, unless the peer is a configured trusted proxy:
//! then it is the nearest `X-Forwarded-For` entry that is not a trusted proxy. Without trusted
//! proxies `X-Forwarded-For` is ignored (a client could write anything there). IPv6 clients
//! are keyed by their /64, which one host usually holds whole.
//!
//! Memory is bounded: keys whose limit has refilled are forgotten every few seconds
//! ([`RateLimits::evict`]), and at once when a limiter holds more than [`MAX_KEYS`].

use crate::error::ApiError;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

/// Keys one limiter holds before it forgets refilled keys at once (between the periodic
/// evictions). About 100 bytes each.
pub const MAX_KEYS: usize = 100_000;

/// One limit: `count` requests per `period`, and bursts of up to `burst`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per period, sustained.
    pub count: NonZeroU32,
    /// The period.
    pub period: Duration,
    /// Requests allowed at once after a quiet time.
    pub burst: NonZeroU32,
}

impl RateLimit {
    /// Parses `off` (no limit), or `<count>/<s|min|h>` with an optional ` burst <n>` (the
    /// burst defaults to the count): `20/s burst 200`, `600/min`.
    pub fn parse(input: &str) -> Result<Option<RateLimit>, String> {
        let text = input.trim();
        if matches!(text, "off" | "none" | "0") {
            return Ok(None);
        }
        let bad = || format!("`{input}` is not a rate like `20/s burst 200`, `600/min` or `off`");
        let (rate, burst) = match text.split_once("burst") {
            Some((rate, burst)) => (rate.trim(), Some(burst.trim())),
            None => (text, None),
        };
        let (count, unit) = rate.split_once('/').ok_or_else(bad)?;
        let count: NonZeroU32 = count.trim().parse().map_err(|_| bad())?;
        let period = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return Err(bad()),
        };
        let burst = match burst {
            Some(b) => b.parse().map_err(|_| bad())?,
            None => count,
        };
        Ok(Some(RateLimit {
            count,
            period,
            burst,
        }))
    }

    fn quota(&self) -> Option<Quota> {
        Quota::with_period(self.period / self.count.get()).map(|q| q.allow_burst(self.burst))
    }
}

/// The limits of one process, as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// `SUYUAN_RATE_PAGES`: pages, badges, QR codes, claim and sign-in pages, per client
    /// address (default `20/s burst 200`).
    pub pages: Option<RateLimit>,
    /// `SUYUAN_RATE_WEBHOOKS`: webhook deliveries per shop (default `50000/s`: only floods
    /// beyond what one process can take in; lower it for shops you do not trust).
    pub webhooks: Option<RateLimit>,
    /// `SUYUAN_RATE_API`: the API per token subject; requests without a valid token count
    /// against their address's page limit (default `50/s burst 500`).
    pub api: Option<RateLimit>,
    /// `SUYUAN_TRUSTED_PROXIES`: reverse proxies whose `X-Forwarded-For` names the client
    /// (default none).
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        let limit = |count: u32, burst: u32| {
            Some(RateLimit {
                count: NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN),
                period: Duration::from_secs(1),
                burst: NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN),
            })
        };
        Self {
            pages: limit(20, 200),
            webhooks: limit(50_000, 50_000),
            api: limit(50, 500),
            trusted_proxies: Vec::new(),
        }
    }
}

struct Keyed<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
}

impl<K: Hash + Eq + Clone> Keyed<K> {
    fn new(limit: Option<RateLimit>) -> Option<Self> {
        let quota = limit?.quota()?;
        Some(Keyed {
            limiter: governor::RateLimiter::keyed(quota),
        })
    }

    /// `Ok` or the seconds to wait.
    fn check(&self, key: &K) -> Result<(), u64> {
        if self.limiter.len() > MAX_KEYS {
            self.evict();
        }
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    fn evict(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

/// What a limited request is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Page,
    Webhook,
    Api,
}

/// Failed attempts of one kind of key within a sliding window.
struct FailureWindow<K: Hash + Eq + Clone> {
    max: usize,
    window: Duration,
    seen: std::sync::Mutex<std::collections::HashMap<K, std::collections::VecDeque<Instant>>>,
}

impl<K: Hash + Eq + Clone> FailureWindow<K> {
    fn new(max: usize, window: Duration) -> Self {
        FailureWindow {
            max,
            window,
            seen: std::sync::Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// `Some(seconds to wait)` when `key` has failed `max` times within the window.
    fn blocked(&self, key: &K, now: Instant) -> Option<u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let times = seen.get_mut(key)?;
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() < self.max {
            return None;
        }
        let oldest = *times.front()?;
        let wait = self.window.saturating_sub(now.duration_since(oldest));
        Some((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1))
    }

    fn failed(&self, key: K, now: Instant) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > MAX_KEYS {
            let window = self.window;
            seen.retain(|_, t| t.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let times = seen.entry(key).or_default();
        times.push_back(now);
        while times.len() > self.max {
            times.pop_front();
        }
    }

    fn evict(&self, now: Instant) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let window = self.window;
        seen.retain(|_, t| t.back().is_some_and(|t| now.duration_since(*t) < window));
    }
}

/// Failed sign-ins allowed per account (e-mail address) within [`SIGNIN_WINDOW`].
pub const SIGNIN_FAILURES_PER_ACCOUNT: usize = 5;
/// Failed sign-ins allowed per client address within [`SIGNIN_WINDOW`].
pub const SIGNIN_FAILURES_PER_ADDRESS: usize = 20;
/// The window sign-in failures are counted in.
pub const SIGNIN_WINDOW: Duration = Duration::from_secs(60);

/// Password guessing: failed sign-ins counted per account and per client address in a
/// one-minute window; past the limit an attempt is refused (429 with `Retry-After`) before
/// its password is checked.
pub struct SigninLimits {
    per_account: FailureWindow<String>,
    per_address: FailureWindow<IpAddr>,
}

impl Default for SigninLimits {
    fn default() -> Self {
        SigninLimits {
            per_account: FailureWindow::new(SIGNIN_FAILURES_PER_ACCOUNT, SIGNIN_WINDOW),
            per_address: FailureWindow::new(SIGNIN_FAILURES_PER_ADDRESS, SIGNIN_WINDOW),
        }
    }
}

impl SigninLimits {
    /// `Some(seconds to wait)` when the account or the address has failed too often.
    pub fn blocked(&self, account: &str, address: Option<IpAddr>) -> Option<u64> {
        let now = Instant::now();
        let a = self.per_account.blocked(&account.to_owned(), now);
        let b = address.and_then(|ip| self.per_address.blocked(&ip, now));
        a.max(b)
    }

    /// Counts a failed sign-in of `account` from `address`.
    pub fn failed(&self, account: &str, address: Option<IpAddr>) {
        let now = Instant::now();
        self.per_account.failed(account.to_owned(), now);
        if let Some(ip) = address {
            self.per_address.failed(ip, now);
        }
    }
}

/// The process's limiters (shared by every worker; register as `web::Data<RateLimits>`).
pub struct RateLimits {
    /// Failed sign-ins per account and per client address.
    pub signin: SigninLimits,
    pages: Option<Keyed<IpAddr>>,
    webhooks: Option<Keyed<String>>,
    api: Option<Keyed<String>>,
    trusted_proxies: Vec<IpAddr>,
    tokens: crate::auth::Tokens,
}

impl RateLimits {
    /// Limiters for `config`; `tokens` verifies the API's bearer tokens (a forged subject
    /// must not spend someone else's allowance).
    pub fn new(config: &RateLimitConfig, tokens: crate::auth::Tokens) -> Self {
        Self {
            signin: SigninLimits::default(),
            pages: Keyed::new(config.pages),
            webhooks: Keyed::new(config.webhooks),
            api: Keyed::new(config.api),
            trusted_proxies: config.trusted_proxies.clone(),
            tokens,
        }
    }

    /// Forgets keys whose allowance has refilled (call every few seconds).
    pub fn evict(&self) {
        let now = Instant::now();
        self.signin.per_account.evict(now);
        self.signin.per_address.evict(now);
        if let Some(l) = &self.pages {
            l.evict();
        }
        if let Some(l) = &self.webhooks {
            l.evict();
        }
        if let Some(l) = &self.api {
            l.evict();
        }
    }

    /// The client's address as this process may believe it: the peer, or behind a trusted
    /// proxy the nearest forwarded address that is not one; IPv6 reduced to its /64.
    pub fn client_address(&self, req: &ServiceRequest) -> Option<IpAddr> {
        self.client_ip(req.request())
    }

    /// [`RateLimits::client_address`] of a request as handlers see it.
    pub fn client_ip(&self, req: &actix_web::HttpRequest) -> Option<IpAddr> {
        let peer = req.peer_addr()?.ip();
        let mut client = peer;
        if self.trusted_proxies.contains(&peer) {
            let forwarded = req
                .headers()
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|a| a.trim().parse::<IpAddr>().ok())
                .collect::<Vec<_>>();
            for a in forwarded.into_iter().rev() {
                client = a;
                if !self.trusted_proxies.contains(&a) {
                    break;
                }
            }
        }
        Some(match client {
            IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
                let s = v6.segments();
                IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
            }
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(client, IpAddr::V4),
            v4 => v4,
        })
    }

    /// `Ok`, or the kind of request refused and the seconds to wait.
    fn check(&self, req: &ServiceRequest) -> Result<(), (Kind, u64)> {
        let path = req.path();
        if matches!(path, "/healthz" | "/readyz" | "/metrics") {
            return Ok(());
        }
        if let Some(rest) = path.strip_prefix("/webhooks/") {
            let Some(limiter) = &self.webhooks else {
                return Ok(());
            };
            let shop: String = rest
                .split('/')
                .nth(1)
                .unwrap_or_default()
                .chars()
                .take(64)
                .collect();
            return limiter.check(&shop).map_err(|s| (Kind::Webhook, s));
        }
        if path.starts_with("/api/") {
            let subject = req
                .headers()
                .get(actix_web::http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .and_then(|t| self.tokens.verify(t.trim()).ok())
                .map(|p| p.subject().to_owned());
            if let Some(subject) = subject {
                let Some(limiter) = &self.api else {
                    return Ok(());
                };
                return limiter.check(&subject).map_err(|s| (Kind::Api, s));
            }
        }
        let (Some(limiter), Some(client)) = (&self.pages, self.client_address(req)) else {
            return Ok(());
        };
        let kind = if path.starts_with("/api/") {
            Kind::Api
        } else {
            Kind::Page
        };
        limiter.check(&client).map_err(|s| (kind, s))
    }
}

/// The answer to a request over its limit.
fn refusal(kind: Kind, retry_after: u64) -> HttpResponse {
    match kind {
        Kind::Page => HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", retry_after.to_string()))
            .content_type("text/html; charset=utf-8")
            .body(format!(
                "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                 <title>请求过于频繁 · Too many requests</title></head><body>\
                 <h1>请求过于频繁</h1><p>请 {retry_after} 秒后再试。</p>\
                 <h2 lang=\"en\">Too many requests</h2>\
                 <p lang=\"en\">Please try again in {retry_after} s.</p></body></html>"
            )),
        Kind::Webhook | Kind::Api => actix_web::ResponseError::error_response(&ApiError::TooMany {
            slug: "rate-limited",
            retry_after,
            detail_zh: format!("请求过于频繁，请 {retry_after} 秒后再试"),
            detail_en: format!("too many requests; try again in {retry_after} s"),
        }),
    }
}

/// The middleware (`actix_web::middleware::from_fn(rate_limit::limit)`): refuses a request
/// over its limit before any handler runs. Without `web::Data<RateLimits>` it lets all pass.
pub async fn limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let refused = req
        .app_data::<web::Data<RateLimits>>()
        .and_then(|limits| limits.check(&req).err());
    match refused {
        Some((kind, retry_after)) => Ok(req.into_response(refusal(kind, retry_after))),
        None => Ok(next.call(req).await?.map_into_boxed_body()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_failure_in_a_minute_is_blocked_until_the_first_leaves_the_window() {
        let w = FailureWindow::<String>::new(5, Duration::from_secs(60));
        let t0 = Instant::now();
        let key = "a@example.com".to_owned();
        for i in 0..5 {
            assert_eq!(w.blocked(&key, t0 + Duration::from_secs(i)), None);
            w.failed(key.clone(), t0 + Duration::from_secs(i));
        }
        assert_eq!(w.blocked(&key, t0 + Duration::from_secs(10)), Some(50));
        assert_eq!(w.blocked(&"b@example.com".to_owned(), t0), None);
        assert_eq!(w.blocked(&key, t0 + Duration::from_secs(60)), None);
    }

    #[test]
    fn rates_are_read_as_written_and_bad_ones_refused() {
        let r = RateLimit::parse("20/s burst 200").unwrap().unwrap();
        assert_eq!(
            (r.count.get(), r.period.as_secs(), r.burst.get()),
            (20, 1, 200)
        );
        let r = RateLimit::parse("600/min").unwrap().unwrap();
        assert_eq!(
            (r.count.get(), r.period.as_secs(), r.burst.get()),
            (600, 60, 600)
        );
        assert_eq!(RateLimit::parse("off").unwrap(), None);
        assert!(RateLimit::parse("fast").is_err());
        assert!(RateLimit::parse("0/s").is_err());
    }
}

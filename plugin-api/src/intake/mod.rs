//! Marketplace intake: verified webhooks in, durable and idempotent, turned into listings and
//! sales by the worker.
//!
//! A delivery is verified on its raw bytes, written to the inbox and committed (group commit:
//! many concurrent deliveries share one transaction) before the 2xx goes out. The worker claims
//! due rows, applies them, retries failures with backoff, and dead-letters what cannot be applied.

pub mod notify;
pub mod receiver;
pub mod worker;

//! Prometheus metrics: request counts and latencies by route, and counters other modules bump.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

/// The process's metrics.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    /// Requests by method, route pattern and status.
    pub http_requests: IntCounterVec,
    /// Request latency by method and route pattern.
    pub http_latency: HistogramVec,
    /// Trace events recorded, by record kind.
    pub events_recorded: IntCounterVec,
    /// Webhook deliveries by platform and outcome (accepted, duplicate, rejected, ping).
    pub webhooks: IntCounterVec,
    /// Inbox deliveries processed by the worker, by outcome (applied, retried, dead).
    pub inbox_processed: IntCounterVec,
}

impl Metrics {
    /// A fresh registry with Suyuan's metrics.
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new_custom(Some("suyuan".to_owned()), None)?;
        let http_requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route and status",
            ),
            &["method", "route", "status"],
        )?;
        let http_latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(
                vec![
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ],
            ),
            &["method", "route"],
        )?;
        let events_recorded = IntCounterVec::new(
            Opts::new("events_recorded_total", "Trace events recorded"),
            &["kind"],
        )?;
        let webhooks = IntCounterVec::new(
            Opts::new(
                "webhooks_received_total",
                "Webhook deliveries by platform and outcome",
            ),
            &["platform", "outcome"],
        )?;
        let inbox_processed = IntCounterVec::new(
            Opts::new("inbox_processed_total", "Inbox deliveries processed"),
            &["outcome"],
        )?;
        registry.register(Box::new(webhooks.clone()))?;
        registry.register(Box::new(inbox_processed.clone()))?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_latency.clone()))?;
        registry.register(Box::new(events_recorded.clone()))?;
        Ok(Self {
            registry,
            http_requests,
            http_latency,
            events_recorded,
            webhooks,
            inbox_processed,
        })
    }

    /// Registers another collector (used by later modules).
    pub fn register(&self, c: Box<dyn prometheus::core::Collector>) -> anyhow::Result<()> {
        Ok(self.registry.register(c)?)
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        String::from_utf8(buf).unwrap_or_default()
    }
}

//! One analytics run: the inputs the mirror offers, and the `compute` entry point the
//! computations (scores, timeliness, alerts) fill.
//!
//! Until those modules land, [`compute`] answers the per-seller-per-month timeliness and
//! completeness frame of [`seller_month_timeliness`] (also the benchmark's query).

use crate::frames::events as ev;
use crate::mirror::{Mirror, MirrorError};
use chrono::{DateTime, Utc};
use polars::prelude::*;
use std::collections::BTreeSet;

/// The mirror's frames, lazily, for one run.
pub struct Inputs {
    /// `events`.
    pub events: LazyFrame,
    /// `event_codes`.
    pub event_codes: LazyFrame,
    /// Months (`YYYY-MM`) to recompute; empty: all of them. An incremental run passes the
    /// months that received events (a closed month changes only through new events).
    pub months: BTreeSet<String>,
}

impl Inputs {
    /// The mirror's frames, restricted to `months` when not empty (the Hive partitions of
    /// other months are not read).
    pub fn from_mirror(mirror: &Mirror, months: BTreeSet<String>) -> Result<Inputs, MirrorError> {
        let mut events = mirror.scan_events()?;
        let mut event_codes = mirror.scan_event_codes()?;
        if !months.is_empty() {
            let keep = months
                .iter()
                .map(|m| col(ev::MONTH).eq(lit(m.clone())))
                .reduce(|a, b| a.or(b))
                .unwrap_or_else(|| lit(true));
            events = events.filter(keep.clone());
            event_codes = event_codes.filter(keep);
        }
        Ok(Inputs {
            events,
            event_codes,
            months,
        })
    }
}

/// What a run computed: named frames for the store to keep.
pub type Outputs = Vec<(String, DataFrame)>;

/// The computations of one run, from the mirror's frames at `now`.
pub fn compute(inputs: &Inputs, now: DateTime<Utc>) -> Result<Outputs, MirrorError> {
    let _ = now;
    let frame = collect_streaming(seller_month_timeliness(inputs.events.clone()))?;
    Ok(vec![("seller_month_timeliness".into(), frame)])
}

/// Collects a lazy frame with Polars' streaming engine (the scan is read in morsels, so
/// memory stays bounded by the groups, not by the mirror).
pub fn collect_streaming(lf: LazyFrame) -> PolarsResult<DataFrame> {
    // One lazy frame collects to one sink: the result is always `Single`.
    Ok(lf.collect_with_engine(Engine::Streaming)?.unwrap_single())
}

/// Per seller and month: records, share registered within the deadline (of those with one),
/// p50 and p90 of the delay from event to registration (hours), records missing a required
/// element, and corrections.
///
/// Output columns: `seller_id`, `month`, `records`, `on_time_share`, `delay_p50_h`,
/// `delay_p90_h`, `incomplete`, `corrections`.
pub fn seller_month_timeliness(events: LazyFrame) -> LazyFrame {
    let delay_h = (col(ev::RECORD_TIME).cast(DataType::Int64)
        - col(ev::EVENT_TIME).cast(DataType::Int64))
    .cast(DataType::Float64)
        / lit(3_600_000.0);
    let has_deadline = col(ev::DEADLINE_AT).is_not_null();
    let on_time = col(ev::RECORD_TIME)
        .cast(DataType::Int64)
        .lt_eq(col(ev::DEADLINE_AT).cast(DataType::Int64));
    events
        .select([
            col(ev::SELLER_ID),
            col(ev::MONTH),
            col(ev::RECORD_KIND),
            delay_h.alias("delay_h"),
            has_deadline.clone().alias("has_deadline"),
            on_time.alias("on_time"),
            col(ev::MISSING_COUNT),
        ])
        .group_by([col(ev::SELLER_ID), col(ev::MONTH)])
        .agg([
            len().alias("records"),
            (col("on_time").cast(DataType::Float64).sum()
                / col("has_deadline").cast(DataType::Float64).sum())
            .alias("on_time_share"),
            col("delay_h")
                .quantile(lit(0.5), QuantileMethod::Linear)
                .alias("delay_p50_h"),
            col("delay_h")
                .quantile(lit(0.9), QuantileMethod::Linear)
                .alias("delay_p90_h"),
            col(ev::MISSING_COUNT)
                .gt(lit(0))
                .cast(DataType::UInt32)
                .sum()
                .alias("incomplete"),
            col(ev::RECORD_KIND)
                .eq(lit("correction"))
                .cast(DataType::UInt32)
                .sum()
                .alias("corrections"),
        ])
}

//! Supervision analytics (the guide's chapter 6): compliance scores, completion timeliness,
//! improvement alerts and recall flows, computed with Polars on a columnar mirror of the ledger.
//!
//! The crate computes; it does not schedule, store results or send mail (the server and the
//! store do). Its inputs are the frames of the mirror, whose columns [`frames`] documents; its
//! computations are pure functions from those frames to documented output frames. [`compute`]
//! runs them all; [`Results::to_records`] turns the frames into the plain values the store keeps
//! ([`suyuan_core::supervision`]).

pub mod alerts;
pub mod config;
pub mod fixtures;
pub mod frames;
pub mod generate;
pub mod mirror;
pub mod recall;
pub mod run;
pub mod scores;
pub mod timeliness;

use chrono::{DateTime, TimeZone as _, Utc};
use config::AnalyticsConfig;
use polars::prelude::*;
use suyuan_core::supervision::{
    AlertCause, AlertRule, OverdueRecord, ScoreComponent, ScoreRecord, SupervisionResults,
    TimelinessRecord,
};

/// The mirror's frames a run reads (columns: [`frames`]).
#[derive(Clone)]
pub struct Frames {
    /// Trace events.
    pub events: LazyFrame,
    /// Codes carried by the events.
    pub event_codes: LazyFrame,
    /// Sales snapshot.
    pub sales: LazyFrame,
    /// Transfers snapshot.
    pub transfers: LazyFrame,
    /// Listings snapshot.
    pub listings: LazyFrame,
    /// Sellers snapshot.
    pub sellers: LazyFrame,
    /// Trace-platform submissions snapshot.
    pub submissions: LazyFrame,
    /// Suspicious-code flags snapshot.
    pub flags: LazyFrame,
    /// Recalls snapshot.
    pub recalls: LazyFrame,
}

/// What one run computed, as frames (each documented by the function that makes it).
#[derive(Clone, Debug)]
pub struct Results {
    /// [`scores::scores`]: one row per seller and month.
    pub scores: DataFrame,
    /// [`scores::components`]: one row per seller, month and component.
    pub components: DataFrame,
    /// [`timeliness::aggregates`], with the seller's `division`.
    pub timeliness: DataFrame,
    /// [`timeliness::overdue`], with the seller's `division`.
    pub overdue: DataFrame,
    /// [`alerts::causes`]: the complete set of alert causes found now.
    pub alerts: DataFrame,
}

/// Runs every computation on the frames as of `now`.
pub fn compute(
    frames: &Frames,
    now: DateTime<Utc>,
    config: &AnalyticsConfig,
) -> PolarsResult<Results> {
    let records = timeliness::records(frames.events.clone(), frames.sales.clone(), now)?
        .collect()?
        .lazy();
    let components = scores::components(frames, records.clone(), now, config)?.collect()?;
    let scores = scores::scores(
        components.clone().lazy(),
        records.clone(),
        frames.sellers.clone(),
        config,
    )?
    .collect()?;
    let timeliness = timeliness::with_division(
        timeliness::aggregates(records.clone())?,
        frames.sellers.clone(),
    )
    .collect()?;
    let overdue = timeliness::with_division(timeliness::overdue(records), frames.sellers.clone())
        .collect()?;
    let alerts = alerts::causes(
        frames,
        scores.clone().lazy(),
        components.clone().lazy(),
        overdue.clone().lazy(),
        now,
        config,
    )?
    .collect()?;
    Ok(Results {
        scores,
        components,
        timeliness,
        overdue,
        alerts,
    })
}

impl Results {
    /// The plain values the store keeps.
    pub fn to_records(&self) -> PolarsResult<SupervisionResults> {
        Ok(SupervisionResults {
            scores: self.score_records()?,
            timeliness: self.timeliness_records()?,
            overdue: self.overdue_records()?,
            alerts: self.alert_causes()?,
        })
    }

    fn score_records(&self) -> PolarsResult<Vec<ScoreRecord>> {
        use scores::cols as c;
        let comp = &self.components;
        let mut by_key: std::collections::HashMap<(String, String), Vec<ScoreComponent>> =
            Default::default();
        for i in 0..comp.height() {
            let ids = comp.column(c::RECORDS)?.list()?.get_as_series(i);
            let records = match ids {
                Some(s) => {
                    let ca = s.str()?;
                    (0..ca.len())
                        .filter_map(|j| ca.get(j).map(str::to_owned))
                        .collect()
                }
                None => Vec::new(),
            };
            by_key
                .entry((text(comp, c::SELLER_ID, i)?, text(comp, c::PERIOD, i)?))
                .or_default()
                .push(ScoreComponent {
                    component: text(comp, c::COMPONENT, i)?,
                    weight: float(comp, c::WEIGHT, i)?.unwrap_or(0.0),
                    total: int(comp, c::TOTAL, i)?.unwrap_or(0),
                    failed: int(comp, c::FAILED, i)?.unwrap_or(0),
                    points_lost: float(comp, c::POINTS_LOST, i)?.unwrap_or(0.0),
                    records,
                });
        }
        let s = &self.scores;
        let mut out = Vec::with_capacity(s.height());
        for i in 0..s.height() {
            let seller_id = text(s, c::SELLER_ID, i)?;
            let period = text(s, c::PERIOD, i)?;
            let mut components = by_key
                .remove(&(seller_id.clone(), period.clone()))
                .unwrap_or_default();
            components.sort_by(|a, b| {
                b.points_lost
                    .total_cmp(&a.points_lost)
                    .then_with(|| a.component.cmp(&b.component))
            });
            out.push(ScoreRecord {
                division: opt_text(s, c::DIVISION, i)?.unwrap_or_default(),
                score: float(s, c::SCORE, i)?.unwrap_or(0.0),
                grade: text(s, c::GRADE, i)?,
                category_id: opt_text(s, c::CATEGORY_ID, i)?,
                rank_province: int(s, c::RANK_PROVINCE, i)?.unwrap_or(0),
                rank_division: int(s, c::RANK_DIVISION, i)?.unwrap_or(0),
                rank_category: int(s, c::RANK_CATEGORY, i)?,
                change: float(s, c::CHANGE, i)?,
                seller_id,
                period,
                components,
            });
        }
        Ok(out)
    }

    fn timeliness_records(&self) -> PolarsResult<Vec<TimelinessRecord>> {
        use timeliness::{agg_cols as a, cols as c};
        let t = &self.timeliness;
        (0..t.height())
            .map(|i| {
                Ok(TimelinessRecord {
                    seller_id: text(t, c::SELLER_ID, i)?,
                    division: opt_text(t, frames::sellers::DIVISION, i)?.unwrap_or_default(),
                    week: text(t, c::WEEK, i)?,
                    dimension: text(t, a::DIMENSION, i)?,
                    key: text(t, a::KEY, i)?,
                    records: int(t, a::RECORDS, i)?.unwrap_or(0),
                    completed: int(t, a::COMPLETED, i)?.unwrap_or(0),
                    within_deadline: int(t, a::WITHIN, i)?.unwrap_or(0),
                    overdue: int(t, a::OVERDUE, i)?.unwrap_or(0),
                    share_within_deadline: float(t, a::SHARE, i)?,
                    delay_p50_s: float(t, a::P50, i)?,
                    delay_p90_s: float(t, a::P90, i)?,
                    delay_max_s: float(t, a::MAX, i)?,
                })
            })
            .collect()
    }

    fn overdue_records(&self) -> PolarsResult<Vec<OverdueRecord>> {
        use timeliness::cols as c;
        let o = &self.overdue;
        (0..o.height())
            .map(|i| {
                Ok(OverdueRecord {
                    record_id: text(o, c::RECORD_ID, i)?,
                    record_kind: text(o, c::RECORD_KIND, i)?,
                    seller_id: text(o, c::SELLER_ID, i)?,
                    division: opt_text(o, frames::sellers::DIVISION, i)?.unwrap_or_default(),
                    category_id: opt_text(o, c::CATEGORY_ID, i)?,
                    region: opt_text(o, c::REGION, i)?,
                    started_at: time(int(o, c::STARTED_AT, i)?),
                    deadline_at: time(int(o, c::DEADLINE_AT, i)?),
                })
            })
            .collect()
    }

    fn alert_causes(&self) -> PolarsResult<Vec<AlertCause>> {
        use alerts::cols as c;
        let a = &self.alerts;
        let mut out = Vec::with_capacity(a.height());
        for i in 0..a.height() {
            let rule_slug = text(a, c::RULE, i)?;
            let Some(rule) = AlertRule::parse(&rule_slug) else {
                polars_bail!(ComputeError: "unknown alert rule {rule_slug}");
            };
            let mut detail = serde_json::Map::new();
            if let Some(v) = float(a, c::VALUE, i)? {
                detail.insert("value".into(), v.into());
            }
            if let Some(n) = opt_text(a, c::NOTE, i)? {
                detail.insert("note".into(), n.into());
            }
            out.push(AlertCause {
                rule,
                seller_id: text(a, c::SELLER_ID, i)?,
                division: opt_text(a, frames::sellers::DIVISION, i)?.unwrap_or_default(),
                subject: text(a, c::SUBJECT, i)?,
                detail: serde_json::Value::Object(detail),
            });
        }
        Ok(out)
    }
}

fn opt_text(df: &DataFrame, name: &str, i: usize) -> PolarsResult<Option<String>> {
    let s = df.column(name)?.cast(&DataType::String)?;
    Ok(s.str()?.get(i).map(str::to_owned))
}

fn text(df: &DataFrame, name: &str, i: usize) -> PolarsResult<String> {
    Ok(opt_text(df, name, i)?.unwrap_or_default())
}

fn int(df: &DataFrame, name: &str, i: usize) -> PolarsResult<Option<i64>> {
    let s = df.column(name)?.cast(&DataType::Int64)?;
    Ok(s.i64()?.get(i))
}

fn float(df: &DataFrame, name: &str, i: usize) -> PolarsResult<Option<f64>> {
    let s = df.column(name)?.cast(&DataType::Float64)?;
    Ok(s.f64()?.get(i))
}

fn time(ms: Option<i64>) -> DateTime<Utc> {
    ms.and_then(|m| Utc.timestamp_millis_opt(m).single())
        .unwrap_or_default()
}

/// A time column as milliseconds since the epoch (the contract's `Datetime(ms, UTC)` or
/// already ms).
pub(crate) fn ms(name: &str) -> Expr {
    col(name).cast(DataType::Int64)
}

const CHINA_OFFSET_MS: i64 = 8 * 3600 * 1000;

/// `YYYY-MM` of a ms-since-epoch expression in China time (UTC+8 all year, no daylight saving).
pub(crate) fn china_month(ms: Expr) -> Expr {
    china(ms).dt().strftime("%Y-%m")
}

/// ISO week `YYYY-Www` of a ms-since-epoch expression in China time.
pub(crate) fn china_week(ms: Expr) -> Expr {
    china(ms).dt().strftime("%G-W%V")
}

fn china(ms: Expr) -> Expr {
    (ms + lit(CHINA_OFFSET_MS)).cast(DataType::Datetime(TimeUnit::Milliseconds, None))
}

/// Vertical concatenation that tolerates an all-null column typed differently.
pub(crate) fn union() -> UnionArgs {
    UnionArgs {
        to_supertypes: true,
        rechunk: false,
        ..Default::default()
    }
}

//! Completion timeliness: the one timeliness rule as a Polars expression, every record's clock in
//! one frame, delays and share within deadline per seller and ISO week (by category and region),
//! and the records overdue now.

use crate::frames::{events as ev, sales as sa, sellers as se};
use crate::{china_month, china_week, ms, union};
use chrono::{DateTime, Utc};
use polars::prelude::*;

/// Columns of the [`records`] frame.
pub mod cols {
    /// Sale id or event id.
    pub const RECORD_ID: &str = "record_id";
    /// `receipt`, `sale`, `shipment`, `return`.
    pub const RECORD_KIND: &str = "record_kind";
    /// Seller.
    pub const SELLER_ID: &str = "seller_id";
    /// Category (null when untraced).
    pub const CATEGORY_ID: &str = "category_id";
    /// Division code where it happened.
    pub const REGION: &str = "region";
    /// Whether registration is required.
    pub const REQUIRED: &str = "required";
    /// When the clock started (ms since the epoch; null: not started).
    pub const STARTED_AT: &str = "started_at";
    /// When registered (ms; null: not yet).
    pub const COMPLETED_AT: &str = "completed_at";
    /// Deadline (ms; null: none).
    pub const DEADLINE_AT: &str = "deadline_at";
    /// The timeliness state (see [`super::timeliness_state`]).
    pub const STATE: &str = "state";
    /// `YYYY-MM` of `started_at`, China time.
    pub const PERIOD: &str = "period";
    /// `YYYY-Www` (ISO) of `started_at`, China time.
    pub const WEEK: &str = "week";
}

/// The one timeliness rule, as one expression on the columns `required` (bool), `started_at`,
/// `completed_at` and `deadline_at` (Datetime or ms since the epoch; null where absent):
///
/// - `not_required`: registration not required (cancelled order, untraced goods);
/// - `not_yet_due`: the clock has not started (an unpaid order);
/// - `on_time`: completed at or before the deadline, or with no deadline;
/// - `late`: completed after the deadline;
/// - `due`: started, not completed, `now` at or before the deadline (or no deadline);
/// - `overdue`: not completed and `now` after the deadline.
///
/// An unpaid (not started) or cancelled (not required) order is never overdue.
pub fn timeliness_state(now: DateTime<Utc>) -> Expr {
    let now = lit(now.timestamp_millis());
    let started = ms(cols::STARTED_AT);
    let completed = ms(cols::COMPLETED_AT);
    let deadline = ms(cols::DEADLINE_AT);
    when(col(cols::REQUIRED).fill_null(lit(false)).not())
        .then(lit("not_required"))
        .when(started.is_null())
        .then(lit("not_yet_due"))
        .when(
            completed.clone().is_not_null().and(
                deadline
                    .clone()
                    .is_null()
                    .or(completed.lt_eq(deadline.clone())),
            ),
        )
        .then(lit("on_time"))
        .when(ms(cols::COMPLETED_AT).is_not_null())
        .then(lit("late"))
        .when(deadline.clone().is_null().or(now.lt_eq(deadline)))
        .then(lit("due"))
        .otherwise(lit("overdue"))
        .alias(cols::STATE)
}

/// Every record that has a registration clock, one row each, with its state at `now`.
///
/// Receipts, shipments and returns come from `events` (registered when recorded; required when
/// of a catalogue category); sales come from the `sales` snapshot, which knows the order's status
/// (a sale's own event is not counted twice). Corrections have no clock of their own.
///
/// Output: the [`cols`] columns (`started_at`, `completed_at`, `deadline_at` as ms since the
/// epoch), `state`, `period`, `week`.
pub fn records(events: LazyFrame, sales: LazyFrame, now: DateTime<Utc>) -> PolarsResult<LazyFrame> {
    let from_events = events
        .filter(
            col(ev::RECORD_KIND)
                .eq(lit("receipt"))
                .or(col(ev::RECORD_KIND).eq(lit("shipment")))
                .or(col(ev::RECORD_KIND).eq(lit("return"))),
        )
        .select([
            col(ev::EVENT_ID).alias(cols::RECORD_ID),
            col(ev::RECORD_KIND).alias(cols::RECORD_KIND),
            col(ev::SELLER_ID).alias(cols::SELLER_ID),
            col(ev::CATEGORY_ID).alias(cols::CATEGORY_ID),
            col(ev::REGION).alias(cols::REGION),
            col(ev::CATEGORY_ID).is_not_null().alias(cols::REQUIRED),
            ms(ev::EVENT_TIME).alias(cols::STARTED_AT),
            ms(ev::RECORD_TIME).alias(cols::COMPLETED_AT),
            ms(ev::DEADLINE_AT).alias(cols::DEADLINE_AT),
        ]);
    let from_sales = sales.select([
        col(sa::SALE_ID).alias(cols::RECORD_ID),
        lit("sale").alias(cols::RECORD_KIND),
        col(sa::SELLER_ID).alias(cols::SELLER_ID),
        col(sa::CATEGORY_ID).alias(cols::CATEGORY_ID),
        col(sa::REGION).alias(cols::REGION),
        col(sa::REQUIRED)
            .fill_null(lit(false))
            .alias(cols::REQUIRED),
        ms(sa::STARTED_AT).alias(cols::STARTED_AT),
        ms(sa::COMPLETED_AT).alias(cols::COMPLETED_AT),
        ms(sa::DEADLINE_AT).alias(cols::DEADLINE_AT),
    ]);
    Ok(concat([from_events, from_sales], union())?.with_columns([
        timeliness_state(now),
        china_month(col(cols::STARTED_AT)).alias(cols::PERIOD),
        china_week(col(cols::STARTED_AT)).alias(cols::WEEK),
    ]))
}

/// Columns of the [`aggregates`] frame.
pub mod agg_cols {
    /// `seller`, `category` or `region`.
    pub const DIMENSION: &str = "dimension";
    /// Category id, province code, or "" for `seller` (`unknown` when the record has none).
    pub const KEY: &str = "key";
    /// Records whose clock has started.
    pub const RECORDS: &str = "records";
    /// Registered.
    pub const COMPLETED: &str = "completed";
    /// Registered within the deadline.
    pub const WITHIN: &str = "within_deadline";
    /// Overdue now.
    pub const OVERDUE: &str = "overdue";
    /// `within / (completed + overdue)`.
    pub const SHARE: &str = "share_within_deadline";
    /// Median delay, seconds.
    pub const P50: &str = "delay_p50_s";
    /// 90th percentile delay, seconds.
    pub const P90: &str = "delay_p90_s";
    /// Longest delay, seconds.
    pub const MAX: &str = "delay_max_s";
}

/// Delay from event to registration (p50, p90 by linear interpolation, max) and share within
/// deadline, per seller and ISO week, along three dimensions: the seller's records as a whole,
/// by category, and by region (the record's province). Only required records whose clock has
/// started count.
///
/// Input: the [`records`] frame. Output: `seller_id`, `week`, and the [`agg_cols`] columns.
pub fn aggregates(records: LazyFrame) -> PolarsResult<LazyFrame> {
    let completed = col(cols::STATE)
        .eq(lit("on_time"))
        .or(col(cols::STATE).eq(lit("late")));
    // Each record's facts as plain columns first (the delay null unless completed), so that the
    // aggregations below are plain sums, quantiles and maxima (nulls left out), not filters
    // inside each group.
    let counted = records
        .filter(
            col(cols::STATE)
                .eq(lit("not_required"))
                .or(col(cols::STATE).eq(lit("not_yet_due")))
                .not(),
        )
        .select([
            col(cols::SELLER_ID),
            col(cols::WEEK),
            col(cols::CATEGORY_ID),
            col(cols::REGION),
            completed
                .clone()
                .cast(DataType::Int64)
                .alias("is_completed"),
            col(cols::STATE)
                .eq(lit("on_time"))
                .cast(DataType::Int64)
                .alias("is_within"),
            col(cols::STATE)
                .eq(lit("overdue"))
                .cast(DataType::Int64)
                .alias("is_overdue"),
            when(completed)
                .then(
                    (col(cols::COMPLETED_AT) - col(cols::STARTED_AT)).cast(DataType::Float64)
                        / lit(1000.0),
                )
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias("delay"),
        ]);
    let aggs = || {
        [
            len().cast(DataType::Int64).alias(agg_cols::RECORDS),
            col("is_completed").sum().alias(agg_cols::COMPLETED),
            col("is_within").sum().alias(agg_cols::WITHIN),
            col("is_overdue").sum().alias(agg_cols::OVERDUE),
            col("delay")
                .quantile(lit(0.5), QuantileMethod::Linear)
                .alias(agg_cols::P50),
            col("delay")
                .quantile(lit(0.9), QuantileMethod::Linear)
                .alias(agg_cols::P90),
            col("delay").max().alias(agg_cols::MAX),
        ]
    };
    let by = |dimension: &str, key: Expr| {
        counted
            .clone()
            .with_column(key.fill_null(lit("unknown")).alias(agg_cols::KEY))
            .group_by([col(cols::SELLER_ID), col(cols::WEEK), col(agg_cols::KEY)])
            .agg(aggs())
            .with_column(lit(dimension.to_owned()).alias(agg_cols::DIMENSION))
    };
    let all = concat(
        [
            by("seller", lit("")),
            by("category", col(cols::CATEGORY_ID)),
            by("region", col(cols::REGION).str().slice(lit(0), lit(2))),
        ],
        union(),
    )?;
    let settled = col(agg_cols::COMPLETED) + col(agg_cols::OVERDUE);
    Ok(all
        .with_column(
            when(settled.clone().gt(lit(0)))
                .then(
                    col(agg_cols::WITHIN).cast(DataType::Float64) / settled.cast(DataType::Float64),
                )
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias(agg_cols::SHARE),
        )
        .select([
            col(cols::SELLER_ID),
            col(cols::WEEK),
            col(agg_cols::DIMENSION),
            col(agg_cols::KEY),
            col(agg_cols::RECORDS),
            col(agg_cols::COMPLETED),
            col(agg_cols::WITHIN),
            col(agg_cols::OVERDUE),
            col(agg_cols::SHARE),
            col(agg_cols::P50),
            col(agg_cols::P90),
            col(agg_cols::MAX),
        ])
        .sort(
            [
                cols::SELLER_ID,
                cols::WEEK,
                agg_cols::DIMENSION,
                agg_cols::KEY,
            ],
            Default::default(),
        ))
}

/// The records overdue now, longest overdue first.
///
/// Input: the [`records`] frame. Output: `record_id`, `record_kind`, `seller_id`,
/// `category_id`, `region`, `started_at`, `deadline_at` (ms).
pub fn overdue(records: LazyFrame) -> LazyFrame {
    records
        .filter(col(cols::STATE).eq(lit("overdue")))
        .select([
            col(cols::RECORD_ID),
            col(cols::RECORD_KIND),
            col(cols::SELLER_ID),
            col(cols::CATEGORY_ID),
            col(cols::REGION),
            col(cols::STARTED_AT),
            col(cols::DEADLINE_AT),
        ])
        .sort([cols::DEADLINE_AT, cols::RECORD_ID], Default::default())
}

/// The division of each seller (from the `sellers` snapshot), joined onto a frame by `seller_id`.
pub(crate) fn with_division(frame: LazyFrame, sellers: LazyFrame) -> LazyFrame {
    frame.join(
        sellers.select([col(se::SELLER_ID), col(se::DIVISION)]),
        [col(cols::SELLER_ID)],
        [col(se::SELLER_ID)],
        JoinArgs::new(JoinType::Left),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;

    fn one(
        required: Option<bool>,
        started: Option<i64>,
        completed: Option<i64>,
        deadline: Option<i64>,
        now: i64,
    ) -> String {
        let df = df!(
            cols::REQUIRED => [required],
            cols::STARTED_AT => [started],
            cols::COMPLETED_AT => [completed],
            cols::DEADLINE_AT => [deadline],
        )
        .unwrap();
        let out = df
            .lazy()
            .select([timeliness_state(at(now))])
            .collect()
            .unwrap();
        out.column(cols::STATE)
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .unwrap()
            .to_owned()
    }

    #[test]
    fn every_timeliness_state_by_hand() {
        let h = HOUR;
        // Started at 0, deadline at 24h.
        assert_eq!(
            one(Some(true), Some(0), Some(2 * h), Some(24 * h), 30 * h),
            "on_time"
        );
        assert_eq!(
            one(Some(true), Some(0), Some(24 * h), Some(24 * h), 30 * h),
            "on_time"
        );
        assert_eq!(
            one(Some(true), Some(0), Some(25 * h), Some(24 * h), 30 * h),
            "late"
        );
        assert_eq!(one(Some(true), Some(0), None, Some(24 * h), 24 * h), "due");
        assert_eq!(
            one(Some(true), Some(0), None, Some(24 * h), 25 * h),
            "overdue"
        );
        assert_eq!(
            one(Some(true), Some(0), Some(99 * h), None, 100 * h),
            "on_time"
        );
        assert_eq!(one(Some(true), Some(0), None, None, 100 * h), "due");
    }

    #[test]
    fn an_unpaid_or_cancelled_order_is_never_overdue() {
        let h = HOUR;
        // Unpaid: the clock never started, long after any deadline.
        assert_eq!(
            one(Some(true), None, None, Some(24 * h), 1000 * h),
            "not_yet_due"
        );
        // Cancelled: not required, even with a deadline long passed.
        assert_eq!(
            one(Some(false), Some(0), None, Some(24 * h), 1000 * h),
            "not_required"
        );
        assert_eq!(
            one(None, Some(0), None, Some(24 * h), 1000 * h),
            "not_required"
        );
    }

    #[test]
    fn delays_are_p50_p90_max_by_linear_interpolation_and_share_counts_overdue() {
        let now = at(100 * DAY);
        let base = 10 * DAY;
        // Seller s1: four sales registered after 1h, 2h, 3h, 10h (deadline 5h: three on time,
        // one late), one overdue, one unpaid, one cancelled; all in one week.
        let sales = sales_frame(&[
            sale(
                "a",
                "s1",
                true,
                Some(base),
                Some(base + HOUR),
                base + 5 * HOUR,
            ),
            sale(
                "b",
                "s1",
                true,
                Some(base),
                Some(base + 2 * HOUR),
                base + 5 * HOUR,
            ),
            sale(
                "c",
                "s1",
                true,
                Some(base),
                Some(base + 3 * HOUR),
                base + 5 * HOUR,
            ),
            sale(
                "d",
                "s1",
                true,
                Some(base),
                Some(base + 10 * HOUR),
                base + 5 * HOUR,
            ),
            sale("e", "s1", true, Some(base), None, base + 5 * HOUR),
            sale("f", "s1", true, None, None, base + 5 * HOUR),
            sale("g", "s1", false, Some(base), None, base + 5 * HOUR),
        ]);
        let recs = records(empty_events(), sales, now).unwrap();
        let agg = aggregates(recs.clone())
            .unwrap()
            .filter(col(agg_cols::DIMENSION).eq(lit("seller")))
            .collect()
            .unwrap();
        assert_eq!(agg.height(), 1);
        assert_eq!(i64_at(&agg, agg_cols::RECORDS, 0), 5);
        assert_eq!(i64_at(&agg, agg_cols::COMPLETED, 0), 4);
        assert_eq!(i64_at(&agg, agg_cols::WITHIN, 0), 3);
        assert_eq!(i64_at(&agg, agg_cols::OVERDUE, 0), 1);
        // 3 within of 4 completed + 1 overdue.
        assert_eq!(f64_at(&agg, agg_cols::SHARE, 0), 0.6);
        // Delays 1h,2h,3h,10h: p50 = 2.5h; p90 at index 2.7 = 3h + 0.7 * 7h = 7.9h; max 10h.
        assert_eq!(f64_at(&agg, agg_cols::P50, 0), 2.5 * 3600.0);
        assert!((f64_at(&agg, agg_cols::P90, 0) - 7.9 * 3600.0).abs() < 1e-6);
        assert_eq!(f64_at(&agg, agg_cols::MAX, 0), 10.0 * 3600.0);
        // Only e is overdue: f is unpaid, g cancelled.
        let od = overdue(recs).collect().unwrap();
        assert_eq!(strs(&od, cols::RECORD_ID), vec!["e"]);
    }

    #[test]
    fn timeliness_splits_by_category_region_and_iso_week_in_china_time() {
        let now = at(100 * DAY);
        // 2026-11-29 (a Sunday) 17:00 UTC is Monday 2026-11-30 01:00 in China: ISO week 49.
        let sunday_evening = ts("2026-11-29T17:00:00Z");
        let sales = sales_frame(&[
            sale_in("a", "s1", "ebike", "440104", sunday_evening),
            sale_in("b", "s1", "ebike", "330106", sunday_evening - 2 * HOUR),
            sale_in("c", "s1", "helmet", "440104", sunday_evening),
        ]);
        let agg = aggregates(records(empty_events(), sales, now).unwrap())
            .unwrap()
            .collect()
            .unwrap();
        let rows: Vec<(String, String, String, i64)> = (0..agg.height())
            .map(|i| {
                (
                    str_at(&agg, cols::WEEK, i),
                    str_at(&agg, agg_cols::DIMENSION, i),
                    str_at(&agg, agg_cols::KEY, i),
                    i64_at(&agg, agg_cols::RECORDS, i),
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("2026-W48".into(), "category".into(), "ebike".into(), 1),
                ("2026-W48".into(), "region".into(), "33".into(), 1),
                ("2026-W48".into(), "seller".into(), "".into(), 1),
                ("2026-W49".into(), "category".into(), "ebike".into(), 1),
                ("2026-W49".into(), "category".into(), "helmet".into(), 1),
                ("2026-W49".into(), "region".into(), "44".into(), 2),
                ("2026-W49".into(), "seller".into(), "".into(), 2),
            ]
        );
    }
}

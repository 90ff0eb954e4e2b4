//! Compliance score per seller and month: seven weighted components, each a share of records
//! that met the rule; a component loses `weight * failed / total` points, and names the records
//! that cost them. The score is `100 * (sum of weights - points lost) / sum of weights`, graded
//! A-D (see [`crate::config::Grades`]), ranked within province, division and category, and
//! compared with the previous month.
//!
//! Which records count, per component (period: the month, China time, of the date named):
//!
//! | component | records (period) | failed when |
//! |---|---|---|
//! | coverage | live catalogue listings (the month of `now`: the snapshot is today's); registered sales of a required kind (clock start) | the listing shows no code; the sale's event carries no code |
//! | completeness | trace events of a catalogue category, a corrected event replaced by its correction (the corrected event's month) | required elements missing |
//! | timeliness | required records whose deadline has settled: on time, late or overdue (clock start) | late or overdue |
//! | authenticity | events carrying codes (event time) | a suspicious-code flag names the event |
//! | corrections | events of a catalogue category, corrections excepted (event time) | a correction corrects it |
//! | submissions | trace-platform submissions accepted or dead (event time; pending ones wait) | dead |
//! | claims | business transfers not cancelled, claimed or older than `claim_grace_days` (sold at) | not claimed |
//!
//! A seller and month with no record for a component loses nothing on it.

use crate::config::AnalyticsConfig;
use crate::frames::{
    event_codes as ec, events as ev, flags as fl, listings as li, sales as sa, sellers as se,
    submissions as su, transfers as tr,
};
use crate::timeliness::cols as rc;
use crate::{Frames, china_month, ms, union};
use chrono::{DateTime, Utc};
use polars::prelude::*;

/// Columns of the [`components`] and [`scores`] frames.
pub mod cols {
    /// Seller.
    pub const SELLER_ID: &str = "seller_id";
    /// `YYYY-MM`.
    pub const PERIOD: &str = "period";
    /// Component name.
    pub const COMPONENT: &str = "component";
    /// A record's id (in the long frame before aggregation).
    pub const RECORD_ID: &str = "record_id";
    /// Whether the record fell short (idem).
    pub const FAILED_ONE: &str = "failed_one";
    /// Weight of the component.
    pub const WEIGHT: &str = "weight";
    /// Records counted.
    pub const TOTAL: &str = "total";
    /// Records that fell short.
    pub const FAILED: &str = "failed";
    /// `weight * failed / total`.
    pub const POINTS_LOST: &str = "points_lost";
    /// Ids of the records that fell short (sorted, capped): a list of strings.
    pub const RECORDS: &str = "records";
    /// Score 0-100.
    pub const SCORE: &str = "score";
    /// A-D.
    pub const GRADE: &str = "grade";
    /// The seller's division.
    pub const DIVISION: &str = "division";
    /// Its province.
    pub const PROVINCE: &str = "province";
    /// Main category of the month.
    pub const CATEGORY_ID: &str = "category_id";
    /// Rank in the province (1 = best; ties share the best rank).
    pub const RANK_PROVINCE: &str = "rank_province";
    /// Rank in the division.
    pub const RANK_DIVISION: &str = "rank_division";
    /// Rank in the main category, nationally.
    pub const RANK_CATEGORY: &str = "rank_category";
    /// Score minus the previous month's (null when none).
    pub const CHANGE: &str = "change";
}

/// One component's rows (`seller_id`, `period`, `record_id`, `failed_one`) counted per seller
/// and month: `total`, `failed`, and the failing record ids (sorted, at most `cap`). Each
/// component is aggregated on its own, so only the small aggregated frames are put together.
fn counted(frame: LazyFrame, component: &str, cap: usize) -> LazyFrame {
    frame
        .select([
            col(cols::SELLER_ID),
            col(cols::PERIOD),
            col(cols::RECORD_ID),
            col(cols::FAILED_ONE).fill_null(lit(false)),
        ])
        .filter(col(cols::PERIOD).is_not_null())
        .group_by([col(cols::SELLER_ID), col(cols::PERIOD)])
        .agg([
            len().cast(DataType::Int64).alias(cols::TOTAL),
            col(cols::FAILED_ONE)
                .cast(DataType::Int64)
                .sum()
                .alias(cols::FAILED),
            col(cols::RECORD_ID)
                .filter(col(cols::FAILED_ONE))
                .sort(Default::default())
                .head(Some(cap))
                .alias(cols::RECORDS),
        ])
        .with_column(lit(component.to_owned()).alias(cols::COMPONENT))
}

fn marker(frame: LazyFrame, key: &str, as_name: &str) -> LazyFrame {
    frame
        .select([col(key).alias(as_name)])
        .filter(col(as_name).is_not_null())
        .unique(None, UniqueKeepStrategy::Any)
        .with_column(lit(true).alias(format!("{as_name}_hit")))
}

/// One row per seller, month and component.
///
/// Input: the mirror's frames and the [`crate::timeliness::records`] frame. Output: `seller_id`,
/// `period`, `component`, `weight`, `total`, `failed`, `points_lost` (f64), `records` (list of
/// the failing record ids, sorted, at most `max_records_per_component`).
pub fn components(
    frames: &Frames,
    records: LazyFrame,
    now: DateTime<Utc>,
    config: &AnalyticsConfig,
) -> PolarsResult<LazyFrame> {
    let this_month = china_month(lit(now.timestamp_millis()));
    let events = frames
        .events
        .clone()
        .with_columns([china_month(ms(ev::EVENT_TIME)).alias(cols::PERIOD)]);
    let corrected = marker(
        frames
            .events
            .clone()
            .filter(col(ev::CORRECTS_ID).is_not_null()),
        ev::CORRECTS_ID,
        "corrected",
    );
    let events = events.join(
        corrected,
        [col(ev::EVENT_ID)],
        [col("corrected")],
        JoinArgs::new(JoinType::Left),
    );
    let is_corrected = col("corrected_hit").fill_null(lit(false));

    // Coverage: listings (this month) and registered sales carrying codes.
    let listings = frames
        .listings
        .clone()
        .filter(col(li::ACTIVE).and(col(li::CATEGORY_ID).is_not_null()))
        .select([
            col(li::SELLER_ID).alias(cols::SELLER_ID),
            this_month.clone().alias(cols::PERIOD),
            col(li::LISTING_ID).alias(cols::RECORD_ID),
            col(li::HAS_CODE).not().alias(cols::FAILED_ONE),
        ]);
    let coded = marker(frames.event_codes.clone(), ec::EVENT_ID, "coded");
    let sales = frames
        .sales
        .clone()
        .filter(
            col(sa::REQUIRED)
                .fill_null(lit(false))
                .and(ms(sa::STARTED_AT).is_not_null())
                .and(col(sa::EVENT_ID).is_not_null()),
        )
        .join(
            coded.clone(),
            [col(sa::EVENT_ID)],
            [col("coded")],
            JoinArgs::new(JoinType::Left),
        )
        .select([
            col(sa::SELLER_ID).alias(cols::SELLER_ID),
            china_month(ms(sa::STARTED_AT)).alias(cols::PERIOD),
            col(sa::SALE_ID).alias(cols::RECORD_ID),
            col("coded_hit").is_null().alias(cols::FAILED_ONE),
        ]);
    let coverage = concat([listings, sales], union())?;

    // Completeness: effective records (a corrected event gives way to its correction, which
    // counts in the corrected event's month).
    // Only corrected events are looked up (a small frame to join against).
    let original_month = events.clone().filter(is_corrected.clone()).select([
        col(ev::EVENT_ID).alias("original_id"),
        col(cols::PERIOD).alias("original_period"),
    ]);
    let completeness = events
        .clone()
        .filter(
            col(ev::CATEGORY_ID)
                .is_not_null()
                .and(is_corrected.clone().not()),
        )
        .join(
            original_month,
            [col(ev::CORRECTS_ID)],
            [col("original_id")],
            JoinArgs::new(JoinType::Left),
        )
        .select([
            col(ev::SELLER_ID).alias(cols::SELLER_ID),
            coalesce(&[col("original_period"), col(cols::PERIOD)]).alias(cols::PERIOD),
            col(ev::EVENT_ID).alias(cols::RECORD_ID),
            col(ev::MISSING_COUNT).gt(lit(0)).alias(cols::FAILED_ONE),
        ]);

    // Timeliness: settled or overdue records.
    let state = col(rc::STATE);
    let timeliness = records
        .filter(
            state
                .clone()
                .eq(lit("on_time"))
                .or(state.clone().eq(lit("late")))
                .or(state.clone().eq(lit("overdue"))),
        )
        .select([
            col(rc::SELLER_ID).alias(cols::SELLER_ID),
            col(rc::PERIOD).alias(cols::PERIOD),
            col(rc::RECORD_ID).alias(cols::RECORD_ID),
            state.neq(lit("on_time")).alias(cols::FAILED_ONE),
        ]);

    // Authenticity: coded events, failed when flagged.
    let flagged = marker(frames.flags.clone(), fl::EVENT_ID, "flagged");
    let authenticity = events
        .clone()
        .join(
            coded,
            [col(ev::EVENT_ID)],
            [col("coded")],
            JoinArgs::new(JoinType::Inner),
        )
        .join(
            flagged,
            [col(ev::EVENT_ID)],
            [col("flagged")],
            JoinArgs::new(JoinType::Left),
        )
        .select([
            col(ev::SELLER_ID).alias(cols::SELLER_ID),
            col(cols::PERIOD),
            col(ev::EVENT_ID).alias(cols::RECORD_ID),
            col("flagged_hit").is_not_null().alias(cols::FAILED_ONE),
        ]);

    // Corrections: original records that needed one.
    let corrections = events
        .clone()
        .filter(
            col(ev::CATEGORY_ID)
                .is_not_null()
                .and(col(ev::RECORD_KIND).neq(lit("correction"))),
        )
        .select([
            col(ev::SELLER_ID).alias(cols::SELLER_ID),
            col(cols::PERIOD),
            col(ev::EVENT_ID).alias(cols::RECORD_ID),
            is_corrected.alias(cols::FAILED_ONE),
        ]);

    // Submissions: accepted or dead.
    let submissions = frames
        .submissions
        .clone()
        .filter(
            col(su::STATUS)
                .eq(lit("accepted"))
                .or(col(su::STATUS).eq(lit("dead"))),
        )
        .join(
            events.clone().select([
                col(ev::EVENT_ID).alias("submitted_event"),
                col(cols::PERIOD),
            ]),
            [col(su::EVENT_ID)],
            [col("submitted_event")],
            JoinArgs::new(JoinType::Inner),
        )
        .select([
            col(su::SELLER_ID).alias(cols::SELLER_ID),
            col(cols::PERIOD),
            col(su::EVENT_ID).alias(cols::RECORD_ID),
            col(su::STATUS).eq(lit("dead")).alias(cols::FAILED_ONE),
        ]);

    // Claims: business transfers past their grace, or claimed.
    let grace_ms = i64::from(config.claim_grace_days) * 24 * 3600 * 1000;
    let claimed = col(tr::STATUS).eq(lit("claimed"));
    let claims = frames
        .transfers
        .clone()
        .filter(
            col(tr::STATUS).neq(lit("cancelled")).and(
                claimed
                    .clone()
                    .or((ms(tr::SOLD_AT) + lit(grace_ms)).lt(lit(now.timestamp_millis()))),
            ),
        )
        .select([
            col(tr::FROM_SELLER_ID).alias(cols::SELLER_ID),
            china_month(ms(tr::SOLD_AT)).alias(cols::PERIOD),
            col(tr::TRANSFER_ID).alias(cols::RECORD_ID),
            claimed.not().alias(cols::FAILED_ONE),
        ]);

    let cap = config.max_records_per_component as usize;
    let all = concat(
        [
            counted(coverage, "coverage", cap),
            counted(completeness, "completeness", cap),
            counted(timeliness, "timeliness", cap),
            counted(authenticity, "authenticity", cap),
            counted(corrections, "corrections", cap),
            counted(submissions, "submissions", cap),
            counted(claims, "claims", cap),
        ],
        union(),
    )?;

    let weights = config.weights.components();
    let weights = df!(
        "weight_component" => weights.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        cols::WEIGHT => weights.iter().map(|(_, w)| *w).collect::<Vec<_>>(),
    )?
    .lazy();
    Ok(all
        .join(
            weights,
            [col(cols::COMPONENT)],
            [col("weight_component")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(
            (col(cols::WEIGHT) * col(cols::FAILED).cast(DataType::Float64)
                / col(cols::TOTAL).cast(DataType::Float64))
            .alias(cols::POINTS_LOST),
        )
        .select([
            col(cols::SELLER_ID),
            col(cols::PERIOD),
            col(cols::COMPONENT),
            col(cols::WEIGHT),
            col(cols::TOTAL),
            col(cols::FAILED),
            col(cols::POINTS_LOST),
            col(cols::RECORDS),
        ])
        .sort(
            [cols::SELLER_ID, cols::PERIOD, cols::COMPONENT],
            Default::default(),
        ))
}

/// One row per seller and month.
///
/// Input: the [`components`] frame, the [`crate::timeliness::records`] frame (for each seller's
/// main category: the one with the most records in the month, the smallest id on a tie) and the
/// sellers snapshot. Output: the [`cols`] columns `seller_id`, `period`, `division`, `province`,
/// `score`, `grade`, `category_id`, `rank_province`, `rank_division`, `rank_category`, `change`,
/// `points_lost`.
pub fn scores(
    components: LazyFrame,
    records: LazyFrame,
    sellers: LazyFrame,
    config: &AnalyticsConfig,
) -> PolarsResult<LazyFrame> {
    let total = config.weights.total();
    let g = &config.grades;
    let main_category = records
        .filter(
            col(rc::CATEGORY_ID)
                .is_not_null()
                .and(col(rc::PERIOD).is_not_null()),
        )
        .group_by([col(rc::SELLER_ID), col(rc::PERIOD), col(rc::CATEGORY_ID)])
        .agg([len().alias("n")])
        .sort_by_exprs(
            [col("n"), col(rc::CATEGORY_ID)],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .group_by_stable([col(rc::SELLER_ID), col(rc::PERIOD)])
        .agg([col(rc::CATEGORY_ID).first().alias(cols::CATEGORY_ID)]);
    let month_index = col(cols::PERIOD)
        .str()
        .slice(lit(0), lit(4))
        .cast(DataType::Int64)
        * lit(12i64)
        + col(cols::PERIOD)
            .str()
            .slice(lit(5), lit(2))
            .cast(DataType::Int64);
    let rank = |by: &[&str]| -> PolarsResult<Expr> {
        Ok(col(cols::SCORE)
            .rank(
                RankOptions {
                    method: RankMethod::Min,
                    descending: true,
                },
                None,
            )
            .over(by.iter().map(|c| col(*c)).collect::<Vec<_>>())?
            .cast(DataType::Int64))
    };
    let base = components
        .group_by([col(cols::SELLER_ID), col(cols::PERIOD)])
        .agg([col(cols::POINTS_LOST).sum().alias(cols::POINTS_LOST)])
        .with_columns([
            (lit(100.0) * (lit(total) - col(cols::POINTS_LOST)) / lit(total)).alias(cols::SCORE),
            month_index.alias("month_index"),
        ])
        .join(
            sellers.select([
                col(se::SELLER_ID).alias("s_id"),
                col(se::DIVISION).alias(cols::DIVISION),
                col(se::DIVISION)
                    .str()
                    .slice(lit(0), lit(2))
                    .alias(cols::PROVINCE),
            ]),
            [col(cols::SELLER_ID)],
            [col("s_id")],
            JoinArgs::new(JoinType::Left),
        )
        .join(
            main_category,
            [col(cols::SELLER_ID), col(cols::PERIOD)],
            [col(rc::SELLER_ID), col(rc::PERIOD)],
            JoinArgs::new(JoinType::Left),
        );
    let previous = base.clone().select([
        col(cols::SELLER_ID).alias("p_seller"),
        (col("month_index") + lit(1i64)).alias("p_index"),
        col(cols::SCORE).alias("p_score"),
    ]);
    Ok(base
        .join(
            previous,
            [col(cols::SELLER_ID), col("month_index")],
            [col("p_seller"), col("p_index")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            when(col(cols::SCORE).gt_eq(lit(g.a)))
                .then(lit("A"))
                .when(col(cols::SCORE).gt_eq(lit(g.b)))
                .then(lit("B"))
                .when(col(cols::SCORE).gt_eq(lit(g.c)))
                .then(lit("C"))
                .otherwise(lit("D"))
                .alias(cols::GRADE),
            rank(&[cols::PERIOD, cols::PROVINCE])?.alias(cols::RANK_PROVINCE),
            rank(&[cols::PERIOD, cols::DIVISION])?.alias(cols::RANK_DIVISION),
            when(col(cols::CATEGORY_ID).is_null())
                .then(lit(NULL).cast(DataType::Int64))
                .otherwise(rank(&[cols::PERIOD, cols::CATEGORY_ID])?)
                .alias(cols::RANK_CATEGORY),
            (col(cols::SCORE) - col("p_score")).alias(cols::CHANGE),
        ])
        .select([
            col(cols::SELLER_ID),
            col(cols::PERIOD),
            col(cols::DIVISION),
            col(cols::PROVINCE),
            col(cols::SCORE),
            col(cols::GRADE),
            col(cols::CATEGORY_ID),
            col(cols::RANK_PROVINCE),
            col(cols::RANK_DIVISION),
            col(cols::RANK_CATEGORY),
            col(cols::CHANGE),
            col(cols::POINTS_LOST),
        ])
        .sort([cols::SELLER_ID, cols::PERIOD], Default::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;
    use crate::timeliness::records;

    fn component(
        df: &DataFrame,
        seller: &str,
        period: &str,
        name: &str,
    ) -> (i64, i64, f64, Vec<String>) {
        let row = df
            .clone()
            .lazy()
            .filter(
                col(cols::SELLER_ID)
                    .eq(lit(seller))
                    .and(col(cols::PERIOD).eq(lit(period)))
                    .and(col(cols::COMPONENT).eq(lit(name))),
            )
            .collect()
            .unwrap();
        assert_eq!(row.height(), 1, "{name}: {row}");
        let ids = row
            .column(cols::RECORDS)
            .unwrap()
            .as_materialized_series()
            .list()
            .unwrap()
            .get_as_series(0)
            .unwrap();
        let ids = ids.str().unwrap();
        let ids = (0..ids.len())
            .filter_map(|j| ids.get(j).map(str::to_owned))
            .collect();
        (
            i64_at(&row, cols::TOTAL, 0),
            i64_at(&row, cols::FAILED, 0),
            f64_at(&row, cols::POINTS_LOST, 0),
            ids,
        )
    }

    /// Seller s1 in Guangzhou in November 2026, one example per component.
    fn november() -> (Frames, DateTime<Utc>) {
        let t = ts("2026-11-10T02:00:00Z");
        let now = at(ts("2026-12-06T04:00:00Z"));
        let mut f = empty_frames(&[("s1", "440104"), ("s2", "440105"), ("s3", "330106")]);
        f.events = events_frame(&[
            // r1 complete; r2 missing elements, corrected by c2 (complete): replaced.
            ev("r1", "s1", "receipt", t),
            Ev {
                missing: 2,
                ..ev("r2", "s1", "receipt", t)
            },
            Ev {
                corrects: Some("r2"),
                ..ev("c2", "s1", "correction", t + 20 * DAY)
            },
            // r3 missing one element, recorded 2 days late.
            Ev {
                missing: 1,
                record_time: t + 2 * DAY,
                ..ev("r3", "s1", "receipt", t)
            },
            // The sale's own event (counted through the sales snapshot for timeliness).
            ev("e1", "s1", "sale", t),
            // s2: one clean receipt.
            ev("q1", "s2", "receipt", t),
        ]);
        f.event_codes = codes_frame(&[
            (
                "r1",
                "s1",
                "C1",
                "09520001000010",
                Some("B1"),
                Some("U1"),
                1,
            ),
            (
                "r3",
                "s1",
                "C3",
                "09520001000010",
                Some("B1"),
                Some("U3"),
                1,
            ),
            (
                "e1",
                "s1",
                "C1",
                "09520001000010",
                Some("B1"),
                Some("U1"),
                1,
            ),
        ]);
        f.flags = flags_frame(&[("s1", "C3", Some("r3")), ("s1", "C9", None)]);
        f.sales = sales_frame(&[
            // Registered on time with codes.
            Sale {
                event_id: Some("e1"),
                ..sale("sa1", "s1", true, Some(t), Some(t + HOUR), t + DAY)
            },
            // Registered late, its event carries no code.
            Sale {
                event_id: Some("e9"),
                ..sale("sa2", "s1", true, Some(t), Some(t + 3 * DAY), t + DAY)
            },
            // Overdue.
            sale("sa3", "s1", true, Some(t), None, t + DAY),
            // Unpaid and cancelled: nowhere.
            sale("sa4", "s1", true, None, None, t + DAY),
            sale("sa5", "s1", false, Some(t), None, t + DAY),
        ]);
        f.listings = listings_frame(&[
            ("l1", "s1", Some("ebike"), true, true),
            ("l2", "s1", Some("ebike"), true, false),
            ("l3", "s1", Some("ebike"), false, false),
            ("l4", "s1", None, true, false),
        ]);
        f.submissions = submissions_frame(&[
            ("s1", "r1", "accepted"),
            ("s1", "r3", "dead"),
            ("s1", "e1", "pending"),
        ]);
        f.transfers = transfers_frame(&[
            ("t1", "s1", "claimed", t, 0, None),
            ("t2", "s1", "open", t, 1, Some(t + 3 * DAY)),
            ("t3", "s1", "cancelled", t, 0, None),
            // Sold yesterday: still within its grace.
            ("t4", "s1", "open", now.timestamp_millis() - DAY, 0, None),
        ]);
        (f, now)
    }

    #[test]
    fn every_component_by_hand() {
        let (f, now) = november();
        let config = AnalyticsConfig::default();
        let recs = records(f.events.clone(), f.sales.clone(), now).unwrap();
        let comp = components(&f, recs, now, &config)
            .unwrap()
            .collect()
            .unwrap();
        let nov = "2026-11";
        // Coverage in November: sa1 carries codes, sa2's event carries none: 1 of 2, 20 * 1/2.
        assert_eq!(
            component(&comp, "s1", nov, "coverage"),
            (2, 1, 10.0, vec!["sa2".to_owned()])
        );
        // Listings count in the month of now: l1 and l2 live with a category, l2 without code.
        assert_eq!(
            component(&comp, "s1", "2026-12", "coverage"),
            (2, 1, 10.0, vec!["l2".to_owned()])
        );
        // Completeness: r1, c2 (for r2, in November), r3, e1; r3 misses elements. 15 * 1/4.
        assert_eq!(
            component(&comp, "s1", nov, "completeness"),
            (4, 1, 3.75, vec!["r3".to_owned()])
        );
        // Timeliness: r1, r2, r3 (late), sa1, sa2 (late), sa3 (overdue); the unpaid and the
        // cancelled orders do not count. 25 * 3/6.
        assert_eq!(
            component(&comp, "s1", nov, "timeliness"),
            (
                6,
                3,
                12.5,
                vec!["r3".to_owned(), "sa2".to_owned(), "sa3".to_owned()]
            )
        );
        // Authenticity: r1, r3, e1 carry codes; r3 is flagged (the flag without event is not
        // counted). 15 * 1/3.
        assert_eq!(
            component(&comp, "s1", nov, "authenticity"),
            (3, 1, 5.0, vec!["r3".to_owned()])
        );
        // Corrections: r1, r2, r3, e1; r2 was corrected. 5 * 1/4.
        assert_eq!(
            component(&comp, "s1", nov, "corrections"),
            (4, 1, 1.25, vec!["r2".to_owned()])
        );
        // Submissions: r1 accepted, r3 dead, e1 pending (waits). 10 * 1/2.
        assert_eq!(
            component(&comp, "s1", nov, "submissions"),
            (2, 1, 5.0, vec!["r3".to_owned()])
        );
        // Claims: t1 claimed, t2 open past grace; t3 cancelled, t4 within grace. 10 * 1/2.
        assert_eq!(
            component(&comp, "s1", nov, "claims"),
            (2, 1, 5.0, vec!["t2".to_owned()])
        );
    }

    #[test]
    fn scores_grades_ranks_and_change_by_hand() {
        let (f, now) = november();
        let config = AnalyticsConfig::default();
        let recs = records(f.events.clone(), f.sales.clone(), now).unwrap();
        let comp = components(&f, recs.clone(), now, &config).unwrap();
        let s = scores(comp, recs, f.sellers.clone(), &config)
            .unwrap()
            .collect()
            .unwrap();
        let row = |seller: &str, period: &str| {
            s.clone()
                .lazy()
                .filter(
                    col(cols::SELLER_ID)
                        .eq(lit(seller))
                        .and(col(cols::PERIOD).eq(lit(period))),
                )
                .collect()
                .unwrap()
        };
        // s1, November: 100 - (10 + 3.75 + 12.5 + 5 + 1.25 + 5 + 5) = 57.5: grade D.
        let s1 = row("s1", "2026-11");
        assert_eq!(f64_at(&s1, cols::SCORE, 0), 57.5);
        assert_eq!(str_at(&s1, cols::GRADE, 0), "D");
        assert_eq!(str_at(&s1, cols::CATEGORY_ID, 0), "ebike");
        // s2 (100) ranks first in Guangdong; s1 second; each first in its own division.
        assert_eq!(i64_at(&s1, cols::RANK_PROVINCE, 0), 2);
        assert_eq!(i64_at(&s1, cols::RANK_DIVISION, 0), 1);
        assert_eq!(i64_at(&s1, cols::RANK_CATEGORY, 0), 2);
        assert!(s1.column(cols::CHANGE).unwrap().is_null().get(0).unwrap());
        let s2 = row("s2", "2026-11");
        assert_eq!(f64_at(&s2, cols::SCORE, 0), 100.0);
        assert_eq!(str_at(&s2, cols::GRADE, 0), "A");
        assert_eq!(i64_at(&s2, cols::RANK_PROVINCE, 0), 1);
        // December: only the listings (coverage 1 of 2: 90, A), up 32.5 on November.
        let dec = row("s1", "2026-12");
        assert_eq!(f64_at(&dec, cols::SCORE, 0), 90.0);
        assert_eq!(str_at(&dec, cols::GRADE, 0), "A");
        assert_eq!(f64_at(&dec, cols::CHANGE, 0), 32.5);
        assert_eq!(str_at(&dec, cols::DIVISION, 0), "440104");
    }

    #[test]
    fn the_explanation_is_capped_and_weights_come_from_configuration() {
        let t = ts("2026-11-10T02:00:00Z");
        let now = at(ts("2026-12-06T04:00:00Z"));
        let mut f = empty_frames(&[("s1", "440104")]);
        f.sales = sales_frame(&[
            sale("a", "s1", true, Some(t), None, t + DAY),
            sale("b", "s1", true, Some(t), None, t + DAY),
            sale("c", "s1", true, Some(t), None, t + DAY),
            sale("d", "s1", true, Some(t), Some(t), t + DAY),
        ]);
        let config = AnalyticsConfig::from_toml_str(
            "max_records_per_component = 2\n[weights]\ntimeliness = 50.0",
        )
        .unwrap();
        let recs = records(f.events.clone(), f.sales.clone(), now).unwrap();
        let comp = components(&f, recs, now, &config)
            .unwrap()
            .collect()
            .unwrap();
        // 3 of 4 overdue, weight 50: 37.5 points; only the first two ids.
        assert_eq!(
            component(&comp, "s1", "2026-11", "timeliness"),
            (4, 3, 37.5, vec!["a".to_owned(), "b".to_owned()])
        );
    }
}

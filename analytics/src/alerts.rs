//! Improvement alerts: the complete set of causes found now, one row per cause (rule, seller,
//! subject). The store reconciles it with the stored alerts (`suyuan_store::analytics`): a cause
//! is raised once, kept while found, resolved by itself when gone.
//!
//! | rule | found when | subject | value |
//! |---|---|---|---|
//! | `score_fell` | the seller's latest score fell by `alerts.score_drop` or more against the month before | period | change |
//! | `timeliness_low` | the share within deadline of the seller's latest month with timeliness records is under `alerts.timeliness_min` | period | share |
//! | `records_overdue` | the seller has records overdue now | "" | how many |
//! | `listing_without_code` | a live catalogue listing shows no code | listing id | |
//! | `batch_oversold` | units of a batch sold (less returned) exceed units received, per seller | `gtin/batch` | excess |
//! | `unit_sold_twice` | a serialised unit has two sales more than returns (every seller who sold it) | code | net sales |
//! | `unit_received_twice` | two or more sellers hold a serialised unit at once (received or returned more often than sold or shipped) | code | holders |
//! | `recalled_in_stock` | a seller holds units matching an issued or updated recall (GTIN, and batch and serial where the recall names them) | recall id | units |
//! | `transfer_unclaimed` | an open transfer is still unclaimed `alerts.reminder_grace_hours` after its last reminder | transfer id | reminders sent |
//!
//! "Still listed" is not checked: the listings snapshot does not say which GTIN a listing sells.

use crate::config::AnalyticsConfig;
use crate::frames::{
    event_codes as ec, events as ev, listings as li, recalls as re, sellers as se, transfers as tr,
};
use crate::scores::cols as sc;
use crate::timeliness::cols as rc;
use crate::{Frames, ms, union};
use chrono::{DateTime, Utc};
use polars::prelude::*;
use suyuan_core::supervision::AlertRule;

/// Columns of the [`causes`] frame.
pub mod cols {
    /// Rule slug ([`suyuan_core::supervision::AlertRule`]).
    pub const RULE: &str = "rule";
    /// The seller who should act.
    pub const SELLER_ID: &str = "seller_id";
    /// What it is about.
    pub const SUBJECT: &str = "subject";
    /// A number that says how much (see the table above; null when none).
    pub const VALUE: &str = "value";
    /// A note (null when none).
    pub const NOTE: &str = "note";
    /// `warning` or `critical`.
    pub const SEVERITY: &str = "severity";
    /// The seller's division.
    pub const DIVISION: &str = "division";
}

fn cause(frame: LazyFrame, rule: AlertRule, subject: Expr, value: Expr) -> LazyFrame {
    frame.select([
        lit(rule.as_str()).alias(cols::RULE),
        col(cols::SELLER_ID),
        subject.cast(DataType::String).alias(cols::SUBJECT),
        value.cast(DataType::Float64).alias(cols::VALUE),
        lit(NULL).cast(DataType::String).alias(cols::NOTE),
    ])
}

fn kind_is(kinds: &[&str]) -> Expr {
    kinds
        .iter()
        .map(|k| col(ev::RECORD_KIND).eq(lit(*k)))
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false))
}

fn count_of(kinds: &[&str], what: Expr) -> Expr {
    when(kind_is(kinds)).then(what).otherwise(lit(0i64)).sum()
}

/// Every cause found now, sorted by rule, seller and subject.
///
/// Input: the mirror's frames, the [`crate::scores::scores`] and [`crate::scores::components`]
/// frames and the [`crate::timeliness::overdue`] frame. Output: the [`cols`] columns.
pub fn causes(
    frames: &Frames,
    scores: LazyFrame,
    components: LazyFrame,
    overdue: LazyFrame,
    now: DateTime<Utc>,
    config: &AnalyticsConfig,
) -> PolarsResult<LazyFrame> {
    let t = &config.alerts;
    let latest = |f: LazyFrame| -> PolarsResult<LazyFrame> {
        Ok(f.filter(col(sc::PERIOD).eq(col(sc::PERIOD).max().over([col(sc::SELLER_ID)])?)))
    };
    let score_fell = cause(
        latest(scores)?.filter(col(sc::CHANGE).lt_eq(lit(-t.score_drop))),
        AlertRule::ScoreFell,
        col(sc::PERIOD),
        col(sc::CHANGE),
    );
    let share =
        lit(1.0) - col(sc::FAILED).cast(DataType::Float64) / col(sc::TOTAL).cast(DataType::Float64);
    let timeliness_low = cause(
        latest(components.filter(col(sc::COMPONENT).eq(lit("timeliness"))))?
            .filter(share.clone().lt(lit(t.timeliness_min))),
        AlertRule::TimelinessLow,
        col(sc::PERIOD),
        share,
    );
    let records_overdue = cause(
        overdue
            .group_by([col(rc::SELLER_ID)])
            .agg([len().alias("n")]),
        AlertRule::RecordsOverdue,
        lit(""),
        col("n"),
    );
    let listing_without_code = cause(
        frames.listings.clone().filter(
            col(li::ACTIVE)
                .and(col(li::CATEGORY_ID).is_not_null())
                .and(col(li::HAS_CODE).not()),
        ),
        AlertRule::ListingWithoutCode,
        col(li::LISTING_ID),
        lit(NULL),
    );

    // Codes with the kind of the event that carries them (corrections left out).
    let moves = frames.event_codes.clone().join(
        frames
            .events
            .clone()
            .select([col(ev::EVENT_ID).alias("m_event"), col(ev::RECORD_KIND)]),
        [col(ec::EVENT_ID)],
        [col("m_event")],
        JoinArgs::new(JoinType::Inner),
    );
    let qty = col(ec::QUANTITY).cast(DataType::Int64);
    let batch_oversold = moves
        .clone()
        .filter(
            col(ec::BATCH)
                .is_not_null()
                .and(col(ec::GTIN).is_not_null()),
        )
        .group_by([col(ec::SELLER_ID), col(ec::GTIN), col(ec::BATCH)])
        .agg([
            count_of(&["receipt"], qty.clone()).alias("received"),
            (count_of(&["sale"], qty.clone()) - count_of(&["return"], qty.clone())).alias("sold"),
        ])
        .filter(col("sold").gt(col("received")));
    let batch_oversold = cause(
        batch_oversold,
        AlertRule::BatchOversold,
        col(ec::GTIN) + lit("/") + col(ec::BATCH),
        col("sold") - col("received"),
    );

    let units = moves.clone().filter(col(ec::SERIAL).is_not_null());
    let net_sales = units
        .clone()
        .group_by([col(ec::CODE)])
        .agg([(count_of(&["sale"], lit(1i64)) - count_of(&["return"], lit(1i64))).alias("net")])
        .filter(col("net").gt_eq(lit(2i64)));
    let unit_sold_twice = cause(
        units
            .clone()
            .filter(kind_is(&["sale"]))
            .select([col(ec::SELLER_ID), col(ec::CODE)])
            .unique(None, UniqueKeepStrategy::Any)
            .join(
                net_sales,
                [col(ec::CODE)],
                [col(ec::CODE)],
                JoinArgs::new(JoinType::Inner),
            ),
        AlertRule::UnitSoldTwice,
        col(ec::CODE),
        col("net"),
    );

    let held = |by: Vec<Expr>| {
        units
            .clone()
            .group_by(by)
            .agg([(count_of(&["receipt", "return"], qty.clone())
                - count_of(&["sale", "shipment"], qty.clone()))
            .alias("held")])
            .filter(col("held").gt(lit(0i64)))
    };
    let holders = held(vec![col(ec::SELLER_ID), col(ec::CODE)]);
    let unit_received_twice = cause(
        holders
            .clone()
            .with_column(len().over([col(ec::CODE)])?.alias("holders"))
            .filter(col("holders").gt_eq(lit(2u32))),
        AlertRule::UnitReceivedTwice,
        col(ec::CODE),
        col("holders"),
    );

    let stock = moves
        .filter(col(ec::GTIN).is_not_null())
        .group_by([
            col(ec::SELLER_ID),
            col(ec::GTIN),
            col(ec::BATCH),
            col(ec::SERIAL),
        ])
        .agg([(count_of(&["receipt", "return"], qty.clone())
            - count_of(&["sale", "shipment"], qty))
        .alias("stock")])
        .filter(col("stock").gt(lit(0i64)));
    let recalls = frames
        .recalls
        .clone()
        .filter(col(re::STATUS).neq(lit("withdrawn")))
        .select([
            col(re::RECALL_ID),
            col(re::GTIN).alias("r_gtin"),
            col(re::BATCH).alias("r_batch"),
            col(re::SERIAL).alias("r_serial"),
        ]);
    let recalled_in_stock = stock
        .join(
            recalls,
            [col(ec::GTIN)],
            [col("r_gtin")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(
            col("r_batch")
                .is_null()
                .or(col("r_batch").eq(col(ec::BATCH)).fill_null(lit(false)))
                .and(
                    col("r_serial")
                        .is_null()
                        .or(col("r_serial").eq(col(ec::SERIAL)).fill_null(lit(false))),
                ),
        )
        .group_by([col(ec::SELLER_ID), col(re::RECALL_ID)])
        .agg([col("stock").sum()]);
    let recalled_in_stock = cause(
        recalled_in_stock,
        AlertRule::RecalledInStock,
        col(re::RECALL_ID),
        col("stock"),
    );

    let grace = i64::from(t.reminder_grace_hours) * 3600 * 1000;
    let transfer_unclaimed = cause(
        frames
            .transfers
            .clone()
            .filter(
                col(tr::STATUS)
                    .eq(lit("open"))
                    .and(col(tr::REMINDERS_SENT).gt_eq(lit(1i64)))
                    .and((ms(tr::LAST_REMINDER_AT) + lit(grace)).lt(lit(now.timestamp_millis()))),
            )
            .with_column(col(tr::FROM_SELLER_ID).alias(cols::SELLER_ID)),
        AlertRule::TransferUnclaimed,
        col(tr::TRANSFER_ID),
        col(tr::REMINDERS_SENT),
    );

    let all = concat(
        [
            score_fell,
            timeliness_low,
            records_overdue,
            listing_without_code,
            batch_oversold,
            unit_sold_twice,
            unit_received_twice,
            recalled_in_stock,
            transfer_unclaimed,
        ],
        union(),
    )?;
    let critical = AlertRule::ALL
        .into_iter()
        .filter(|r| r.severity() == suyuan_core::supervision::Severity::Critical)
        .map(|r| col(cols::RULE).eq(lit(r.as_str())))
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false));
    Ok(all
        .with_column(
            when(critical)
                .then(lit("critical"))
                .otherwise(lit("warning"))
                .alias(cols::SEVERITY),
        )
        .join(
            frames.sellers.clone().select([
                col(se::SELLER_ID).alias("s_id"),
                col(se::DIVISION).alias(cols::DIVISION),
            ]),
            [col(cols::SELLER_ID)],
            [col("s_id")],
            JoinArgs::new(JoinType::Left),
        )
        .sort(
            [cols::RULE, cols::SELLER_ID, cols::SUBJECT],
            Default::default(),
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::*;
    use crate::{compute, config::AnalyticsConfig};

    fn found(f: &Frames, now: DateTime<Utc>) -> Vec<(String, String, String, Option<f64>)> {
        let r = compute(f, now, &AnalyticsConfig::default()).unwrap();
        let a = r.alerts;
        (0..a.height())
            .map(|i| {
                (
                    str_at(&a, cols::RULE, i),
                    str_at(&a, cols::SELLER_ID, i),
                    str_at(&a, cols::SUBJECT, i),
                    a.column(cols::VALUE).unwrap().f64().unwrap().get(i),
                )
            })
            .collect()
    }

    fn a(
        rule: &str,
        seller: &str,
        subject: &str,
        value: Option<f64>,
    ) -> (String, String, String, Option<f64>) {
        (rule.into(), seller.into(), subject.into(), value)
    }

    const G: &str = "09520001000010";

    #[test]
    fn stock_rules_by_hand() {
        let t = ts("2026-11-10T02:00:00Z");
        let now = at(t + 2 * HOUR);
        let mut f = empty_frames(&[("s1", "440104"), ("s2", "330106"), ("s3", "440105")]);
        f.events = events_frame(&[
            ev("r1", "s1", "receipt", t),
            ev("x1", "s1", "sale", t),
            ev("x2", "s1", "sale", t),
            ev("x3", "s1", "return", t),
            ev("r2", "s2", "receipt", t),
            ev("r3", "s3", "receipt", t),
            ev("y1", "s3", "shipment", t),
        ]);
        f.event_codes = codes_frame(&[
            // s1 receives 2 of batch B1 (U1, U2) and 3 of B2 (a batch code).
            ("r1", "s1", "U1", G, Some("B1"), Some("U1"), 1),
            ("r1", "s1", "U2", G, Some("B1"), Some("U2"), 1),
            ("r1", "s1", "K2", G, Some("B2"), None, 3),
            // s1 sells U1 twice and one U2, a customer returns U2: U1 sold twice, B1 net 2 of 2.
            ("x1", "s1", "U1", G, Some("B1"), Some("U1"), 1),
            ("x2", "s1", "U1", G, Some("B1"), Some("U1"), 1),
            ("x2", "s1", "U2", G, Some("B1"), Some("U2"), 1),
            ("x3", "s1", "U2", G, Some("B1"), Some("U2"), 1),
            // s1 sells 5 of B2 having received 3: oversold by 2.
            ("x1", "s1", "K2", G, Some("B2"), None, 5),
            // s2 receives U2 which s1 holds again after the return: two holders.
            ("r2", "s2", "U2", G, Some("B1"), Some("U2"), 1),
            // s3 receives U3 and ships it on: holds nothing.
            ("r3", "s3", "U3", G, Some("B3"), Some("U3"), 1),
            ("y1", "s3", "U3", G, Some("B3"), Some("U3"), 1),
        ]);
        f.recalls = recalls_frame(&[
            // Batch B1 recalled: s1 holds U2, s2 holds U2.
            ("rc1", G, Some("B1"), None, "issued"),
            // B3 recalled: s3 shipped it all.
            ("rc2", G, Some("B3"), None, "issued"),
            // Withdrawn recall of the whole GTIN: nothing.
            ("rc3", G, None, None, "withdrawn"),
        ]);
        let got: Vec<_> = found(&f, now)
            .into_iter()
            .filter(|x| x.0 != "timeliness_low")
            .collect();
        assert_eq!(
            got,
            vec![
                a("batch_oversold", "s1", &format!("{G}/B2"), Some(2.0)),
                a("recalled_in_stock", "s1", "rc1", Some(1.0)),
                a("recalled_in_stock", "s2", "rc1", Some(1.0)),
                a("unit_received_twice", "s1", "U2", Some(2.0)),
                a("unit_received_twice", "s2", "U2", Some(2.0)),
                a("unit_sold_twice", "s1", "U1", Some(2.0)),
            ]
        );
    }

    #[test]
    fn seller_rules_by_hand() {
        let t = ts("2026-10-10T02:00:00Z");
        let nov = ts("2026-11-10T02:00:00Z");
        let now = at(ts("2026-11-20T02:00:00Z"));
        let mut f = empty_frames(&[("s1", "440104"), ("s2", "330106")]);
        f.sales = sales_frame(&[
            // s1, October: all on time (100). November: one on time, one overdue, one due:
            // timeliness 1 of 2 (12.5 lost) and 3 of 4 transfers unclaimed (7.5 lost): 80,
            // fell 20.
            sale("a", "s1", true, Some(t), Some(t), t + DAY),
            sale("b", "s1", true, Some(nov), Some(nov), nov + DAY),
            sale("c", "s1", true, Some(nov), None, nov + DAY),
            sale(
                "d",
                "s1",
                true,
                Some(now.timestamp_millis() - HOUR),
                None,
                now.timestamp_millis() + DAY,
            ),
            // An unpaid and a cancelled order, long past their deadlines: not overdue.
            sale("e", "s1", true, None, None, t + DAY),
            sale("f", "s1", false, Some(t), None, t + DAY),
            // s2: 9 on time of 10 in November: 90% is not under 90%. Score 97.5, no fall.
            sale("g0", "s2", true, Some(nov), Some(nov), nov + DAY),
            sale("g1", "s2", true, Some(nov), Some(nov), nov + DAY),
            sale("g2", "s2", true, Some(nov), Some(nov), nov + DAY),
            sale("g3", "s2", true, Some(nov), Some(nov), nov + DAY),
            sale("g4", "s2", true, Some(nov), Some(nov), nov + DAY),
            sale("g5", "s2", true, Some(nov), Some(nov), nov + DAY),
            sale("g6", "s2", true, Some(nov), Some(nov), nov + DAY),
            sale("g7", "s2", true, Some(nov), Some(nov), nov + DAY),
            sale("g8", "s2", true, Some(nov), Some(nov), nov + DAY),
            sale("g9", "s2", true, Some(nov), Some(nov + 2 * DAY), nov + DAY),
        ]);
        f.listings = listings_frame(&[
            ("l1", "s2", Some("ebike"), true, false),
            ("l2", "s2", Some("ebike"), false, false),
            ("l3", "s2", None, true, false),
        ]);
        let h = HOUR;
        let n = now.timestamp_millis();
        f.transfers = transfers_frame(&[
            // Reminded 49h ago: past the 48h grace.
            ("t1", "s1", "open", nov, 2, Some(n - 49 * h)),
            // Reminded 47h ago: not yet.
            ("t2", "s1", "open", nov, 1, Some(n - 47 * h)),
            // Never reminded, or claimed: no.
            ("t3", "s1", "open", nov, 0, None),
            ("t4", "s1", "claimed", nov, 3, Some(n - 100 * h)),
        ]);
        let got = found(&f, now);
        assert_eq!(
            got,
            vec![
                a("listing_without_code", "s2", "l1", None),
                a("records_overdue", "s1", "", Some(1.0)),
                a("score_fell", "s1", "2026-11", Some(-20.0)),
                a("timeliness_low", "s1", "2026-11", Some(0.5)),
                a("transfer_unclaimed", "s1", "t1", Some(2.0)),
            ]
        );
    }
}

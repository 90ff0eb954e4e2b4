//! The one timeliness rule, twice: `suyuan_core::timeliness::state_of` (used by the API, the
//! pages and the mirror's sales snapshot) and `suyuan_analytics::timeliness::timeliness_state`
//! (the same rule as a Polars expression, for millions of records at once). They must agree on
//! every record, including the boundaries (recorded exactly at the deadline, `now` exactly at it).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone as _, Utc};
use polars::prelude::*;
use proptest::prelude::*;
use suyuan_analytics::timeliness::{cols, timeliness_state};
use suyuan_core::timeliness::state_of;

/// A record's clock: required, started, recorded, deadline (ms offsets around `now`, few
/// distinct values so boundaries are hit often).
type Row = (bool, Option<i64>, Option<i64>, Option<i64>);

fn row() -> impl Strategy<Value = Row> {
    let t = || proptest::option::of(-3i64..=3);
    (any::<bool>(), t(), t(), t())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn the_polars_expression_and_the_core_function_agree(rows in proptest::collection::vec(row(), 1..40)) {
        let now: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let at = |o: Option<i64>| o.map(|h| now.timestamp_millis() + h * 3_600_000);
        let df = df!(
            cols::REQUIRED => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            cols::STARTED_AT => rows.iter().map(|r| at(r.1)).collect::<Vec<_>>(),
            cols::COMPLETED_AT => rows.iter().map(|r| at(r.2)).collect::<Vec<_>>(),
            cols::DEADLINE_AT => rows.iter().map(|r| at(r.3)).collect::<Vec<_>>(),
        )
        .unwrap();
        let out = df.lazy().select([timeliness_state(now)]).collect().unwrap();
        let states: Vec<String> = out
            .column(cols::STATE)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|s| s.unwrap().to_owned())
            .collect();
        let time = |o: Option<i64>| at(o).map(|ms| Utc.timestamp_millis_opt(ms).unwrap());
        for (r, polars_state) in rows.iter().zip(&states) {
            let core_state = state_of(r.0, time(r.1), time(r.2), time(r.3), now);
            prop_assert_eq!(core_state.as_str(), polars_state.as_str(), "{:?}", r);
        }
    }
}

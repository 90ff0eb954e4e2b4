//! The snapshots of the mutable tables, as frames with the columns of [`crate::frames`].

use crate::frames;
use crate::mirror::write::time_type;
use polars::prelude::*;
use suyuan_store::analytics_export::{
    FlagRow, ListingRow, RecallRow, SaleRow, SellerRow, SubmissionRow, TransferRow,
};

/// A column named `name` with `f` of each row.
fn column<'a, R, T>(name: &str, rows: &'a [R], f: impl Fn(&'a R) -> T) -> Column
where
    Series: NamedFrom<Vec<T>, [T]>,
{
    Series::new(name.into(), rows.iter().map(f).collect::<Vec<_>>()).into_column()
}

fn ms(t: Option<chrono::DateTime<chrono::Utc>>) -> Option<i64> {
    t.map(|t| t.timestamp_millis())
}

fn times(name: &str, v: Vec<Option<i64>>) -> PolarsResult<Column> {
    Column::new(name.into(), v).cast(&time_type())
}

/// The `sellers` frame.
pub fn sellers(rows: &[SellerRow]) -> PolarsResult<DataFrame> {
    use frames::sellers as c;
    let province: Vec<String> = rows
        .iter()
        .map(|r| crate::mirror::write::province_of(Some(&r.division_code), None))
        .collect();
    DataFrame::new(
        rows.len(),
        vec![
            column(c::SELLER_ID, rows, |r| r.id.as_str()),
            column(c::NAME, rows, |r| r.name.as_str()),
            column(c::DIVISION, rows, |r| r.division_code.as_str()),
            Column::new(c::PROVINCE.into(), province),
            column(c::SELLER_TYPE, rows, |r| r.seller_type.as_str()),
        ],
    )
}

/// The `sales` frame. `required` and `started_at` are the sale's clock by the one timeliness rule
/// ([`suyuan_core::timeliness::sale_clock`]): an unpaid order has not started, a cancelled one
/// needs no registration.
pub fn sales(rows: &[SaleRow]) -> PolarsResult<DataFrame> {
    use frames::sales as c;
    let clocks: Vec<suyuan_core::timeliness::Clock> = rows
        .iter()
        .map(|r| {
            suyuan_core::timeliness::sale_clock(
                &r.status,
                r.category_id.is_some(),
                r.ordered_at,
                r.paid_at,
                r.completed_at,
                r.deadline_at,
                None,
            )
        })
        .collect();
    DataFrame::new(
        rows.len(),
        vec![
            column(c::SALE_ID, rows, |r| r.id.as_str()),
            column(c::SELLER_ID, rows, |r| r.seller_id.as_str()),
            column(c::PLATFORM, rows, |r| r.platform.as_str()),
            column(c::STATUS, rows, |r| r.status.as_str()),
            column(c::BUYER_TYPE, rows, |r| r.buyer_type.as_str()),
            column(c::REGION, rows, |r| r.region.as_deref()),
            column(c::CATEGORY_ID, rows, |r| r.category_id.as_deref()),
            Column::new(
                c::REQUIRED.into(),
                clocks.iter().map(|k| k.required).collect::<Vec<_>>(),
            ),
            times(
                c::STARTED_AT,
                clocks.iter().map(|k| ms(k.started_at)).collect(),
            )?,
            times(
                c::COMPLETED_AT,
                rows.iter().map(|r| ms(r.completed_at)).collect(),
            )?,
            times(
                c::DEADLINE_AT,
                rows.iter().map(|r| ms(r.deadline_at)).collect(),
            )?,
            column(c::EVENT_ID, rows, |r| r.event_id.as_deref()),
            column(c::QUANTITY, rows, |r| r.quantity),
        ],
    )
}

/// The `transfers` frame (the store's `pending` is the contract's `open`).
pub fn transfers(rows: &[TransferRow]) -> PolarsResult<DataFrame> {
    use frames::transfers as c;
    DataFrame::new(
        rows.len(),
        vec![
            column(c::TRANSFER_ID, rows, |r| r.id.as_str()),
            column(c::FROM_SELLER_ID, rows, |r| r.from_seller_id.as_str()),
            column(c::SALE_EVENT_ID, rows, |r| r.sale_event_id.as_str()),
            column(c::CATEGORY_ID, rows, |r| r.category_id.as_str()),
            Column::new(
                c::STATUS.into(),
                rows.iter()
                    .map(|r| {
                        if r.status == "pending" {
                            "open"
                        } else {
                            r.status.as_str()
                        }
                    })
                    .collect::<Vec<_>>(),
            ),
            times(
                c::SOLD_AT,
                rows.iter()
                    .map(|r| Some(r.sold_at.timestamp_millis()))
                    .collect(),
            )?,
            column(c::CLAIMED_BY, rows, |r| r.claimed_by.as_deref()),
            times(
                c::CLAIMED_AT,
                rows.iter().map(|r| ms(r.claimed_at)).collect(),
            )?,
            column(c::CLAIMED_EVENT_ID, rows, |r| r.claimed_event_id.as_deref()),
            column(c::REMINDERS_SENT, rows, |r| r.reminders_sent),
            times(
                c::LAST_REMINDER_AT,
                rows.iter().map(|r| ms(r.last_reminder_at)).collect(),
            )?,
        ],
    )
}

/// The `listings` frame.
pub fn listings(rows: &[ListingRow]) -> PolarsResult<DataFrame> {
    use frames::listings as c;
    DataFrame::new(
        rows.len(),
        vec![
            column(c::LISTING_ID, rows, |r| r.id.as_str()),
            column(c::SELLER_ID, rows, |r| r.seller_id.as_str()),
            column(c::CATEGORY_ID, rows, |r| r.category_id.as_deref()),
            column(c::ACTIVE, rows, |r| r.status == "active"),
            column(c::HAS_CODE, rows, |r| r.trace_code.is_some()),
        ],
    )
}

/// The `submissions` frame.
pub fn submissions(rows: &[SubmissionRow]) -> PolarsResult<DataFrame> {
    use frames::submissions as c;
    DataFrame::new(
        rows.len(),
        vec![
            column(c::SELLER_ID, rows, |r| r.seller_id.as_str()),
            column(c::EVENT_ID, rows, |r| r.event_id.as_str()),
            column(c::STATUS, rows, |r| r.status.as_str()),
        ],
    )
}

/// The `flags` frame.
pub fn flags(rows: &[FlagRow]) -> PolarsResult<DataFrame> {
    use frames::flags as c;
    DataFrame::new(
        rows.len(),
        vec![
            column(c::SELLER_ID, rows, |r| r.seller_id.as_str()),
            column(c::CODE, rows, |r| r.code.as_str()),
            column(c::REASON, rows, |r| r.reason.as_str()),
            column(c::EVENT_ID, rows, |r| r.event_id.as_deref()),
        ],
    )
}

/// The `recalls` frame (the store's `active` is the contract's `issued`).
pub fn recalls(rows: &[RecallRow]) -> PolarsResult<DataFrame> {
    use frames::recalls as c;
    DataFrame::new(
        rows.len(),
        vec![
            column(c::RECALL_ID, rows, |r| r.id.as_str()),
            column(c::GTIN, rows, |r| r.gtin.as_str()),
            column(c::BATCH, rows, |r| r.batch.as_deref()),
            column(c::SERIAL, rows, |r| r.serial.as_deref()),
            Column::new(
                c::STATUS.into(),
                rows.iter()
                    .map(|r| {
                        if r.status == "active" {
                            "issued"
                        } else {
                            r.status.as_str()
                        }
                    })
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}

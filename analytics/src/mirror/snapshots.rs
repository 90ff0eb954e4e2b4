//! The snapshots of the mutable tables, as frames with the columns of [`crate::frames`].

use crate::frames;
use crate::mirror::write::time_type;
use polars::prelude::*;
use suyuan_store::analytics_export::{
    FlagRow, ListingRow, RecallRow, SaleRow, SellerRow, SubmissionRow, TransferRow,
};

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
            Column::new(
                c::SELLER_ID.into(),
                rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                c::NAME.into(),
                rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                c::DIVISION.into(),
                rows.iter()
                    .map(|r| r.division_code.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(c::PROVINCE.into(), province),
            Column::new(
                c::SELLER_TYPE.into(),
                rows.iter()
                    .map(|r| r.seller_type.as_str())
                    .collect::<Vec<_>>(),
            ),
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
            Column::new(
                c::SALE_ID.into(),
                rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                c::SELLER_ID.into(),
                rows.iter()
                    .map(|r| r.seller_id.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                c::PLATFORM.into(),
                rows.iter().map(|r| r.platform.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                c::STATUS.into(),
                rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                c::BUYER_TYPE.into(),
                rows.iter()
                    .map(|r| r.buyer_type.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                c::REGION.into(),
                rows.iter().map(|r| r.region.as_deref()).collect::<Vec<_>>(),
            ),
            Column::new(
                c::CATEGORY_ID.into(),
                rows.iter()
                    .map(|r| r.category_id.as_deref())
                    .collect::<Vec<_>>(),
            ),
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
            Column::new(
                c::EVENT_ID.into(),
                rows.iter()
                    .map(|r| r.event_id.as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                c::QUANTITY.into(),
                rows.iter().map(|r| r.quantity).collect::<Vec<_>>(),
            ),
        ],
    )
}

/// The `transfers` frame (the store's `pending` is the contract's `open`).
pub fn transfers(rows: &[TransferRow]) -> PolarsResult<DataFrame> {
    use frames::transfers as c;
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                c::TRANSFER_ID.into(),
                rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                c::FROM_SELLER_ID.into(),
                rows.iter()
                    .map(|r| r.from_seller_id.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                c::SALE_EVENT_ID.into(),
                rows.iter()
                    .map(|r| r.sale_event_id.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                c::CATEGORY_ID.into(),
                rows.iter()
                    .map(|r| r.category_id.as_str())
                    .collect::<Vec<_>>(),
            ),
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
            Column::new(
                c::CLAIMED_BY.into(),
                rows.iter()
                    .map(|r| r.claimed_by.as_deref())
                    .collect::<Vec<_>>(),
            ),
            times(
                c::CLAIMED_AT,
                rows.iter().map(|r| ms(r.claimed_at)).collect(),
            )?,
            Column::new(
                c::CLAIMED_EVENT_ID.into(),
                rows.iter()
                    .map(|r| r.claimed_event_id.as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                c::REMINDERS_SENT.into(),
                rows.iter().map(|r| r.reminders_sent).collect::<Vec<_>>(),
            ),
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
            Column::new(
                c::LISTING_ID.into(),
                rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                c::SELLER_ID.into(),
                rows.iter()
                    .map(|r| r.seller_id.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                c::CATEGORY_ID.into(),
                rows.iter()
                    .map(|r| r.category_id.as_deref())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                c::ACTIVE.into(),
                rows.iter()
                    .map(|r| r.status == "active")
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                c::HAS_CODE.into(),
                rows.iter()
                    .map(|r| r.trace_code.is_some())
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}

/// The `submissions` frame.
pub fn submissions(rows: &[SubmissionRow]) -> PolarsResult<DataFrame> {
    use frames::submissions as c;
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                c::SELLER_ID.into(),
                rows.iter()
                    .map(|r| r.seller_id.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                c::EVENT_ID.into(),
                rows.iter().map(|r| r.event_id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                c::STATUS.into(),
                rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(),
            ),
        ],
    )
}

/// The `flags` frame.
pub fn flags(rows: &[FlagRow]) -> PolarsResult<DataFrame> {
    use frames::flags as c;
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                c::SELLER_ID.into(),
                rows.iter()
                    .map(|r| r.seller_id.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                c::CODE.into(),
                rows.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                c::REASON.into(),
                rows.iter().map(|r| r.reason.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                c::EVENT_ID.into(),
                rows.iter()
                    .map(|r| r.event_id.as_deref())
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}

/// The `recalls` frame (the store's `active` is the contract's `issued`).
pub fn recalls(rows: &[RecallRow]) -> PolarsResult<DataFrame> {
    use frames::recalls as c;
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                c::RECALL_ID.into(),
                rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                c::GTIN.into(),
                rows.iter().map(|r| r.gtin.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                c::BATCH.into(),
                rows.iter().map(|r| r.batch.as_deref()).collect::<Vec<_>>(),
            ),
            Column::new(
                c::SERIAL.into(),
                rows.iter().map(|r| r.serial.as_deref()).collect::<Vec<_>>(),
            ),
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

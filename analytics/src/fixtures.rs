//! Small hand-built frames with the contract's columns and types, for tests (this crate's and
//! the end-to-end ones): rows as plain tuples and structs, frames as the mirror would give them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    clippy::missing_panics_doc
)]

use crate::Frames;
use crate::frames::*;
use chrono::{DateTime, TimeZone as _, Utc};
use polars::prelude::*;

pub const HOUR: i64 = 3600 * 1000;
pub const DAY: i64 = 24 * HOUR;

/// ms since the epoch as a time.
pub fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap()
}

/// An RFC 3339 time as ms since the epoch.
pub fn ts(s: &str) -> i64 {
    DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
}

fn dt(name: &str, v: Vec<Option<i64>>) -> Column {
    Column::new(name.into(), v)
        .cast(&DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(polars::prelude::TimeZone::UTC),
        ))
        .unwrap()
}

fn s(name: &str, v: Vec<Option<String>>) -> Column {
    Column::new(name.into(), v)
}

fn frame(cols: Vec<Column>) -> LazyFrame {
    DataFrame::new_infer_height(cols).unwrap().lazy()
}

fn o(v: &str) -> Option<String> {
    Some(v.to_owned())
}

/// One trace event.
#[derive(Clone)]
pub struct Ev {
    pub id: &'static str,
    pub seller: &'static str,
    pub kind: &'static str,
    pub event_time: i64,
    pub record_time: i64,
    pub deadline: Option<i64>,
    pub category: Option<&'static str>,
    pub region: Option<&'static str>,
    pub corrects: Option<&'static str>,
    pub missing: i64,
}

/// An event of `kind` at `t`, recorded at once, deadline a day later, category `ebike`.
pub fn ev(id: &'static str, seller: &'static str, kind: &'static str, t: i64) -> Ev {
    Ev {
        id,
        seller,
        kind,
        event_time: t,
        record_time: t,
        deadline: Some(t + DAY),
        category: Some("ebike"),
        region: Some("440104"),
        corrects: None,
        missing: 0,
    }
}

pub fn events_frame(rows: &[Ev]) -> LazyFrame {
    frame(vec![
        s(events::EVENT_ID, rows.iter().map(|r| o(r.id)).collect()),
        s(
            events::SELLER_ID,
            rows.iter().map(|r| o(r.seller)).collect(),
        ),
        Column::new(
            events::SEQ.into(),
            (0..rows.len() as i64).collect::<Vec<_>>(),
        ),
        s(
            events::RECORD_KIND,
            rows.iter().map(|r| o(r.kind)).collect(),
        ),
        dt(
            events::EVENT_TIME,
            rows.iter().map(|r| Some(r.event_time)).collect(),
        ),
        dt(
            events::RECORD_TIME,
            rows.iter().map(|r| Some(r.record_time)).collect(),
        ),
        dt(
            events::DEADLINE_AT,
            rows.iter().map(|r| r.deadline).collect(),
        ),
        s(
            events::CATEGORY_ID,
            rows.iter().map(|r| r.category.and_then(o)).collect(),
        ),
        s(
            events::REGION,
            rows.iter().map(|r| r.region.and_then(o)).collect(),
        ),
        s(
            events::PROVINCE,
            rows.iter()
                .map(|r| r.region.map(|x| x[..2].to_owned()))
                .collect(),
        ),
        s(events::MONTH, rows.iter().map(|_| None).collect()),
        s(events::BUYER_TYPE, rows.iter().map(|_| None).collect()),
        s(
            events::CORRECTS_ID,
            rows.iter().map(|r| r.corrects.and_then(o)).collect(),
        ),
        s(
            events::MISSING_ELEMENTS,
            rows.iter()
                .map(|r| o(if r.missing > 0 { "x" } else { "" }))
                .collect(),
        ),
        Column::new(
            events::MISSING_COUNT.into(),
            rows.iter().map(|r| r.missing).collect::<Vec<_>>(),
        ),
    ])
}

pub fn empty_events() -> LazyFrame {
    events_frame(&[])
}

/// One code on an event: (event, seller, code, gtin, batch, serial, quantity).
pub type Code = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    i64,
);

pub fn codes_frame(rows: &[Code]) -> LazyFrame {
    frame(vec![
        s(event_codes::EVENT_ID, rows.iter().map(|r| o(r.0)).collect()),
        s(
            event_codes::SELLER_ID,
            rows.iter().map(|r| o(r.1)).collect(),
        ),
        s(event_codes::CODE, rows.iter().map(|r| o(r.2)).collect()),
        s(event_codes::GTIN, rows.iter().map(|r| o(r.3)).collect()),
        s(
            event_codes::BATCH,
            rows.iter().map(|r| r.4.and_then(o)).collect(),
        ),
        s(
            event_codes::SERIAL,
            rows.iter().map(|r| r.5.and_then(o)).collect(),
        ),
        Column::new(
            event_codes::QUANTITY.into(),
            rows.iter().map(|r| r.6).collect::<Vec<_>>(),
        ),
    ])
}

/// One sale.
#[derive(Clone)]
pub struct Sale {
    pub id: &'static str,
    pub seller: &'static str,
    pub status: &'static str,
    pub category: Option<&'static str>,
    pub region: Option<&'static str>,
    pub required: bool,
    pub started: Option<i64>,
    pub completed: Option<i64>,
    pub deadline: Option<i64>,
    pub event_id: Option<&'static str>,
}

pub fn sale(
    id: &'static str,
    seller: &'static str,
    required: bool,
    started: Option<i64>,
    completed: Option<i64>,
    deadline: i64,
) -> Sale {
    Sale {
        id,
        seller,
        status: if required { "paid" } else { "cancelled" },
        category: Some("ebike"),
        region: Some("440104"),
        required,
        started,
        completed,
        deadline: Some(deadline),
        event_id: None,
    }
}

/// A sale registered at once, in `category` and `region`, started at `t`.
pub fn sale_in(
    id: &'static str,
    seller: &'static str,
    category: &'static str,
    region: &'static str,
    t: i64,
) -> Sale {
    Sale {
        category: Some(category),
        region: Some(region),
        ..sale(id, seller, true, Some(t), Some(t), t + DAY)
    }
}

pub fn sales_frame(rows: &[Sale]) -> LazyFrame {
    frame(vec![
        s(sales::SALE_ID, rows.iter().map(|r| o(r.id)).collect()),
        s(sales::SELLER_ID, rows.iter().map(|r| o(r.seller)).collect()),
        s(sales::PLATFORM, rows.iter().map(|_| o("shopify")).collect()),
        s(sales::STATUS, rows.iter().map(|r| o(r.status)).collect()),
        s(
            sales::BUYER_TYPE,
            rows.iter().map(|_| o("consumer")).collect(),
        ),
        s(
            sales::REGION,
            rows.iter().map(|r| r.region.and_then(o)).collect(),
        ),
        s(
            sales::CATEGORY_ID,
            rows.iter().map(|r| r.category.and_then(o)).collect(),
        ),
        Column::new(
            sales::REQUIRED.into(),
            rows.iter().map(|r| r.required).collect::<Vec<_>>(),
        ),
        dt(sales::STARTED_AT, rows.iter().map(|r| r.started).collect()),
        dt(
            sales::COMPLETED_AT,
            rows.iter().map(|r| r.completed).collect(),
        ),
        dt(
            sales::DEADLINE_AT,
            rows.iter().map(|r| r.deadline).collect(),
        ),
        s(
            sales::EVENT_ID,
            rows.iter().map(|r| r.event_id.and_then(o)).collect(),
        ),
        Column::new(
            sales::QUANTITY.into(),
            rows.iter().map(|_| 1i64).collect::<Vec<_>>(),
        ),
    ])
}

/// One transfer: (id, from seller, status, sold at, reminders sent, last reminder).
pub type Transfer = (
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    Option<i64>,
);

pub fn transfers_frame(rows: &[Transfer]) -> LazyFrame {
    frame(vec![
        s(
            transfers::TRANSFER_ID,
            rows.iter().map(|r| o(r.0)).collect(),
        ),
        s(
            transfers::FROM_SELLER_ID,
            rows.iter().map(|r| o(r.1)).collect(),
        ),
        s(
            transfers::SALE_EVENT_ID,
            rows.iter().map(|_| None).collect(),
        ),
        s(
            transfers::CATEGORY_ID,
            rows.iter().map(|_| o("ebike")).collect(),
        ),
        s(transfers::STATUS, rows.iter().map(|r| o(r.2)).collect()),
        dt(transfers::SOLD_AT, rows.iter().map(|r| Some(r.3)).collect()),
        s(transfers::CLAIMED_BY, rows.iter().map(|_| None).collect()),
        dt(transfers::CLAIMED_AT, rows.iter().map(|_| None).collect()),
        s(
            transfers::CLAIMED_EVENT_ID,
            rows.iter().map(|_| None).collect(),
        ),
        Column::new(
            transfers::REMINDERS_SENT.into(),
            rows.iter().map(|r| r.4).collect::<Vec<_>>(),
        ),
        dt(
            transfers::LAST_REMINDER_AT,
            rows.iter().map(|r| r.5).collect(),
        ),
    ])
}

/// One listing: (id, seller, category, active, has code).
pub type Listing = (&'static str, &'static str, Option<&'static str>, bool, bool);

pub fn listings_frame(rows: &[Listing]) -> LazyFrame {
    frame(vec![
        s(listings::LISTING_ID, rows.iter().map(|r| o(r.0)).collect()),
        s(listings::SELLER_ID, rows.iter().map(|r| o(r.1)).collect()),
        s(
            listings::CATEGORY_ID,
            rows.iter().map(|r| r.2.and_then(o)).collect(),
        ),
        Column::new(
            listings::ACTIVE.into(),
            rows.iter().map(|r| r.3).collect::<Vec<_>>(),
        ),
        Column::new(
            listings::HAS_CODE.into(),
            rows.iter().map(|r| r.4).collect::<Vec<_>>(),
        ),
    ])
}

/// One seller: (id, division).
pub fn sellers_frame(rows: &[(&'static str, &'static str)]) -> LazyFrame {
    frame(vec![
        s(sellers::SELLER_ID, rows.iter().map(|r| o(r.0)).collect()),
        s(sellers::NAME, rows.iter().map(|r| o(r.0)).collect()),
        s(sellers::DIVISION, rows.iter().map(|r| o(r.1)).collect()),
        s(
            sellers::PROVINCE,
            rows.iter().map(|r| o(&r.1[..2])).collect(),
        ),
        s(
            sellers::SELLER_TYPE,
            rows.iter().map(|_| o("online")).collect(),
        ),
    ])
}

/// One submission: (seller, event, status).
pub fn submissions_frame(rows: &[(&'static str, &'static str, &'static str)]) -> LazyFrame {
    frame(vec![
        s(
            submissions::SELLER_ID,
            rows.iter().map(|r| o(r.0)).collect(),
        ),
        s(submissions::EVENT_ID, rows.iter().map(|r| o(r.1)).collect()),
        s(submissions::STATUS, rows.iter().map(|r| o(r.2)).collect()),
    ])
}

/// One flag: (seller, code, event).
pub fn flags_frame(rows: &[(&'static str, &'static str, Option<&'static str>)]) -> LazyFrame {
    frame(vec![
        s(flags::SELLER_ID, rows.iter().map(|r| o(r.0)).collect()),
        s(flags::CODE, rows.iter().map(|r| o(r.1)).collect()),
        s(
            flags::REASON,
            rows.iter().map(|_| o("received_twice")).collect(),
        ),
        s(
            flags::EVENT_ID,
            rows.iter().map(|r| r.2.and_then(o)).collect(),
        ),
    ])
}

/// One recall: (id, gtin, batch, serial, status).
pub type Recall = (
    &'static str,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
);

pub fn recalls_frame(rows: &[Recall]) -> LazyFrame {
    frame(vec![
        s(recalls::RECALL_ID, rows.iter().map(|r| o(r.0)).collect()),
        s(recalls::GTIN, rows.iter().map(|r| o(r.1)).collect()),
        s(
            recalls::BATCH,
            rows.iter().map(|r| r.2.and_then(o)).collect(),
        ),
        s(
            recalls::SERIAL,
            rows.iter().map(|r| r.3.and_then(o)).collect(),
        ),
        s(recalls::STATUS, rows.iter().map(|r| o(r.4)).collect()),
    ])
}

/// Frames with every table empty but the sellers.
pub fn empty_frames(sellers: &[(&'static str, &'static str)]) -> Frames {
    Frames {
        events: empty_events(),
        event_codes: codes_frame(&[]),
        sales: sales_frame(&[]),
        transfers: transfers_frame(&[]),
        listings: listings_frame(&[]),
        sellers: sellers_frame(sellers),
        submissions: submissions_frame(&[]),
        flags: flags_frame(&[]),
        recalls: recalls_frame(&[]),
    }
}

pub fn i64_at(df: &DataFrame, name: &str, i: usize) -> i64 {
    df.column(name)
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .get(i)
        .unwrap()
}

pub fn f64_at(df: &DataFrame, name: &str, i: usize) -> f64 {
    df.column(name)
        .unwrap()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .get(i)
        .unwrap()
}

pub fn str_at(df: &DataFrame, name: &str, i: usize) -> String {
    df.column(name)
        .unwrap()
        .str()
        .unwrap()
        .get(i)
        .unwrap()
        .to_owned()
}

pub fn strs(df: &DataFrame, name: &str) -> Vec<String> {
    (0..df.height()).map(|i| str_at(df, name, i)).collect()
}

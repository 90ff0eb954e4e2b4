//! Rows to frames to Parquet parts: the columns of [`crate::frames`], partitioned by month and
//! province for the append-only frames.

use crate::frames::{event_codes as ec, events as ev};
use crate::mirror::MirrorError;
use chrono::{DateTime, FixedOffset, Utc};
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::Path;
use suyuan_store::analytics_export::{EventCodeRow, EventRow};

/// Parquet time type of the frames: milliseconds, UTC.
pub fn time_type() -> DataType {
    DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
}

/// `YYYY-MM` of a time in China time (UTC+8), the `month` partition.
pub fn month_of(t: DateTime<Utc>) -> String {
    let china = FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix());
    t.with_timezone(&china).format("%Y-%m").to_string()
}

use chrono::Offset as _;

/// The `province` partition: the first two digits of a division code (`00` when unknown).
pub fn province_of(region: Option<&str>, seller_division: Option<&str>) -> String {
    region
        .or(seller_division)
        .and_then(|r| r.get(..2))
        .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("00")
        .to_owned()
}

/// The missing elements of a record as the frame holds them: comma-separated, from the store's
/// JSON array.
fn missing_of(json: &str) -> (String, u32) {
    match serde_json::from_str::<Vec<String>>(json) {
        Ok(list) => {
            let n = u32::try_from(list.len()).unwrap_or(u32::MAX);
            (list.join(","), n)
        }
        Err(_) => (String::new(), 0),
    }
}

/// Events of one partition, column by column.
#[derive(Default)]
pub(crate) struct EventCols {
    id: Vec<String>,
    seller: Vec<String>,
    seq: Vec<i64>,
    kind: Vec<String>,
    event_time: Vec<i64>,
    record_time: Vec<i64>,
    deadline: Vec<Option<i64>>,
    category: Vec<Option<String>>,
    region: Vec<Option<String>>,
    buyer: Vec<Option<String>>,
    corrects: Vec<Option<String>>,
    missing: Vec<String>,
    missing_count: Vec<u32>,
}

impl EventCols {
    fn push(&mut self, e: EventRow) {
        let (missing, count) = missing_of(&e.missing_elements);
        self.id.push(e.id);
        self.seller.push(e.seller_id);
        self.seq.push(e.seq);
        self.kind.push(e.record_kind);
        self.event_time.push(e.event_time.timestamp_millis());
        self.record_time.push(e.record_time.timestamp_millis());
        self.deadline
            .push(e.deadline_at.map(|d| d.timestamp_millis()));
        self.category.push(e.category_id);
        self.region.push(e.region);
        self.buyer.push(e.buyer_type);
        self.corrects.push(e.corrects_id);
        self.missing.push(missing);
        self.missing_count.push(count);
    }

    fn len(&self) -> usize {
        self.id.len()
    }

    fn into_frame(self) -> PolarsResult<DataFrame> {
        let n = self.id.len();
        let time = |name: &str, v: Vec<i64>| -> PolarsResult<Column> {
            Column::new(name.into(), v).cast(&time_type())
        };
        let deadline = Column::new(ev::DEADLINE_AT.into(), self.deadline).cast(&time_type())?;
        DataFrame::new(
            n,
            vec![
                Column::new(ev::EVENT_ID.into(), self.id),
                Column::new(ev::SELLER_ID.into(), self.seller),
                Column::new(ev::SEQ.into(), self.seq),
                Column::new(ev::RECORD_KIND.into(), self.kind),
                time(ev::EVENT_TIME, self.event_time)?,
                time(ev::RECORD_TIME, self.record_time)?,
                deadline,
                Column::new(ev::CATEGORY_ID.into(), self.category),
                Column::new(ev::REGION.into(), self.region),
                Column::new(ev::BUYER_TYPE.into(), self.buyer),
                Column::new(ev::CORRECTS_ID.into(), self.corrects),
                Column::new(ev::MISSING_ELEMENTS.into(), self.missing),
                Column::new(ev::MISSING_COUNT.into(), self.missing_count),
            ],
        )
    }
}

/// Codes of one partition.
#[derive(Default)]
pub(crate) struct CodeCols {
    event: Vec<String>,
    seller: Vec<String>,
    code: Vec<String>,
    gtin: Vec<Option<String>>,
    batch: Vec<Option<String>>,
    serial: Vec<Option<String>>,
    quantity: Vec<f64>,
}

impl CodeCols {
    fn push(&mut self, c: EventCodeRow) {
        self.event.push(c.event_id);
        self.seller.push(c.seller_id);
        self.code.push(c.code);
        self.gtin.push(c.gtin);
        self.batch.push(c.batch);
        self.serial.push(c.serial);
        self.quantity.push(c.quantity.unwrap_or(1.0));
    }

    fn into_frame(self) -> PolarsResult<DataFrame> {
        let n = self.event.len();
        DataFrame::new(
            n,
            vec![
                Column::new(ec::EVENT_ID.into(), self.event),
                Column::new(ec::SELLER_ID.into(), self.seller),
                Column::new(ec::CODE.into(), self.code),
                Column::new(ec::GTIN.into(), self.gtin),
                Column::new(ec::BATCH.into(), self.batch),
                Column::new(ec::SERIAL.into(), self.serial),
                Column::new(ec::QUANTITY.into(), self.quantity),
            ],
        )
    }
}

/// Events and codes buffered per (month, province) until they are written as parts.
#[derive(Default)]
pub struct PartitionedBuffer {
    events: BTreeMap<(String, String), EventCols>,
    codes: BTreeMap<(String, String), CodeCols>,
    rows: usize,
}

impl PartitionedBuffer {
    /// Adds a page of events and their codes; `division` gives a seller's division code for
    /// events without a region.
    pub fn add(
        &mut self,
        events: Vec<EventRow>,
        codes: Vec<EventCodeRow>,
        division: &HashMap<String, String>,
    ) {
        let mut keys: HashMap<String, (String, String)> = HashMap::with_capacity(events.len());
        for e in events {
            let key = (
                month_of(e.event_time),
                province_of(
                    e.region.as_deref(),
                    division.get(&e.seller_id).map(String::as_str),
                ),
            );
            if !codes.is_empty() {
                keys.insert(e.id.clone(), key.clone());
            }
            self.events.entry(key).or_default().push(e);
            self.rows += 1;
        }
        for c in codes {
            if let Some(key) = keys.get(&c.event_id) {
                self.codes.entry(key.clone()).or_default().push(c);
            }
        }
    }

    /// Events buffered.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Writes every partition as a part named `part-{run}-{n}.parquet` under `dir`, empties the
    /// buffer, and answers the parts written (relative paths) with their row counts.
    pub fn flush(&mut self, dir: &Path, run: &str, n: usize) -> Result<Flushed, MirrorError> {
        let mut out = Flushed::default();
        for ((month, province), cols) in std::mem::take(&mut self.events) {
            if cols.len() == 0 {
                continue;
            }
            out.event_rows += cols.len() as u64;
            out.months.push(month.clone());
            let rel = format!("events/month={month}/province={province}/part-{run}-{n}.parquet");
            write_part(dir, &rel, cols.into_frame()?)?;
            out.events.push(rel);
        }
        for ((month, province), cols) in std::mem::take(&mut self.codes) {
            out.code_rows += cols.event.len() as u64;
            let rel =
                format!("event_codes/month={month}/province={province}/part-{run}-{n}.parquet");
            write_part(dir, &rel, cols.into_frame()?)?;
            out.event_codes.push(rel);
        }
        self.rows = 0;
        out.months.sort();
        out.months.dedup();
        Ok(out)
    }
}

/// What one flush wrote.
#[derive(Debug, Default)]
pub struct Flushed {
    /// Event parts (relative paths).
    pub events: Vec<String>,
    /// Code parts.
    pub event_codes: Vec<String>,
    /// Events written.
    pub event_rows: u64,
    /// Codes written.
    pub code_rows: u64,
    /// Months touched.
    pub months: Vec<String>,
}

/// Writes a frame as one Parquet file at `dir/rel` (directories made as needed), synced.
pub fn write_part(dir: &Path, rel: &str, mut df: DataFrame) -> Result<(), MirrorError> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| MirrorError::io(parent, e))?;
    }
    let file = fs::File::create(&path).map_err(|e| MirrorError::io(&path, e))?;
    ParquetWriter::new(&file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_statistics(StatisticsOptions::default())
        .finish(&mut df)?;
    file.sync_all().map_err(|e| MirrorError::io(&path, e))?;
    Ok(())
}

/// An empty `events` frame (no partition columns), for a mirror without parts.
pub(crate) fn empty_events() -> PolarsResult<DataFrame> {
    EventCols::default().into_frame()
}

/// An empty `event_codes` frame.
pub(crate) fn empty_codes() -> PolarsResult<DataFrame> {
    CodeCols::default().into_frame()
}

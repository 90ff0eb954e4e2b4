//! The columnar mirror of the ledger: Parquet files the computations scan with Polars (and that
//! DuckDB, Spark or Trino read as they are; the layout is in the crate README).
//!
//! ```text
//! <root>/current -> gen-<ULID>           symlink to the live generation (swapped by a rebuild)
//! <root>/gen-<ULID>/manifest.json        what the mirror holds: the truth
//! <root>/gen-<ULID>/events/month=2026-11/province=44/part-<run>-<n>.parquet
//! <root>/gen-<ULID>/event_codes/month=2026-11/province=44/part-<run>-<n>.parquet
//! <root>/gen-<ULID>/sales/part-<run>.parquet   (and transfers, listings, sellers, submissions,
//!                                              flags, recalls: one snapshot file each)
//! ```
//!
//! Trace events are append-only: each run appends the events created after the watermark (the
//! last event id mirrored; ids are ULIDs, so their order is creation order) as new parts, then
//! rewrites the snapshots of the mutable tables, then writes the manifest atomically. A run that
//! dies before the manifest leaves parts no reader sees; the next run removes them and reads the
//! same events again. A rebuild fills a new generation from scratch and swaps the symlink.

pub mod manifest;
pub mod snapshots;
pub mod write;

use crate::mirror::manifest::{Manifest, sync_dir};
use crate::mirror::write::{Flushed, PartitionedBuffer, write_part};
use chrono::{DateTime, Utc};
use polars::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use suyuan_store::analytics_export as export;
use suyuan_store::{DatabaseConnection, StoreError};

/// Why the mirror could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    /// A file operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// The manifest is unreadable.
    #[error("manifest {path}: {reason}")]
    Manifest {
        /// The manifest file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Polars refused a frame.
    #[error("polars: {0}")]
    Polars(#[from] PolarsError),
    /// Reading the store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

impl MirrorError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        MirrorError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// The snapshot frames, rewritten whole on each run.
pub const SNAPSHOTS: [&str; 7] = [
    "sales",
    "transfers",
    "listings",
    "sellers",
    "submissions",
    "flags",
    "recalls",
];

/// Events read from the store per page.
const PAGE: u64 = 20_000;
/// Events buffered before they are written as parts (bounds the run's memory).
const FLUSH_ROWS: usize = 1_000_000;
/// Rows of a snapshot table read per page.
const SNAPSHOT_PAGE: u64 = 1_000;
const CURRENT: &str = "current";

/// A mirror rooted at a directory.
#[derive(Debug, Clone)]
pub struct Mirror {
    root: PathBuf,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunReport {
    /// Events appended.
    pub events_added: u64,
    /// Event codes appended.
    pub codes_added: u64,
    /// Months (`YYYY-MM`) that received events: the partitions to recompute.
    pub touched_months: BTreeSet<String>,
    /// Stray parts removed (left by a run that died before its manifest).
    pub strays_removed: usize,
    /// Events in the mirror after the run.
    pub event_rows: u64,
}

/// Progress callback: events read so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

impl Mirror {
    /// Opens (creating if needed) the mirror at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Mirror, MirrorError> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(|e| MirrorError::io(&root, e))?;
        let mirror = Mirror { root };
        if fs::symlink_metadata(mirror.root.join(CURRENT)).is_err() {
            let generation = new_generation(&mirror.root)?;
            mirror.point_current_at(&generation)?;
        }
        Ok(mirror)
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The live generation's directory (`<root>/current`, a symlink).
    pub fn dir(&self) -> PathBuf {
        self.root.join(CURRENT)
    }

    /// The live manifest.
    pub fn manifest(&self) -> Result<Manifest, MirrorError> {
        Manifest::read(&self.dir())
    }

    /// Removes what the manifest does not name: parts of runs that died before their
    /// manifest, a manifest's temporary file, and generations left by a rebuild that died.
    /// Answers how many files and directories it removed.
    pub fn remove_strays(&self) -> Result<usize, MirrorError> {
        let dir = self.dir();
        let manifest = Manifest::read(&dir)?;
        let named: BTreeSet<PathBuf> = manifest.files().map(|f| dir.join(f)).collect();
        let mut removed = 0;
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for entry in fs::read_dir(&d).map_err(|e| MirrorError::io(&d, e))? {
                let path = entry.map_err(|e| MirrorError::io(&d, e))?.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.file_name().is_some_and(|n| n != manifest::FILE)
                    && !named.contains(&path)
                {
                    fs::remove_file(&path).map_err(|e| MirrorError::io(&path, e))?;
                    removed += 1;
                }
            }
        }
        let live =
            fs::read_link(self.root.join(CURRENT)).map_err(|e| MirrorError::io(&self.root, e))?;
        for entry in fs::read_dir(&self.root).map_err(|e| MirrorError::io(&self.root, e))? {
            let entry = entry.map_err(|e| MirrorError::io(&self.root, e))?;
            let name = entry.file_name();
            let is_generation = name.to_string_lossy().starts_with("gen-");
            if is_generation && Path::new(&name) != live.as_path() {
                let path = entry.path();
                fs::remove_dir_all(&path).map_err(|e| MirrorError::io(&path, e))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Starts appending to the live generation (the generator writes through this too).
    pub fn appender(&self) -> Result<Appender, MirrorError> {
        Appender::new(self.dir())
    }

    /// Appends the events created after the watermark and before `now - settle` (a moment
    /// older than any transaction still writing events), rewrites the snapshots and the
    /// manifest. Stray parts of a run that died are removed first.
    pub async fn append_from_store(
        &self,
        db: &DatabaseConnection,
        now: DateTime<Utc>,
        settle: chrono::Duration,
        progress: Progress<'_>,
    ) -> Result<RunReport, MirrorError> {
        let strays = self.remove_strays()?;
        let mut report = fill(self.appender()?, db, now - settle, progress).await?;
        report.strays_removed = strays;
        Ok(report)
    }

    /// Rebuilds the mirror from scratch: fills a new generation, then swaps `current` to it in
    /// one rename and removes the old one. Readers see the old mirror or the new, never a mix.
    pub async fn rebuild_from_store(
        &self,
        db: &DatabaseConnection,
        now: DateTime<Utc>,
        settle: chrono::Duration,
        progress: Progress<'_>,
    ) -> Result<RunReport, MirrorError> {
        let old = fs::read_link(self.dir()).ok();
        let generation = new_generation(&self.root)?;
        let appender = Appender::new(self.root.join(&generation))?;
        let report = fill(appender, db, now - settle, progress).await?;
        self.point_current_at(&generation)?;
        if let Some(old) = old {
            let path = self.root.join(old);
            if path.exists() {
                fs::remove_dir_all(&path).map_err(|e| MirrorError::io(&path, e))?;
            }
        }
        Ok(report)
    }

    fn point_current_at(&self, generation: &str) -> Result<(), MirrorError> {
        let tmp = self.root.join(format!("{CURRENT}.tmp"));
        let _ = fs::remove_file(&tmp);
        std::os::unix::fs::symlink(generation, &tmp).map_err(|e| MirrorError::io(&tmp, e))?;
        let current = self.root.join(CURRENT);
        fs::rename(&tmp, &current).map_err(|e| MirrorError::io(&current, e))?;
        sync_dir(&self.root)
    }

    /// The `events` frame, lazily: exactly the parts the manifest names, with `month` and
    /// `province` from the Hive paths (as strings).
    pub fn scan_events(&self) -> Result<LazyFrame, MirrorError> {
        let m = self.manifest()?;
        scan_parts(&self.dir(), &m.events, events_schema()?)
    }

    /// The `event_codes` frame, lazily (as [`Mirror::scan_events`]).
    pub fn scan_event_codes(&self) -> Result<LazyFrame, MirrorError> {
        let m = self.manifest()?;
        scan_parts(&self.dir(), &m.event_codes, codes_schema()?)
    }

    /// A snapshot frame (`sales`, `transfers`, …), lazily; empty when never written.
    pub fn scan_snapshot(&self, name: &str) -> Result<LazyFrame, MirrorError> {
        let m = self.manifest()?;
        match m.snapshots.get(name) {
            Some(rel) => {
                let path = self.dir().join(rel);
                Ok(LazyFrame::scan_parquet(
                    PlRefPath::new(path.to_string_lossy().as_ref()),
                    ScanArgsParquet::default(),
                )?)
            }
            None => Ok(DataFrame::empty().lazy()),
        }
    }
}

fn hive_schema() -> SchemaRef {
    Arc::new(Schema::from_iter([
        Field::new(crate::frames::events::MONTH.into(), DataType::String),
        Field::new(crate::frames::events::PROVINCE.into(), DataType::String),
    ]))
}

fn events_schema() -> PolarsResult<DataFrame> {
    write::empty_events()
}

fn codes_schema() -> PolarsResult<DataFrame> {
    write::empty_codes()
}

fn scan_parts(dir: &Path, parts: &[String], empty: DataFrame) -> Result<LazyFrame, MirrorError> {
    if parts.is_empty() {
        let n = empty.height();
        let mut df = empty;
        df.with_column(Column::new(
            crate::frames::events::MONTH.into(),
            Vec::<String>::new(),
        ))?;
        df.with_column(Column::new(
            crate::frames::events::PROVINCE.into(),
            Vec::<String>::new(),
        ))?;
        debug_assert_eq!(n, 0);
        return Ok(df.lazy());
    }
    let paths: Vec<PlRefPath> = parts
        .iter()
        .map(|p| PlRefPath::new(dir.join(p).to_string_lossy().as_ref()))
        .collect();
    let args = ScanArgsParquet {
        hive_options: HiveOptions {
            enabled: Some(true),
            hive_start_idx: 0,
            schema: Some(hive_schema()),
            try_parse_dates: false,
        },
        ..ScanArgsParquet::default()
    };
    Ok(LazyFrame::scan_parquet_sources(
        ScanSources::Paths(paths.into()),
        args,
    )?)
}

fn new_generation(root: &Path) -> Result<String, MirrorError> {
    let name = format!("gen-{}", ulid::Ulid::new());
    let path = root.join(&name);
    fs::create_dir_all(&path).map_err(|e| MirrorError::io(&path, e))?;
    Ok(name)
}

/// Writes parts and snapshots into a generation and, on [`Appender::commit`], the manifest that
/// makes them visible.
pub struct Appender {
    dir: PathBuf,
    manifest: Manifest,
    run: String,
    buffer: PartitionedBuffer,
    flushes: usize,
    written: Flushed,
    replaced: Vec<String>,
    division: HashMap<String, String>,
}

impl Appender {
    fn new(dir: PathBuf) -> Result<Appender, MirrorError> {
        let manifest = Manifest::read(&dir)?;
        Ok(Appender {
            dir,
            manifest,
            run: ulid::Ulid::new().to_string(),
            buffer: PartitionedBuffer::default(),
            flushes: 0,
            written: Flushed::default(),
            replaced: Vec::new(),
            division: HashMap::new(),
        })
    }

    /// The watermark this appender started from.
    pub fn watermark(&self) -> Option<&str> {
        self.manifest.watermark.as_deref()
    }

    /// Sellers' division codes, for the province of events that name no region.
    pub fn set_divisions(&mut self, division: HashMap<String, String>) {
        self.division = division;
    }

    /// Adds events (in id order) and their codes; writes parts when enough are buffered.
    pub fn add(
        &mut self,
        events: Vec<export::EventRow>,
        codes: Vec<export::EventCodeRow>,
    ) -> Result<(), MirrorError> {
        if let Some(last) = events.last() {
            self.manifest.watermark = Some(last.id.clone());
        }
        self.buffer.add(events, codes, &self.division);
        if self.buffer.rows() >= FLUSH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), MirrorError> {
        let f = self.buffer.flush(&self.dir, &self.run, self.flushes)?;
        self.flushes += 1;
        self.written.events.extend(f.events);
        self.written.event_codes.extend(f.event_codes);
        self.written.event_rows += f.event_rows;
        self.written.code_rows += f.code_rows;
        self.written.months.extend(f.months);
        Ok(())
    }

    /// Writes a snapshot frame (replacing the previous one when the manifest is committed).
    pub fn snapshot(&mut self, name: &str, df: DataFrame) -> Result<(), MirrorError> {
        let rel = format!("{name}/part-{}.parquet", self.run);
        write_part(&self.dir, &rel, df)?;
        if let Some(old) = self.manifest.snapshots.insert(name.to_owned(), rel) {
            self.replaced.push(old);
        }
        Ok(())
    }

    /// Writes what is buffered, then the manifest naming it all (the moment the run becomes
    /// visible), then removes the snapshot files it replaced.
    pub fn commit(mut self) -> Result<RunReport, MirrorError> {
        self.flush()?;
        let w = std::mem::take(&mut self.written);
        self.manifest.events.extend(w.events);
        self.manifest.event_codes.extend(w.event_codes);
        self.manifest.event_rows += w.event_rows;
        self.manifest.event_code_rows += w.code_rows;
        self.manifest.runs += 1;
        self.manifest.version = 1;
        self.manifest.write(&self.dir)?;
        for old in &self.replaced {
            let path = self.dir.join(old);
            let _ = fs::remove_file(&path);
        }
        Ok(RunReport {
            events_added: w.event_rows,
            codes_added: w.code_rows,
            touched_months: w.months.into_iter().collect(),
            strays_removed: 0,
            event_rows: self.manifest.event_rows,
        })
    }
}

/// Every row of a snapshot table, page by page (keyset on the primary key).
macro_rules! read_all {
    (str $db:expr, $page:path) => {{
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let rows = $page($db, after.as_deref(), SNAPSHOT_PAGE).await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.id.clone());
            all.extend(rows);
        }
        all
    }};
    (i64 $db:expr, $page:path) => {{
        let mut all = Vec::new();
        let mut after: Option<i64> = None;
        loop {
            let rows = $page($db, after, SNAPSHOT_PAGE).await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.id);
            all.extend(rows);
        }
        all
    }};
}

/// Reads everything after the appender's watermark (and created before `before`) from the
/// store into it, then the snapshots, then commits.
async fn fill(
    mut appender: Appender,
    db: &DatabaseConnection,
    before: DateTime<Utc>,
    progress: Progress<'_>,
) -> Result<RunReport, MirrorError> {
    let sellers = read_all!(str db, export::sellers_page);
    appender.set_divisions(
        sellers
            .iter()
            .map(|s| (s.id.clone(), s.division_code.clone()))
            .collect(),
    );
    let before = export::before_id(before);
    let mut after = appender.watermark().map(str::to_owned);
    let mut read = 0u64;
    loop {
        let page = export::events_page(db, after.as_deref(), Some(&before), PAGE).await?;
        let Some(last) = page.events.last() else {
            break;
        };
        after = Some(last.id.clone());
        read += page.events.len() as u64;
        appender.add(page.events, page.codes)?;
        progress(read);
    }
    appender.snapshot("sellers", snapshots::sellers(&sellers)?)?;
    let sales = read_all!(str db, export::sales_page);
    appender.snapshot("sales", snapshots::sales(&sales)?)?;
    let transfers = read_all!(str db, export::transfers_page);
    appender.snapshot("transfers", snapshots::transfers(&transfers)?)?;
    let listings = read_all!(str db, export::listings_page);
    appender.snapshot("listings", snapshots::listings(&listings)?)?;
    let recalls = read_all!(str db, export::recalls_page);
    appender.snapshot("recalls", snapshots::recalls(&recalls)?)?;
    let submissions = read_all!(i64 db, export::submissions_page);
    appender.snapshot("submissions", snapshots::submissions(&submissions)?)?;
    let flags = read_all!(i64 db, export::flags_page);
    appender.snapshot("flags", snapshots::flags(&flags)?)?;
    appender.commit()
}

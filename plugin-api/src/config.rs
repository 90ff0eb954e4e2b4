//! The storefront side's own settings (read by the `suyuan` command's configuration).

/// Settings of the submission worker (the outbox to trace platforms). A platform may override
/// the retry budget, the backoff and the timeouts for itself in the registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SubmitConfig {
    /// `SUYUAN_SUBMIT_POLL`: how often the router looks for new records when idle (default 500ms).
    pub poll: std::time::Duration,
    /// `SUYUAN_SUBMIT_MAX_ATTEMPTS`: attempts before a submission is dead-lettered (default 12).
    pub max_attempts: i32,
    /// `SUYUAN_SUBMIT_BACKOFF_BASE`: the first retry's delay, doubled per attempt (default 2s).
    pub backoff_base: std::time::Duration,
    /// `SUYUAN_SUBMIT_BACKOFF_MAX`: the longest delay between attempts (default 1h).
    pub backoff_max: std::time::Duration,
    /// `SUYUAN_SUBMIT_REQUEST_TIMEOUT`: the longest one request may take (default 10s).
    pub request_timeout: std::time::Duration,
    /// `SUYUAN_SUBMIT_FOLLOW_MAX`: how long an EPCIS capture job is followed (default 10s).
    pub follow_max: std::time::Duration,
    /// `SUYUAN_SUBMIT_CONCURRENCY`: submissions sent at once by one process (default 16).
    pub concurrency: usize,
    /// `SUYUAN_QUEUE_LEASE`: how long a claimed submission is held without renewal (default 1m;
    /// renewed every quarter of it while it is sent, so a dead worker's submissions are sent
    /// again this long after it died).
    pub lease: std::time::Duration,
}

impl Default for SubmitConfig {
    fn default() -> Self {
        Self {
            poll: std::time::Duration::from_millis(500),
            max_attempts: 12,
            backoff_base: std::time::Duration::from_secs(2),
            backoff_max: std::time::Duration::from_secs(3600),
            request_timeout: std::time::Duration::from_secs(10),
            follow_max: std::time::Duration::from_secs(10),
            concurrency: 16,
            lease: std::time::Duration::from_secs(60),
        }
    }
}

/// Limits of CSV imports (`POST /api/v1/imports/*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportConfig {
    /// `SUYUAN_IMPORT_MAX_BYTES`: the largest upload, file and form together (default 50 MiB).
    pub max_bytes: usize,
    /// `SUYUAN_IMPORT_MAX_FIELD_BYTES`: the largest form field other than the file (default
    /// 64 KiB).
    pub max_field_bytes: usize,
    /// `SUYUAN_IMPORT_REPORT_ROWS`: refused-row problems and warnings a report lists in full;
    /// the rest are counted by reason (default 1000).
    pub report_rows: usize,
    /// `SUYUAN_IMPORT_CONCURRENCY`: imports one process runs at once, all sellers together
    /// (default 2); a seller never has two at once.
    pub concurrency: usize,
}

impl Default for ImportConfig {
    fn default() -> Self {
        Self {
            max_bytes: 50 * 1024 * 1024,
            max_field_bytes: 64 * 1024,
            report_rows: suyuan_store::import::REPORT_LIMIT,
            concurrency: 2,
        }
    }
}

/// Parses a duration like `30d`, `12h`, `90m`, `1h 30m`.
pub fn parse_duration(input: &str) -> Result<std::time::Duration, String> {
    let d = humantime::parse_duration(input)
        .map_err(|e| format!("`{input}` is not a duration like 30d, 12h or 90m ({e})"))?;
    if d.is_zero() {
        return Err("must be longer than zero".to_owned());
    }
    Ok(d)
}

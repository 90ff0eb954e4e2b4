//! Reading an import file as a stream, so memory is bounded by a chunk of rows, never by the
//! file: a first pass finds the encoding of the whole file (and counts its lines, for the
//! progress bar), a second decodes it block by block into the CSV reader, which yields the rows
//! one at a time. Refused rows are kept up to a limit; beyond it only counted, by reason.

use super::{FileError, ImportKind, Row, RowIssue, Table};
use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Bytes read from the file at a time.
const BLOCK: usize = 64 * 1024;

/// What the first pass over a file found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scan {
    /// `utf-8`, `utf-8-bom` or `gbk`.
    pub encoding: &'static str,
    /// Line breaks in the file (the progress bar's total: data rows, roughly).
    pub lines: u64,
    /// The SHA-256 of the file's bytes (hex): the same file sent again is known by it.
    pub sha256: String,
}

/// The first pass: the file's encoding, decided on the whole file as before (UTF-8, a
/// byte-order mark dropped, else GBK/GB 18030, else refused), and its line count. Reads one
/// block at a time and leaves the reader at the start.
pub fn scan<R: Read + Seek>(file: &mut R) -> Result<Scan, FileError> {
    let io = |_: std::io::Error| FileError::Encoding;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut block = vec![0u8; BLOCK];
    let mut pending: Vec<u8> = Vec::with_capacity(BLOCK + 4);
    let mut utf8 = true;
    let mut bom = false;
    let mut first = true;
    let mut lines = 0u64;
    let mut digest = <sha2::Sha256 as sha2::Digest>::new();
    loop {
        let n = file.read(&mut block).map_err(io)?;
        if n == 0 {
            break;
        }
        sha2::Digest::update(&mut digest, &block[..n]);
        let mut bytes = &block[..n];
        lines += bytes.iter().filter(|b| **b == b'\n').count() as u64;
        if first {
            first = false;
            if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
                bom = true;
                bytes = rest;
            }
        }
        if utf8 {
            pending.extend_from_slice(bytes);
            match std::str::from_utf8(&pending) {
                Ok(_) => pending.clear(),
                Err(e) if e.error_len().is_none() => {
                    let tail = pending.split_off(e.valid_up_to());
                    pending = tail;
                }
                Err(_) => utf8 = false,
            }
        }
    }
    let utf8 = utf8 && pending.is_empty();
    let sha256 = hex::encode(sha2::Digest::finalize(digest));
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    match (utf8, bom) {
        (true, true) => {
            return Ok(Scan {
                encoding: "utf-8-bom",
                lines,
                sha256,
            });
        }
        (true, false) => {
            return Ok(Scan {
                encoding: "utf-8",
                lines,
                sha256,
            });
        }
        (false, true) => return Err(FileError::Encoding),
        (false, false) => {}
    }
    // Not UTF-8: the whole file must be GBK/GB 18030.
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let mut out = vec![0u8; BLOCK * 2];
    loop {
        let n = file.read(&mut block).map_err(io)?;
        let mut input = &block[..n];
        let last = n == 0;
        loop {
            let (result, read, _) =
                decoder.decode_to_utf8_without_replacement(input, &mut out, last);
            input = &input[read..];
            match result {
                encoding_rs::DecoderResult::InputEmpty => break,
                encoding_rs::DecoderResult::OutputFull => {}
                encoding_rs::DecoderResult::Malformed(..) => return Err(FileError::Encoding),
            }
        }
        if last {
            break;
        }
    }
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(Scan {
        encoding: "gbk",
        lines,
        sha256,
    })
}

/// GBK/GB 18030 bytes read as UTF-8, one block at a time.
struct Gbk<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// The decoder has been told the end and taken it all: it must not be called again (it
    /// panics), and every further read is the end. The CSV reader reads once more after the
    /// end when the last line has no line break.
    finished: bool,
}

impl<R: Read> Read for Gbk<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        loop {
            if self.finished {
                return Ok(0);
            }
            if self.start == self.end && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.start = 0;
                self.end = n;
                self.eof = n == 0;
            }
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.start..self.end],
                out,
                self.eof,
            );
            self.start += read;
            if let encoding_rs::DecoderResult::Malformed(..) = result {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "the file is not GBK text",
                ));
            }
            if self.eof && matches!(result, encoding_rs::DecoderResult::InputEmpty) {
                self.finished = true;
            }
            if written > 0 || out.is_empty() || self.finished {
                return Ok(written);
            }
        }
    }
}

/// The bytes handed to the CSV reader, from (a little before) the record it reads next, so that
/// a record's spreadsheet row can be counted.
///
/// The csv crate stamps a record with the position where its read began: before the `\n` of a
/// CRLF (BurntSushi/rust-csv#395) and before the blank lines it skips. Its line numbers are one
/// short on every row of a CRLF file (what Excel saves on Windows) and short by the blank lines
/// above a row; rows are counted here instead.
#[derive(Debug, Default)]
struct Pending {
    /// The stream offset of `bytes[0]`.
    start: u64,
    bytes: Vec<u8>,
    /// The byte before `bytes[0]`.
    before: Option<u8>,
}

impl Pending {
    /// Counts the line breaks (`\r\n`, `\n` or `\r`) from stream offset `at` to the first
    /// other byte: the blank lines before a record that starts its read at `at`. A `\n` after a
    /// `\r` is the end of the break before. Bytes before `at` are dropped a block at a time.
    fn breaks_at(&mut self, at: u64) -> usize {
        let i = usize::try_from(at.saturating_sub(self.start))
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        let mut previous = match i {
            0 => self.before,
            _ => Some(self.bytes[i - 1]),
        };
        let mut breaks = 0;
        for &b in &self.bytes[i..] {
            match b {
                b'\n' if previous == Some(b'\r') => {}
                b'\n' | b'\r' => breaks += 1,
                _ => break,
            }
            previous = Some(b);
        }
        if i >= BLOCK {
            self.before = Some(self.bytes[i - 1]);
            self.bytes.drain(..i);
            self.start += i as u64;
        }
        breaks
    }
}

/// The stream the CSV reader reads, kept in [`Pending`] as it passes.
struct Tee<R> {
    inner: R,
    pending: Arc<Mutex<Pending>>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        if let Ok(mut pending) = self.pending.lock() {
            pending.bytes.extend_from_slice(&out[..n]);
        }
        Ok(n)
    }
}

/// The spreadsheet row of the record after the one on row `last`, which started its read at
/// `position`: one more, and one more for each blank line between them.
fn next_row(pending: &Mutex<Pending>, last: usize, position: Option<&csv::Position>) -> usize {
    let blank = match (position, pending.lock()) {
        (Some(p), Ok(mut pending)) => pending.breaks_at(p.byte()),
        _ => 0,
    };
    last + 1 + blank
}

type Records = csv::StringRecordsIntoIter<Tee<BufReader<Box<dyn Read + Send>>>>;

/// The data rows of a file, read one at a time after its header.
pub struct RowReader {
    table: Arc<Table>,
    records: Records,
    pending: Arc<Mutex<Pending>>,
    /// The spreadsheet row of the last record read (the header's, at first).
    row: usize,
    /// The first pass's findings.
    pub scan: Scan,
}

impl std::fmt::Debug for RowReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowReader")
            .field("table", &self.table)
            .field("scan", &self.scan)
            .finish_non_exhaustive()
    }
}

impl RowReader {
    /// Opens a file: finds its encoding (first pass), then reads and maps its header. The
    /// delimiter is a comma, or a tab when the header has tabs and no commas.
    pub fn open<R: Read + Seek + Send + 'static>(
        mut file: R,
        kind: ImportKind,
        mapping: &[(String, &'static str)],
    ) -> Result<RowReader, FileError> {
        let scan = scan(&mut file)?;
        let decoded: Box<dyn Read + Send> = match scan.encoding {
            "gbk" => Box::new(Gbk {
                inner: file,
                decoder: encoding_rs::GB18030.new_decoder_without_bom_handling(),
                input: vec![0u8; BLOCK],
                start: 0,
                end: 0,
                eof: false,
                finished: false,
            }),
            "utf-8-bom" => {
                file.seek(SeekFrom::Start(3))
                    .map_err(|_| FileError::Encoding)?;
                Box::new(file)
            }
            _ => Box::new(file),
        };
        let mut buffered = BufReader::with_capacity(BLOCK, decoded);
        let head = buffered.fill_buf().map_err(|_| FileError::Encoding)?;
        let first_line = head.split(|b| *b == b'\n').next().unwrap_or_default();
        let delimiter = if first_line.contains(&b'\t') && !first_line.contains(&b',') {
            b'\t'
        } else {
            b','
        };
        let pending = Arc::new(Mutex::new(Pending::default()));
        let mut records = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(Tee {
                inner: buffered,
                pending: pending.clone(),
            })
            .into_records();
        let header = match records.next() {
            Some(Ok(h)) => h,
            Some(Err(e)) => {
                return Err(FileError::Csv {
                    row: 1,
                    message: e.to_string(),
                });
            }
            None => return Err(FileError::Empty),
        };
        let table = Table::from_header(&header, kind, mapping, scan.encoding)?;
        let mut reader = RowReader {
            table: Arc::new(table),
            records,
            pending,
            row: 0,
            scan,
        };
        reader.row = next_row(&reader.pending, reader.row, header.position());
        Ok(reader)
    }

    /// The file's header, mapped.
    pub fn table(&self) -> &Arc<Table> {
        &self.table
    }

    /// The next non-blank data row and its spreadsheet row number: the header's row, plus one
    /// per record and per blank line before it (a cell holding line breaks is still one row).
    pub fn next_record(&mut self) -> Option<Result<(usize, csv::StringRecord), FileError>> {
        for rec in self.records.by_ref() {
            let rec = match rec {
                Ok(rec) => rec,
                Err(e) => {
                    self.row = next_row(&self.pending, self.row, e.position());
                    return Some(Err(FileError::Csv {
                        row: self.row,
                        message: e.to_string(),
                    }));
                }
            };
            self.row = next_row(&self.pending, self.row, rec.position());
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            return Some(Ok((self.row, rec)));
        }
        None
    }
}

/// Problems (or warnings) of an import: the first `limit` kept in full, all of them counted,
/// by reason, with the number of distinct rows they name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Issues {
    /// How many are kept in full.
    pub limit: usize,
    /// The first `limit`, in the order found.
    pub kept: Vec<RowIssue>,
    /// How many there were.
    pub total: usize,
    /// How many there were of each reason code.
    pub by_reason: BTreeMap<String, usize>,
    /// Distinct rows named (rows are added in file order, each row's issues together).
    pub rows: usize,
    last_row: Option<usize>,
}

impl Issues {
    /// None yet; keeps the first `limit`.
    pub fn new(limit: usize) -> Issues {
        Issues {
            limit,
            ..Issues::default()
        }
    }

    /// One issue.
    pub fn push(&mut self, issue: RowIssue) {
        self.total += 1;
        if self.last_row != Some(issue.row) {
            self.rows += 1;
            self.last_row = Some(issue.row);
        }
        *self.by_reason.entry(issue.code.clone()).or_default() += 1;
        if self.kept.len() < self.limit {
            self.kept.push(issue);
        }
    }

    /// Several issues (a row's, or a chunk's sorted by row).
    pub fn extend(&mut self, issues: impl IntoIterator<Item = RowIssue>) {
        for i in issues {
            self.push(i);
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Forgets them all (an all-or-nothing import that wrote nothing has no warnings).
    pub fn clear(&mut self) {
        *self = Issues::new(self.limit);
    }

    /// Both lists as one: the first `limit` by row, counts added up.
    pub fn merge(mut self, other: Issues) -> Issues {
        self.kept.extend(other.kept);
        self.kept.sort_by_key(|i| i.row);
        self.kept.truncate(self.limit);
        self.total += other.total;
        self.rows += other.rows;
        for (reason, n) in other.by_reason {
            *self.by_reason.entry(reason).or_default() += n;
        }
        self
    }
}

/// Rows read from the file in one go, and the ones that parsed.
#[derive(Debug)]
pub struct Chunk<T> {
    /// Data rows read.
    pub read: usize,
    /// The rows that parsed, with their spreadsheet row number.
    pub good: Vec<(usize, T)>,
}

/// Where the storing stage gets its rows: chunk after chunk, until `None`.
pub trait Source<T>: Send + 'static {
    /// The next chunk of rows, `None` at the end of the file.
    fn next_chunk(&mut self) -> Option<Chunk<T>>;
}

/// Rows read and parsed a chunk at a time by the caller's `parse` (the API's own parsing),
/// refused rows reported into [`Issues`]. Cells beyond the header refuse the row.
pub struct Checker<T, P> {
    reader: RowReader,
    parse: P,
    chunk_rows: usize,
    /// Problems of refused rows.
    pub issues: Issues,
    /// Data rows read.
    pub rows: usize,
    /// Set when a row is refused (or the file fails): read by an all-or-nothing writer.
    pub refused: Arc<AtomicBool>,
    /// The file failed part-way (a CSV or decoding error).
    pub failed: Option<FileError>,
    _rows: std::marker::PhantomData<fn() -> T>,
}

impl<T, P> Checker<T, P>
where
    P: FnMut(&Row<'_>) -> Result<T, Vec<RowIssue>>,
{
    /// Checks the rows of `reader` with `parse`, `chunk_rows` at a time, keeping the first
    /// `limit` problems.
    pub fn new(reader: RowReader, parse: P, chunk_rows: usize, limit: usize) -> Self {
        Checker {
            reader,
            parse,
            chunk_rows: chunk_rows.max(1),
            issues: Issues::new(limit),
            rows: 0,
            refused: Arc::new(AtomicBool::new(false)),
            failed: None,
            _rows: std::marker::PhantomData,
        }
    }
}

impl<T, P> Source<T> for Checker<T, P>
where
    T: Send + 'static,
    P: FnMut(&Row<'_>) -> Result<T, Vec<RowIssue>> + Send + 'static,
{
    fn next_chunk(&mut self) -> Option<Chunk<T>> {
        if self.failed.is_some() {
            return None;
        }
        let mut good = Vec::new();
        let mut read = 0;
        while read < self.chunk_rows {
            let (number, record) = match self.reader.next_record() {
                None => break,
                Some(Ok(r)) => r,
                Some(Err(e)) => {
                    self.failed = Some(e);
                    self.refused.store(true, Ordering::Relaxed);
                    break;
                }
            };
            read += 1;
            let row = Row {
                number,
                table: &self.reader.table,
                record: &record,
            };
            let extra = row.extra_cells();
            let parsed = if extra > 0 {
                Err(vec![row.issue(
                    "",
                    "extra_cells",
                    format!("此行比表头多 {extra} 个非空单元格"),
                    format!("the row has {extra} non-empty cells beyond the header's columns"),
                )])
            } else {
                (self.parse)(&row)
            };
            match parsed {
                Ok(v) => good.push((number, v)),
                Err(issues) => {
                    self.refused.store(true, Ordering::Relaxed);
                    self.issues.rows += usize::from(issues.is_empty());
                    self.issues.extend(issues);
                }
            }
        }
        self.rows += read;
        (read > 0).then_some(Chunk { read, good })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn rows(csv: &[u8]) -> Vec<usize> {
        let mut reader = RowReader::open(
            std::io::Cursor::new(csv.to_vec()),
            ImportKind::Receipts,
            &[],
        )
        .unwrap();
        std::iter::from_fn(|| reader.next_record())
            .map(|r| r.unwrap().0)
            .collect()
    }

    const TWO_ROWS: &str = "category,received_at,code\nebike,2026-11-20,A\nebike,2026-11-20,B\n";

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_shows_them_whatever_the_line_breaks() {
        assert_eq!(rows(TWO_ROWS.as_bytes()), [2, 3]);
        // Excel on Windows writes CRLF, for which the csv crate stamps every record one line
        // short: the first data row was reported as row 1, the header.
        assert_eq!(rows(TWO_ROWS.replace('\n', "\r\n").as_bytes()), [2, 3]);
        assert_eq!(rows(TWO_ROWS.replace('\n', "\r").as_bytes()), [2, 3]);
        let (gbk, _, _) = encoding_rs::GBK.encode(
            "类别,进货日期,追溯码\r\n电动自行车,2026-11-20,A\r\n电动自行车,2026-11-20,B\r\n",
        );
        assert_eq!(rows(&gbk), [2, 3]);
    }

    #[test]
    fn a_gbk_file_whose_last_line_has_no_line_break_reads_to_its_end() {
        // The CSV reader reads once more after the end when the last line has no line break:
        // the GBK decoder, already finished, panicked ("Must not use a decoder that has
        // finished"), failing the import.
        let (gbk, _, _) = encoding_rs::GBK
            .encode("类别,进货日期,追溯码\n电动自行车,2026-11-20,A\n电动自行车,2026-11-20,B");
        assert_eq!(rows(&gbk), [2, 3]);
    }

    #[test]
    fn blank_lines_and_empty_rows_count_and_a_cell_with_line_breaks_is_one_row() {
        let csv = "category,received_at,code\n\nebike,2026-11-20,A\n,,\n\nebike,\"2026-11-20\nx\",B\nebike,2026-11-20,C\n";
        assert_eq!(rows(csv.as_bytes()), [3, 6, 7]);
        assert_eq!(rows(csv.replace('\n', "\r\n").as_bytes()), [3, 6, 7]);
    }

    #[test]
    fn a_long_crlf_file_keeps_counting_across_blocks() {
        let mut csv = String::from("category,received_at,code\r\n");
        for n in 0..20_000 {
            csv.push_str(&format!("ebike,2026-11-20,X{n}\r\n"));
            if n % 1000 == 999 {
                csv.push_str("\r\n");
            }
        }
        let numbers = rows(csv.as_bytes());
        assert_eq!(numbers.len(), 20_000);
        assert_eq!(numbers[999], 1001);
        assert_eq!(numbers[1000], 1003);
        assert_eq!(numbers.last(), Some(&(20_001 + 19)));
    }
}

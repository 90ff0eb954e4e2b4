//! CSV import of receipts and sales, for sellers without an integration and for back-filling.
//!
//! A file is read as a stream ([`read`]): decoded from UTF-8 (with or without a byte-order
//! mark) or GBK/GB 18030 (what Excel saves in China), its header cells matched to fields by the
//! JSON API's field names, Chinese aliases (供货商名称, 追溯码, 进货日期 …) or an explicit mapping
//! into a [`Table`]. Rows are then read, parsed by the caller (the HTTP API's own parsing, so a
//! column means exactly what the JSON field means) and checked a chunk at a time
//! ([`read::Checker`]); a refused row is reported with its row number, column and reason and
//! writes nothing. Good rows are stored as they come: receipts in chunks on one hash-chain
//! append per chunk ([`receipts`]), sales row by row with their stock checks ([`sales`]).
//! Memory is bounded by the chunks in flight and the first N problems kept, never by the file.

pub mod read;
pub mod receipts;
pub mod runs;
pub mod sales;

pub use read::{Checker, Chunk, Issues, RowReader, Source};

use serde::{Deserialize, Serialize};

/// One field a column can hold: its name (the JSON API's field name, nested names joined by
/// `_`) and the other header texts that mean it.
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    /// The canonical column name.
    pub name: &'static str,
    /// Other header texts (JSON paths such as `supplier.name`, Chinese names).
    pub aliases: &'static [&'static str],
}

const fn f(name: &'static str, aliases: &'static [&'static str]) -> FieldSpec {
    FieldSpec { name, aliases }
}

/// The columns of a receipts file.
pub const RECEIPT_FIELDS: &[FieldSpec] = &[
    f("category", &["类别", "产品类别", "目录类别", "品类"]),
    f(
        "supplier_name",
        &[
            "supplier.name",
            "供货商名称",
            "供应商名称",
            "供货商",
            "供应商",
            "供货单位",
        ],
    ),
    f(
        "supplier_credit_code",
        &[
            "supplier.credit_code",
            "统一社会信用代码",
            "供货商统一社会信用代码",
            "供应商统一社会信用代码",
            "供货商信用代码",
            "供应商信用代码",
        ],
    ),
    f(
        "voucher_number",
        &[
            "单据号",
            "凭证号",
            "送货单号",
            "随货同行单号",
            "发票号",
            "进货单号",
        ],
    ),
    f(
        "received_at",
        &["进货日期", "收货日期", "入库日期", "进货时间", "收货时间"],
    ),
    f("product_name", &["产品名称", "商品名称", "品名"]),
    f("model", &["型号", "规格型号"]),
    f("producer", &["生产者", "生产企业", "生产厂家", "制造商"]),
    f(
        "certificate_number",
        &[
            "certificate.number",
            "证书编号",
            "认证证书编号",
            "ccc证书编号",
            "许可证编号",
            "生产许可证编号",
        ],
    ),
    f(
        "certificate_result",
        &["certificate.result", "证书查验结果", "证书核验结果"],
    ),
    f(
        "inspection_result",
        &["inspection.result", "查验结果", "验收结果"],
    ),
    f(
        "inspection_notes",
        &["inspection.notes", "查验说明", "备注"],
    ),
    f(
        "inspector",
        &["inspection.inspector", "查验人", "验收人", "检验员"],
    ),
    f("channel", &["渠道"]),
    f("backdate_reason", &["补录原因"]),
    f("code", &["追溯码", "单品码", "产品追溯码", "码"]),
    f("gtin", &["商品条码", "条码", "条形码"]),
    f("batch", &["批次", "批号", "批次号", "生产批号"]),
    f("quantity", &["数量"]),
    f("unit", &["单位", "计量单位"]),
];

/// The columns of a sales file.
pub const SALE_FIELDS: &[FieldSpec] = &[
    f("category", &["类别", "产品类别", "目录类别", "品类"]),
    f("sold_at", &["销售日期", "销售时间", "出库日期"]),
    f(
        "buyer_type",
        &["buyer.type", "买方类型", "购买方类型", "客户类型"],
    ),
    f(
        "buyer_region",
        &[
            "buyer.region",
            "地区",
            "行政区划代码",
            "销售地区",
            "买方地区",
        ],
    ),
    f(
        "buyer_name",
        &[
            "buyer.name",
            "买方名称",
            "购买方名称",
            "经销商名称",
            "客户名称",
        ],
    ),
    f(
        "buyer_credit_code",
        &[
            "buyer.credit_code",
            "买方统一社会信用代码",
            "购买方统一社会信用代码",
            "统一社会信用代码",
        ],
    ),
    f("shipping_method", &["配送方式", "发货方式", "运输方式"]),
    f("tracking_number", &["快递单号", "运单号", "物流单号"]),
    f("voucher_number", &["单据号", "发票号", "销售单号"]),
    f("code", &["追溯码", "单品码", "产品追溯码", "码"]),
    f("gtin", &["商品条码", "条码", "条形码"]),
    f("batch", &["批次", "批号", "批次号", "生产批号"]),
    f("quantity", &["数量"]),
];

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// Receipts (进货): one row, one receipt.
    Receipts,
    /// Offline and B2B sales (销售): one row, one sale.
    Sales,
}

impl ImportKind {
    /// The columns a file of this kind may have.
    pub fn fields(self) -> &'static [FieldSpec] {
        match self {
            ImportKind::Receipts => RECEIPT_FIELDS,
            ImportKind::Sales => SALE_FIELDS,
        }
    }

    /// Columns the file must have: each entry lists fields of which at least one must be there.
    fn required(self) -> &'static [&'static [&'static str]] {
        match self {
            ImportKind::Receipts => &[&["category"], &["received_at"], &["code", "gtin"]],
            ImportKind::Sales => &[
                &["category"],
                &["sold_at"],
                &["buyer_type"],
                &["code", "gtin"],
            ],
        }
    }

    /// `receipts` or `sales`.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Receipts => "receipts",
            ImportKind::Sales => "sales",
        }
    }
}

/// Why a whole file is refused (and nothing imported).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// The bytes are neither UTF-8 nor GBK/GB 18030.
    #[error("the file is neither UTF-8 nor GBK text")]
    Encoding,
    /// No header row.
    #[error("the file is empty: the first row must name the columns")]
    Empty,
    /// The CSV itself is broken.
    #[error("CSV error on row {row}: {message}")]
    Csv {
        /// Where.
        row: usize,
        /// What the reader says.
        message: String,
    },
    /// A column the file must have is not there.
    #[error("the file has no `{field}` column")]
    MissingColumn {
        /// The field (or fields, `a` or `b`).
        field: String,
    },
    /// Two columns hold the same field.
    #[error("columns `{first}` and `{second}` both hold `{field}`")]
    DuplicateColumn {
        /// The field.
        field: String,
        /// The first column.
        first: String,
        /// The second column.
        second: String,
    },
    /// A mapping entry that cannot be used.
    #[error("mapping `{entry}`: {reason}")]
    BadMapping {
        /// The entry as given.
        entry: String,
        /// Why (English).
        reason: String,
        /// Why (Chinese).
        reason_zh: String,
    },
}

impl FileError {
    /// A stable reason code.
    pub fn code(&self) -> &'static str {
        match self {
            FileError::Encoding => "encoding",
            FileError::Empty => "empty_file",
            FileError::Csv { .. } => "csv_syntax",
            FileError::MissingColumn { .. } => "missing_column",
            FileError::DuplicateColumn { .. } => "duplicate_column",
            FileError::BadMapping { .. } => "bad_mapping",
        }
    }

    /// The field (column, mapping) at fault, for problem+json.
    pub fn field(&self) -> String {
        match self {
            FileError::Encoding | FileError::Empty | FileError::Csv { .. } => "file".into(),
            FileError::MissingColumn { field } | FileError::DuplicateColumn { field, .. } => {
                field.clone()
            }
            FileError::BadMapping { .. } => "map".into(),
        }
    }

    /// The reason, in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            FileError::Encoding => "文件既不是 UTF-8 也不是 GBK 编码的文本".into(),
            FileError::Empty => "文件为空：第一行须为列名".into(),
            FileError::Csv { row, message } => format!("第 {row} 行 CSV 格式错误：{message}"),
            FileError::MissingColumn { field } => format!("文件缺少 {field} 列"),
            FileError::DuplicateColumn {
                field,
                first,
                second,
            } => format!("“{first}”与“{second}”两列都对应 {field}"),
            FileError::BadMapping {
                entry, reason_zh, ..
            } => format!("列映射 {entry} 有误：{reason_zh}"),
        }
    }
}

/// A problem or a warning about one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowIssue {
    /// The row, numbered as in a spreadsheet (the header is row 1).
    pub row: usize,
    /// The column as the file names it (empty when the row as a whole is meant).
    pub column: String,
    /// The field that column holds.
    pub field: String,
    /// A stable reason code (`gtin_check_digit`, `duplicate_in_file`, `received_twice` …).
    pub code: String,
    /// The reason, in Chinese.
    pub message_zh: String,
    /// The reason, in English.
    pub message_en: String,
}

/// The header of a file, matched to fields.
#[derive(Clone, Debug)]
struct Column {
    header: String,
    field: Option<&'static str>,
}

/// A decoded, header-mapped CSV file.
#[derive(Debug)]
pub struct Table {
    /// What it holds.
    pub kind: ImportKind,
    /// `utf-8`, `utf-8-bom` or `gbk`.
    pub encoding: &'static str,
    /// Header cells that match no field (ignored; reported once as a warning).
    pub unknown_columns: Vec<String>,
    columns: Vec<Column>,
}

/// One data row of a [`Table`].
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    /// Spreadsheet row number (the header is row 1).
    pub number: usize,
    table: &'a Table,
    record: &'a csv::StringRecord,
}

impl<'a> Row<'a> {
    /// The trimmed cell of `field`, or `None` when the column is absent or the cell empty.
    pub fn get(&self, field: &str) -> Option<&'a str> {
        let i = self.table.index_of(field)?;
        self.record
            .get(i)
            .map(|c| c.trim_matches(|ch: char| ch.is_whitespace() || ch == '\u{feff}'))
            .filter(|c| !c.is_empty())
    }

    /// The file's name for the column holding `field` (the field itself when absent).
    pub fn column(&self, field: &str) -> String {
        self.table.column_label(field)
    }

    /// An issue about `field` on this row.
    pub fn issue(
        &self,
        field: &str,
        code: impl Into<String>,
        message_zh: impl Into<String>,
        message_en: impl Into<String>,
    ) -> RowIssue {
        RowIssue {
            row: self.number,
            column: if field.is_empty() {
                String::new()
            } else {
                self.column(field)
            },
            field: field.to_owned(),
            code: code.into(),
            message_zh: message_zh.into(),
            message_en: message_en.into(),
        }
    }

    /// Non-empty cells beyond the header's columns.
    fn extra_cells(&self) -> usize {
        self.record
            .iter()
            .skip(self.table.columns.len())
            .filter(|c| !c.trim().is_empty())
            .count()
    }
}

/// A header cell in the form it is compared in: trimmed, required-markers (`*`) and a BOM
/// dropped, ASCII lowercased, spaces and `-` read as `_`, full-width brackets as ASCII.
fn normalise_header(h: &str) -> String {
    h.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '*' || c == '＊')
        .chars()
        .map(|c| match c {
            ' ' | '-' | '\u{3000}' => '_',
            '（' => '(',
            '）' => ')',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// The field a header (or a mapping target) names, if any.
pub fn field_for(kind: ImportKind, header: &str) -> Option<&'static str> {
    let h = normalise_header(header);
    kind.fields().iter().find_map(|spec| {
        (spec.name == h || spec.aliases.iter().any(|a| normalise_header(a) == h))
            .then_some(spec.name)
    })
}

/// Parses `--map` entries (`header=field`) for `kind`.
pub fn parse_mapping(
    kind: ImportKind,
    entries: &[String],
) -> Result<Vec<(String, &'static str)>, FileError> {
    entries
        .iter()
        .map(|entry| {
            let (header, target) = entry.split_once('=').ok_or_else(|| FileError::BadMapping {
                entry: entry.clone(),
                reason: "write it as `column in the file=field`".into(),
                reason_zh: "格式应为“文件中的列名=字段名”".into(),
            })?;
            let field = field_for(kind, target).ok_or_else(|| FileError::BadMapping {
                entry: entry.clone(),
                reason: format!(
                    "`{}` is not a {} field (one of {})",
                    target.trim(),
                    kind.as_str(),
                    kind.fields()
                        .iter()
                        .map(|s| s.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                reason_zh: format!("{} 不是可导入的字段", target.trim()),
            })?;
            Ok((normalise_header(header), field))
        })
        .collect()
}

impl Table {
    /// Maps a file's header row (decoded as `encoding`) to fields, by `mapping` first, then by
    /// field names and aliases; refuses a file without a required column, with two columns for
    /// one field, or with a mapping entry naming no column.
    pub fn from_header(
        header: &csv::StringRecord,
        kind: ImportKind,
        mapping: &[(String, &'static str)],
        encoding: &'static str,
    ) -> Result<Table, FileError> {
        let mut columns = Vec::with_capacity(header.len());
        let mut unknown_columns = Vec::new();
        let mut used_mapping = vec![false; mapping.len()];
        for cell in header.iter() {
            let shown = cell
                .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                .to_owned();
            let norm = normalise_header(cell);
            let mapped = mapping.iter().position(|(h, _)| *h == norm);
            let field = match mapped {
                Some(i) => {
                    used_mapping[i] = true;
                    Some(mapping[i].1)
                }
                None => field_for(kind, cell),
            };
            if field.is_none() && !shown.is_empty() {
                unknown_columns.push(shown.clone());
            }
            if let Some(fd) = field
                && let Some(first) = columns.iter().find(|c: &&Column| c.field == Some(fd))
            {
                return Err(FileError::DuplicateColumn {
                    field: fd.to_owned(),
                    first: first.header.clone(),
                    second: shown,
                });
            }
            columns.push(Column {
                header: shown,
                field,
            });
        }
        if let Some(i) = used_mapping.iter().position(|u| !u) {
            return Err(FileError::BadMapping {
                entry: format!("{}={}", mapping[i].0, mapping[i].1),
                reason: format!("the file has no column `{}`", mapping[i].0),
                reason_zh: format!("文件中没有“{}”列", mapping[i].0),
            });
        }
        for any_of in kind.required() {
            if !any_of
                .iter()
                .any(|fd| columns.iter().any(|c| c.field == Some(*fd)))
            {
                return Err(FileError::MissingColumn {
                    field: any_of.join(" / "),
                });
            }
        }
        Ok(Table {
            kind,
            encoding,
            unknown_columns,
            columns,
        })
    }

    fn index_of(&self, field: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.field == Some(field))
    }

    /// The file's name for the column holding `field` (the field itself when absent).
    pub fn column_label(&self, field: &str) -> String {
        self.index_of(field)
            .map(|i| self.columns[i].header.clone())
            .unwrap_or_else(|| field.to_owned())
    }
}

/// How an import runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// Write nothing unless every row is good.
    pub all_or_nothing: bool,
    /// Import a file imported to its end before once more (by default the same file is not
    /// imported twice: [`runs`]).
    #[serde(default)]
    pub again: bool,
}

/// Told how an import advances (a terminal progress bar, or nothing).
pub trait Progress: Send {
    /// Storing starts: `total` rows to go.
    fn start(&mut self, _total: u64) {}
    /// `n` more rows are done.
    fn advance(&mut self, _n: u64) {}
}

impl Progress for () {}

/// What storing the good rows gave.
#[derive(Debug, Default)]
pub struct Stored {
    /// Rows written (or, in a dry run, that would be).
    pub imported: usize,
    /// Rows refused while storing (sales: stock checks), with their reasons.
    pub rejected: Issues,
    /// Warnings: suspicious codes, missing required data elements.
    pub warnings: Issues,
    /// Events appended to the seller's chain.
    pub events: usize,
    /// Of `imported`, the rows an earlier, cut-off import of the same file had stored.
    pub imported_before: usize,
    /// The last row that earlier import stored, when this one went on after it.
    pub resumed_after_row: Option<usize>,
}

impl Stored {
    /// Nothing stored yet; the first `limit` problems and warnings are kept in full.
    pub fn new(limit: usize) -> Stored {
        Stored {
            rejected: Issues::new(limit),
            warnings: Issues::new(limit),
            ..Stored::default()
        }
    }
}

/// The default number of refused-row problems (and of warnings) a report lists in full; the
/// rest are counted by reason.
pub const REPORT_LIMIT: usize = 1_000;

/// The report of one import: counts, the first refused rows with their reasons, the first
/// warnings, and every problem and warning counted by reason.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ImportReport {
    /// `receipts` or `sales`.
    pub kind: ImportKind,
    /// How the file was decoded (`utf-8`, `utf-8-bom`, `gbk`).
    pub encoding: String,
    /// Nothing was written (checks only).
    pub dry_run: bool,
    /// Nothing is written unless every row is good.
    pub all_or_nothing: bool,
    /// Data rows in the file.
    pub rows: usize,
    /// Rows imported (in a dry run: rows that would be).
    pub imported: usize,
    /// Rows refused.
    pub rejected: usize,
    /// Header cells that match no field (ignored).
    pub unknown_columns: Vec<String>,
    /// The first `report_limit` problems of refused rows, by row.
    pub rejected_rows: Vec<RowIssue>,
    /// Every problem of refused rows, counted.
    pub rejected_problems: usize,
    /// Problems of refused rows by reason code (all of them, not only those listed).
    pub rejected_by_reason: std::collections::BTreeMap<String, usize>,
    /// The first `report_limit` warnings on imported rows: suspicious codes, missing required
    /// data elements.
    pub warnings: Vec<RowIssue>,
    /// Every warning, counted.
    pub warnings_total: usize,
    /// Warnings by reason code (all of them).
    pub warnings_by_reason: std::collections::BTreeMap<String, usize>,
    /// How many problems and warnings are listed in full at most.
    pub report_limit: usize,
    /// Wall time, in milliseconds.
    pub elapsed_ms: u64,
    /// Data rows handled per second.
    pub rows_per_second: f64,
    /// When an earlier import of the same file was cut off (the service stopped in the middle),
    /// this one went on after that import's last stored row: its number. The rows up to it
    /// were checked again but not stored twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resumed_after_row: Option<usize>,
    /// Of `imported`, the rows that earlier import had stored.
    #[serde(default)]
    pub imported_before: usize,
}

impl ImportReport {
    /// Puts the report together from the file's header, the rows read, the problems found
    /// while reading and what storing gave.
    pub fn new(
        table: &Table,
        rows: usize,
        refused: Issues,
        stored: Stored,
        options: ImportOptions,
        elapsed: std::time::Duration,
    ) -> ImportReport {
        let limit = refused.limit;
        let rejected = refused.merge(stored.rejected);
        let mut warnings = stored.warnings;
        warnings.kept.sort_by_key(|i| i.row);
        let secs = elapsed.as_secs_f64().max(1e-6);
        ImportReport {
            kind: table.kind,
            encoding: table.encoding.to_owned(),
            dry_run: options.dry_run,
            all_or_nothing: options.all_or_nothing,
            rows,
            imported: stored.imported,
            rejected: rejected.rows,
            unknown_columns: table.unknown_columns.clone(),
            rejected_rows: rejected.kept,
            rejected_problems: rejected.total,
            rejected_by_reason: rejected.by_reason,
            warnings: warnings.kept,
            warnings_total: warnings.total,
            warnings_by_reason: warnings.by_reason,
            report_limit: limit,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            rows_per_second: (rows as f64 / secs).round(),
            resumed_after_row: stored.resumed_after_row,
            imported_before: stored.imported_before,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_json_path_headers_name_the_same_fields() {
        assert_eq!(
            field_for(ImportKind::Receipts, "供货商名称"),
            Some("supplier_name")
        );
        assert_eq!(
            field_for(ImportKind::Receipts, " Supplier.Name "),
            Some("supplier_name")
        );
        assert_eq!(field_for(ImportKind::Receipts, "*追溯码"), Some("code"));
        assert_eq!(
            field_for(ImportKind::Sales, "统一社会信用代码"),
            Some("buyer_credit_code")
        );
        assert_eq!(field_for(ImportKind::Receipts, "颜色"), None);
    }

    fn open(bytes: &[u8], map: &[(String, &'static str)]) -> Result<RowReader, FileError> {
        RowReader::open(
            std::io::Cursor::new(bytes.to_vec()),
            ImportKind::Receipts,
            map,
        )
    }

    #[test]
    fn a_gbk_file_is_decoded_and_a_bom_dropped() {
        let (gbk, _, _) =
            encoding_rs::GBK.encode("类别,进货日期,追溯码\n电动自行车,2026-11-20,X\n");
        let mut r = open(&gbk, &[]).unwrap();
        assert_eq!(r.table().encoding, "gbk");
        let (number, rec) = r.next_record().unwrap().unwrap();
        assert_eq!((number, rec.get(0)), (2, Some("电动自行车")));
        let mut r = open(b"\xEF\xBB\xBFcategory,received_at,code\nebike,x,y\n", &[]).unwrap();
        assert_eq!(r.table().encoding, "utf-8-bom");
        assert_eq!(r.table().column_label("category"), "category");
        assert!(r.next_record().unwrap().is_ok());
        assert_eq!(
            open(&[0xFF, 0xFF, 0xFF], &[]).unwrap_err(),
            FileError::Encoding
        );
    }

    #[test]
    fn a_long_file_is_read_a_row_at_a_time_with_its_line_count() {
        let mut csv = String::from("category,received_at,code\n");
        for n in 0..50_000 {
            csv.push_str(&format!("ebike,2026-11-20,X{n}\n"));
        }
        let mut r = open(csv.as_bytes(), &[]).unwrap();
        assert_eq!(r.scan.lines, 50_001);
        let mut rows = 0;
        let mut last = 0;
        while let Some(rec) = r.next_record() {
            last = rec.unwrap().0;
            rows += 1;
        }
        assert_eq!((rows, last), (50_000, 50_001));
    }

    #[test]
    fn the_first_problems_are_kept_and_all_are_counted() {
        let issue = |row: usize, code: &str| RowIssue {
            row,
            column: String::new(),
            field: String::new(),
            code: code.into(),
            message_zh: String::new(),
            message_en: String::new(),
        };
        let mut a = Issues::new(2);
        a.extend([issue(2, "x"), issue(2, "y"), issue(5, "x")]);
        let mut b = Issues::new(2);
        b.push(issue(3, "z"));
        let all = a.merge(b);
        assert_eq!((all.total, all.rows), (4, 3));
        assert_eq!(all.kept.iter().map(|i| i.row).collect::<Vec<_>>(), [2, 2]);
        assert_eq!(all.by_reason["x"], 2);
    }

    #[test]
    fn a_mapping_renames_a_column_and_unknown_columns_are_listed() {
        let map = parse_mapping(ImportKind::Receipts, &["供方=supplier_name".into()]).unwrap();
        let mut r = open(
            "类别,供方,进货日期,追溯码,颜色\nebike,雅迪,2026-11-20,X,红\n".as_bytes(),
            &map,
        )
        .unwrap();
        let table = r.table().clone();
        let (number, record) = r.next_record().unwrap().unwrap();
        let row = Row {
            number,
            table: &table,
            record: &record,
        };
        assert_eq!(row.number, 2);
        assert_eq!(row.get("supplier_name"), Some("雅迪"));
        assert_eq!(row.column("supplier_name"), "供方");
        assert_eq!(table.unknown_columns, vec!["颜色".to_owned()]);
    }

    #[test]
    fn a_file_without_a_code_column_is_refused_naming_it() {
        let err = open(b"category,received_at\nebike,2026-11-20\n", &[]).unwrap_err();
        assert_eq!(
            err,
            FileError::MissingColumn {
                field: "code / gtin".into()
            }
        );
    }

    #[test]
    fn a_mapping_to_an_unknown_field_is_refused() {
        let err = parse_mapping(ImportKind::Receipts, &["a=colour".into()]).unwrap_err();
        assert_eq!(err.code(), "bad_mapping");
    }
}

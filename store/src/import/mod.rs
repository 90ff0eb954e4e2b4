//! CSV import of receipts and sales, for sellers without an integration and for back-filling.
//!
//! A file is read once into a [`Table`]: decoded from UTF-8 (with or without a byte-order
//! mark) or GBK/GB 18030 (what Excel saves in China), its header cells matched to fields by the
//! JSON API's field names, Chinese aliases (供货商名称, 追溯码, 进货日期 …) or an explicit mapping.
//! Each row is then parsed by the caller (the HTTP API's own parsing, so a column means exactly
//! what the JSON field means) and checked ([`check`]); a refused row is reported with its row
//! number, column and reason and writes nothing. Good rows are stored: receipts in chunks on
//! one hash-chain append per chunk ([`receipts`]), sales row by row with their stock checks
//! ([`sales`]).

pub mod receipts;
pub mod sales;

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
    records: Vec<(usize, csv::StringRecord)>,
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

/// Decodes a file: UTF-8 (a byte-order mark is dropped), else GBK/GB 18030.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), FileError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_owned(), "utf-8-bom"))
            .map_err(|_| FileError::Encoding);
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_owned(), "utf-8"));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(FileError::Encoding);
    }
    Ok((text.into_owned(), "gbk"))
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
    /// Reads a file: decodes it, finds the delimiter (comma, or tab when the header has tabs
    /// and no commas), maps the header, and keeps the non-blank rows.
    pub fn read(
        bytes: &[u8],
        kind: ImportKind,
        mapping: &[(String, &'static str)],
    ) -> Result<Table, FileError> {
        let (text, encoding) = decode(bytes)?;
        let first_line = text.lines().next().unwrap_or_default();
        let delimiter = if first_line.contains('\t') && !first_line.contains(',') {
            b'\t'
        } else {
            b','
        };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut records = reader.records();
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
        let mut rows = Vec::new();
        for (i, rec) in records.enumerate() {
            let rec = rec.map_err(|e| FileError::Csv {
                row: e.position().map_or(i + 2, |p| p.line() as usize),
                message: e.to_string(),
            })?;
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let number = rec.position().map_or(i + 2, |p| p.line() as usize);
            rows.push((number, rec));
        }
        Ok(Table {
            kind,
            encoding,
            unknown_columns,
            columns,
            records: rows,
        })
    }

    /// How many data rows the file has (blank rows skipped).
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the file has no data rows.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The data rows, in file order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.records.iter().map(move |(number, record)| Row {
            number: *number,
            table: self,
            record,
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

/// Rows parsed and checked: the good ones with their record, and every problem of the others.
#[derive(Debug)]
pub struct Checked<T> {
    /// Data rows read.
    pub rows: usize,
    /// Rows that parsed, with their spreadsheet row number.
    pub good: Vec<(usize, T)>,
    /// Every problem of every refused row, in row order.
    pub rejected: Vec<RowIssue>,
}

impl<T> Checked<T> {
    /// How many distinct rows were refused.
    pub fn rejected_rows(&self) -> usize {
        count_rows(&self.rejected)
    }
}

/// How many distinct rows a list of issues names.
pub fn count_rows(issues: &[RowIssue]) -> usize {
    let mut rows: Vec<usize> = issues.iter().map(|i| i.row).collect();
    rows.sort_unstable();
    rows.dedup();
    rows.len()
}

/// Parses every row with `parse` (the API's own parsing), keeping the good rows and naming every
/// problem of the others. Cells beyond the header refuse the row.
pub fn check<T>(
    table: &Table,
    mut parse: impl FnMut(&Row<'_>) -> Result<T, Vec<RowIssue>>,
) -> Checked<T> {
    let mut good = Vec::with_capacity(table.len());
    let mut rejected = Vec::new();
    for row in table.rows() {
        let extra = row.extra_cells();
        if extra > 0 {
            rejected.push(row.issue(
                "",
                "extra_cells",
                format!("此行比表头多 {extra} 个非空单元格"),
                format!("the row has {extra} non-empty cells beyond the header's columns"),
            ));
            continue;
        }
        match parse(&row) {
            Ok(v) => good.push((row.number, v)),
            Err(issues) => rejected.extend(issues),
        }
    }
    Checked {
        rows: table.len(),
        good,
        rejected,
    }
}

/// How an import runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportOptions {
    /// Check everything, write nothing.
    pub dry_run: bool,
    /// Write nothing unless every row is good.
    pub all_or_nothing: bool,
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
    pub rejected: Vec<RowIssue>,
    /// Warnings: suspicious codes, missing required data elements.
    pub warnings: Vec<RowIssue>,
    /// Events appended to the seller's chain.
    pub events: usize,
}

/// The report of one import: counts, every refused row with its reasons, every warning.
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
    /// Every problem of every refused row, by row.
    pub rejected_rows: Vec<RowIssue>,
    /// Warnings on imported rows: suspicious codes, missing required data elements.
    pub warnings: Vec<RowIssue>,
    /// Wall time, in milliseconds.
    pub elapsed_ms: u64,
    /// Data rows handled per second.
    pub rows_per_second: f64,
}

impl ImportReport {
    /// Puts the report together.
    pub fn new<T>(
        table: &Table,
        checked: Checked<T>,
        stored: Stored,
        options: ImportOptions,
        elapsed: std::time::Duration,
    ) -> ImportReport {
        let mut rejected_rows = checked.rejected;
        rejected_rows.extend(stored.rejected);
        rejected_rows.sort_by_key(|i| i.row);
        let mut warnings = stored.warnings;
        warnings.sort_by_key(|i| i.row);
        let secs = elapsed.as_secs_f64().max(1e-6);
        ImportReport {
            kind: table.kind,
            encoding: table.encoding.to_owned(),
            dry_run: options.dry_run,
            all_or_nothing: options.all_or_nothing,
            rows: checked.rows,
            imported: stored.imported,
            rejected: count_rows(&rejected_rows),
            unknown_columns: table.unknown_columns.clone(),
            rejected_rows,
            warnings,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            rows_per_second: (checked.rows as f64 / secs).round(),
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

    #[test]
    fn a_gbk_file_is_decoded_and_a_bom_dropped() {
        let (gbk, _, _) = encoding_rs::GBK.encode("类别,追溯码\n");
        assert_eq!(decode(&gbk).unwrap(), ("类别,追溯码\n".to_owned(), "gbk"));
        let bom = b"\xEF\xBB\xBFcategory\n";
        assert_eq!(decode(bom).unwrap(), ("category\n".to_owned(), "utf-8-bom"));
        assert_eq!(decode(&[0xFF, 0xFF, 0xFF]), Err(FileError::Encoding));
    }

    #[test]
    fn a_mapping_renames_a_column_and_unknown_columns_are_listed() {
        let map = parse_mapping(ImportKind::Receipts, &["供方=supplier_name".into()]).unwrap();
        let t = Table::read(
            "类别,供方,进货日期,追溯码,颜色\nebike,雅迪,2026-11-20,X,红\n".as_bytes(),
            ImportKind::Receipts,
            &map,
        )
        .unwrap();
        let row = t.rows().next().unwrap();
        assert_eq!(row.number, 2);
        assert_eq!(row.get("supplier_name"), Some("雅迪"));
        assert_eq!(row.column("supplier_name"), "供方");
        assert_eq!(t.unknown_columns, vec!["颜色".to_owned()]);
    }

    #[test]
    fn a_file_without_a_code_column_is_refused_naming_it() {
        let err = Table::read(
            b"category,received_at\nebike,2026-11-20\n",
            ImportKind::Receipts,
            &[],
        )
        .unwrap_err();
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

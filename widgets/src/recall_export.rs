//! A recall flow written out for people: CSV (UTF-8 with BOM, so Excel opens the Chinese
//! headers), an XLSX workbook (one sortable sheet, as the FSMA 24-hour spreadsheet expects) and a
//! plain-text table. Columns are `suyuan_core::recall::COLUMNS`, Chinese then
//! English, the key data elements a regulator's 24-hour request expects.

use suyuan_core::recall::{COLUMNS, RecallFlow};

/// Writes the flow as CSV: a header row `层级 tier, 销售者 seller, ...`, then one row per record.
pub fn csv(flow: &RecallFlow, out: &mut Vec<u8>) -> Result<(), csv::Error> {
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS.iter().map(|(zh, en)| format!("{zh} {en}")))?;
    for row in &flow.rows {
        w.write_record(row.cells())?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the flow as a tab-separated table with a summary line.
pub fn table(flow: &RecallFlow, out: &mut Vec<u8>) -> std::io::Result<()> {
    use std::io::Write as _;
    let header: Vec<String> = COLUMNS
        .iter()
        .map(|(zh, en)| format!("{zh} {en}"))
        .collect();
    writeln!(out, "{}", header.join("\t"))?;
    for row in &flow.rows {
        writeln!(out, "{}", row.cells().join("\t"))?;
    }
    writeln!(
        out,
        "{} records, {} sellers, {} tiers, {} gaps / 共 {} 条记录，{} 个销售者，{} 层，{} 处缺口",
        flow.rows.len(),
        flow.sellers().len(),
        flow.depth(),
        flow.gaps().count(),
        flow.rows.len(),
        flow.sellers().len(),
        flow.depth(),
        flow.gaps().count(),
    )
}

/// The columns an XLSX sheet writes as numbers (so they sort as numbers): tier and quantity.
const NUMERIC: [usize; 2] = [0, 7];

/// Writes the flow as an XLSX workbook: one sheet `召回流向 Recall flow`, the header row frozen
/// and filtered (sortable), one row per record, tier and quantity as numbers, then a second
/// sheet with the summary.
pub fn xlsx(flow: &RecallFlow) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("召回流向 Recall flow")?;
    for (c, (zh, en)) in COLUMNS.iter().enumerate() {
        let c = c as u16;
        sheet.write_string_with_format(0, c, format!("{zh} {en}"), &bold)?;
        sheet.set_column_width(c, 16)?;
    }
    for (r, row) in flow.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.cells().iter().enumerate() {
            match cell.parse::<f64>() {
                Ok(n) if NUMERIC.contains(&c) => sheet.write_number(r, c as u16, n)?,
                _ => sheet.write_string(r, c as u16, cell)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, flow.rows.len() as u32, COLUMNS.len() as u16 - 1)?;
    let summary = book.add_worksheet();
    summary.set_name("汇总 Summary")?;
    let lines: [(&str, f64); 4] = [
        ("记录 records", flow.rows.len() as f64),
        ("销售者 sellers", flow.sellers().len() as f64),
        ("层级 tiers", f64::from(flow.depth())),
        ("缺口 gaps", flow.gaps().count() as f64),
    ];
    for (r, (label, n)) in lines.iter().enumerate() {
        summary.write_string_with_format(r as u32, 0, *label, &bold)?;
        summary.write_number(r as u32, 1, *n)?;
    }
    summary.set_column_width(0, 20)?;
    book.save_to_buffer()
}

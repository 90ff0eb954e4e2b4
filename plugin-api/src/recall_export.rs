//! A recall flow written out for people: CSV (UTF-8 with BOM, so Excel opens the Chinese
//! headers) and a plain-text table. Columns are `suyuan_core::recall::COLUMNS`, Chinese then
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

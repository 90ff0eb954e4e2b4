//! `suyuan import receipts|sales FILE`: the CSV import from the command line, with a progress
//! bar, a printed summary and a report file.

use anyhow::{Context as _, bail};
use std::path::Path;
use std::process::ExitCode;
use suyuan_core::ids::SellerId;

/// A progress bar on standard error, when it is a terminal.
struct Bar(Option<indicatif::ProgressBar>);

impl suyuan_store::import::Progress for Bar {
    fn start(&mut self, total: u64) {
        use std::io::IsTerminal as _;
        if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} 导入 importing [{elapsed_precise}] {wide_bar} {pos}/{len} rows ({per_sec}, ETA {eta})",
            ) {
                bar.set_style(style);
            }
            self.0 = Some(bar);
        }
    }

    fn advance(&mut self, n: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(n);
        }
    }
}

fn print_issue(kind: &str, i: &suyuan_store::import::RowIssue) {
    let column = if i.column.is_empty() || i.column == i.field {
        i.column.clone()
    } else {
        format!("{} ({})", i.column, i.field)
    };
    println!(
        "  {kind} row {} · {column} · {} · {} / {}",
        i.row, i.code, i.message_zh, i.message_en
    );
}

/// `suyuan import`: runs the import with a progress bar, prints the summary and the first `show`
/// refused rows and warnings, and writes the report to `report_path`.
pub(crate) async fn run(
    db: &suyuan_store::Db,
    catalogue: std::sync::Arc<suyuan_core::catalogue::Catalogue>,
    seller: &SellerId,
    request: suyuan_plugin_api::import::ImportRequest,
    report_path: Option<&Path>,
    show: usize,
) -> anyhow::Result<ExitCode> {
    use suyuan_plugin_api::import::ImportError;
    let mut bar = Bar(None);
    let report = match suyuan_plugin_api::import::run(db, catalogue, seller, request, &mut bar)
        .await
    {
        Ok(r) => r,
        Err(ImportError::File(e)) => {
            eprintln!("文件无法导入：{}", e.message_zh());
            eprintln!("file refused: {e}");
            return Ok(ExitCode::from(2));
        }
        Err(ImportError::NoSeller) => bail!("--seller: no seller {seller}"),
        Err(ImportError::Store(e)) => return Err(e.into()),
        Err(ImportError::AlreadyImported {
            finished_at,
            imported,
        }) => {
            let at = suyuan_core::china_time::in_china(finished_at).format("%Y-%m-%d %H:%M");
            eprintln!(
                "此文件已于 {at} 导入（{imported} 行），未再次导入；如确需再导入一次，请加 --again"
            );
            eprintln!(
                "this file was imported on {at} ({imported} rows) and is not imported twice; add --again to import it once more"
            );
            return Ok(ExitCode::from(2));
        }
        Err(e @ ImportError::Busy { .. }) => {
            eprintln!("同一文件正在导入，请稍后再试");
            eprintln!("{e}");
            return Ok(ExitCode::from(75));
        }
    };
    if let Some(bar) = bar.0 {
        bar.finish_and_clear();
    }
    if let Some(after) = report.resumed_after_row {
        println!(
            "接续此文件此前中断的导入：第 {after} 行及之前的 {} 行已导入，未重复导入",
            report.imported_before
        );
        println!(
            "went on after row {after} of an earlier import of this file that was cut off: its {} rows were not stored twice",
            report.imported_before
        );
    }
    let secs = report.elapsed_ms as f64 / 1000.0;
    let what = if report.dry_run {
        "checked (dry run, nothing written)"
    } else {
        "imported"
    };
    println!(
        "{} {}：共 {} 行，导入 {} 行，拒绝 {} 行，警告 {} 条，用时 {secs:.1} 秒（每秒 {} 行）",
        if report.dry_run {
            "试导入"
        } else {
            "导入"
        },
        report.kind.as_str(),
        report.rows,
        report.imported,
        report.rejected,
        report.warnings_total,
        report.rows_per_second
    );
    println!(
        "{what} {} of {} rows, {} rejected, {} warnings, {secs:.1} s ({} rows/s), encoding {}",
        report.imported,
        report.rows,
        report.rejected,
        report.warnings_total,
        report.rows_per_second,
        report.encoding
    );
    if report.all_or_nothing && report.rejected > 0 {
        println!(
            "--all-or-nothing: 有被拒绝的行，未写入任何记录 / rows were refused, nothing was written"
        );
    }
    if !report.unknown_columns.is_empty() {
        println!(
            "已忽略未知列 ignored unknown columns: {}",
            report.unknown_columns.join(", ")
        );
    }
    if !report.rejected_rows.is_empty() {
        println!("被拒绝的行 rejected rows:");
        for i in report.rejected_rows.iter().take(show) {
            print_issue("REJECTED", i);
        }
        if report.rejected_problems > show {
            println!("  … {} more", report.rejected_problems - show);
        }
    }
    if !report.warnings.is_empty() {
        println!("警告 warnings:");
        for i in report.warnings.iter().take(show) {
            print_issue("WARNING", i);
        }
        if report.warnings_total > show {
            println!("  … {} more", report.warnings_total - show);
        }
    }
    if report.rejected_problems > report.rejected_rows.len()
        || report.warnings_total > report.warnings.len()
    {
        println!(
            "只列出前 {n} 条；按原因统计 only the first {n} are listed; by reason: rejected {:?}, warnings {:?}",
            report.rejected_by_reason,
            report.warnings_by_reason,
            n = report.report_limit
        );
    }
    if let Some(path) = report_path {
        write_report(path, &report)?;
        println!("报告 report: {}", path.display());
    } else if report.rejected_problems > show || report.warnings_total > show {
        println!("(use --report FILE for more rows)");
    }
    Ok(if report.rejected > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes the report: JSON when the path ends in `.json`, else CSV (UTF-8 with a BOM, so
/// spreadsheets open it in the right encoding), one line per refused row problem and warning.
fn write_report(path: &Path, report: &suyuan_store::import::ImportReport) -> anyhow::Result<()> {
    if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
    {
        std::fs::write(path, serde_json::to_vec_pretty(report)?)
            .with_context(|| format!("writing {}", path.display()))?;
        return Ok(());
    }
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record([
            "severity",
            "row",
            "column",
            "field",
            "code",
            "message_zh",
            "message_en",
        ])?;
        for (severity, list) in [
            ("rejected", &report.rejected_rows),
            ("warning", &report.warnings),
        ] {
            for i in list {
                w.write_record([
                    severity,
                    &i.row.to_string(),
                    &i.column,
                    &i.field,
                    &i.code,
                    &i.message_zh,
                    &i.message_en,
                ])?;
            }
        }
        w.flush()?;
    }
    std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

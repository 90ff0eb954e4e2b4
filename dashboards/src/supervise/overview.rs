//! `/supervise`: the jurisdiction at a glance.

use super::supervisor;
use crate::board::{self, Nav, charts, figure, href, one, pct, t};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use maud::html;
use suyuan_core::dashboard::overview::OverviewFigures;
use suyuan_core::tenancy::Principal;
use suyuan_store::dashboards::alert_counts;
use suyuan_store::overviews;
use suyuan_web::AppState;
use suyuan_web::error::ApiError;
use suyuan_web::page::lang_of;
use suyuan_web::session::PersonSession;

/// `GET /supervise`: number of sellers, the average score and its trend, the timeliness trend,
/// open alerts, the average score by region and the categories with the worst timeliness.
#[get("/supervise")]
pub async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: PersonSession,
) -> Result<HttpResponse, ApiError> {
    let who = supervisor(session)?;
    let lang = lang_of(&req);
    let scope = board::scope_of(&who)?;
    let jurisdiction = match &who {
        Principal::Supervisor { jurisdiction, .. } => Some(jurisdiction.clone()),
        _ => None,
    };
    let sellers = suyuan_store::tenants::count_sellers_for(&state.db, &who).await?;
    // Rolled up by the last analytics run (one row); the alerts change between runs.
    let figures = overviews::overview(&state.db, &scope).await?;
    let alerts = alert_counts(&state.db, &scope).await?;
    let open = alerts
        .iter()
        .find(|(s, _)| s == "open")
        .map_or(0, |(_, n)| *n);
    let OverviewFigures {
        score_trend: trend,
        weekly,
        regions: regional,
        worst_categories,
        overdue,
    } = figures;
    let latest = trend.last().map(|(p, _)| p.clone());
    let average = trend.last().map(|(_, a)| *a);

    let title = match &jurisdiction {
        Some(j) => format!(
            "{}{}",
            t(lang, "辖区概览 ", "Jurisdiction overview "),
            board::region_name(lang, j.as_prefix())
        ),
        None => t(lang, "全国概览", "National overview").to_owned(),
    };
    let body = html! {
        section.card {
            dl.figures {
                (figure(t(lang, "销售者", "Sellers"), sellers.to_string()))
                (figure(t(lang, "平均得分", "Average score"), average.map(one).unwrap_or_else(|| "–".into())))
                (figure(t(lang, "待处理提醒", "Open alerts"), open.to_string()))
                (figure(t(lang, "逾期未登记", "Overdue records"), overdue.to_string()))
            }
            @if let Some(p) = &latest {
                p.muted { (t(lang, "最近一期：", "Latest month: ")) (p) }
            } @else {
                p.muted { (t(lang, "尚无分析结果（运行 suyuan analytics run）。", "No analytics results yet (run suyuan analytics run).")) }
            }
        }
        section.card #score-trend {
            h2 { (t(lang, "平均得分趋势", "Average score trend")) }
            (charts::line(&trend.iter().map(|(_, a)| *a).collect::<Vec<_>>(), 100.0, Some(60.0), t(lang, "平均得分趋势（0–100）", "Average score trend (0-100)")))
            div.table-wrap { table {
                thead { tr { th scope="col" { (t(lang, "月份", "Month")) } th.num scope="col" { (t(lang, "平均得分", "Average")) } } }
                tbody { @for (p, a) in &trend { tr { td { (p) } td.num { (one(*a)) } } } }
            } }
        }
        section.card #timeliness-trend {
            h2 { (t(lang, "按期登记比例趋势", "Share registered within deadline")) }
            (charts::line(&weekly.iter().map(|w| w.1 * 100.0).collect::<Vec<_>>(), 100.0, None, t(lang, "按期登记比例（%）", "Share within deadline (%)")))
            div.table-wrap { table {
                thead { tr { th scope="col" { (t(lang, "周", "Week")) } th.num scope="col" { (t(lang, "按期比例", "Within deadline")) } th.num scope="col" { (t(lang, "应登记", "Due")) } } }
                tbody { @for (w, s, n) in &weekly { tr { td { (w) } td.num { (pct(*s)) } td.num { (n) } } } }
            } }
        }
        section.card #by-region {
            h2 { (t(lang, "各地区平均得分", "Average score by region")) }
            (charts::bars(&regional.iter().map(|r| r.1).collect::<Vec<_>>(), 100.0, Some(60.0), t(lang, "各地区平均得分", "Average score by region")))
            div.table-wrap { table {
                thead { tr { th scope="col" { (t(lang, "地区", "Region")) } th.num scope="col" { (t(lang, "平均得分", "Average")) } th.num scope="col" { (t(lang, "销售者", "Sellers")) } } }
                tbody { @for (k, a, n) in &regional { tr {
                    td { a href=(href(lang, "/supervise/sellers", &[("region", k)])) { (board::region_name(lang, k)) } }
                    td.num { (one(*a)) } td.num { (n) }
                } } }
            } }
        }
        section.card #worst-categories {
            h2 { (t(lang, "时效最差的类别（近四周）", "Categories with the worst timeliness (last four weeks)")) }
            @if worst_categories.is_empty() {
                p.muted { (t(lang, "暂无数据。", "No data yet.")) }
            } @else {
                div.table-wrap { table {
                    thead { tr { th scope="col" { (t(lang, "类别", "Category")) } th.num scope="col" { (t(lang, "按期比例", "Within deadline")) } th.num scope="col" { (t(lang, "应登记", "Due")) } } }
                    tbody { @for (c, s, n) in &worst_categories { tr {
                        td { a href=(href(lang, "/supervise/sellers", &[("category", c)])) { (board::category_name(&state, lang, c)) } }
                        td.num.bad[*s < 0.9] { (pct(*s)) } td.num { (n) }
                    } } }
                } }
            }
        }
    };
    Ok(board::page(
        &req,
        &state,
        StatusCode::OK,
        lang,
        &title,
        Nav::Supervise("/supervise"),
        body,
    ))
}

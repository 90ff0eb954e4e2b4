//! `/supervise/sellers`: the ranking (sortable, filtered; every filter read strictly) and
//! `/supervise/sellers/{id}`: one seller's score breakdown, timeliness, overdue records and
//! alerts. A seller outside the jurisdiction answers 404, never its data.

use super::{not_found, supervisor};
use crate::board::{self, Nav, charts, hours, href, one, pct, sort_header, t};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use maud::{Markup, html};
use serde::Deserialize;
use suyuan_core::dashboard::{RANK_PAGE, RankFilter, Sort, SortKey, page_number, page_range};
use suyuan_core::ids::SellerId;
use suyuan_core::tenancy::{Principal, SellerType};
use suyuan_store::analytics::{
    self as results, AlertFilter, OverdueRow, ResultScope, ScoreFilter, TimelinessFilter,
};
use suyuan_web::AppState;
use suyuan_web::error::ApiError;
use suyuan_web::page::lang_of;
use suyuan_web::session::PersonSession;
use suyuan_widgets::Lang;

/// Query of the ranking.
#[derive(Debug, Default, Deserialize)]
pub struct RankQuery {
    /// `score`, `-score`, `change`, `-change`, `name`, `-name`.
    pub sort: Option<String>,
    /// A catalogue category id.
    pub category: Option<String>,
    /// A division prefix (2, 4 or 6 digits).
    pub region: Option<String>,
    /// `A` to `D`.
    pub grade: Option<String>,
    /// A seller type (`online`, `offline`, ...).
    pub seller_type: Option<String>,
    /// `YYYY-MM`; the latest month when absent.
    pub period: Option<String>,
    /// Which page of the ranking (1, the best, when absent; 100 sellers a page).
    pub page: Option<String>,
    /// The page language (read by `lang_of`).
    pub lang: Option<String>,
}

fn grade_class(g: &str) -> String {
    format!("grade-{g}")
}

fn change(c: Option<f64>) -> String {
    match c {
        Some(c) if c > 0.0 => format!("+{c:.1}"),
        Some(c) => format!("{c:.1}"),
        None => "–".into(),
    }
}

fn seller_type_name(lang: Lang, s: SellerType) -> &'static str {
    match s {
        SellerType::Online => t(lang, "网络销售", "Online"),
        SellerType::Offline => t(lang, "线下销售", "Offline"),
        SellerType::SpecialtyStore => t(lang, "专卖店", "Specialty store"),
        SellerType::GeneralStore => t(lang, "综合商店", "General store"),
        SellerType::LargeStore => t(lang, "大型商超", "Large store"),
        SellerType::SmallShop => t(lang, "小微商户", "Small shop"),
        SellerType::Distributor => t(lang, "经销商", "Distributor"),
        SellerType::FactoryDirect => t(lang, "厂家直销", "Factory direct"),
    }
}

/// `GET /supervise/sellers`: the sellers of the jurisdiction ranked by their score of a month.
#[get("/supervise/sellers")]
pub async fn ranking(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: PersonSession,
    q: web::Query<RankQuery>,
) -> Result<HttpResponse, ApiError> {
    let who = supervisor(session)?;
    let lang = lang_of(&req);
    let sort = match q.sort.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Sort::parse(s).map_err(|e| vec![e]),
        None => Ok(Sort::default()),
    };
    let filter = RankFilter::parse(
        q.category.as_deref(),
        q.region.as_deref(),
        q.grade.as_deref(),
        q.seller_type.as_deref(),
        q.period.as_deref(),
        |c| board::known_category(&state, c),
    );
    let page = page_number(q.page.as_deref(), "page").map_err(|e| vec![e]);
    let (sort, filter, page) = match (sort, filter, page) {
        (Ok(s), Ok(f), Ok(p)) => (s, f, p),
        (s, f, p) => {
            let mut bad = s.err().unwrap_or_default();
            bad.extend(f.err().unwrap_or_default());
            bad.extend(p.err().unwrap_or_default());
            return Ok(board::bad_fields(&req, &state, lang, &bad));
        }
    };
    let scope = board::scope_of(&who)?;
    let period = match &filter.period {
        Some(p) => Some(p.clone()),
        // The latest month of the jurisdiction, as the last run's overview holds it.
        None => suyuan_store::overviews::overview(&state.db, &scope)
            .await?
            .latest_month()
            .map(str::to_owned),
    };
    // One page, ranked and cut in SQL; the count gives the pages.
    let per = RANK_PAGE as u64;
    let offset = (page as u64 - 1).saturating_mul(per);
    let ranked = match &period {
        Some(p) => results::rank_page(&state.db, &scope, p, &filter, sort, offset, per).await?,
        None => results::RankPage {
            total: 0,
            lines: Vec::new(),
        },
    };
    let total = usize::try_from(ranked.total).unwrap_or(usize::MAX);
    let (shown, pages) = page_range(total, page, RANK_PAGE);
    let lines = ranked.lines;

    let params: Vec<(&str, &str)> = vec![
        ("category", filter.category.as_deref().unwrap_or("")),
        ("region", q.region.as_deref().map(str::trim).unwrap_or("")),
        ("grade", q.grade.as_deref().map(str::trim).unwrap_or("")),
        (
            "seller_type",
            q.seller_type.as_deref().map(str::trim).unwrap_or(""),
        ),
        ("period", filter.period.as_deref().unwrap_or("")),
    ];
    let path = "/supervise/sellers";
    let sort_query = sort.as_query();
    let page_href = |n: usize| -> String {
        let n = n.to_string();
        let mut p = params.clone();
        p.push(("sort", &sort_query));
        p.push(("page", &n));
        href(lang, path, &p)
    };
    let body = html! {
        section.card {
            form.filters method="get" action=(path) {
                @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
                input type="hidden" name="sort" value=(sort.as_query());
                label { (t(lang, "类别", "Category"))
                    select name="category" {
                        option value="" { (t(lang, "全部", "All")) }
                        @for c in state.catalogue.categories() {
                            option value=(c.id.as_str()) selected[filter.category.as_deref() == Some(c.id.as_str())] {
                                (match lang { Lang::Zh => &c.name_zh, Lang::En => &c.name_en })
                            }
                        }
                    }
                }
                label { (t(lang, "地区代码", "Region code"))
                    input type="text" name="region" inputmode="numeric" maxlength="6" value=(params[1].1);
                }
                label { (t(lang, "等级", "Grade"))
                    select name="grade" {
                        option value="" { (t(lang, "全部", "All")) }
                        @for g in ['A', 'B', 'C', 'D'] { option value=(g) selected[filter.grade == Some(g)] { (g) } }
                    }
                }
                label { (t(lang, "销售者类型", "Seller type"))
                    select name="seller_type" {
                        option value="" { (t(lang, "全部", "All")) }
                        @for st in SellerType::ALL {
                            option value=(st.as_str()) selected[filter.seller_type == Some(st)] { (seller_type_name(lang, st)) }
                        }
                    }
                }
                label { (t(lang, "月份", "Month"))
                    input type="text" name="period" placeholder="YYYY-MM" maxlength="7" value=(params[4].1);
                }
                button.button type="submit" { (t(lang, "筛选", "Filter")) }
            }
            p.muted {
                (t(lang, "月份：", "Month: ")) (period.as_deref().unwrap_or("–"))
                " · " (total) (t(lang, " 个销售者", " sellers"))
            }
        }
        section.card {
            div.table-wrap { table #ranking {
                thead { tr {
                    th.num scope="col" { "#" }
                    (sort_header(lang, path, &params, sort, SortKey::Name, t(lang, "销售者", "Seller"), false))
                    th scope="col" { (t(lang, "地区", "Region")) }
                    th scope="col" { (t(lang, "类别", "Category")) }
                    (sort_header(lang, path, &params, sort, SortKey::Score, t(lang, "得分", "Score"), true))
                    th scope="col" { (t(lang, "等级", "Grade")) }
                    (sort_header(lang, path, &params, sort, SortKey::Change, t(lang, "环比", "Change"), true))
                } }
                tbody {
                    @for (i, l) in lines.iter().enumerate() { tr {
                        td.num { (shown.start + i + 1) }
                        td { a href=(href(lang, &format!("/supervise/sellers/{}", l.seller_id), &[])) { (l.name) } }
                        td { (l.division) }
                        td { (l.category_id.as_deref().map(|c| board::category_name(&state, lang, c)).unwrap_or_default()) }
                        td.num { (one(l.score)) }
                        td class=(grade_class(&l.grade)) { (l.grade) }
                        td.num { (change(l.change)) }
                    } }
                }
            } }
            @if total == 0 { p.muted { (t(lang, "没有符合条件的销售者。", "No seller matches.")) } }
            @if pages > 1 {
                nav.pager aria-label=(t(lang, "分页", "Pages")) {
                    (t(lang, "第 ", "Page ")) (page) " / " (pages) (t(lang, " 页", ""))
                    @if page > 1 {
                        " · " a rel="prev" href=(page_href(page - 1)) { (t(lang, "上一页", "Previous")) }
                    }
                    @if page < pages {
                        " · " a rel="next" href=(page_href(page + 1)) { (t(lang, "下一页", "Next")) }
                    }
                }
            }
        }
    };
    Ok(board::page(
        &req,
        &state,
        StatusCode::OK,
        lang,
        t(lang, "销售者排名", "Seller ranking"),
        Nav::Supervise(path),
        body,
    ))
}

/// A table of overdue records (shared with the seller's own page).
pub fn overdue_table(lang: Lang, state: &AppState, rows: &[OverdueRow]) -> Markup {
    html! {
        @if rows.is_empty() {
            p.muted { (t(lang, "没有逾期未登记的记录。", "No overdue records.")) }
        } @else {
            div.table-wrap { table.overdue {
                thead { tr {
                    th scope="col" { (t(lang, "记录", "Record")) }
                    th scope="col" { (t(lang, "类型", "Kind")) }
                    th scope="col" { (t(lang, "类别", "Category")) }
                    th scope="col" { (t(lang, "截止", "Deadline")) }
                } }
                tbody { @for o in rows { tr {
                    td { code { (o.record_id) } }
                    td { (o.record_kind) }
                    td { (o.category_id.as_deref().map(|c| board::category_name(state, lang, c)).unwrap_or_default()) }
                    td { (o.deadline_at.format("%Y-%m-%d %H:%M")) }
                } } }
            } }
        }
    }
}

/// The score breakdown of a seller's latest score: components by points lost, with the records
/// that cost them (shared with the seller's own page).
pub fn breakdown(lang: Lang, row: Option<&results::ScoreRow>) -> Result<Markup, ApiError> {
    let Some(row) = row else {
        return Ok(html! { p.muted { (t(lang, "尚无得分。", "No score yet.")) } });
    };
    let components = results::score_components(row)?;
    Ok(html! {
        p {
            (t(lang, "得分 ", "Score ")) strong { (one(row.score)) } " · "
            (t(lang, "等级 ", "grade ")) strong class=(grade_class(&row.grade)) { (row.grade) } " · "
            (row.period) " · " (t(lang, "环比 ", "change ")) (change(row.change))
        }
        div.table-wrap { table #breakdown {
            thead { tr {
                th scope="col" { (t(lang, "项目", "Component")) }
                th.num scope="col" { (t(lang, "扣分", "Points lost")) }
                th.num scope="col" { (t(lang, "不合格/总数", "Failed / total")) }
                th scope="col" { (t(lang, "扣分记录", "Records that cost points")) }
            } }
            tbody { @for c in &components { tr {
                td { (board::component_name(lang, &c.component)) }
                td.num.bad[c.points_lost > 0.0] { (one(c.points_lost)) " / " (one(c.weight)) }
                td.num { (c.failed) " / " (c.total) }
                td { @if !c.records.is_empty() { ul.records { @for r in &c.records { li { code { (r) } } } } } }
            } } }
        } }
    })
}

/// `GET /supervise/sellers/{id}`: one seller of the jurisdiction.
#[get("/supervise/sellers/{id}")]
pub async fn seller_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: PersonSession,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let who = supervisor(session)?;
    let lang = lang_of(&req);
    let Ok(id) = SellerId::parse(id.as_str()) else {
        return Ok(not_found(&req, &state, lang));
    };
    let Some(row) = suyuan_store::tenants::seller_row(&state.db, id.as_str()).await? else {
        return Ok(not_found(&req, &state, lang));
    };
    if let Principal::Supervisor { jurisdiction, .. } = &who
        && !row.division_code.starts_with(jurisdiction.as_prefix())
    {
        return Ok(not_found(&req, &state, lang));
    }
    let scope = ResultScope::Seller(id.clone());
    let scores = results::list_scores(
        &state.db,
        &scope,
        &ScoreFilter {
            limit: 12,
            ..Default::default()
        },
    )
    .await?;
    let weeks = results::list_timeliness(
        &state.db,
        &scope,
        &TimelinessFilter {
            dimension: Some("seller".into()),
            limit: 26,
            ..Default::default()
        },
    )
    .await?;
    let overdue = results::list_overdue(&state.db, &scope, None, 500).await?;
    let alerts = results::list_alerts(
        &state.db,
        &scope,
        &AlertFilter {
            limit: 100,
            ..Default::default()
        },
    )
    .await?;
    let trend: Vec<f64> = scores.iter().rev().map(|s| s.score).collect();
    let weeks: Vec<_> = weeks.into_iter().rev().collect();
    let shares: Vec<f64> = weeks
        .iter()
        .map(|w| w.share_within_deadline.unwrap_or(1.0))
        .collect();
    let body = html! {
        section.card {
            dl {
                dt { (t(lang, "统一社会信用代码", "Credit code")) } dd { (row.credit_code) }
                dt { (t(lang, "行政区划", "Division")) } dd { (row.division_code) }
                dt { (t(lang, "类型", "Type")) } dd { (row.seller_type) }
            }
        }
        section.card #score {
            h2 { (t(lang, "得分构成", "Score breakdown")) }
            (breakdown(lang, scores.first())?)
            (charts::line(&trend, 100.0, Some(60.0), t(lang, "得分趋势（0–100）", "Score trend (0-100)")))
        }
        section.card #timeliness {
            h2 { (t(lang, "登记时效（按周）", "Registration timeliness by week")) }
            (charts::bars(&shares, 1.0, Some(0.9), t(lang, "每周按期登记比例", "Share within deadline per week")))
            div.table-wrap { table {
                thead { tr {
                    th scope="col" { (t(lang, "周", "Week")) }
                    th.num scope="col" { (t(lang, "按期比例", "Within deadline")) }
                    th.num scope="col" { (t(lang, "应登记", "Due")) }
                    th.num scope="col" { (t(lang, "逾期", "Overdue")) }
                    th.num scope="col" { "p50" }
                    th.num scope="col" { "p90" }
                } }
                tbody { @for w in &weeks { tr {
                    td { (w.week) }
                    td.num { (w.share_within_deadline.map(pct).unwrap_or_else(|| "–".into())) }
                    td.num { (w.records) }
                    td.num { (w.overdue) }
                    td.num { (hours(w.delay_p50_s)) }
                    td.num { (hours(w.delay_p90_s)) }
                } } }
            } }
        }
        section.card #overdue {
            h2 { (t(lang, "逾期未登记", "Overdue records")) " (" (overdue.len()) ")" }
            (overdue_table(lang, &state, &overdue))
        }
        section.card #alerts {
            h2 { (t(lang, "提醒", "Alerts")) }
            (super::alerts::alert_table(lang, &alerts, None, None, &Default::default()))
        }
    };
    Ok(board::page(
        &req,
        &state,
        StatusCode::OK,
        lang,
        &row.name,
        Nav::Supervise("/supervise/sellers"),
        body,
    ))
}

//! `/supervise/recall`: search the recall flow of a GTIN, batch, unit or code, shown tier by
//! tier and by region, with CSV and XLSX downloads (`/supervise/recall/export.csv|xlsx`) that
//! use the page session and the same export code as the API (`suyuan_widgets::recall_export`).
//! A supervisor sees the records of sellers in its jurisdiction only.

use super::supervisor;
use crate::board::{self, Nav, href, one, t};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, web};
use maud::html;
use serde::Deserialize;
use std::collections::BTreeMap;
use suyuan_core::dashboard::recall_selector;
use suyuan_core::recall::RecallFlow;
use suyuan_core::tenancy::Principal;
use suyuan_web::AppState;
use suyuan_web::error::ApiError;
use suyuan_web::page::lang_of;
use suyuan_web::session::PersonSession;
use suyuan_widgets::Lang;

/// The search.
#[derive(Debug, Default, Deserialize)]
pub struct RecallQuery {
    /// A GTIN (alone, or narrowing a batch or serial).
    pub gtin: Option<String>,
    /// A batch.
    pub batch: Option<String>,
    /// A unit's serial.
    pub serial: Option<String>,
    /// A trace code in any form.
    pub code: Option<String>,
    /// The page language.
    pub lang: Option<String>,
}

impl RecallQuery {
    fn params(&self) -> Vec<(&str, &str)> {
        [
            ("gtin", &self.gtin),
            ("batch", &self.batch),
            ("serial", &self.serial),
            ("code", &self.code),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.as_deref().map(str::trim).unwrap_or("")))
        .collect()
    }

    fn is_empty(&self) -> bool {
        self.params().iter().all(|(_, v)| v.is_empty())
    }
}

enum Traced {
    Flow(RecallFlow),
    Bad(suyuan_core::dashboard::BadField),
}

async fn trace(state: &AppState, who: &Principal, q: &RecallQuery) -> Result<Traced, ApiError> {
    let selector = match recall_selector(
        q.gtin.as_deref(),
        q.batch.as_deref(),
        q.serial.as_deref(),
        q.code.as_deref(),
    ) {
        Ok(s) => s,
        Err(b) => return Ok(Traced::Bad(b)),
    };
    let jurisdiction = match who {
        Principal::Supervisor { jurisdiction, .. } => Some(jurisdiction.clone()),
        _ => None,
    };
    Ok(Traced::Flow(
        suyuan_store::recall_trace::trace(&state.db, &selector, jurisdiction.as_ref()).await?,
    ))
}

fn gap_name(lang: Lang, g: suyuan_core::recall::Gap) -> &'static str {
    use suyuan_core::recall::Gap;
    match g {
        Gap::UnclaimedTransfer => t(lang, "转移未认领", "transfer never claimed"),
        Gap::NoTransfer => t(lang, "无转移单", "no transfer"),
        Gap::NoRegion => t(lang, "缺少地区", "no region"),
    }
}

/// `GET /supervise/recall[?gtin=|batch=|serial=|code=]`.
#[get("/supervise/recall")]
pub async fn recall_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: PersonSession,
    q: web::Query<RecallQuery>,
) -> Result<HttpResponse, ApiError> {
    let who = supervisor(session)?;
    let lang = lang_of(&req);
    let flow = if q.is_empty() {
        None
    } else {
        match trace(&state, &who, &q).await? {
            Traced::Flow(f) => Some(f),
            Traced::Bad(b) => return Ok(board::bad_fields(&req, &state, lang, &[b])),
        }
    };
    let params = q.params();
    let search = html! {
        section.card {
            form.filters method="get" action="/supervise/recall" {
                @if lang == Lang::En { input type="hidden" name="lang" value="en"; }
                @for (name, value) in &params {
                    label { (name.to_uppercase())
                        input type="text" name=(name) value=(value);
                    }
                }
                button.button type="submit" { (t(lang, "查询流向", "Trace")) }
            }
            p.muted { (t(lang, "给出 GTIN、批次、序列号或追溯码之一（GTIN 可与批次或序列号同用）。", "Give a GTIN, batch, serial or trace code (a GTIN may narrow a batch or serial).")) }
        }
    };
    let result = match &flow {
        None => html! {},
        Some(flow) => {
            // Tier, then province and city: the tree as nested tables.
            let mut tree: BTreeMap<u32, BTreeMap<String, (usize, f64)>> = BTreeMap::new();
            for r in &flow.rows {
                let region = r
                    .city
                    .clone()
                    .or_else(|| r.province.clone())
                    .unwrap_or_default();
                let e = tree.entry(r.tier).or_default().entry(region).or_default();
                e.0 += 1;
                e.1 += r.quantity;
            }
            html! {
                section.card #flow {
                    p {
                        (flow.rows.len()) (t(lang, " 条记录，", " records, "))
                        (flow.sellers().len()) (t(lang, " 个销售者，", " sellers, "))
                        (flow.depth()) (t(lang, " 层，", " tiers, "))
                        (flow.gaps().count()) (t(lang, " 处缺口", " gaps"))
                    }
                    p.links {
                        a.button href=(href(lang, "/supervise/recall/export.xlsx", &params)) { (t(lang, "下载 XLSX", "Download XLSX")) }
                        " "
                        a.button.button-secondary href=(href(lang, "/supervise/recall/export.csv", &params)) { (t(lang, "下载 CSV", "Download CSV")) }
                    }
                    h2 { (t(lang, "按层级和地区", "By tier and region")) }
                    div.table-wrap { table #by-tier {
                        thead { tr {
                            th scope="col" { (t(lang, "层级", "Tier")) }
                            th scope="col" { (t(lang, "地区", "Region")) }
                            th.num scope="col" { (t(lang, "记录", "Records")) }
                            th.num scope="col" { (t(lang, "数量", "Quantity")) }
                        } }
                        tbody { @for (tier, regions) in &tree { @for (i, (region, (n, qty))) in regions.iter().enumerate() { tr {
                            @if i == 0 { th scope="row" rowspan=(regions.len()) { (tier) } }
                            td { @if region.is_empty() { (t(lang, "（未知）", "(unknown)")) } @else { (region) } }
                            td.num { (n) } td.num { (one(*qty)) }
                        } } } }
                    } }
                    h2 { (t(lang, "记录", "Records")) }
                    div.table-wrap { table #flow-rows {
                        thead { tr {
                            th scope="col" { (t(lang, "层级", "Tier")) }
                            th scope="col" { (t(lang, "销售者", "Seller")) }
                            th scope="col" { (t(lang, "记录", "Record")) }
                            th scope="col" { (t(lang, "地区", "Region")) }
                            th scope="col" { (t(lang, "客户类型", "Customer")) }
                            th.num scope="col" { (t(lang, "数量", "Quantity")) }
                            th scope="col" { (t(lang, "缺口", "Gap")) }
                        } }
                        tbody { @for r in &flow.rows { tr {
                            td { (r.tier) }
                            td { (r.seller_name.as_deref().unwrap_or(&r.seller_id)) }
                            td { (r.record_kind) }
                            td { (r.region.as_deref().unwrap_or("")) }
                            td { (r.customer_type.as_deref().unwrap_or("")) }
                            td.num { (one(r.quantity)) }
                            td.bad { (r.gap.map(|g| gap_name(lang, g)).unwrap_or("")) }
                        } } }
                    } }
                }
            }
        }
    };
    Ok(board::page(
        &req,
        &state,
        StatusCode::OK,
        lang,
        t(lang, "召回流向", "Recall flow"),
        Nav::Supervise("/supervise/recall"),
        html! { (search) (result) },
    ))
}

/// `GET /supervise/recall/export.{csv|xlsx}?…`: the flow as a download (the page session's
/// scope, the API's export code).
#[get("/supervise/recall/export.{format}")]
pub async fn recall_export(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: PersonSession,
    format: web::Path<String>,
    q: web::Query<RecallQuery>,
) -> Result<HttpResponse, ApiError> {
    let who = supervisor(session)?;
    let lang = lang_of(&req);
    if !matches!(format.as_str(), "csv" | "xlsx") {
        return Err(ApiError::NotFound("export format"));
    }
    let flow = match trace(&state, &who, &q).await? {
        Traced::Flow(f) => f,
        Traced::Bad(b) => return Ok(board::bad_fields(&req, &state, lang, &[b])),
    };
    let unexpected = |e: String| ApiError::Unexpected(anyhow::anyhow!("recall export: {e}"));
    let (body, content_type) = if format.as_str() == "xlsx" {
        (
            suyuan_widgets::recall_export::xlsx(&flow).map_err(|e| unexpected(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    } else {
        let mut body = Vec::new();
        suyuan_widgets::recall_export::csv(&flow, &mut body)
            .map_err(|e| unexpected(e.to_string()))?;
        (body, "text/csv; charset=utf-8")
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"recall-flow.{format}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}

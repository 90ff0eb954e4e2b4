//! `/seller`: a seller's own compliance: its score and what to fix first (the components by
//! points lost, with the records that cost them), overdue records, listings that need codes and
//! transfers waiting for it to claim; links to the phone pages (`/app`).

use crate::board::{self, Nav, charts, href, t};
use crate::supervise::sellers::{breakdown, overdue_table};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::Utc;
use maud::html;
use suyuan_core::tenancy::{Principal, Role};
use suyuan_store::analytics::{self as results, ResultScope, ScoreFilter};
use suyuan_store::listings::{self, ListingFilter};
use suyuan_web::AppState;
use suyuan_web::error::ApiError;
use suyuan_web::page::lang_of;
use suyuan_web::session::PersonSession;

/// `GET /seller`.
#[get("/seller")]
pub async fn seller_home(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: PersonSession,
) -> Result<HttpResponse, ApiError> {
    let Principal::Seller(id) = session.require(&[Role::Seller])?.principal else {
        return Err(ApiError::Forbidden);
    };
    let lang = lang_of(&req);
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
    let overdue = results::list_overdue(&state.db, &scope, None, 500).await?;
    let uncoded = listings::list(
        &state.db,
        &id,
        &ListingFilter {
            needs_code: Some(true),
            limit: 200,
            ..Default::default()
        },
    )
    .await?;
    let uncoded: Vec<_> = uncoded
        .into_iter()
        .filter(|l| l.status != "deleted")
        .collect();
    let to_confirm: Vec<_> = listings::list(
        &state.db,
        &id,
        &ListingFilter {
            needs_confirmation: Some(true),
            limit: 200,
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .filter(|l| l.status != "deleted")
    .collect();
    let incoming =
        suyuan_store::transfers::list_incoming(&state.db, &id, Some("pending"), 100).await?;
    let name = suyuan_store::tenants::seller_name(&state.db, id.as_str())
        .await?
        .unwrap_or_default();
    let now = Utc::now();
    let trend: Vec<f64> = scores.iter().rev().map(|s| s.score).collect();
    let body = html! {
        section.card #score {
            h2 { (t(lang, "我的得分：先改这些", "My score: fix these first")) }
            (breakdown(lang, scores.first())?)
            (charts::line(&trend, 100.0, Some(60.0), t(lang, "得分趋势（0–100）", "Score trend (0-100)")))
        }
        section.card #overdue {
            h2 { (t(lang, "逾期未登记", "Overdue records")) " (" (overdue.len()) ")" }
            (overdue_table(lang, &state, &overdue))
        }
        section.card #needs-code {
            h2 { (t(lang, "需要追溯码的商品", "Listings that need codes")) " (" (uncoded.len()) ")" }
            @if uncoded.is_empty() {
                p.muted { (t(lang, "所有需追溯的商品都有追溯码。", "Every listing that needs a code has one.")) }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { (t(lang, "商品", "Listing")) }
                        th scope="col" { (t(lang, "平台", "Marketplace")) }
                        th scope="col" { (t(lang, "类别", "Category")) }
                    } }
                    tbody { @for l in &uncoded { tr {
                        td { (l.title) }
                        td { (l.platform) }
                        td { (l.category_id.as_deref().map(|c| board::category_name(&state, lang, c)).unwrap_or_default()) }
                    } } }
                } }
            }
        }
        section.card #to-confirm {
            h2 { (t(lang, "请确认类目的商品", "Listings whose category to confirm")) " (" (to_confirm.len()) ")" }
            @if to_confirm.is_empty() {
                p.muted { (t(lang, "没有需要确认的商品类目。", "No listing's category needs confirming.")) }
            } @else {
                p.muted { (t(lang,
                    "标题模型与目录规则对这些标题的判断不一致。类目正确时以同一类目确认，不正确时改为正确类目（接口 PATCH /api/v1/listings/{id}）。",
                    "The title model and the catalogue's rules read these titles differently. Confirm a right category by setting the same one, or set the right one (PATCH /api/v1/listings/{id}).")) }
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { (t(lang, "商品", "Listing")) }
                        th scope="col" { (t(lang, "判断的类别", "Category read")) }
                    } }
                    tbody { @for l in &to_confirm { tr {
                        td { (l.title) }
                        td { @match l.category_id.as_deref() {
                            Some(c) => (board::category_name(&state, lang, c)),
                            None => (t(lang, "不在目录内", "Outside the catalogue")),
                        } }
                    } } }
                } }
            }
        }
        section.card #to-claim {
            h2 { (t(lang, "待认领的转移", "Transfers waiting for your claim")) " (" (incoming.len()) ")" }
            @if incoming.is_empty() {
                p.muted { (t(lang, "没有待认领的货品。", "Nothing to claim.")) }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { (t(lang, "发货方", "From")) }
                        th scope="col" { (t(lang, "商品", "Product")) }
                        th scope="col" { (t(lang, "销售日期", "Sold")) }
                        th scope="col" { (t(lang, "状态", "Status")) }
                    } }
                    tbody { @for tr_ in &incoming { tr {
                        td { (tr_.sender.name) }
                        td { (tr_.row.product_name.as_deref().unwrap_or("")) }
                        td { (tr_.row.sold_at.format("%Y-%m-%d")) }
                        td { (tr_.status_at(now)) }
                    } } }
                } }
            }
            p { a href=(href(lang, "/app/transfers", &[])) { (t(lang, "去认领", "Claim them")) } }
        }
        p.links {
            a.button href=(href(lang, "/app/scan", &[])) { (t(lang, "扫码收货", "Scan goods in")) } " "
            a.button.button-secondary href=(href(lang, "/app/sell", &[])) { (t(lang, "登记销售", "Register a sale")) } " "
            a.button.button-secondary href=(href(lang, "/app/transfers", &[])) { (t(lang, "转移与认领", "Transfers")) }
        }
    };
    let title = format!("{name} · {}", t(lang, "我的合规", "My compliance"));
    Ok(board::page(
        &req,
        &state,
        StatusCode::OK,
        lang,
        &title,
        Nav::Seller,
        body,
    ))
}

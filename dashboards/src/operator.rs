//! `/operator`: a marketplace operator's badge coverage: the listings on its marketplace by
//! seller and category (traced, needing a code, nothing to trace), and the embed snippets.

use crate::board::{self, Nav, figure, href, pct, t};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use maud::html;
use suyuan_core::tenancy::{Principal, Role};
use suyuan_store::dashboards::operator_coverage;
use suyuan_store::operators;
use suyuan_web::AppState;
use suyuan_web::error::ApiError;
use suyuan_web::page::lang_of;
use suyuan_web::session::PersonSession;

/// What the snippets show in place of a listing id.
const PLACEHOLDER: &str = "LISTING_ID";

/// `GET /operator`.
#[get("/operator")]
pub async fn operator_home(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: PersonSession,
) -> Result<HttpResponse, ApiError> {
    let Principal::Operator(id) = session.require(&[Role::Operator])?.principal else {
        return Err(ApiError::Forbidden);
    };
    let lang = lang_of(&req);
    let op = operators::operator_row(&state.db, id.as_str())
        .await?
        .ok_or(ApiError::Forbidden)?;
    let rows = operator_coverage(&state.db, &op.platform).await?;
    let (traced, needs): (i64, i64) = rows
        .iter()
        .fold((0, 0), |(a, b), r| (a + r.traced, b + r.needs_code));
    let listings: i64 = rows.iter().map(|r| r.listings).sum();
    let coverage = |traced: i64, needs: i64| {
        if traced + needs == 0 {
            "–".to_owned()
        } else {
            pct(traced as f64 / (traced + needs) as f64)
        }
    };
    let public = &state.public_url;
    let body = html! {
        section.card {
            p { (t(lang, "平台：", "Marketplace: ")) strong { (op.platform) } " · " (op.name) }
            dl.figures {
                (figure(t(lang, "商品", "Listings"), listings.to_string()))
                (figure(t(lang, "已追溯", "Traced"), traced.to_string()))
                (figure(t(lang, "缺追溯码", "Need a code"), needs.to_string()))
                (figure(t(lang, "徽章覆盖率", "Badge coverage"), coverage(traced, needs)))
            }
        }
        section.card #coverage {
            h2 { (t(lang, "按销售者和类别", "By seller and category")) }
            @if rows.is_empty() {
                p.muted { (t(lang, "该平台还没有商品。", "No listings on this marketplace yet.")) }
            } @else {
                div.table-wrap { table {
                    thead { tr {
                        th scope="col" { (t(lang, "销售者", "Seller")) }
                        th scope="col" { (t(lang, "类别", "Category")) }
                        th.num scope="col" { (t(lang, "商品", "Listings")) }
                        th.num scope="col" { (t(lang, "已追溯", "Traced")) }
                        th.num scope="col" { (t(lang, "缺码", "Need a code")) }
                        th.num scope="col" { (t(lang, "覆盖率", "Coverage")) }
                    } }
                    tbody { @for r in &rows { tr {
                        td { (r.seller_name) }
                        td { @match &r.category_id {
                            Some(c) => (board::category_name(&state, lang, c)),
                            None => span.muted { (t(lang, "无需追溯", "nothing to trace")) },
                        } }
                        td.num { (r.listings) }
                        td.num { (r.traced) }
                        td.num.bad[r.needs_code > 0] { (r.needs_code) }
                        td.num { (coverage(r.traced, r.needs_code)) }
                    } } }
                } }
            }
        }
        section.card #snippets {
            h2 { (t(lang, "嵌入代码", "Embed snippets")) }
            p { (t(lang, "把 LISTING_ID 换成溯源的商品编号（用 GET /api/v1/operator/listings/{platform}/{external_id} 查询，返回中已含该商品的代码）。", "Replace LISTING_ID with Suyuan's listing id (GET /api/v1/operator/listings/{platform}/{external_id} answers it, with that listing's snippets).")) }
            h3 { (t(lang, "脚本", "Script")) }
            pre.snippet { code { (suyuan_widgets::snippet_script(public, PLACEHOLDER)) } }
            h3 { (t(lang, "内嵌框架（不允许脚本的页面）", "Iframe (pages that allow no script)")) }
            pre.snippet { code { (suyuan_widgets::snippet_iframe(public, PLACEHOLDER)) } }
            h3 { (t(lang, "图片链接", "Linked image")) }
            pre.snippet { code { (suyuan_widgets::snippet_img(public, PLACEHOLDER)) } }
            p { a href=(href(lang, "/api/v1/openapi.json", &[])) { (t(lang, "接口说明", "API description")) } }
        }
    };
    Ok(board::page(
        &req,
        &state,
        StatusCode::OK,
        lang,
        t(lang, "徽章覆盖", "Badge coverage"),
        Nav::Operator,
        body,
    ))
}

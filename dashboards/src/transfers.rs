//! `/app/transfers`: the seller's B2B transfers on one page (guide 5.6, guiding the next tier).
//! Sent: each buyer, what went, and whether it is waiting to be claimed, claimed, expired or
//! cancelled, with the claim link to give again while it waits. To claim: goods other sellers
//! sent to this seller's credit code, each with its claim link.

use crate::app::{lang_of, page_response, seller_id};
use crate::claim::cst_date;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use suyuan_store::transfers::{self, Transfer};
use suyuan_web::AppState;
use suyuan_web::error::ApiError;
use suyuan_web::session::{BackToPath, ClaimantSession};
use suyuan_widgets::{AppPage, Bi, Entry, EntryList};

/// Transfers shown per list.
const SHOWN: u64 = 50;

fn status_label(status: &str) -> Bi {
    match status {
        "pending" => Bi::new("待认领", "Waiting to be claimed"),
        "claimed" => Bi::new("已认领", "Claimed"),
        "expired" => Bi::new("已过期", "Expired"),
        "cancelled" => Bi::new("已撤销", "Cancelled"),
        other => Bi::new(other, other),
    }
}

/// What went: `3 件货品` / `3 items`, with the voucher number when there is one.
fn goods_line(t: &Transfer) -> Bi {
    let n = t.items.len();
    match &t.row.voucher_number {
        Some(v) => Bi::new(
            format!("{n} 项货品 · 单据号 {v}"),
            format!("{n} item(s) · voucher {v}"),
        ),
        None => Bi::new(format!("{n} 项货品"), format!("{n} item(s)")),
    }
}

/// When: shipped, then claimed or the claim deadline.
fn dates_line(t: &Transfer, status: &str) -> Bi {
    let shipped = cst_date(t.row.sold_at);
    match (status, t.row.claimed_at) {
        ("claimed", Some(at)) => Bi::new(
            format!("{shipped} 发货 · {} 认领", cst_date(at)),
            format!("shipped {shipped} · claimed {}", cst_date(at)),
        ),
        ("pending", _) => Bi::new(
            format!("{shipped} 发货 · {} 前可认领", cst_date(t.row.expires_at)),
            format!(
                "shipped {shipped} · claim by {}",
                cst_date(t.row.expires_at)
            ),
        ),
        _ => Bi::new(
            format!("{shipped} 发货 · 认领期限 {}", cst_date(t.row.expires_at)),
            format!(
                "shipped {shipped} · claim deadline {}",
                cst_date(t.row.expires_at)
            ),
        ),
    }
}

fn entry(
    state: &AppState,
    t: &Transfer,
    title: String,
    incoming: bool,
    now: DateTime<Utc>,
) -> Entry {
    let status = t.status_at(now).to_owned();
    let link = (status == "pending")
        .then(|| transfers::token_of(t, &state.secret_key))
        .flatten()
        .map(|token| {
            (
                format!("/claim/{token}"),
                if incoming {
                    Bi::new("认领入库", "Claim into stock")
                } else {
                    Bi::new("认领链接和二维码", "Claim link and QR code")
                },
            )
        });
    Entry {
        title,
        lines: vec![goods_line(t), dates_line(t, &status)],
        status: Some((status.clone(), status_label(&status))),
        link,
    }
}

/// `GET /app/transfers`: transfers sent and transfers to claim, newest first (an account awaiting
/// verification: the transfer it was made from only).
#[get("/app/transfers")]
pub async fn transfers_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    ClaimantSession { seller: me, .. }: ClaimantSession<BackToPath>,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req);
    let id = seller_id(&me)?;
    let sent = transfers::list_sent(&state.db, &id, None, SHOWN).await?;
    let incoming = transfers::list_incoming(&state.db, &id, None, SHOWN).await?;
    let now = Utc::now();
    let page = AppPage {
        title: Bi::new("调拨与认领", "Transfers"),
        signed_in_as: Some(me.name),
        intro: vec![Bi::new(
            "卖给经销商或代理商的货品生成认领链接：买方认领后，货品自动成为其进货记录。",
            "Goods sold to a distributor or agent get a claim link: once the buyer claims them, they become the buyer's receipt.",
        )],
        lists: vec![
            EntryList {
                id: "incoming".into(),
                heading: Bi::new("待我认领", "Sent to me"),
                empty: Bi::new("没有发给本店的货品。", "No goods were sent to this shop."),
                entries: incoming
                    .iter()
                    .map(|t| entry(&state, t, t.sender.name.clone(), true, now))
                    .collect(),
            },
            EntryList {
                id: "sent".into(),
                heading: Bi::new("我发出的", "Sent by me"),
                empty: Bi::new(
                    "还没有发给经销商或代理商的货品。",
                    "Nothing sold to a distributor or agent yet.",
                ),
                entries: sent
                    .iter()
                    .map(|t| entry(&state, t, t.row.buyer_name.clone(), false, now))
                    .collect(),
            },
        ],
        links: vec![("/app/scan".into(), Bi::new("扫码入库", "Scan a carton in"))],
        ..Default::default()
    };
    Ok(page_response(StatusCode::OK, &state, &page, lang, vec![]))
}

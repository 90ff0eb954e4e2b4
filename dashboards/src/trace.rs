//! The resolver and the public trace page: `/t/{code}`, GS1 Digital Link paths
//! `/01/{gtin}[/10/{batch}][/21/{serial}]`, and `/l/{listing}`. HTML in Chinese by default,
//! English by `Accept-Language` or `?lang=en`; JSON with `Accept: application/json`; GS1
//! resolver `?linkType=` (`gs1:traceability`, `gs1:pip`, `all` as a link set). Each view is
//! counted as an anonymous scan. No consumer's personal data appears.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use suyuan_core::catalogue::CategoryId;
use suyuan_core::codes::{DigitalLink, TraceCode};
use suyuan_core::credit_code::CreditCode;
use suyuan_core::division::DivisionCode;
use suyuan_store::listings::{self, TraceState};
use suyuan_store::tenants;
use suyuan_store::trace::{self, CodeFacts};
use suyuan_web::AppState;
use suyuan_web::error::ApiError;
use suyuan_web::links::resolver_url;
use suyuan_widgets::{
    AuthenticityView, CertificateView, ClaimView, CustodyStep, Lang, LinkView, PartyView,
    ProductView, RecallView, SellerActions, StepKind, TracePageView, TraceStatus,
};

/// Page options.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    /// `zh` or `en`.
    pub lang: Option<String>,
    /// GS1 link type: `gs1:traceability` (default), `gs1:pip`, or `all`.
    #[serde(rename = "linkType")]
    pub link_type: Option<String>,
}

fn lang_of(req: &HttpRequest, q: &PageQuery) -> Lang {
    Lang::negotiate(
        q.lang.as_deref(),
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

fn wants_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}

fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Content-Security-Policy", suyuan_widgets::PAGE_CSP))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

fn cst_date(t: DateTime<Utc>) -> NaiveDate {
    suyuan_core::china_time::china_date(t)
}

fn ext<'a>(json: &'a Value, name: &str) -> Option<&'a str> {
    json.get(format!("suyuan:{name}")).and_then(Value::as_str)
}

fn region_names(code: Option<&str>) -> (Option<String>, Option<String>) {
    match code.and_then(|c| DivisionCode::parse(c).ok()) {
        Some(d) => (
            Some(d.province_name_zh().to_owned()),
            Some(d.province_name_en().to_owned()),
        ),
        None => (None, None),
    }
}

/// The extension a back-dated record keeps its reason in.
const BACKDATE_REASON: &str = suyuan_core::epcis::vocab::ext::BACKDATE_REASON;

fn step_kind(e: &trace::CodeEvent) -> Option<StepKind> {
    Some(match e.row.record_kind.as_str() {
        "receipt" => StepKind::Received,
        "shipment" => StepKind::Shipped,
        "sale" if e.row.buyer_type.as_deref().is_some_and(|b| b != "consumer") => {
            StepKind::SoldToBusiness
        }
        "sale" => StepKind::SoldToConsumer,
        "return" => StepKind::Returned,
        "recall" => StepKind::Recalled,
        _ => return None,
    })
}

async fn view_of(state: &AppState, facts: &CodeFacts) -> Result<TracePageView, ApiError> {
    let code = &facts.code;
    let public = &state.public_url;
    // The product's facts come from the chain of custody only: a record that does not fit it
    // is a claim, shown apart.
    // Among them the first recorded speaks for the product (a batch has no single holder: a
    // receipt dated earlier but recorded later does not rename it either).
    let chain = || facts.events.iter().filter(|e| e.misfit.is_none());
    let first_recorded = |e: &&trace::CodeEvent| (e.row.record_time, e.row.id.clone());
    let receipt = chain()
        .filter(|e| e.row.record_kind == "receipt" && !e.corrected)
        .min_by_key(first_recorded);
    let category_id = chain()
        .filter(|e| e.row.category_id.is_some())
        .min_by_key(first_recorded)
        .and_then(|e| e.row.category_id.clone());
    let category = category_id
        .as_deref()
        .and_then(|c| CategoryId::parse(c).ok())
        .and_then(|c| state.catalogue.get(&c).cloned());
    let product = ProductView {
        name: receipt
            .and_then(|r| ext(&r.json, "productName"))
            .map(str::to_owned),
        model: receipt
            .and_then(|r| ext(&r.json, "model"))
            .map(str::to_owned),
        gtin: code.gtin().map(|g| g.to_gtin14()),
        batch: code.batch().map(str::to_owned),
        serial: code.serial().map(str::to_owned),
        expiry: code.expiry(),
        category_id: category_id.clone(),
        category_zh: category.as_ref().map(|c| c.name_zh.clone()),
        category_en: category.as_ref().map(|c| c.name_en.clone()),
    };
    let producer = receipt.and_then(|r| {
        let name = ext(&r.json, "producer")?.to_owned();
        let credit = r.json["sourceList"]
            .as_array()
            .and_then(|l| l.iter().find_map(|s| s["source"].as_str()))
            .and_then(|s| s.strip_prefix("urn:suyuan:party:"))
            .and_then(|c| CreditCode::parse(c).ok());
        let (region_zh, region_en) = region_names(
            credit
                .as_ref()
                .and_then(|c| c.division_code())
                .map(|d| d.to_string())
                .as_deref(),
        );
        Some(PartyView {
            name,
            credit_code: credit.map(|c| c.to_string()),
            region_zh,
            region_en,
        })
    });
    let certificates = chain()
        .filter(|e| e.row.record_kind == "receipt" && !e.corrected)
        .filter_map(|e| {
            let number = ext(&e.json, "certificate")?.to_owned();
            Some(CertificateView {
                kind: category
                    .as_ref()
                    .and_then(|c| serde_json::to_value(c.certificate.kind).ok())
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "certificate".into()),
                number,
                check: ext(&e.json, "certificateCheck").map(str::to_owned),
            })
        })
        .fold(Vec::<CertificateView>::new(), |mut acc, c| {
            if !acc.iter().any(|a| a.number == c.number) {
                acc.push(c);
            }
            acc
        });
    let custody = chain()
        .filter_map(|e| {
            let step = step_kind(e)?;
            let region = match step {
                StepKind::SoldToConsumer | StepKind::Shipped | StepKind::SoldToBusiness => {
                    e.row.region.clone()
                }
                _ => Some(e.seller.division_code.clone()),
            };
            let (region_zh, region_en) = region_names(region.as_deref());
            let counterpart = match step {
                StepKind::Shipped | StepKind::SoldToBusiness => {
                    ext(&e.json, "buyerName").map(str::to_owned)
                }
                StepKind::Received => ext(&e.json, "supplierName").map(str::to_owned),
                _ => None,
            };
            Some(CustodyStep {
                date: cst_date(e.row.event_time),
                step,
                party: Some(e.seller.name.clone()),
                region_zh,
                region_en,
                counterpart,
                corrected: e.corrected,
                backdate_reason: ext(&e.json, BACKDATE_REASON).map(str::to_owned),
            })
        })
        .collect();
    let claims = facts
        .events
        .iter()
        .filter_map(|e| {
            let m = e.misfit?;
            Some(ClaimView {
                date: cst_date(e.row.event_time),
                step: step_kind(e)?,
                party: Some(e.seller.name.clone()),
                product_name: ext(&e.json, "productName").map(str::to_owned),
                reason: m.as_str().to_owned(),
                reason_zh: m.message_zh().to_owned(),
                reason_en: m.message_en().to_owned(),
                backdate_reason: ext(&e.json, BACKDATE_REASON).map(str::to_owned),
            })
        })
        .collect();
    let recall = facts.recall.as_ref().map(|r| RecallView {
        reason_zh: r.reason_zh.clone(),
        reason_en: r.reason_en.clone(),
        issued_at: cst_date(r.issued_at),
        scope_zh: match (&r.batch, &r.serial) {
            (_, Some(s)) => format!("单品 {s}"),
            (Some(b), None) => format!("批次 {b}"),
            (None, None) => format!("商品 {}", r.gtin),
        },
        action_zh: r.action_zh.clone(),
        action_en: r.action_en.clone(),
        contact: None,
    });
    let mut links = vec![LinkView {
        rel: "gs1:traceability".into(),
        href: resolver_url(public, code),
        title_zh: "追溯信息".into(),
        title_en: "Traceability information".into(),
    }];
    if let Some(url) = product_page(state, code).await? {
        links.push(LinkView {
            rel: "gs1:pip".into(),
            href: url,
            title_zh: "商品页面".into(),
            title_en: "Product information page".into(),
        });
    }
    Ok(TracePageView {
        code: code.to_string(),
        code_kind: code.kind().as_str().to_owned(),
        digital_link: code.digital_link(public),
        status: if facts.recall.is_some() {
            TraceStatus::Recalled
        } else if facts.events.is_empty() {
            TraceStatus::Incomplete
        } else {
            TraceStatus::Traced
        },
        product,
        producer,
        certificates,
        custody,
        claims,
        recall,
        authenticity: AuthenticityView {
            unit_level: code.is_unit_level(),
            times_sold: facts.times_sold,
            times_scanned: u32::try_from(facts.scans).unwrap_or(u32::MAX),
            times_received_by_sellers: facts.receiving_sellers,
            suspicious: facts.suspicious(),
        },
        seller_actions: None,
        links,
        updated: facts.updated().map(cst_date),
    })
}

/// Receive and sell actions for a signed-in seller.
async fn seller_actions_for(
    state: &AppState,
    req: &HttpRequest,
    code: &TraceCode,
) -> Result<Option<SellerActions>, ApiError> {
    let public = &state.public_url;
    Ok(
        match suyuan_web::session::signed_in_seller_id(state, req).await {
            Some(id) => tenants::seller_name(&state.db, id.as_str())
                .await?
                .map(|seller_name| SellerActions {
                    seller_name,
                    receive_url: format!(
                        "{public}/app/receive?code={}",
                        suyuan_widgets::path_segment(&code.to_string())
                    ),
                    sell_url: format!(
                        "{public}/app/sell?code={}",
                        suyuan_widgets::path_segment(&code.to_string())
                    ),
                }),
            None => None,
        },
    )
}

/// A marketplace listing page for the code's GTIN, as the GS1 product information page.
async fn product_page(state: &AppState, code: &TraceCode) -> Result<Option<String>, ApiError> {
    let Some(gtin) = code.gtin() else {
        return Ok(None);
    };
    let identity = TraceCode::from(gtin.clone()).to_epc_uri();
    Ok(listings::active_page_for_identity(&state.db, &identity).await?)
}

async fn serve_code(
    state: &AppState,
    req: &HttpRequest,
    q: &PageQuery,
    code: TraceCode,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(req, q);
    let key = code.to_string();
    let (mut view, scan_base) = match state.page_cache.get(&key) {
        Some(hit) => hit,
        None => {
            let facts = trace::facts(&state.db, &code).await?;
            if !facts.is_registered() {
                if wants_json(req) {
                    return Err(ApiError::NotFound("registered code"));
                }
                return Ok(html(
                    actix_web::http::StatusCode::NOT_FOUND,
                    suyuan_widgets::render_not_found_page(
                        &code.to_string(),
                        lang,
                        &state.public_url,
                    ),
                ));
            }
            let view = view_of(state, &facts).await?;
            // Stored and queued now, less what this process has counted: adding what it has
            // counted at each view gives the count, even after the queued scans are written.
            let base = i64::try_from(facts.scans + state.scans.pending(&code)).unwrap_or(i64::MAX)
                - i64::try_from(state.scans.counted(&code)).unwrap_or(i64::MAX);
            state.page_cache.put(key, (view.clone(), base));
            (view, base)
        }
    };
    // Only a registered code's views are counted (views of unknown codes store nothing), and
    // one client's views of it once an hour.
    if let Some(client) = req.peer_addr().map(|a| a.ip()) {
        state.scans.record(&code, client, chrono::Utc::now());
    }
    let counted = i64::try_from(state.scans.counted(&code)).unwrap_or(i64::MAX);
    view.authenticity.times_scanned =
        u32::try_from(scan_base.saturating_add(counted).max(0)).unwrap_or(u32::MAX);
    view.seller_actions = seller_actions_for(state, req, &code).await?;
    match q.link_type.as_deref() {
        None | Some("gs1:traceability") => {}
        Some("gs1:pip") => {
            if let Some(link) = view.links.iter().find(|l| l.rel == "gs1:pip") {
                return Ok(HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, link.href.clone()))
                    .finish());
            }
        }
        Some("all" | "linkset") => {
            let anchor = view
                .digital_link
                .clone()
                .unwrap_or_else(|| resolver_url(&state.public_url, &code));
            let mut set = serde_json::Map::new();
            set.insert("anchor".into(), json!(anchor));
            for l in &view.links {
                let key = format!("https://gs1.org/voc/{}", l.rel.trim_start_matches("gs1:"));
                let title = if lang == Lang::En {
                    &l.title_en
                } else {
                    &l.title_zh
                };
                set.insert(
                    key,
                    json!([{ "href": l.href, "title": title, "hreflang": [lang.code()] }]),
                );
            }
            return Ok(HttpResponse::Ok()
                .content_type("application/linkset+json")
                .json(json!({ "linkset": [Value::Object(set)] })));
        }
        Some(other) => {
            return Err(ApiError::field(
                "linkType",
                "unknown_link_type",
                format!("不支持的链接类型 {other}"),
                format!("link type `{other}` is not offered; use gs1:traceability, gs1:pip or all"),
            ));
        }
    }
    if wants_json(req) {
        return Ok(HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(&view));
    }
    Ok(html(
        actix_web::http::StatusCode::OK,
        suyuan_widgets::render_trace_page(&view, lang, &state.public_url),
    ))
}

fn bad_code(
    req: &HttpRequest,
    q: &PageQuery,
    public: &str,
    input: &str,
    e: &suyuan_core::codes::CodeError,
) -> HttpResponse {
    if wants_json(req) {
        return actix_web::ResponseError::error_response(&ApiError::field(
            "code",
            e.code(),
            e.message_zh(),
            e.to_string(),
        ));
    }
    html(
        actix_web::http::StatusCode::BAD_REQUEST,
        suyuan_widgets::render_bad_code_page(
            input,
            &e.message_zh(),
            &e.to_string(),
            lang_of(req, q),
            public,
        ),
    )
}

/// The stylesheet of the public pages.
#[get("/assets/trace.css")]
pub async fn trace_css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(suyuan_widgets::trace_css())
}

/// `/t/{code}`: any code form.
#[get("/t/{code}")]
pub async fn code_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    code: web::Path<String>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let raw = percent_encoding::percent_decode_str(&code)
        .decode_utf8_lossy()
        .into_owned();
    match TraceCode::parse(&raw) {
        Ok(c) => serve_code(&state, &req, &q, c).await,
        Err(e) => Ok(bad_code(&req, &q, &state.public_url, &raw, &e)),
    }
}

async fn digital_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let path = req.uri().path().to_owned();
    match DigitalLink::parse_path(&path) {
        Ok(code) => serve_code(&state, &req, &q, TraceCode::from(code)).await,
        Err(e) => Ok(bad_code(&req, &q, &state.public_url, &path, &e)),
    }
}

/// `/01/{gtin}`.
#[get("/01/{gtin}")]
pub async fn digital_link_gtin(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    digital_link(req, state, q).await
}

/// `/01/{gtin}/10/{batch}`.
#[get("/01/{gtin}/10/{batch}")]
pub async fn digital_link_batch(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    digital_link(req, state, q).await
}

/// `/01/{gtin}/21/{serial}`.
#[get("/01/{gtin}/21/{serial}")]
pub async fn digital_link_serial(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    digital_link(req, state, q).await
}

/// `/01/{gtin}/10/{batch}/21/{serial}`.
#[get("/01/{gtin}/10/{batch}/21/{serial}")]
pub async fn digital_link_batch_serial(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    digital_link(req, state, q).await
}

/// `/l/{listing}`: a listing's trace page (its code's page when it has one).
#[get("/l/{id}")]
pub async fn listing_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let lang = lang_of(&req, &q);
    let Some(row) = listings::public_by_id(&state.db, id.as_str()).await? else {
        return Ok(html(
            actix_web::http::StatusCode::NOT_FOUND,
            suyuan_widgets::render_not_found_page(&id, lang, &state.public_url),
        ));
    };
    let code = listings::trace_code_of(&state.db, &row).await?;
    if let Some(code) = code {
        let facts = trace::facts(&state.db, &code).await?;
        if facts.is_registered() {
            return serve_code(&state, &req, &q, code).await;
        }
    }
    let proven_url = listings::proven_url(&state.db, &row).await?;
    // Not (yet) traced: show what is known of the listing.
    let seller_name = tenants::seller_name(&state.db, &row.seller_id).await?;
    let category = row
        .category_id
        .as_deref()
        .and_then(|c| CategoryId::parse(c).ok())
        .and_then(|c| state.catalogue.get(&c).cloned());
    let view = TracePageView {
        code: row.trace_code.clone().unwrap_or_default(),
        code_kind: "listing".into(),
        status: TraceStatus::Incomplete,
        product: ProductView {
            name: Some(row.title.clone()),
            category_id: row.category_id.clone(),
            category_zh: category.as_ref().map(|c| c.name_zh.clone()),
            category_en: category.as_ref().map(|c| c.name_en.clone()),
            ..Default::default()
        },
        producer: None,
        custody: seller_name
            .map(|name| {
                vec![CustodyStep {
                    date: cst_date(row.updated_at),
                    step: StepKind::Received,
                    party: Some(name),
                    region_zh: None,
                    region_en: None,
                    counterpart: None,
                    corrected: false,
                    backdate_reason: None,
                }]
            })
            .unwrap_or_default(),
        // A listing's URL is linked only when it is on its shop's proven domain.
        links: proven_url
            .iter()
            .map(|u| LinkView {
                rel: "gs1:pip".into(),
                href: u.clone(),
                title_zh: "商品页面".into(),
                title_en: "Product information page".into(),
            })
            .collect(),
        updated: Some(cst_date(row.updated_at)),
        ..Default::default()
    };
    let _ = listings::trace_state(&row) == TraceState::Traced;
    if wants_json(&req) {
        return Ok(HttpResponse::Ok().json(&view));
    }
    Ok(html(
        actix_web::http::StatusCode::OK,
        suyuan_widgets::render_trace_page(&view, lang, &state.public_url),
    ))
}

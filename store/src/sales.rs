//! Sales from marketplace orders: created and updated from deliveries (never overwritten by an
//! older update), batches allocated first in, first out, unit codes checked at packing, and a
//! trace event registered once the sale is complete. Cancellations and refunds become
//! corrections or returns linked to the original sale; nothing is deleted.

use super::ledger::{self, CodeEntry, RecordKind, RecordMeta, codes_of};
use super::listings;
use super::{SellerScoped, StoreError, stock};
use crate::entity::{sale, sale_line, seller, shop, trace_event};
use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use suyuan_core::catalogue::{Catalogue, CategoryId, Granularity};
use suyuan_core::codes::TraceCode;
use suyuan_core::division::DivisionCode;
use suyuan_core::epcis::vocab::ext;
use suyuan_core::epcis::{
    Action, BizStep, BizTransactionType, Disposition, ErrorReason, SourceDestType, TraceEvent,
};
use suyuan_core::ids::{EventId, SellerId};
use suyuan_core::marketplace::OrderData;
use suyuan_core::sale::{OrderMerge, SaleRecord, TransferTerms, refund_applies_to, refunded_total};

/// A batch allocated to a sale line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Allocation {
    /// The class code (GTIN + batch), canonical.
    pub code: String,
    /// How many.
    pub quantity: f64,
    /// `allocated` (by Suyuan, FIFO) or `confirmed` (by the seller).
    pub state: String,
}

fn is_sold(status: &str) -> bool {
    matches!(
        status,
        "paid" | "fulfilled" | "partially_fulfilled" | "completed" | "partially_refunded"
    )
}

/// What happened to an order delivery.
// Returned once per delivery and matched at once: boxing the row would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum SaleUpdate {
    /// Created or changed.
    Applied(sale::Model),
    /// Older than what is stored: ignored.
    Stale,
}

/// Creates or updates a sale from an order delivered by `store`, inside a transaction begun
/// with [`ledger::begin_for_seller`].
pub async fn upsert_from_order(
    txn: &DatabaseTransaction,
    catalogue: &Catalogue,
    store: &shop::Model,
    order: &OrderData,
    terms: &TransferTerms,
) -> Result<SaleUpdate, StoreError> {
    let seller_id =
        SellerId::parse(&store.seller_id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let existing = sale::Entity::secure_find(&seller_id)
        .filter(sale::Column::Platform.eq(store.platform.as_str()))
        .filter(sale::Column::ExternalOrderId.eq(order.external_id.as_str()))
        .one(txn)
        .await?;
    let merged = match SaleRecord::merge(existing.as_ref().map(record_of).as_ref(), order) {
        OrderMerge::Stale => return Ok(SaleUpdate::Stale),
        OrderMerge::Apply(record) => *record,
    };
    let now = Utc::now();
    let previous_status = existing.as_ref().map(|r| r.status.clone());
    let row = match existing {
        Some(row) => {
            let mut am: sale::ActiveModel = row.into();
            set_record(&mut am, merged);
            am.updated_at = Set(now);
            am.update(txn).await?
        }
        None => {
            let mut am = sale::ActiveModel {
                id: Set(suyuan_core::ids::SaleId::generate().into()),
                seller_id: Set(seller_id.to_string()),
                store_id: Set(Some(store.id.clone())),
                platform: Set(store.platform.clone()),
                external_order_id: Set(order.external_id.clone()),
                completed_at: Set(None),
                deadline_at: Set(None),
                event_id: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            set_record(&mut am, merged);
            am.insert(txn).await?
        }
    };
    let registered = row.event_id.is_some();
    if !order.lines.is_empty() && !registered {
        sale_line::Entity::delete_many()
            .filter(sale_line::Column::SaleId.eq(row.id.as_str()))
            .exec(txn)
            .await?;
        for line in &order.lines {
            let listing = match &line.listing_external_id {
                Some(ext_id) => {
                    listings::find_external(txn, &seller_id, &store.platform, ext_id).await?
                }
                None => None,
            };
            sale_line::ActiveModel {
                sale_id: Set(row.id.clone()),
                seller_id: Set(seller_id.to_string()),
                external_line_id: Set(line.external_id.clone()),
                listing_id: Set(listing.as_ref().map(|l| l.id.clone())),
                listing_external_id: Set(line.listing_external_id.clone()),
                variant_external_id: Set(line.variant_external_id.clone()),
                sku: Set(line.sku.clone()),
                barcode: Set(line.barcode.clone()),
                title: Set(line.title.clone()),
                category_id: Set(listing.as_ref().and_then(|l| l.category_id.clone())),
                quantity: Set(i32::try_from(line.quantity).unwrap_or(i32::MAX)),
                refunded_quantity: Set(0),
                allocations: Set("[]".to_owned()),
                unit_codes: Set("[]".to_owned()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
    }
    for refund in &order.refunded_lines {
        let lines = lines_of(txn, &row.id).await?;
        if let Some(line) = lines.iter().find(|l| {
            refund_applies_to(
                refund,
                l.external_line_id.as_deref(),
                l.listing_external_id.as_deref(),
            )
        }) {
            let total = refunded_total(
                line.quantity,
                line.refunded_quantity,
                refund,
                order.status_only,
            );
            let mut am: sale_line::ActiveModel = line.clone().into();
            am.refunded_quantity = Set(total);
            am.update(txn).await?;
        }
    }
    let row = settle(txn, catalogue, row, previous_status.as_deref(), terms).await?;
    Ok(SaleUpdate::Applied(row))
}

/// The order facts a sale row holds.
fn record_of(row: &sale::Model) -> SaleRecord {
    SaleRecord {
        status: row.status.clone(),
        order_number: row.order_number.clone(),
        buyer_type: row.buyer_type.clone(),
        buyer_company: row.buyer_company.clone(),
        buyer_tax_id: row.buyer_tax_id.clone(),
        region: row.region.clone(),
        country_code: row.country_code.clone(),
        shipping_method: row.shipping_method.clone(),
        tracking_numbers: serde_json::from_str(&row.tracking_numbers).unwrap_or_default(),
        tracking_company: row.tracking_company.clone(),
        ordered_at: row.ordered_at,
        paid_at: row.paid_at,
        fulfilled_at: row.fulfilled_at,
        cancelled_at: row.cancelled_at,
        external_updated_at: row.external_updated_at,
    }
}

/// Writes the order facts `r` into a sale row.
fn set_record(am: &mut sale::ActiveModel, r: SaleRecord) {
    am.status = Set(r.status);
    am.order_number = Set(r.order_number);
    am.buyer_type = Set(r.buyer_type);
    am.buyer_company = Set(r.buyer_company);
    am.buyer_tax_id = Set(r.buyer_tax_id);
    am.region = Set(r.region);
    am.country_code = Set(r.country_code);
    am.shipping_method = Set(r.shipping_method);
    am.tracking_numbers =
        Set(serde_json::to_string(&r.tracking_numbers).unwrap_or_else(|_| "[]".into()));
    am.tracking_company = Set(r.tracking_company);
    am.ordered_at = Set(r.ordered_at);
    am.paid_at = Set(r.paid_at);
    am.fulfilled_at = Set(r.fulfilled_at);
    am.cancelled_at = Set(r.cancelled_at);
    am.external_updated_at = Set(r.external_updated_at);
}

/// The lines of a sale.
pub async fn lines_of(
    txn: &impl sea_orm::ConnectionTrait,
    sale_id: &str,
) -> Result<Vec<sale_line::Model>, StoreError> {
    Ok(sale_line::Entity::find()
        .filter(sale_line::Column::SaleId.eq(sale_id))
        .order_by_asc(sale_line::Column::Id)
        .all(txn)
        .await?)
}

/// The lines of several sales, by sale id (one query).
pub async fn lines_of_many(
    db: &impl sea_orm::ConnectionTrait,
    sale_ids: Vec<String>,
) -> Result<std::collections::HashMap<String, Vec<sale_line::Model>>, StoreError> {
    let mut map: std::collections::HashMap<String, Vec<sale_line::Model>> =
        std::collections::HashMap::new();
    if sale_ids.is_empty() {
        return Ok(map);
    }
    for line in sale_line::Entity::find()
        .filter(sale_line::Column::SaleId.is_in(sale_ids))
        .order_by_asc(sale_line::Column::Id)
        .all(db)
        .await?
    {
        map.entry(line.sale_id.clone()).or_default().push(line);
    }
    Ok(map)
}

/// Brings a sale's trace record in line with its state: sets its deadline once its clock has
/// started (payment, see [`suyuan_core::timeliness::sale_clock`]), registers the sale event once
/// complete (with, for a business buyer with a credit code, the transfer it claims on `terms`),
/// and records a correction (cancelled) or return (refunded) when needed.
pub async fn settle(
    txn: &DatabaseTransaction,
    catalogue: &Catalogue,
    row: sale::Model,
    previous_status: Option<&str>,
    terms: &TransferTerms,
) -> Result<sale::Model, StoreError> {
    let seller_id =
        SellerId::parse(&row.seller_id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let seller_row = seller::Entity::find_by_id(row.seller_id.as_str())
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound("seller"))?;
    let lines = lines_of(txn, &row.id).await?;
    let traced: Vec<&sale_line::Model> = lines.iter().filter(|l| l.category_id.is_some()).collect();
    let mut row = row;
    if traced.is_empty() {
        return Ok(row);
    }
    // Deadline: from the start of the clock (payment), by the first traced category and the
    // region; an order not paid yet has no deadline.
    let event_time = row.paid_at.or(row.ordered_at).unwrap_or(row.created_at);
    let clock = suyuan_core::timeliness::sale_clock(
        &row.status,
        true,
        row.ordered_at,
        row.paid_at,
        row.completed_at,
        row.deadline_at,
        None,
    );
    if row.deadline_at.is_none()
        && let Some(started) = clock.started_at
    {
        let region = row
            .region
            .clone()
            .unwrap_or_else(|| seller_row.division_code.clone());
        let category = traced.iter().find_map(|l| {
            l.category_id
                .as_deref()
                .and_then(|c| CategoryId::parse(c).ok())
        });
        let deadline = category
            .map(|c| catalogue.deadline_for(&c, &region))
            .unwrap_or_else(|| catalogue.default_deadline());
        let mut am: sale::ActiveModel = row.clone().into();
        am.deadline_at = Set(Some(started + deadline));
        am.catalogue_version = Set(Some(catalogue.version().to_owned()));
        row = am.update(txn).await?;
    }
    if row.event_id.is_none() && is_sold(&row.status) {
        let mut complete = true;
        for line in &traced {
            if !line_complete(txn, catalogue, &seller_id, line).await? {
                complete = false;
            }
        }
        if complete {
            row = register(txn, catalogue, &seller_row, row, event_time, terms).await?;
        }
        return Ok(row);
    }
    if let Some(event_id) = row.event_id.clone() {
        let cancelled = row.status == "cancelled" && previous_status != Some("cancelled");
        let refunded = matches!(row.status.as_str(), "refunded" | "partially_refunded")
            && previous_status != Some(row.status.as_str());
        if cancelled || refunded {
            let original = load_event(txn, &event_id).await?;
            if cancelled && row.fulfilled_at.is_none() {
                let correction = TraceEvent::correction_of(
                    &original,
                    ErrorReason::DidNotOccur,
                    None,
                    Utc::now(),
                )
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let meta = meta_for(
                    &row,
                    RecordKind::Correction,
                    &traced,
                    Some(
                        EventId::parse(&event_id)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    ),
                    codes_of(&original),
                    vec![],
                )?;
                ledger::append(txn, &seller_id, &correction.declaration, meta).await?;
            } else {
                let returned = return_event(&original, &row, &lines)?;
                let codes = codes_of(&returned);
                let meta = meta_for(
                    &row,
                    RecordKind::Return,
                    &traced,
                    Some(
                        EventId::parse(&event_id)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    ),
                    codes,
                    vec![],
                )?;
                ledger::append(txn, &seller_id, &returned, meta).await?;
            }
        }
    }
    Ok(row)
}

async fn line_complete(
    txn: &DatabaseTransaction,
    catalogue: &Catalogue,
    seller: &SellerId,
    line: &sale_line::Model,
) -> Result<bool, StoreError> {
    let Some(category) = line
        .category_id
        .as_deref()
        .and_then(|c| CategoryId::parse(c).ok())
        .and_then(|c| catalogue.get(&c).cloned())
    else {
        return Ok(true);
    };
    let needed = f64::from(line.quantity - line.refunded_quantity);
    match category.granularity {
        Granularity::Unit => {
            let codes: Vec<String> = serde_json::from_str(&line.unit_codes).unwrap_or_default();
            Ok(codes.len() as f64 >= needed)
        }
        Granularity::Batch | Granularity::Length => {
            let allocations: Vec<Allocation> =
                serde_json::from_str(&line.allocations).unwrap_or_default();
            let have: f64 = allocations.iter().map(|a| a.quantity).sum();
            if have >= needed {
                return Ok(true);
            }
            // Allocate first in, first out from what the seller received of this GTIN.
            let gtin = match &line.listing_id {
                Some(id) => listings::get(txn, seller, id)
                    .await
                    .ok()
                    .and_then(|l| l.trace_code)
                    .and_then(|t| TraceCode::parse(&t).ok()),
                None => None,
            }
            .or_else(|| {
                line.barcode
                    .as_deref()
                    .and_then(|b| TraceCode::parse(b).ok())
            })
            .and_then(|c| c.gtin().map(|g| g.to_gtin14()));
            let Some(gtin) = gtin else { return Ok(false) };
            let mut remaining = needed - have;
            let mut out = allocations;
            for batch in stock::batches_for_gtin(txn, seller, &gtin).await? {
                if remaining <= 0.0 {
                    break;
                }
                if batch.available <= 0.0 {
                    continue;
                }
                let Some(lot) = &batch.batch else { continue };
                let take = batch.available.min(remaining);
                out.push(Allocation {
                    code: format!("(01){gtin}(10){lot}"),
                    quantity: take,
                    state: "allocated".into(),
                });
                remaining -= take;
            }
            let mut am: sale_line::ActiveModel = line.clone().into();
            am.allocations = Set(serde_json::to_string(&out).unwrap_or_else(|_| "[]".into()));
            am.update(txn).await?;
            Ok(remaining <= 0.0)
        }
    }
}

fn meta_for(
    row: &sale::Model,
    kind: RecordKind,
    traced: &[&sale_line::Model],
    corrects: Option<EventId>,
    codes: Vec<CodeEntry>,
    missing: Vec<String>,
) -> Result<RecordMeta, StoreError> {
    Ok(RecordMeta {
        kind,
        category: traced.iter().find_map(|l| l.category_id.clone()),
        region: row
            .region
            .as_deref()
            .and_then(|r| DivisionCode::parse(r).ok()),
        buyer_type: Some(if row.buyer_type == "business" {
            "distributor".to_owned()
        } else {
            "consumer".to_owned()
        }),
        corrects,
        deadline_at: row.deadline_at,
        missing_elements: missing,
        catalogue_version: row.catalogue_version.clone(),
        codes,
    })
}

async fn load_event(txn: &DatabaseTransaction, event_id: &str) -> Result<TraceEvent, StoreError> {
    let row = trace_event::Entity::find_by_id(event_id)
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound("trace event"))?;
    let json: serde_json::Value =
        serde_json::from_str(&row.document).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    TraceEvent::from_json(&json).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// China Standard Time, the time zone events are recorded in.
fn cst(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    suyuan_core::china_time::in_china(t)
}

async fn register(
    txn: &DatabaseTransaction,
    catalogue: &Catalogue,
    seller: &seller::Model,
    row: sale::Model,
    event_time: DateTime<Utc>,
    terms: &TransferTerms,
) -> Result<sale::Model, StoreError> {
    let seller_id = SellerId::parse(&seller.id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let lines = lines_of(txn, &row.id).await?;
    let traced: Vec<&sale_line::Model> = lines.iter().filter(|l| l.category_id.is_some()).collect();
    let business = row.buyer_type == "business";
    let now = Utc::now();
    let mut b = TraceEvent::object(Action::Observe, cst(event_time), now);
    let mut listing_url = None;
    for line in &traced {
        let units: Vec<String> = serde_json::from_str(&line.unit_codes).unwrap_or_default();
        for u in units {
            if let Ok(code) = TraceCode::parse(&u) {
                b = b.epc(code.to_epc_uri());
            }
        }
        let allocations: Vec<Allocation> =
            serde_json::from_str(&line.allocations).unwrap_or_default();
        for a in allocations {
            if let Some(class) = TraceCode::parse(&a.code)
                .ok()
                .and_then(|c| c.to_class_uri())
            {
                b = b.quantity(
                    class,
                    a.quantity,
                    Some(suyuan_core::epcis::vocab::uom::PIECE),
                );
            }
        }
        if listing_url.is_none()
            && let Some(id) = &line.listing_id
        {
            listing_url = listings::get(txn, &seller_id, id)
                .await
                .ok()
                .and_then(|l| l.url);
        }
    }
    let party = format!("urn:suyuan:party:{}", seller.credit_code);
    b = b
        .read_point(format!("urn:suyuan:loc:{}", seller.id))
        .biz_transaction(
            BizTransactionType::Po,
            format!(
                "urn:suyuan:order:{}:{}",
                row.platform, row.external_order_id
            ),
        )
        .source(SourceDestType::OwningParty, party)
        .extension(ext::SELLER, seller.id.clone())
        .extension(
            ext::ORDER_ID,
            row.order_number
                .clone()
                .unwrap_or_else(|| row.external_order_id.clone()),
        );
    if let Some(category) = traced.iter().find_map(|l| l.category_id.clone()) {
        b = b.extension(ext::CATEGORY, category);
    }
    if let Some(region) = &row.region {
        b = b.extension(ext::REGION, region.clone());
    }
    if let Some(url) = listing_url {
        b = b.extension(ext::LISTING_URL, url);
    }
    let kind = if business {
        b = b
            .biz_step(BizStep::Shipping)
            .disposition(Disposition::InTransit)
            .extension(ext::BUYER_TYPE, "distributor");
        if let Some(company) = &row.buyer_company {
            b = b.extension(ext::BUYER_NAME, company.clone());
        }
        if let Some(tax) = row
            .buyer_tax_id
            .as_deref()
            .and_then(|t| suyuan_core::credit_code::CreditCode::parse(t).ok())
        {
            b = b.destination(
                SourceDestType::OwningParty,
                format!("urn:suyuan:party:{tax}"),
            );
        }
        if let Some(method) = &row.shipping_method {
            b = b.extension(ext::SHIPPING_METHOD, method.clone());
        }
        let tracking: Vec<String> = serde_json::from_str(&row.tracking_numbers).unwrap_or_default();
        if let Some(t) = tracking.first() {
            b = b.extension(ext::TRACKING_NUMBER, t.clone());
        }
        RecordKind::Shipment
    } else {
        b = b
            .biz_step(BizStep::RetailSelling)
            .disposition(Disposition::RetailSold)
            .extension(ext::BUYER_TYPE, "consumer");
        RecordKind::Sale
    };
    let event = b
        .build()
        .map_err(|e| StoreError::Corrupt(format!("sale {}: {e}", row.id)))?;
    let codes = codes_of(&event);
    let category = traced
        .iter()
        .find_map(|l| l.category_id.as_deref())
        .and_then(|c| CategoryId::parse(c).ok())
        .and_then(|c| catalogue.get(&c).cloned());
    let missing = category
        .as_ref()
        .map(|c| {
            suyuan_core::completeness::missing_elements(c, kind, &event)
                .iter()
                .map(|e| e.as_str().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let meta = meta_for(&row, kind, &traced, None, codes.clone(), missing)?;
    let stored = ledger::append(txn, &seller_id, &event, meta).await?;
    // A company buyer with a credit code is a next-tier seller: it gets a transfer to claim, as
    // for an offline sale to a distributor (指引下一级).
    if let (RecordKind::Shipment, Some(category), Some(buyer_code)) = (
        kind,
        category.as_ref(),
        row.buyer_tax_id
            .as_deref()
            .and_then(|t| suyuan_core::credit_code::CreditCode::parse(t).ok()),
    ) {
        let tracking: Vec<String> = serde_json::from_str(&row.tracking_numbers).unwrap_or_default();
        let buyer_name = row
            .buyer_company
            .clone()
            .unwrap_or_else(|| buyer_code.to_string());
        super::transfers::create(
            txn,
            super::transfers::NewTransfer {
                from: &seller_id,
                sale_event_id: stored.id.as_str(),
                category: &category.id,
                buyer_kind: "distributor",
                buyer_name: &buyer_name,
                buyer_credit_code: &buyer_code,
                voucher_number: row.order_number.as_deref(),
                shipping_method: row.shipping_method.as_deref(),
                tracking_number: tracking.first().map(String::as_str),
                sold_at: cst(event_time),
                items: codes
                    .iter()
                    .map(|c| super::transfers::TransferItem {
                        code: c.code.to_string(),
                        quantity: c.quantity,
                        uom: c.uom.clone(),
                    })
                    .collect(),
                terms,
            },
        )
        .await?;
    }
    let mut am: sale::ActiveModel = row.into();
    am.event_id = Set(Some(stored.id.to_string()));
    am.completed_at = Set(Some(now));
    Ok(am.update(txn).await?)
}

fn return_event(
    original: &TraceEvent,
    row: &sale::Model,
    lines: &[sale_line::Model],
) -> Result<TraceEvent, StoreError> {
    let refunded: i32 = lines.iter().map(|l| l.refunded_quantity).sum();
    let total: i32 = lines.iter().map(|l| l.quantity).sum();
    let share = if total > 0 {
        f64::from(refunded.max(0)) / f64::from(total)
    } else {
        1.0
    };
    let share = if row.status == "refunded" || row.status == "cancelled" {
        1.0
    } else {
        share
    };
    let now = Utc::now();
    let mut b = TraceEvent::object(Action::Observe, cst(now), now)
        .biz_step(BizStep::Receiving)
        .disposition(Disposition::Returned)
        .biz_transaction(
            BizTransactionType::Po,
            format!(
                "urn:suyuan:order:{}:{}",
                row.platform, row.external_order_id
            ),
        )
        .extension(ext::SELLER, row.seller_id.clone());
    let epcs = original.epc_list();
    let take = ((epcs.len() as f64) * share).ceil() as usize;
    for e in epcs.iter().take(take) {
        b = b.epc(e.clone());
    }
    for q in original.quantity_list() {
        let qty = (q.quantity() * share).ceil();
        if qty > 0.0 {
            b = b.quantity(q.epc_class().to_owned(), qty, q.uom().map(|u| u.as_str()));
        }
    }
    if let Some(region) = &row.region {
        b = b.extension(ext::REGION, region.clone());
    }
    b.build()
        .map_err(|e| StoreError::Corrupt(format!("return for sale {}: {e}", row.id)))
}

/// Why unit codes were refused at packing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnitProblem {
    /// Index of the code in the request.
    pub index: usize,
    /// The code as given.
    pub code: String,
    /// Stable reason code.
    pub reason: &'static str,
    /// Chinese message.
    pub message_zh: String,
    /// English message.
    pub message_en: String,
}

/// [`add_unit_codes`] in a transaction of its own on the seller's chain, committed whether the
/// codes were accepted or refused (a refusal keeps the suspicious-code flags it wrote).
pub async fn record_unit_codes(
    db: &sea_orm::DatabaseConnection,
    catalogue: &Catalogue,
    seller: &SellerId,
    sale_id: &str,
    line_id: i64,
    codes: &[String],
    terms: &TransferTerms,
) -> Result<Result<sale::Model, Vec<UnitProblem>>, StoreError> {
    let txn = ledger::begin_for_seller(db, seller).await?;
    let result = add_unit_codes(&txn, catalogue, seller, sale_id, line_id, codes, terms).await?;
    txn.commit().await?;
    Ok(result)
}

/// Records the unit codes scanned for a sale line at packing. Each must be a unit code this
/// seller received and has not sold; then the sale is re-settled (and registered if complete).
/// When codes are refused, nothing of the sale changes; refused codes never received or already
/// sold are flagged as suspicious in `txn`, which the caller should still commit.
pub async fn add_unit_codes(
    txn: &DatabaseTransaction,
    catalogue: &Catalogue,
    seller: &SellerId,
    sale_id: &str,
    line_id: i64,
    codes: &[String],
    terms: &TransferTerms,
) -> Result<Result<sale::Model, Vec<UnitProblem>>, StoreError> {
    let row = sale::Entity::secure_find(seller)
        .filter(sale::Column::Id.eq(sale_id))
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound("sale"))?;
    let line = sale_line::Entity::secure_find(seller)
        .filter(sale_line::Column::SaleId.eq(sale_id))
        .filter(sale_line::Column::Id.eq(line_id))
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound("sale line"))?;
    if row.event_id.is_some() {
        return Ok(Err(vec![UnitProblem {
            index: 0,
            code: String::new(),
            reason: "already_registered",
            message_zh: "该销售已登记，修改请走差错补救".into(),
            message_en: "this sale is already registered; correct it instead".into(),
        }]));
    }
    let mut existing: Vec<String> = serde_json::from_str(&line.unit_codes).unwrap_or_default();
    let mut problems = Vec::new();
    for (index, raw) in codes.iter().enumerate() {
        let code = match TraceCode::parse(raw) {
            Ok(c) => c,
            Err(e) => {
                problems.push(UnitProblem {
                    index,
                    code: raw.clone(),
                    reason: "invalid_code",
                    message_zh: e.message_zh(),
                    message_en: e.to_string(),
                });
                continue;
            }
        };
        if !code.is_unit_level() {
            problems.push(UnitProblem {
                index,
                code: raw.clone(),
                reason: "not_a_unit_code",
                message_zh: "不是单品码（缺少序列号）".into(),
                message_en: "is not a unit code (no serial)".into(),
            });
            continue;
        }
        let canonical = code.to_string();
        let history = stock::unit_history(txn, seller, &canonical).await?;
        if history.received_here == 0 {
            problems.push(UnitProblem {
                index,
                code: raw.clone(),
                reason: "not_received",
                message_zh: "本店未登记收到此码".into(),
                message_en: "was never received by this seller".into(),
            });
        } else if history.sold_here >= i64::try_from(history.received_here).unwrap_or(i64::MAX)
            || existing.contains(&canonical)
        {
            problems.push(UnitProblem {
                index,
                code: raw.clone(),
                reason: "already_sold",
                message_zh: "此码已售出".into(),
                message_en: "has already been sold".into(),
            });
        } else {
            existing.push(canonical);
        }
    }
    if !problems.is_empty() {
        // Nothing of the sale changes, but packing a code never received (or sold already) is
        // flagged; the caller commits the flags.
        let seen: Vec<super::flags::NewFlag> = problems
            .iter()
            .filter_map(|p| {
                let reason = match p.reason {
                    "not_received" => super::flags::FlagReason::SoldNeverReceived,
                    "already_sold" => super::flags::FlagReason::AlreadySold,
                    _ => return None,
                };
                let code = TraceCode::parse(&p.code).ok()?;
                Some(super::flags::NewFlag {
                    code: code.to_string(),
                    gtin: code.gtin().map(|g| g.to_gtin14()),
                    reason,
                    source: "packing",
                    event_id: None,
                    other_seller_id: None,
                })
            })
            .collect();
        if !seen.is_empty() {
            let region = seller::Entity::find_by_id(seller.as_str())
                .one(txn)
                .await?
                .map(|s| s.division_code)
                .unwrap_or_default();
            super::flags::record(txn, seller, &region, &seen, Utc::now()).await?;
        }
        return Ok(Err(problems));
    }
    let mut am: sale_line::ActiveModel = line.into();
    am.unit_codes = Set(serde_json::to_string(&existing).unwrap_or_else(|_| "[]".into()));
    am.update(txn).await?;
    let status = row.status.clone();
    Ok(Ok(settle(txn, catalogue, row, Some(&status), terms).await?))
}

/// Filters for a seller's sales.
#[derive(Clone, Debug, Default)]
pub struct SaleFilter {
    /// Only this status.
    pub status: Option<String>,
    /// Only registered (`true`) or pending (`false`) sales.
    pub registered: Option<bool>,
    /// Keyset pagination: ids after this one.
    pub after: Option<String>,
    /// Page size.
    pub limit: u64,
}

/// A page of the seller's sales, by id.
pub async fn list(
    db: &impl sea_orm::ConnectionTrait,
    seller: &SellerId,
    f: &SaleFilter,
) -> Result<Vec<sale::Model>, StoreError> {
    use sea_orm::QuerySelect;
    let mut q = sale::Entity::secure_find(seller)
        .order_by_asc(sale::Column::Id)
        .limit(f.limit);
    if let Some(s) = &f.status {
        q = q.filter(sale::Column::Status.eq(s.as_str()));
    }
    match f.registered {
        Some(true) => q = q.filter(sale::Column::EventId.is_not_null()),
        Some(false) => q = q.filter(sale::Column::EventId.is_null()),
        None => {}
    }
    if let Some(a) = &f.after {
        q = q.filter(sale::Column::Id.gt(a.as_str()));
    }
    Ok(q.all(db).await?)
}

/// One of the seller's sales.
pub async fn get(
    db: &impl sea_orm::ConnectionTrait,
    seller: &SellerId,
    id: &str,
) -> Result<sale::Model, StoreError> {
    sale::Entity::secure_find(seller)
        .filter(sale::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("sale"))
}

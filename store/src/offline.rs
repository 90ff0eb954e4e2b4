//! Sales registered by hand (销售登记) for offline and B2B sales: codes or batch and quantity,
//! the buyer's type, region, and for distributors and agents their name, credit code, shipping
//! method and tracking number. Codes the seller never received or already sold, and quantities
//! beyond stock, are refused with the item named. A sale to a distributor or agent also creates
//! its transfer (the claim link, see [`super::transfers`]) in the same transaction.

use super::ledger::{self, CodeEntry, CodeRole, RecordKind, RecordMeta};
use super::transfers::{self, CreatedTransfer, NewTransfer, TransferItem};
use super::{StoreError, stock};
use crate::entity::seller;
use chrono::Utc;
use sea_orm::{DatabaseConnection, DatabaseTransaction, EntityTrait};
use serde::Serialize;
use std::collections::HashMap;
use suyuan_core::catalogue::{Catalogue, DataElement};
use suyuan_core::epcis::vocab::ext;
use suyuan_core::epcis::{
    Action, BizStep, BizTransactionType, Disposition, SourceDestType, TraceEvent,
};
use suyuan_core::ids::SellerId;
pub use suyuan_core::sale::{Buyer, NewSale};

/// Why an item was refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ItemProblem {
    /// Index of the item.
    pub index: usize,
    /// Stable reason.
    pub reason: &'static str,
    /// In Chinese.
    pub message_zh: String,
    /// In English.
    pub message_en: String,
}

/// A registered sale.
#[derive(Clone, Debug)]
pub struct RegisteredSale {
    /// The event.
    pub stored: ledger::StoredEvent,
    /// Required data elements missing.
    pub missing: Vec<DataElement>,
    /// For a distributor or agent: the transfer the buyer claims (指引下一级).
    pub transfer: Option<CreatedTransfer>,
}

/// Registers a sale, or names every item that cannot be sold.
pub async fn register(
    db: &DatabaseConnection,
    catalogue: &Catalogue,
    seller_id: &SellerId,
    sale: NewSale,
) -> Result<Result<RegisteredSale, Vec<ItemProblem>>, StoreError> {
    register_marked(db, catalogue, seller_id, sale, None, 0).await
}

/// Like [`register`], for row `row` of an import `run`: the same transaction moves the run on
/// to that row, so a file sent again after a crash does not register it twice.
pub async fn register_marked(
    db: &DatabaseConnection,
    catalogue: &Catalogue,
    seller_id: &SellerId,
    sale: NewSale,
    run: Option<&crate::import::runs::Run>,
    row: usize,
) -> Result<Result<RegisteredSale, Vec<ItemProblem>>, StoreError> {
    let txn = ledger::begin_for_seller(db, seller_id).await?;
    match register_in(&txn, catalogue, seller_id, sale).await? {
        Ok(done) => {
            if let Some(run) = run {
                crate::import::runs::mark(&txn, run, row, 1, Utc::now()).await?;
            }
            txn.commit().await?;
            Ok(Ok(done))
        }
        Err(refused) => {
            // The sale is refused and writes nothing; selling a code never received (or sold
            // already) is still worth a flag, which is all this transaction keeps.
            if refused.flags.is_empty() {
                txn.rollback().await?;
            } else {
                let region = seller::Entity::find_by_id(seller_id.as_str())
                    .one(&txn)
                    .await?
                    .ok_or(StoreError::NotFound("seller"))?
                    .division_code;
                super::flags::record(&txn, seller_id, &region, &refused.flags, Utc::now()).await?;
                if let Some(run) = run {
                    crate::import::runs::mark(&txn, run, row, 0, Utc::now()).await?;
                }
                txn.commit().await?;
            }
            Ok(Err(refused.problems))
        }
    }
}

/// Why a sale was refused: every item that cannot be sold, and the suspicious codes among them
/// (to flag).
#[derive(Clone, Debug)]
pub struct Refused {
    /// The items and why.
    pub problems: Vec<ItemProblem>,
    /// Codes sold but never received here, or sold twice.
    pub flags: Vec<super::flags::NewFlag>,
}

/// Registers a sale inside a transaction from [`ledger::begin_for_seller`], which the caller
/// commits or rolls back: several sales can go in one transaction (an all-or-nothing import),
/// each seeing the ones before it. A refused sale writes nothing.
pub async fn register_in(
    txn: &DatabaseTransaction,
    catalogue: &Catalogue,
    seller_id: &SellerId,
    sale: NewSale,
) -> Result<Result<RegisteredSale, Refused>, StoreError> {
    let category = catalogue
        .get(&sale.category)
        .cloned()
        .ok_or(StoreError::NotFound("category"))?;
    let seller = seller::Entity::find_by_id(seller_id.as_str())
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound("seller"))?;
    let mut problems = Vec::new();
    let mut wanted: HashMap<(String, Option<String>), f64> = HashMap::new();
    for (index, (code, qty)) in sale.items.iter().enumerate() {
        if code.is_unit_level() {
            let h = stock::unit_history(txn, seller_id, &code.to_string()).await?;
            if h.received_here == 0 {
                problems.push(ItemProblem {
                    index,
                    reason: "not_received",
                    message_zh: "本店未登记收到此码".into(),
                    message_en: "was never received by this seller".into(),
                });
            } else if h.sold_here >= i64::try_from(h.received_here).unwrap_or(i64::MAX) {
                problems.push(ItemProblem {
                    index,
                    reason: "already_sold",
                    message_zh: "此码已售出".into(),
                    message_en: "has already been sold".into(),
                });
            }
        } else if let Some(g) = code.gtin() {
            *wanted
                .entry((g.to_gtin14(), code.batch().map(str::to_owned)))
                .or_default() += qty.unwrap_or(1.0);
        }
    }
    for (index, (code, _)) in sale.items.iter().enumerate() {
        let Some(g) = code.gtin().filter(|_| !code.is_unit_level()) else {
            continue;
        };
        let key = (g.to_gtin14(), code.batch().map(str::to_owned));
        let Some(want) = wanted.remove(&key) else {
            continue;
        };
        let batches = stock::batches_for_gtin(txn, seller_id, &key.0).await?;
        let available: f64 = batches
            .iter()
            .filter(|b| key.1.is_none() || b.batch == key.1)
            .map(|b| b.available)
            .sum();
        if want > available + 1e-9 {
            problems.push(ItemProblem {
                index,
                reason: "beyond_stock",
                message_zh: format!("库存不足：需要 {want}，现有 {available}"),
                message_en: format!("only {available} in stock, {want} requested"),
            });
        }
    }
    if !problems.is_empty() {
        let flags: Vec<super::flags::NewFlag> = problems
            .iter()
            .filter_map(|p| {
                let reason = match p.reason {
                    "not_received" => super::flags::FlagReason::SoldNeverReceived,
                    "already_sold" => super::flags::FlagReason::AlreadySold,
                    _ => return None,
                };
                let code = &sale.items.get(p.index)?.0;
                Some(super::flags::NewFlag {
                    code: code.to_string(),
                    gtin: code.gtin().map(|g| g.to_gtin14()),
                    reason,
                    source: "sale",
                    event_id: None,
                    other_seller_id: None,
                })
            })
            .collect();
        return Ok(Err(Refused { problems, flags }));
    }
    let business = matches!(sale.buyer, Buyer::Business { .. });
    let mut b = TraceEvent::object(Action::Observe, sale.sold_at, Utc::now())
        .read_point(format!("urn:suyuan:loc:{}", seller.id))
        .source(
            SourceDestType::OwningParty,
            format!("urn:suyuan:party:{}", seller.credit_code),
        )
        .extension(ext::SELLER, seller.id.clone())
        .extension(ext::CATEGORY, category.id.to_string());
    let (region, buyer_type) = match &sale.buyer {
        Buyer::Consumer { region } => {
            b = b
                .biz_step(BizStep::RetailSelling)
                .disposition(Disposition::RetailSold)
                .extension(ext::BUYER_TYPE, "consumer");
            (Some(region.clone()), "consumer")
        }
        Buyer::Business {
            kind,
            name,
            credit_code,
            region,
        } => {
            b = b
                .biz_step(BizStep::Shipping)
                .disposition(Disposition::InTransit)
                .destination(
                    SourceDestType::OwningParty,
                    format!("urn:suyuan:party:{credit_code}"),
                )
                .extension(ext::BUYER_TYPE, *kind)
                .extension(ext::BUYER_NAME, name.clone())
                .extension(ext::BUYER_CREDIT_CODE, credit_code.to_string());
            (region.clone(), *kind)
        }
    };
    if let Some(r) = &region {
        b = b.extension(ext::REGION, r.to_string());
    }
    if let Some(m) = &sale.shipping_method {
        b = b.extension(ext::SHIPPING_METHOD, m.clone());
    }
    if let Some(t) = &sale.tracking_number {
        b = b.extension(ext::TRACKING_NUMBER, t.clone());
    }
    if let Some(v) = &sale.voucher_number {
        b = b.biz_transaction(
            BizTransactionType::Inv,
            suyuan_core::epcis::vocab::suyuan_urn("inv", v),
        );
    }
    let mut codes = Vec::new();
    for (code, qty) in &sale.items {
        if code.is_unit_level() {
            b = b.epc(code.to_epc_uri());
            codes.push(CodeEntry {
                role: CodeRole::Epc,
                code: code.clone(),
                quantity: None,
                uom: None,
            });
        } else {
            let q = qty.unwrap_or(1.0);
            b = b.quantity(
                code.to_class_uri().unwrap_or_else(|| code.to_epc_uri()),
                q,
                Some("H87"),
            );
            codes.push(CodeEntry {
                role: CodeRole::Quantity,
                code: code.clone(),
                quantity: Some(q),
                uom: Some("H87".into()),
            });
        }
    }
    let event = b
        .build()
        .map_err(|e| StoreError::Invalid(e.to_string(), e.message_zh()))?;
    let kind = if business {
        RecordKind::Shipment
    } else {
        RecordKind::Sale
    };
    let missing = suyuan_core::completeness::missing_elements(&category, kind, &event);
    let deadline = sale.sold_at.with_timezone(&Utc)
        + catalogue.deadline_for(
            &category.id,
            region
                .as_ref()
                .map_or(seller.division_code.as_str(), |r| r.as_str()),
        );
    let meta = RecordMeta {
        kind,
        category: Some(category.id.to_string()),
        region,
        buyer_type: Some(buyer_type.to_owned()),
        corrects: None,
        deadline_at: Some(deadline),
        missing_elements: missing.iter().map(|m| m.as_str().to_owned()).collect(),
        catalogue_version: Some(catalogue.version().to_owned()),
        codes,
    };
    let stored = ledger::append(txn, seller_id, &event, meta).await?;
    let transfer = match &sale.buyer {
        Buyer::Business {
            kind,
            name,
            credit_code,
            ..
        } => Some(
            transfers::create(
                txn,
                NewTransfer {
                    from: seller_id,
                    sale_event_id: stored.id.as_str(),
                    category: &category.id,
                    buyer_kind: kind,
                    buyer_name: name,
                    buyer_credit_code: credit_code,
                    voucher_number: sale.voucher_number.as_deref(),
                    shipping_method: sale.shipping_method.as_deref(),
                    tracking_number: sale.tracking_number.as_deref(),
                    sold_at: sale.sold_at,
                    items: sale
                        .items
                        .iter()
                        .map(|(code, qty)| TransferItem {
                            code: code.to_string(),
                            quantity: if code.is_unit_level() {
                                None
                            } else {
                                Some(qty.unwrap_or(1.0))
                            },
                            uom: (!code.is_unit_level()).then(|| "H87".to_owned()),
                        })
                        .collect(),
                    terms: &sale.transfer,
                },
            )
            .await?,
        ),
        Buyer::Consumer { .. } => None,
    };
    Ok(Ok(RegisteredSale {
        stored,
        missing,
        transfer,
    }))
}

//! Incoming inspection (进货查验): one call records the delivery, the certificate check and the
//! inspection, appends the receipt event to the seller's chain, and answers the new stock.
//! Required data elements of the category are checked; a unit code already received (here or by
//! another seller) is flagged as suspicious rather than silently accepted.

use super::ledger::{self, CodeEntry, CodeRole, RecordKind, RecordMeta};
use super::{StoreError, stock};
use crate::entity::seller;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction, EntityTrait};
use serde::Serialize;
use suyuan_core::catalogue::{Catalogue, Category, DataElement, Granularity};
use suyuan_core::codes::TraceCode;
use suyuan_core::epcis::vocab::ext;
use suyuan_core::epcis::{
    Action, BizStep, BizTransactionType, Disposition, SourceDestType, TraceEvent,
};
use suyuan_core::ids::SellerId;
pub use suyuan_core::receipt::{Channel, InspectionResult, NewReceipt, ReceivedItem};

/// A warning about one received code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CodeWarning {
    /// Index of the item.
    pub index: usize,
    /// The code.
    pub code: String,
    /// Stable reason (`received_twice`, `received_by_another_seller`).
    pub reason: &'static str,
    /// In Chinese.
    pub message_zh: String,
    /// In English.
    pub message_en: String,
}

/// What recording a receipt gives back.
#[derive(Clone, Debug)]
pub struct RecordedReceipt {
    /// The stored event.
    pub stored: ledger::StoredEvent,
    /// Required data elements missing from the record.
    pub missing: Vec<DataElement>,
    /// Suspicious codes.
    pub warnings: Vec<CodeWarning>,
    /// Stock of the GTINs received, after the receipt.
    pub stock: Vec<stock::BatchStock>,
}

/// Whether a unit code the seller is receiving now looks suspicious, from what the ledger says
/// of it (see [`stock::unit_history`]): already received here and not sold since, or received
/// by another seller and never sold anywhere.
pub fn code_warning(
    index: usize,
    code: &TraceCode,
    history: &stock::UnitHistory,
    seller_id: &SellerId,
) -> Option<CodeWarning> {
    if history.received_here > 0 && history.sold_here <= 0 {
        Some(CodeWarning {
            index,
            code: code.to_string(),
            reason: "received_twice",
            message_zh: "此码已在本店入库过，可能重复登记或为仿冒码".into(),
            message_en: "this code was already received here: a duplicate entry or a cloned code"
                .into(),
        })
    } else if history.received_by.iter().any(|s| s != seller_id.as_str())
        && history.sold_anywhere == 0
    {
        Some(CodeWarning {
            index,
            code: code.to_string(),
            reason: "received_by_another_seller",
            message_zh: "此码已由其他销售者入库且未见其售出记录，可能为仿冒码".into(),
            message_en:
                "another seller received this code and never sold it: possibly a cloned code".into(),
        })
    } else {
        None
    }
}

/// Whether a receipt of a unit by `seller` would not fit the unit's chain of custody (see
/// [`suyuan_core::custody`]): the warning and the flag it leaves.
async fn custody_warning(
    conn: &impl sea_orm::ConnectionTrait,
    index: usize,
    item: &ReceivedItem,
    seller: &seller::Model,
    r: &NewReceipt,
) -> Result<Option<(CodeWarning, super::flags::NewFlag)>, StoreError> {
    use suyuan_core::custody::{self, CustodyKind, CustodyRecord, Standing};
    let mut records = super::trace::custody_records(conn, &item.code).await?;
    if records.is_empty() {
        return Ok(None);
    }
    let holder_before = records.last().map(|rec| rec.seller_id.clone());
    records.push(CustodyRecord {
        id: String::new(),
        seller_id: seller.id.clone(),
        seller_credit_code: seller.credit_code.clone(),
        kind: CustodyKind::Receipt,
        event_time: r.received_at.with_timezone(&Utc),
        corrected: false,
    });
    let Some(Standing::Misfit(m)) = custody::classify(&records).last().copied() else {
        return Ok(None);
    };
    let reason = super::flags::FlagReason::OutsideCustodyChain;
    let warning = CodeWarning {
        index,
        code: item.code.to_string(),
        reason: reason.as_str(),
        message_zh: m.message_zh().to_owned(),
        message_en: m.message_en().to_owned(),
    };
    let flag = super::flags::NewFlag {
        code: item.code.to_string(),
        gtin: item.code.gtin().map(|g| g.to_gtin14()),
        reason,
        source: "receipt",
        event_id: None,
        other_seller_id: holder_before.filter(|h| *h != seller.id),
    };
    Ok(Some((warning, flag)))
}

/// The flag a receipt warning leaves (see [`super::flags`]).
pub fn flag_of(
    w: &CodeWarning,
    code: &TraceCode,
    history: &stock::UnitHistory,
    seller_id: &SellerId,
    source: &'static str,
) -> super::flags::NewFlag {
    use super::flags::FlagReason;
    let reason = if w.reason == "received_twice" {
        FlagReason::ReceivedTwice
    } else {
        FlagReason::ReceivedByAnotherSeller
    };
    super::flags::NewFlag {
        code: w.code.clone(),
        gtin: code.gtin().map(|g| g.to_gtin14()),
        reason,
        source,
        event_id: None,
        other_seller_id: (reason == FlagReason::ReceivedByAnotherSeller)
            .then(|| {
                history
                    .received_by
                    .iter()
                    .find(|s| *s != seller_id.as_str())
                    .cloned()
            })
            .flatten(),
    }
}

/// A receipt turned into the EPCIS event and the facts stored beside it, ready to append.
#[derive(Clone, Debug)]
pub struct PreparedReceipt {
    /// The EPCIS event.
    pub event: TraceEvent,
    /// What the ledger stores beside it.
    pub meta: RecordMeta,
    /// Required data elements missing from the record.
    pub missing: Vec<DataElement>,
}

/// Builds the event for a receipt by `seller` recorded at `record_time`: the one builder behind
/// [`record`] and the batched CSV import, so both store the same event for the same data.
pub fn prepare(
    catalogue: &Catalogue,
    category: &Category,
    seller: &seller::Model,
    r: &NewReceipt,
    record_time: DateTime<Utc>,
) -> Result<PreparedReceipt, StoreError> {
    let rejected = r.inspection == Some(InspectionResult::Rejected);
    let mut b = TraceEvent::object(Action::Observe, r.received_at, record_time)
        .biz_step(if r.inspection.is_some() {
            BizStep::Inspecting
        } else {
            BizStep::Receiving
        })
        .disposition(if rejected {
            Disposition::NonConformant
        } else {
            Disposition::InProgress
        })
        .read_point(format!("urn:suyuan:loc:{}", seller.id))
        .biz_location(format!("urn:suyuan:loc:{}", seller.id))
        .destination(
            SourceDestType::OwningParty,
            format!("urn:suyuan:party:{}", seller.credit_code),
        )
        .extension(ext::SELLER, seller.id.clone())
        .extension(ext::CATEGORY, category.id.to_string())
        .extension(ext::REGION, seller.division_code.clone())
        .extension(
            "channel",
            serde_json::to_value(r.channel).unwrap_or_default(),
        );
    // The bizStep is receiving with an inspection; CBV has no combined step, so the receipt is
    // `receiving` and the inspection outcome travels as an extension.
    b = b.biz_step(BizStep::Receiving);
    for item in &r.items {
        b = match (item.code.is_unit_level(), item.quantity) {
            (true, _) => b.epc(item.code.to_epc_uri()),
            (false, q) => b.quantity(
                item.code
                    .to_class_uri()
                    .unwrap_or_else(|| item.code.to_epc_uri()),
                q.unwrap_or(1.0),
                item.uom
                    .as_deref()
                    .or(Some(if category.granularity == Granularity::Length {
                        "MTR"
                    } else {
                        "H87"
                    })),
            ),
        };
    }
    if let Some(v) = &r.voucher_number {
        b = b.biz_transaction(
            BizTransactionType::Desadv,
            suyuan_core::epcis::vocab::suyuan_urn("desadv", v),
        );
    }
    if let Some(cc) = &r.supplier_credit_code {
        b = b.source(
            SourceDestType::OwningParty,
            format!("urn:suyuan:party:{cc}"),
        );
    }
    for (key, value) in [
        (ext::SUPPLIER_NAME, &r.supplier_name),
        (ext::PRODUCT_NAME, &r.product_name),
        (ext::MODEL, &r.model),
        (ext::PRODUCER, &r.producer),
        (ext::CERTIFICATE, &r.certificate_number),
        (ext::CERTIFICATE_CHECK, &r.certificate_result),
        (ext::INSPECTOR, &r.inspector),
        ("inspectionNotes", &r.inspection_notes),
        (ext::BACKDATE_REASON, &r.backdate_reason),
    ] {
        if let Some(v) = value {
            b = b.extension(key, v.clone());
        }
    }
    if let Some(i) = r.inspection {
        b = b.extension(
            ext::INSPECTION_RESULT,
            serde_json::to_value(i).unwrap_or_default(),
        );
    }
    let event = b
        .build()
        .map_err(|e| StoreError::Invalid(e.to_string(), e.message_zh()))?;
    let missing =
        suyuan_core::completeness::missing_elements(category, RecordKind::Receipt, &event);
    let codes = r
        .items
        .iter()
        .map(|i| CodeEntry {
            role: if i.code.is_unit_level() {
                CodeRole::Epc
            } else {
                CodeRole::Quantity
            },
            code: i.code.clone(),
            quantity: if i.code.is_unit_level() {
                None
            } else {
                Some(i.quantity.unwrap_or(1.0))
            },
            uom: i.uom.clone(),
        })
        // A rejected delivery never enters stock.
        .filter(|_| !rejected)
        .collect();
    let deadline = r.received_at.with_timezone(&Utc)
        + catalogue.deadline_for(&category.id, &seller.division_code);
    let meta = RecordMeta {
        kind: RecordKind::Receipt,
        category: Some(category.id.to_string()),
        region: suyuan_core::division::DivisionCode::parse(&seller.division_code).ok(),
        buyer_type: None,
        corrects: None,
        deadline_at: Some(deadline),
        missing_elements: missing.iter().map(|m| m.as_str().to_owned()).collect(),
        catalogue_version: Some(catalogue.version().to_owned()),
        codes,
    };
    Ok(PreparedReceipt {
        event,
        meta,
        missing,
    })
}

/// Records a receipt for `seller`.
pub async fn record(
    db: &DatabaseConnection,
    catalogue: &Catalogue,
    seller_id: &SellerId,
    r: NewReceipt,
) -> Result<RecordedReceipt, StoreError> {
    let txn = ledger::begin_for_seller(db, seller_id).await?;
    let recorded = record_in(&txn, catalogue, seller_id, r).await?;
    txn.commit().await?;
    Ok(recorded)
}

/// Records a receipt inside a transaction begun with [`ledger::begin_for_seller`] for
/// `seller_id` (a claim records its receipt in the transaction that claims the transfer).
pub async fn record_in(
    txn: &DatabaseTransaction,
    catalogue: &Catalogue,
    seller_id: &SellerId,
    r: NewReceipt,
) -> Result<RecordedReceipt, StoreError> {
    let category = catalogue
        .get(&r.category)
        .cloned()
        .ok_or(StoreError::NotFound("category"))?;
    let seller = seller::Entity::find_by_id(seller_id.as_str())
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound("seller"))?;
    let mut warnings = Vec::new();
    let mut seen = Vec::new();
    for (index, item) in r.items.iter().enumerate() {
        if !item.code.is_unit_level() {
            continue;
        }
        let h = stock::unit_history(txn, seller_id, &item.code.to_string()).await?;
        if let Some(w) = code_warning(index, &item.code, &h, seller_id) {
            seen.push(flag_of(&w, &item.code, &h, seller_id, "receipt"));
            warnings.push(w);
        } else if let Some((w, f)) = custody_warning(txn, index, item, &seller, &r).await? {
            seen.push(f);
            warnings.push(w);
        }
    }
    let PreparedReceipt {
        event,
        meta,
        missing,
    } = prepare(catalogue, &category, &seller, &r, Utc::now())?;
    let stored = ledger::append(txn, seller_id, &event, meta).await?;
    for f in &mut seen {
        f.event_id = Some(stored.id.to_string());
    }
    super::flags::record(txn, seller_id, &seller.division_code, &seen, Utc::now()).await?;
    let mut gtins: Vec<String> = r
        .items
        .iter()
        .filter_map(|i| i.code.gtin().map(|g| g.to_gtin14()))
        .collect();
    gtins.sort();
    gtins.dedup();
    let mut stock_after = Vec::new();
    for g in gtins {
        stock_after.extend(stock::batches_for_gtin(txn, seller_id, &g).await?);
    }
    Ok(RecordedReceipt {
        stored,
        missing,
        warnings,
        stock: stock_after,
    })
}

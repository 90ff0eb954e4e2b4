//! Error remedy (差错补救): void or amend any record with a reason. Nothing is edited: the
//! original stays, an EPCIS error declaration (a copy of the original with `errorDeclaration`)
//! is appended, and for an amendment the corrected event follows, linked by
//! `correctiveEventIDs`. Both show in the record's history and in exports.

use super::ledger::{self, RecordKind, RecordMeta, StoredEvent, codes_of};
use super::{SellerScoped, StoreError};
use crate::entity::trace_event;
use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::BTreeMap;
use suyuan_core::catalogue::{Catalogue, CategoryId};
use suyuan_core::division::DivisionCode;
use suyuan_core::epcis::{ErrorReason, TraceEvent};
use suyuan_core::ids::SellerId;

/// What a correction stored.
#[derive(Clone, Debug)]
pub struct Corrected {
    /// The error declaration.
    pub declaration: StoredEvent,
    /// The corrected event, for an amendment.
    pub corrective: Option<StoredEvent>,
}

/// Voids (`changes` empty) or amends one of the seller's records. `changes` replaces Suyuan
/// extension fields of the event (`region`, `buyerName`, `shippingMethod`, `trackingNumber`,
/// `certificate`, …); `reason` is kept with the declaration. The corrected record's missing data
/// elements are worked out again from what it says after the amendment.
pub async fn correct(
    db: &DatabaseConnection,
    catalogue: &Catalogue,
    seller: &SellerId,
    event_id: &str,
    reason: &str,
    changes: BTreeMap<String, serde_json::Value>,
) -> Result<Corrected, StoreError> {
    let txn = ledger::begin_for_seller(db, seller).await?;
    let row = trace_event::Entity::secure_find(seller)
        .filter(trace_event::Column::Id.eq(event_id))
        .one(&txn)
        .await?
        .ok_or(StoreError::NotFound("record"))?;
    if row.record_kind == "correction" {
        return Err(StoreError::Invalid(
            "a correction cannot itself be corrected".into(),
            "差错声明本身不能再更正".into(),
        ));
    }
    let already = trace_event::Entity::find()
        .filter(trace_event::Column::CorrectsId.eq(row.id.as_str()))
        .filter(trace_event::Column::RecordKind.eq("correction"))
        .one(&txn)
        .await?;
    if already.is_some() {
        return Err(StoreError::Invalid(
            "this record was already corrected; correct the corrected record instead".into(),
            "该记录已更正过，请更正更正后的记录".into(),
        ));
    }
    let json: serde_json::Value =
        serde_json::from_str(&row.document).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let original = TraceEvent::from_json(&json).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let now = Utc::now();
    let (reason_code, corrected) = if changes.is_empty() {
        (ErrorReason::DidNotOccur, None)
    } else {
        let mut b = original.to_builder().record_time(now);
        for (k, v) in &changes {
            b = b.extension(k.as_str(), v.clone());
        }
        b = b.extension("correctionReason", reason.to_owned());
        (
            ErrorReason::IncorrectData,
            Some(
                b.build()
                    .map_err(|e| StoreError::Invalid(e.to_string(), e.message_zh()))?,
            ),
        )
    };
    let correction = TraceEvent::correction_of(&original, reason_code, corrected, now)
        .map_err(|e| StoreError::Invalid(e.to_string(), e.message_zh()))?;
    let corrects = Some(
        suyuan_core::ids::EventId::parse(&row.id)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
    );
    let region_after = changes
        .get("region")
        .and_then(|v| v.as_str())
        .and_then(|r| DivisionCode::parse(r).ok())
        .or_else(|| {
            row.region
                .as_deref()
                .and_then(|r| DivisionCode::parse(r).ok())
        });
    let declaration = ledger::append(
        &txn,
        seller,
        &correction.declaration,
        RecordMeta {
            kind: RecordKind::Correction,
            category: row.category_id.clone(),
            region: row
                .region
                .as_deref()
                .and_then(|r| DivisionCode::parse(r).ok()),
            buyer_type: row.buyer_type.clone(),
            corrects: corrects.clone(),
            deadline_at: None,
            missing_elements: vec![],
            catalogue_version: None,
            codes: codes_of(&original),
        },
    )
    .await?;
    let corrective = match &correction.corrective {
        Some(event) => {
            let kind = RecordKind::parse(&row.record_kind).unwrap_or(RecordKind::Sale);
            let missing: Vec<String> = match row
                .category_id
                .as_deref()
                .and_then(|c| CategoryId::parse(c).ok())
                .and_then(|c| catalogue.get(&c))
            {
                Some(category) => {
                    suyuan_core::completeness::missing_elements(category, kind, event)
                        .iter()
                        .map(|e| e.as_str().to_owned())
                        .collect()
                }
                // A category no longer in the catalogue: what the original lacked.
                None => serde_json::from_str(&row.missing_elements).unwrap_or_default(),
            };
            Some(
                ledger::append(
                    &txn,
                    seller,
                    event,
                    RecordMeta {
                        kind,
                        category: row.category_id.clone(),
                        region: region_after,
                        buyer_type: row.buyer_type.clone(),
                        corrects,
                        deadline_at: row.deadline_at,
                        missing_elements: missing,
                        catalogue_version: row.catalogue_version.clone(),
                        codes: codes_of(event),
                    },
                )
                .await?,
            )
        }
        None => None,
    };
    txn.commit().await?;
    Ok(Corrected {
        declaration,
        corrective,
    })
}

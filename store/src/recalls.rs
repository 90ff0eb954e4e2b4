//! Recalls issued by supervisors: public information, newest first.
//!
//! A recall has a lifecycle (issued, updated, withdrawn) and a scope: a supervisor recalls
//! within its jurisdiction, which the recall records, and an admin nationally. Only a caller
//! whose scope covers the recall's may update or withdraw it; every change is kept in
//! `recall_changes` with what the recall said before and after.

use super::StoreError;
use crate::entity::{recall, recall_change, shop};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde::Serialize;
use suyuan_core::division::Jurisdiction;

/// A recall to issue, already validated.
#[derive(Clone, Debug)]
pub struct NewRecall {
    /// GTIN-14.
    pub gtin: String,
    /// Only this batch.
    pub batch: Option<String>,
    /// Only this unit.
    pub serial: Option<String>,
    /// Why, in Chinese.
    pub reason_zh: String,
    /// Why, in English.
    pub reason_en: Option<String>,
    /// What holders should do, in Chinese.
    pub action_zh: String,
    /// What holders should do, in English.
    pub action_en: String,
    /// The supervisor or admin issuing it.
    pub issued_by: String,
}

/// Who acts on recalls, and where: a supervisor's jurisdiction, or the whole country (admin).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecallScope {
    /// A supervisor: its recalls are limited to this jurisdiction.
    Jurisdiction(Jurisdiction),
    /// An admin: national.
    National,
}

impl RecallScope {
    /// The prefix a recall issued in this scope records (`None`: national).
    fn prefix(&self) -> Option<String> {
        match self {
            RecallScope::Jurisdiction(j) => Some(j.as_prefix().to_owned()),
            RecallScope::National => None,
        }
    }

    /// Whether a caller of this scope may change a recall issued for `recorded`.
    pub fn covers(&self, recorded: Option<&str>) -> bool {
        match (self, recorded) {
            (RecallScope::National, _) => true,
            (RecallScope::Jurisdiction(_), None) => false,
            (RecallScope::Jurisdiction(j), Some(r)) => r.starts_with(j.as_prefix()),
        }
    }
}

/// What an update changes (`None`: unchanged).
#[derive(Clone, Debug, Default)]
pub struct RecallUpdate {
    /// Why, in Chinese.
    pub reason_zh: Option<String>,
    /// Why, in English.
    pub reason_en: Option<String>,
    /// What holders should do, in Chinese.
    pub action_zh: Option<String>,
    /// What holders should do, in English.
    pub action_en: Option<String>,
}

/// What the history keeps of a recall at one moment.
#[derive(Serialize)]
struct Snapshot<'a> {
    status: &'a str,
    gtin: &'a str,
    batch: Option<&'a str>,
    serial: Option<&'a str>,
    jurisdiction: Option<&'a str>,
    reason_zh: &'a str,
    reason_en: Option<&'a str>,
    action_zh: &'a str,
    action_en: &'a str,
    withdrawn_reason: Option<&'a str>,
}

fn snapshot(r: &recall::Model) -> String {
    serde_json::to_string(&Snapshot {
        status: &r.status,
        gtin: &r.gtin,
        batch: r.batch.as_deref(),
        serial: r.serial.as_deref(),
        jurisdiction: r.jurisdiction.as_deref(),
        reason_zh: &r.reason_zh,
        reason_en: r.reason_en.as_deref(),
        action_zh: &r.action_zh,
        action_en: &r.action_en,
        withdrawn_reason: r.withdrawn_reason.as_deref(),
    })
    .unwrap_or_else(|_| "{}".into())
}

async fn record_change(
    db: &impl ConnectionTrait,
    action: &str,
    by: &str,
    at: DateTime<Utc>,
    before: Option<&recall::Model>,
    after: &recall::Model,
) -> Result<(), StoreError> {
    recall_change::ActiveModel {
        recall_id: Set(after.id.clone()),
        action: Set(action.to_owned()),
        changed_by: Set(by.to_owned()),
        changed_at: Set(at),
        before: Set(before.map(snapshot)),
        after: Set(snapshot(after)),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A seller a recall reached: its records of what the recall names, summed by record kind.
#[derive(Clone, Debug, PartialEq)]
pub struct AffectedSeller {
    /// Seller id.
    pub seller_id: String,
    /// Its name, when known.
    pub seller_name: Option<String>,
    /// The tier at which it first holds the goods (1 for the first holder).
    pub tier: u32,
    /// Quantity per record kind (`receipt`, `sale`, `shipment`, ...), in record-kind order.
    pub quantities: Vec<(String, f64)>,
}

/// What a recall's notices say: the mail to each affected seller and the payload of the
/// `recall.issued` notification to the operators of the marketplaces those sellers sell on.
pub trait RecallNotices: Send + Sync {
    /// The mail job's message for one affected seller.
    fn seller_mail(&self, recall: &recall::Model, seller: &AffectedSeller) -> serde_json::Value;
    /// The notification's data for the operators of one platform (`shops`: the affected
    /// sellers' shops on it).
    fn operator_payload(&self, recall: &recall::Model, shops: &[shop::Model]) -> serde_json::Value;
}

/// Whom an issued recall notified.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Notified {
    /// Sellers whose records hold what the recall names (each got one recall mail queued).
    pub sellers: usize,
    /// Operator notifications queued (one per active subscription of an affected platform).
    pub operator_deliveries: usize,
}

/// The sellers whose records hold what a recall names (any jurisdiction: a recall reaches
/// everyone who holds the goods), tier order.
pub fn affected_sellers(flow: &suyuan_core::recall::RecallFlow) -> Vec<AffectedSeller> {
    let mut out: Vec<AffectedSeller> = Vec::new();
    for row in &flow.rows {
        let at = match out.iter().position(|a| a.seller_id == row.seller_id) {
            Some(i) => i,
            None => {
                out.push(AffectedSeller {
                    seller_id: row.seller_id.clone(),
                    seller_name: row.seller_name.clone(),
                    tier: row.tier,
                    quantities: Vec::new(),
                });
                out.len() - 1
            }
        };
        let seller = &mut out[at];
        seller.tier = seller.tier.min(row.tier);
        match seller
            .quantities
            .iter_mut()
            .find(|(k, _)| *k == row.record_kind)
        {
            Some((_, q)) => *q += row.quantity,
            None => seller
                .quantities
                .push((row.record_kind.clone(), row.quantity)),
        }
    }
    for s in &mut out {
        s.quantities.sort_by(|a, b| a.0.cmp(&b.0));
    }
    out
}

/// The selector of what a recall names.
pub fn selector_of(row: &recall::Model) -> Result<suyuan_core::recall::Selector, StoreError> {
    use suyuan_core::recall::Selector;
    let corrupt = |e: suyuan_core::recall::SelectorError| StoreError::Corrupt(e.to_string());
    match (&row.serial, &row.batch) {
        (Some(s), _) => Selector::serial(Some(&row.gtin), s).map_err(corrupt),
        (None, Some(b)) => Selector::batch(Some(&row.gtin), b).map_err(corrupt),
        (None, None) => Selector::gtin(&row.gtin).map_err(corrupt),
    }
}

/// Issues a recall in the caller's scope, active from `now`, and in the same transaction
/// queues its notices: one recall mail to every seller whose records hold what it names, and a
/// `recall.issued` notification to every subscribed operator of a marketplace those sellers
/// have a shop on. Either all of it is stored or none.
pub async fn issue(
    db: &sea_orm::DatabaseConnection,
    scope: &RecallScope,
    new: NewRecall,
    now: DateTime<Utc>,
    notices: &dyn RecallNotices,
) -> Result<(recall::Model, Notified), StoreError> {
    let txn = db.begin().await?;
    let row = recall::ActiveModel {
        id: Set(suyuan_core::ids::RecallId::generate().into()),
        gtin: Set(new.gtin),
        batch: Set(new.batch),
        serial: Set(new.serial),
        reason_zh: Set(new.reason_zh),
        reason_en: Set(new.reason_en),
        action_zh: Set(new.action_zh),
        action_en: Set(new.action_en),
        issued_by: Set(new.issued_by.clone()),
        issued_at: Set(now),
        status: Set("active".into()),
        jurisdiction: Set(scope.prefix()),
        updated_at: Set(None),
        withdrawn_at: Set(None),
        withdrawn_reason: Set(None),
    }
    .insert(&txn)
    .await?;
    record_change(&txn, "issued", &new.issued_by, now, None, &row).await?;
    let notified = queue_notices(&txn, &row, now, notices).await?;
    txn.commit().await?;
    Ok((row, notified))
}

async fn queue_notices(
    txn: &impl ConnectionTrait,
    row: &recall::Model,
    now: DateTime<Utc>,
    notices: &dyn RecallNotices,
) -> Result<Notified, StoreError> {
    let flow = crate::recall_trace::trace(txn, &selector_of(row)?, None).await?;
    let affected = affected_sellers(&flow);
    let mut notified = Notified::default();
    for seller in &affected {
        crate::queue::mail::enqueue_once(
            txn,
            crate::queue::mail::kind::RECALL,
            &format!("recall:{}:{}", row.id, seller.seller_id),
            &seller.seller_id,
            notices.seller_mail(row, seller),
            now,
        )
        .await?;
        notified.sellers += 1;
    }
    let ids: Vec<&str> = affected.iter().map(|a| a.seller_id.as_str()).collect();
    let shops = if ids.is_empty() {
        Vec::new()
    } else {
        shop::Entity::find()
            .filter(shop::Column::SellerId.is_in(ids))
            .order_by_asc(shop::Column::Platform)
            .order_by_asc(shop::Column::Id)
            .all(txn)
            .await?
    };
    let mut platforms: Vec<&str> = shops.iter().map(|s| s.platform.as_str()).collect();
    platforms.dedup();
    for platform in platforms {
        let on: Vec<shop::Model> = shops
            .iter()
            .filter(|s| s.platform == platform)
            .cloned()
            .collect();
        notified.operator_deliveries += crate::queue::notifications::enqueue(
            txn,
            platform,
            "recall.issued",
            &notices.operator_payload(row, &on),
            now,
        )
        .await?;
    }
    Ok(notified)
}

/// A recall the caller may change: not found is 404; outside its scope or withdrawn, a
/// [`StoreError::State`].
async fn changeable(
    db: &impl ConnectionTrait,
    scope: &RecallScope,
    id: &str,
) -> Result<recall::Model, StoreError> {
    let row = recall::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("recall"))?;
    if !scope.covers(row.jurisdiction.as_deref()) {
        return Err(StoreError::State {
            slug: "out-of-jurisdiction",
            detail_zh: "该召回属于其他辖区，只能由该辖区或全国监管人员更改".into(),
            detail_en: "this recall was issued for another jurisdiction: only a supervisor of \
                        it, or an admin, may change it"
                .into(),
        });
    }
    if row.status == "withdrawn" {
        return Err(StoreError::State {
            slug: "recall-withdrawn",
            detail_zh: "该召回已撤回，不能再更改".into(),
            detail_en: "the recall was withdrawn and can no longer change".into(),
        });
    }
    Ok(row)
}

/// Updates the reason or the advice of an active recall in the caller's scope.
pub async fn update(
    db: &sea_orm::DatabaseConnection,
    scope: &RecallScope,
    id: &str,
    by: &str,
    change: RecallUpdate,
    now: DateTime<Utc>,
) -> Result<recall::Model, StoreError> {
    let txn = db.begin().await?;
    let before = changeable(&txn, scope, id).await?;
    let mut am: recall::ActiveModel = before.clone().into();
    if let Some(v) = change.reason_zh {
        am.reason_zh = Set(v);
    }
    if let Some(v) = change.reason_en {
        am.reason_en = Set(Some(v));
    }
    if let Some(v) = change.action_zh {
        am.action_zh = Set(v);
    }
    if let Some(v) = change.action_en {
        am.action_en = Set(v);
    }
    am.updated_at = Set(Some(now));
    let after = am.update(&txn).await?;
    record_change(&txn, "updated", by, now, Some(&before), &after).await?;
    txn.commit().await?;
    Ok(after)
}

/// Withdraws an active recall in the caller's scope: trace pages and badges stop showing it.
pub async fn withdraw(
    db: &sea_orm::DatabaseConnection,
    scope: &RecallScope,
    id: &str,
    by: &str,
    reason: String,
    now: DateTime<Utc>,
) -> Result<recall::Model, StoreError> {
    let txn = db.begin().await?;
    let before = changeable(&txn, scope, id).await?;
    let mut am: recall::ActiveModel = before.clone().into();
    am.status = Set("withdrawn".into());
    am.withdrawn_at = Set(Some(now));
    am.withdrawn_reason = Set(Some(reason));
    am.updated_at = Set(Some(now));
    let after = am.update(&txn).await?;
    record_change(&txn, "withdrawn", by, now, Some(&before), &after).await?;
    txn.commit().await?;
    Ok(after)
}

/// One recall by id (public information).
pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<recall::Model, StoreError> {
    recall::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("recall"))
}

/// The history of a recall, oldest first.
pub async fn history(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Vec<recall_change::Model>, StoreError> {
    Ok(recall_change::Entity::find()
        .filter(recall_change::Column::RecallId.eq(id))
        .order_by_asc(recall_change::Column::Id)
        .all(db)
        .await?)
}

/// Every recall, newest first.
pub async fn list(db: &impl sea_orm::ConnectionTrait) -> Result<Vec<recall::Model>, StoreError> {
    Ok(recall::Entity::find()
        .order_by_desc(recall::Column::IssuedAt)
        .all(db)
        .await?)
}

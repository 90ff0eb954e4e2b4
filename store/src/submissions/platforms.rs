//! The trace platforms an operator registers, the routing rules that send records to them, and
//! sellers' sealed credentials for them.

use super::status;
use crate::entity::{platform, platform_credential, routing_rule, submission};
use crate::{StoreError, is_unique_violation};
use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use std::collections::{HashMap, HashSet};
use suyuan_core::ids::SellerId;
use suyuan_core::secrets::SecretKey;

/// The kinds of trace platform an operator can register (what the platform is, not how it is
/// spoken to: that is the protocol).
pub const PLATFORM_KINDS: [(&str, &str, &str); 7] = [
    (
        "national",
        "全国重点工业产品质量安全追溯平台",
        "National key industrial product quality-safety traceability platform",
    ),
    (
        "provincial",
        "省级追溯平台",
        "Provincial traceability platform",
    ),
    (
        "industry_ebike",
        "电动自行车行业追溯平台（如 E码通）",
        "Electric bicycle industry platform (e.g. E码通)",
    ),
    (
        "industry_wire_cable",
        "电线电缆行业追溯平台",
        "Wire and cable industry platform",
    ),
    (
        "industry_gas_appliance",
        "燃气器具行业追溯平台",
        "Gas appliance industry platform",
    ),
    (
        "epcis_repository",
        "EPCIS 2.0 事件库",
        "EPCIS 2.0 repository",
    ),
    ("other", "其他平台", "Other platform"),
];

/// Retry and timeout settings a platform may set for itself (`None`: the installation default).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PolicyOverrides {
    /// Attempts before a submission is dead-lettered.
    pub max_attempts: Option<i32>,
    /// The first retry's delay, in milliseconds (doubled each attempt).
    pub backoff_base_ms: Option<i64>,
    /// The longest delay between attempts, in milliseconds.
    pub backoff_max_ms: Option<i64>,
    /// The longest one request may take, in milliseconds.
    pub request_timeout_ms: Option<i64>,
    /// How long an EPCIS capture job is followed, in milliseconds.
    pub follow_max_ms: Option<i64>,
}

/// A platform to register.
#[derive(Clone, Debug)]
pub struct NewPlatform {
    /// Short unique code.
    pub code: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// One of [`PLATFORM_KINDS`].
    pub kind: String,
    /// Base URL (already checked by the caller against the network policy).
    pub base_url: String,
    /// The adapter as JSON (checked by the caller).
    pub protocol: String,
    /// Whether sellers must give credentials before anything is sent.
    pub requires_credentials: bool,
    /// The header a seller's credential is sent in.
    pub credential_header: String,
    /// Whether records are routed and sent to it.
    pub enabled: bool,
    /// Retry and timeout overrides.
    pub policy: PolicyOverrides,
}

/// Changes to a platform; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct PlatformPatch {
    /// Chinese name.
    pub name_zh: Option<String>,
    /// English name.
    pub name_en: Option<String>,
    /// Kind.
    pub kind: Option<String>,
    /// Base URL (checked by the caller).
    pub base_url: Option<String>,
    /// Adapter JSON (checked by the caller).
    pub protocol: Option<String>,
    /// Whether credentials are required.
    pub requires_credentials: Option<bool>,
    /// Credential header.
    pub credential_header: Option<String>,
    /// Enabled or not.
    pub enabled: Option<bool>,
    /// Overrides to set (`Some(None)` clears one back to the default).
    pub max_attempts: Option<Option<i32>>,
    /// See [`PolicyOverrides::backoff_base_ms`].
    pub backoff_base_ms: Option<Option<i64>>,
    /// See [`PolicyOverrides::backoff_max_ms`].
    pub backoff_max_ms: Option<Option<i64>>,
    /// See [`PolicyOverrides::request_timeout_ms`].
    pub request_timeout_ms: Option<Option<i64>>,
    /// See [`PolicyOverrides::follow_max_ms`].
    pub follow_max_ms: Option<Option<i64>>,
}

/// Registers a platform.
pub async fn create_platform(
    db: &impl ConnectionTrait,
    new: NewPlatform,
) -> Result<platform::Model, StoreError> {
    let now = Utc::now();
    let code = new.code.clone();
    platform::ActiveModel {
        id: Set(suyuan_core::ids::PlatformId::generate().into()),
        code: Set(new.code),
        name_zh: Set(new.name_zh),
        name_en: Set(new.name_en),
        kind: Set(new.kind),
        base_url: Set(new.base_url),
        protocol: Set(new.protocol),
        requires_credentials: Set(new.requires_credentials),
        credential_header: Set(new.credential_header),
        enabled: Set(new.enabled),
        max_attempts: Set(new.policy.max_attempts),
        backoff_base_ms: Set(new.policy.backoff_base_ms),
        backoff_max_ms: Set(new.policy.backoff_max_ms),
        request_timeout_ms: Set(new.policy.request_timeout_ms),
        follow_max_ms: Set(new.policy.follow_max_ms),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Duplicate {
                field: "code",
                value: code,
            }
        } else {
            e.into()
        }
    })
}

/// Every registered platform, oldest first.
pub async fn list_platforms(db: &impl ConnectionTrait) -> Result<Vec<platform::Model>, StoreError> {
    Ok(platform::Entity::find()
        .order_by_asc(platform::Column::CreatedAt)
        .order_by_asc(platform::Column::Id)
        .all(db)
        .await?)
}

/// One platform.
pub async fn get_platform(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<platform::Model, StoreError> {
    platform::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("platform"))
}

/// Applies a patch to a platform.
pub async fn update_platform(
    db: &impl ConnectionTrait,
    id: &str,
    patch: PlatformPatch,
) -> Result<platform::Model, StoreError> {
    let row = get_platform(db, id).await?;
    let mut am: platform::ActiveModel = row.into();
    if let Some(v) = patch.name_zh {
        am.name_zh = Set(v);
    }
    if let Some(v) = patch.name_en {
        am.name_en = Set(v);
    }
    if let Some(v) = patch.kind {
        am.kind = Set(v);
    }
    if let Some(v) = patch.base_url {
        am.base_url = Set(v);
    }
    if let Some(v) = patch.protocol {
        am.protocol = Set(v);
    }
    if let Some(v) = patch.requires_credentials {
        am.requires_credentials = Set(v);
    }
    if let Some(v) = patch.credential_header {
        am.credential_header = Set(v);
    }
    if let Some(v) = patch.enabled {
        am.enabled = Set(v);
    }
    if let Some(v) = patch.max_attempts {
        am.max_attempts = Set(v);
    }
    if let Some(v) = patch.backoff_base_ms {
        am.backoff_base_ms = Set(v);
    }
    if let Some(v) = patch.backoff_max_ms {
        am.backoff_max_ms = Set(v);
    }
    if let Some(v) = patch.request_timeout_ms {
        am.request_timeout_ms = Set(v);
    }
    if let Some(v) = patch.follow_max_ms {
        am.follow_max_ms = Set(v);
    }
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}

// ---------------------------------------------------------------------------------------------
// Routing rules

/// A routing rule to create.
#[derive(Clone, Debug)]
pub struct NewRule {
    /// The platform records go to.
    pub platform_id: String,
    /// A category id, or any.
    pub category_id: Option<String>,
    /// A division-code prefix (2, 4 or 6 digits) of the seller's region, or any.
    pub jurisdiction: Option<String>,
    /// Record kinds (`receipt`, `sale`, …), or any.
    pub record_kinds: Option<Vec<String>>,
}

/// Creates a routing rule (for an existing platform).
pub async fn create_rule(
    db: &impl ConnectionTrait,
    new: NewRule,
) -> Result<routing_rule::Model, StoreError> {
    get_platform(db, &new.platform_id).await?;
    let kinds = match &new.record_kinds {
        Some(k) => Some(serde_json::to_string(k).map_err(|e| StoreError::Corrupt(e.to_string()))?),
        None => None,
    };
    Ok(routing_rule::ActiveModel {
        id: Set(suyuan_core::ids::RoutingRuleId::generate().into()),
        platform_id: Set(new.platform_id),
        category_id: Set(new.category_id),
        jurisdiction: Set(new.jurisdiction),
        record_kinds: Set(kinds),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}

/// The routing rules, optionally of one platform, oldest first.
pub async fn list_rules(
    db: &impl ConnectionTrait,
    platform_id: Option<&str>,
) -> Result<Vec<routing_rule::Model>, StoreError> {
    let mut q = routing_rule::Entity::find()
        .order_by_asc(routing_rule::Column::CreatedAt)
        .order_by_asc(routing_rule::Column::Id);
    if let Some(p) = platform_id {
        q = q.filter(routing_rule::Column::PlatformId.eq(p));
    }
    Ok(q.all(db).await?)
}

/// Deletes a routing rule. Submissions already made stay.
pub async fn delete_rule(db: &impl ConnectionTrait, id: &str) -> Result<(), StoreError> {
    let res = routing_rule::Entity::delete_by_id(id).exec(db).await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound("routing rule"));
    }
    Ok(())
}

/// The record kinds of a rule (`None`: any).
pub fn rule_kinds(rule: &routing_rule::Model) -> Option<Vec<String>> {
    rule.record_kinds
        .as_deref()
        .and_then(|k| serde_json::from_str(k).ok())
}

/// Whether a rule matches a record of `category` and `kind` by a seller registered in
/// `seller_division`.
pub fn rule_matches(
    rule: &routing_rule::Model,
    kinds: Option<&[String]>,
    category: Option<&str>,
    kind: &str,
    seller_division: &str,
) -> bool {
    let category_ok = match &rule.category_id {
        None => true,
        Some(c) => category == Some(c.as_str()),
    };
    let region_ok = match &rule.jurisdiction {
        None => true,
        Some(prefix) => seller_division.starts_with(prefix.as_str()),
    };
    let kind_ok = match kinds {
        None => true,
        Some(list) => list.iter().any(|k| k == kind),
    };
    category_ok && region_ok && kind_ok
}

// ---------------------------------------------------------------------------------------------
// Credentials

/// Sets (or replaces) the seller's credential for a platform, sealed; submissions held for want
/// of it are released in the same transaction. Returns how many were released.
pub async fn put_credential(
    db: &DatabaseConnection,
    key: &SecretKey,
    seller: &SellerId,
    platform_id: &str,
    value: &str,
) -> Result<u64, StoreError> {
    get_platform(db, platform_id).await?;
    let now = Utc::now();
    let txn = db.begin().await?;
    platform_credential::Entity::insert(platform_credential::ActiveModel {
        seller_id: Set(seller.to_string()),
        platform_id: Set(platform_id.to_owned()),
        value_ciphertext: Set(key.seal(
            value.as_bytes(),
            crate::sealed::platform_credential(&crate::sealed::credential_row(
                seller.as_str(),
                platform_id,
            )),
        )),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            platform_credential::Column::SellerId,
            platform_credential::Column::PlatformId,
        ])
        .update_columns([
            platform_credential::Column::ValueCiphertext,
            platform_credential::Column::UpdatedAt,
        ])
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    let released = submission::Entity::update_many()
        .col_expr(submission::Column::Status, status::PENDING.into())
        .col_expr(submission::Column::NextAttemptAt, now.into())
        .col_expr(submission::Column::UpdatedAt, now.into())
        .filter(submission::Column::SellerId.eq(seller.as_str()))
        .filter(submission::Column::PlatformId.eq(platform_id))
        .filter(submission::Column::Status.eq(status::NEEDS_CREDENTIALS))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(released)
}

/// Removes the seller's credential for a platform.
pub async fn delete_credential(
    db: &impl ConnectionTrait,
    seller: &SellerId,
    platform_id: &str,
) -> Result<(), StoreError> {
    let res = platform_credential::Entity::delete_many()
        .filter(platform_credential::Column::SellerId.eq(seller.as_str()))
        .filter(platform_credential::Column::PlatformId.eq(platform_id))
        .exec(db)
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound("credential"));
    }
    Ok(())
}

/// The platforms the seller has given credentials for.
pub async fn credential_platforms(
    db: &impl ConnectionTrait,
    seller: &SellerId,
) -> Result<HashSet<String>, StoreError> {
    let ids: Vec<String> = platform_credential::Entity::find()
        .select_only()
        .column(platform_credential::Column::PlatformId)
        .filter(platform_credential::Column::SellerId.eq(seller.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}

/// The sealed credentials of these (seller, platform) pairs.
pub async fn sealed_credentials(
    db: &impl ConnectionTrait,
    pairs: &[(String, String)],
) -> Result<HashMap<(String, String), String>, StoreError> {
    let sellers: HashSet<&str> = pairs.iter().map(|(s, _)| s.as_str()).collect();
    if sellers.is_empty() {
        return Ok(HashMap::new());
    }
    let wanted: HashSet<&(String, String)> = pairs.iter().collect();
    let rows = platform_credential::Entity::find()
        .filter(platform_credential::Column::SellerId.is_in(sellers))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|r| wanted.contains(&(r.seller_id.clone(), r.platform_id.clone())))
        .map(|r| ((r.seller_id, r.platform_id), r.value_ciphertext))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(category: Option<&str>, jurisdiction: Option<&str>) -> routing_rule::Model {
        routing_rule::Model {
            id: "rte_1".into(),
            platform_id: "plt_1".into(),
            category_id: category.map(str::to_owned),
            jurisdiction: jurisdiction.map(str::to_owned),
            record_kinds: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_rule_matches_by_category_jurisdiction_prefix_and_kind() {
        let r = rule(Some("ebike"), Some("44"));
        assert!(rule_matches(&r, None, Some("ebike"), "sale", "440104"));
        assert!(!rule_matches(&r, None, Some("ebike"), "sale", "330106"));
        assert!(!rule_matches(
            &r,
            None,
            Some("wire_cable"),
            "sale",
            "440104"
        ));
        assert!(!rule_matches(&r, None, None, "sale", "440104"));
        let kinds = vec!["receipt".to_owned()];
        assert!(!rule_matches(
            &r,
            Some(&kinds),
            Some("ebike"),
            "sale",
            "440104"
        ));
        assert!(rule_matches(
            &r,
            Some(&kinds),
            Some("ebike"),
            "receipt",
            "440104"
        ));
    }

    #[test]
    fn a_rule_without_conditions_matches_every_record() {
        let r = rule(None, None);
        assert!(rule_matches(&r, None, None, "correction", "110101"));
    }
}

//! Submissions to trace platforms: the platform registry, routing rules, sellers' sealed
//! credentials, the router that turns trace events into outbox rows, the outbox itself (claimed
//! by workers, retried, dead-lettered, replayed) and the submission ledger read from it.
//!
//! # Routing
//!
//! The ledger's append path is not touched. A *router* reads each seller's chain after a durable
//! cursor (the last routed `seq`), and in one transaction with the cursor's advance writes one
//! submission per matching platform, keyed by (event, platform) (unique: the idempotency key).
//! Events are durable before they are routed, so a crash loses nothing: the next pass starts
//! where the committed cursor says. One router runs at a time (it locks the cursor row `*`
//! first), on SQLite and on any number of PostgreSQL instances.
//!
//! A record goes to every enabled platform with a rule matching its category (or any), the
//! seller's registered region (a division-code prefix, or any) and its record kind (or any). A
//! correction (an error declaration or a corrective event, both carrying `corrects_id`) also goes
//! to every platform that has a submission for the original record, whatever the rules say now.
//!
//! # Order
//!
//! - Per seller and platform, submissions are sent in chain order: one is not claimed while an
//!   earlier one of the same seller to the same platform is `pending`, `sending` or
//!   `needs_credentials`. So every code of one seller reaches a platform in the order recorded.
//! - Across sellers, a submission naming a code is not claimed while an earlier-routed
//!   submission of another seller to the same platform naming the same code is `pending` or
//!   `sending` (A's sale of a unit is sent before B's receipt of it, when A's sale was routed
//!   first). Another seller's `needs_credentials` rows do not block: one seller's missing
//!   credentials never hold up another seller.
//! - `accepted`, `rejected` and `dead` rows block nothing. A dead or rejected submission that is
//!   replayed is sent after the later ones that went on meanwhile; the platform sees it late (its
//!   `eventTime` still says when it happened).

use super::{StoreError, is_unique_violation};
use crate::entity::{
    platform, platform_credential, routing_rule, seller, submission, submission_cursor, trace_event,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement, TransactionTrait,
};
use std::collections::{BTreeMap, HashMap, HashSet};
use suyuan_core::ids::SellerId;
use suyuan_core::secrets::SecretKey;

/// Submission states.
pub mod status {
    /// Waiting to be sent (or for its next attempt).
    pub const PENDING: &str = "pending";
    /// Claimed by a worker, being sent.
    pub const SENDING: &str = "sending";
    /// Held: the platform needs the seller's credentials and the seller has given none.
    pub const NEEDS_CREDENTIALS: &str = "needs_credentials";
    /// The platform took it.
    pub const ACCEPTED: &str = "accepted";
    /// The platform refused it for good (with its reason); replayable.
    pub const REJECTED: &str = "rejected";
    /// Given up after the retry budget (with the last reason); replayable.
    pub const DEAD: &str = "dead";
    /// Every state, for validating filters.
    pub const ALL: [&str; 6] = [
        PENDING,
        SENDING,
        NEEDS_CREDENTIALS,
        ACCEPTED,
        REJECTED,
        DEAD,
    ];
}

/// Why a submission was made.
pub mod routed_by {
    /// A routing rule matched the record.
    pub const RULE: &str = "rule";
    /// The record corrects one the platform has.
    pub const CORRECTION: &str = "correction";
    /// An operator sent records made before the platform (or its rule) was registered.
    pub const BACKFILL: &str = "backfill";
}

/// The cursor row the router locks before reading, so one router runs at a time.
const ROUTER_LOCK_ROW: &str = "*";

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

fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", ulid::Ulid::new())
}

/// Registers a platform.
pub async fn create_platform(
    db: &impl ConnectionTrait,
    new: NewPlatform,
) -> Result<platform::Model, StoreError> {
    let now = Utc::now();
    let code = new.code.clone();
    platform::ActiveModel {
        id: Set(new_id("plt")),
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
        id: Set(new_id("rte")),
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
        value_ciphertext: Set(key.seal(value.as_bytes())),
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

// ---------------------------------------------------------------------------------------------
// The router

/// What one router pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RouteReport {
    /// Events read (the cursors moved past them).
    pub events: usize,
    /// Submissions written.
    pub submissions: usize,
}

/// An event as the router needs it.
struct Routable {
    id: String,
    seller_id: String,
    seq: i64,
    record_kind: String,
    category: Option<String>,
    corrects: Option<String>,
    order_key: u64,
}

/// Routes events recorded since each seller's cursor: one transaction that writes their
/// submissions and moves the cursors. At most `max_sellers` sellers and `max_events` events of
/// each are read per pass; call again while it reports events.
pub async fn route_pass(
    db: &DatabaseConnection,
    max_sellers: u64,
    max_events: u64,
) -> Result<RouteReport, StoreError> {
    let backend = db.get_database_backend();
    let pending_sql = |limit: u64| {
        format!(
            "SELECT s.id AS id, s.division_code AS division_code, COALESCE(c.last_seq, 0) AS last_seq \
             FROM sellers s LEFT JOIN submission_cursors c ON c.seller_id = s.id \
             WHERE EXISTS (SELECT 1 FROM trace_events e WHERE e.seller_id = s.id AND e.seq > COALESCE(c.last_seq, 0)) \
             ORDER BY s.id LIMIT {}",
            limit.max(1)
        )
    };
    // A read first: an idle pass writes nothing.
    if db
        .query_all_raw(Statement::from_string(backend, pending_sql(1)))
        .await?
        .is_empty()
    {
        return Ok(RouteReport::default());
    }
    let txn = db.begin().await?;
    // The lock first: on SQLite this makes the transaction a writer before it reads; on
    // PostgreSQL a second router waits here and then sees the cursors this one committed.
    submission_cursor::Entity::update_many()
        .col_expr(
            submission_cursor::Column::LastSeq,
            Expr::col(submission_cursor::Column::LastSeq),
        )
        .filter(submission_cursor::Column::SellerId.eq(ROUTER_LOCK_ROW))
        .exec(&txn)
        .await?;
    let sql = pending_sql(max_sellers);
    let sellers = txn
        .query_all_raw(Statement::from_string(backend, sql))
        .await?;
    if sellers.is_empty() {
        txn.commit().await?;
        return Ok(RouteReport::default());
    }
    let mut division: HashMap<String, String> = HashMap::new();
    let mut events: Vec<Routable> = Vec::new();
    let mut cursors: Vec<(String, i64)> = Vec::new();
    for row in sellers {
        let seller_id: String = row.try_get("", "id")?;
        let last: i64 = row.try_get("", "last_seq")?;
        division.insert(seller_id.clone(), row.try_get("", "division_code")?);
        type Cols = (String, i64, String, Option<String>, Option<String>);
        let rows: Vec<Cols> = trace_event::Entity::find()
            .select_only()
            .column(trace_event::Column::Id)
            .column(trace_event::Column::Seq)
            .column(trace_event::Column::RecordKind)
            .column(trace_event::Column::CategoryId)
            .column(trace_event::Column::CorrectsId)
            .filter(trace_event::Column::SellerId.eq(seller_id.as_str()))
            .filter(trace_event::Column::Seq.gt(last))
            .order_by_asc(trace_event::Column::Seq)
            .limit(max_events.max(1))
            .into_tuple()
            .all(&txn)
            .await?;
        let mut running = 0u64;
        for (id, seq, record_kind, category, corrects) in rows {
            // The record time of the id's ULID, never decreasing along the chain, so sorting
            // by it keeps each seller's chain order and interleaves sellers by time.
            let ms = id
                .strip_prefix("evt_")
                .and_then(|u| ulid::Ulid::from_string(u).ok())
                .map_or(0, |u| u.timestamp_ms());
            running = running.max(ms);
            events.push(Routable {
                id,
                seller_id: seller_id.clone(),
                seq,
                record_kind,
                category,
                corrects,
                order_key: running,
            });
        }
        if let Some(max) = events
            .iter()
            .filter(|e| e.seller_id == seller_id)
            .map(|e| e.seq)
            .max()
        {
            cursors.push((seller_id, max));
        }
    }
    events.sort_by(|a, b| {
        (a.order_key, &a.seller_id, a.seq).cmp(&(b.order_key, &b.seller_id, b.seq))
    });

    let platforms: HashMap<String, platform::Model> = platform::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let rules: Vec<(routing_rule::Model, Option<Vec<String>>)> = routing_rule::Entity::find()
        .order_by_asc(routing_rule::Column::Id)
        .all(&txn)
        .await?
        .into_iter()
        .filter(|r| platforms.get(&r.platform_id).is_some_and(|p| p.enabled))
        .map(|r| {
            let kinds = rule_kinds(&r);
            (r, kinds)
        })
        .collect();
    // Platforms that have the corrected records (from earlier passes; this pass's own
    // submissions are added as they are made).
    let corrected: Vec<String> = events.iter().filter_map(|e| e.corrects.clone()).collect();
    let mut had: HashMap<String, Vec<String>> = HashMap::new();
    for chunk in corrected.chunks(500) {
        let rows: Vec<(String, String)> = submission::Entity::find()
            .select_only()
            .column(submission::Column::EventId)
            .column(submission::Column::PlatformId)
            .filter(submission::Column::EventId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(&txn)
            .await?;
        for (event, platform) in rows {
            had.entry(event).or_default().push(platform);
        }
    }
    let seller_ids: Vec<String> = division.keys().cloned().collect();
    let creds: HashSet<(String, String)> = platform_credential::Entity::find()
        .select_only()
        .column(platform_credential::Column::SellerId)
        .column(platform_credential::Column::PlatformId)
        .filter(platform_credential::Column::SellerId.is_in(seller_ids))
        .into_tuple()
        .all(&txn)
        .await?
        .into_iter()
        .collect();

    let now = Utc::now();
    let mut rows = Vec::new();
    for e in &events {
        let seller_division = division.get(&e.seller_id).map_or("", String::as_str);
        // Platform id → why; a BTreeMap keeps the submissions of one event in a stable order.
        let mut targets: BTreeMap<&str, &str> = BTreeMap::new();
        for (rule, kinds) in &rules {
            if rule_matches(
                rule,
                kinds.as_deref(),
                e.category.as_deref(),
                &e.record_kind,
                seller_division,
            ) {
                targets.insert(rule.platform_id.as_str(), routed_by::RULE);
            }
        }
        let mut from_corrections: Vec<String> = Vec::new();
        if let Some(original) = &e.corrects {
            for p in had.get(original).into_iter().flatten() {
                from_corrections.push(p.clone());
            }
        }
        for p in &from_corrections {
            targets.entry(p.as_str()).or_insert(routed_by::CORRECTION);
        }
        let mut made: Vec<String> = Vec::new();
        for (platform_id, why) in targets {
            let Some(p) = platforms.get(platform_id) else {
                continue;
            };
            let held = p.requires_credentials
                && !creds.contains(&(e.seller_id.clone(), platform_id.to_owned()));
            rows.push(new_submission(
                &e.seller_id,
                platform_id,
                (&e.id, e.seq, &e.record_kind),
                why,
                held,
                now,
            ));
            made.push(platform_id.to_owned());
        }
        if !made.is_empty() {
            had.entry(e.id.clone()).or_default().extend(made);
        }
    }
    let written = rows.len();
    insert_new(&txn, rows).await?;
    for (seller_id, last_seq) in &cursors {
        submission_cursor::Entity::insert(submission_cursor::ActiveModel {
            seller_id: Set(seller_id.clone()),
            last_seq: Set(*last_seq),
        })
        .on_conflict(
            OnConflict::column(submission_cursor::Column::SellerId)
                .update_column(submission_cursor::Column::LastSeq)
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(RouteReport {
        events: events.len(),
        submissions: written,
    })
}

/// A new submission of an event `(id, seq, record kind)` to a platform: pending, or held for
/// the seller's credentials.
fn new_submission(
    seller_id: &str,
    platform_id: &str,
    (event_id, seq, record_kind): (&str, i64, &str),
    why: &str,
    held: bool,
    now: DateTime<Utc>,
) -> submission::ActiveModel {
    submission::ActiveModel {
        seller_id: Set(seller_id.to_owned()),
        platform_id: Set(platform_id.to_owned()),
        event_id: Set(event_id.to_owned()),
        seq: Set(seq),
        record_kind: Set(record_kind.to_owned()),
        routed_by: Set(why.to_owned()),
        idempotency_key: Set(idempotency_key(event_id, platform_id)),
        status: Set(if held {
            status::NEEDS_CREDENTIALS
        } else {
            status::PENDING
        }
        .to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        last_http_status: Set(None),
        receipt: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        accepted_at: Set(None),
        ..Default::default()
    }
}

/// Inserts submissions, leaving any (event, platform) that already has one as it is; returns
/// how many were new.
async fn insert_new(
    db: &impl ConnectionTrait,
    rows: Vec<submission::ActiveModel>,
) -> Result<u64, StoreError> {
    let mut inserted = 0;
    for chunk in rows.chunks(200) {
        inserted += submission::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([submission::Column::EventId, submission::Column::PlatformId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(inserted)
}

/// What a backfill did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackfillReport {
    /// Records looked at.
    pub events: u64,
    /// Submissions written (records the platform did not have yet).
    pub submissions: u64,
}

/// Records read per page of a backfill.
const BACKFILL_PAGE: u64 = 1000;

/// Sends a platform the records made before it (or the rule that matches them) was registered:
/// every record the router has already passed (at or before each seller's cursor; later ones are
/// the router's) that the platform's current rules match, recorded at or after `since`. A
/// record the platform already has keeps its submission (the idempotency key is unique), so a
/// backfill can be run again safely. Within each seller's stream the older records are sent
/// first (streams go in chain order), and a seller without the credentials the platform needs
/// has its records held as `needs_credentials`, like any other.
pub async fn backfill(
    db: &impl ConnectionTrait,
    platform_id: &str,
    since: Option<DateTime<Utc>>,
) -> Result<BackfillReport, StoreError> {
    let platform = get_platform(db, platform_id).await?;
    let rules: Vec<(routing_rule::Model, Option<Vec<String>>)> = list_rules(db, Some(platform_id))
        .await?
        .into_iter()
        .map(|r| {
            let kinds = rule_kinds(&r);
            (r, kinds)
        })
        .collect();
    let mut report = BackfillReport::default();
    if rules.is_empty() {
        return Ok(report);
    }
    let backend = db.get_database_backend();
    let sellers = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT s.id AS id, s.division_code AS division_code, c.last_seq AS last_seq \
             FROM sellers s JOIN submission_cursors c ON c.seller_id = s.id \
             WHERE c.last_seq > 0 ORDER BY s.id",
        ))
        .await?;
    let with_credentials: HashSet<String> = platform_credential::Entity::find()
        .select_only()
        .column(platform_credential::Column::SellerId)
        .filter(platform_credential::Column::PlatformId.eq(platform_id))
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    for row in sellers {
        let seller_id: String = row.try_get("", "id")?;
        let division: String = row.try_get("", "division_code")?;
        let last: i64 = row.try_get("", "last_seq")?;
        let held = platform.requires_credentials && !with_credentials.contains(&seller_id);
        let mut after = 0i64;
        loop {
            type Cols = (String, i64, String, Option<String>);
            let mut q = trace_event::Entity::find()
                .select_only()
                .column(trace_event::Column::Id)
                .column(trace_event::Column::Seq)
                .column(trace_event::Column::RecordKind)
                .column(trace_event::Column::CategoryId)
                .filter(trace_event::Column::SellerId.eq(seller_id.as_str()))
                .filter(trace_event::Column::Seq.gt(after))
                .filter(trace_event::Column::Seq.lte(last));
            if let Some(t) = since {
                q = q.filter(trace_event::Column::RecordTime.gte(t));
            }
            let page: Vec<Cols> = q
                .order_by_asc(trace_event::Column::Seq)
                .limit(BACKFILL_PAGE)
                .into_tuple()
                .all(db)
                .await?;
            let Some(last_read) = page.last().map(|e| e.1) else {
                break;
            };
            report.events += page.len() as u64;
            let now = Utc::now();
            let rows: Vec<submission::ActiveModel> = page
                .into_iter()
                .filter(|(_, _, kind, category)| {
                    rules.iter().any(|(rule, kinds)| {
                        rule_matches(rule, kinds.as_deref(), category.as_deref(), kind, &division)
                    })
                })
                .map(|(id, seq, kind, _)| {
                    new_submission(
                        &seller_id,
                        platform_id,
                        (&id, seq, &kind),
                        routed_by::BACKFILL,
                        held,
                        now,
                    )
                })
                .collect();
            report.submissions += insert_new(db, rows).await?;
            after = last_read;
        }
    }
    Ok(report)
}

/// The idempotency key of an event's submission to a platform: the same on every attempt and
/// every replay, different for every (event, platform).
pub fn idempotency_key(event_id: &str, platform_id: &str) -> String {
    format!("{event_id}.{platform_id}")
}

// ---------------------------------------------------------------------------------------------
// The outbox

fn placeholders(backend: DbBackend, n: usize) -> Vec<String> {
    (1..=n)
        .map(|i| {
            if backend == DbBackend::Postgres {
                format!("${i}")
            } else {
                "?".to_owned()
            }
        })
        .collect()
}

/// How many due stream heads one claim looks at.
const HEAD_WINDOW: u64 = 4096;

/// Claims up to `limit` submissions that may be sent now, for `lease`: pending ones whose time
/// has come and that nothing earlier holds back (see the module's notes on order), and `sending`
/// ones whose lease ran out (their worker died). Each claim counts as an attempt.
pub async fn claim(
    db: &impl ConnectionTrait,
    limit: u64,
    lease: Duration,
) -> Result<Vec<submission::Model>, StoreError> {
    let backend = db.get_database_backend();
    let pg = backend == DbBackend::Postgres;
    let p = placeholders(backend, 5);
    let lock = if pg {
        "FOR UPDATE OF s SKIP LOCKED"
    } else {
        ""
    };
    // Only the head of each stream (the lowest open `seq` of a seller to a platform) can be
    // sent; the heads are found from the partial index of open rows, so the costlier check
    // (another seller's open submission naming one of the same codes) runs for heads only.
    let sql = format!(
        "UPDATE submissions SET status = 'sending', locked_until = {p0}, attempts = attempts + 1, updated_at = {p1} \
         WHERE id IN (SELECT s.id FROM submissions s \
           WHERE s.id IN (SELECT hs.id FROM submissions hs \
               JOIN (SELECT o.platform_id, o.seller_id, MIN(o.seq) AS seq FROM submissions o \
                     WHERE o.status IN ('pending', 'sending', 'needs_credentials') \
                     GROUP BY o.platform_id, o.seller_id) h \
                 ON h.platform_id = hs.platform_id AND h.seller_id = hs.seller_id AND h.seq = hs.seq \
               WHERE ((hs.status = 'pending' AND hs.next_attempt_at <= {p2}) OR (hs.status = 'sending' AND hs.locked_until < {p3})) \
                 AND hs.platform_id IN (SELECT pl.id FROM platforms pl WHERE pl.enabled) \
               ORDER BY hs.id LIMIT {heads}) \
             AND NOT EXISTS (SELECT 1 FROM trace_event_codes sc \
               JOIN trace_event_codes bc ON bc.code = sc.code \
               JOIN submissions b ON b.event_id = bc.event_id \
               WHERE sc.event_id = s.event_id AND b.platform_id = s.platform_id \
                 AND b.seller_id <> s.seller_id AND b.id < s.id AND b.status IN ('pending', 'sending')) \
           ORDER BY s.id LIMIT {p4} {lock}) \
         RETURNING *",
        p0 = p[0],
        p1 = p[1],
        p2 = p[2],
        p3 = p[3],
        p4 = p[4],
        // The heads due now (the LIMIT also keeps the planner from flattening this, so the
        // code check runs on heads only).
        heads = HEAD_WINDOW,
    );
    let now = Utc::now();
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let stmt = Statement::from_sql_and_values(
        backend,
        sql,
        [
            (now + lease).into(),
            now.into(),
            now.into(),
            now.into(),
            limit.into(),
        ],
    );
    let mut rows = submission::Entity::find()
        .from_raw_sql(stmt)
        .all(db)
        .await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// How a claimed submission ended this time.
#[derive(Clone, Debug, PartialEq)]
pub enum Finish {
    /// The platform took it.
    Accepted {
        /// Its capture or record id.
        receipt: Option<String>,
    },
    /// The platform refused it for good.
    Rejected {
        /// The HTTP status, when a status said so.
        http_status: Option<u16>,
        /// Why.
        reason: String,
    },
    /// Another attempt at `at`.
    Retry {
        /// What went wrong this time.
        reason: String,
        /// When to try again.
        at: DateTime<Utc>,
    },
    /// The retry budget is spent.
    Dead {
        /// The last reason.
        reason: String,
    },
    /// Held until the seller gives credentials (the attempt is not counted).
    NeedsCredentials,
    /// The platform refused the seller's credential (401 or 403): held until the seller sets
    /// it again, like [`Finish::NeedsCredentials`] (the attempt is not counted), with the
    /// platform's answer kept so the seller sees why.
    CredentialRefused {
        /// The HTTP status.
        http_status: u16,
        /// The platform's answer.
        reason: String,
    },
}

/// Records what became of a claimed submission. Returns `false` when the claim was lost (its
/// lease ran out and another worker took it over), in which case nothing is written.
pub async fn finish(
    db: &impl ConnectionTrait,
    claimed: &submission::Model,
    how: Finish,
) -> Result<bool, StoreError> {
    let now = Utc::now();
    let mut q = submission::Entity::update_many()
        .col_expr(submission::Column::UpdatedAt, now.into())
        .col_expr(
            submission::Column::LockedUntil,
            Option::<DateTime<Utc>>::None.into(),
        );
    let cut = |s: &str| -> String { s.chars().take(2000).collect() };
    q = match how {
        Finish::Accepted { receipt } => q
            .col_expr(submission::Column::Status, status::ACCEPTED.into())
            .col_expr(
                submission::Column::Receipt,
                receipt
                    .map(|r| r.chars().take(255).collect::<String>())
                    .into(),
            )
            .col_expr(submission::Column::LastError, Option::<String>::None.into())
            .col_expr(submission::Column::AcceptedAt, Some(now).into()),
        Finish::Rejected {
            http_status,
            reason,
        } => q
            .col_expr(submission::Column::Status, status::REJECTED.into())
            .col_expr(
                submission::Column::LastHttpStatus,
                http_status.map(i32::from).into(),
            )
            .col_expr(submission::Column::LastError, Some(cut(&reason)).into()),
        Finish::Retry { reason, at } => q
            .col_expr(submission::Column::Status, status::PENDING.into())
            .col_expr(submission::Column::NextAttemptAt, at.into())
            .col_expr(submission::Column::LastError, Some(cut(&reason)).into()),
        Finish::Dead { reason } => q
            .col_expr(submission::Column::Status, status::DEAD.into())
            .col_expr(submission::Column::LastError, Some(cut(&reason)).into()),
        Finish::NeedsCredentials => q
            .col_expr(submission::Column::Status, status::NEEDS_CREDENTIALS.into())
            .col_expr(
                submission::Column::Attempts,
                (claimed.attempts - 1).max(0).into(),
            )
            .col_expr(
                submission::Column::LastError,
                Some("the platform needs the seller's credentials".to_owned()).into(),
            ),
        Finish::CredentialRefused {
            http_status,
            reason,
        } => q
            .col_expr(submission::Column::Status, status::NEEDS_CREDENTIALS.into())
            .col_expr(
                submission::Column::Attempts,
                (claimed.attempts - 1).max(0).into(),
            )
            .col_expr(
                submission::Column::LastHttpStatus,
                Some(i32::from(http_status)).into(),
            )
            .col_expr(
                submission::Column::LastError,
                Some(cut(&format!(
                    "the platform refused the seller's credential (HTTP {http_status}); set it again: {reason}"
                )))
                .into(),
            ),
    };
    let res = q
        .filter(submission::Column::Id.eq(claimed.id))
        .filter(submission::Column::Status.eq(status::SENDING))
        .filter(submission::Column::Attempts.eq(claimed.attempts))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// What a worker needs to send claimed submissions: their events' documents, their sellers'
/// credit codes, the platforms, and the sealed credentials.
#[derive(Default)]
pub struct SendContext {
    /// Event id → (canonical EPCIS JSON of the event).
    pub documents: HashMap<String, String>,
    /// Seller id → credit code.
    pub credit_codes: HashMap<String, String>,
    /// Platform id → platform.
    pub platforms: HashMap<String, platform::Model>,
    /// (seller, platform) → sealed credential.
    pub credentials: HashMap<(String, String), String>,
}

/// Loads the [`SendContext`] of claimed submissions, in a few queries.
pub async fn send_context(
    db: &impl ConnectionTrait,
    claimed: &[submission::Model],
) -> Result<SendContext, StoreError> {
    let event_ids: Vec<String> = claimed.iter().map(|s| s.event_id.clone()).collect();
    let seller_ids: HashSet<String> = claimed.iter().map(|s| s.seller_id.clone()).collect();
    let platform_ids: HashSet<String> = claimed.iter().map(|s| s.platform_id.clone()).collect();
    let mut documents = HashMap::new();
    for chunk in event_ids.chunks(500) {
        let rows: Vec<(String, String)> = trace_event::Entity::find()
            .select_only()
            .column(trace_event::Column::Id)
            .column(trace_event::Column::Document)
            .filter(trace_event::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        documents.extend(rows);
    }
    let credit_codes: HashMap<String, String> = seller::Entity::find()
        .select_only()
        .column(seller::Column::Id)
        .column(seller::Column::CreditCode)
        .filter(seller::Column::Id.is_in(seller_ids))
        .into_tuple::<(String, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let platforms = platform::Entity::find()
        .filter(platform::Column::Id.is_in(platform_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let pairs: Vec<(String, String)> = claimed
        .iter()
        .map(|s| (s.seller_id.clone(), s.platform_id.clone()))
        .collect();
    let credentials = sealed_credentials(db, &pairs).await?;
    Ok(SendContext {
        documents,
        credit_codes,
        platforms,
        credentials,
    })
}

// ---------------------------------------------------------------------------------------------
// The submission ledger

/// Filters of the submission ledger.
#[derive(Clone, Debug, Default)]
pub struct LedgerFilter {
    /// Only this seller's (required for sellers; `None` for an admin reading all).
    pub seller: Option<SellerId>,
    /// Only this state.
    pub status: Option<String>,
    /// Only this platform.
    pub platform_id: Option<String>,
    /// Only this event.
    pub event_id: Option<String>,
    /// Keyset pagination: ids after this one.
    pub after: Option<i64>,
    /// Page size.
    pub limit: u64,
}

/// Submissions matching the filter, in routing order.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &LedgerFilter,
) -> Result<Vec<submission::Model>, StoreError> {
    let mut q = submission::Entity::find()
        .order_by_asc(submission::Column::Id)
        .limit(f.limit);
    if let Some(s) = &f.seller {
        q = q.filter(submission::Column::SellerId.eq(s.as_str()));
    }
    if let Some(s) = &f.status {
        q = q.filter(submission::Column::Status.eq(s.as_str()));
    }
    if let Some(p) = &f.platform_id {
        q = q.filter(submission::Column::PlatformId.eq(p.as_str()));
    }
    if let Some(e) = &f.event_id {
        q = q.filter(submission::Column::EventId.eq(e.as_str()));
    }
    if let Some(a) = f.after {
        q = q.filter(submission::Column::Id.gt(a));
    }
    Ok(q.all(db).await?)
}

/// Whether the event exists and is the seller's (or exists at all, for `None`).
pub async fn event_visible(
    db: &impl ConnectionTrait,
    seller: Option<&SellerId>,
    event_id: &str,
) -> Result<bool, StoreError> {
    let mut q = trace_event::Entity::find().filter(trace_event::Column::Id.eq(event_id));
    if let Some(s) = seller {
        q = q.filter(trace_event::Column::SellerId.eq(s.as_str()));
    }
    Ok(q.count(db).await? > 0)
}

/// Puts a dead or rejected submission back in the queue (the seller's own, or any for `None`).
pub async fn replay_one(
    db: &impl ConnectionTrait,
    seller: Option<&SellerId>,
    id: i64,
) -> Result<submission::Model, StoreError> {
    let now = Utc::now();
    let mut q = replay_update(now)
        .filter(submission::Column::Id.eq(id))
        .filter(submission::Column::Status.is_in([status::DEAD, status::REJECTED]));
    if let Some(s) = seller {
        q = q.filter(submission::Column::SellerId.eq(s.as_str()));
    }
    if q.exec(db).await?.rows_affected == 0 {
        return Err(StoreError::NotFound("dead or rejected submission"));
    }
    submission::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound("submission"))
}

/// Puts every dead submission to a platform back in the queue (the seller's own, or all for
/// `None`). Returns how many.
pub async fn replay_dead(
    db: &impl ConnectionTrait,
    seller: Option<&SellerId>,
    platform_id: &str,
) -> Result<u64, StoreError> {
    get_platform(db, platform_id).await?;
    let mut q = replay_update(Utc::now())
        .filter(submission::Column::PlatformId.eq(platform_id))
        .filter(submission::Column::Status.eq(status::DEAD));
    if let Some(s) = seller {
        q = q.filter(submission::Column::SellerId.eq(s.as_str()));
    }
    Ok(q.exec(db).await?.rows_affected)
}

fn replay_update(now: DateTime<Utc>) -> sea_orm::UpdateMany<submission::Entity> {
    submission::Entity::update_many()
        .col_expr(submission::Column::Status, status::PENDING.into())
        .col_expr(submission::Column::Attempts, 0.into())
        .col_expr(submission::Column::NextAttemptAt, now.into())
        .col_expr(submission::Column::LastError, Option::<String>::None.into())
        .col_expr(
            submission::Column::LastHttpStatus,
            Option::<i32>::None.into(),
        )
        .col_expr(submission::Column::UpdatedAt, now.into())
}

/// Counts submissions by state (for metrics and tests).
pub async fn count_by_status(
    db: &impl ConnectionTrait,
) -> Result<BTreeMap<String, u64>, StoreError> {
    let rows: Vec<(String, i64)> = submission::Entity::find()
        .select_only()
        .column(submission::Column::Status)
        .column_as(submission::Column::Id.count(), "n")
        .group_by(submission::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(s, n)| (s, u64::try_from(n).unwrap_or(0)))
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

    #[test]
    fn idempotency_keys_differ_per_platform_and_repeat_per_event() {
        assert_eq!(
            idempotency_key("evt_1", "plt_a"),
            idempotency_key("evt_1", "plt_a")
        );
        assert_ne!(
            idempotency_key("evt_1", "plt_a"),
            idempotency_key("evt_1", "plt_b")
        );
    }
}

//! Suspicious codes (可疑码). A unit code received twice by one seller, received while another
//! seller holds it unsold, or sold (or packed) by a seller who never received it, is flagged here
//! instead of being silently accepted or silently refused. Flags are kept per seller, code and
//! reason with a count, so a supervisor sees patterns (one code turning up again and again) and a
//! seller sees what to check.

use super::StoreError;
use crate::entity::code_flag;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use suyuan_core::division::Jurisdiction;
use suyuan_core::ids::SellerId;

/// Why a code is suspicious.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagReason {
    /// This seller received the code before and has not sold it since.
    ReceivedTwice,
    /// Another seller received the code and never sold it.
    ReceivedByAnotherSeller,
    /// This seller tried to sell or pack a code it never received.
    SoldNeverReceived,
    /// This seller tried to sell a code it already sold.
    AlreadySold,
    /// This seller recorded a receipt of a unit that does not fit the unit's chain of custody
    /// (its holder never shipped it to this seller, or it is dated before that shipment).
    OutsideCustodyChain,
}

impl FlagReason {
    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            FlagReason::ReceivedTwice => "received_twice",
            FlagReason::ReceivedByAnotherSeller => "received_by_another_seller",
            FlagReason::SoldNeverReceived => "sold_never_received",
            FlagReason::AlreadySold => "already_sold",
            FlagReason::OutsideCustodyChain => "outside_custody_chain",
        }
    }

    /// Parses a stored or requested name.
    pub fn parse(s: &str) -> Option<FlagReason> {
        [
            FlagReason::ReceivedTwice,
            FlagReason::ReceivedByAnotherSeller,
            FlagReason::SoldNeverReceived,
            FlagReason::AlreadySold,
            FlagReason::OutsideCustodyChain,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }

    /// What it means and what to do, in Chinese.
    pub fn message_zh(self) -> &'static str {
        match self {
            FlagReason::ReceivedTwice => {
                "此码已在本店入库且未售出，又一次入库：可能重复登记或为仿冒码，请核对实物"
            }
            FlagReason::ReceivedByAnotherSeller => {
                "此码已由其他销售者入库且未见售出记录：可能为仿冒码，请向供货商核实"
            }
            FlagReason::SoldNeverReceived => {
                "此码从未在本店入库却被销售：请先补录进货查验，或核实是否为仿冒码"
            }
            FlagReason::AlreadySold => "此码已售出，又一次销售：可能重复登记或为仿冒码",
            FlagReason::OutsideCustodyChain => {
                "此入库记录与此码的流转链不符：持有者从未向本店发货，或记录时间早于其发货；请向供货商核实"
            }
        }
    }

    /// What it means and what to do, in English.
    pub fn message_en(self) -> &'static str {
        match self {
            FlagReason::ReceivedTwice => {
                "received again while still in stock here: a duplicate entry or a cloned code; check the goods"
            }
            FlagReason::ReceivedByAnotherSeller => {
                "another seller received this code and never sold it: possibly a cloned code; ask the supplier"
            }
            FlagReason::SoldNeverReceived => {
                "sold but never received here: record the incoming inspection first, or check for a cloned code"
            }
            FlagReason::AlreadySold => {
                "sold again after it was sold: a duplicate entry or a cloned code"
            }
            FlagReason::OutsideCustodyChain => {
                "this receipt does not fit the unit's chain of custody: its holder never shipped it here, or it is dated before that shipment; ask the supplier"
            }
        }
    }
}

/// One sighting of a suspicious code.
#[derive(Clone, Debug)]
pub struct NewFlag {
    /// The code, as rendered by `TraceCode`.
    pub code: String,
    /// Its GTIN-14, when it has one.
    pub gtin: Option<String>,
    /// Why.
    pub reason: FlagReason,
    /// `receipt`, `sale`, `packing` or `import`.
    pub source: &'static str,
    /// The stored record carrying the code, if one was stored.
    pub event_id: Option<String>,
    /// The other seller involved.
    pub other_seller_id: Option<String>,
}

/// Records sightings for `seller` (registered in `region`): a new flag, or one more occurrence of
/// a known one. Runs on the caller's connection or transaction.
pub async fn record(
    conn: &impl ConnectionTrait,
    seller: &SellerId,
    region: &str,
    flags: &[NewFlag],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if flags.is_empty() {
        return Ok(());
    }
    // One statement per sighting keeps the conflict handling portable; flags are rare.
    for f in flags {
        let row = code_flag::ActiveModel {
            seller_id: Set(seller.to_string()),
            seller_region: Set(region.to_owned()),
            code: Set(f.code.clone()),
            gtin: Set(f.gtin.clone()),
            reason: Set(f.reason.as_str().to_owned()),
            source: Set(f.source.to_owned()),
            event_id: Set(f.event_id.clone()),
            other_seller_id: Set(f.other_seller_id.clone()),
            occurrences: Set(1),
            first_seen_at: Set(now),
            last_seen_at: Set(now),
            ..Default::default()
        };
        code_flag::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    code_flag::Column::SellerId,
                    code_flag::Column::Code,
                    code_flag::Column::Reason,
                ])
                .value(
                    code_flag::Column::Occurrences,
                    Expr::col((code_flag::Entity, code_flag::Column::Occurrences)).add(1),
                )
                .value(code_flag::Column::LastSeenAt, Expr::value(now))
                .value(code_flag::Column::Source, Expr::value(f.source))
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Whose flags a caller may read.
#[derive(Clone, Debug)]
pub enum FlagScope {
    /// One seller's.
    Seller(SellerId),
    /// Sellers registered in a jurisdiction.
    Jurisdiction(Jurisdiction),
    /// Everyone's (admins).
    All,
}

/// Filters for [`list`].
#[derive(Clone, Debug, Default)]
pub struct FlagFilter {
    /// Only this reason.
    pub reason: Option<FlagReason>,
    /// Only this code.
    pub code: Option<String>,
    /// Only flags with an id below this (keyset cursor; newest first).
    pub before_id: Option<i64>,
    /// At most this many.
    pub limit: u64,
}

/// Flags in scope, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    scope: &FlagScope,
    filter: &FlagFilter,
) -> Result<Vec<code_flag::Model>, StoreError> {
    let mut q = code_flag::Entity::find();
    q = match scope {
        FlagScope::Seller(s) => q.filter(code_flag::Column::SellerId.eq(s.as_str())),
        FlagScope::Jurisdiction(j) => {
            let p: String = j.as_prefix().chars().filter(char::is_ascii_digit).collect();
            q.filter(code_flag::Column::SellerRegion.like(format!("{p}%")))
        }
        FlagScope::All => q,
    };
    if let Some(r) = filter.reason {
        q = q.filter(code_flag::Column::Reason.eq(r.as_str()));
    }
    if let Some(c) = &filter.code {
        q = q.filter(code_flag::Column::Code.eq(c.as_str()));
    }
    if let Some(b) = filter.before_id {
        q = q.filter(code_flag::Column::Id.lt(b));
    }
    Ok(q.order_by_desc(code_flag::Column::Id)
        .limit(filter.limit)
        .all(conn)
        .await?)
}

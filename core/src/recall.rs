//! What a recall names and what its flow says: the selector (GTIN, batch, serial or code), the
//! rows of the flow (tier, seller, region, customer type, quantity, gap) and the rule that
//! names a gap. Both tracers use these: the in-memory index of `suyuan-analytics` and the
//! recursive query of `suyuan-store`, so their answers read the same.

use crate::codes::{Gtin, TraceCode};
use std::collections::HashSet;

/// What to recall.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    /// Every unit and batch of a GTIN (14 digits).
    Gtin(String),
    /// One batch/lot, of one GTIN when given.
    Batch {
        /// GTIN-14, when known.
        gtin: Option<String>,
        /// Batch/lot.
        batch: String,
    },
    /// One unit, of one GTIN when given.
    Serial {
        /// GTIN-14, when known.
        gtin: Option<String>,
        /// Serial.
        serial: String,
    },
    /// A code that carries neither GTIN nor batch nor serial (an opaque platform code),
    /// matched as registered.
    Code(String),
}

/// A recall request that cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SelectorError {
    /// The GTIN is not one.
    #[error("gtin: {0}")]
    Gtin(String),
    /// The code is not one.
    #[error("code: {0}")]
    Code(String),
    /// A batch or serial that is empty.
    #[error("{0}: must not be empty")]
    Empty(&'static str),
}

impl Selector {
    /// A GTIN (8, 12, 13 or 14 digits, check digit checked).
    pub fn gtin(input: &str) -> Result<Selector, SelectorError> {
        Gtin::parse(input)
            .map(|g| Selector::Gtin(g.to_gtin14()))
            .map_err(|e| SelectorError::Gtin(e.to_string()))
    }

    /// A batch, of a GTIN when given.
    pub fn batch(gtin: Option<&str>, batch: &str) -> Result<Selector, SelectorError> {
        let batch = batch.trim();
        if batch.is_empty() {
            return Err(SelectorError::Empty("batch"));
        }
        Ok(Selector::Batch {
            gtin: gtin.map(normalise_gtin).transpose()?,
            batch: batch.to_owned(),
        })
    }

    /// A serial, of a GTIN when given.
    pub fn serial(gtin: Option<&str>, serial: &str) -> Result<Selector, SelectorError> {
        let serial = serial.trim();
        if serial.is_empty() {
            return Err(SelectorError::Empty("serial"));
        }
        Ok(Selector::Serial {
            gtin: gtin.map(normalise_gtin).transpose()?,
            serial: serial.to_owned(),
        })
    }

    /// A trace code in any form Suyuan reads (GS1 element string, Digital Link, ...): a unit
    /// code recalls its unit, a batch code its batch, a GTIN its product.
    pub fn code(input: &str) -> Result<Selector, SelectorError> {
        let code = TraceCode::parse(input).map_err(|e| SelectorError::Code(e.to_string()))?;
        let gtin = code.gtin().map(|g| g.to_gtin14());
        Ok(match (code.serial(), code.batch(), gtin) {
            (Some(s), _, gtin) => Selector::Serial {
                gtin,
                serial: s.to_owned(),
            },
            (None, Some(b), gtin) => Selector::Batch {
                gtin,
                batch: b.to_owned(),
            },
            (None, None, Some(g)) => Selector::Gtin(g),
            (None, None, None) => Selector::Code(code.to_string()),
        })
    }

    /// Whether a code registered on an event (its GTIN-14, batch, serial and text) is one the
    /// recall names.
    pub fn matches(
        &self,
        code_gtin: Option<&str>,
        code_batch: Option<&str>,
        code_serial: Option<&str>,
        code: &str,
    ) -> bool {
        let gtin_ok = |g: &Option<String>| g.is_none() || g.as_deref() == code_gtin;
        match self {
            Selector::Gtin(g) => code_gtin == Some(g.as_str()),
            Selector::Batch { gtin, batch } => code_batch == Some(batch.as_str()) && gtin_ok(gtin),
            Selector::Serial { gtin, serial } => {
                code_serial == Some(serial.as_str()) && gtin_ok(gtin)
            }
            Selector::Code(c) => code == c,
        }
    }
}

fn normalise_gtin(g: &str) -> Result<String, SelectorError> {
    Gtin::parse(g)
        .map(|g| g.to_gtin14())
        .map_err(|e| SelectorError::Gtin(e.to_string()))
}

/// Why a row of the flow is a gap in the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Gap {
    /// A shipment to a business whose transfer was never claimed: the next tier is unknown.
    UnclaimedTransfer,
    /// A shipment to a business with no transfer at all.
    NoTransfer,
    /// A sale or shipment without the buyer's region.
    NoRegion,
}

impl Gap {
    /// The gap at a record: a shipment to a business without a transfer, or whose transfer was
    /// never claimed (`claimed`: `None` when there is no transfer), or a sale or shipment
    /// without the buyer's region.
    pub fn of(record_kind: &str, has_region: bool, claimed: Option<bool>) -> Option<Gap> {
        match record_kind {
            "shipment" => match claimed {
                None => Some(Gap::NoTransfer),
                Some(false) => Some(Gap::UnclaimedTransfer),
                Some(true) if !has_region => Some(Gap::NoRegion),
                Some(true) => None,
            },
            "sale" if !has_region => Some(Gap::NoRegion),
            _ => None,
        }
    }

    /// The stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Gap::UnclaimedTransfer => "unclaimed_transfer",
            Gap::NoTransfer => "no_transfer",
            Gap::NoRegion => "no_region",
        }
    }

    /// What a supervisor reads (Chinese).
    pub fn label_zh(self) -> &'static str {
        match self {
            Gap::UnclaimedTransfer => "下游未认领",
            Gap::NoTransfer => "无下游转交记录",
            Gap::NoRegion => "无销售地区",
        }
    }

    /// What a supervisor reads (English).
    pub fn label_en(self) -> &'static str {
        match self {
            Gap::UnclaimedTransfer => "transfer never claimed",
            Gap::NoTransfer => "no transfer to the next tier",
            Gap::NoRegion => "no region",
        }
    }
}

/// One record of the flow: who held or moved how much of the product, where, and to whom.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FlowRow {
    /// 1 for the first holder, n+1 for a seller who claimed from tier n.
    pub tier: u32,
    /// The seller whose record it is.
    pub seller_id: String,
    /// Its name.
    pub seller_name: Option<String>,
    /// Its unified social credit code.
    pub credit_code: Option<String>,
    /// Its six-digit division code (whose jurisdiction it is in).
    pub seller_division: Option<String>,
    /// The record's event.
    pub event_id: String,
    /// `receipt`, `sale`, `shipment`, `return`, ...
    pub record_kind: String,
    /// When it happened (milliseconds since the epoch, UTC).
    pub event_time_ms: i64,
    /// Province (two-digit code) of the region.
    pub province: Option<String>,
    /// City (four-digit prefix) of the region.
    pub city: Option<String>,
    /// Six-digit division code: where the goods went (sales) or are (receipts).
    pub region: Option<String>,
    /// `consumer`, `distributor`, `agent` (sales and shipments).
    pub customer_type: Option<String>,
    /// Units (or the class quantity) of the product on the record.
    pub quantity: f64,
    /// For a shipment: the seller who claimed it (the next tier).
    pub next_seller_id: Option<String>,
    /// What is missing at this record, if anything.
    pub gap: Option<Gap>,
}

/// The answer to a recall.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct RecallFlow {
    /// Every record, by tier, seller and time.
    pub rows: Vec<FlowRow>,
}

impl RecallFlow {
    /// Puts the rows in their order: tier, seller, time, event.
    pub fn sort(&mut self) {
        self.rows.sort_by(|a, b| {
            (a.tier, &a.seller_id, a.event_time_ms, &a.event_id).cmp(&(
                b.tier,
                &b.seller_id,
                b.event_time_ms,
                &b.event_id,
            ))
        });
    }

    /// Only the records of sellers registered under `prefix` (a jurisdiction's division
    /// prefix); the tiers stay those of the whole chain.
    pub fn within(mut self, prefix: &str) -> RecallFlow {
        self.rows.retain(|r| {
            r.seller_division
                .as_deref()
                .is_some_and(|d| d.starts_with(prefix))
        });
        self
    }

    /// The sellers reached, with their tier, in tier order.
    pub fn sellers(&self) -> Vec<(u32, &str)> {
        let mut seen = HashSet::new();
        self.rows
            .iter()
            .filter(|r| seen.insert(r.seller_id.as_str()))
            .map(|r| (r.tier, r.seller_id.as_str()))
            .collect()
    }

    /// The deepest tier reached.
    pub fn depth(&self) -> u32 {
        self.rows.iter().map(|r| r.tier).max().unwrap_or(0)
    }

    /// The rows that are gaps.
    pub fn gaps(&self) -> impl Iterator<Item = &FlowRow> {
        self.rows.iter().filter(|r| r.gap.is_some())
    }
}

/// The columns of the exported flow (CSV and XLSX), Chinese then English, in order: the key
/// data elements a regulator's 24-hour request expects.
pub const COLUMNS: [(&str, &str); 14] = [
    ("层级", "tier"),
    ("销售者", "seller"),
    ("统一社会信用代码", "credit code"),
    ("省", "province"),
    ("市", "city"),
    ("地区代码", "region"),
    ("客户类型", "customer type"),
    ("数量", "quantity"),
    ("发生时间", "event time"),
    ("记录类型", "record kind"),
    ("下游销售者", "next seller"),
    ("缺口", "gap"),
    ("销售者编号", "seller id"),
    ("事件编号", "event id"),
];

impl FlowRow {
    /// The row's cells in [`COLUMNS`] order, as text (event time in China time, RFC 3339).
    pub fn cells(&self) -> [String; 14] {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let time = chrono::DateTime::from_timestamp_millis(self.event_time_ms)
            .map(|t| crate::china_time::in_china(t).to_rfc3339())
            .unwrap_or_default();
        [
            self.tier.to_string(),
            opt(&self.seller_name),
            opt(&self.credit_code),
            opt(&self.province),
            opt(&self.city),
            opt(&self.region),
            opt(&self.customer_type),
            format!("{}", self.quantity),
            time,
            self.record_kind.clone(),
            opt(&self.next_seller_id),
            self.gap
                .map(|g| format!("{} {}", g.label_zh(), g.label_en()))
                .unwrap_or_default(),
            self.seller_id.clone(),
            self.event_id.clone(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gap_is_an_unclaimed_or_missing_transfer_or_a_missing_region() {
        assert_eq!(Gap::of("shipment", true, None), Some(Gap::NoTransfer));
        assert_eq!(
            Gap::of("shipment", true, Some(false)),
            Some(Gap::UnclaimedTransfer)
        );
        assert_eq!(Gap::of("shipment", false, Some(true)), Some(Gap::NoRegion));
        assert_eq!(Gap::of("shipment", true, Some(true)), None);
        assert_eq!(Gap::of("sale", false, None), Some(Gap::NoRegion));
        assert_eq!(Gap::of("receipt", false, None), None);
    }

    #[test]
    fn a_selector_matches_by_gtin_batch_serial_or_code() {
        let g = "09520001000010";
        let batch = Selector::batch(Some("9520001000010"), "L1").expect("batch");
        assert!(batch.matches(Some(g), Some("L1"), None, "x"));
        assert!(!batch.matches(Some("06901234567892"), Some("L1"), None, "x"));
        let unit = Selector::code("(01)09520001000010(21)S1").expect("code");
        assert!(unit.matches(Some(g), None, Some("S1"), "x"));
        assert!(!unit.matches(Some(g), None, Some("S2"), "x"));
        assert!(
            Selector::gtin(g)
                .expect("gtin")
                .matches(Some(g), None, None, "x")
        );
    }
}

//! What a trace record is, in the seller's terms (the EPCIS event says it in CBV terms).

use serde::{Deserialize, Serialize};

/// What a record is, in the seller's terms (the EPCIS event says it in CBV terms).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// Incoming inspection and receipt (进货查验).
    Receipt,
    /// A sale to a consumer (销售登记).
    Sale,
    /// A shipment to a business buyer (next-tier seller).
    Shipment,
    /// Goods coming back.
    Return,
    /// An error declaration on an earlier record (差错补救).
    Correction,
    /// Packing units together (e-bike vehicle + battery + charger).
    Aggregation,
    /// A recall.
    Recall,
}

impl RecordKind {
    /// Every kind.
    pub const ALL: [RecordKind; 7] = [
        Self::Receipt,
        Self::Sale,
        Self::Shipment,
        Self::Return,
        Self::Correction,
        Self::Aggregation,
        Self::Recall,
    ];

    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Receipt => "receipt",
            RecordKind::Sale => "sale",
            RecordKind::Shipment => "shipment",
            RecordKind::Return => "return",
            RecordKind::Correction => "correction",
            RecordKind::Aggregation => "aggregation",
            RecordKind::Recall => "recall",
        }
    }

    /// The kind stored as `s`, if it is one.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_stored_form() {
        for k in RecordKind::ALL {
            assert_eq!(RecordKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(RecordKind::parse("sold"), None);
    }
}

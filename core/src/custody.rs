//! The chain of custody of one unit code (一物一码): given every seller's records of the unit in
//! the order they were recorded, which records are the chain (the first holder, then each
//! business a holder shipped the unit to, in turn) and which are claims that do not fit it.
//!
//! Facts a public page shows about a unit (its name, model, producer…) come from the chain
//! only: a seller cannot rewrite them by recording a receipt of somebody else's code. A record
//! that does not fit is a suspicious claim, shown apart with its [`Misfit`] reason.
//!
//! The rule, record by record (corrected records take no part):
//! - the first record starts the chain: its seller is the first holder;
//! - a record of the current holder continues the chain; a shipment to a business releases the
//!   unit to that business (named by its credit code; a shipment naming none releases it to the
//!   next business that records a receipt);
//! - a receipt by another business continues the chain when the holder shipped the unit to it
//!   and the receipt is not dated before that shipment; it then becomes the holder;
//! - anything else is a claim that does not fit: a receipt from nobody who shipped it
//!   ([`Misfit::NotShippedToClaimant`]), a receipt dated before the previous holder's shipment
//!   ([`Misfit::DatedBeforePreviousHolder`]), or another kind of
//!   record by a business that does not hold the unit ([`Misfit::NotHolder`]).

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a record did with the unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustodyKind {
    /// Received into the seller's stock.
    Receipt,
    /// Shipped or sold to a business: custody passes to it. `to` is the buyer's unified social
    /// credit code when the record names one.
    Shipment {
        /// The buyer's credit code.
        to: Option<String>,
    },
    /// Anything else the holder does (a sale to a consumer, a return, packing, a recall).
    Other,
}

/// One record of the unit, as the custody rule reads it.
#[derive(Clone, Debug)]
pub struct CustodyRecord {
    /// The stored record's id.
    pub id: String,
    /// The seller that recorded it.
    pub seller_id: String,
    /// That seller's unified social credit code.
    pub seller_credit_code: String,
    /// What it did.
    pub kind: CustodyKind,
    /// When the seller says it happened.
    pub event_time: DateTime<Utc>,
    /// A later error declaration corrected it: it takes no part in the rule.
    pub corrected: bool,
}

/// Why a record does not fit the chain of custody.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Misfit {
    /// A receipt of a unit that its holder never shipped to this business.
    NotShippedToClaimant,
    /// A receipt dated before the shipment by which the previous holder released the unit.
    DatedBeforePreviousHolder,
    /// A sale, shipment or other record by a business that does not hold the unit.
    NotHolder,
}

impl Misfit {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Misfit::NotShippedToClaimant => "not_shipped_to_claimant",
            Misfit::DatedBeforePreviousHolder => "dated_before_previous_holder",
            Misfit::NotHolder => "not_holder",
        }
    }

    /// What it means, in Chinese.
    pub fn message_zh(self) -> &'static str {
        match self {
            Misfit::NotShippedToClaimant => {
                "此入库记录不在流转链中：此码的持有者从未向该企业发货或销售"
            }
            Misfit::DatedBeforePreviousHolder => {
                "此入库记录的时间早于上一持有者的记录，与流转顺序不符"
            }
            Misfit::NotHolder => "记录此码的企业并不持有此码",
        }
    }

    /// What it means, in English.
    pub fn message_en(self) -> &'static str {
        match self {
            Misfit::NotShippedToClaimant => {
                "this receipt is outside the chain of custody: the unit's holder never shipped or sold it to this business"
            }
            Misfit::DatedBeforePreviousHolder => {
                "this receipt is dated before the previous holder's record, out of the order custody passed"
            }
            Misfit::NotHolder => "the business that recorded this does not hold the unit",
        }
    }
}

/// Where one record stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Part of the chain of custody.
    Chain,
    /// A claim that does not fit, and why.
    Misfit(Misfit),
    /// Corrected: left out.
    Corrected,
}

/// Who holds the unit and to whom it was released.
#[derive(Clone, Debug)]
struct Holder {
    seller_id: String,
    /// A shipment released the unit: to this credit code (`None`: to any business), at that
    /// time.
    released: Option<(Option<String>, DateTime<Utc>)>,
}

/// Sorts each record (given in recorded order) into the chain or out of it; the answer is in
/// the same order as `records`.
pub fn classify(records: &[CustodyRecord]) -> Vec<Standing> {
    let mut holder: Option<Holder> = None;
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        if r.corrected {
            out.push(Standing::Corrected);
            continue;
        }
        let Some(h) = holder.as_mut() else {
            // The first record starts the chain.
            holder = Some(Holder {
                seller_id: r.seller_id.clone(),
                released: release_of(r),
            });
            out.push(Standing::Chain);
            continue;
        };
        if r.seller_id == h.seller_id {
            if let Some(released) = release_of(r) {
                h.released = Some(released);
            }
            out.push(Standing::Chain);
            continue;
        }
        let standing = match (&r.kind, &h.released) {
            (CustodyKind::Receipt, Some((to, shipped_at))) => {
                let addressed = to
                    .as_deref()
                    .is_none_or(|to| to.eq_ignore_ascii_case(&r.seller_credit_code));
                if !addressed {
                    Standing::Misfit(Misfit::NotShippedToClaimant)
                } else if r.event_time < *shipped_at {
                    Standing::Misfit(Misfit::DatedBeforePreviousHolder)
                } else {
                    Standing::Chain
                }
            }
            (CustodyKind::Receipt, None) => Standing::Misfit(Misfit::NotShippedToClaimant),
            _ => Standing::Misfit(Misfit::NotHolder),
        };
        if standing == Standing::Chain {
            *h = Holder {
                seller_id: r.seller_id.clone(),
                released: None,
            };
        }
        out.push(standing);
    }
    out
}

fn release_of(r: &CustodyRecord) -> Option<(Option<String>, DateTime<Utc>)> {
    match &r.kind {
        CustodyKind::Shipment { to } => Some((to.clone(), r.event_time)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone as _};

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 6, 1, 10, 0, 0).unwrap()
    }

    fn rec(id: &str, seller: &str, kind: CustodyKind, days: i64) -> CustodyRecord {
        CustodyRecord {
            id: id.into(),
            seller_id: format!("sel_{seller}"),
            seller_credit_code: format!("CC{seller}"),
            kind,
            event_time: t0() + Duration::days(days),
            corrected: false,
        }
    }

    fn ship(to: &str) -> CustodyKind {
        CustodyKind::Shipment {
            to: Some(format!("CC{to}")),
        }
    }

    #[test]
    fn a_back_dated_receipt_by_another_seller_is_a_claim_not_the_first_fact() {
        let records = [
            rec("a1", "A", CustodyKind::Receipt, 0),
            rec("b1", "B", CustodyKind::Receipt, -10_000),
        ];
        assert_eq!(
            classify(&records),
            [
                Standing::Chain,
                Standing::Misfit(Misfit::NotShippedToClaimant)
            ]
        );
    }

    #[test]
    fn a_receipt_from_nobody_who_shipped_it_does_not_fit() {
        let records = [
            rec("a1", "A", CustodyKind::Receipt, 0),
            rec("a2", "A", CustodyKind::Other, 1),
            rec("b1", "B", CustodyKind::Receipt, 2),
        ];
        assert_eq!(
            classify(&records)[2],
            Standing::Misfit(Misfit::NotShippedToClaimant)
        );
    }

    #[test]
    fn custody_passes_along_shipments_to_the_named_buyer() {
        let records = [
            rec("a1", "A", CustodyKind::Receipt, 0),
            rec("a2", "A", ship("B"), 1),
            rec("c1", "C", CustodyKind::Receipt, 2),
            rec("b1", "B", CustodyKind::Receipt, 2),
            rec("b2", "B", ship("D"), 3),
            rec("d1", "D", CustodyKind::Receipt, 4),
            rec("d2", "D", CustodyKind::Other, 5),
            rec("a3", "A", CustodyKind::Other, 6),
        ];
        assert_eq!(
            classify(&records),
            [
                Standing::Chain,
                Standing::Chain,
                Standing::Misfit(Misfit::NotShippedToClaimant),
                Standing::Chain,
                Standing::Chain,
                Standing::Chain,
                Standing::Chain,
                Standing::Misfit(Misfit::NotHolder),
            ]
        );
    }

    #[test]
    fn a_receipt_dated_before_the_shipment_does_not_fit() {
        let records = [
            rec("a1", "A", CustodyKind::Receipt, 0),
            rec("a2", "A", ship("B"), 5),
            rec("b1", "B", CustodyKind::Receipt, 3),
        ];
        assert_eq!(
            classify(&records)[2],
            Standing::Misfit(Misfit::DatedBeforePreviousHolder)
        );
    }

    #[test]
    fn a_shipment_naming_no_buyer_releases_the_unit_to_the_next_receiver_only() {
        let records = [
            rec("a1", "A", CustodyKind::Receipt, 0),
            rec("a2", "A", CustodyKind::Shipment { to: None }, 1),
            rec("b1", "B", CustodyKind::Receipt, 2),
            rec("c1", "C", CustodyKind::Receipt, 3),
        ];
        assert_eq!(
            classify(&records),
            [
                Standing::Chain,
                Standing::Chain,
                Standing::Chain,
                Standing::Misfit(Misfit::NotShippedToClaimant)
            ]
        );
    }

    #[test]
    fn corrected_records_take_no_part() {
        let mut wrong = rec("a1", "A", CustodyKind::Receipt, 0);
        wrong.corrected = true;
        let records = [wrong, rec("b1", "B", CustodyKind::Receipt, 1)];
        assert_eq!(
            classify(&records),
            [Standing::Corrected, Standing::Chain],
            "the first uncorrected record starts the chain"
        );
    }

    #[test]
    fn the_buyer_credit_code_is_compared_without_case() {
        let mut b = rec("b1", "B", CustodyKind::Receipt, 2);
        b.seller_credit_code = "ccb".into();
        let records = [
            rec("a1", "A", CustodyKind::Receipt, 0),
            rec("a2", "A", ship("B"), 1),
            b,
        ];
        assert_eq!(classify(&records)[2], Standing::Chain);
    }

    #[test]
    fn misfit_reasons_have_stable_names_and_both_languages() {
        for m in [
            Misfit::NotShippedToClaimant,
            Misfit::DatedBeforePreviousHolder,
            Misfit::NotHolder,
        ] {
            assert!(!m.as_str().is_empty());
            assert!(!m.message_zh().is_empty() && !m.message_en().is_empty());
        }
    }
}

//! Recall flow: from a GTIN, batch, serial or code, forward through receipts, sales, transfers
//! and claims to every seller, region, customer type and quantity, tier by tier, with the gaps
//! (business shipments never claimed, sales without a region); and a unit backward to its first
//! holder.
//!
//! [`RecallIndex::build`] reads the mirror's `events`, `event_codes`, `transfers` and `sellers`
//! frames (columns in [`crate::frames`]) once into an in-memory graph of custody (code -> events
//! -> shipment -> transfer -> the claiming seller's receipt -> their sales ...);
//! [`RecallIndex::trace`] then answers a recall without touching the frames.
//!
//! Tiers: a seller holding the product other than through a claimed transfer is tier 1 (it
//! received from the producer); the seller who claimed a transfer of the product from a tier-n
//! seller is tier n+1. A voided record (one an error declaration corrects) and the declarations
//! themselves are left out; an amended record's corrective event stands in its place.
//!
//! The sellers frame may carry an extra `credit_code` column (the unified social credit code);
//! without it the column of the flow is empty.

use crate::frames::{event_codes, events, sellers, transfers};
use polars::prelude::*;
use std::collections::{HashMap, HashSet, VecDeque};
pub use suyuan_core::recall::{FlowRow, Gap, RecallFlow, Selector, SelectorError};

/// The sellers frame's optional credit-code column (not yet in [`crate::frames::sellers`]).
pub const SELLER_CREDIT_CODE: &str = "credit_code";

#[derive(Clone, Debug)]
struct Event {
    id: String,
    seller: u32,
    kind: String,
    time_ms: i64,
    region: Option<String>,
    buyer_type: Option<String>,
}

#[derive(Clone, Debug)]
struct CodeRow {
    event: u32,
    code: String,
    gtin: Option<String>,
    batch: Option<String>,
    serial: Option<String>,
    quantity: Option<f64>,
}

#[derive(Clone, Debug)]
struct Transfer {
    from_seller: u32,
    claimed: bool,
    claimed_by: Option<u32>,
}

#[derive(Clone, Debug, Default)]
struct Seller {
    id: String,
    name: Option<String>,
    credit_code: Option<String>,
    division: Option<String>,
}

/// The graph of custody, built once from the mirror's frames; each recall is a walk on it.
#[derive(Clone, Debug, Default)]
pub struct RecallIndex {
    events: Vec<Event>,
    codes: Vec<CodeRow>,
    sellers: Vec<Seller>,
    /// GTIN-14 -> code rows.
    by_gtin: HashMap<String, Vec<u32>>,
    /// Batch -> code rows.
    by_batch: HashMap<String, Vec<u32>>,
    /// Serial -> code rows.
    by_serial: HashMap<String, Vec<u32>>,
    /// Code as registered -> code rows.
    by_code: HashMap<String, Vec<u32>>,
    transfers: Vec<Transfer>,
    /// Shipment event -> its transfer.
    transfer_of_sale: HashMap<u32, u32>,
    /// Claimed receipt event -> its transfer.
    transfer_of_claim: HashMap<u32, u32>,
    /// Events an error declaration corrects, and the declarations themselves.
    voided: HashSet<u32>,
}

/// A frame that does not carry what the index needs.
#[derive(Debug, thiserror::Error)]
#[error("recall index: {0}")]
pub struct IndexError(#[from] PolarsError);

fn strs(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?.iter().map(|v| v.map(str::to_owned)).collect())
}

fn i64s(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    let c = df.column(name)?.cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().collect())
}

fn f64s(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}

impl RecallIndex {
    /// Reads the frames (collected) into the index. `events` needs `event_id`, `seller_id`,
    /// `record_kind`, `event_time`, `region`, `buyer_type`, `corrects_id`; `event_codes` needs
    /// `event_id`, `code`, `gtin`, `batch`, `serial`, `quantity`; `transfers` needs
    /// `from_seller_id`, `sale_event_id`, `status`, `claimed_by`, `claimed_event_id`; `sellers`
    /// needs `seller_id`, `name` (and `division`, `credit_code` when it has them).
    pub fn build(
        events_df: &DataFrame,
        codes_df: &DataFrame,
        transfers_df: &DataFrame,
        sellers_df: &DataFrame,
    ) -> Result<RecallIndex, IndexError> {
        let mut ix = RecallIndex::default();
        let mut seller_ix: HashMap<String, u32> = HashMap::new();
        let ids = strs(sellers_df, sellers::SELLER_ID)?;
        let names = strs(sellers_df, sellers::NAME)?;
        let optional = |name: &str| -> PolarsResult<Vec<Option<String>>> {
            if sellers_df.schema().contains(name) {
                strs(sellers_df, name)
            } else {
                Ok(vec![None; ids.len()])
            }
        };
        let credit = optional(SELLER_CREDIT_CODE)?;
        let division = optional(sellers::DIVISION)?;
        for (((id, name), credit_code), division) in
            ids.into_iter().zip(names).zip(credit).zip(division)
        {
            let Some(id) = id else { continue };
            let n = ix.sellers.len() as u32;
            seller_ix.insert(id.clone(), n);
            ix.sellers.push(Seller {
                id,
                name,
                credit_code,
                division,
            });
        }
        let mut seller_of = |ix: &mut RecallIndex, id: String| -> u32 {
            *seller_ix.entry(id.clone()).or_insert_with(|| {
                ix.sellers.push(Seller {
                    id,
                    ..Seller::default()
                });
                (ix.sellers.len() - 1) as u32
            })
        };

        let mut event_ix: HashMap<String, u32> = HashMap::new();
        let e_id = strs(events_df, events::EVENT_ID)?;
        let e_seller = strs(events_df, events::SELLER_ID)?;
        let e_kind = strs(events_df, events::RECORD_KIND)?;
        let e_time = i64s(events_df, events::EVENT_TIME)?;
        let e_region = strs(events_df, events::REGION)?;
        let e_buyer = strs(events_df, events::BUYER_TYPE)?;
        let e_corrects = strs(events_df, events::CORRECTS_ID)?;
        let time_factor = match events_df.column(events::EVENT_TIME)?.dtype() {
            DataType::Datetime(TimeUnit::Microseconds, _) => 1_000,
            DataType::Datetime(TimeUnit::Nanoseconds, _) => 1_000_000,
            _ => 1,
        };
        let mut declarations = Vec::new();
        for i in 0..e_id.len() {
            let (Some(id), Some(seller)) = (e_id[i].clone(), e_seller[i].clone()) else {
                continue;
            };
            let seller = seller_of(&mut ix, seller);
            let n = ix.events.len() as u32;
            let kind = e_kind[i].clone().unwrap_or_default();
            if kind == "correction" {
                ix.voided.insert(n);
                if let Some(c) = &e_corrects[i] {
                    declarations.push(c.clone());
                }
            }
            event_ix.insert(id.clone(), n);
            ix.events.push(Event {
                id,
                seller,
                kind,
                time_ms: e_time[i].unwrap_or(0) / time_factor,
                region: e_region[i].clone(),
                buyer_type: e_buyer[i].clone(),
            });
        }
        for c in declarations {
            if let Some(&n) = event_ix.get(&c) {
                ix.voided.insert(n);
            }
        }

        let c_event = strs(codes_df, event_codes::EVENT_ID)?;
        let c_code = strs(codes_df, event_codes::CODE)?;
        let c_gtin = strs(codes_df, event_codes::GTIN)?;
        let c_batch = strs(codes_df, event_codes::BATCH)?;
        let c_serial = strs(codes_df, event_codes::SERIAL)?;
        let c_qty = f64s(codes_df, event_codes::QUANTITY)?;
        for i in 0..c_event.len() {
            let Some(&event) = c_event[i].as_ref().and_then(|e| event_ix.get(e)) else {
                continue;
            };
            let n = ix.codes.len() as u32;
            let row = CodeRow {
                event,
                code: c_code[i].clone().unwrap_or_default(),
                gtin: c_gtin[i].clone(),
                batch: c_batch[i].clone(),
                serial: c_serial[i].clone(),
                quantity: c_qty[i],
            };
            if let Some(g) = &row.gtin {
                ix.by_gtin.entry(g.clone()).or_default().push(n);
            }
            if let Some(b) = &row.batch {
                ix.by_batch.entry(b.clone()).or_default().push(n);
            }
            if let Some(s) = &row.serial {
                ix.by_serial.entry(s.clone()).or_default().push(n);
            }
            ix.by_code.entry(row.code.clone()).or_default().push(n);
            ix.codes.push(row);
        }

        let t_from = strs(transfers_df, transfers::FROM_SELLER_ID)?;
        let t_sale = strs(transfers_df, transfers::SALE_EVENT_ID)?;
        let t_status = strs(transfers_df, transfers::STATUS)?;
        let t_by = strs(transfers_df, transfers::CLAIMED_BY)?;
        let t_claimed = strs(transfers_df, transfers::CLAIMED_EVENT_ID)?;
        for i in 0..t_from.len() {
            let Some(from) = t_from[i].clone() else {
                continue;
            };
            let from_seller = seller_of(&mut ix, from);
            let claimed_by = t_by[i].clone().map(|s| seller_of(&mut ix, s));
            let sale_event = t_sale[i].as_ref().and_then(|e| event_ix.get(e)).copied();
            let claimed_event = t_claimed[i].as_ref().and_then(|e| event_ix.get(e)).copied();
            let n = ix.transfers.len() as u32;
            ix.transfers.push(Transfer {
                from_seller,
                claimed: t_status[i].as_deref() == Some("claimed") && claimed_by.is_some(),
                claimed_by,
            });
            if let Some(e) = sale_event {
                ix.transfer_of_sale.insert(e, n);
            }
            if let Some(e) = claimed_event {
                ix.transfer_of_claim.insert(e, n);
            }
        }
        Ok(ix)
    }

    /// How many events the index holds.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the index holds no events.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The flow of what `selector` names, tier by tier.
    pub fn trace(&self, selector: &Selector) -> RecallFlow {
        // The code rows that name the product: looked up by the most selective key.
        let candidates: &[u32] = match selector {
            Selector::Gtin(g) => self.by_gtin.get(g),
            Selector::Batch { batch, .. } => self.by_batch.get(batch),
            Selector::Serial { serial, .. } => self.by_serial.get(serial),
            Selector::Code(c) => self.by_code.get(c),
        }
        .map_or(&[], Vec::as_slice);
        // Event -> quantity of the product it carries.
        let mut quantity: HashMap<u32, f64> = HashMap::new();
        for &c in candidates {
            let row = &self.codes[c as usize];
            if self.voided.contains(&row.event)
                || !selector.matches(
                    row.gtin.as_deref(),
                    row.batch.as_deref(),
                    row.serial.as_deref(),
                    &row.code,
                )
            {
                continue;
            }
            *quantity.entry(row.event).or_default() += row.quantity.unwrap_or(1.0);
        }
        // Tiers: breadth first over claims, from every seller holding the product other than
        // through a claimed transfer.
        let mut holders: HashMap<u32, Vec<u32>> = HashMap::new();
        for &e in quantity.keys() {
            holders
                .entry(self.events[e as usize].seller)
                .or_default()
                .push(e);
        }
        // Edges seller -> next-tier seller, from the shipments and the claimed receipts of the
        // product (either end names the transfer).
        let mut edges: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut claimed_into: HashSet<u32> = HashSet::new();
        for &e in quantity.keys() {
            let t = self
                .transfer_of_sale
                .get(&e)
                .or_else(|| self.transfer_of_claim.get(&e));
            if let Some(t) = t.map(|&t| &self.transfers[t as usize])
                && t.claimed
                && let Some(to) = t.claimed_by
            {
                edges.entry(t.from_seller).or_default().push(to);
                if to != t.from_seller {
                    claimed_into.insert(to);
                }
            }
        }
        let mut tier: HashMap<u32, u32> = HashMap::new();
        let mut queue: VecDeque<u32> = VecDeque::new();
        let mut seeds: Vec<u32> = holders
            .keys()
            .copied()
            .filter(|s| !claimed_into.contains(s))
            .collect();
        seeds.sort_unstable();
        for s in seeds {
            tier.insert(s, 1);
            queue.push_back(s);
        }
        loop {
            while let Some(s) = queue.pop_front() {
                let next = tier[&s] + 1;
                for &to in edges.get(&s).map_or(&[][..], Vec::as_slice) {
                    if let std::collections::hash_map::Entry::Vacant(v) = tier.entry(to) {
                        v.insert(next);
                        queue.push_back(to);
                    }
                }
            }
            // Sellers only reachable through a cycle of claims: start from the lowest id.
            match holders.keys().filter(|s| !tier.contains_key(s)).min() {
                Some(&s) => {
                    tier.insert(s, 1);
                    queue.push_back(s);
                }
                None => break,
            }
        }
        let rows: Vec<FlowRow> = quantity
            .iter()
            .map(|(&e, &q)| self.row(e, q, tier[&self.events[e as usize].seller]))
            .collect();
        let mut flow = RecallFlow { rows };
        flow.sort();
        flow
    }

    fn row(&self, e: u32, quantity: f64, tier: u32) -> FlowRow {
        let ev = &self.events[e as usize];
        let seller = &self.sellers[ev.seller as usize];
        let transfer = self
            .transfer_of_sale
            .get(&e)
            .map(|&t| &self.transfers[t as usize]);
        let outgoing = matches!(ev.kind.as_str(), "sale" | "shipment");
        let gap = Gap::of(&ev.kind, ev.region.is_some(), transfer.map(|t| t.claimed));
        let region = ev.region.clone();
        FlowRow {
            tier,
            seller_id: seller.id.clone(),
            seller_name: seller.name.clone(),
            credit_code: seller.credit_code.clone(),
            seller_division: seller.division.clone(),
            event_id: ev.id.clone(),
            record_kind: ev.kind.clone(),
            event_time_ms: ev.time_ms,
            province: region.as_ref().and_then(|r| r.get(..2)).map(str::to_owned),
            city: region.as_ref().and_then(|r| r.get(..4)).map(str::to_owned),
            region,
            customer_type: if outgoing {
                ev.buyer_type.clone()
            } else {
                None
            },
            quantity,
            next_seller_id: transfer
                .filter(|t| t.claimed)
                .and_then(|t| t.claimed_by)
                .map(|s| self.sellers[s as usize].id.clone()),
            gap,
        }
    }

    /// A unit backward to its first holder: each seller that held it, from the last tier back
    /// to tier 1 (who received it from the producer), with the record that shows it.
    pub fn trace_back(&self, unit: &Selector) -> Vec<FlowRow> {
        let flow = self.trace(unit);
        let mut seen = HashSet::new();
        let mut held: Vec<FlowRow> = flow
            .rows
            .into_iter()
            .filter(|r| seen.insert(r.seller_id.clone()))
            .collect();
        held.sort_by(|a, b| b.tier.cmp(&a.tier).then(a.seller_id.cmp(&b.seller_id)));
        held
    }
}

/// A generated chain for tests and the benchmark: `tiers` tiers of sellers, each seller
/// receiving a batch and selling part of it to consumers across provinces and shipping the
/// rest to `fan_out` sellers of the next tier who claim it; `noise` unrelated batches make the
/// index realistic in size.
pub mod generate {
    use super::*;

    /// The four frames of a generated data set.
    pub struct Frames {
        /// `events`.
        pub events: DataFrame,
        /// `event_codes`.
        pub codes: DataFrame,
        /// `transfers`.
        pub transfers: DataFrame,
        /// `sellers`.
        pub sellers: DataFrame,
    }

    #[derive(Default)]
    struct Builder {
        ev_id: Vec<String>,
        ev_seller: Vec<String>,
        ev_kind: Vec<&'static str>,
        ev_time: Vec<i64>,
        ev_region: Vec<Option<String>>,
        ev_buyer: Vec<Option<&'static str>>,
        code_event: Vec<String>,
        code: Vec<String>,
        code_gtin: Vec<String>,
        code_batch: Vec<String>,
        code_qty: Vec<f64>,
        tr_id: Vec<String>,
        tr_from: Vec<String>,
        tr_sale: Vec<String>,
        tr_status: Vec<&'static str>,
        tr_by: Vec<Option<String>>,
        tr_claimed: Vec<Option<String>>,
        seller_id: Vec<String>,
        seller_name: Vec<String>,
        seller_credit: Vec<String>,
        seller_division: Vec<&'static str>,
        n: u64,
    }

    /// The regions sales and shipments go to.
    pub const REGIONS: [&str; 6] = ["440106", "330106", "310101", "110101", "320102", "510104"];

    impl Builder {
        fn id(&mut self, p: &str) -> String {
            self.n += 1;
            format!("{p}_{:08}", self.n)
        }

        #[allow(clippy::too_many_arguments)]
        fn event(
            &mut self,
            seller: &str,
            kind: &'static str,
            t: i64,
            region: Option<String>,
            buyer: Option<&'static str>,
            gtin: &str,
            batch: &str,
            qty: f64,
        ) -> String {
            let id = self.id("evt");
            self.ev_id.push(id.clone());
            self.ev_seller.push(seller.to_owned());
            self.ev_kind.push(kind);
            self.ev_time.push(t);
            self.ev_region.push(region);
            self.ev_buyer.push(buyer);
            self.code_event.push(id.clone());
            self.code.push(format!("(01){gtin}(10){batch}"));
            self.code_gtin.push(gtin.to_owned());
            self.code_batch.push(batch.to_owned());
            self.code_qty.push(qty);
            id
        }

        fn seller(&mut self) -> String {
            let id = self.id("slr");
            self.seller_name
                .push(format!("经销商 {}", self.seller_id.len() + 1));
            self.seller_credit
                .push(format!("91440000{:010}", self.seller_id.len() + 1));
            self.seller_division
                .push(REGIONS[self.seller_id.len() % REGIONS.len()]);
            self.seller_id.push(id.clone());
            id
        }

        fn chain(&mut self, gtin: &str, batch: &str, tiers: u32, fan_out: usize, sales: usize) {
            let t0 = 1_764_547_200_000i64; // 2025-12-01T00:00:00Z
            let first = self.seller();
            let mut level = vec![(first, false)];
            for tier in 1..=tiers {
                let mut next = Vec::new();
                let t = t0 + i64::from(tier) * 86_400_000;
                for (k, (seller, claimed)) in level.into_iter().enumerate() {
                    if !claimed {
                        self.event(
                            &seller,
                            "receipt",
                            t,
                            Some(REGIONS[0].into()),
                            None,
                            gtin,
                            batch,
                            1000.0,
                        );
                    }
                    for s in 0..sales {
                        // Every 17th sale has no region: a gap.
                        let region =
                            (s % 17 != 16).then(|| REGIONS[(s + k) % REGIONS.len()].to_owned());
                        let at = t + 3_600_000 + s as i64;
                        self.event(
                            &seller,
                            "sale",
                            at,
                            region,
                            Some("consumer"),
                            gtin,
                            batch,
                            1.0,
                        );
                    }
                    if tier == tiers {
                        continue;
                    }
                    for f in 0..fan_out {
                        let buyer = self.seller();
                        let region = REGIONS[(k + f) % REGIONS.len()].to_owned();
                        let ship = self.event(
                            &seller,
                            "shipment",
                            t + 7_200_000,
                            Some(region.clone()),
                            Some("distributor"),
                            gtin,
                            batch,
                            10.0,
                        );
                        let receipt = self.event(
                            &buyer,
                            "receipt",
                            t + 80_000_000,
                            Some(region),
                            None,
                            gtin,
                            batch,
                            10.0,
                        );
                        let id = self.id("trf");
                        self.tr_id.push(id);
                        self.tr_from.push(seller.clone());
                        self.tr_sale.push(ship);
                        self.tr_status.push("claimed");
                        self.tr_by.push(Some(buyer.clone()));
                        self.tr_claimed.push(Some(receipt));
                        next.push((buyer, true));
                    }
                }
                level = next;
            }
        }

        fn frames(self) -> PolarsResult<Frames> {
            let time = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
            let n = self.ev_id.len();
            let events = DataFrame::new_infer_height(vec![
                Column::new(events::EVENT_ID.into(), self.ev_id),
                Column::new(events::SELLER_ID.into(), self.ev_seller),
                Column::new(events::RECORD_KIND.into(), self.ev_kind),
                Column::new(events::EVENT_TIME.into(), self.ev_time).cast(&time)?,
                Column::new(events::REGION.into(), self.ev_region),
                Column::new(events::BUYER_TYPE.into(), self.ev_buyer),
                Column::new(events::CORRECTS_ID.into(), vec![None::<String>; n]),
            ])?;
            let codes = DataFrame::new_infer_height(vec![
                Column::new(event_codes::EVENT_ID.into(), self.code_event),
                Column::new(event_codes::CODE.into(), self.code),
                Column::new(event_codes::GTIN.into(), self.code_gtin),
                Column::new(event_codes::BATCH.into(), self.code_batch),
                Column::new(event_codes::SERIAL.into(), vec![None::<String>; n]),
                Column::new(event_codes::QUANTITY.into(), self.code_qty),
            ])?;
            let transfers = DataFrame::new_infer_height(vec![
                Column::new(transfers::TRANSFER_ID.into(), self.tr_id),
                Column::new(transfers::FROM_SELLER_ID.into(), self.tr_from),
                Column::new(transfers::SALE_EVENT_ID.into(), self.tr_sale),
                Column::new(transfers::STATUS.into(), self.tr_status),
                Column::new(transfers::CLAIMED_BY.into(), self.tr_by),
                Column::new(transfers::CLAIMED_EVENT_ID.into(), self.tr_claimed),
            ])?;
            let sellers = DataFrame::new_infer_height(vec![
                Column::new(sellers::SELLER_ID.into(), self.seller_id),
                Column::new(sellers::NAME.into(), self.seller_name),
                Column::new(SELLER_CREDIT_CODE.into(), self.seller_credit),
                Column::new(sellers::DIVISION.into(), self.seller_division),
            ])?;
            Ok(Frames {
                events,
                codes,
                transfers,
                sellers,
            })
        }
    }

    /// `chains` batches of one GTIN (`09520001000010`, batches `B00000`, `B00001`, ...), each
    /// through `tiers` tiers with `fan_out` next-tier buyers per seller and `sales` consumer
    /// sales per seller (every 17th without a region).
    pub fn chains(chains: usize, tiers: u32, fan_out: usize, sales: usize) -> PolarsResult<Frames> {
        let mut b = Builder::default();
        for c in 0..chains {
            b.chain("09520001000010", &format!("B{c:05}"), tiers, fan_out, sales);
        }
        b.frames()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GTIN: &str = "09520001000010";

    /// A (Guangdong) receives batch L1 and a unit S9, sells one to a consumer in Guangzhou,
    /// ships 10 to B (claimed) and 5 to C (never claimed); B (Zhejiang) sells 2 in Hangzhou and
    /// 1 without a region. Another batch L2 goes to D only. A's first sale was voided.
    fn small() -> RecallIndex {
        let ms = |h: i64| 1_764_547_200_000i64 + h * 3_600_000;
        let events = df!(
            "event_id" => ["r1", "s1", "s0", "x0", "sh1", "sh2", "r2", "s2", "s3", "r9", "rd"],
            "seller_id" => ["A", "A", "A", "A", "A", "A", "B", "B", "B", "A", "D"],
            "record_kind" => ["receipt", "sale", "sale", "correction", "shipment", "shipment", "receipt", "sale", "sale", "receipt", "receipt"],
            "event_time" => [ms(0), ms(1), ms(1), ms(2), ms(2), ms(3), ms(5), ms(6), ms(7), ms(0), ms(0)],
            "region" => [Some("440106"), Some("440106"), Some("440106"), Some("440106"), Some("330106"), Some("310101"), Some("330106"), Some("330106"), None, Some("440106"), Some("110101")],
            "buyer_type" => [None, Some("consumer"), Some("consumer"), Some("consumer"), Some("distributor"), Some("agent"), None, Some("consumer"), Some("consumer"), None, None],
            "corrects_id" => [None, None, None, Some("s0"), None, None, None, None, None, None, None],
        )
        .expect("events");
        let codes = df!(
            "event_id" => ["r1", "s1", "s0", "x0", "sh1", "sh2", "r2", "s2", "s3", "r9", "rd"],
            "code" => ["(01)09520001000010(10)L1", "(01)09520001000010(10)L1", "(01)09520001000010(10)L1", "(01)09520001000010(10)L1", "(01)09520001000010(10)L1", "(01)09520001000010(10)L1", "(01)09520001000010(10)L1", "(01)09520001000010(10)L1", "(01)09520001000010(10)L1", "(01)09520001000010(21)S9", "(01)09520001000010(10)L2"],
            "gtin" => [GTIN; 11],
            "batch" => [Some("L1"), Some("L1"), Some("L1"), Some("L1"), Some("L1"), Some("L1"), Some("L1"), Some("L1"), Some("L1"), None, Some("L2")],
            "serial" => [None, None, None, None, None, None, None, None, None, Some("S9"), None],
            "quantity" => [Some(20.0), Some(1.0), Some(1.0), Some(1.0), Some(10.0), Some(5.0), Some(10.0), Some(2.0), Some(1.0), None, Some(3.0)],
        )
        .expect("codes");
        let transfers = df!(
            "transfer_id" => ["t1", "t2"],
            "from_seller_id" => ["A", "A"],
            "sale_event_id" => ["sh1", "sh2"],
            "status" => ["claimed", "open"],
            "claimed_by" => [Some("B"), None],
            "claimed_event_id" => [Some("r2"), None],
        )
        .expect("transfers");
        let sellers = df!(
            "seller_id" => ["A", "B", "D"],
            "name" => ["广州甲商行", "杭州乙经销", "北京丁"],
            "credit_code" => ["91440300708461136T", "91350100M000100Y43", "91110000000000000X"],
        )
        .expect("sellers");
        RecallIndex::build(&events, &codes, &transfers, &sellers).expect("index")
    }

    /// One row of a flow as the tests compare it: tier, seller, record kind, province, customer type,
    /// quantity, gap.
    type FlowLine<'a> = (
        u32,
        &'a str,
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        f64,
        Option<Gap>,
    );

    #[test]
    fn a_batch_flows_through_a_claimed_transfer_to_the_next_tier_with_its_gaps() {
        let flow = small().trace(&Selector::batch(Some(GTIN), "L1").expect("selector"));
        assert_eq!(flow.sellers(), vec![(1, "A"), (2, "B")]);
        let rows: Vec<FlowLine> = flow
            .rows
            .iter()
            .map(|r| {
                (
                    r.tier,
                    r.seller_id.as_str(),
                    r.record_kind.as_str(),
                    r.province.as_deref(),
                    r.customer_type.as_deref(),
                    r.quantity,
                    r.gap,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (1, "A", "receipt", Some("44"), None, 20.0, None),
                (1, "A", "sale", Some("44"), Some("consumer"), 1.0, None),
                (
                    1,
                    "A",
                    "shipment",
                    Some("33"),
                    Some("distributor"),
                    10.0,
                    None
                ),
                (
                    1,
                    "A",
                    "shipment",
                    Some("31"),
                    Some("agent"),
                    5.0,
                    Some(Gap::UnclaimedTransfer)
                ),
                (2, "B", "receipt", Some("33"), None, 10.0, None),
                (2, "B", "sale", Some("33"), Some("consumer"), 2.0, None),
                (
                    2,
                    "B",
                    "sale",
                    None,
                    Some("consumer"),
                    1.0,
                    Some(Gap::NoRegion)
                ),
            ]
        );
        let shipped = &flow.rows[2];
        assert_eq!(shipped.next_seller_id.as_deref(), Some("B"));
        assert_eq!(shipped.credit_code.as_deref(), Some("91440300708461136T"));
        assert_eq!(shipped.city.as_deref(), Some("3301"));
        assert_eq!(flow.depth(), 2);
        assert_eq!(flow.gaps().count(), 2);
    }

    #[test]
    fn a_gtin_takes_every_batch_and_unit_and_a_code_reads_as_its_batch_or_unit() {
        let ix = small();
        let all = ix.trace(&Selector::gtin("9520001000010").expect("gtin"));
        assert_eq!(all.sellers(), vec![(1, "A"), (1, "D"), (2, "B")]);
        let by_code = ix.trace(&Selector::code("(01)09520001000010(10)L2").expect("code"));
        assert_eq!(by_code.sellers(), vec![(1, "D")]);
        let unit = Selector::code("https://id.gs1.org/01/09520001000010/21/S9").expect("code");
        assert_eq!(
            unit,
            Selector::Serial {
                gtin: Some(GTIN.into()),
                serial: "S9".into()
            }
        );
        let back = ix.trace_back(&unit);
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].seller_id, "A");
        assert!(
            ix.trace(&Selector::batch(None, "NOPE").expect("s"))
                .rows
                .is_empty()
        );
    }

    #[test]
    fn bad_input_names_what_is_wrong() {
        assert!(matches!(
            Selector::gtin("9520001000011"),
            Err(SelectorError::Gtin(_))
        ));
        assert_eq!(
            Selector::batch(None, "  "),
            Err(SelectorError::Empty("batch"))
        );
        assert!(matches!(Selector::code(""), Err(SelectorError::Code(_))));
    }

    #[test]
    fn a_generated_chain_reaches_its_last_tier() {
        let f = generate::chains(3, 5, 2, 4).expect("frames");
        let ix = RecallIndex::build(&f.events, &f.codes, &f.transfers, &f.sellers).expect("ix");
        let flow = ix.trace(&Selector::batch(None, "B00001").expect("s"));
        assert_eq!(flow.depth(), 5);
        // 1 + 2 + 4 + 8 + 16 sellers.
        assert_eq!(flow.sellers().len(), 31);
        assert_eq!(flow.gaps().count(), 0);
    }
}

//! A realistic synthetic ledger of any size, deterministic given a seed, written straight to a
//! mirror (for the benchmarks) through the same [`Appender`] the store reader uses.
//!
//! What it makes: sellers across 31 provinces and the catalogue's categories in five tiers
//! (producers' distributors at tier 1, retailers at tier 5); each business sale to the next tier
//! is a `shipment` by the seller and a `receipt` by the buyer (chains five tiers deep); retail
//! `sale`s to consumers with a delivery region; registrations mostly within the deadline, some
//! late (one in eight), some never completed elements (one in twelve missing a required data
//! element), and corrections (one in fifty, pointing at an earlier event). Record times rise
//! one after another from `start`, and event ids are ULIDs of their record time, as the store's.

use crate::mirror::{Appender, MirrorError, RunReport, snapshots};
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};
use suyuan_store::analytics_export::{
    EventCodeRow, EventRow, ListingRow, SaleRow, SellerRow, TransferRow,
};

/// Province codes (two digits) the generator spreads sellers over.
const PROVINCES: [&str; 31] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
];
/// Catalogue categories (ids of `core/catalogue.toml`).
const CATEGORIES: [&str; 5] = [
    "ebike",
    "wire_cable",
    "gas_appliance",
    "lpg_regulator",
    "steel_rebar_crb",
];
/// Data elements a record may lack.
const ELEMENTS: [&str; 3] = ["voucher_number", "certificate_number", "producer"];

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Events to write.
    pub events: u64,
    /// Sellers (spread over five tiers).
    pub sellers: u32,
    /// Seed: the same seed and spec give the same data.
    pub seed: u64,
    /// Record time of the first event.
    pub start: DateTime<Utc>,
    /// Mean time between two records (sets the span the data covers).
    pub step: Duration,
    /// Prefix of seller ids (a second batch for the same mirror keeps it): `sel_` and a few
    /// characters of Crockford's base32, the rest of the 26 filled with the seller's number, so
    /// that every id is a valid seller id (`sel_` and a 26-character ULID).
    pub seller_prefix: String,
}

impl Spec {
    /// `events` events over a year ending at `end`, with one seller per 500 events (at least 50,
    /// at most 20,000).
    pub fn year_ending(events: u64, end: DateTime<Utc>, seed: u64) -> Spec {
        let span_ms = 365 * 24 * 3600 * 1000_i64;
        let step_ms = (span_ms / i64::try_from(events.max(1)).unwrap_or(i64::MAX)).max(1);
        Spec {
            events,
            sellers: u32::try_from((events / 500).clamp(50, 20_000)).unwrap_or(20_000),
            seed,
            start: end - Duration::milliseconds(step_ms * i64::try_from(events).unwrap_or(0)),
            step: Duration::milliseconds(step_ms),
            seller_prefix: "sel_0GEN".into(),
        }
    }
}

fn seller_id(spec: &Spec, i: u32) -> String {
    let width = ("sel_".len() + 26).saturating_sub(spec.seller_prefix.len());
    format!("{}{:0width$}", spec.seller_prefix, i)
}

/// The sellers of a spec: tier `i % 5 + 1`, province and city from the seed.
pub fn sellers(spec: &Spec) -> Vec<SellerRow> {
    let mut rng = StdRng::seed_from_u64(spec.seed ^ 0x5e11e75);
    (0..spec.sellers)
        .map(|i| {
            let province = PROVINCES[rng.random_range(0..PROVINCES.len())];
            let city = rng.random_range(1..=15);
            SellerRow {
                id: seller_id(spec, i),
                name: format!("合成商户 {i}"),
                division_code: format!("{province}{city:02}01"),
                seller_type: if i % 5 == 4 { "online" } else { "distributor" }.into(),
            }
        })
        .collect()
}

/// Writes the spec's events and the snapshots that go with them (sellers, sales, transfers,
/// listings: see [`Snapshots`]) through `appender` and commits, calling `progress` with the
/// events written so far.
pub fn generate(
    spec: &Spec,
    mut appender: Appender,
    progress: &dyn Fn(u64),
) -> Result<RunReport, MirrorError> {
    let sellers = sellers(spec);
    appender.set_divisions(
        sellers
            .iter()
            .map(|s| (s.id.clone(), s.division_code.clone()))
            .collect(),
    );
    let mut written = 0u64;
    let mut failed = None;
    let online: Vec<bool> = sellers.iter().map(|s| s.seller_type == "online").collect();
    let index: std::collections::HashMap<&str, usize> = sellers
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut made = Snapshots::default();
    for_each_chunk(spec, 100_000, &mut |events, codes| {
        if failed.is_some() {
            return;
        }
        written += events.len() as u64;
        made.add(&events, &|seller| {
            index.get(seller).is_some_and(|&i| online[i])
        });
        if let Err(e) = appender.add(events, codes) {
            failed = Some(e);
        }
        progress(written);
    });
    if let Some(e) = failed {
        return Err(e);
    }
    appender.snapshot("sellers", snapshots::sellers(&sellers)?)?;
    appender.snapshot("sales", snapshots::sales(&made.sales)?)?;
    appender.snapshot("transfers", snapshots::transfers(&made.transfers)?)?;
    appender.snapshot("listings", snapshots::listings(&listings(&sellers))?)?;
    appender.snapshot("recalls", snapshots::recalls(&[])?)?;
    appender.snapshot("submissions", snapshots::submissions(&[])?)?;
    appender.snapshot("flags", snapshots::flags(&[])?)?;
    appender.commit()
}

/// The mutable tables' rows that go with generated events, as the store would hold them:
///
/// - a sale per retail `sale` event: online sellers' on Shopify, the others' offline; one
///   order in fifty unpaid and one in fifty cancelled (neither has a registration yet);
/// - a transfer per business `shipment`, claimed by the next tier's `receipt` that follows it,
///   except one in ten still pending.
#[derive(Default)]
pub struct Snapshots {
    /// Sales.
    pub sales: Vec<SaleRow>,
    /// Transfers.
    pub transfers: Vec<TransferRow>,
}

impl Snapshots {
    /// Adds the rows of one chunk of events (`online`: whether a seller sells online).
    pub fn add(&mut self, events: &[EventRow], online: &dyn Fn(&str) -> bool) {
        for (i, e) in events.iter().enumerate() {
            // A cheap, deterministic roll from the event's random id part.
            let roll =
                e.id.bytes()
                    .rev()
                    .take(4)
                    .fold(0u32, |a, b| a * 31 + u32::from(b))
                    % 100;
            match e.record_kind.as_str() {
                "sale" => {
                    let (status, paid, registered) = match roll {
                        0 | 1 => ("unpaid", false, false),
                        2 | 3 => ("cancelled", true, false),
                        _ => ("paid", true, true),
                    };
                    self.sales.push(SaleRow {
                        id: format!("sal_{}", &e.id[4..]),
                        seller_id: e.seller_id.clone(),
                        platform: if online(&e.seller_id) {
                            "shopify"
                        } else {
                            "offline"
                        }
                        .to_owned(),
                        status: status.to_owned(),
                        buyer_type: "consumer".to_owned(),
                        region: e.region.clone(),
                        category_id: e.category_id.clone(),
                        ordered_at: Some(e.event_time),
                        paid_at: paid.then_some(e.event_time),
                        completed_at: registered.then_some(e.record_time),
                        deadline_at: paid.then_some(e.deadline_at).flatten(),
                        event_id: registered.then(|| e.id.clone()),
                        quantity: 1,
                    });
                }
                "shipment" => {
                    let receipt = events.get(i + 1).filter(|r| r.record_kind == "receipt");
                    let claimed = receipt.filter(|_| roll >= 10);
                    self.transfers.push(TransferRow {
                        id: format!("trf_{}", &e.id[4..]),
                        from_seller_id: e.seller_id.clone(),
                        sale_event_id: e.id.clone(),
                        category_id: e.category_id.clone().unwrap_or_default(),
                        status: if claimed.is_some() {
                            "claimed"
                        } else {
                            "pending"
                        }
                        .to_owned(),
                        sold_at: e.event_time,
                        claimed_by: claimed.map(|r| r.seller_id.clone()),
                        claimed_at: claimed.map(|r| r.record_time),
                        claimed_event_id: claimed.map(|r| r.id.clone()),
                        reminders_sent: i32::from(claimed.is_none()),
                        last_reminder_at: claimed.is_none().then_some(e.record_time),
                    });
                }
                _ => {}
            }
        }
    }
}

/// Five listings per seller in its category, one in seventeen without a trace code.
pub fn listings(sellers: &[SellerRow]) -> Vec<ListingRow> {
    let mut out = Vec::with_capacity(sellers.len() * 5);
    for (i, s) in sellers.iter().enumerate() {
        for j in 0..5 {
            let n = i * 5 + j;
            out.push(ListingRow {
                id: format!("lst_{n:026}"),
                seller_id: s.id.clone(),
                category_id: Some(CATEGORIES[i % CATEGORIES.len()].to_owned()),
                status: "active".to_owned(),
                trace_code: (n % 17 != 0).then(|| format!("(01)0695{:09}0", (i % 997) * 1000)),
            });
        }
    }
    out
}

/// Generates the spec's events in record-time (and id) order, handing them over `chunk`
/// events at a time with their codes.
pub fn for_each_chunk(
    spec: &Spec,
    chunk: u64,
    f: &mut dyn FnMut(Vec<EventRow>, Vec<EventCodeRow>),
) {
    let n_sellers = spec.sellers.max(1);
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let mut seqs = vec![0i64; n_sellers as usize];
    let mut recent: Vec<String> = Vec::with_capacity(64);
    let mut written = 0u64;
    let mut record = spec.start;
    let chunk = chunk.max(2);
    while written < spec.events {
        let take = chunk.min(spec.events - written);
        let mut events = Vec::with_capacity(usize::try_from(take).unwrap_or(0) + 1);
        let mut codes = Vec::with_capacity(events.capacity());
        let mut i = 0;
        while i < take {
            record += spec.step;
            let s = rng.random_range(0..n_sellers);
            let tier = s % 5 + 1;
            let category = CATEGORIES[(s as usize) % CATEGORIES.len()];
            let roll = rng.random_range(0..100u32);
            // Late one time in eight: delay beyond the 48 h deadline.
            let delay_h: i64 = if rng.random_range(0..8) == 0 {
                rng.random_range(49..24 * 20)
            } else {
                rng.random_range(0..47)
            };
            let event_time =
                record - Duration::hours(delay_h) - Duration::minutes(rng.random_range(0..60));
            let deadline = event_time + Duration::hours(48);
            let missing = if rng.random_range(0..12) == 0 {
                format!("[\"{}\"]", ELEMENTS[rng.random_range(0..ELEMENTS.len())])
            } else {
                "[]".to_owned()
            };
            let gtin = format!("0695{:09}{}", (s % 997) * 1000 + u32::from(roll < 50), 0);
            let batch = format!("B{}{:04}", record.format("%y%m"), s % 1000);
            let (kind, region, buyer, corrects) = if roll < 2 && !recent.is_empty() {
                let target = recent[rng.random_range(0..recent.len())].clone();
                ("correction", None, None, Some(target))
            } else if tier < 5 && roll < 50 {
                // A business sale to the next tier: the seller's shipment and the buyer's receipt.
                ("shipment", None, Some("business"), None)
            } else if roll < 70 || tier == 1 {
                ("receipt", None, None, None)
            } else {
                let p = PROVINCES[rng.random_range(0..PROVINCES.len())];
                let region = format!("{p}{:02}01", rng.random_range(1..=15));
                ("sale", Some(region), Some("consumer"), None)
            };
            let mut push = |seller: u32, kind: &str, record: DateTime<Utc>, rng: &mut StdRng| {
                let seq = &mut seqs[seller as usize];
                *seq += 1;
                let ms = u64::try_from(record.timestamp_millis()).unwrap_or(0);
                let id = format!("evt_{}", ulid::Ulid::from_parts(ms, rng.random()));
                let code = format!("(01){gtin}(10){batch}");
                codes.push(EventCodeRow {
                    event_id: id.clone(),
                    seller_id: seller_id(spec, seller),
                    code,
                    gtin: Some(gtin.clone()),
                    batch: Some(batch.clone()),
                    serial: None,
                    quantity: Some(f64::from(rng.random_range(1..20u32))),
                });
                events.push(EventRow {
                    id: id.clone(),
                    seller_id: seller_id(spec, seller),
                    seq: *seq,
                    record_kind: kind.to_owned(),
                    event_time,
                    record_time: record,
                    deadline_at: (kind != "correction").then_some(deadline),
                    category_id: Some(category.to_owned()),
                    region: region.clone(),
                    buyer_type: buyer.map(str::to_owned),
                    corrects_id: corrects.clone(),
                    missing_elements: missing.clone(),
                });
                id
            };
            let id = push(s, kind, record, &mut rng);
            i += 1;
            if kind == "shipment" && i < take {
                // The next tier's seller receives it (same category: seller index + 1).
                let buyer = (s + 1) % n_sellers;
                record += spec.step;
                push(buyer, "receipt", record, &mut rng);
                i += 1;
            }
            if recent.len() < 64 {
                recent.push(id);
            } else {
                let at = rng.random_range(0..recent.len());
                recent[at] = id;
            }
        }
        written += events.len() as u64;
        f(events, codes);
    }
}

#[cfg(test)]
mod seller_id_tests {
    use super::*;

    #[test]
    fn every_generated_seller_id_is_a_valid_seller_id() {
        let end = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        let spec = Spec::year_ending(1_000_000, end, 7);
        for s in sellers(&spec) {
            assert!(
                suyuan_core::ids::SellerId::parse(&s.id).is_ok(),
                "{} is not a seller id",
                s.id
            );
        }
    }
}

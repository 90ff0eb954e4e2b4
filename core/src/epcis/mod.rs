//! Trace events on the GS1 EPCIS 2.0 model, with the Core Business Vocabulary (CBV 2.0).
//!
//! A receipt, a sale, a shipment, a return, an e-bike aggregation, a recall: each is a
//! [`TraceEvent`] saying what (codes or quantities), when (event time and record time), where
//! (read point, business location) and why (business step, disposition, business transactions,
//! source and destination). Events are built with [`TraceEventBuilder`], which refuses anything
//! EPCIS forbids, so an event that exists exports as-is: [`TraceEvent::to_json`] gives the EPCIS
//! JSON-LD event and [`EpcisDocument`] the document, which validates against the official
//! `EPCIS-JSON-Schema.json`.
//!
//! Corrections never edit: [`TraceEvent::correction_of`] gives the declaration copy of the wrong
//! event (same eventID, with an `errorDeclaration`) and the corrective event.
//!
//! The ledger hash-chains each event's [`canonical_json`] bytes with [`chain_hash`], starting from
//! [`GENESIS_HASH`].
//!
//! ```
//! # use suyuan_core::epcis::{Action, BizStep, Disposition, TraceEvent, vocab};
//! # use chrono::{FixedOffset, TimeZone, Utc};
//! let beijing = FixedOffset::east_opt(8 * 3600).ok_or("offset")?;
//! let sold_at = beijing.with_ymd_and_hms(2025, 3, 1, 10, 0, 0).single().ok_or("time")?;
//! let sale = TraceEvent::object(Action::Observe, sold_at, Utc::now())
//!     .epc("https://id.gs1.org/01/06901234567892/21/S1")
//!     .biz_step(BizStep::RetailSelling)
//!     .disposition(Disposition::RetailSold)
//!     .extension(vocab::ext::REGION, "330106")
//!     .build()?;
//! assert_eq!(sale.to_json()["suyuan:region"], "330106");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod builder;
mod canonical;
mod correction;
mod document;
mod error;
mod event;
pub mod facts;
mod json;
mod quantity;
mod uri;
pub mod vocab;

#[cfg(test)]
mod tests;

pub use builder::TraceEventBuilder;
pub use canonical::{GENESIS_HASH, canonical_json, chain_hash};
pub use correction::Correction;
pub use document::{EPCIS_CONTEXT, EpcisDocument, SCHEMA_VERSION};
pub use error::EpcisError;
pub use event::{
    BizTransaction, ErrorDeclaration, MAX_CLOCK_SKEW, SourceDest, TraceEvent, new_event_id,
};
pub use quantity::{QuantityElement, Uom};
pub use vocab::{
    Action, BizStep, BizTransactionType, Disposition, ErrorReason, EventKind, SourceDestType,
};

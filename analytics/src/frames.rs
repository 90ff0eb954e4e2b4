//! The columns of the mirror's frames: the contract between the mirror (which writes them from
//! the store) and the computations (which read them). A change here is a change of the on-disk
//! layout, documented in the crate README.
//!
//! Times are `Datetime(Milliseconds, UTC)`; codes and ids are strings; a missing value is null.
//!
//! - **events** (append-only, one row per trace event; Hive-partitioned by `month`
//!   (`YYYY-MM` of `event_time`, China time) and `province` (first two digits of `region`, or
//!   of the seller's division when the event has none)): [`events`].
//! - **snapshots** of the few mutable tables analytics needs, rewritten whole on each run:
//!   [`sales`], [`transfers`], [`listings`], [`sellers`], [`submissions`], [`flags`],
//!   [`recalls`].

/// Column names of the `events` frame.
pub mod events {
    /// Event id (the ledger's primary key).
    pub const EVENT_ID: &str = "event_id";
    /// The seller whose ledger holds the event.
    pub const SELLER_ID: &str = "seller_id";
    /// Position in the seller's chain.
    pub const SEQ: &str = "seq";
    /// `receipt`, `sale`, `shipment`, `return` or `correction`.
    pub const RECORD_KIND: &str = "record_kind";
    /// When it happened.
    pub const EVENT_TIME: &str = "event_time";
    /// When it was registered.
    pub const RECORD_TIME: &str = "record_time";
    /// Registration deadline (null when none applies).
    pub const DEADLINE_AT: &str = "deadline_at";
    /// Catalogue category id (null when untraced).
    pub const CATEGORY_ID: &str = "category_id";
    /// Six-digit division code of where it happened (buyer's region for sales).
    pub const REGION: &str = "region";
    /// Two-digit province code (partition key).
    pub const PROVINCE: &str = "province";
    /// `YYYY-MM` of the event time in China time (partition key).
    pub const MONTH: &str = "month";
    /// `consumer`, `business` or null.
    pub const BUYER_TYPE: &str = "buyer_type";
    /// For a correction, the event it corrects.
    pub const CORRECTS_ID: &str = "corrects_id";
    /// Required data elements missing from the record, comma-separated ("" when complete).
    pub const MISSING_ELEMENTS: &str = "missing_elements";
    /// How many there are.
    pub const MISSING_COUNT: &str = "missing_count";
}

/// Column names of the `event_codes` frame (append-only with the events, same partitions): one
/// row per code an event carries, with what the code says of the product (for recalls).
pub mod event_codes {
    /// The event.
    pub const EVENT_ID: &str = "event_id";
    /// The seller whose ledger holds the event.
    pub const SELLER_ID: &str = "seller_id";
    /// The trace code as registered.
    pub const CODE: &str = "code";
    /// GTIN the code carries (null when it carries none).
    pub const GTIN: &str = "gtin";
    /// Batch/lot (null when none).
    pub const BATCH: &str = "batch";
    /// Serial (null when none).
    pub const SERIAL: &str = "serial";
    /// Units the code stands for on this event.
    pub const QUANTITY: &str = "quantity";
}

/// Column names of the `sales` snapshot (marketplace and offline sales, one row per sale).
pub mod sales {
    /// Sale id.
    pub const SALE_ID: &str = "sale_id";
    /// Seller.
    pub const SELLER_ID: &str = "seller_id";
    /// `shopify`, `woocommerce`, …, or `offline`.
    pub const PLATFORM: &str = "platform";
    /// Order status as the service normalises it (`pending`, `paid`, `fulfilled`, `cancelled`, …).
    pub const STATUS: &str = "status";
    /// `consumer` or `business`.
    pub const BUYER_TYPE: &str = "buyer_type";
    /// Six-digit division code of the delivery address (null when unknown).
    pub const REGION: &str = "region";
    /// Category of the traced line (first traced line; null when none is traced).
    pub const CATEGORY_ID: &str = "category_id";
    /// Whether registration is required (any line of a traced category, not cancelled).
    pub const REQUIRED: &str = "required";
    /// When the registration clock started (payment, per the core timeliness rule); null when it
    /// has not started (unpaid).
    pub const STARTED_AT: &str = "started_at";
    /// When it was registered (null while not).
    pub const COMPLETED_AT: &str = "completed_at";
    /// Registration deadline.
    pub const DEADLINE_AT: &str = "deadline_at";
    /// The registration's trace event (null while not registered).
    pub const EVENT_ID: &str = "event_id";
    /// Units sold (sum of line quantities less refunds).
    pub const QUANTITY: &str = "quantity";
}

/// Column names of the `transfers` snapshot (B2B next-tier transfers).
pub mod transfers {
    /// Transfer id.
    pub const TRANSFER_ID: &str = "transfer_id";
    /// The selling seller.
    pub const FROM_SELLER_ID: &str = "from_seller_id";
    /// The sale event that created it.
    pub const SALE_EVENT_ID: &str = "sale_event_id";
    /// Category.
    pub const CATEGORY_ID: &str = "category_id";
    /// `open`, `claimed`, `expired`, `cancelled`.
    pub const STATUS: &str = "status";
    /// When the goods were sold.
    pub const SOLD_AT: &str = "sold_at";
    /// Claiming seller (null while unclaimed).
    pub const CLAIMED_BY: &str = "claimed_by";
    /// When claimed.
    pub const CLAIMED_AT: &str = "claimed_at";
    /// The buyer's receipt event made by the claim.
    pub const CLAIMED_EVENT_ID: &str = "claimed_event_id";
    /// Reminders sent so far.
    pub const REMINDERS_SENT: &str = "reminders_sent";
    /// Last reminder.
    pub const LAST_REMINDER_AT: &str = "last_reminder_at";
}

/// Column names of the `listings` snapshot.
pub mod listings {
    /// Listing id.
    pub const LISTING_ID: &str = "listing_id";
    /// Seller.
    pub const SELLER_ID: &str = "seller_id";
    /// Catalogue category (null when not a catalogue product).
    pub const CATEGORY_ID: &str = "category_id";
    /// Whether the listing is live on the shop.
    pub const ACTIVE: &str = "active";
    /// Whether it shows a trace code.
    pub const HAS_CODE: &str = "has_code";
}

/// Column names of the `sellers` snapshot.
pub mod sellers {
    /// Seller id.
    pub const SELLER_ID: &str = "seller_id";
    /// Business name.
    pub const NAME: &str = "name";
    /// Six-digit division code of the seller (its jurisdiction).
    pub const DIVISION: &str = "division";
    /// Two-digit province code.
    pub const PROVINCE: &str = "province";
    /// `online`, `offline`, …
    pub const SELLER_TYPE: &str = "seller_type";
}

/// Column names of the `submissions` snapshot (trace-platform submissions).
pub mod submissions {
    /// Seller.
    pub const SELLER_ID: &str = "seller_id";
    /// The event submitted.
    pub const EVENT_ID: &str = "event_id";
    /// `pending`, `accepted`, `dead`, …
    pub const STATUS: &str = "status";
}

/// Column names of the `flags` snapshot (suspicious codes).
pub mod flags {
    /// Seller.
    pub const SELLER_ID: &str = "seller_id";
    /// Code.
    pub const CODE: &str = "code";
    /// Why it is suspicious.
    pub const REASON: &str = "reason";
    /// Event that raised it (null when none).
    pub const EVENT_ID: &str = "event_id";
}

/// Column names of the `recalls` snapshot.
pub mod recalls {
    /// Recall id.
    pub const RECALL_ID: &str = "recall_id";
    /// GTIN recalled.
    pub const GTIN: &str = "gtin";
    /// Batch (null: every batch of the GTIN).
    pub const BATCH: &str = "batch";
    /// Serial (null: every unit).
    pub const SERIAL: &str = "serial";
    /// `issued`, `updated`, `withdrawn`.
    pub const STATUS: &str = "status";
}

//! The words of EPCIS 2.0 and its Core Business Vocabulary (CBV 2.0) that Suyuan uses, in the
//! bare form the EPCIS JSON schema takes (`receiving`, not `urn:epcglobal:cbv:bizstep:receiving`),
//! and the names of Suyuan's own extension fields.

use super::error::{EpcisError, cut};
use super::uri;
use std::fmt;
use std::str::FromStr;

/// Declares a closed vocabulary: the enum, its wire words, `FromStr`, `Display` and serde.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, $field:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $word:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The word as EPCIS JSON writes it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }

            /// The value for an EPCIS JSON word, if it is one of ours.
            pub fn from_word(word: &str) -> Option<Self> {
                match word {
                    $($word => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// Like [`Self::from_word`], with an error that names `field`.
            pub(super) fn parse_at(field: &str, word: &str) -> Result<Self, EpcisError> {
                Self::from_word(word).ok_or_else(|| EpcisError::UnknownVocabulary {
                    field: field.to_owned(),
                    vocabulary: $field,
                    value: cut(word),
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = EpcisError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse_at($field, s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let word = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                Self::from_str(&word).map_err(serde::de::Error::custom)
            }
        }
    };
}

vocabulary! {
    /// The EPCIS event types Suyuan models. (AssociationEvent and extension event types are
    /// not modelled.)
    EventKind, "event type" {
        /// Something happened to objects: received, sold, shipped, recalled...
        Object => "ObjectEvent",
        /// Objects were put into, observed in or taken out of a parent (an e-bike with its
        /// battery and charger).
        Aggregation => "AggregationEvent",
        /// Objects were tied to or untied from a business transaction (an order, an invoice).
        Transaction => "TransactionEvent",
        /// Inputs were turned into outputs. Read from other systems; Suyuan itself does not
        /// produce them.
        Transformation => "TransformationEvent",
    }
}

impl EventKind {
    /// The type with its English article, for messages ("an ObjectEvent").
    pub fn with_article(self) -> &'static str {
        match self {
            EventKind::Object => "an ObjectEvent",
            EventKind::Aggregation => "an AggregationEvent",
            EventKind::Transaction => "a TransactionEvent",
            EventKind::Transformation => "a TransformationEvent",
        }
    }
}

vocabulary! {
    /// What an event does to the objects it names (EPCIS `action`).
    Action, "action" {
        /// The objects come into being in this context (commissioned, packed, tied to a transaction).
        Add => "ADD",
        /// The objects were seen; nothing was created or ended.
        Observe => "OBSERVE",
        /// The objects leave this context (decommissioned, unpacked, untied).
        Delete => "DELETE",
    }
}

vocabulary! {
    /// The business step of an event (CBV 2.0 `bizStep`).
    BizStep, "bizStep" {
        /// Accepting goods after receipt and inspection (验收).
        Accepting => "accepting",
        /// Arriving at a location.
        Arriving => "arriving",
        /// Assembling parts into a product.
        Assembling => "assembling",
        /// Collecting objects for disposal or recycling.
        Collecting => "collecting",
        /// Giving objects their identity (赋码).
        Commissioning => "commissioning",
        /// Consigning goods to a carrier.
        Consigning => "consigning",
        /// Creating an instance of a class (e.g. a lot).
        CreatingClassInstance => "creating_class_instance",
        /// Counting stock in a cycle.
        CycleCounting => "cycle_counting",
        /// Ending an identity's use.
        Decommissioning => "decommissioning",
        /// Departing from a location.
        Departing => "departing",
        /// Destroying objects.
        Destroying => "destroying",
        /// Taking a product apart.
        Disassembling => "disassembling",
        /// Dispensing a product.
        Dispensing => "dispensing",
        /// Writing an identifier to a data carrier.
        Encoding => "encoding",
        /// Entering or leaving a place.
        EnteringExiting => "entering_exiting",
        /// Holding objects (e.g. quarantine).
        Holding => "holding",
        /// Inspecting goods (查验).
        Inspecting => "inspecting",
        /// Installing a part into a larger object.
        Installing => "installing",
        /// Terminating an RFID tag.
        Killing => "killing",
        /// Loading onto a vehicle.
        Loading => "loading",
        /// A step not otherwise named.
        Other => "other",
        /// Packing objects into a container (组合包装).
        Packing => "packing",
        /// Picking objects for an order.
        Picking => "picking",
        /// Receiving goods (进货).
        Receiving => "receiving",
        /// Removing a part from a larger object.
        Removing => "removing",
        /// Packing again in a different packaging.
        Repackaging => "repackaging",
        /// Repairing objects.
        Repairing => "repairing",
        /// Replacing a part.
        Replacing => "replacing",
        /// Reserving identifiers.
        Reserving => "reserving",
        /// Selling to a consumer at retail (零售).
        RetailSelling => "retail_selling",
        /// Shipping goods to another party (发货).
        Shipping => "shipping",
        /// Staging goods for outbound shipment.
        StagingOutbound => "staging_outbound",
        /// Counting all stock.
        StockTaking => "stock_taking",
        /// Moving goods to where they are sold.
        Stocking => "stocking",
        /// Moving goods into storage.
        Storing => "storing",
        /// Moving goods between places.
        Transporting => "transporting",
        /// Unloading from a vehicle.
        Unloading => "unloading",
        /// Taking objects out of a container.
        Unpacking => "unpacking",
        /// Cancelling a shipment that had been recorded (撤销发货).
        VoidShipping => "void_shipping",
        /// Reporting sensor readings.
        SensorReporting => "sensor_reporting",
        /// Taking a sample for testing.
        Sampling => "sampling",
    }
}

vocabulary! {
    /// The business state of objects after an event (CBV 2.0 `disposition`).
    Disposition, "disposition" {
        /// Commissioned and in use.
        Active => "active",
        /// The container is closed.
        ContainerClosed => "container_closed",
        /// Damaged.
        Damaged => "damaged",
        /// Destroyed.
        Destroyed => "destroyed",
        /// Fully dispensed.
        Dispensed => "dispensed",
        /// Disposed of.
        Disposed => "disposed",
        /// Identifier encoded.
        Encoded => "encoded",
        /// Past its expiry date.
        Expired => "expired",
        /// In the middle of a business process (e.g. received, not yet accepted).
        InProgress => "in_progress",
        /// On its way between parties.
        InTransit => "in_transit",
        /// Decommissioned.
        Inactive => "inactive",
        /// The pedigree does not match.
        NoPedigreeMatch => "no_pedigree_match",
        /// Not sellable for another reason.
        NonSellableOther => "non_sellable_other",
        /// Partly dispensed.
        PartiallyDispensed => "partially_dispensed",
        /// Recalled (召回).
        Recalled => "recalled",
        /// Identifier reserved.
        Reserved => "reserved",
        /// Sold to a consumer (已售).
        RetailSold => "retail_sold",
        /// Returned (退货).
        Returned => "returned",
        /// Sellable and within the buyer's reach.
        SellableAccessible => "sellable_accessible",
        /// Sellable but not within the buyer's reach (in the back room).
        SellableNotAccessible => "sellable_not_accessible",
        /// Stolen.
        Stolen => "stolen",
        /// Unknown.
        Unknown => "unknown",
        /// Available.
        Available => "available",
        /// Completeness checked by inspection.
        CompletenessVerified => "completeness_verified",
        /// Completeness inferred.
        CompletenessInferred => "completeness_inferred",
        /// Conforms to its requirements (查验合格).
        Conformant => "conformant",
        /// The container is open.
        ContainerOpen => "container_open",
        /// A different instance than expected.
        MismatchInstance => "mismatch_instance",
        /// A different class than expected.
        MismatchClass => "mismatch_class",
        /// A different quantity than expected.
        MismatchQuantity => "mismatch_quantity",
        /// Needs replacing.
        NeedsReplacement => "needs_replacement",
        /// Does not conform to its requirements (查验不合格).
        NonConformant => "non_conformant",
        /// Unavailable.
        Unavailable => "unavailable",
    }
}

vocabulary! {
    /// The kind of a business transaction document (CBV 2.0 `bizTransaction` type).
    BizTransactionType, "bizTransaction type" {
        /// Bill of lading.
        Bol => "bol",
        /// Certificate.
        Cert => "cert",
        /// Despatch advice: the supplier's delivery note (送货单).
        Desadv => "desadv",
        /// Invoice (发票).
        Inv => "inv",
        /// Pedigree.
        Pedigree => "pedigree",
        /// Purchase order; also a marketplace order (订单).
        Po => "po",
        /// Purchase order confirmation.
        Poc => "poc",
        /// Production order.
        Prodorder => "prodorder",
        /// Receiving advice: the buyer's goods-received note (收货单).
        Recadv => "recadv",
        /// Return merchandise authorisation (退货单).
        Rma => "rma",
        /// Test procedure.
        Testprd => "testprd",
        /// Test result.
        Testres => "testres",
        /// Upstream EPCIS event.
        Upevt => "upevt",
    }
}

vocabulary! {
    /// The role of a party or place in `sourceList` / `destinationList` (CBV 2.0).
    SourceDestType, "source/destination type" {
        /// The party that owns the goods (the seller / the buyer).
        OwningParty => "owning_party",
        /// The party that holds the goods physically (a carrier, a warehouse).
        PossessingParty => "possessing_party",
        /// A place.
        Location => "location",
    }
}

vocabulary! {
    /// Why an event is declared in error (EPCIS `errorDeclaration.reason`).
    ErrorReason, "error reason" {
        /// The event did not happen.
        DidNotOccur => "did_not_occur",
        /// The event happened, but its data were wrong; the corrective event has the right data.
        IncorrectData => "incorrect_data",
    }
}

/// The JSON-LD prefix of Suyuan's extension fields (`"suyuan:region"`).
pub const SUYUAN_PREFIX: &str = "suyuan";

/// The namespace IRI the `suyuan` prefix stands for in a document's `@context`.
pub const SUYUAN_NAMESPACE: &str = "https://suyuan.dev/epcis#";

/// Local names of Suyuan's extension fields, written as `"suyuan:<name>"` in EPCIS JSON.
///
/// Events are exported to supervisors and other platforms: never put a consumer's identity in an
/// extension (PIPL). Name business parties by credit code, consumers by region and buyer type.
pub mod ext {
    /// The seller who recorded the event (our seller id).
    pub const SELLER: &str = "seller";
    /// The catalogue category id of the product.
    pub const CATEGORY: &str = "category";
    /// The sales region: a 6-digit administrative division code (GB/T 2260).
    pub const REGION: &str = "region";
    /// Who bought: `consumer`, `distributor` or `agent`.
    pub const BUYER_TYPE: &str = "buyerType";
    /// The certificate checked: CCC certificate or production licence number.
    pub const CERTIFICATE: &str = "certificate";
    /// The result of checking the certificate against its issuer.
    pub const CERTIFICATE_CHECK: &str = "certificateCheck";
    /// The result of the incoming inspection.
    pub const INSPECTION_RESULT: &str = "inspectionResult";
    /// Who inspected (a staff role or staff id, not a personal name).
    pub const INSPECTOR: &str = "inspector";
    /// The product name.
    pub const PRODUCT_NAME: &str = "productName";
    /// The product model (型号).
    pub const MODEL: &str = "model";
    /// The producer's name.
    pub const PRODUCER: &str = "producer";
    /// The supplier's name (the credit code goes in `sourceList`).
    pub const SUPPLIER_NAME: &str = "supplierName";
    /// A business buyer's name (the credit code goes in `destinationList`).
    pub const BUYER_NAME: &str = "buyerName";
    /// A business buyer's unified social credit code, when it is not also a `destinationList`
    /// party.
    pub const BUYER_CREDIT_CODE: &str = "buyerCreditCode";
    /// How goods were shipped to a business buyer.
    pub const SHIPPING_METHOD: &str = "shippingMethod";
    /// The carrier's tracking number.
    pub const TRACKING_NUMBER: &str = "trackingNumber";
    /// The marketplace order id.
    pub const ORDER_ID: &str = "orderId";
    /// The URL of the online listing the product was sold from.
    pub const LISTING_URL: &str = "listingUrl";
    /// Why a record was made long after its event time (back-dated beyond the limit).
    pub const BACKDATE_REASON: &str = "backdateReason";
}

/// Common UN/CEFACT Recommendation 20 unit codes for [`super::QuantityElement`].
pub mod uom {
    /// Metre (cables sold by length).
    pub const METRE: &str = "MTR";
    /// Kilometre.
    pub const KILOMETRE: &str = "KMT";
    /// Kilogram.
    pub const KILOGRAM: &str = "KGM";
    /// Tonne (steel bars).
    pub const TONNE: &str = "TNE";
    /// Piece.
    pub const PIECE: &str = "H87";
    /// One (a count).
    pub const ONE: &str = "C62";
    /// Set.
    pub const SET: &str = "SET";
}

/// A URN in Suyuan's own namespace: `urn:suyuan:<kind>:<id>`, with `id` percent-encoded so that any
/// text (a delivery-note number with spaces or Chinese characters) fits.
///
/// Use it for identifiers that have no GS1 form: `suyuan_urn("bt", "DN 2025-001")` gives
/// `urn:suyuan:bt:DN%202025-001`.
pub fn suyuan_urn(kind: &str, id: &str) -> String {
    format!(
        "urn:suyuan:{}:{}",
        uri::encode_segment(kind),
        uri::encode_segment(id)
    )
}

/// The business location of a seller: `urn:suyuan:loc:<seller_id>`.
pub fn seller_location(seller_id: &str) -> String {
    suyuan_urn("loc", seller_id)
}

/// A party identified by its unified social credit code: `urn:suyuan:party:<code>`, for
/// `sourceList` / `destinationList` entries of type `owning_party`. Pass a code that was already
/// validated.
pub fn party(credit_code: &str) -> String {
    suyuan_urn("party", credit_code)
}

/// The location of an administrative division: `urn:suyuan:division:<6-digit code>` (GB/T 2260).
pub fn division_location(code: &str) -> Result<String, EpcisError> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(format!("urn:suyuan:division:{code}"))
    } else {
        Err(EpcisError::InvalidUri {
            field: "bizLocation.id".to_owned(),
            value: cut(code),
            reason: "a division code has exactly 6 digits".to_owned(),
        })
    }
}

//! Prefixed identifiers (`sel_01JD…`): the prefix says what an id names, so an id of one kind
//! can never be passed where another is expected, and a log line reads at a glance.

use std::fmt;
use std::str::FromStr;

/// Why a string is not an identifier of the expected kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The prefix is not the one this kind of id carries.
    #[error("id `{value}` should start with `{expected}_`")]
    WrongPrefix {
        /// The prefix expected.
        expected: &'static str,
        /// The input, cut to 64 characters.
        value: String,
    },
    /// The part after the prefix is not a ULID.
    #[error("id `{value}` does not end in a 26-character ULID")]
    BadUlid {
        /// The input, cut to 64 characters.
        value: String,
    },
}

impl IdError {
    /// The same message in Chinese, for sellers and supervisors.
    pub fn message_zh(&self) -> String {
        match self {
            IdError::WrongPrefix { expected, value } => {
                format!("编号 `{value}` 应以 `{expected}_` 开头")
            }
            IdError::BadUlid { value } => format!("编号 `{value}` 的格式不正确"),
        }
    }
}

fn cut(s: &str) -> String {
    s.chars().take(64).collect()
}

/// The ULID part of an id as a regular expression (the same in ECMA-262 and in Python): 26
/// characters of Crockford's base32 in either case, exactly what [`ulid::Ulid::from_string`]
/// reads (`I`, `L`, `O` and `U` are not in the alphabet; the first character is not limited to
/// `0`-`7`). Each id kind's `PATTERN` is its prefix, `_` and this, anchored.
pub const ULID_REGEX: &str = "[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}";

macro_rules! prefixed_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The prefix every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// What [`Self::parse`] accepts, as an anchored regular expression: the prefix, `_`
            /// and [`ULID_REGEX`]. The OpenAPI document declares ids of this kind with it.
            pub const PATTERN: &'static str =
                concat!("^", $prefix, "_[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$");

            /// A new, unique, time-ordered id.
            pub fn generate() -> Self {
                Self(format!("{}_{}", $prefix, ulid::Ulid::new()))
            }

            /// Parses an id, checking its prefix and its ULID.
            pub fn parse(input: &str) -> Result<Self, IdError> {
                let rest = input
                    .strip_prefix(concat!($prefix, "_"))
                    .ok_or_else(|| IdError::WrongPrefix { expected: $prefix, value: cut(input) })?;
                let ulid = ulid::Ulid::from_string(rest)
                    .map_err(|_| IdError::BadUlid { value: cut(input) })?;
                Ok(Self(format!("{}_{}", $prefix, ulid)))
            }

            /// The id as stored and sent.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        /// In the OpenAPI document: a string matching [`Self::PATTERN`].
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::Type::String)
                    .pattern(Some(Self::PATTERN))
                    .description(Some(concat!(
                        "`", $prefix, "_` and a 26-character ULID (Crockford base32, either case)"
                    )))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

prefixed_id!(
    /// A seller (tenant).
    SellerId, "sel");
prefixed_id!(
    /// A marketplace operator.
    OperatorId, "opr");
prefixed_id!(
    /// A supervisor (regulator account).
    SupervisorId, "sup");
prefixed_id!(
    /// An administrator.
    AdminId, "adm");
prefixed_id!(
    /// A connected marketplace store.
    StoreId, "sto");
prefixed_id!(
    /// A marketplace listing.
    ListingId, "lst");
prefixed_id!(
    /// A stored trace event.
    EventId, "evt");
prefixed_id!(
    /// A sale (a marketplace order, or an offline or B2B sale).
    SaleId, "sal");
prefixed_id!(
    /// A B2B transfer the buyer claims.
    TransferId, "trf");
prefixed_id!(
    /// A recall notice.
    RecallId, "rcl");
prefixed_id!(
    /// An operator's subscription to listing status changes.
    SubscriptionId, "sub");
prefixed_id!(
    /// One outgoing notification message (its Standard Webhooks `webhook-id`).
    MessageId, "msg");
prefixed_id!(
    /// A trace platform that records are submitted to.
    PlatformId, "plt");
prefixed_id!(
    /// A routing rule (which records go to which trace platform).
    RoutingRuleId, "rte");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_id_parses_back_to_itself() {
        let id = SellerId::generate();
        assert_eq!(SellerId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn an_id_of_another_kind_is_refused_with_the_expected_prefix() {
        let store = StoreId::generate();
        let err = SellerId::parse(store.as_str()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("id `{store}` should start with `sel_`")
        );
    }

    #[test]
    fn a_mangled_ulid_is_refused() {
        assert!(matches!(
            SellerId::parse("sel_nope"),
            Err(IdError::BadUlid { .. })
        ));
    }

    /// Runs `$body` once for each kind of id, with `$id` naming the kind.
    macro_rules! for_each_kind {
        ($id:ident => $body:block) => {{
            {
                type $id = SellerId;
                $body
            }
            {
                type $id = OperatorId;
                $body
            }
            {
                type $id = SupervisorId;
                $body
            }
            {
                type $id = AdminId;
                $body
            }
            {
                type $id = StoreId;
                $body
            }
            {
                type $id = ListingId;
                $body
            }
            {
                type $id = EventId;
                $body
            }
            {
                type $id = SaleId;
                $body
            }
            {
                type $id = TransferId;
                $body
            }
            {
                type $id = RecallId;
                $body
            }
            {
                type $id = SubscriptionId;
                $body
            }
            {
                type $id = MessageId;
                $body
            }
            {
                type $id = PlatformId;
                $body
            }
            {
                type $id = RoutingRuleId;
                $body
            }
        }};
    }

    #[test]
    fn each_pattern_is_the_prefix_and_the_ulid_regex() {
        for_each_kind!(Id => {
            assert_eq!(Id::PATTERN, format!("^{}_{}$", Id::PREFIX, ULID_REGEX));
        });
    }

    #[test]
    fn each_pattern_accepts_exactly_what_parse_accepts() {
        for_each_kind!(Id => {
            let schema = serde_json::json!({"type": "string", "pattern": Id::PATTERN});
            let validator = jsonschema::validator_for(&schema).unwrap();
            let p = Id::PREFIX;
            let generated = Id::generate();
            let zeros = |n: usize| "0".repeat(n);
            let mut samples = vec![
                generated.as_str().to_owned(),
                generated.as_str().to_lowercase(),
                format!("{p}_"),
                format!("{p}_{}", zeros(25)),
                format!("{p}_{}", zeros(27)),
                format!("{}_{}", p.to_uppercase(), zeros(26)),
                format!("{p}-{}", zeros(26)),
                format!(" {p}_{}", zeros(26)),
                format!("{p}_{} ", zeros(26)),
                format!("{p}_{}\n", zeros(26)),
                format!("{p}_{}é", zeros(25)),
            ];
            for c in (0u8..128).map(char::from).chain(['é', 'Ａ', '٣']) {
                samples.push(format!("{p}_{}", c.to_string().repeat(26)));
                samples.push(format!("{p}_{c}{}", zeros(25)));
                samples.push(format!("{p}_{}{c}", zeros(25)));
            }
            for s in &samples {
                assert_eq!(
                    validator.is_valid(&serde_json::json!(s)),
                    Id::parse(s).is_ok(),
                    "{s:?}"
                );
            }
        });
    }
}

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

macro_rules! prefixed_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// The prefix every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

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
}

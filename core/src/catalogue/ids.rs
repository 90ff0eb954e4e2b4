//! Category ids: the stable slugs that name catalogue categories and aggregation parts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The stable identifier of a catalogue category, such as `ebike` or `ccc_household_appliance`.
///
/// A slug of 1 to 64 characters: lowercase ASCII letters, digits and `_`, starting with a letter. It is
/// stored with every trace record, so it never changes once published.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryId(String);

impl CategoryId {
    /// The longest id accepted.
    pub const MAX_LEN: usize = 64;

    /// Parses a category id, saying what is wrong with it if it is not a valid slug.
    pub fn parse(value: &str) -> Result<Self, CategoryIdError> {
        check_slug(value, Self::MAX_LEN)?;
        Ok(Self(value.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CategoryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CategoryId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for CategoryId {
    type Err = CategoryIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CategoryId {
    type Error = CategoryIdError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        check_slug(&value, Self::MAX_LEN)?;
        Ok(Self(value))
    }
}

impl From<CategoryId> for String {
    fn from(id: CategoryId) -> Self {
        id.0
    }
}

/// Why a text is not a valid [`CategoryId`] (or aggregation part name).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CategoryIdError {
    /// The text is empty.
    #[error("an id must not be empty")]
    Empty,
    /// The text is longer than allowed.
    #[error("an id has at most {max} characters, got {len}")]
    TooLong {
        /// Characters in the text.
        len: usize,
        /// The most allowed.
        max: usize,
    },
    /// The first character is not a lowercase ASCII letter.
    #[error("an id starts with a lowercase ASCII letter, not `{0}`")]
    BadStart(char),
    /// A character other than a lowercase ASCII letter, a digit or `_`.
    #[error(
        "an id has only lowercase ASCII letters, digits and `_`; `{ch}` at position {position} is not allowed"
    )]
    BadChar {
        /// The offending character.
        ch: char,
        /// Its position, counting characters from 1.
        position: usize,
    },
}

impl CategoryIdError {
    /// The message in Chinese, for sellers and operators.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Empty => "标识不能为空".to_owned(),
            Self::TooLong { len, max } => format!("标识最多 {max} 个字符，实际为 {len} 个"),
            Self::BadStart(c) => format!("标识须以小写英文字母开头，不能以“{c}”开头"),
            Self::BadChar { ch, position } => {
                format!("标识只能包含小写英文字母、数字和下划线，第 {position} 个字符“{ch}”不允许")
            }
        }
    }
}

pub(super) fn check_slug(value: &str, max: usize) -> Result<(), CategoryIdError> {
    let len = value.chars().count();
    if len == 0 {
        return Err(CategoryIdError::Empty);
    }
    if len > max {
        return Err(CategoryIdError::TooLong { len, max });
    }
    for (i, ch) in value.chars().enumerate() {
        if i == 0 && !ch.is_ascii_lowercase() {
            return Err(CategoryIdError::BadStart(ch));
        }
        if !(ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_') {
            return Err(CategoryIdError::BadChar {
                ch,
                position: i + 1,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(s: &str) -> CategoryId {
        CategoryId::parse(s).unwrap()
    }

    #[test]
    fn category_ids_are_validated_slugs() {
        assert!(CategoryId::parse("ccc_household_appliance").is_ok());
        assert_eq!(CategoryId::parse(""), Err(CategoryIdError::Empty));
        assert_eq!(
            CategoryId::parse("1abc"),
            Err(CategoryIdError::BadStart('1'))
        );
        assert_eq!(
            CategoryId::parse("e-bike"),
            Err(CategoryIdError::BadChar {
                ch: '-',
                position: 2
            })
        );
        assert!(matches!(
            CategoryId::parse(&"a".repeat(65)),
            Err(CategoryIdError::TooLong { len: 65, .. })
        ));
        assert!(serde_json::from_str::<CategoryId>("\"Bad\"").is_err());
        assert_eq!(serde_json::to_string(&id("ebike")).unwrap(), "\"ebike\"");
    }

    proptest! {
        #[test]
        fn valid_slugs_parse_and_round_trip(slug in "[a-z][a-z0-9_]{0,63}") {
            let parsed = CategoryId::parse(&slug).unwrap();
            prop_assert_eq!(parsed.as_str(), slug.as_str());
        }
    }
}

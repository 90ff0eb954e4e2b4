//! Match rules: the keywords, marketplace category names and GS1 prefixes that recognise a
//! listing as a category, and the text matching they rely on.

use serde::{Deserialize, Serialize};

use super::load::de_number;

/// A keyword and how strongly it points to its category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Keyword {
    /// The keyword, matched case-insensitively.
    pub term: String,
    /// Its weight, in (0, 1].
    #[serde(deserialize_with = "de_number")]
    pub weight: f32,
}

/// A marketplace category or product-type name (Shopify `product_type`, a WooCommerce category, a
/// Youzan or Douyin category) and how strongly it points to its category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketplaceCategory {
    /// The name, compared case-insensitively with a listing's product type, category, or one segment
    /// of a category path (`运动户外 > 骑行 > 电动自行车`).
    pub name: String,
    /// Its weight, in (0, 1].
    #[serde(deserialize_with = "de_number")]
    pub weight: f32,
}

/// A GS1 company prefix whose products belong to the category (a known producer's prefix).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GtinPrefix {
    /// 3 to 12 digits, compared with the GTIN-13 form of a listing's barcodes.
    pub prefix: String,
    /// Its weight, in (0, 1].
    #[serde(deserialize_with = "de_number")]
    pub weight: f32,
}

/// The rules that recognise a listing as belonging to a category.
///
/// Chinese keywords match as substrings, English keywords as whole words (with an optional plural `s`
/// or `es`), both case-insensitively after full-width characters are folded. A keyword match that lies
/// inside a longer keyword match (of any category) does not count, so `电动车头盔` is a helmet and not
/// an `电动车`. A negative keyword in the title, product type or categories vetoes the category.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchRules {
    /// Chinese keywords (substring match).
    #[serde(default)]
    pub keywords_zh: Vec<Keyword>,
    /// English keywords (whole-word match).
    #[serde(default)]
    pub keywords_en: Vec<Keyword>,
    /// Chinese keywords that veto the category (substring match).
    #[serde(default)]
    pub negative_keywords_zh: Vec<String>,
    /// English keywords that veto the category (whole-word match).
    #[serde(default)]
    pub negative_keywords_en: Vec<String>,
    /// Marketplace category and product-type names.
    #[serde(default)]
    pub marketplace_categories: Vec<MarketplaceCategory>,
    /// GS1 company prefixes.
    #[serde(default)]
    pub gtin_prefixes: Vec<GtinPrefix>,
}

impl MatchRules {
    /// Whether there is no positive rule, so the category is never chosen by classification (a group
    /// matched through its more specific categories).
    pub fn is_empty(&self) -> bool {
        self.keywords_zh.is_empty()
            && self.keywords_en.is_empty()
            && self.marketplace_categories.is_empty()
            && self.gtin_prefixes.is_empty()
    }
}

/// Folds full-width ASCII to half-width, lowercases, and collapses runs of whitespace to one space.
pub(super) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = false;
    for c in text.chars() {
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        };
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        out.extend(c.to_lowercase());
    }
    out
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Byte spans of `term` in `text`: every occurrence, or, for a whole-word term, occurrences with no
/// ASCII letter or digit on either side (an `s` or `es` plural ending is taken into the match).
pub(super) fn find_term(text: &str, term: &str, whole_word: bool) -> Vec<(usize, usize)> {
    let term = term.trim();
    if term.is_empty() {
        return Vec::new();
    }
    let mut spans = Vec::new();
    for (start, _) in text.match_indices(term) {
        let end = start + term.len();
        if !whole_word {
            spans.push((start, end));
            continue;
        }
        if text[..start].chars().next_back().is_some_and(is_word_char) {
            continue;
        }
        let rest = &text[end..];
        let plural = ["", "s", "es"].into_iter().find(|suffix| {
            rest.strip_prefix(suffix)
                .is_some_and(|after| !after.chars().next().is_some_and(is_word_char))
        });
        if let Some(suffix) = plural {
            spans.push((start, end + suffix.len()));
        }
    }
    spans
}

/// A barcode's digits in GTIN-13 form, for company-prefix comparison: GTIN-14 loses its indicator
/// digit, UPC-A (12 digits) gains a leading zero, GTIN-13 and GTIN-8 stay. `None` if it is not 8, 12,
/// 13 or 14 digits after spaces and hyphens are removed.
pub(super) fn gtin13_form(barcode: &str) -> Option<String> {
    let digits: String = barcode
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match digits.len() {
        14 => Some(digits[1..].to_owned()),
        12 => Some(format!("0{digits}")),
        8 | 13 => Some(digits),
        _ => None,
    }
}

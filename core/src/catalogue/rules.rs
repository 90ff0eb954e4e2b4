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
    /// For a category whose codes aggregate parts: the words that name each part, so a listing of a
    /// part (an e-bike's battery or charger) is recognised as the category and told apart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartRules>,
}

/// The words that name one coded part of a product whose codes aggregate (`battery`, `charger` or
/// `vehicle` of an e-bike).
///
/// A part word adds to its category's score only when another of the category's rules matched too
/// (`锂电池` alone is a lithium battery; `电动车锂电池` is an e-bike's battery), and the part whose
/// words weigh most is the part the listing sells; with none, it sells the aggregation's parent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartRules {
    /// The part: the aggregation's parent or one of its children.
    pub part: String,
    /// Chinese words naming the part (substring match).
    #[serde(default)]
    pub keywords_zh: Vec<Keyword>,
    /// English words naming the part (whole-word match).
    #[serde(default)]
    pub keywords_en: Vec<Keyword>,
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

/// Words that start a phrase naming something sold along with the product or that it fits, not the
/// product itself: a gift (`送头盔`, `赠绳卡`), a companion (`with charger`, `带开关`, `含电池`) or
/// what it is for (`for 48V battery`, `fits`, `适用雅迪`, `兼容`).
const COMPANION_MARKERS_ZH: [&str; 6] = ["送", "赠", "适用", "兼容", "带", "含"];
/// Markers that start a companion phrase only at the start of a word: `带开关`, `含电池`, but not
/// `带肋钢筋` inside `冷轧带肋钢筋` nor `皮带`.
const WORD_START_MARKERS_ZH: [&str; 2] = ["带", "含"];
/// Markers that end a phrase naming what the product is for: `燃气灶专用` or `燃气灶 专用` (dedicated
/// to gas stoves) names the product it fits, from the start of the word before the marker.
/// `适用` ending a word (`燃气灶适用 炒锅`: suitable for gas stoves) marks it the same way; starting
/// a word (`适用雅迪`) it is a companion marker.
const TRAILING_MARKERS_ZH: [&str; 2] = ["专用", "适用"];
/// A marker that names what the product is for only as a word of its own: `烟雾报警器 用`.
const LONE_MARKER_ZH: &str = "用";
const COMPANION_MARKERS_EN: [&str; 5] = ["with", "for", "fits", "incl", "including"];

/// Characters that end a phrase in a listing title.
pub(super) fn ends_phrase(c: char) -> bool {
    matches!(
        c,
        ',' | ';'
            | '|'
            | '('
            | ')'
            | '['
            | ']'
            | '，'
            | '；'
            | '、'
            | '（'
            | '）'
            | '【'
            | '】'
            | '。'
    )
}

/// Byte spans of the companion phrases of a normalised text: from a Chinese marker (`带` and `含` only
/// at the start of a word) to the end of its word (the next space or punctuation), from an English
/// marker to the next punctuation.
pub(super) fn companion_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for marker in COMPANION_MARKERS_ZH {
        for (start, _) in text.match_indices(marker) {
            let word_start = text[..start]
                .chars()
                .next_back()
                .is_none_or(|c| c.is_whitespace() || ends_phrase(c));
            if WORD_START_MARKERS_ZH.contains(&marker) && !word_start {
                continue;
            }
            let after = start + marker.len();
            let rest = &text[after..];
            let skipped = rest.len() - rest.trim_start().len();
            let word = &rest[skipped..];
            let len = word
                .find(|c: char| c.is_whitespace() || ends_phrase(c))
                .unwrap_or(word.len());
            spans.push((start, after + skipped + len));
        }
    }
    for marker in COMPANION_MARKERS_EN {
        for (start, end) in find_term(text, marker, true) {
            if end - start != marker.len() {
                continue;
            }
            let len = text[end..].find(ends_phrase).unwrap_or(text.len() - end);
            spans.push((start, end + len));
        }
    }
    spans
}

/// Byte spans of the phrases of a normalised text that name what the product is dedicated to, from
/// the start of the word before a trailing marker to the marker's end (`燃气灶专用`, `燃气灶 专用`).
/// A keyword in one weighs half, as in a companion phrase, but a negative keyword there still vetoes
/// (`钢丝绳 润滑脂 专用` is grease for wire rope).
pub(super) fn dedicated_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for marker in TRAILING_MARKERS_ZH {
        for (start, _) in text.match_indices(marker) {
            let end = start + marker.len();
            let ends_word = text[end..]
                .chars()
                .next()
                .is_none_or(|c| c.is_whitespace() || ends_phrase(c));
            // `适用` marks the word it ends (`燃气灶适用 炒锅`), not one before a space (`电池 适用 雅迪`).
            let attached = text[..start]
                .chars()
                .next_back()
                .is_some_and(|c| !c.is_whitespace() && !ends_phrase(c));
            if marker == "适用" && !(ends_word && attached) {
                continue;
            }
            // The word the marker follows, directly (`燃气灶专用`) or after one space (`燃气灶 专用`).
            let before = text[..start].strip_suffix(' ').unwrap_or(&text[..start]);
            let word_start = before
                .rfind(|c: char| c.is_whitespace() || ends_phrase(c))
                .map_or(0, |i| {
                    i + before[i..].chars().next().map_or(1, char::len_utf8)
                });
            if word_start < before.len() {
                spans.push((word_start, start + marker.len()));
            }
        }
    }
    // `用` standing alone after a word (`烟雾报警器 用`: for smoke alarms) marks it too; inside a word
    // it is part of another (`家用`, `商用`, `通用`).
    for (start, _) in text.match_indices(LONE_MARKER_ZH) {
        let end = start + LONE_MARKER_ZH.len();
        let lone_before = text[..start].ends_with(' ');
        let lone_after = text[end..]
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || ends_phrase(c));
        if !(lone_before && lone_after) {
            continue;
        }
        let before = &text[..start - 1];
        let word_start = before
            .rfind(|c: char| c.is_whitespace() || ends_phrase(c))
            .map_or(0, |i| {
                i + before[i..].chars().next().map_or(1, char::len_utf8)
            });
        if word_start < before.len() {
            spans.push((word_start, end));
        }
    }
    spans
}

/// Whether the span `(start, end)` lies within one of `spans`.
pub(super) fn within(spans: &[(usize, usize)], start: usize, end: usize) -> bool {
    spans.iter().any(|&(s, e)| s <= start && end <= e)
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Byte spans of `term` in `text`: for a whole-word term, occurrences with no ASCII letter or digit
/// on either side (an `s` or `es` plural ending is taken into the match); otherwise every occurrence,
/// also one split by a space between two Chinese characters (`消防 应急灯` is `消防应急灯`: sellers
/// space Chinese words freely).
pub(super) fn find_term(text: &str, term: &str, whole_word: bool) -> Vec<(usize, usize)> {
    let term = term.trim();
    if term.is_empty() {
        return Vec::new();
    }
    if !whole_word {
        return find_spaced(text, term);
    }
    text.match_indices(term)
        .filter_map(|(start, _)| {
            whole_word_end(text, start, start + term.len()).map(|end| (start, end))
        })
        .collect()
}

/// Where a whole-word match of the text between `start` and `end` ends: `None` when an ASCII letter
/// or digit stands right before it or right after it (after an optional plural `s` or `es`, which
/// the match takes in).
pub(super) fn whole_word_end(text: &str, start: usize, end: usize) -> Option<usize> {
    if text[..start].chars().next_back().is_some_and(is_word_char) {
        return None;
    }
    let rest = &text[end..];
    ["", "s", "es"]
        .into_iter()
        .find(|suffix| {
            rest.strip_prefix(suffix)
                .is_some_and(|after| !after.chars().next().is_some_and(is_word_char))
        })
        .map(|suffix| end + suffix.len())
}

/// Every occurrence of `term` in `text`, where one space may separate two non-ASCII characters of the
/// term that are adjacent in it.
fn find_spaced(text: &str, term: &str) -> Vec<(usize, usize)> {
    let Some(first) = term.chars().next() else {
        return Vec::new();
    };
    let mut spans = Vec::new();
    for (start, _) in text.match_indices(first) {
        let mut at = start;
        let mut previous: Option<char> = None;
        let mut matched = true;
        for c in term.chars() {
            if let Some(p) = previous
                && !p.is_ascii()
                && !c.is_ascii()
                && text[at..].starts_with(' ')
                && text[at + 1..].starts_with(c)
            {
                at += 1;
            }
            if !text[at..].starts_with(c) {
                matched = false;
                break;
            }
            at += c.len_utf8();
            previous = Some(c);
        }
        if matched {
            spans.push((start, at));
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

//! Finding every category's keywords in a listing's texts in one pass: an Aho-Corasick automaton over
//! the catalogue's keywords (thousands of words), built when the catalogue is loaded or extended. It
//! finds exactly what [`find_term`](super::rules::find_term) finds keyword by keyword: Chinese keywords
//! as substrings, one space allowed between two adjacent non-ASCII characters (`消防 应急灯`), English
//! keywords as whole words with an optional plural `s` or `es`.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, MatchKind};

use super::Category;
use super::rules::{normalize, whole_word_end};

/// One keyword of one category.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    /// Index of the category in the catalogue.
    pub category: usize,
    /// The keyword, as written in the catalogue.
    pub term: String,
    /// Its weight.
    pub weight: f32,
}

/// The catalogue's keywords, Chinese and English, each with an automaton over the distinct normalised
/// terms.
#[derive(Debug, Clone)]
pub(super) struct KeywordIndex {
    entries: Vec<Entry>,
    zh: Patterns,
    en: Patterns,
}

/// An automaton over distinct terms and, per term, the entries that carry it.
#[derive(Debug, Clone)]
struct Patterns {
    automaton: Option<AhoCorasick>,
    entries: Vec<Vec<usize>>,
}

impl Patterns {
    fn new(terms: Vec<(String, usize)>) -> Self {
        let mut distinct: Vec<String> = Vec::new();
        let mut entries: Vec<Vec<usize>> = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (term, entry) in terms {
            if term.is_empty() {
                continue;
            }
            let at = *seen.entry(term.clone()).or_insert_with(|| {
                distinct.push(term);
                entries.push(Vec::new());
                distinct.len() - 1
            });
            entries[at].push(entry);
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&distinct)
            .ok();
        Self { automaton, entries }
    }
}

/// A keyword found in a text: the entry and the byte span in the (normalised) text.
pub(super) struct Found {
    pub entry: usize,
    pub start: usize,
    pub end: usize,
}

impl KeywordIndex {
    /// Indexes the positive keywords of `categories`, Chinese then English per category, in the
    /// catalogue's order.
    pub fn new(categories: &[Category]) -> Self {
        let mut entries = Vec::new();
        let mut zh = Vec::new();
        let mut en = Vec::new();
        for (ci, category) in categories.iter().enumerate() {
            let rules = &category.matching;
            let keywords = rules
                .keywords_zh
                .iter()
                .map(|k| (k, false))
                .chain(rules.keywords_en.iter().map(|k| (k, true)));
            for (keyword, whole_word) in keywords {
                let term = normalize(&keyword.term).trim().to_owned();
                let index = entries.len();
                entries.push(Entry {
                    category: ci,
                    term: keyword.term.clone(),
                    weight: keyword.weight,
                });
                if whole_word {
                    en.push((term, index));
                } else {
                    zh.push((squeeze(&term).0, index));
                }
            }
        }
        Self {
            entries,
            zh: Patterns::new(zh),
            en: Patterns::new(en),
        }
    }

    /// The entry `index` refers to.
    pub fn entry(&self, index: usize) -> &Entry {
        &self.entries[index]
    }

    /// Every keyword occurrence in `text` (normalised), ordered by entry, then start.
    pub fn find(&self, text: &str) -> Vec<Found> {
        let mut found = Vec::new();
        if let Some(automaton) = &self.zh.automaton {
            let (squeezed, map) = squeeze(text);
            for m in automaton.find_overlapping_iter(&squeezed) {
                let start = map[m.start()];
                let end = map[m.end() - 1] + 1;
                for &entry in &self.zh.entries[m.pattern().as_usize()] {
                    found.push(Found { entry, start, end });
                }
            }
        }
        if let Some(automaton) = &self.en.automaton {
            for m in automaton.find_overlapping_iter(text) {
                if let Some(end) = whole_word_end(text, m.start(), m.end()) {
                    for &entry in &self.en.entries[m.pattern().as_usize()] {
                        found.push(Found {
                            entry,
                            start: m.start(),
                            end,
                        });
                    }
                }
            }
        }
        found.sort_by_key(|f| (f.entry, f.start, f.end));
        found.dedup_by_key(|f| (f.entry, f.start, f.end));
        found
    }
}

/// `text` without the spaces that stand between two non-ASCII characters (`消防 应急灯` becomes
/// `消防应急灯`), and for each byte of the result the offset of that byte in `text`.
fn squeeze(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len());
    let mut previous: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let between = c == ' '
            && previous.is_some_and(|p| !p.is_ascii())
            && next.is_some_and(|n| !n.is_ascii());
        if !between {
            out.push(c);
            map.extend(at..at + c.len_utf8());
        }
        previous = Some(c);
    }
    (out, map)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::rules::find_term;
    use super::super::test_support::builtin;
    use super::*;
    use proptest::prelude::*;

    /// What the keyword-by-keyword search finds, in the index's order.
    fn one_by_one(categories: &[Category], text: &str) -> Vec<(usize, usize, usize)> {
        let mut found = Vec::new();
        let mut entry = 0;
        for category in categories {
            let rules = &category.matching;
            let keywords = rules
                .keywords_zh
                .iter()
                .map(|k| (k, false))
                .chain(rules.keywords_en.iter().map(|k| (k, true)));
            for (keyword, whole_word) in keywords {
                for (start, end) in find_term(text, &normalize(&keyword.term), whole_word) {
                    found.push((entry, start, end));
                }
                entry += 1;
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    static CATALOGUE: std::sync::LazyLock<crate::catalogue::Catalogue> =
        std::sync::LazyLock::new(builtin);

    static INDEX: std::sync::LazyLock<KeywordIndex> =
        std::sync::LazyLock::new(|| KeywordIndex::new(CATALOGUE.categories()));

    fn check(text: &str) -> Result<(), TestCaseError> {
        let catalogue = &*CATALOGUE;
        let text = normalize(text);
        let index = &*INDEX;
        let found: Vec<(usize, usize, usize)> = index
            .find(&text)
            .iter()
            .map(|f| (f.entry, f.start, f.end))
            .collect();
        prop_assert_eq!(found, one_by_one(catalogue.categories(), &text), "{}", text);
        Ok(())
    }

    #[test]
    fn the_index_finds_what_each_keyword_finds() {
        for t in [
            "消防 应急灯 LED",
            "雅迪电动自行车 48V 新国标 送头盔",
            "Electric bikes, e-bike batteries and fat tires",
            "BV 2.5平方 国标铜芯电线 100米",
            "Smart TV 55 inch with soundbar",
            "电动 自行车 电 池",
        ] {
            check(t).unwrap();
        }
    }

    proptest! {
        #[test]
        fn the_index_finds_what_each_keyword_finds_in_any_title(
            words in proptest::collection::vec(
                proptest::sample::select(vec![
                    "电动", "自行车", "车", "电池", "充电器", "插座", "灯", "消防", "应急灯", " ", "  ",
                    "e", "-", "bike", "bikes", "electric", "tv", "s", "es", "cable", "，", "wire",
                    "rope", "led", "灯带", "é", "48V", "x",
                ]),
                0..12,
            ),
        ) {
            check(&words.concat())?;
        }
    }
}

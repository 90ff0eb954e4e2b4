//! A learned reading of listing titles, beside the rules: a naive Bayes model over the titles' character
//! n-grams, trained on the labelled titles of `core/tests/data/` (embedded at build time). It is not
//! the classifier: the rules decide. It serves two purposes, both measured leave-one-set-out (see
//! `core/tests/data/README.md`):
//!
//! - a fallback for a title the rules leave unclassified although the model is all but certain it is
//!   a product of the catalogue (`MODEL_ANSWERS_AT`);
//! - a second opinion: a title on which the model and the rules disagree is flagged for the seller to
//!   confirm (`Reading::needs_confirmation`).
//!
//! Multinomial naive Bayes with binary counts (a feature counts once per title) and Laplace smoothing:
//! about a hundred lines, so no machine-learning crate is pulled in. Training and prediction are
//! deterministic: labels are kept sorted, ties go to the first label, and a title's features are summed
//! in the title's order.

use std::collections::{BTreeSet, HashMap};

/// The labelled sets the built-in model learns from (`title<TAB>category<TAB>part`, a header row).
const TRAINING_SETS: [&str; 9] = [
    include_str!("../../tests/data/classify_dev.tsv"),
    include_str!("../../tests/data/classify_heldout.tsv"),
    include_str!("../../tests/data/classify_heldout2.tsv"),
    include_str!("../../tests/data/classify_heldout3.tsv"),
    include_str!("../../tests/data/classify_heldout4.tsv"),
    include_str!("../../tests/data/classify_heldout5.tsv"),
    include_str!("../../tests/data/classify_heldout6.tsv"),
    include_str!("../../tests/data/classify_heldout7.tsv"),
    include_str!("../../tests/data/classify_heldout8.tsv"),
];

/// Laplace smoothing of the feature counts (1.0 scored best leave-one-set-out of 0.1, 0.3 and 1.0).
const SMOOTHING: f64 = 1.0;

/// The label of a title outside the catalogue.
pub const NONE_LABEL: &str = "none";

/// A title's label for the model: `none`, a category id, or `ebike/battery` (category and part).
pub fn label(category: Option<&str>, part: Option<&str>) -> String {
    match (category, part) {
        (Some(c), Some(p)) => format!("{c}/{p}"),
        (Some(c), None) => c.to_owned(),
        (None, _) => NONE_LABEL.to_owned(),
    }
}

/// A naive Bayes model of listing titles.
#[derive(Debug, Clone)]
pub struct TitleModel {
    labels: Vec<String>,
    log_prior: Vec<f64>,
    /// Per feature, in how many titles of each label it occurs.
    counts: HashMap<String, Vec<u32>>,
    /// Per label, the log of its smoothed feature total.
    log_total: Vec<f64>,
}

impl TitleModel {
    /// Learns from `(title, label)` pairs (labels as [`label`] writes them).
    pub fn train<'a>(examples: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let examples: Vec<(&str, &str)> = examples.into_iter().collect();
        let labels: Vec<String> = examples
            .iter()
            .map(|&(_, l)| l.to_owned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut per_label = vec![0u32; labels.len()];
        let mut totals = vec![0u64; labels.len()];
        let mut counts: HashMap<String, Vec<u32>> = HashMap::new();
        for &(title, l) in &examples {
            let li = labels.binary_search_by(|x| x.as_str().cmp(l)).unwrap_or(0);
            per_label[li] += 1;
            for feature in distinct_features(title) {
                counts
                    .entry(feature)
                    .or_insert_with(|| vec![0; labels.len()])[li] += 1;
                totals[li] += 1;
            }
        }
        let n = examples.len().max(1) as f64;
        let vocabulary = counts.len() as f64;
        TitleModel {
            log_prior: per_label.iter().map(|&c| (f64::from(c) / n).ln()).collect(),
            log_total: totals
                .iter()
                .map(|&t| (t as f64 + SMOOTHING * vocabulary).ln())
                .collect(),
            labels,
            counts,
        }
    }

    /// The model learnt from every labelled set of `core/tests/data/`, built on first use.
    pub fn builtin() -> &'static TitleModel {
        static MODEL: std::sync::OnceLock<TitleModel> = std::sync::OnceLock::new();
        MODEL.get_or_init(|| {
            let rows: Vec<(&str, String)> = TRAINING_SETS
                .iter()
                .flat_map(|set| parse_set(set))
                .collect();
            TitleModel::train(rows.iter().map(|(t, l)| (*t, l.as_str())))
        })
    }

    /// The most probable label of a title and its probability under the model (in 0..=1).
    pub fn predict(&self, title: &str) -> (&str, f64) {
        let features: Vec<String> = distinct_features(title)
            .into_iter()
            .filter(|f| self.counts.contains_key(f))
            .collect();
        let scores: Vec<f64> = (0..self.labels.len())
            .map(|li| {
                features.iter().fold(self.log_prior[li], |acc, f| {
                    let c = self.counts.get(f).map_or(0, |c| c[li]);
                    acc + (f64::from(c) + SMOOTHING).ln() - self.log_total[li]
                })
            })
            .collect();
        let Some((best, &top)) = scores
            .iter()
            .enumerate()
            .reduce(|a, b| if b.1 > a.1 { b } else { a })
        else {
            return (NONE_LABEL, 0.0);
        };
        let sum: f64 = scores.iter().map(|s| (s - top).exp()).sum();
        (self.labels[best].as_str(), 1.0 / sum)
    }
}

/// The rows of a labelled set as `(title, label)`.
pub fn parse_set(text: &str) -> Vec<(&str, String)> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let title = cols.next()?;
            let category = cols.next().filter(|c| *c != NONE_LABEL);
            let part = cols.next().filter(|p| !p.is_empty());
            Some((title, label(category, part)))
        })
        .collect()
}

/// A title's features, each once, in order of first occurrence: its English words (`w:cable`), and
/// its character n-grams of one to three characters that hold a Chinese character, or of three
/// characters otherwise (`cab`); lowercased, every run of digits read as `0`, spaces collapsed.
fn distinct_features(title: &str) -> Vec<String> {
    let mut text = String::from(" ");
    let mut last: Option<char> = None;
    for c in title.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_digit() {
            '0'
        } else if c.is_whitespace() {
            ' '
        } else {
            c
        };
        if (c == '0' || c == ' ') && last == Some(c) {
            continue;
        }
        text.push(c);
        last = Some(c);
    }
    if !text.ends_with(' ') {
        text.push(' ');
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut push = |f: String| {
        if seen.insert(f.clone()) {
            out.push(f);
        }
    };
    for word in text
        .split(|c: char| !c.is_ascii_lowercase())
        .filter(|w| !w.is_empty())
    {
        push(format!("w:{word}"));
    }
    let chars: Vec<char> = text.chars().collect();
    for n in 1..=3 {
        for gram in chars.windows(n) {
            if gram.iter().all(|c| *c == ' ') {
                continue;
            }
            if n == 3 || gram.iter().any(|&c| is_chinese(c)) {
                push(gram.iter().collect());
            }
        }
    }
    out
}

fn is_chinese(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::catalogue::test_support::{builtin, title};
    use crate::catalogue::{MODEL_DOUBTS_AT, MatchedRule};

    fn toy() -> TitleModel {
        TitleModel::train([
            ("雅迪 电动自行车 48V", "ebike/vehicle"),
            ("爱玛 电动自行车 新国标", "ebike/vehicle"),
            ("电动车 锂电池 48V 20Ah", "ebike/battery"),
            ("Electric bike 500W commuter", "ebike/vehicle"),
            ("Phone case silicone", "none"),
            ("手机壳 硅胶 防摔", "none"),
            ("数据线 type-c 快充", "none"),
        ])
    }

    #[test]
    fn features_are_chinese_ngrams_english_words_and_trigrams_with_digits_folded() {
        let f = distinct_features("电动车 48V Bike");
        for expected in ["电", "电动", "电动车", "车 ", "w:v", "w:bike", "bik", "0v "] {
            assert!(f.iter().any(|x| x == expected), "{expected} in {f:?}");
        }
        // Digits fold to one `0`, and each feature counts once.
        assert!(!f.iter().any(|x| x.contains('4')));
        let mut unique = f.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), f.len());
    }

    #[test]
    fn the_model_learns_labels_and_its_probabilities_are_deterministic() {
        let model = toy();
        let (label, p) = model.predict("台铃 电动自行车 60V");
        assert_eq!(label, "ebike/vehicle");
        assert!(p > 0.5 && p <= 1.0, "{p}");
        assert_eq!(model.predict("手机壳 透明").0, "none");
        // The same title, the same answer, from a model trained again.
        assert_eq!(toy().predict("台铃 电动自行车 60V"), (label, p));
        // Nothing known: the prior decides, and an empty model answers none.
        assert_eq!(TitleModel::train([]).predict("x"), (NONE_LABEL, 0.0));
    }

    #[test]
    fn labelled_rows_become_labels_with_their_part() {
        let rows =
            parse_set("title\tcategory\tpart\n电动车 电池\tebike\tbattery\n手机壳\tnone\t\n\n");
        assert_eq!(
            rows,
            vec![
                ("电动车 电池", "ebike/battery".to_owned()),
                ("手机壳", NONE_LABEL.to_owned())
            ]
        );
    }

    #[test]
    fn the_model_answers_only_where_the_rules_find_no_category_and_flags_its_answer() {
        let catalogue = builtin();
        let model = TitleModel::train([
            ("盘圆 规格 Φ8 现货", "steel_rebar_crb"),
            ("盘圆 规格 Φ10 现货 批发", "steel_rebar_crb"),
            ("手机壳 硅胶", "none"),
        ]);
        // The rules find nothing in `盘圆 规格 Φ6 现货`; a model sure of a category answers, flagged.
        let listing = title("盘圆 规格 Φ6 现货");
        assert_eq!(catalogue.classify(&listing), None);
        let reading = catalogue.read_with(&listing, Some(&model));
        let c = reading.classification.expect("the model answers");
        assert_eq!(c.category.as_str(), "steel_rebar_crb");
        assert!(matches!(c.rule, MatchedRule::Learned { .. }));
        assert!(reading.learned && reading.needs_confirmation);
        // A category the rules found is kept, however sure the model is of another.
        let sure_none =
            TitleModel::train([("雅迪 电动自行车", "none"), ("爱玛 电动自行车", "none")]);
        let reading = catalogue.read_with(&title("雅迪 电动自行车 新国标"), Some(&sure_none));
        assert_eq!(
            reading
                .classification
                .map(|c| c.category.to_string())
                .as_deref(),
            Some("ebike")
        );
        assert!(!reading.learned);
        // The model doubts it (names none at MODEL_DOUBTS_AT or more), so the seller confirms it.
        assert!(sure_none.predict("雅迪 电动自行车 新国标").1 >= MODEL_DOUBTS_AT);
        assert!(reading.needs_confirmation);
        // Without a model: the rules alone, never flagged.
        let reading = catalogue.read_with(&title("雅迪 电动自行车 新国标"), None);
        assert!(!reading.needs_confirmation && !reading.learned);
    }

    #[test]
    fn the_builtin_model_learns_every_labelled_set() {
        let model = TitleModel::builtin();
        let rows: usize = TRAINING_SETS.iter().map(|s| parse_set(s).len()).sum();
        assert!(rows > 2_500, "{rows}");
        assert!(model.labels.iter().any(|l| l == "ebike/battery"));
        assert!(model.labels.iter().any(|l| l == NONE_LABEL));
    }
}
